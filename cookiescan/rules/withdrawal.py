"""Withdrawal rules (the ``withdraw`` state: accept, then find the way back and refuse there).

* ``withdrawal-not-found`` — after accepting, no way to withdraw was found on the page: no visible control
  ("Gérer mes cookies", "Cookie settings", a floating button) and no consent-manager API that reopens the
  choice. Withdrawing must be as easy as consenting (GDPR art. 7(3); CNIL 2020-092).
* ``tracking-after-withdrawal`` — after the refusal was recorded, analytics or marketing cookies are written
  again or trackers are contacted. Cookies set while consent stood and left in place are listed in the
  evidence (deleting them is what the CNIL recommends), but a cookie only left in place does not fire.

Only a recorded withdrawal is judged (``banner.withdrawn`` True): a refusal the site never recorded proves
nothing about what it does afterwards.
"""

from __future__ import annotations

from typing import Any

from cookiescan.classify import is_tracker
from cookiescan.models import Finding
from cookiescan.rules.context import RuleContext
from cookiescan.rules.evidence import bare, sample

__all__ = ["tracking_after_withdrawal", "withdrawal_not_found"]

STATE = "withdraw"


def withdrawal_not_found(ctx: RuleContext) -> list[Finding]:
    """The accept was made and recorded, and no way back to the choice opened a consent dialog."""
    st = ctx.result.states.get(STATE)
    b = st.banner if st is not None else None
    if b is None or not b.succeeded or b.withdraw_found is not False:
        return []
    ev: dict[str, Any] = {
        "state": STATE, "page": b.page_url, "accept_clicks": b.clicks, "cmp": b.cmp,
        "searched": "links and buttons naming cookie settings or consent (FR EN DE ES IT NL), consent managers' "
                    "floating buttons, and their JavaScript APIs for reopening the choice",
        "notes": [n for n in b.notes if "way back" in n or "opened no" in n][:5],
    }
    msg = (f"After accepting with {b.clicks} click{'s' if b.clicks != 1 else ''}, no way to withdraw consent was "
           f"found on {b.page_url}: no link or button to change the choice and no consent-manager API reopening it.")
    return [Finding("withdrawal-not-found", "high", STATE, "banner", msg, ev)]


def tracking_after_withdrawal(ctx: RuleContext) -> list[Finding]:
    """Analytics/marketing cookies written, or trackers contacted, after the recorded withdrawal."""
    st = ctx.result.states.get(STATE)
    b = st.banner if st is not None else None
    if st is None or b is None or b.withdrawn is not True or not b.withdrawn_at:
        return []
    at = b.withdrawn_at
    cookies = {(c.name, bare(c.domain)): c for c in st.cookies}
    left_in_place = sorted(c.name for c in st.cookies if c.in_jar and is_tracker(c.category)
                           and not any(w.time > at for w in ctx.writes(STATE, c)))
    base: dict[str, Any] = {"state": STATE, "withdrawn_at": at, "withdraw_via": b.withdraw_via,
                            "withdraw_clicks": b.withdraw_clicks, "accept_clicks": b.clicks,
                            "left_in_place": sample(left_in_place)}
    out: list[Finding] = []
    rewritten: dict[str, list[Any]] = {}
    for page in st.pages:
        for w in page.cookie_writes:
            c = cookies.get((w.name, bare(w.domain)))
            if c is not None and w.time > at and not w.deletes and is_tracker(c.category):
                rewritten.setdefault(w.name, []).append((w, c))
    for name, hits in sorted(rewritten.items()):
        w, c = hits[0]
        ev = {**base, "cookie": name, "domain": c.domain, "category": c.category, "vendor": c.vendor,
              "writes_after": len(hits), "first_write_after": w.time, "set_by": w.set_by,
              "pages": sample({x.page_url for x, _ in hits})}
        msg = (f"The {c.category} cookie {name} is written again after consent was withdrawn "
               f"({len(hits)} write{'s' if len(hits) != 1 else ''}, first at {w.time}).")
        out.append(Finding("tracking-after-withdrawal", "high", STATE, name, msg, ev))
    contacted: dict[str, list[Any]] = {}
    for page in st.pages:
        if b.page_url in (page.url, page.final_url):
            continue  # the page where consent was given and withdrawn: its requests mostly came before the refusal
        for r in page.requests:
            if r.party == "third" and is_tracker(r.category):
                contacted.setdefault(r.site, []).append((page.url, r))
    for site, hits in sorted(contacted.items()):
        vendor = next((r.vendor for _, r in hits if r.vendor), None)
        ev = {**base, "site": site, "vendor": vendor, "count": len(hits), "pages": sample({p for p, _ in hits}),
              "sample_urls": sample({r.url for _, r in hits}, 3)}
        msg = (f"The tracker {vendor + ' (' + site + ')' if vendor else site} is contacted after consent was "
               f"withdrawn ({len(hits)} request{'s' if len(hits) != 1 else ''} on later pages).")
        out.append(Finding("tracking-after-withdrawal", "high", STATE, site, msg, ev))
    return out
