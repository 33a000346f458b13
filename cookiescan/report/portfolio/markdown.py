"""The portfolio in Markdown, for a pull request, a ticket or ``$GITHUB_STEP_SUMMARY``: the sites riskiest
first, failures, new and resolved findings per site, and the findings by rule and by vendor. Site text goes
through the report's Markdown escaper (no HTML, no links, no table breaks)."""

from __future__ import annotations

import re

from cookiescan.report import view
from cookiescan.report.markdown import SEVERITY_MARK, esc
from cookiescan.report.portfolio.html import href
from cookiescan.report.portfolio.records import FindingRef, Portfolio, TrendPoint

MAX_ROWS = 200  # per table; the rest is counted, not listed
MAX_CHANGES = 20  # findings listed per site and kind


def _sev(severity: str | None) -> str:
    return SEVERITY_MARK.get(severity or "", "✅ None")


def _code(rule_id: str) -> str:
    """A rule id for a code span (escapes do not work there: keep only the characters ids use)."""
    return re.sub(r"[^A-Za-z0-9._-]", "", rule_id)[:60] or "rule"


def _trend(points: tuple[TrendPoint, ...]) -> str:
    """Findings per scan, oldest first (the last six)."""
    return " → ".join(str(p.total) for p in points[-6:]) or "—"


def _finding(f: FindingRef) -> str:
    return (f"- {_sev(f.severity)} `{_code(f.rule)}` {esc(f.subject, 120)} "
            f"({esc(view.state_label(f.scenario), 30)}): {esc(f.message, 200)}")


def lines_for(p: Portfolio, title: str | None = None) -> list[str]:
    """The document as lines."""
    t = p.totals()
    out = [f"# {esc(title or 'Cookie and tracker portfolio', 200)}", ""]
    filters = [f"tags {esc(', '.join(p.tags), 200)}"] if p.tags else []
    if p.since:
        filters.append(f"scanned since {view.utc_text(p.since)}")
    if p.run:
        filters.append(f"run {esc(p.run, 100)}")
    out.append(f"{t['sites']} sites · {t['high']} high, {t['medium']} medium, {t['low']} low · "
               f"{t['new']} new and {t['resolved']} resolved since each site's previous scan · "
               f"{t['failed']} failed, {t['unreachable']} unreachable")
    out += ["", f"Generated {view.utc_text(p.generated_at)}" + (f" · {'; '.join(filters)}" if filters else ""), ""]

    out += ["## Sites", ""]
    if p.rows:
        out += ["| # | Site | Tags | Latest scan | Worst | High | Medium | Low | New | Resolved | Trend | Report |",
                "|---:|---|---|---|---|---:|---:|---:|---:|---:|---|---|"]
        for i, r in enumerate(p.rows[:MAX_ROWS], 1):
            first = r.previous_run is None
            report = f"[report](<{href(r.report)}>)" if r.report else "—"
            a = r.latest_attempt
            failed = f" ⚠️ {esc(a.status, 20)} in {esc(a.run, 60)}" if a else ""
            out.append(f"| {i} | {esc(r.url, 200)}{failed} | {esc(', '.join(r.tags), 120) or '—'} | "
                       f"{view.utc_text(r.finished_at)} ({esc(r.run, 60)}) | {_sev(r.worst)} | {r.high} | {r.medium} | "
                       f"{r.low} | {'—' if first else len(r.new)} | {'—' if first else len(r.resolved)} | "
                       f"{_trend(r.trend)} | {report} |")
        if len(p.rows) > MAX_ROWS:
            out.append(f"\n… and {len(p.rows) - MAX_ROWS} more sites (see the HTML or JSON portfolio).")
    else:
        out.append("No stored scan matches.")
    out.append("")

    out += ["## Failed and unreachable", ""]
    if p.failed:
        out += ["| Site | Status | Run | Attempts | Error | Last good scan |", "|---|---|---|---:|---|---|"]
        for f in p.failed[:MAX_ROWS]:
            last = view.utc_text(f.last_scan_at) if f.last_scan_at else "never scanned"
            out.append(f"| {esc(f.url, 200)} | {esc(f.attempt.status, 20)} | {esc(f.attempt.run, 60)} | "
                       f"{f.attempt.attempts} | {esc(f.attempt.error, 200) or '—'} | {last} |")
    else:
        out.append("Every site's newest job ended with a scan.")
    out.append("")

    out += ["## New and resolved findings", ""]
    changed = [r for r in p.rows if r.new or r.resolved or r.escalated]
    for r in changed:
        since = f"Since {esc(r.previous_run, 60)} ({view.utc_text(r.previous_finished_at or '')})"
        escalated = f", {len(r.escalated)} escalated" if r.escalated else ""
        out += [f"### {esc(r.url, 200)}", "", f"{since}: {len(r.new)} new, {len(r.resolved)} resolved{escalated}", ""]
        for heading, items in (("New", r.new), ("Severity went up", r.escalated), ("Resolved", r.resolved)):
            if items:
                out += [f"**{heading}**", "", *(_finding(f) for f in items[:MAX_CHANGES])]
                if len(items) > MAX_CHANGES:
                    out.append(f"- … and {len(items) - MAX_CHANGES} more")
                out.append("")
    if not changed:
        out += ["No finding appeared or went away since each site's previous scan.", ""]

    out += ["## Findings by rule", ""]
    if p.by_rule:
        out += ["| Rule | Findings | High | Medium | Low | Sites |", "|---|---:|---:|---:|---:|---:|"]
        out += [f"| {esc(r.title, 120)} (`{_code(r.rule)}`) | {r.findings} | {r.high} | {r.medium} | {r.low} | "
                f"{r.sites} |" for r in p.by_rule[:MAX_ROWS]]
    else:
        out.append("No rule fired on any site.")
    out += ["", "## Findings by vendor", ""]
    if p.by_vendor:
        out += ["| Vendor | Findings | High | Medium | Low | Sites |", "|---|---:|---:|---:|---:|---:|"]
        out += [f"| {esc(v.vendor, 120)} | {v.findings} | {v.high} | {v.medium} | {v.low} | {v.sites} |"
                for v in p.by_vendor[:MAX_ROWS]]
    else:
        out.append("No finding names a vendor.")
    if p.unattributed:
        out += ["", f"{p.unattributed} finding(s) name no vendor (the banner, the notice, first-party cookies)."]
    out.append("")
    return out


def render(p: Portfolio, title: str | None = None) -> str:
    """The portfolio as Markdown."""
    return "\n".join(lines_for(p, title))
