"""A short Markdown summary for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

Verdict, severity counts, the consent banner per state, a capped findings table and the skipped
pages count. Site-controlled text is escaped so it cannot close a table cell, open a code span or
inject HTML, and the whole document stays under :data:`MAX_BYTES` (GitHub refuses step summaries
over 1 MiB) whatever the size of the scan.
"""

from __future__ import annotations

import re
from collections import Counter

from cookiescan.models import ScanResult, active, ignored, severity_rank, verdict
from cookiescan.notice import NO_VENDORS
from cookiescan.report import view
from cookiescan.report.html.signals import signals_view
from cookiescan.report.interface import ReportOptions

MAX_BYTES = 1024 * 1024 - 16 * 1024  # GitHub's 1 MiB limit, with room for the truncation note
MAX_FINDINGS = 50
MAX_CELL = 160

SEVERITY_MARK = {"high": "🔴 High", "medium": "🟠 Medium", "low": "🔵 Low"}
_SPECIAL = re.compile(r"([\\`*_\[\]{}|#!~])")


def esc(text: object, limit: int = MAX_CELL) -> str:
    """Escape site-controlled text for a Markdown table cell: HTML (&, <, >), Markdown markup
    (pipes, backticks, emphasis, links) and line breaks; long text is cut with an ellipsis."""
    s = " ".join(str(text if text is not None else "").split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", s)


def _code(rule_id: str) -> str:
    # rule ids are ours, but keep the code span unbreakable whatever they contain
    return re.sub(r"[^A-Za-z0-9._-]", "", rule_id)[:60] or "rule"


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "**no**")


def _notice_lines(result: ScanResult) -> list[str]:
    """A short block on the written notice: counts of promises kept and broken, and its notes."""
    n = view.notice_summary(result)
    if n is None:
        return []
    source = esc(n.source or "the notice", 200)
    out = ["### Cookie notice", "", f"Checked against {source} ({esc(n.language, 20)}).", ""]
    if n.no_vendors:
        out += [
            "> **No vendor recognised in the notice:** vendors seen on the site could not be checked against it "
            "(none is reported as unnamed).",
            "",
        ]
    unnamed = "not checked" if n.no_vendors and not n.seen_unnamed else str(n.seen_unnamed)
    promise = "none for every cookie"
    if n.promise_days is not None:
        plural = "s" if n.lifetime_broken != 1 else ""
        kept = f"**broken by {n.lifetime_broken} cookie{plural}**" if n.lifetime_broken else "kept"
        promise = f"{esc(view.human_days(n.promise_days))} for every cookie, {kept}"
    refusal = "not promised" if n.refusal is None else ("**broken**" if n.refusal == "broken" else n.refusal)
    out += [
        "| Notice | |",
        "|---|---|",
        f"| Vendors named | {n.vendors_named} ({n.named_unused} never seen) |",
        f"| Tracking vendors seen but not named | {unnamed} |",
        f"| Lifetime promise | {promise} |",
        f"| Refusal remembered by a cookie | {refusal} |",
        "",
    ]
    others = [note for note in n.notes if note.strip().lower() != NO_VENDORS]
    if others:
        out += ["Notes: " + "; ".join(esc(note, 200) for note in others), ""]
    return out


def _ids_text(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids) or "none"


def _signals_lines(result: ScanResult, states: list[str]) -> list[str]:
    """What the site told ad tech, per state: the TCF signal and Google Consent Mode (absent when neither)."""
    sv = signals_view(result, states)
    if sv is None:
        return []
    out = ["### What the site told ad tech", "", "| | " + " | ".join(esc(view.state_label(s)) for s in states) + " |",
           "|---|" + "---|" * len(states)]
    if sv["has_tcf"]:
        rows = sv["tcf"]
        out += [
            "| TCF consent platform | " + " | ".join(
                "—" if rows[s] is None else f"CMP {rows[s]['cmp_id']} ({esc(rows[s]['source'] or '?')})"
                for s in states) + " |",
            "| TCF purposes with consent | " + " | ".join(
                "—" if rows[s] is None else _ids_text([p for p, _ in rows[s]["consent"]]) for s in states) + " |",
            "| TCF purposes under legitimate interest | " + " | ".join(
                "—" if rows[s] is None else _ids_text([p for p, _ in rows[s]["li"]]) for s in states) + " |",
            "| TCF vendors with consent | " + " | ".join(
                "—" if rows[s] is None else str(rows[s]["vendor_count"]) for s in states) + " |",
        ]
    if sv["has_consent_mode"]:
        out += [f"| Consent Mode {esc(row['signal'])} | " + " | ".join(
            esc(", ".join(c["texts"])) or "—" for c in row["cells"]) + " |" for row in sv["consent_mode"]]
    return [*out, ""]


def _choice_lines(result: ScanResult, states: list[str]) -> list[str]:
    """What the states whose choice was not made stand for: not applicable, or not confirmed."""
    out = []
    na = [s for s in states if not result.states[s].applicable]
    if na:
        out.append(f"*{esc(', '.join(view.STATE_SHORT.get(s, s) for s in na))}: not applicable — no consent "
                   "banner was found in any state, so there was nothing to accept or reject; only the before state "
                   "is judged.*")
    for s in states:
        b = result.states[s].banner
        if result.states[s].applicable and b is not None and b.confirmed is False:
            why = f": {esc(b.confirmation[0], 200)}" if b.confirmation else ""
            out.append(f"*{esc(view.STATE_SHORT.get(s, s))}: choice not confirmed{why}. Its findings are marked "
                       "(unconfirmed).*")
    return [*out, ""] if out else []


def lines_for(result: ScanResult, options: ReportOptions) -> list[str]:
    """The summary as a list of Markdown lines (before the size cap)."""
    title = view.report_title(result, options.title)
    counts = view.severity_counts(result.findings)
    states = view.ordered_states(result)
    out = [f"## cookiescan: {esc(title, 200)}", "", f"**{esc(verdict(result), 300)}**", ""]
    meta = [
        f"Site: {esc(result.site)}",
        f"Scanned: {esc(view.utc_text(result.started_at))}",
        f"Pages: {result.pages_scanned}",
        f"States: {', '.join(esc(view.state_label(s)) for s in states) or '—'}",
        f"Fail on: {esc(options.fail_on)}",
    ]
    out += [" · ".join(meta), ""]

    out += ["| Severity | Findings |", "|---|---:|"]
    out += [f"| {SEVERITY_MARK.get(s, esc(s))} | {n} |" for s, n in counts.items()]
    n_ignored = len(ignored(result.findings))
    if n_ignored:
        out.append(f"| Ignored | {n_ignored} |")
    out.append("")

    if states:
        out += [
            "### Per consent state",
            "",
            "| | " + " | ".join(esc(view.state_label(s)) for s in states) + " |",
            "|---|" + "---:|" * len(states),
        ]
        rows = {
            "Pages visited": [len(result.states[s].pages) for s in states],
            "Cookies": [sum(1 for c in result.states[s].cookies if c.in_jar) for s in states],
            "Analytics / marketing cookies": [
                sum(
                    1
                    for c in result.states[s].cookies
                    if c.in_jar and c.category in ("analytics", "marketing")
                )
                for s in states
            ],
            "Third-party domains": [len(result.states[s].third_parties) for s in states],
            "Findings": [sum(1 for f in active(result.findings) if f.scenario == s) for s in states],
        }
        out += [f"| {label} | " + " | ".join(str(v) for v in values) + " |" for label, values in rows.items()]
        out.append("")

        out += [
            "### Consent banner",
            "",
            "| State | Banner | CMP | Action | Clicks | Reject on first layer | Error |",
            "|---|---|---|---|---:|---|---|",
        ]
        for s in states:
            b = result.states[s].banner
            if not result.states[s].applicable:
                out.append(f"| {esc(view.state_label(s))} | not applicable: no consent banner | | | | | |")
                continue
            if b is None:
                out.append(f"| {esc(view.state_label(s))} | not checked | | | | | |")
                continue
            action = esc(b.action or "—") + ("" if not b.action else (
                " ✓" if b.succeeded else " ✗ choice not confirmed" if b.confirmed is False else " ✗ failed"))
            out.append(
                f"| {esc(view.state_label(s))} | {'found' if b.found else '**not found**'} | "
                f"{esc(b.cmp or '—')} | {action} | {b.clicks} | {_yes_no(b.reject_on_first_layer)} | "
                f"{esc(b.error or '')} |"
            )
        out.append("")
        out += _choice_lines(result, states)

    out += _notice_lines(result)
    out += _signals_lines(result, states)

    live = sorted(
        active(result.findings),
        key=lambda f: (
            -severity_rank(f.severity),
            f.rule,
            states.index(f.scenario) if f.scenario in states else 99,
            f.subject,
        ),
    )
    if live:
        out += [
            "### Findings",
            "",
            "| Severity | Rule | State | Subject | Message |",
            "|---|---|---|---|---|",
        ]
        for f in live[:MAX_FINDINGS]:
            out.append(
                f"| {SEVERITY_MARK.get(f.severity, esc(f.severity))} | {esc(view.rule_info(f.rule).title)}"
                f" (`{_code(f.rule)}`) | {esc(view.STATE_SHORT.get(f.scenario, f.scenario))}"
                f"{' (unconfirmed)' if f.unconfirmed else ''} | "
                f"{esc(f.subject, 80)} | {esc(f.message)} |"
            )
        if len(live) > MAX_FINDINGS:
            out.append("")
            out.append(f"…and {len(live) - MAX_FINDINGS} more findings (see the HTML or JSON report).")
        out.append("")

    if result.skipped:
        reasons = Counter(p.reason for p in result.skipped)
        out.append(
            f"**Skipped pages:** {len(result.skipped)} ("
            + ", ".join(f"{esc(r, 40)}: {n}" for r, n in reasons.most_common())
            + ")"
        )
        out.append("")
    if result.errors:
        out.append(f"**Errors during the scan:** {len(result.errors)}")
        out.append("")

    browser = result.browser.product if result.browser else "unknown browser"
    out.append(
        f"<sub>{esc(result.tool.name)} {esc(result.tool.version)} · {esc(browser)} · "
        f"config {esc(result.config_hash[:12] or '—')} · {esc(view.utc_text(result.finished_at))}</sub>"
    )
    return out


def render(result: ScanResult, options: ReportOptions) -> str:
    """The Markdown summary, cut to stay under :data:`MAX_BYTES`."""
    text_lines: list[str] = []
    size = 0
    lines = lines_for(result, options)
    for i, line in enumerate(lines):
        n = len(line.encode("utf-8")) + 1
        if size + n > MAX_BYTES:
            text_lines.append("")
            text_lines.append(
                f"*Summary truncated: {len(lines) - i} more lines left out to stay under "
                "GitHub's 1 MiB limit. See the HTML or JSON report.*"
            )
            break
        text_lines.append(line)
        size += n
    return "\n".join(text_lines) + "\n"
