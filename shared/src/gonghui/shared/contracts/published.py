"""The contracts as partners' code sees them: one JSON Schema, pinned in the client library."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from gonghui.shared.contracts import CATALOGUE, Command
from gonghui.shared.contracts.refusals import NOTICES


def published_schema() -> dict[str, Any]:
    """Every payload's JSON Schema under `$defs`, with the type tables (`x-types`, `x-commands`)."""
    contracts = [*CATALOGUE.contracts, *NOTICES]
    _, schema = models_json_schema(
        [(contract, "validation") for contract in contracts], ref_template="#/$defs/{model}"
    )
    schema["title"] = "gonghui bus payloads"
    schema["x-types"] = {contract.type_name: contract.__name__ for contract in contracts}
    schema["x-commands"] = sorted(c.type_name for c in contracts if issubclass(c, Command))
    return schema
