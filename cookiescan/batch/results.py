"""From cookiescan's canonical result dict (``ScanResult.to_dict()``) to the rows the store keeps.

Works on the dict alone, so the store does not depend on the scanner's classes. Every value here came
from a website at some point: it is only ever bound as a parameter, never formatted into SQL.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cookiescan.batch.records import StoreError

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class Digest:
    """The summary columns of a scan plus its finding and cookie rows."""

    started_at: datetime | None
    finished_at: datetime | None
    pages: int
    severity_counts: dict[str, int]
    findings_total: int
    tool_version: str
    config_hash: str
    findings: list[dict[str, Any]]
    cookies: list[dict[str, Any]]
    result_gz: bytes


def digest(result: dict[str, Any]) -> Digest:
    """Summarise one result dict; raises StoreError when it is not a result at all."""
    if not isinstance(result, dict) or not isinstance(result.get("states", {}), dict):
        raise StoreError("not a cookiescan result: expected the dict of ScanResult.to_dict()")
    states: dict[str, Any] = result.get("states") or {}

    finding_rows = []
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in _dicts(result.get("findings")):
        severity = str(f.get("severity") or "low")
        ignored = f.get("ignored")
        finding_rows.append({
            "rule": str(f.get("rule") or ""),
            "scenario": str(f.get("scenario") or ""),
            "subject": str(f.get("subject") or ""),
            "severity": severity,
            "ignored": str(ignored) if ignored else None,
        })
        if not ignored and severity in counts:
            counts[severity] += 1

    cookie_rows = []
    pages: set[str] = set()
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        pages.update(str(p["url"]) for p in _dicts(state.get("pages")) if p.get("url"))
        for c in _dicts(state.get("cookies")):
            lifetime = c.get("requested_lifetime_days")
            cookie_rows.append({
                "state": str(state.get("state") or name),
                "name": str(c.get("name") or ""),
                "domain": str(c.get("domain") or ""),
                "site": str(c.get("site") or ""),
                "party": str(c.get("party") or ""),
                "category": str(c.get("category") or "unknown"),
                "vendor": str(c["vendor"]) if c.get("vendor") else None,
                "requested_lifetime_days": float(lifetime) if isinstance(lifetime, (int, float)) else None,
            })

    tool = result.get("tool")
    if not isinstance(tool, dict):
        tool = {}
    try:
        raw = json.dumps(result, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"the result cannot be stored as JSON: {exc}") from None
    return Digest(
        started_at=_time(result.get("started_at")),
        finished_at=_time(result.get("finished_at")),
        pages=len(pages),
        severity_counts=counts,
        findings_total=sum(counts.values()),
        tool_version=str(tool.get("version") or ""),
        config_hash=str(result.get("config_hash") or ""),
        findings=finding_rows,
        cookies=cookie_rows,
        # mtime=0: the same result always gives the same bytes
        result_gz=gzip.compress(raw.encode("utf-8"), compresslevel=6, mtime=0),
    )


def undigest(blob: bytes) -> dict[str, Any]:
    """The result dict back from its stored gzip."""
    data: dict[str, Any] = json.loads(gzip.decompress(blob).decode("utf-8"))
    return data


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _time(value: Any) -> datetime | None:
    """An ISO time from the result (UTC when it has no zone), or None when missing or malformed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
