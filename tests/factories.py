"""Small hand-built scan results for pure tests (no browser): cookies, writes, requests, storage,
banners, a tiny known_trackers and declared lists.

Everything has defaults for a first-party site ``shop.fr`` scanned on 2024-01-31 at 10:00 UTC, so a
test only spells out what it is about::

    result = make_result(before=make_state(cookies=[make_cookie("_ga", requested_days=730)]))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cookiescan.declared import DeclaredCookie, DeclaredList
from cookiescan.known import KnownTrackers
from cookiescan.models import (
    SCHEMA_VERSION,
    BannerResult,
    Cookie,
    CookieWrite,
    PageVisit,
    RequestRecord,
    ScanResult,
    StateResult,
    StorageItem,
    ThirdParty,
    ToolInfo,
)
from cookiescan.party import host_of, site_of
from cookiescan.units import parse_duration

SITE = "shop.fr"
HOME = "https://www.shop.fr/"
STARTED = "2024-01-31T10:00:00+00:00"


def _party(host: str, first_party: Iterable[str] = (SITE,)) -> str:
    return "first" if site_of(host) in set(first_party) else "third"


def make_cookie(
    name: str,
    *,
    domain: str = ".shop.fr",
    path: str = "/",
    requested_days: float | None = None,
    stored_days: float | None = None,
    requested_raw: str | None = None,
    via: str = "header",
    set_by: str | None = None,
    pages: Sequence[str] = (HOME,),
    in_jar: bool = True,
    deleted: bool = False,
    blocked: Sequence[str] = (),
    category: str = "unknown",
    category_source: str | None = None,
    vendor: str | None = None,
    declared: bool = False,
) -> Cookie:
    """A cookie as the collector merges it; ``stored_days`` defaults to the requested lifetime capped
    at 400 days (Chromium)."""
    host = domain.lstrip(".")
    if stored_days is None and requested_days is not None and in_jar:
        stored_days = min(requested_days, 400.0)
    if requested_raw is None and requested_days is not None and via != "unknown":
        requested_raw = f"Max-Age={round(requested_days * 86400)}"
    return Cookie(
        name=name,
        domain=domain,
        path=path,
        site=site_of(host),
        party=_party(host),
        http_only=False,
        secure=True,
        same_site="Lax",
        partition_key=None,
        stored_expires=None,
        stored_lifetime_days=stored_days,
        requested_lifetime_days=None if via == "unknown" else requested_days,
        requested_raw=requested_raw,
        via=via,
        set_by=set_by if set_by is not None else pages[0] if pages else None,
        first_seen_page=pages[0] if pages else HOME,
        pages=tuple(pages),
        in_jar=in_jar,
        deleted=deleted,
        blocked_reasons=tuple(blocked),
        vendor=vendor,
        category=category,
        category_source=category_source or ("unknown" if category == "unknown" else "known_trackers"),
        declared=declared,
    )


def make_write(
    name: str,
    *,
    domain: str = "shop.fr",
    days: float | None = None,
    time: str = STARTED,
    deletes: bool = False,
    page_url: str = HOME,
    via: str = "header",
    blocked: Sequence[str] = (),
) -> CookieWrite:
    """A cookie write seen by the hooks."""
    return CookieWrite(
        name=name,
        domain=domain.lstrip("."),
        path="/",
        via=via,
        set_by=page_url,
        frame_url=page_url,
        page_url=page_url,
        requested_lifetime_days=days,
        requested_raw=None if days is None else f"Max-Age={round(days * 86400)}",
        deletes=deletes,
        blocked_reasons=tuple(blocked),
        time=time,
    )


def make_request(
    url: str,
    *,
    resource_type: str = "script",
    category: str = "unknown",
    vendor: str | None = None,
    frame_url: str = HOME,
) -> RequestRecord:
    """A request; party and site come from the URL's host."""
    host = host_of(url)
    return RequestRecord(
        url=url,
        method="GET",
        resource_type=resource_type,
        host=host,
        site=site_of(host),
        party=_party(host),
        frame_url=frame_url,
        status=200,
        vendor=vendor,
        category=category,
    )


def make_storage(
    key: str,
    *,
    origin: str = "https://www.shop.fr",
    kind: str = "localStorage",
    category: str = "unknown",
    page: str = HOME,
) -> StorageItem:
    """A storage key written by ``origin``."""
    host = host_of(origin)
    return StorageItem(
        kind=kind,
        key=key,
        origin=origin,
        site=site_of(host),
        party=_party(host),
        value_length=12,
        first_seen_page=page,
        category=category,
        category_source="unknown" if category == "unknown" else "known_trackers",
    )


def make_banner(
    state: str = "before",
    *,
    found: bool = True,
    accept_first: bool | None = True,
    reject_first: bool | None = True,
    cmp: str | None = "Didomi",
) -> BannerResult:
    """What the consent step reports for one state."""
    action = None if state == "before" else state
    return BannerResult(
        state=state,
        found=found,
        cmp=cmp if found else None,
        method="autoconsent" if found else None,
        action=action,
        succeeded=found and action is not None,
        accept_on_first_layer=accept_first if found else None,
        reject_on_first_layer=reject_first if found else None,
        page_url=HOME,
    )


def make_page(
    url: str = HOME,
    state: str = "before",
    *,
    requests: Sequence[RequestRecord] = (),
    writes: Sequence[CookieWrite] = (),
    storage: Sequence[StorageItem] = (),
    started_at: str = STARTED,
) -> PageVisit:
    """One page visit."""
    return PageVisit(
        url=url,
        final_url=url,
        state=state,
        status=200,
        title="Shop",
        depth=0,
        started_at=started_at,
        duration_ms=1000,
        settle_ms=500,
        settled=True,
        requests=tuple(requests),
        cookie_writes=tuple(writes),
        storage=tuple(storage),
    )


def make_state(
    state: str = "before",
    *,
    cookies: Sequence[Cookie] = (),
    storage: Sequence[StorageItem] = (),
    requests: Sequence[RequestRecord] = (),
    writes: Sequence[CookieWrite] = (),
    banner: BannerResult | None = None,
    pages: Sequence[PageVisit] | None = None,
    third_parties: Sequence[ThirdParty] = (),
    with_banner: bool = True,
) -> StateResult:
    """One consent state. Without ``pages``, one home page carries the requests, writes and storage.
    A found banner with accept and reject on the first layer is added unless ``banner`` is given or
    ``with_banner`` is False."""
    if pages is None:
        pages = [make_page(HOME, state, requests=requests, writes=writes, storage=storage)]
    if banner is None and with_banner:
        banner = make_banner(state)
    return StateResult(
        state=state,
        pages=tuple(pages),
        cookies=tuple(cookies),
        storage=tuple(storage),
        third_parties=tuple(third_parties),
        banner=banner,
    )


def make_result(
    *,
    before: StateResult | None = None,
    accept: StateResult | None = None,
    reject: StateResult | None = None,
    states: dict[str, StateResult] | None = None,
    started_at: str = STARTED,
    site: str = SITE,
) -> ScanResult:
    """A scan result holding the given states (``states`` or the ``before/accept/reject`` keywords)."""
    if states is None:
        states = {
            name: st for name, st in (("before", before), ("accept", accept), ("reject", reject)) if st is not None
        }
    return ScanResult(
        schema_version=SCHEMA_VERSION,
        tool=ToolInfo(name="cookiescan", version="test", python="3", playwright="test"),
        browser=None,
        started_at=started_at,
        finished_at=started_at,
        seeds=(f"https://www.{site}/",),
        site=site,
        first_party=(site,),
        states=states,
    )


# -- reference data -----------------------------------------------------------------------------

KNOWN_COOKIES: list[dict[str, Any]] = [
    {"name": "_ga", "vendor": "Google Analytics", "category": "analytics", "lifetime_days": 730.5,
     "pattern": False, "source": "open-cookie-database"},
    {"name": "_ga_", "vendor": "Google Analytics", "category": "analytics", "lifetime_days": 730.5,
     "pattern": True, "source": "open-cookie-database"},
    {"name": "_fbp", "vendor": "Meta", "category": "marketing", "lifetime_days": 90.0,
     "pattern": False, "source": "open-cookie-database"},
    {"name": "PHPSESSID", "vendor": "PHP", "category": "necessary", "lifetime_days": 0.0,
     "pattern": False, "source": "open-cookie-database"},
    {"name": "_hjSessionUser_", "vendor": "Hotjar", "category": "analytics", "lifetime_days": 365.25,
     "pattern": True, "source": "overrides"},
    {"name": "lang", "vendor": "Generic", "category": "functional", "lifetime_days": 365.25,
     "pattern": False, "source": "open-cookie-database"},
]  # fmt: skip

KNOWN_ENTITIES: list[dict[str, Any]] = [
    {"name": "Google Analytics", "company": "Google", "category": "analytics", "aliases": ["google analytics"],
     "domains": ["*.google-analytics.com", "*.googletagmanager.com"], "source": "third-party-web"},
    {"name": "Meta", "company": "Meta", "category": "marketing", "aliases": ["facebook", "meta"],
     "domains": ["*.facebook.net", "*.facebook.com"], "source": "third-party-web"},
    {"name": "Google Ads", "company": "Google", "category": "marketing", "aliases": ["doubleclick"],
     "domains": ["*.doubleclick.net"], "source": "third-party-web"},
    {"name": "jsDelivr", "company": None, "category": "necessary", "aliases": ["jsdelivr"],
     "domains": ["*.jsdelivr.net"], "source": "third-party-web"},
    {"name": "Hotjar", "company": "Hotjar", "category": "analytics", "aliases": ["hotjar"],
     "domains": ["*.hotjar.com"], "source": "third-party-web"},
]  # fmt: skip


def make_known(
    cookies: Sequence[dict[str, Any]] = KNOWN_COOKIES, entities: Sequence[dict[str, Any]] = KNOWN_ENTITIES
) -> KnownTrackers:
    """A real :class:`KnownTrackers` over a handful of entries (not the shipped data)."""
    return KnownTrackers(
        {"format": 1, "sources": {"test": "1"}, "cookies": list(cookies)},
        {"format": 1, "sources": {"test": "1"}, "entities": list(entities)},
    )


def declared_cookie(
    name: str,
    *,
    category: str | None = "analytics",
    lifetime: str | None = None,
    domain: str | None = None,
    provider: str | None = None,
    pattern: bool | None = None,
) -> DeclaredCookie:
    """A declared entry; ``lifetime`` is the declared text ("13 mois"), parsed like the real loader;
    ``pattern`` defaults to True when the name has a ``*``."""
    return DeclaredCookie(
        name=name,
        pattern=("*" in name) if pattern is None else pattern,
        domain=domain,
        category=category,
        category_text=category,
        lifetime_days=None if lifetime is None else parse_duration(lifetime),
        lifetime_text=lifetime,
        provider=provider,
        source="test.yml",
    )


def make_declared(*entries: DeclaredCookie) -> DeclaredList:
    """A declared list of the given entries."""
    return DeclaredList(entries=tuple(entries), source="test.yml")
