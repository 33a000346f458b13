"""What a portfolio is made of: one :class:`SiteRow` per site (its latest scan, what changed since the scan
before it, its trend), the sites whose latest attempt failed, and the findings counted by rule and by vendor
across every site. Frozen records with their JSON form (``portfolio_version`` :data:`PORTFOLIO_VERSION`).

Every string here except the rule ids, severities, statuses and run labels came from a website or from the
person who listed the sites: renderers escape all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cookiescan.models import SEVERITIES, severity_rank

PORTFOLIO_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class FindingRef:
    """One finding that appeared or went away between two scans of a site (a finding :class:`Change` of the
    diff, flattened). ``key`` is the diff's identity ``rule|scenario|subject``."""

    key: str
    rule: str
    severity: str
    scenario: str
    subject: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"key": self.key, "rule": self.rule, "severity": self.severity, "scenario": self.scenario,
                "subject": self.subject, "message": self.message}


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Active findings by severity in one stored scan of a site."""

    scan_id: int
    run: str  # the run's label
    finished_at: str  # ISO 8601, UTC
    high: int
    medium: int
    low: int

    @property
    def total(self) -> int:
        return self.high + self.medium + self.low

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"scan_id": self.scan_id, "run": self.run, "finished_at": self.finished_at, "high": self.high,
                "medium": self.medium, "low": self.low}


@dataclass(frozen=True, slots=True)
class Attempt:
    """A job that ended without a scan: ``status`` is ``failed`` (gave up after its attempts) or
    ``unreachable``; ``error`` the last error, as the worker recorded it."""

    run: str
    status: str
    error: str
    attempts: int
    finished_at: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"run": self.run, "status": self.status, "error": self.error, "attempts": self.attempts,
                "finished_at": self.finished_at}


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One site's latest scan and what changed since the scan before it.

    ``high``/``medium``/``low`` count active findings (ignored ones do not count); ``worst`` is the highest
    of them (None: no finding); ``new``/``resolved``/``escalated`` come from
    :func:`cookiescan.diff.diff_results` of the previous stored scan and this one, exactly what
    ``cookiescan diff --db URL SITE`` prints (empty when ``previous_run`` is None: nothing to compare);
    ``trend`` holds the site's last scans, oldest first, this one last; ``report`` is the site's HTML report
    relative to the portfolio file (None when there is none on disk); ``latest_attempt`` is set when a
    newer job of the site failed or found it unreachable, so this scan is the last good one."""

    url: str
    domain: str
    tags: tuple[str, ...]
    scan_id: int
    run: str
    finished_at: str
    pages: int
    verdict: str
    worst: str | None
    high: int
    medium: int
    low: int
    ignored: int
    previous_run: str | None
    previous_finished_at: str | None
    new: tuple[FindingRef, ...]
    resolved: tuple[FindingRef, ...]
    escalated: tuple[FindingRef, ...]
    other_changes: int  # cookies and trackers added, removed or changed
    diff_warnings: tuple[str, ...]
    trend: tuple[TrendPoint, ...]
    report: str | None
    latest_attempt: Attempt | None = None

    def risk_key(self) -> tuple[Any, ...]:
        """Sort key, riskiest first: worst severity, then high, medium and low counts, then new findings,
        then the URL (so equal risks keep a stable order)."""
        return (-severity_rank(self.worst or ""), -self.high, -self.medium, -self.low, -len(self.new), self.url)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "url": self.url,
            "domain": self.domain,
            "tags": list(self.tags),
            "scan_id": self.scan_id,
            "run": self.run,
            "finished_at": self.finished_at,
            "pages": self.pages,
            "verdict": self.verdict,
            "worst": self.worst,
            "counts": {"high": self.high, "medium": self.medium, "low": self.low, "ignored": self.ignored},
            "previous": None if self.previous_run is None else {"run": self.previous_run,
                                                                 "finished_at": self.previous_finished_at},
            "new": [f.to_dict() for f in self.new],
            "resolved": [f.to_dict() for f in self.resolved],
            "escalated": [f.to_dict() for f in self.escalated],
            "other_changes": self.other_changes,
            "diff_warnings": list(self.diff_warnings),
            "trend": [p.to_dict() for p in self.trend],
            "report": self.report,
            "latest_attempt": None if self.latest_attempt is None else self.latest_attempt.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class FailedSite:
    """A site whose newest job ended without a scan; ``last_scan_at`` is its newest stored scan, if any
    (that scan is then still a row of the portfolio)."""

    url: str
    domain: str
    tags: tuple[str, ...]
    attempt: Attempt
    last_scan_at: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"url": self.url, "domain": self.domain, "tags": list(self.tags), **self.attempt.to_dict(),
                "last_scan_at": self.last_scan_at}


@dataclass(frozen=True, slots=True)
class RuleCount:
    """One rule across the portfolio: its active findings in the sites' latest scans, by severity, and how
    many sites have at least one."""

    rule: str
    title: str
    high: int
    medium: int
    low: int
    sites: int

    @property
    def findings(self) -> int:
        return self.high + self.medium + self.low

    @property
    def worst(self) -> str | None:
        return next((s for s in reversed(SEVERITIES) if getattr(self, s)), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"rule": self.rule, "title": self.title, "findings": self.findings, "high": self.high,
                "medium": self.medium, "low": self.low, "sites": self.sites}


@dataclass(frozen=True, slots=True)
class VendorCount:
    """One vendor across the portfolio: the active findings about its cookies, storage or domains in the
    sites' latest scans, and on how many sites."""

    vendor: str
    high: int
    medium: int
    low: int
    sites: int

    @property
    def findings(self) -> int:
        return self.high + self.medium + self.low

    @property
    def worst(self) -> str | None:
        return next((s for s in reversed(SEVERITIES) if getattr(self, s)), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"vendor": self.vendor, "findings": self.findings, "high": self.high, "medium": self.medium,
                "low": self.low, "sites": self.sites}


@dataclass(frozen=True, slots=True)
class Portfolio:
    """The latest scan of every site, riskiest first, with failures and the findings by rule and vendor.

    ``tags``/``since``/``run`` record the filters it was built with; ``unattributed`` counts the findings
    tied to no vendor (the banner, the notice, undeclared first-party cookies …)."""

    generated_at: str
    tool_version: str
    database: str  # the store's URL, password hidden
    rows: tuple[SiteRow, ...]
    failed: tuple[FailedSite, ...]
    by_rule: tuple[RuleCount, ...]
    by_vendor: tuple[VendorCount, ...]
    unattributed: int = 0
    tags: tuple[str, ...] = ()
    since: str | None = None
    run: str | None = None

    def totals(self) -> dict[str, int]:
        """Counts over the whole portfolio."""
        return {
            "sites": len(self.rows),
            "high": sum(r.high for r in self.rows),
            "medium": sum(r.medium for r in self.rows),
            "low": sum(r.low for r in self.rows),
            "sites_with_findings": sum(1 for r in self.rows if r.worst),
            "new": sum(len(r.new) for r in self.rows),
            "resolved": sum(len(r.resolved) for r in self.rows),
            "failed": sum(1 for f in self.failed if f.attempt.status == "failed"),
            "unreachable": sum(1 for f in self.failed if f.attempt.status == "unreachable"),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the JSON format writes)."""
        return {
            "portfolio_version": PORTFOLIO_VERSION,
            "generated_at": self.generated_at,
            "tool": {"name": "cookiescan", "version": self.tool_version},
            "database": self.database,
            "filters": {"tags": list(self.tags), "since": self.since, "run": self.run},
            "totals": self.totals(),
            "sites": [{"rank": i, **r.to_dict()} for i, r in enumerate(self.rows, 1)],
            "failed": [f.to_dict() for f in self.failed],
            "by_rule": [r.to_dict() for r in self.by_rule],
            "by_vendor": [v.to_dict() for v in self.by_vendor],
            "unattributed_findings": self.unattributed,
        }
