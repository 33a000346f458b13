"""What each consent state stands for, decided once every state has run (they run in parallel, so no state
knows what the others saw until the end): a pure function of the states' observations.

* **No banner in any state**: there was nothing to accept or reject. The accept, reject (and withdraw)
  states are *not applicable* (``StateResult.applicable`` False, ``not_applicable`` says why); their
  observations stay in the result as evidence, but no rule reads them (only the before state and
  ``no-consent-banner`` speak).
* **A banner elsewhere, none in this state's consent step**: the choice was never made here, so the state's
  banner is recorded as *choice not confirmed* (``confirmed`` False, with the reason), like a choice the site
  did not record (:mod:`cookiescan.consent.verify`).
"""

from __future__ import annotations

from dataclasses import replace

from cookiescan.models import CHOICE_STATES, BannerResult, StateResult

_ACTION = {"withdraw": "accept"}  # the withdraw state accepts first, then withdraws
NO_BANNER = "no consent banner was found in any state: there was nothing to accept or reject"


def decide(states: dict[str, StateResult]) -> dict[str, StateResult]:
    """The states with the decisions above applied (the others unchanged)."""
    seen = [s for s, st in states.items() if st.banner is not None and st.banner.found]
    out = dict(states)
    for name in CHOICE_STATES:
        st = states.get(name)
        if st is None:
            continue
        if not seen:
            out[name] = replace(st, applicable=False, not_applicable=NO_BANNER)
        elif name not in seen:
            where = ", ".join(seen)
            why = (f"no banner was found in this state's consent step, while the {where} state showed one"
                   if st.banner is not None else "this state's consent step did not run (its first page was "
                   "not visited)")
            banner = st.banner or BannerResult(state=name, found=False)
            out[name] = replace(st, banner=replace(banner, action=_ACTION.get(name, name), succeeded=False,
                                                   confirmed=False, confirmation=(f"{why}: the choice was not made",)))
    return out
