"""The declared-list section of the HTML report: what the site's own cookie list says against what was
observed, one table per kind of mismatch, built from the declared-list findings.
"""

from __future__ import annotations

from typing import Any

from cookiescan.models import ScanResult, active

DECLARED_RULES = {
    "undeclared": ("undeclared-cookie",),
    "not_found": ("declared-not-found",),
    "lifetime": ("lifetime-over-declared", "declared-lifetime-over-cap"),
}


def declared_view(result: ScanResult, states: list[str]) -> dict[str, Any]:
    """Declared vs observed: rows per subject for each kind of mismatch, from the findings."""
    out: dict[str, Any] = {}
    for kind, rules in DECLARED_RULES.items():
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for f in active(result.findings):
            if f.rule not in rules:
                continue
            row = rows.setdefault((f.rule, f.subject), {"f": f, "states": [], "evidence": f.evidence})
            if f.scenario not in row["states"]:
                row["states"].append(f.scenario)
        out[kind] = sorted(rows.values(), key=lambda r: r["f"].subject.lower())
    declared = result.declared or {}
    entries = None
    for key in ("cookies", "entries", "declared"):
        if isinstance(declared.get(key), list):
            entries = len(declared[key])
            break
    out["entries"] = entries
    out["source"] = next(
        (str(declared[k]) for k in ("source", "path", "file", "url") if declared.get(k)), None
    )
    out["provided"] = result.declared is not None
    return out
