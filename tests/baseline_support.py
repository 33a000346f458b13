"""Stored result baselines: the canonical JSON of a scan with what varies from run to run taken out
(times, durations, ports, the fixture CA's key, browser build), so a refactor can prove it changed no
observation and no finding.

Refresh after an intended change of behaviour (and say why in the commit):
    .venv/bin/python -m tests.baseline_support --update
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

BASELINES = Path(__file__).parent / "baselines"

# Keys whose values are clocks, durations or this machine's browser build.
VOLATILE_KEYS = frozenset({
    "started_at", "finished_at", "time", "duration_ms", "settle_ms", "settled", "stored_expires",
    "stored_lifetime_days", "user_agent", "product", "executable", "set_at", "config_hash", "python",
    "playwright", "version", "known_trackers", "timings", "wait_ms",
})
_HTTP_DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d[ -]\w{3}[ -]\d{4} \d\d:\d\d:\d\d GMT")
# the revisits' and the cap's dates follow today's date: the same scan tomorrow gives other days
_DAY = re.compile(r"\b\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?)?\b")
_MS = re.compile(r"\b\d+(?:\.\d+)? ?(ms|s)\b")
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_SPKI = re.compile(r"(spki-list=)[A-Za-z0-9+/=]+")
_EVIDENCE_DIR = re.compile(r"^[^/]*-evidence/")


def _text(value: str) -> str:
    value = _HTTP_DATE.sub("<date>", value)
    value = _DAY.sub("<day>", value)
    value = _MS.sub(r"<n> \1", value)
    value = _PORT.sub("127.0.0.1:<port>", value)
    value = _SPKI.sub(r"\1<key>", value)
    return _EVIDENCE_DIR.sub("<evidence>/", value)


def _racy(key: str, value: Any) -> bool:
    """Facts that depend on which parallel tab of a state ran when: the pages a cookie was *seen* on (the
    state's tabs share one jar), the frame a write was attributed to while an iframe was still loading, and
    (in :func:`normalise`) the script or page of a cookie's last write."""
    if key in ("pages", "first_seen_page") and (isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value))):
        return True
    return key == "frame_url"


def normalise(value: Any) -> Any:
    """The result without what varies between two runs of the same scan; lists sorted (their order follows
    which parallel tab finished first), lifetimes rounded to the hour."""
    if isinstance(value, dict):
        last_writer = "in_jar" in value  # a cookie: which tab wrote it last is a race between parallel visits
        return {k: "<browser>" if k == "browser" and isinstance(v, str) else normalise(v)  # this machine's path
                for k, v in sorted(value.items())
                if k not in VOLATILE_KEYS and not _racy(k, v) and not (last_writer and k == "set_by")}
    if isinstance(value, list):
        return sorted((normalise(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, str):
        return _text(value)
    return value


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Readable paths where two normalised results differ (first 40)."""
    out: list[str] = []
    if type(old) is not type(new):
        out.append(f"{path}: {str(old)[:120]!r} -> {str(new)[:120]!r}")
    elif isinstance(old, dict):
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                out.append(f"{path}/{key}: {'added' if key not in old else 'removed'}")
            else:
                out += differences(old[key], new[key], f"{path}/{key}")
    elif isinstance(old, list):
        if len(old) != len(new):
            out.append(f"{path}: {len(old)} items -> {len(new)}")
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            out += differences(a, b, f"{path}[{i}]")
    elif old != new:
        out.append(f"{path}: {old!r} -> {new!r}")
    return out[:40]


def load(name: str) -> Any:
    return json.loads((BASELINES / f"{name}.json").read_text(encoding="utf-8"))


def save(name: str, result: dict[str, Any]) -> None:
    BASELINES.mkdir(exist_ok=True)
    (BASELINES / f"{name}.json").write_text(json.dumps(normalise(result), indent=1, sort_keys=True,
                                                       ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - maintenance command
    import sys

    if "--update" not in sys.argv:
        sys.exit(__doc__)
    import pytest

    sys.exit(pytest.main(["-q", "tests/test_baseline.py", "--update-baselines"]))
