"""The published JSON Schema of a ScanResult (``cookiescan schema``), generated from the record
types themselves so it cannot drift from what the tool writes."""

from __future__ import annotations

import json
from typing import Any

from cookiescan.models import SCHEMA_VERSION, ScanResult

SCHEMA_ID = f"https://cookiescan.invalid/schema/scan-result-{SCHEMA_VERSION}.json"


def result_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for the JSON form of :class:`~cookiescan.models.ScanResult`."""
    import pydantic

    schema = pydantic.TypeAdapter(ScanResult).json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = f"cookiescan ScanResult {SCHEMA_VERSION}"
    schema["description"] = ("The canonical result of one cookiescan run: observations per consent state, "
                             "skipped pages, findings and the evidence metadata.")
    states = schema["properties"]["states"]
    states["propertyNames"] = {"enum": ["before", "accept", "reject"]}
    return schema


def schema_json() -> str:
    return json.dumps(result_schema(), indent=2, sort_keys=True)
