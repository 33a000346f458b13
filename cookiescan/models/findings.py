"""What findings mean for a run: which count (ignored, unconfirmed, seen in too few repeated runs), the
exit-code gate, the one ignore record, and the one verdict sentence every run ends with and every report
opens with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from fnmatch import fnmatchcase
from typing import Any

from cookiescan.models.records import Finding, ScanResult
from cookiescan.models.vocabulary import SEVERITIES, severity_at_least, severity_rank


def active(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings that count for gating: those no ignore entry matched."""
    return tuple(f for f in findings if f.ignored is None)


def ignored(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings an ignore entry matched (reports show them apart, with the reason)."""
    return tuple(f for f in findings if f.ignored is not None)


def worst_severity(findings: Iterable[Finding]) -> str | None:
    """The highest severity among the active findings; None when there are none."""
    severities = [f.severity for f in active(findings)]
    return max(severities, key=severity_rank) if severities else None


def below_min_seen(finding: Finding, min_seen: int | None) -> bool:
    """Seen in fewer than ``min_seen`` of the repeated runs: listed, but not gating (``--min-seen``)."""
    return min_seen is not None and finding.seen_in is not None and finding.seen_in < min_seen


def confirmed(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The active findings a report can stand behind: not from a state whose choice the site never recorded."""
    return tuple(f for f in active(findings) if not f.unconfirmed)


def fails_gate(findings: Iterable[Finding], gate: str, min_seen: int | None = None) -> bool:
    """Whether a confirmed, active finding reaches ``gate`` (the exit-code decision of ``--fail-on``); with
    ``min_seen``, findings seen in fewer repeated runs do not count. Unconfirmed findings (the choice was not
    recorded by the site) are listed but never fail a run: a report must not accuse on an unverified state."""
    return any(severity_at_least(f.severity, gate) for f in confirmed(findings) if not below_min_seen(f, min_seen))


@dataclass(frozen=True, slots=True)
class Ignore:
    """An ignore entry of the config: matching findings stay in the result, with ``ignored`` set to the
    reason, and no longer gate.

    Attributes:
        rule: a rule id, ``"*"`` or a glob over rule ids.
        subject: a glob over the finding's subject (cookie name, storage key, domain, ``banner``),
            case-sensitive as cookie names are.
        reason: why it is ignored (mandatory; shown in reports).
        until: last day the entry applies (inclusive); ``None`` = no expiry.
    """

    rule: str
    subject: str
    reason: str
    until: date | None = None

    def applies(self, finding: Finding, today: date) -> bool:
        """True when this entry matches the finding and has not expired on ``today``."""
        return (self.until is None or today <= self.until) and self.matches(finding)

    def matches(self, finding: Finding) -> bool:
        """Rule and subject match, whatever the expiry."""
        return fnmatchcase(finding.rule, self.rule or "*") and fnmatchcase(finding.subject, self.subject or "*")

    @classmethod
    def from_mapping(cls, entry: Mapping[str, Any]) -> Ignore:
        """From a config entry ``{rule, subject, reason, until}`` (``until`` a date or ``YYYY-MM-DD``);
        raises ValueError on a bad date."""
        until = entry.get("until")
        if isinstance(until, datetime):
            until = until.date()
        elif until is not None and not isinstance(until, date):
            until = date.fromisoformat(str(until).strip()) if str(until).strip() else None
        return cls(str(entry.get("rule") or "*"), str(entry.get("subject") or "*"), str(entry.get("reason") or ""),
                   until)


FAILED_VISIT_REASONS = ("error", "timeout", "crashed", "budget", "interrupted")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def verdict(result: ScanResult) -> str:
    """The one sentence every run ends with and every report opens with, e.g.
    ``"5 findings (3 high, 2 medium) on 12 pages (3 consent states)"`` or
    ``"No findings on 20 pages (3 consent states); 2 ignored; 1 page visit failed; scan interrupted"``."""
    where = f"on {_plural(result.pages_scanned, 'page')} ({_plural(len(result.states), 'consent state')})"
    found = confirmed(result.findings)
    if found:
        counts = [f"{n} {s}" for s in reversed(SEVERITIES) if (n := sum(1 for f in found if f.severity == s))]
        text = f"{_plural(len(found), 'finding')} ({', '.join(counts)}) {where}"
    else:
        text = f"No findings {where}"
    extra = []
    if unconfirmed := sum(1 for f in active(result.findings) if f.unconfirmed):
        extra.append(f"{unconfirmed} unconfirmed (choice not confirmed)")
    if not_applicable := [s for s, st in result.states.items() if not st.applicable]:
        extra.append(f"{' and '.join(not_applicable)} not applicable (no consent banner)")
    if result.runs > 1:
        flaky = sum(1 for f in found if f.seen_in is not None and f.seen_in < result.runs)
        extra.append(f"{result.runs} runs merged" + (f", {flaky} not seen in every run" if flaky else ""))
    if n_ignored := len(ignored(result.findings)):
        extra.append(f"{n_ignored} ignored")
    if failed := sum(1 for s in result.skipped if s.reason in FAILED_VISIT_REASONS):
        extra.append(f"{_plural(failed, 'page visit')} failed")
    if result.interrupted:
        extra.append("scan interrupted")
    return "; ".join([text, *extra])
