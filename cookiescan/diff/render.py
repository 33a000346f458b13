"""A diff in words: the one-line verdict, a plain-text table for the terminal, a Markdown summary for CI
and the canonical JSON. Site-controlled text is made safe for each (no terminal escapes, no Markdown or
HTML injection)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from cookiescan.diff.compare import FAIL_ON_NEW, LIFETIME_FIELDS, gating_findings, should_fail
from cookiescan.diff.records import Change, DiffResult
from cookiescan.errors import UsageError
from cookiescan.models import SEVERITIES
from cookiescan.report.markdown import esc

MAX_MARKDOWN_ROWS = 200


def verdict(diff: DiffResult, fail_on_new: str = "never") -> str:
    """The one-line summary to end the run with (stderr)."""
    new = diff.new_findings() + diff.escalated_findings()
    others = len(diff.changes) - len(new)
    rest = f"; {others} other change{'s' if others != 1 else ''}" if others else ""
    if not new:
        return f"No new findings since the baseline{rest}"
    by_sev = [f"{n} {s}" for s in reversed(SEVERITIES) if (n := sum(c.severity == s for c in new))]
    line = f"{len(new)} new finding{'s' if len(new) != 1 else ''} since the baseline ({', '.join(by_sev)}){rest}"
    if fail_on_new != "never" and fail_on_new in FAIL_ON_NEW:
        gating = len(gating_findings(diff, fail_on_new))
        line += f"; {gating} at or above {fail_on_new}"
    return line


def _days(value: Any) -> str:
    if value is None:
        return "session"
    return f"{float(value):.0f} d" if abs(float(value)) >= 1 else f"{float(value):.2f} d"


def _show(name: str, value: Any) -> str:
    if name in LIFETIME_FIELDS:
        return _days(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _subject(change: Change) -> str:
    rec = change.after or change.before or {}
    if change.what == "cookie":
        path = rec.get("path") or "/"
        return f"{rec.get('name', '')} ({rec.get('site', '')}{'' if path == '/' else ' ' + path})"
    if change.what == "tracker":
        return str(rec.get("site", ""))
    return f"{rec.get('rule', '')} · {rec.get('subject', '')}"


def _detail(change: Change) -> str:
    rec = change.after or change.before or {}
    if change.kind == "changed" and change.before is not None and change.after is not None:
        before, after = change.before, change.after
        return "; ".join(f"{f.removesuffix('_days')}: {_show(f, before.get(f))} → {_show(f, after.get(f))}"
                         for f in change.fields)
    if change.what == "finding":
        return f"{rec.get('severity', '')}: {rec.get('message', '')}"
    parts = [f"{rec.get('category', 'unknown')}"]
    if rec.get("vendor"):
        parts.append(str(rec["vendor"]))
    if change.what == "cookie":
        parts.append(f"{rec.get('party', '')} party")
        parts.append(f"lifetime {_days(rec.get('requested_lifetime_days'))}")
        if not rec.get("declared"):
            parts.append("not declared")
    elif rec.get("sets_cookies"):
        parts.append("sets cookies")
    return ", ".join(parts)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _plain(text: object, limit: int = 100) -> str:
    """Site-controlled text made safe for a terminal: no escape sequences, bidi tricks or line breaks."""
    s = _CONTROL.sub(" ", str(text if text is not None else ""))
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _header_lines(diff: DiffResult) -> list[str]:
    def describe(meta: dict[str, Any]) -> str:
        return f"{meta.get('site')} at {meta.get('started_at')} (cookiescan {meta.get('tool_version')})"

    return [f"old: {describe(diff.old)}", f"new: {describe(diff.new)}"]


def render_text(diff: DiffResult, fail_on_new: str = "never") -> str:
    """A plain-text table for the terminal (no colour, no TTY needed), ending with the verdict."""
    lines = [_plain(x, 200) for x in _header_lines(diff)]
    lines += [f"warning: {_plain(w, 300)}" for w in diff.warnings]
    lines.append("")
    if diff.changes:
        rows = [("CHANGE", "TYPE", "STATE", "ITEM", "DETAIL")]
        rows += [
            (c.kind, c.what, c.state or "all", _plain(_subject(c), 60), _plain(_detail(c), 120)) for c in diff.changes
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
        lines.append("")
    else:
        lines.append("No changes.")
    lines.append(verdict(diff, fail_on_new))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _md_escape(text: object) -> str:
    return esc(_plain(text, 1000))


def render_markdown(diff: DiffResult, fail_on_new: str = "never") -> str:
    """A Markdown summary (for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment); site-controlled
    text is escaped so it cannot break the table, open a code span or inject HTML."""
    lines = ["## cookiescan: changes since the baseline", ""]
    lines += [f"- {_md_escape(x)}" for x in _header_lines(diff)]
    lines.append("")
    for w in diff.warnings:
        lines.append(f"> ⚠️ {_md_escape(w)}")
    if diff.warnings:
        lines.append("")
    lines.append(f"**{_md_escape(verdict(diff, fail_on_new))}**")
    lines.append("")
    if diff.changes:
        lines += ["| Change | Type | State | Item | Detail |", "|---|---|---|---|---|"]
        for c in diff.changes[:MAX_MARKDOWN_ROWS]:
            lines.append(
                f"| {c.kind} | {c.what} | {c.state or 'all'} | {_md_escape(_subject(c))} | {_md_escape(_detail(c))} |"
            )
        if len(diff.changes) > MAX_MARKDOWN_ROWS:
            lines += ["", f"…and {len(diff.changes) - MAX_MARKDOWN_ROWS} more changes (see the JSON diff)."]
    else:
        lines.append("No changes.")
    return "\n".join(lines) + "\n"


def render_json(diff: DiffResult, fail_on_new: str = "never") -> str:
    """The canonical JSON form (:meth:`DiffResult.to_dict`), with the gate's outcome when asked."""
    data = diff.to_dict()
    if fail_on_new != "never":
        data["fail_on_new"] = fail_on_new
        data["failed"] = should_fail(diff, fail_on_new)
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


FORMATS: dict[str, Callable[..., str]] = {"text": render_text, "md": render_markdown, "json": render_json}


def render(diff: DiffResult, fmt: str, fail_on_new: str = "never") -> str:
    """Render a diff in one of :data:`FORMATS` ("markdown" is accepted for "md")."""
    fmt = {"markdown": "md", "txt": "text"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise UsageError(f"unknown diff format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[fmt](diff, fail_on_new)
