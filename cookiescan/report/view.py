"""Facts every report format words the same way: severity counts, rule titles, lifetimes in plain units,
state names, value redaction, timestamps and the notice summary (the vocabulary and the verdict sentence
live in :mod:`cookiescan.models`).

Rule titles and explanations come from :data:`cookiescan.rules.RULE_INFO`, the one registry of every rule
(the notice rules too).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cookiescan.models import (
    SEVERITIES,
    STATES,
    Finding,
    ScanResult,
    confirmed,
    severity_rank,
)
from cookiescan.notice import NO_VENDORS
from cookiescan.rules import RULE_INFO
from cookiescan.units import DAYS_PER_MONTH, DAYS_PER_YEAR, parse_cap

STATE_LABELS = {
    "before": "Before any choice",
    "accept": "After accept all",
    "reject": "After reject all",
    "withdraw": "After accepting, then withdrawing",
    "all": "All states",
    "notice": "In the notice",
}
STATE_SHORT = {"before": "Before", "accept": "Accept", "reject": "Reject", "withdraw": "Withdraw", "all": "All states",
               "notice": "Notice"}
DEFAULT_CAP_MONTHS = 13


@dataclass(frozen=True, slots=True)
class RuleView:
    """What a report says about one rule."""

    id: str
    title: str
    severity: str
    explanation: str
    legal_basis: str


def state_label(state: str) -> str:
    """Long name of a consent state ("After reject all"); unknown states pass through."""
    return STATE_LABELS.get(state, state)


def ordered_states(result: ScanResult) -> list[str]:
    """The result's states in canonical order (before, accept, reject), then any others."""
    known = [s for s in STATES if s in result.states]
    return known + sorted(s for s in result.states if s not in STATES)


def _field(info: Any, name: str) -> str:
    value = info.get(name) if isinstance(info, dict) else getattr(info, name, None)
    return str(value or "")


def rule_info(rule_id: str, severity: str = "medium") -> RuleView:
    """Title, explanation and legal basis of a rule; the id itself when the rule is unknown (a result
    written by a newer version may name a rule this one does not know).

    Looked up in :data:`cookiescan.rules.RULE_INFO`, the one registry of every rule (the notice rules too),
    through the Mapping interface only, so a read-only registry would do too.
    """
    info = RULE_INFO.get(rule_id)
    if info is None:
        return RuleView(rule_id, rule_id, severity, "", "")
    return RuleView(
        id=rule_id,
        title=_field(info, "title") or rule_id,
        severity=_field(info, "severity") or severity,
        explanation=_field(info, "explanation"),
        legal_basis=_field(info, "legal_basis"),
    )


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Confirmed active findings per severity (the verdict's counts), highest first, every severity present."""
    counts = Counter(f.severity for f in confirmed(findings))
    return {s: counts.get(s, 0) for s in sorted(SEVERITIES, key=severity_rank, reverse=True)}


def cap_days(result: ScanResult) -> float:
    """The lifetime cap the scan judged against, in days: the cap the analysis recorded (``--max-lifetime``
    as whole months x 30.44 d); for a result analysed before the cap was recorded, its ``max_lifetime``
    setting; 13 months when neither says."""
    if result.lifetime_cap is not None:
        return result.lifetime_cap.days
    months = DEFAULT_CAP_MONTHS
    text = result.config.get("max_lifetime")
    if isinstance(text, str):
        with contextlib.suppress(ValueError):
            months = parse_cap(text)
    return round(months * DAYS_PER_MONTH, 2)


def over_cap_cookies(result: ScanResult) -> set[tuple[str, str]] | None:
    """(cookie name, domain) pairs a ``lifetime-over-cap`` finding judged over the cap (ignored ones too: an
    ignore changes the gate, not the fact); ``None`` for a result that was never analysed."""
    if result.lifetime_cap is None:
        return None
    out: set[tuple[str, str]] = set()
    for f in result.findings:
        if f.rule == "lifetime-over-cap":
            domains = f.evidence.get("domains") or [f.evidence.get("domain")]
            out.update((f.subject, str(d)) for d in domains if d)
    return out


def human_days(days: float | None) -> str:
    """A lifetime in plain units: "session", "30 min", "12 h", "45 d", "13 mo (396 d)", "2 y (730 d)"."""
    if days is None:
        return "session"
    if days <= 0:
        return "expired"
    if days < 1 / 24:
        return f"{max(1, round(days * 1440))} min"
    if days < 1:
        return f"{round(days * 24)} h"
    if days < 61:
        return f"{days:.0f} d"
    months = days / DAYS_PER_MONTH
    if months < 23.5:
        return f"{months:.0f} mo ({days:.0f} d)"
    years = days / DAYS_PER_YEAR
    return (
        f"{years:.0f} y ({days:.0f} d)"
        if abs(years - round(years)) < 0.05
        else (f"{years:.1f} y ({days:.0f} d)")
    )


def value_text(value: str | None, length: int, show_values: bool) -> str:
    """A cookie value as a report shows it: redacted unless the user asked to see values."""
    if not show_values or value is None:
        return f"redacted ({length} char{'' if length == 1 else 's'})"
    return value


def report_title(result: ScanResult, override: str | None = None) -> str:
    """The heading: the user's ``--title``, the result's title, or "Cookie audit of <site>"."""
    return override or result.title or f"Cookie audit of {result.site or 'the site'}"


def duration_text(start: str, end: str) -> str:
    """Elapsed time between two ISO timestamps ("4 min 12 s"); '' when either is unreadable."""
    try:
        secs = (
            datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.fromisoformat(start.replace("Z", "+00:00"))
        ).total_seconds()
    except (ValueError, AttributeError, TypeError):
        return ""
    if secs < 0:
        return ""
    if secs < 60:
        return f"{secs:.0f} s"
    return f"{int(secs // 60)} min {int(secs % 60)} s"


def utc_text(iso: str) -> str:
    """An ISO timestamp as "2025-03-14 09:30 UTC" (the input unchanged when unreadable)."""
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return iso or ""
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True, slots=True)
class NoticeSummary:
    """Counts of what the written notice promises and how the site kept it (for short reports)."""

    source: str
    language: str
    vendors_named: int
    named_unused: int
    seen_unnamed: int
    promise_days: float | None
    lifetime_broken: int
    refusal: str | None  # "broken", "kept", "not checked"; None when the notice promises no refusal cookie
    notes: tuple[str, ...]

    @property
    def no_vendors(self) -> bool:
        return any(n.strip().lower() == NO_VENDORS for n in self.notes)


def refusal_verdict(result: ScanResult, broken: bool) -> str:
    """"broken" (a refusal-not-remembered finding), "kept" (reject clicked, no finding) or "not checked"."""
    if broken:
        return "broken"
    reject = result.states.get("reject")
    banner = reject.banner if reject is not None else None
    return "kept" if banner is not None and banner.found and banner.succeeded else "not checked"


def notice_summary(result: ScanResult) -> NoticeSummary | None:
    """What :attr:`ScanResult.notice` promises, counted against the notice findings; None without a notice."""
    notice = getattr(result, "notice", None)
    if not isinstance(notice, dict):
        return None
    rules = Counter(f.rule for f in result.findings)
    days = notice.get("cookie_promise_days")
    vendors = notice.get("vendors")
    return NoticeSummary(
        source=str(notice.get("source") or ""),
        language=str(notice.get("language") or "unknown"),
        vendors_named=len(vendors) if isinstance(vendors, list) else 0,
        named_unused=rules.get("notice-vendor-unused", 0),
        seen_unnamed=rules.get("undeclared-vendor", 0),
        promise_days=float(days) if isinstance(days, (int, float)) and not isinstance(days, bool) else None,
        lifetime_broken=rules.get("notice-lifetime-broken", 0),
        refusal=refusal_verdict(result, rules.get("refusal-not-remembered", 0) > 0)
        if isinstance(notice.get("refusal_cookie"), dict)
        else None,
        notes=tuple(str(n) for n in notice.get("notes") or ()),
    )
