"""The banner rules: a first layer with accept but no reject (``no-reject-first-layer``), and trackers or
non-necessary cookies with no banner at all (``no-consent-banner``)."""

from __future__ import annotations

from cookiescan.models import Finding
from cookiescan.rules.consent import pre_consent_tracker
from cookiescan.rules.context import RuleContext
from cookiescan.rules.evidence import is_unknown, storage_items

__all__ = ["no_consent_banner", "no_reject_first_layer"]


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
    storage = sorted({s.key for s in storage_items(st) if s.category != "necessary"})
    if not (trackers or cookies or storage):
        return []
    categories = {c.category for c in st.cookies} | {s.category for s in storage_items(st)}
    classified = bool(trackers) or any(not is_unknown(c) and c != "necessary" for c in categories)
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
