"""Regenerate the client's copy of the contracts from the workspace's `gonghui.shared.contracts`.

    uv run python clients/python/scripts/generate_contracts.py

Writes `contracts.schema.json` (the JSON Schema of every payload, the pin checked by
tests/unit/partner_client) and `contracts.py` (pydantic models generated from it by
datamodel-code-generator, run through uvx), so the published package needs only pydantic.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gonghui.shared.contracts.published import published_schema

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gonghui_partner"
GENERATOR = "datamodel-code-generator==0.26.3"


def main() -> None:
    """Write the schema snapshot, generate the models, append the type tables."""
    schema = published_schema()
    snapshot = PACKAGE / "contracts.schema.json"
    snapshot.write_text(json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    models = PACKAGE / "contracts.py"
    subprocess.run(
        [
            "uvx", "--from", GENERATOR, "datamodel-codegen",
            "--input", str(snapshot), "--input-file-type", "jsonschema",
            "--output", str(models), "--output-model-type", "pydantic_v2.BaseModel",
            "--target-python-version", "3.10", "--use-standard-collections",
            "--use-union-operator", "--use-schema-description", "--field-constraints",
            "--set-default-enum-member", "--use-subclass-enum",
            "--disable-timestamp", "--use-title-as-name", "--collapse-root-models",
            "--custom-file-header", '"""Payload contracts of the gonghui bus, generated from '
            'contracts.schema.json (scripts/generate_contracts.py); do not edit."""',
        ],
        check=True,
    )  # fmt: skip
    tables = ["", "", "TYPES: dict[str, type[BaseModel]] = {"]
    tables += [f"    {name!r}: {model}," for name, model in sorted(schema["x-types"].items())]
    tables += ["}", '"""The payload model of every type on the bus, by CloudEvents `type`."""', ""]
    tables += ["COMMANDS: frozenset[str] = frozenset({"]
    tables += [f"    {name!r}," for name in sorted(schema["x-commands"])]
    tables += ["})", '"""The types a department may send on its outbox."""', ""]
    models.write_text(models.read_text() + "\n".join(tables))
    subprocess.run(["ruff", "format", "--quiet", str(models)], check=True)


if __name__ == "__main__":
    main()
