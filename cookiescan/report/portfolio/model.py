"""The portfolio from data: a site's row from its latest result and the diff against the scan before it, the
riskiest-first order, and the findings counted by rule and by vendor. Pure functions: the store is read by
:mod:`cookiescan.batch.portfolio`, which calls these."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from cookiescan.diff import Change, DiffResult
from cookiescan.models import Finding, ScanResult, active, ignored, verdict, worst_severity
from cookiescan.report import view
from cookiescan.report.portfolio.records import (
    Attempt,
    FindingRef,
    RuleCount,
    SiteRow,
    TrendPoint,
    VendorCount,
)


def finding_ref(change: Change) -> FindingRef:
    """A finding change of a diff as a flat record (the side that exists: after when added, before when
    removed)."""
    rec = change.after or change.before or {}
    return FindingRef(key=change.key, rule=str(rec.get("rule") or ""), severity=str(change.severity or ""),
                      scenario=str(rec.get("scenario") or ""), subject=str(rec.get("subject") or ""),
                      message=str(rec.get("message") or ""))


def changes_of(diff: DiffResult | None) -> tuple[tuple[FindingRef, ...], tuple[FindingRef, ...],
                                                  tuple[FindingRef, ...], int]:
    """(new, resolved, escalated findings, count of other changes) of a diff; all empty without one.
    New and resolved are the diff's added and removed findings, in the diff's order."""
    if diff is None:
        return (), (), (), 0
    new = tuple(finding_ref(c) for c in diff.new_findings())
    resolved = tuple(finding_ref(c) for c in diff.changes if c.what == "finding" and c.kind == "removed")
    escalated = tuple(finding_ref(c) for c in diff.escalated_findings())
    others = sum(1 for c in diff.changes if c.what != "finding")
    return new, resolved, escalated, others


def site_row(*, url: str, domain: str, tags: Sequence[str], scan_id: int, run: str, finished_at: str,
             result: ScanResult, previous: tuple[str, str] | None, diff: DiffResult | None,
             trend: Sequence[TrendPoint], report: str | None, latest_attempt: Attempt | None = None) -> SiteRow:
    """One site's row: counts, worst severity and verdict from its latest ``result``; new/resolved from
    ``diff`` (the previous scan against this one; ``previous`` is that scan's (run label, finished_at))."""
    counts = view.severity_counts(result.findings)
    new, resolved, escalated, others = changes_of(diff)
    return SiteRow(
        url=url, domain=domain, tags=tuple(tags), scan_id=scan_id, run=run, finished_at=finished_at,
        pages=result.pages_scanned, verdict=verdict(result), worst=worst_severity(result.findings),
        high=counts.get("high", 0), medium=counts.get("medium", 0), low=counts.get("low", 0),
        ignored=len(ignored(result.findings)),
        previous_run=previous[0] if previous else None, previous_finished_at=previous[1] if previous else None,
        new=new, resolved=resolved, escalated=escalated, other_changes=others,
        diff_warnings=diff.warnings if diff is not None else (), trend=tuple(trend), report=report,
        latest_attempt=latest_attempt,
    )


def riskiest_first(rows: Iterable[SiteRow]) -> tuple[SiteRow, ...]:
    """Rows sorted by :meth:`SiteRow.risk_key`."""
    return tuple(sorted(rows, key=SiteRow.risk_key))


def finding_vendor(result: ScanResult, finding: Finding) -> str | None:
    """The vendor a finding is about: the one its evidence names, else the vendor of the cookie, storage
    key or third-party domain its subject names in the finding's state (any state for "all"); None when
    the finding is about no vendor (the banner, the notice, an unknown first-party cookie)."""
    named = finding.evidence.get("vendor") if isinstance(finding.evidence, dict) else None
    if isinstance(named, str) and named:
        return named
    states = [result.states[finding.scenario]] if finding.scenario in result.states else list(result.states.values())
    for state in states:
        for c in state.cookies:
            if c.name == finding.subject and c.vendor:
                return c.vendor
        for s in state.storage:
            if s.key == finding.subject and s.vendor:
                return s.vendor
        for t in state.third_parties:
            if t.site == finding.subject and t.vendor:
                return t.vendor
    return None


class Tally:
    """Active findings counted by rule and by vendor across sites, one result at a time (a portfolio of many
    sites never holds every result in memory)."""

    def __init__(self) -> None:
        self._rules: dict[str, dict[str, int]] = defaultdict(_zero)
        self._vendors: dict[str, dict[str, int]] = defaultdict(_zero)
        self.unattributed = 0  # findings about no vendor

    def add(self, result: ScanResult) -> None:
        """Count one site's latest result."""
        rules: set[str] = set()
        vendors: set[str] = set()
        for f in active(result.findings):
            _count(self._rules[f.rule], f.severity, f.rule, rules)
            vendor = finding_vendor(result, f)
            if vendor is None:
                self.unattributed += 1
            else:
                _count(self._vendors[vendor], f.severity, vendor, vendors)

    def by_rule(self) -> tuple[RuleCount, ...]:
        """Every rule that fired, the one with most high findings first."""
        out = [RuleCount(rule=rule, title=view.rule_info(rule).title, **c) for rule, c in self._rules.items()]
        return tuple(sorted(out, key=lambda r: (-r.high, -r.medium, -r.low, -r.sites, r.rule)))

    def by_vendor(self) -> tuple[VendorCount, ...]:
        """Every vendor a finding is about, the one with most high findings first."""
        out = [VendorCount(vendor=vendor, **c) for vendor, c in self._vendors.items()]
        return tuple(sorted(out, key=lambda v: (-v.high, -v.medium, -v.low, -v.sites, v.vendor)))


def _zero() -> dict[str, int]:
    return {"high": 0, "medium": 0, "low": 0, "sites": 0}


def _count(counts: dict[str, int], severity: str, name: str, seen_on_site: set[str]) -> None:
    if severity in ("high", "medium", "low"):
        counts[severity] += 1
    if name not in seen_on_site:
        seen_on_site.add(name)
        counts["sites"] += 1


def chart(trend: Sequence[TrendPoint], *, width: int = 132, height: int = 36, gap: int = 3) -> list[dict[str, object]]:
    """Stacked bars for a trend chart, one per scan (oldest left): each a dict with ``x``, ``w`` and its
    ``parts`` (severity, y, h) from the bottom, high at the bottom; heights scale to the site's largest
    scan. Numbers only: the template draws them, nothing here is markup."""
    if not trend:
        return []
    slots = max(len(trend), 6)  # a site with two scans keeps narrow bars, like one with twelve
    bar = max((width - gap * (slots - 1)) // slots, 2)
    top = max((p.total for p in trend), default=0) or 1
    bars: list[dict[str, object]] = []
    x0 = width - len(trend) * (bar + gap) + gap  # right-aligned: the latest scan always sits at the right edge
    for i, p in enumerate(trend):
        y = height
        parts = []
        for sev, n in (("high", p.high), ("medium", p.medium), ("low", p.low)):
            if not n:
                continue
            h = max(round(n / top * (height - 2)), 1)
            y -= h
            parts.append({"severity": sev, "y": y, "h": h})
        bars.append({"x": x0 + i * (bar + gap), "w": bar, "parts": parts, "point": p})
    return bars
