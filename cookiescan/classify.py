"""Give every observed cookie, storage item, request and third party a vendor and a category.

Two sources, in this order (RULES.md "Categories"):

1. the site's **declared** list (its own cookie notice): its category wins for judging the site against
   its own promise;
2. **known_trackers** (Open Cookie Database names, third-party-web domains, project overrides): the
   independent evidence, used when nothing is declared, and kept computable through
   :func:`known_category` so a report can show where the two disagree.

Everything else stays ``"unknown"``. Classification is a pure function of data: it returns a new
:class:`~cookiescan.models.ScanResult` built with :func:`dataclasses.replace`.

Example::

    from cookiescan import classify, known

    result = classify.classify(result, known.load(), declared)
    result.states["before"].cookies[0].category   # 'analytics'
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Protocol

from cookiescan.models import (
    CATEGORIES,
    Cookie,
    PageVisit,
    RequestRecord,
    ScanResult,
    StateResult,
    StorageItem,
    ThirdParty,
)
from cookiescan.party import host_of
from cookiescan.signals.consent_mode import consent_mode_from_request

if TYPE_CHECKING:
    from cookiescan.known import KnownTrackers

__all__ = [
    "CATEGORY_RANK",
    "TRACKER_CATEGORIES",
    "DeclaredLookup",
    "classify",
    "classify_cookie",
    "classify_request",
    "classify_storage",
    "classify_third_party",
    "is_non_necessary",
    "is_tracker",
    "known_category",
    "known_vendor",
]

#: Categories whose requests count as tracking for the ``*-tracker`` rules.
TRACKER_CATEGORIES = frozenset({"analytics", "marketing"})

#: How much a category weighs when several sources describe one thing (worst wins for a summary).
CATEGORY_RANK = {"necessary": 0, "unknown": 1, "functional": 2, "analytics": 3, "marketing": 4}


class DeclaredLookup(Protocol):
    """What classify and rules need from :class:`cookiescan.declared.DeclaredList`."""

    def match(self, name: str, domain: str | None = None) -> Any: ...


def _category(value: Any) -> str | None:
    """A category from a data source, or None when it says nothing usable."""
    if isinstance(value, str):
        v = value.strip().lower()
        if v in CATEGORIES and v != "unknown":
            return v
    return None


def is_non_necessary(category: str) -> bool:
    """True for everything that needs consent, including ``unknown`` (a regulator would ask)."""
    return category != "necessary"


def is_tracker(category: str) -> bool:
    """True for the categories a tracker request is judged on (analytics, marketing)."""
    return category in TRACKER_CATEGORIES


def _cookie_host(domain: str) -> str:
    return domain.strip().lstrip(".").lower()


def known_category(item: Cookie | StorageItem, known: KnownTrackers | None) -> str | None:
    """What known_trackers alone says an item's category is (``None`` when it does not know).

    Cookies: the cookie-name entry, else — for third-party cookies only — the tracker entity that owns
    the cookie's domain. Storage items: the key (the Open Cookie Database lists storage keys too),
    else the origin's entity when the origin is third party. First-party domains are never judged by
    the domain list: the scanned site may itself be a listed entity.
    """
    if known is None:
        return None
    if isinstance(item, Cookie):
        name, host = item.name, _cookie_host(item.domain)
    else:
        name, host = item.key, host_of(item.origin) or item.origin
    info = known.cookie(name, host or None)
    if info is not None and _category(info.category):
        return _category(info.category)
    if item.party == "third" and host:
        d = known.domain(host)
        if d is not None:
            return _category(d.category)
    return None


def known_vendor(item: Cookie | StorageItem, known: KnownTrackers | None) -> str | None:
    """The vendor known_trackers names for an item (cookie/key entry first, then the domain's entity)."""
    if known is None:
        return None
    if isinstance(item, Cookie):
        name, host = item.name, _cookie_host(item.domain)
    else:
        name, host = item.key, host_of(item.origin) or item.origin
    info = known.cookie(name, host or None)
    if info is not None and info.vendor:
        return info.vendor
    if item.party == "third" and host:
        d = known.domain(host)
        if d is not None:
            return d.entity
    return None


def _declared_fields(entry: Any) -> tuple[str | None, str | None]:
    """(category, provider) of a declared entry, tolerant of missing attributes."""
    return _category(getattr(entry, "category", None)), getattr(entry, "provider", None) or None


def _category_and_source(declared: str | None, known: str | None) -> tuple[str, str]:
    """The site's own declaration wins over known_trackers; neither gives "unknown"."""
    if declared is not None:
        return declared, "declared"
    if known is not None:
        return known, "known_trackers"
    return "unknown", "unknown"


def classify_cookie(cookie: Cookie, known: KnownTrackers, declared: DeclaredLookup | None = None) -> Cookie:
    """One cookie with vendor, category, category_source and declared filled in."""
    entry = declared.match(cookie.name, _cookie_host(cookie.domain)) if declared is not None else None
    d_cat, d_vendor = _declared_fields(entry) if entry is not None else (None, None)
    vendor = known_vendor(cookie, known) or d_vendor
    category, source = _category_and_source(d_cat, known_category(cookie, known))
    return dataclasses.replace(
        cookie, vendor=vendor, category=category, category_source=source, declared=entry is not None
    )


def classify_storage(item: StorageItem, known: KnownTrackers, declared: DeclaredLookup | None = None) -> StorageItem:
    """One storage item classified like a cookie: declared key, else the known key, else the origin's
    entity when the origin is third party."""
    host = host_of(item.origin) or item.origin
    entry = declared.match(item.key, host or None) if declared is not None else None
    d_cat, d_vendor = _declared_fields(entry) if entry is not None else (None, None)
    vendor = known_vendor(item, known) or d_vendor
    category, source = _category_and_source(d_cat, known_category(item, known))
    return dataclasses.replace(item, vendor=vendor, category=category, category_source=source)


def _consent_mode(request: RequestRecord) -> dict[str, Any] | None:
    """The Google Consent Mode state a request carried in its URL (gcs/gcd), decoded; else what it had."""
    has_params = "gcs=" in request.url or "gcd=" in request.url  # cheap test: most requests carry neither
    state = consent_mode_from_request(request.url) if has_params else None
    if state is None:
        return request.consent_mode
    data = state.to_dict()
    data.pop("url", None)  # the request's own URL, already on the record
    return data


def classify_request(request: RequestRecord, known: KnownTrackers) -> RequestRecord:
    """One request with the vendor and category of the tracker entity that owns its host, and the
    Google Consent Mode signals it carried (``consent_mode``)."""
    info = known.domain(request.host) if request.host else None
    consent_mode = _consent_mode(request)
    if info is None:
        return dataclasses.replace(request, vendor=None, category="unknown", consent_mode=consent_mode)
    return dataclasses.replace(request, vendor=info.entity, category=_category(info.category) or "unknown",
                               consent_mode=consent_mode)


def classify_third_party(tp: ThirdParty, known: KnownTrackers) -> ThirdParty:
    """A third party's vendor and category: of all its hosts (and the registrable domain itself), the
    entity with the most consent-relevant category wins, so a summary never hides a tracker behind a
    CDN host of the same company."""
    best: tuple[int, str, str] | None = None
    for host in (*tp.hosts, tp.site):
        info = known.domain(host) if host else None
        if info is None:
            continue
        cat = _category(info.category) or "unknown"
        cand = (CATEGORY_RANK[cat], cat, info.entity)
        if best is None or cand[0] > best[0]:
            best = cand
    if best is None:
        return dataclasses.replace(tp, vendor=None, category="unknown")
    return dataclasses.replace(tp, vendor=best[2], category=best[1])


def _classify_page(page: PageVisit, known: KnownTrackers, declared: DeclaredLookup | None) -> PageVisit:
    return dataclasses.replace(
        page,
        requests=tuple(classify_request(r, known) for r in page.requests),
        storage=tuple(classify_storage(s, known, declared) for s in page.storage),
    )


def _classify_state(state: StateResult, known: KnownTrackers, declared: DeclaredLookup | None) -> StateResult:
    return dataclasses.replace(
        state,
        pages=tuple(_classify_page(p, known, declared) for p in state.pages),
        cookies=tuple(classify_cookie(c, known, declared) for c in state.cookies),
        storage=tuple(classify_storage(s, known, declared) for s in state.storage),
        third_parties=tuple(classify_third_party(t, known) for t in state.third_parties),
    )


def classify(result: ScanResult, known: KnownTrackers, declared: DeclaredLookup | None = None) -> ScanResult:
    """Classify every cookie, storage item, request and third party of a scan (pure: returns a new
    result). Declared categories win; known_trackers fills the rest; anything else is ``unknown``.
    Re-classifying an already classified result gives the same result."""
    states = {name: _classify_state(s, known, declared) for name, s in result.states.items()}
    return dataclasses.replace(result, states=states)
