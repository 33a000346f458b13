"""The canonical JSON report: ``ScanResult.to_dict()`` with cookie values nulled unless asked for."""

from __future__ import annotations

import json
from typing import Any

from cookiescan.models import ScanResult
from cookiescan.report.interface import ReportOptions


def _redact(node: Any) -> Any:
    # Cookie and CookieWrite records both carry value_length next to value: null every such value,
    # wherever it sits (states -> cookies, pages -> cookie_writes, or copied into finding evidence).
    if isinstance(node, dict):
        out = {k: _redact(v) for k, v in node.items()}
        if "value_length" in out and "value" in out:
            out["value"] = None
        return out
    if isinstance(node, list):
        return [_redact(v) for v in node]
    return node


VALUE_KEYS = ("value", "cookie_value", "values")


def _redact_evidence(findings: list[dict[str, Any]]) -> None:
    # rules may quote a value in a finding's evidence; those keys are nulled too
    for f in findings:
        evidence = f.get("evidence")
        if isinstance(evidence, dict):
            for key in VALUE_KEYS:
                if key in evidence:
                    evidence[key] = None


def render(result: ScanResult, options: ReportOptions) -> str:
    """The result as indented UTF-8 JSON; every cookie ``value`` is null unless ``show_values``."""
    data = result.to_dict()
    if not options.show_values:
        data = _redact(data)
        _redact_evidence(data.get("findings", []))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
