"""Lifetimes that renew themselves, and consent kept too long.

* ``lifetime-renewed-on-visit`` — the accept state's revisits (its first page again with the clock moved
  forward and the jar aged, :mod:`cookiescan.scan.revisit`) show a cookie, within the cap on its own, written
  again with a fresh expiry so that it still tracks past the cap counted from the first consent (a cookie
  over the cap on its own is ``lifetime-over-cap``'s) (CNIL 2020-091: exempt audience-measurement cookies must
  not be extended automatically on each visit; 13 months is the benchmark for every tracker). A server's
  ``Expires`` follows the real clock and cannot be judged this way: only script writes and ``Max-Age`` count.
* ``consent-kept-too-long`` — the consent platform stores the visitor's choice for more than the cap (the
  CNIL recommends asking again after about six months, never keeping the choice more than 13).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cookiescan.models import Cookie, Finding
from cookiescan.rules.context import RuleContext, parse_time
from cookiescan.rules.evidence import bare, effective_lifetime, rounded
from cookiescan.rules.lifetime import CAP_TOLERANCE, _cap_check, cap_end

__all__ = ["consent_kept_too_long", "lifetime_renewed_on_visit"]


def _expires(at: datetime, days: float) -> str:
    return (at + timedelta(days=days)).isoformat(timespec="seconds").replace("+00:00", "Z")


def lifetime_renewed_on_visit(ctx: RuleContext) -> list[Finding]:
    """Non-necessary cookies of the accept state whose expiry each revisit pushes past the cap."""
    st = ctx.result.states.get("accept")
    if st is None or not st.revisits:
        return []
    months = ctx.options.max_lifetime_months
    out = []
    for c in st.cookies:
        if c.category == "necessary":
            continue
        first = next((w for w in ctx.writes("accept", c) if not w.deletes and w.requested_lifetime_days), None)
        set_at = parse_time(first.time) if first is not None else None
        if first is None or set_at is None or first.requested_lifetime_days is None:
            continue
        first_expiry = set_at + timedelta(days=first.requested_lifetime_days)
        end = cap_end(set_at, months)
        if first_expiry > end + CAP_TOLERANCE:
            continue  # over the cap on its own: lifetime-over-cap says so
        visits: list[dict[str, Any]] = []
        alive_until = first_expiry
        for rv in st.revisits:
            at = parse_time(rv.at)
            w = next((w for w in rv.writes if w.name == c.name and bare(w.domain) == bare(c.domain)
                      and not w.deletes and w.requested_lifetime_days
                      and (w.via != "header" or (w.requested_raw or "").lower().startswith("max-age"))), None)
            if w is None or at is None or w.requested_lifetime_days is None:
                continue
            if at >= alive_until:
                break  # the cookie had expired: a new one, not a renewal (the chain of renewals ends)
            alive_until = at + timedelta(days=w.requested_lifetime_days)
            visits.append({"day": rv.offset_days, "visit": rv.at, "expires": _expires(at, w.requested_lifetime_days),
                           "lifetime_days": rounded(w.requested_lifetime_days)})
        if not visits or alive_until <= first_expiry + timedelta(days=1) or alive_until <= end + CAP_TOLERANCE:
            continue
        last = visits[-1]
        first_expires = _expires(set_at, first.requested_lifetime_days)
        cap_ends = end.isoformat(timespec="seconds").replace("+00:00", "Z")
        ev = {"state": "accept", "cookie": c.name, "domain": c.domain, "category": c.category, "vendor": c.vendor,
              "first_set": first.time, "first_expires": first_expires, "cap_months": months, "cap_ends": cap_ends,
              "visits": visits, "set_by": first.set_by}
        msg = (f"Cookie {c.name} is written again with a fresh expiry on later visits: set on {first.time[:10]} "
               f"until {first_expires[:10]}, a visit {last['day']} days later pushes it to "
               f"{str(last['expires'])[:10]}, past the {months}-month cap from the first consent ({cap_ends[:10]}).")
        out.append(Finding("lifetime-renewed-on-visit", "medium", "accept", c.name, msg, ev))
    return out


def _choice_cookies(ctx: RuleContext, state: str) -> list[Cookie]:
    st = ctx.result.states.get(state)
    if st is None:
        return []
    stored = set(st.banner.choice_storage) if st.banner is not None else set()
    return [c for c in st.cookies if c.in_jar and (c.name in stored or c.category_source == "consent-platform")]


def consent_kept_too_long(ctx: RuleContext) -> list[Finding]:
    """The cookies holding the visitor's choice (the platform's, or the one the verified choice wrote) asking
    to live longer than the cap."""
    out, seen = [], set()
    for state in ("accept", "reject"):
        for c in _choice_cookies(ctx, state):
            if c.name in seen:
                continue
            cap = _cap_check(ctx, state, c)
            if cap is None:
                continue
            seen.add(c.name)
            lifetime, _ = effective_lifetime(c)
            ev = {"state": state, "cookie": c.name, "domain": c.domain, "set_by": c.set_by,
                  "category_source": c.category_source, "requested_raw": c.requested_raw, **cap,
                  "recommended": "ask again after about 6 months (CNIL 2020-092)"}
            msg = (f"The consent choice is kept in {c.name} for {rounded(lifetime):g} days, longer than the "
                   f"{cap['cap_months']}-month cap (the CNIL recommends asking again after about six months).")
            out.append(Finding("consent-kept-too-long", "medium", state, c.name, msg, ev))
    return out
