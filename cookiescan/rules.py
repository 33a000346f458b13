"""The checks a privacy regulator would make, as plain functions of a classified scan result.

Each rule id of RULES.md has one function in :data:`RULES` and its plain-language description in
:data:`RULE_INFO`. :func:`evaluate` runs them all, applies the ``ignore`` entries and returns the
findings in a deterministic order (severity, rule, subject, scenario).

Run :func:`cookiescan.classify.classify` first: the rules judge the ``category`` fields it fills.

Decisions worth knowing (see the README for the user-facing version):

* **Non-necessary** means ``category != "necessary"``. An ``unknown`` (unclassified) cookie, storage
  key or tracker still fires, with severity ``medium`` instead of ``high`` and a message asking for it
  to be declared: a regulator would ask what it is.
* **The 13-month cap** is counted in calendar months from the moment the cookie was set
  (``CookieWrite.time``, else the page's or the scan's start): the cap ends on the same day N months
  later, or on the last day of that month when it has no such day (Jan 31 + 13 months = Feb 28/29),
  as EU Regulation 1182/71 art. 3(2)(c) and French procedure (CPC art. 641) count month periods. 13
  months is therefore 393 to 397 days depending on the start date. One hour of tolerance absorbs
  clock skew between a server computing ``Expires`` and the browser. The lifetime judged is the one
  the site *requested*; the stored one (capped at 400 days by Chromium) only when no write was seen.
* **A declared lifetime** has no start date, so ``declared-lifetime-over-cap`` fires only when it is
  longer than N calendar months can ever be (397 days for 13), i.e. "13 mois" or "396 days" pass.
* Cookies the browser **refused** still count (the site tried to set them), with
  ``"in_jar": false`` and ``"blocked_reasons"`` in the evidence. A cookie whose only writes were
  **deletions** (the site cleared it, no value was ever stored) is still listed by the consent rules,
  with ``"deletion_only": true`` and severity ``low``: clearing trackers on refusal is what the CNIL
  asks for, so it must not gate a build.
* Tracker rules look at third-party requests only: the scanned site may itself be a listed entity.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from cookiescan.classify import is_tracker, known_category
from cookiescan.models import (
    STATES,
    Cookie,
    CookieWrite,
    Finding,
    Ignore,
    ScanResult,
    StateResult,
    StorageItem,
    severity_rank,
)
from cookiescan.party import host_of
from cookiescan.units import DAYS_PER_MONTH, add_months, max_month_span_days

if TYPE_CHECKING:
    from cookiescan.declared import DeclaredCookie, DeclaredList
    from cookiescan.known import KnownTrackers

__all__ = [
    "CAP_TOLERANCE",
    "RULES",
    "RULE_INFO",
    "RuleContext",
    "RuleFn",
    "RuleInfo",
    "RuleOptions",
    "cap_end",
    "evaluate",
]

#: Tolerance on the observed cap, for clock skew between the server's ``Expires`` and the browser.
CAP_TOLERANCE = timedelta(hours=1)
_SAMPLE = 5


# --------------------------------------------------------------------------------------------
# Options, ignores, severities
# --------------------------------------------------------------------------------------------


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


def cap_end(set_at: datetime, months: int) -> datetime:
    """The last instant a cookie set at ``set_at`` may live under an N-month cap (before tolerance)."""
    return add_months(set_at, months)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# --------------------------------------------------------------------------------------------
# The context rules read
# --------------------------------------------------------------------------------------------


def _bare(domain: str | None) -> str:
    return (domain or "").strip().lstrip(".").lower()


class RuleContext:
    """What every rule function gets: the classified result, the declared list, the options, and
    (optionally) known_trackers to show its view when the declared category differs."""

    def __init__(
        self,
        result: ScanResult,
        declared: DeclaredList | None,
        options: RuleOptions,
        known: KnownTrackers | None = None,
    ) -> None:
        self.result = result
        self.declared = declared
        self.options = options
        self.known = known
        self._writes: dict[str, dict[tuple[str, str], list[CookieWrite]]] = {}
        self._page_start: dict[str, dict[str, str]] = {}

    def states(self) -> list[tuple[str, StateResult]]:
        """States in the canonical order (before, accept, reject), then any others by name."""
        order = {s: i for i, s in enumerate(STATES)}
        return sorted(self.result.states.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))

    def writes(self, state: str, cookie: Cookie) -> list[CookieWrite]:
        """The writes the hooks saw for a cookie in a state (same name, same domain)."""
        if state not in self._writes:
            index: dict[tuple[str, str], list[CookieWrite]] = {}
            st = self.result.states.get(state)
            for page in st.pages if st else ():
                for w in page.cookie_writes:
                    index.setdefault((w.name, _bare(w.domain)), []).append(w)
            self._writes[state] = index
        return self._writes[state].get((cookie.name, _bare(cookie.domain)), [])

    def page_start(self, state: str, page_url: str) -> str | None:
        if state not in self._page_start:
            st = self.result.states.get(state)
            self._page_start[state] = {p.url: p.started_at for p in (st.pages if st else ())} | {
                p.final_url: p.started_at for p in (st.pages if st else ())
            }
        return self._page_start[state].get(page_url)

    def declared_entry(self, name: str, domain: str | None) -> DeclaredCookie | None:
        if self.declared is None:
            return None
        return self.declared.match(name, _bare(domain) or None)

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
            t = _parse_time(best.time)
            if t is not None:
                return t, "write"
        t = _parse_time(self.page_start(state, cookie.first_seen_page))
        if t is not None:
            return t, "page"
        t = _parse_time(self.result.started_at)
        return (t, "scan") if t is not None else (None, "none")


RuleFn = Callable[[RuleContext], Iterable[Finding]]


# --------------------------------------------------------------------------------------------
# Evidence helpers
# --------------------------------------------------------------------------------------------


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def _declared_dict(entry: Any) -> dict[str, Any] | None:
    if entry is None:
        return None
    keys = ("name", "pattern", "domain", "category", "category_text", "lifetime_days", "lifetime_text",
            "provider", "source")  # fmt: skip
    d: dict[str, Any] = {k: getattr(entry, k, None) for k in keys}
    if isinstance(d["lifetime_days"], float):
        d["lifetime_days"] = _r(d["lifetime_days"])
    d["extra"] = {str(k): str(v) for k, v in (getattr(entry, "extra", None) or ())}
    return d


def _effective_lifetime(c: Cookie) -> tuple[float | None, str]:
    """The lifetime to judge and where it comes from: the requested one when a write was seen."""
    if c.via != "unknown":
        return c.requested_lifetime_days, "requested"
    return c.stored_lifetime_days, "stored"


def _is_unknown(category: str) -> bool:
    return category not in ("necessary", "functional", "analytics", "marketing")


def _what(category: str, noun: str) -> str:
    if _is_unknown(category):
        return f"unclassified {noun}"
    return f"{category} {noun}"


def _pick(items: list[tuple[str, Cookie]]) -> tuple[str, Cookie]:
    """The most telling variant of a cookie seen under several domains/paths/states."""
    return sorted(
        items,
        key=lambda sc: (
            not sc[1].in_jar,
            -(_effective_lifetime(sc[1])[0] or -1.0),
            sc[1].domain,
            sc[1].path,
            sc[0],
        ),
    )[0]


def _state_names(items: Iterable[tuple[str, Any]]) -> list[str]:
    order = {s: i for i, s in enumerate(STATES)}
    return sorted({s for s, _ in items}, key=lambda s: (order.get(s, len(order)), s))


def _cookie_evidence(ctx: RuleContext, items: list[tuple[str, Cookie]]) -> dict[str, Any]:
    _, c = _pick(items)
    cookies = [x for _, x in items]
    states = _state_names(items)
    _, lifetime_source = _effective_lifetime(c)
    ev: dict[str, Any] = {
        "kind": "cookie",
        "name": c.name,
        "domain": c.domain,
        "domains": sorted({x.domain for x in cookies}),
        "site": c.site,
        "party": c.party,
        "pages": sorted({p for x in cookies for p in (*x.pages, x.first_seen_page) if p}),
        "set_by": c.set_by,
        "via": c.via,
        "requested_lifetime_days": _r(c.requested_lifetime_days),
        "stored_lifetime_days": _r(c.stored_lifetime_days),
        "requested_raw": c.requested_raw,
        "lifetime_source": lifetime_source,
        "category": c.category,
        "category_source": c.category_source,
        "vendor": c.vendor,
        "declared": _declared_dict(ctx.declared_entry(c.name, c.domain)),
        "in_jar": any(x.in_jar for x in cookies),
        "deleted": any(x.deleted for x in cookies),
        "blocked_reasons": sorted({r for x in cookies for r in x.blocked_reasons}),
    }
    if len(states) == 1:
        ev["state"] = states[0]
    else:
        ev["states"] = states
    kc = known_category(c, ctx.known)
    if kc is not None and kc != c.category:
        ev["known_category"] = kc
    return ev


def _storage_evidence(ctx: RuleContext, state: str, items: list[StorageItem]) -> dict[str, Any]:
    s = sorted(items, key=lambda x: (x.kind, x.origin))[0]
    ev: dict[str, Any] = {
        "kind": s.kind,
        "key": s.key,
        "origin": s.origin,
        "origins": sorted({x.origin for x in items}),
        "site": s.site,
        "party": s.party,
        "pages": sorted({x.first_seen_page for x in items if x.first_seen_page}),
        "state": state,
        "value_length": max(x.value_length for x in items),
        "category": s.category,
        "category_source": s.category_source,
        "vendor": s.vendor,
        "declared": _declared_dict(ctx.declared_entry(s.key, host_of(s.origin) or None)),
        "in_jar": True,
        "blocked_reasons": [],
    }
    kc = known_category(s, ctx.known)
    if kc is not None and kc != s.category:
        ev["known_category"] = kc
    return ev


def _group_cookies(items: Iterable[tuple[str, Cookie]]) -> dict[tuple[str, str], list[tuple[str, Cookie]]]:
    groups: dict[tuple[str, str], list[tuple[str, Cookie]]] = {}
    for state, c in items:
        groups.setdefault((c.name, c.site), []).append((state, c))
    return groups


def _storage_items(st: StateResult) -> list[StorageItem]:
    seen: dict[tuple[str, str, str], StorageItem] = {}
    for s in (*st.storage, *(x for p in st.pages for x in p.storage)):
        seen.setdefault((s.kind, s.key, s.origin), s)
    return list(seen.values())


# --------------------------------------------------------------------------------------------
# Consent rules: cookies and storage before consent / after refusal
# --------------------------------------------------------------------------------------------


def _consent_cookie_findings(ctx: RuleContext, rule: str, state: str, when: str) -> list[Finding]:
    st = ctx.result.states.get(state)
    if st is None:
        return []
    out: list[Finding] = []
    groups = _group_cookies((state, c) for c in st.cookies if c.category != "necessary")
    for (name, _site), items in groups.items():
        ev = _cookie_evidence(ctx, items)
        _, c = _pick(items)
        deletion_only = all(ctx.deletion_only(state, x) for _, x in items)
        ev["deletion_only"] = deletion_only
        unknown = _is_unknown(c.category)
        severity = "medium" if unknown else "high"
        msg = f"Cookie {name} ({_what(c.category, 'cookie')}) is set {when}."
        if unknown:
            msg = (
                f"Cookie {name} is set {when} and is unclassified: declare it with its purpose, "
                "or remove it if it is not strictly necessary."
            )
        if deletion_only:
            severity = "low"
            msg = f"Cookie {name} ({_what(c.category, 'cookie')}) is only deleted {when}; no value is stored."
        elif not ev["in_jar"] and ev["blocked_reasons"]:
            msg = msg[:-1] + " (the browser refused it, but the site tried to set it)."
        elif not ev["in_jar"]:
            msg = msg[:-1] + " (and removed later during the visit)."
        out.append(Finding(rule, severity, state, name, msg, ev))

    storage: dict[tuple[str, str], list[StorageItem]] = {}
    for s in _storage_items(st):
        if s.category != "necessary":
            storage.setdefault((s.key, s.site), []).append(s)
    for (key, _site), sitems in storage.items():
        ev = _storage_evidence(ctx, state, sitems)
        cat = ev["category"]
        noun = f"{ev['kind']} key"
        if _is_unknown(cat):
            severity = "medium"
            msg = (
                f"The {noun} {key} is written {when} and is unclassified: declare it with its purpose, "
                "or remove it if it is not strictly necessary."
            )
        else:
            severity = "high"
            msg = f"The {noun} {key} ({cat}) is written {when}; storage needs consent like cookies do."
        out.append(Finding(rule, severity, state, key, msg, ev))
    return out


def pre_consent_cookie(ctx: RuleContext) -> list[Finding]:
    """Non-necessary cookies and storage keys present before any consent choice."""
    return _consent_cookie_findings(ctx, "pre-consent-cookie", "before", "before any consent choice")


def post_reject_cookie(ctx: RuleContext) -> list[Finding]:
    """Non-necessary cookies and storage keys present after the visitor rejected."""
    return _consent_cookie_findings(ctx, "post-reject-cookie", "reject", "after the visitor rejected")


# --------------------------------------------------------------------------------------------
# Tracker requests
# --------------------------------------------------------------------------------------------


def _tracker_findings(ctx: RuleContext, rule: str, state: str, when: str) -> list[Finding]:
    st = ctx.result.states.get(state)
    if st is None:
        return []
    groups: dict[str, dict[str, Any]] = {}
    for page in st.pages:
        for r in page.requests:
            if r.party == "first" or not is_tracker(r.category):
                continue
            g = groups.setdefault(
                r.site,
                {"urls": set(), "types": set(), "pages": set(), "hosts": set(), "count": 0,
                 "vendors": set(), "categories": set()},
            )  # fmt: skip
            g["urls"].add(r.url)
            g["types"].add(r.resource_type)
            g["pages"].add(page.url)
            g["hosts"].add(r.host)
            g["count"] += 1
            if r.vendor:
                g["vendors"].add(r.vendor)
            g["categories"].add(r.category)
    # Third-party summaries cover states whose page requests were not kept.
    for tp in st.third_parties:
        if tp.site in groups or not is_tracker(tp.category):
            continue
        groups[tp.site] = {
            "urls": set(), "types": set(tp.resource_types), "pages": {tp.first_seen_page} - {""},
            "hosts": set(tp.hosts), "count": tp.requests, "vendors": {tp.vendor} - {None},
            "categories": {tp.category},
        }  # fmt: skip
    out = []
    for site, g in groups.items():
        cats = sorted(g["categories"], key=lambda c: (c != "marketing", c))
        vendors = sorted(g["vendors"])
        who = f"{vendors[0]} ({site})" if vendors else site
        n = g["count"]
        ev = {
            "state": state,
            "site": site,
            "hosts": sorted(g["hosts"]),
            "vendor": vendors[0] if vendors else None,
            "vendors": vendors,
            "category": cats[0],
            "category_source": "known_trackers",
            "count": n,
            "sample_urls": sorted(g["urls"])[:_SAMPLE],
            "resource_types": sorted(g["types"]),
            "pages": sorted(g["pages"]),
        }
        msg = f"The {cats[0]} tracker {who} is contacted {when} ({n} request{'s' if n != 1 else ''})."
        out.append(Finding(rule, "high", state, site, msg, ev))
    return out


def pre_consent_tracker(ctx: RuleContext) -> list[Finding]:
    """Requests to known analytics/marketing domains before any consent choice."""
    return _tracker_findings(ctx, "pre-consent-tracker", "before", "before any consent choice")


def post_reject_tracker(ctx: RuleContext) -> list[Finding]:
    """Requests to known analytics/marketing domains after the visitor rejected."""
    return _tracker_findings(ctx, "post-reject-tracker", "reject", "after the visitor rejected")


# --------------------------------------------------------------------------------------------
# Declared list
# --------------------------------------------------------------------------------------------


def _all_cookies(ctx: RuleContext) -> list[tuple[str, Cookie]]:
    return [(name, c) for name, st in ctx.states() for c in st.cookies]


def undeclared_cookie(ctx: RuleContext) -> list[Finding]:
    """Cookies observed in any state that the declared list does not cover (one finding per cookie
    name and site, across states)."""
    if ctx.declared is None:
        return []
    out = []
    for (name, _site), items in _group_cookies(_all_cookies(ctx)).items():
        if any(ctx.declared_entry(c.name, c.domain) is not None for _, c in items):
            continue
        ev = _cookie_evidence(ctx, items)
        ev["states"] = _state_names(items)
        ev.pop("state", None)
        _, c = _pick(items)
        msg = f"Cookie {name} ({_what(c.category, 'cookie')}) is set by the site but missing from its declared list."
        out.append(Finding("undeclared-cookie", "medium", "all", name, msg, ev))
    return out


def _observed_names(ctx: RuleContext) -> list[tuple[str, str | None]]:
    names: dict[tuple[str, str | None], None] = {}
    for _, st in ctx.states():
        for c in st.cookies:
            names[(c.name, _bare(c.domain) or None)] = None
        for s in _storage_items(st):
            names[(s.key, host_of(s.origin) or None)] = None
    return list(names)


def declared_not_found(ctx: RuleContext) -> list[Finding]:
    """Declared entries no observed cookie or storage key matches (patterns included)."""
    if ctx.declared is None:
        return []
    observed = _observed_names(ctx)
    matched = {ctx.declared.match(n, d) for n, d in observed} - {None}
    out = []
    for entry in ctx.declared.entries:
        if entry in matched:
            continue
        # match() returns one best entry per name: a pattern shadowed by an exact entry is still found.
        if any(entry.matches(n, d) for n, d in observed):
            continue
        ev = {
            "declared": _declared_dict(entry),
            "states": [s for s, _ in ctx.states()],
            "pages_scanned": ctx.result.pages_scanned,
        }
        kind = "pattern" if entry.pattern else "cookie"
        msg = (
            f"Declared {kind} {entry.name} was not seen on any scanned page in any consent state; "
            "the declaration may be stale."
        )
        out.append(Finding("declared-not-found", "low", "all", entry.name, msg, ev))
    return out


# --------------------------------------------------------------------------------------------
# Lifetimes
# --------------------------------------------------------------------------------------------


def _cap_check(ctx: RuleContext, state: str, c: Cookie) -> dict[str, Any] | None:
    """The cap evidence when cookie ``c`` (seen in ``state``) outlives the cap, else None."""
    lifetime, source = _effective_lifetime(c)
    if lifetime is None or lifetime <= 0:
        return None
    months = ctx.options.max_lifetime_months
    set_at, set_source = ctx.set_time(state, c)
    if set_at is not None:
        end = cap_end(set_at, months)
        cap_days = (end - set_at).total_seconds() / 86400
        over = set_at + timedelta(days=lifetime) > end + CAP_TOLERANCE
    else:
        cap_days = months * DAYS_PER_MONTH
        over = lifetime > cap_days + CAP_TOLERANCE.total_seconds() / 86400
    if not over:
        return None
    return {
        "cap_months": months,
        "cap_days": _r(cap_days),
        "judged_lifetime_days": _r(lifetime),
        "lifetime_source": source,
        "set_at": set_at.isoformat() if set_at else None,
        "set_at_source": set_source,
    }


def lifetime_over_cap(ctx: RuleContext) -> list[Finding]:
    """Cookies whose requested lifetime exceeds the cap, in calendar months from when they were set."""
    out = []
    months = ctx.options.max_lifetime_months
    for (name, _site), items in _group_cookies(_all_cookies(ctx)).items():
        hits = [(s, c, cap) for s, c in items if (cap := _cap_check(ctx, s, c)) is not None]
        if not hits:
            continue
        _, c, cap = max(hits, key=lambda h: (h[2]["judged_lifetime_days"], h[0] == "before"))
        ev = _cookie_evidence(ctx, [(s, x) for s, x, _ in hits])
        ev.update(cap)
        ev["states"] = _state_names(items)
        ev.pop("state", None)
        before = any(s == "before" for s, _ in items)
        severity = "high" if c.category == "analytics" and before else "medium"
        days = cap["judged_lifetime_days"]
        msg = (
            f"Cookie {name} asks to live {days:g} days, longer than the {months}-month cap "
            f"({cap['cap_days']:g} days from when it was set)."
        )
        if cap["lifetime_source"] == "stored":
            msg = (
                f"Cookie {name} is stored for {days:g} days, longer than the {months}-month cap; no write was "
                "seen, so this is the stored expiry (Chromium caps it at 400 days; the request may be longer)."
            )
        out.append(Finding("lifetime-over-cap", severity, "all", name, msg, ev))
    return out


def lifetime_over_declared(ctx: RuleContext) -> list[Finding]:
    """Cookies living longer than their declaration says, beyond a slack of max(5 %, 2 days)."""
    if ctx.declared is None:
        return []
    opts = ctx.options
    out = []
    for (name, _site), items in _group_cookies(_all_cookies(ctx)).items():
        hits = []
        for s, c in items:
            entry = ctx.declared_entry(c.name, c.domain)
            lifetime, _ = _effective_lifetime(c)
            if entry is None or entry.lifetime_days is None or lifetime is None or lifetime <= 0:
                continue
            declared_days = float(entry.lifetime_days)
            allowed = declared_days + max(opts.slack_ratio * declared_days, opts.slack_days)
            if lifetime > allowed:
                hits.append((s, c, entry, declared_days, allowed, lifetime))
        if not hits:
            continue
        _, c, entry, declared_days, allowed, lifetime = max(hits, key=lambda h: h[5] - h[4])
        ev = _cookie_evidence(ctx, [(s, x) for s, x, *_ in hits])
        ev.update(
            {
                "declared_lifetime_days": _r(declared_days),
                "declared_lifetime_text": entry.lifetime_text,
                "allowed_days": _r(allowed),
                "judged_lifetime_days": _r(lifetime),
                "states": _state_names(items),
            }
        )
        ev.pop("state", None)
        said = "a session cookie" if declared_days == 0 else f"{entry.lifetime_text or f'{declared_days:g} days'}"
        msg = f"Cookie {name} asks to live {lifetime:g} days but is declared as {said}."
        out.append(Finding("lifetime-over-declared", "medium", "all", name, msg, ev))
    return out


def declared_lifetime_over_cap(ctx: RuleContext) -> list[Finding]:
    """Declared entries that announce a lifetime longer than the cap can ever be."""
    if ctx.declared is None:
        return []
    months = ctx.options.max_lifetime_months
    limit = max_month_span_days(months)
    out = []
    for entry in ctx.declared.entries:
        days = entry.lifetime_days
        if days is None or days <= limit:
            continue
        ev = {
            "declared": _declared_dict(entry),
            "declared_lifetime_days": _r(days),
            "declared_lifetime_text": entry.lifetime_text,
            "cap_months": months,
            "cap_days": limit,
            "category": entry.category,
            "category_source": "declared",
        }
        said = entry.lifetime_text or f"{days:g} days"
        msg = f"The declared list gives {entry.name} a lifetime of {said}, over the {months}-month cap."
        out.append(Finding("declared-lifetime-over-cap", "medium", "declared", entry.name, msg, ev))
    return out


# --------------------------------------------------------------------------------------------
# Banner
# --------------------------------------------------------------------------------------------


def no_reject_first_layer(ctx: RuleContext) -> list[Finding]:
    """A banner whose first layer offers accept but no reject (one finding, evidence lists states)."""
    hits = [
        (s, st.banner)
        for s, st in ctx.states()
        if st.banner is not None
        and st.banner.found
        and st.banner.accept_on_first_layer is True
        and st.banner.reject_on_first_layer is False
    ]
    if not hits:
        return []
    state, b = hits[0]
    ev = {
        "states": [s for s, _ in hits],
        "cmp": b.cmp,
        "method": b.method,
        "buttons": list(b.buttons),
        "page_url": b.page_url,
        "pages": sorted({x.page_url for _, x in hits if x.page_url}),
        "screenshot": b.screenshot,
        "accept_on_first_layer": True,
        "reject_on_first_layer": False,
    }
    who = f" ({b.cmp})" if b.cmp else ""
    msg = f"The consent banner{who} offers accept on its first layer but no way to reject there."
    return [Finding("no-reject-first-layer", "high", state, "banner", msg, ev)]


def no_consent_banner(ctx: RuleContext) -> list[Finding]:
    """Trackers or non-necessary cookies before any choice, and no banner to make one."""
    st = ctx.result.states.get("before")
    if st is None or (st.banner is not None and st.banner.found):
        return []
    trackers = sorted({f.subject for f in pre_consent_tracker(ctx)})
    cookies = sorted({c.name for c in st.cookies if c.category != "necessary"})
    storage = sorted({s.key for s in _storage_items(st) if s.category != "necessary"})
    if not (trackers or cookies or storage):
        return []
    categories = {c.category for c in st.cookies} | {s.category for s in _storage_items(st)}
    classified = bool(trackers) or any(not _is_unknown(c) and c != "necessary" for c in categories)
    ev = {
        "state": "before",
        "banner_checked": st.banner is not None,
        "banner_error": st.banner.error if st.banner is not None else None,
        "trackers": trackers,
        "cookies": cookies,
        "storage": storage,
        "pages": sorted({p.url for p in st.pages}),
    }
    parts = []
    if trackers:
        parts.append(f"{len(trackers)} tracker domain{'s' if len(trackers) != 1 else ''}")
    if cookies:
        parts.append(f"{len(cookies)} non-necessary cookie{'s' if len(cookies) != 1 else ''}")
    if storage:
        parts.append(f"{len(storage)} storage key{'s' if len(storage) != 1 else ''}")
    msg = f"No consent banner was found, yet {' and '.join(parts)} are present before any choice."
    if not classified:
        msg = msg[:-1] + " (all of them unclassified)."
    return [Finding("no-consent-banner", "high" if classified else "medium", "before", "banner", msg, ev)]


# --------------------------------------------------------------------------------------------
# Registry and plain-language descriptions
# --------------------------------------------------------------------------------------------

RULES: dict[str, RuleFn] = {
    "pre-consent-cookie": pre_consent_cookie,
    "pre-consent-tracker": pre_consent_tracker,
    "post-reject-cookie": post_reject_cookie,
    "post-reject-tracker": post_reject_tracker,
    "undeclared-cookie": undeclared_cookie,
    "declared-not-found": declared_not_found,
    "lifetime-over-cap": lifetime_over_cap,
    "lifetime-over-declared": lifetime_over_declared,
    "declared-lifetime-over-cap": declared_lifetime_over_cap,
    "no-reject-first-layer": no_reject_first_layer,
    "no-consent-banner": no_consent_banner,
}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a rule checks, in plain language, and the law or guidance behind it.

    Attributes:
        id: the rule id.
        title: a short title for a report.
        severity: the usual severity (some findings are raised or lowered, see the explanation).
        explanation: what it means and why it matters, for a non-specialist.
        legal_basis: the texts it rests on.
    """

    id: str
    title: str
    severity: str
    explanation: str
    legal_basis: str


_EPRIVACY = "ePrivacy Directive art. 5(3) (France: art. 82 Loi Informatique et Libertés)"
_CNIL = "CNIL délibérations 2020-091 (guidelines) and 2020-092 (recommendation) of 17 September 2020"

RULE_INFO: dict[str, RuleInfo] = {
    r.id: r
    for r in (
        RuleInfo(
            "pre-consent-cookie", "Cookie set before consent", "high",
            "A cookie or browser-storage item that is not strictly necessary is stored before the visitor "
            "has made any choice. Silence is refusal: nothing but strictly necessary trackers may be written "
            "until the visitor agrees. Unclassified items are reported at medium severity until the site "
            "declares what they are for.",
            f"{_EPRIVACY}; GDPR art. 4(11) and 7, recital 32; {_CNIL}; EDPB Guidelines 2/2023 (local storage "
            "is in scope).",
        ),
        RuleInfo(
            "pre-consent-tracker", "Tracker contacted before consent", "high",
            "The page contacts a known analytics or advertising service before the visitor has made any "
            "choice. Such requests typically read or write identifiers on the visitor's device, which needs "
            "prior consent.",
            f"{_EPRIVACY}; {_CNIL}; EDPB Guidelines 2/2023 (pixels and tracking URLs are in scope).",
        ),
        RuleInfo(
            "post-reject-cookie", "Cookie set after refusal", "high",
            "After the visitor clicked reject, a cookie or storage item that is not strictly necessary is "
            "still stored. A refusal must be respected exactly like an acceptance.",
            f"{_EPRIVACY}; GDPR art. 7; {_CNIL}; EDPB Guidelines 2/2023.",
        ),
        RuleInfo(
            "post-reject-tracker", "Tracker contacted after refusal", "high",
            "After the visitor clicked reject, the page still contacts a known analytics or advertising "
            "service.",
            f"{_EPRIVACY}; {_CNIL}; EDPB Guidelines 2/2023.",
        ),
        RuleInfo(
            "undeclared-cookie", "Cookie missing from the declared list", "medium",
            "The site sets a cookie its own cookie notice does not list. Visitors must be told, before "
            "they choose, which trackers are used and for what purpose.",
            f"GDPR art. 4(11) (informed consent) and 13; {_CNIL} (information to give before consent).",
        ),
        RuleInfo(
            "declared-not-found", "Declared cookie not observed", "low",
            "A cookie (or pattern) listed in the site's declaration was never seen on the scanned pages in "
            "any consent state. The declaration may be stale, or the cookie is only set on pages or actions "
            "the scan did not reach.",
            f"{_CNIL} (the information given must be accurate and up to date).",
        ),
        RuleInfo(
            "lifetime-over-cap", "Cookie lifetime over the cap", "medium",
            "The lifetime the site asked for is longer than the cap (13 months by default, counted in "
            "calendar months from the moment the cookie is set). The CNIL's benchmark is 13 months for any "
            "tracker; browsers may store less (Chromium keeps at most 400 days), but the requested lifetime "
            "is what the site chose. High severity for analytics cookies already set before consent.",
            f"{_CNIL} (13-month maximum for audience-measurement trackers, benchmark for all trackers).",
        ),
        RuleInfo(
            "lifetime-over-declared", "Cookie lives longer than declared", "medium",
            "The cookie asks to live longer than the site's own declaration says, beyond a small margin "
            "(5 % or 2 days). A cookie declared as a session cookie that persists is reported too.",
            f"GDPR art. 5(1)(a) and 13 (transparency, storage period); {_CNIL}.",
        ),
        RuleInfo(
            "declared-lifetime-over-cap", "Declared lifetime over the cap", "medium",
            "The site's declaration itself announces a lifetime longer than the cap can ever be "
            "(13 calendar months is at most 397 days).",
            f"{_CNIL} (13-month maximum lifetime benchmark).",
        ),
        RuleInfo(
            "no-reject-first-layer", "No reject option next to accept", "high",
            "The first layer of the consent banner offers a way to accept but none to reject. Refusing must "
            "be as easy as accepting, with a control at the same level and in the same format.",
            f"GDPR art. 7(3) and 4(11); {_CNIL}; CNIL sanctions SAN-2021-023 (Google) and SAN-2021-024 "
            "(Facebook); EDPB Cookie Banner Taskforce report of 17 January 2023 (type A).",
        ),
        RuleInfo(
            "no-consent-banner", "No consent banner", "high",
            "Trackers or non-necessary cookies are present before any choice, and no consent banner was "
            "found to ask for consent. Medium severity when everything present is unclassified.",
            f"{_EPRIVACY}; GDPR art. 4(11) and 7; {_CNIL}.",
        ),
    )
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# Evaluate
# --------------------------------------------------------------------------------------------


def merge_findings(findings: Iterable[Finding], extra: Iterable[Finding], options: RuleOptions) -> tuple[Finding, ...]:
    """Add findings from another checker (e.g. the written-notice checks) to ``evaluate``'s output:
    the ignore entries are applied to them and the whole list is put back in the report order."""
    return tuple(sorted([*findings, *_apply_ignores(extra, options)], key=_sort_key))


def _sort_key(f: Finding) -> tuple[Any, ...]:
    return (
        -severity_rank(f.severity),
        f.rule,
        f.subject,
        f.scenario,
        json.dumps(f.evidence, sort_keys=True, default=str),
    )


def _apply_ignores(findings: Iterable[Finding], options: RuleOptions) -> list[Finding]:
    today = options.today or datetime.now(timezone.utc).date()
    out = []
    for f in findings:
        hit = next((ig for ig in options.ignores if ig.applies(f, today)), None)
        if hit is not None:
            f = dataclasses.replace(f, ignored=hit.reason or "ignored")
        else:
            expired = next((ig for ig in options.ignores if ig.matches(f)), None)
            if expired is not None:
                until = expired.until
                f = dataclasses.replace(
                    f, evidence={**f.evidence, "ignore_expired": until.isoformat() if until else None}
                )
        out.append(f)
    return out


def evaluate(
    result: ScanResult,
    declared: DeclaredList | None,
    options: RuleOptions = RuleOptions(),  # frozen: safe as a default
    *,
    known: KnownTrackers | None = None,
) -> tuple[Finding, ...]:
    """Run every rule on a classified result.

    Findings matched by an unexpired ignore entry are kept with ``ignored`` set to its reason (use
    :func:`active` to gate on the rest); an expired entry leaves the finding active and adds
    ``ignore_expired`` to its evidence. Pass ``known`` to add ``known_category`` to the evidence of
    cookies whose declared category differs from what known_trackers says. The order is
    deterministic: severity (high first), rule, subject, scenario.
    """
    if options.max_lifetime_months < 1:
        raise ValueError(f"max_lifetime_months must be at least 1, got {options.max_lifetime_months}")
    ctx = RuleContext(result, declared, options, known)
    findings = [f for fn in RULES.values() for f in fn(ctx)]
    return tuple(sorted(_apply_ignores(findings, options), key=_sort_key))
