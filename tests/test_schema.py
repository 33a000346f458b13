"""The published JSON Schema describes what the tool writes (issue #4 item 5)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from cookiescan.analyse import analyse
from cookiescan.config import ScanConfig
from cookiescan.models import ScanResult
from cookiescan.schema import result_schema


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(result_schema())


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_a_real_result_validates(shop_before: ScanResult) -> None:
    data = json.loads(json.dumps(analyse(shop_before, ScanConfig()).to_dict()))
    jsonschema.validate(data, result_schema())
    data["states"]["before"]["cookies"][0]["requested_lifetime_days"] = "two years"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, result_schema())
    bad = json.loads(json.dumps(shop_before.to_dict()))
    bad["states"]["sometimes"] = bad["states"]["before"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, result_schema())
