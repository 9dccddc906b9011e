"""API documentation that works offline: Swagger UI from vendored assets, AsyncAPI as a page."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_UI = "swagger-ui-dist-5.35.0"
ASSETS = Path(__file__).with_name("static")
ASSETS_PATH = "/docs-assets"
"""Where every app serves the vendored documentation assets (see NOTICE)."""


def serve_offline_docs(app: FastAPI) -> None:
    """`/docs` with Swagger UI served by the app itself (create the app with `docs_url=None`)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        vendor = f"{ASSETS_PATH}/vendor/{SWAGGER_UI}"
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui.css",
            swagger_favicon_url=f"{vendor}/favicon-32x32.png",
        )


def wants_html(accept: str | None) -> bool:
    """Whether a request's Accept header prefers a page (a browser) to JSON (a program)."""
    return bool(accept) and "text/html" in accept  # type: ignore[operator]


def asyncapi_page(document: dict[str, Any]) -> str:
    """The AsyncAPI 3.0 document as one readable HTML page: channels, operations, messages."""
    info = document.get("info", {})
    schemas = document.get("components", {}).get("schemas", {})
    messages = document.get("components", {}).get("messages", {})
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(info.get('title', 'AsyncAPI'))} · AsyncAPI</title>",
        f"<link rel='stylesheet' href='{ASSETS_PATH}/asyncapi.css'></head><body>",
        f"<header><h1>{escape(info.get('title', ''))}</h1>",
        f"<p>AsyncAPI {escape(str(document.get('asyncapi', '')))} · "
        f"version {escape(str(info.get('version', '')))} · "
        "<a href='?format=json'>JSON</a></p>",
        f"<p>{escape(info.get('description', ''))}</p></header>",
        "<nav><h2>通道 Channels</h2><ul>",
    ]
    channels = document.get("channels", {})
    for name in channels:
        parts.append(f"<li><a href='#channel-{escape(name)}'>{escape(name)}</a></li>")
    parts.append("</ul></nav><main>")
    operations = document.get("operations", {})
    for name, channel in channels.items():
        parts.append(f"<section class='channel' id='channel-{escape(name)}'>")
        parts.append(f"<h2>{escape(name)}</h2>")
        parts.append(f"<p class='address'><code>{escape(channel.get('address') or '')}</code></p>")
        if channel.get("description"):
            parts.append(f"<p>{escape(channel['description'])}</p>")
        for param, spec in channel.get("parameters", {}).items():
            parts.append(
                f"<p class='param'><code>{{{escape(param)}}}</code> "
                f"{escape(spec.get('description', ''))}</p>"
            )
        for op_name, op in operations.items():
            if _ref_name(op.get("channel", {})) == name:
                action = {"send": "发送 send", "receive": "接收 receive"}.get(op.get("action"), "")
                parts.append(
                    f"<p class='operation'><b>{escape(action)}</b> {escape(op_name)} "
                    f"{escape(op.get('summary', '') or op.get('description', ''))}</p>"
                )
        for key, message in channel.get("messages", {}).items():
            resolved = messages.get(_ref_name(message), message) if "$ref" in message else message
            parts.append(_message(key, resolved, schemas))
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _ref_name(node: dict[str, Any]) -> str:
    return unquote(node.get("$ref", "")).rsplit("/", 1)[-1]


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 20:
        schema = schemas.get(_ref_name(schema), {})
        seen += 1
    return schema


def _message(key: str, message: dict[str, Any], schemas: dict[str, Any]) -> str:
    title = message.get("title") or message.get("name") or key
    parts = [f"<details class='message'><summary>{escape(str(title))}</summary>"]
    if message.get("summary") or message.get("description"):
        parts.append(f"<p>{escape(message.get('summary') or message.get('description'))}</p>")
    payload = _resolve(message.get("payload", {}), schemas)
    variants = payload.get("oneOf") or payload.get("anyOf") or [payload]
    for variant in variants:
        parts.append(_schema_table(_resolve(variant, schemas), schemas))
    parts.append("</details>")
    return "".join(parts)


def _schema_table(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    properties = schema.get("properties", {})
    if not properties:
        return f"<pre>{escape(json.dumps(schema, ensure_ascii=False, indent=2))}</pre>"
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in properties.items():
        resolved = _resolve(prop, schemas)
        kind = resolved.get("type") or resolved.get("title") or _ref_name(prop) or ""
        if "enum" in resolved:
            kind = " | ".join(str(v) for v in resolved["enum"])
        if "const" in resolved:
            kind = f"= {resolved['const']}"
        mark = " *" if name in required else ""
        rows.append(
            f"<tr><td><code>{escape(name)}</code>{mark}</td><td>{escape(str(kind))}</td>"
            f"<td>{escape(str(prop.get('description') or resolved.get('description') or ''))}"
            "</td></tr>"
        )
    title = escape(str(schema.get("title", "")))
    return (
        f"<table><caption>{title}</caption><thead><tr><th>字段 field</th><th>类型 type</th>"
        f"<th>说明 description</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
