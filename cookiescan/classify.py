"""Give every observed cookie, storage item, request and third party a vendor and a category.

Two sources, in this order (RULES.md "Categories"):

1. the site's **declared** list (its own cookie notice): its category wins for judging the site against
   its own promise;
2. **known_trackers** (Open Cookie Database names, third-party-web domains, project overrides): the
   independent evidence, used when nothing is declared, and kept computable through
   :func:`known_category` so a report can show where the two disagree.

Everything else stays ``"unknown"``. Classification is a pure function of data: it returns a new
:class:`~cookiescan.models.ScanResult` built with :func:`dataclasses.replace`.

A vendor is named only with a basis (``Cookie.vendor_basis``): the cookie's domain (a storage key's
origin) belongs to the vendor ("domain"), or a script or response of the vendor wrote it ("script");
else the site's declared provider ("declared"), else none. A name known for a vendor but written by the
site's own script keeps the category its name says, not the vendor: a false accusation in a report meant
for a regulator is the worst output. A web framework's own session/CSRF cookie written by the site itself
is necessary (``category_source="framework"``); a consent platform's storage of the choice is necessary
(``"consent-platform"``). See :func:`known_view`.

Example::

    from cookiescan import classify, known

    result = classify.classify(result, known.load(), declared)
    result.states["before"].cookies[0].category   # 'analytics'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
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
from cookiescan.party import host_of, site_of
from cookiescan.signals import gtm
from cookiescan.signals.consent_mode import consent_mode_from_request

if TYPE_CHECKING:
    from cookiescan.known import KnownTrackers

__all__ = [
    "CATEGORY_RANK",
    "TRACKER_CATEGORIES",
    "DeclaredLookup",
    "KnownView",
    "TagPath",
    "attribution_evidence",
    "classify",
    "classify_cookie",
    "classify_request",
    "classify_storage",
    "classify_third_party",
    "is_non_necessary",
    "is_tracker",
    "known_category",
    "known_vendor",
    "known_view",
    "request_paths",
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


@dataclass(frozen=True, slots=True)
class KnownView:
    """What known_trackers alone says about one cookie or storage key.

    Attributes:
        vendor: the vendor it is attributed to, only with a ``basis``; ``None`` otherwise.
        basis: ``"domain"`` (the cookie's domain, or the storage origin, belongs to the vendor) or
            ``"script"`` (a script or response of the vendor wrote it).
        category: the category known_trackers gives it, ``None`` when it does not know.
        source: ``"known_trackers"``, ``"framework"`` (a web framework's own session/CSRF cookie written by
            the site itself), ``"consent-platform"`` (a consent platform storing the choice) or ``"unknown"``.
        name_vendor: the vendor the name alone is known for (``_ga`` → Google Analytics), attributed or not.
        owner: the framework or consent platform, for those two sources.
    """

    vendor: str | None
    basis: str | None
    category: str | None
    source: str
    name_vendor: str | None = None
    owner: str | None = None


def _attribute(known: KnownTrackers, vendor: str | None, host: str, domains: tuple[str, ...],
               writers: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(vendor, basis) when the cookie's domain or one of its writers belongs to the vendor, else (None, None)."""
    if not vendor:
        return None, None
    if host and known.owns(vendor, host, domains):
        return vendor, "domain"
    for url in writers:
        writer = host_of(url)
        if writer and known.owns(vendor, writer, domains):
            return vendor, "script"
    return None, None


def _written_by_site(item: Cookie, writers: tuple[str, ...], first_party: frozenset[str]) -> bool:
    """True when every writer seen (a response or a script) is the site's own (first-party)."""
    own = first_party or frozenset({item.site})
    return all(site_of(h) in own for h in (host_of(w) for w in writers) if h)


def known_view(item: Cookie | StorageItem, known: KnownTrackers, writers: tuple[str, ...] = (),
               first_party: frozenset[str] = frozenset()) -> KnownView:
    """known_trackers' view of a cookie or storage key, under the attribution rule (README, "How it observes").

    * A **consent platform**'s storage of the choice (``OptanonConsent``, ``uc_settings``…) is necessary,
      wherever it is written and by whom.
    * A name known for a vendor is **attributed** to it only when the cookie's domain (the storage origin)
      belongs to the vendor, or one of ``writers`` (the scripts and responses that wrote the cookie; its
      ``set_by`` is added) does: a distinctive name (``_ga``) written by the site's own script keeps the
      category its name says, not the vendor.
    * A generic **framework** name (``sessionid``, ``PHPSESSID``…) on a first-party cookie written by the
      site itself is necessary; anywhere else such a name says nothing unless its vendor is attributed
      (``sessionid`` on instagram.com is Instagram's).
    * A third-party cookie or origin with no attributed name falls back to the tracker entity owning its
      domain. First-party domains are never judged by the domain list: the scanned site may be a listed entity.
    """
    if isinstance(item, Cookie):
        name, host = item.name, _cookie_host(item.domain)
        writers = tuple(dict.fromkeys(w for w in (*writers, item.set_by or "") if w))
    else:  # storage keeps no writer: only its origin can tell
        name, host, writers = item.key, host_of(item.origin) or item.origin, ()
    role = known.role(name)
    if role is not None and role.role == "consent-platform":
        vendor, basis = _attribute(known, role.owner, host, (), writers)
        return KnownView(vendor, basis, "necessary", "consent-platform", role.owner, role.owner)
    info = known.cookie(name, host or None)
    name_vendor = info.vendor if info is not None else None
    vendor, basis = _attribute(known, name_vendor, host, info.domains, writers) if info else (None, None)
    if role is not None and role.role == "framework" and isinstance(item, Cookie) and basis is None:
        if item.party == "first" and _written_by_site(item, writers, first_party):
            return KnownView(None, None, "necessary", "framework", name_vendor, role.owner)
        info = None  # a generic name says nothing about who wrote it or why
    category = _category(info.category) if info is not None else None
    if vendor is None and item.party == "third" and host:
        d = known.domain(host)
        if d is not None:
            vendor, basis = d.entity, "domain"
            category = category or _category(d.category)
    return KnownView(vendor, basis, category, "known_trackers" if category else "unknown", name_vendor)


def known_category(item: Cookie | StorageItem, known: KnownTrackers | None) -> str | None:
    """What known_trackers alone says an item's category is (``None`` when it does not know): see
    :func:`known_view`, with the cookie's own ``set_by`` as its writer."""
    return known_view(item, known).category if known is not None else None


def known_vendor(item: Cookie | StorageItem, known: KnownTrackers | None) -> str | None:
    """The vendor known_trackers attributes an item to (see :func:`known_view`), ``None`` without a basis."""
    return known_view(item, known).vendor if known is not None else None


def attribution_evidence(item: Cookie | StorageItem, known: KnownTrackers | None) -> dict[str, Any]:
    """For a finding's evidence: why a name known for a vendor is not that vendor's here. Empty when the
    name is known for no vendor or the item carries that vendor."""
    if known is None:
        return {}
    view = known_view(item, known)
    if not view.name_vendor or item.vendor == view.name_vendor or view.source == "consent-platform":
        return {}
    if isinstance(item, StorageItem):
        return {"name_known_for": view.name_vendor, "written_by": item.origin,
                "attribution": f"the key is known for {view.name_vendor}, but it is stored by "
                               f"{item.origin}, which is not {view.name_vendor}'s"}
    own = item.party == "first" and _written_by_site(item, (item.set_by or "",), frozenset())
    who = "the site's own script or response" if own else "a script or response that is not the vendor's"
    return {"name_known_for": view.name_vendor, "written_by": item.set_by,
            "attribution": f"the name is known for {view.name_vendor}, but it was written by {who}"}


def _declared_fields(entry: Any) -> tuple[str | None, str | None]:
    """(category, provider) of a declared entry, tolerant of missing attributes."""
    return _category(getattr(entry, "category", None)), getattr(entry, "provider", None) or None


def _category_and_source(declared: str | None, view: KnownView) -> tuple[str, str]:
    """The site's own declaration wins over known_trackers; neither gives "unknown"."""
    if declared is not None:
        return declared, "declared"
    if view.category is not None:
        return view.category, view.source
    return "unknown", "unknown"


def classify_cookie(cookie: Cookie, known: KnownTrackers, declared: DeclaredLookup | None = None, *,
                    writers: tuple[str, ...] = (), first_party: frozenset[str] = frozenset()) -> Cookie:
    """One cookie with vendor (and why: ``vendor_basis``), category, category_source and declared filled in.
    ``writers`` are the ``set_by`` URLs of every write seen for it (its own ``set_by`` counts too);
    ``first_party`` the registrable domains that are the site itself (default: the cookie's own site)."""
    entry = declared.match(cookie.name, _cookie_host(cookie.domain)) if declared is not None else None
    d_cat, d_vendor = _declared_fields(entry) if entry is not None else (None, None)
    view = known_view(cookie, known, writers, first_party)
    vendor, basis = (view.vendor, view.basis) if view.vendor else (d_vendor, "declared" if d_vendor else None)
    category, source = _category_and_source(d_cat, view)
    return dataclasses.replace(cookie, vendor=vendor, vendor_basis=basis, category=category,
                               category_source=source, declared=entry is not None)


def classify_storage(item: StorageItem, known: KnownTrackers, declared: DeclaredLookup | None = None) -> StorageItem:
    """One storage item classified like a cookie: declared key, else the consent platform's choice, else
    the known key (its vendor only when the origin is the vendor's), else the origin's entity when third
    party."""
    host = host_of(item.origin) or item.origin
    entry = declared.match(item.key, host or None) if declared is not None else None
    d_cat, d_vendor = _declared_fields(entry) if entry is not None else (None, None)
    view = known_view(item, known)
    category, source = _category_and_source(d_cat, view)
    return dataclasses.replace(item, vendor=view.vendor or d_vendor, category=category, category_source=source)


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


@dataclass(frozen=True, slots=True)
class TagPath:
    """How a request came to be sent, for a finding's fix: the Google Tag Manager containers and the tags
    (gtag ids: ``G-…``, ``AW-…``) on its loading chain, and the chain as one evidence line."""

    tag_managers: tuple[str, ...]
    tags: tuple[str, ...]
    chain: str | None


def request_paths(page: PageVisit) -> list[TagPath]:
    """The :class:`TagPath` of each of a page's requests (same order), from the CDP initiators the request
    collector recorded (``RequestRecord.initiator``): each script's own initiator is followed back, so a
    hit sent by gtag reads "page → gtm.js?id=GTM-… → gtag/js?id=G-… → collect". A request the page itself
    made has no chain (``None``); the request's own URL never counts as its container."""
    own = {page.url, page.final_url}
    loaded_by = {r.url: [u for u in r.initiator if u not in own] for r in page.requests if r.initiator}
    out = []
    for r in page.requests:
        chain = gtm.loading_chain([u for u in r.initiator if u not in own], r.url, page_url=page.final_url,
                                  loaded_by=loaded_by)
        ids = tuple(dict.fromkeys(i for i in (gtm.container_id(u) for u in chain.steps[:-1]) if i))
        managers = tuple(i for i in ids if i.startswith("GTM-"))
        out.append(TagPath(managers, tuple(i for i in ids if i not in managers),
                           chain.text if len(chain.steps) > 1 else None))
    return out


def _writers(state: StateResult) -> dict[tuple[str, str], tuple[str, ...]]:
    """(cookie name, bare domain) -> the ``set_by`` of every write the hooks saw for it in the state: the
    last writer alone is a race between the state's parallel tabs, all of them are not."""
    index: dict[tuple[str, str], dict[str, None]] = {}
    for page in state.pages:
        for w in page.cookie_writes:
            if w.set_by and not w.deletes:
                index.setdefault((w.name, _cookie_host(w.domain)), {})[w.set_by] = None
    return {k: tuple(v) for k, v in index.items()}


def _classify_state(state: StateResult, known: KnownTrackers, declared: DeclaredLookup | None,
                    first_party: frozenset[str]) -> StateResult:
    writers = _writers(state)
    return dataclasses.replace(
        state,
        pages=tuple(_classify_page(p, known, declared) for p in state.pages),
        cookies=tuple(classify_cookie(c, known, declared, first_party=first_party,
                                      writers=writers.get((c.name, _cookie_host(c.domain)), ()))
                      for c in state.cookies),
        storage=tuple(classify_storage(s, known, declared) for s in state.storage),
        third_parties=tuple(classify_third_party(t, known) for t in state.third_parties),
    )


def classify(result: ScanResult, known: KnownTrackers, declared: DeclaredLookup | None = None) -> ScanResult:
    """Classify every cookie, storage item, request and third party of a scan (pure: returns a new
    result). Declared categories win; known_trackers fills the rest; anything else is ``unknown``.
    Re-classifying an already classified result gives the same result."""
    first_party = frozenset(result.first_party or (result.site,)) - {""}
    states = {name: _classify_state(s, known, declared, first_party) for name, s in result.states.items()}
    return dataclasses.replace(result, states=states)
