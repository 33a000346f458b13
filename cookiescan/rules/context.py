"""What every rule reads: :class:`RuleContext` (the classified result, the declared list, the notice, the
options, known_trackers) and :class:`RuleOptions` (how the rules judge); and which states the rules may judge
(:func:`judged`: not the states that do not apply) and which they judge without proof that the choice was made
(:func:`unconfirmed_states`, :func:`mark_unconfirmed`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from cookiescan.models import Cookie, CookieWrite, Finding, Ignore, ScanResult, StateResult
from cookiescan.rules.evidence import bare, state_key

if TYPE_CHECKING:
    from cookiescan.declared import DeclaredCookie, DeclaredList
    from cookiescan.known import KnownTrackers
    from cookiescan.notice import Notice

__all__ = ["RuleContext", "RuleFn", "RuleOptions", "judged", "mark_unconfirmed", "unconfirmed_states"]


@dataclass(frozen=True, slots=True)
class RuleOptions:
    """How the rules judge.

    Attributes:
        max_lifetime_months: the lifetime cap, in calendar months from the time a cookie is set.
        slack_ratio, slack_days: ``lifetime-over-declared`` fires when the requested lifetime exceeds the
            declared one by more than ``max(slack_ratio × declared, slack_days)``.
        ignores: ignore entries; matched findings are kept with ``ignored`` set to the reason.
        today: the date ignore expiry is judged on (``None`` = today, UTC).
    """

    max_lifetime_months: int = 13
    slack_ratio: float = 0.05
    slack_days: float = 2.0
    ignores: tuple[Ignore, ...] = ()
    today: date | None = None


def parse_time(text: str | None) -> datetime | None:
    """An ISO timestamp as an aware datetime (UTC when it names no zone); ``None`` when unreadable."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def judged(result: ScanResult) -> ScanResult:
    """The result the rules read: without the states that do not apply (accept and reject on a site with no
    consent banner — there was nothing to choose; their observations stay in the result, unjudged)."""
    if all(st.applicable for st in result.states.values()):
        return result
    return replace(result, states={s: st for s, st in result.states.items() if st.applicable})


def unconfirmed_states(result: ScanResult) -> frozenset[str]:
    """The states whose choice the site did not confirm recording (``banner.confirmed`` False)."""
    return frozenset(s for s, st in result.states.items() if st.banner is not None and st.banner.confirmed is False)


def _finding_states(f: Finding) -> list[str]:
    states = f.evidence.get("states")
    if isinstance(states, list) and states and all(isinstance(s, str) for s in states):
        return states
    state = f.evidence.get("state")
    return [state] if isinstance(state, str) else [f.scenario]


#: Rules whose subject is the site failing to record or remember the choice: an unconfirmed state is their
#: evidence, so their findings are never marked unconfirmed.
CHOICE_RULES = frozenset({"refusal-not-remembered"})


def mark_unconfirmed(findings: Iterable[Finding], unconfirmed: frozenset[str]) -> list[Finding]:
    """``unconfirmed`` set on the findings that come only from states in ``unconfirmed`` (what was seen there
    is real, but not proof of what the site does after that choice), except :data:`CHOICE_RULES`'."""
    out = []
    for f in findings:
        if unconfirmed and f.rule not in CHOICE_RULES and all(s in unconfirmed for s in _finding_states(f)):
            f = replace(f, unconfirmed=True)
        out.append(f)
    return out


class RuleContext:
    """What every rule function gets: the classified result, the declared list, the options, and
    (optionally) known_trackers to show its view when the declared category differs, and the written
    notice the notice rules hold the site to."""

    def __init__(
        self,
        result: ScanResult,
        declared: DeclaredList | None,
        options: RuleOptions,
        known: KnownTrackers | None = None,
        notice: Notice | None = None,
    ) -> None:
        self.result = result
        self.declared = declared
        self.options = options
        self.known = known
        self.notice = notice
        #: states whose choice the site did not confirm: rules that conclude from an absence skip them
        self.unconfirmed = unconfirmed_states(result)
        self._writes: dict[str, dict[tuple[str, str], list[CookieWrite]]] = {}
        self._page_start: dict[str, dict[str, str]] = {}

    def states(self) -> list[tuple[str, StateResult]]:
        """States in the canonical order (before, accept, reject), then any others by name."""
        return sorted(self.result.states.items(), key=lambda kv: state_key(kv[0]))

    def writes(self, state: str, cookie: Cookie) -> list[CookieWrite]:
        """The writes the hooks saw for a cookie in a state (same name, same domain)."""
        if state not in self._writes:
            index: dict[tuple[str, str], list[CookieWrite]] = {}
            st = self.result.states.get(state)
            for page in st.pages if st else ():
                for w in page.cookie_writes:
                    index.setdefault((w.name, bare(w.domain)), []).append(w)
            self._writes[state] = index
        return self._writes[state].get((cookie.name, bare(cookie.domain)), [])

    def page_start(self, state: str, page_url: str) -> str | None:
        """When the visit of a page (by its URL or final URL) started in a state."""
        if state not in self._page_start:
            st = self.result.states.get(state)
            self._page_start[state] = {p.url: p.started_at for p in (st.pages if st else ())} | {
                p.final_url: p.started_at for p in (st.pages if st else ())
            }
        return self._page_start[state].get(page_url)

    def declared_entry(self, name: str, domain: str | None) -> DeclaredCookie | None:
        """The declared-list entry covering a cookie or storage key, if any."""
        if self.declared is None:
            return None
        return self.declared.match(name, bare(domain) or None)

    def deletion_only(self, state: str, cookie: Cookie) -> bool:
        """True when the hooks saw writes for this cookie and every one of them was a deletion."""
        ws = self.writes(state, cookie)
        return bool(ws) and all(w.deletes for w in ws) and not cookie.in_jar

    def set_time(self, state: str, cookie: Cookie) -> tuple[datetime | None, str]:
        """When the cookie was set, and where that time comes from."""
        ws = [w for w in self.writes(state, cookie) if not w.deletes]
        if ws:
            want = cookie.requested_lifetime_days
            best = min(
                ws,
                key=lambda w: (
                    abs((w.requested_lifetime_days or 0) - (want or 0)) if want is not None else 0,
                    w.time,
                ),
            )
            t = parse_time(best.time)
            if t is not None:
                return t, "write"
        t = parse_time(self.page_start(state, cookie.first_seen_page))
        if t is not None:
            return t, "page"
        t = parse_time(self.result.started_at)
        return (t, "scan") if t is not None else (None, "none")


#: A rule: one function of the context, yielding its findings.
RuleFn = Callable[[RuleContext], Iterable[Finding]]
