"""Known cookies and tracker domains: the lookup API over the ``known_trackers`` data package.

The data is built by ``scripts/build_known_trackers.py`` from the Open Cookie Database (cookie names) and
third-party-web (domains → entity), corrected by the project's ``known_trackers/overrides.yaml``. This
module only reads the two JSON files it produces; it needs nothing beyond the standard library.

Example::

    from cookiescan import known

    trackers = known.load()
    trackers.cookie("_ga_ABC123")          # CookieInfo(name='_ga_', vendor='Google Analytics', ...)
    trackers.domain("stats.g.doubleclick.net").entity   # 'Google Ads'
    trackers.vendor_named("facebook").name              # 'Meta'
    trackers.role("uc_settings").role                   # 'consent-platform'
    trackers.owns("Google Analytics", "www.googletagmanager.com")   # True: the same company (Google)
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cookiescan.models import CATEGORIES
from cookiescan.resources import read_text

__all__ = [
    "CATEGORIES",
    "CookieInfo",
    "DomainInfo",
    "KnownTrackers",
    "NameRole",
    "Vendor",
    "load",
    "vendor_key",
]


#: Data format of the JSON files this loader understands.
FORMAT = 1

_CORPORATE_SUFFIX = re.compile(
    r"[\s,]+(?:inc|llc|ltd|limited|gmbh|corp|corporation|co|plc|s\.?a\.?s?|b\.?v\.?|ag)\.?$"
)


def vendor_key(text: str) -> str:
    """Normalise a vendor name for alias lookup: case-folded, single spaces, no surrounding quotes or
    punctuation (``" Facebook."`` → ``"facebook"``)."""
    key = " ".join(text.casefold().split()).strip(" \"'`.,;:«»“”‘’")
    if key[:1] == "(" and key[-1:] == ")":
        key = key[1:-1].strip()
    return key


def _stem(key: str) -> str:
    """A vendor key without its corporate suffix: ``"meta platforms, inc"`` → ``"meta platforms"``."""
    return _CORPORATE_SUFFIX.sub("", key).strip(" ,.")


@dataclass(frozen=True, slots=True)
class CookieInfo:
    """What the cookie database knows about a cookie name.

    Attributes:
        name: the database entry's name, or its prefix when ``pattern`` is true, as stored.
        vendor: the platform/vendor, e.g. ``"Google Analytics"`` (the tracker entity's name when known).
        category: one of :data:`CATEGORIES`.
        lifetime_days: typical retention in days (a session cookie is 0), ``None`` if unknown.
        pattern: the entry matched as a prefix (e.g. ``_ga_`` for ``_ga_ABC123``).
        source: ``"open-cookie-database"`` or ``"overrides"`` (the project's corrections).
        domains: the vendor's domains the database names for this cookie (bare, e.g. ``"instagram.com"``).
    """

    name: str
    vendor: str
    category: str
    lifetime_days: float | None
    pattern: bool
    source: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NameRole:
    """A cookie or storage-key name whose role the project knows, whatever vendor upstream files it under.

    Attributes:
        name: the exact name, or its prefix when ``pattern`` is true.
        pattern: the entry matches as a prefix (``_sp_v1_`` for ``_sp_v1_consent``).
        role: ``"framework"`` (a web framework's own session/CSRF cookie: ``sessionid``, ``PHPSESSID``) or
            ``"consent-platform"`` (where a consent platform stores the visitor's choice: ``uc_settings``).
        owner: the framework (``"Django"``) or consent platform (``"Usercentrics"``).
    """

    name: str
    pattern: bool
    role: str
    owner: str


@dataclass(frozen=True, slots=True)
class DomainInfo:
    """What the tracker list knows about a host.

    Attributes:
        domain: the matching list entry, as stored (``"*.doubleclick.net"`` covers the domain and its
            subdomains).
        entity: the tracker entity, e.g. ``"Google Analytics"``.
        company: the company behind it, e.g. ``"Google"``, when known.
        category: one of :data:`CATEGORIES`.
        source: ``"third-party-web"`` or ``"overrides"`` (where this domain entry comes from).
    """

    domain: str
    entity: str
    company: str | None
    category: str
    source: str


@dataclass(frozen=True, slots=True)
class Vendor:
    """A tracker entity, for matching the vendor names a written cookie notice uses.

    Attributes:
        name: canonical name (also used as :attr:`CookieInfo.vendor` and :attr:`DomainInfo.entity`).
        company: the company behind it, when known.
        aliases: lower-case names a notice may use (normalised with :func:`vendor_key`).
        domains: the domains it serves from, as stored (``"*.x.com"`` covers subdomains).
        category: one of :data:`CATEGORIES`.
    """

    name: str
    company: str | None
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    category: str


@dataclass(frozen=True, slots=True)
class _CookieEntry:
    info: CookieInfo
    domains: tuple[str, ...]
    third_party_only: bool = False


def _bare(domain: str) -> str:
    return domain.removeprefix("*.").strip(".").lower()


def _host_of(host: str) -> str:
    h = host.strip()
    if "://" in h:
        h = urlsplit(h).hostname or ""
    elif h.count(":") == 1:  # host:port, but leave IPv6 literals alone
        h = h.split(":", 1)[0]
    return h.strip("[]").strip(".").lower()


def _suffixes(host: str) -> Iterable[str]:
    """``a.b.c`` → ``a.b.c``, ``b.c``, ``c``."""
    while host:
        yield host
        _, _, host = host.partition(".")


class KnownTrackers:
    """Lookups over the known cookies, tracker domains and vendors. Build one with :func:`load`."""

    def __init__(self, cookies_doc: dict[str, Any], domains_doc: dict[str, Any]) -> None:
        for doc in (cookies_doc, domains_doc):
            if doc.get("format") != FORMAT:
                raise ValueError(f"known_trackers data format {doc.get('format')!r}, expected {FORMAT}")
        self._sources: dict[str, str] = {**cookies_doc["sources"], **domains_doc["sources"]}

        self._vendors: list[Vendor] = []
        self._by_alias: dict[str, Vendor] = {}
        stems: dict[str, set[str]] = {}
        # Every entry covers its domain and subdomains; the longest matching suffix wins. Upstream
        # distinguishes "x.com" (that host) from "*.x.com" (x.com and below), and in the rare case the
        # two belong to different entities the exact entry wins for the host, the "*." one below it.
        self._exact_host: dict[str, DomainInfo] = {}
        self._wildcard: dict[str, DomainInfo] = {}
        for e in domains_doc["entities"]:
            extra = set(e.get("extra_domains", ()))
            all_domains = tuple(e.get("domains", ())) + tuple(e.get("extra_domains", ()))
            vendor = Vendor(
                name=e["name"],
                company=e.get("company"),
                aliases=tuple(e["aliases"]),
                domains=all_domains,
                category=e["category"],
            )
            self._vendors.append(vendor)
            for alias in vendor.aliases:
                self._by_alias.setdefault(vendor_key(alias), vendor)
                stems.setdefault(_stem(vendor_key(alias)), set()).add(vendor.name)
            for d in all_domains:
                source = "overrides" if d in extra or e["source"] == "overrides" else "third-party-web"
                info = DomainInfo(d, vendor.name, vendor.company, vendor.category, source)
                index = self._wildcard if d.startswith("*.") else self._exact_host
                index.setdefault(_bare(d), info)

        # "Acme Inc." finds "Acme" too, unless two vendors share the stem.
        by_name = {v.name: v for v in self._vendors}
        self._by_stem = {stem: by_name[next(iter(names))] for stem, names in stems.items() if len(names) == 1}

        self._exact: dict[str, list[_CookieEntry]] = {}
        self._exact_ci: dict[str, list[_CookieEntry]] = {}
        self._prefix: dict[str, list[_CookieEntry]] = {}
        self._prefix_ci: dict[str, list[_CookieEntry]] = {}
        for c in cookies_doc["cookies"]:
            entry = _CookieEntry(
                CookieInfo(
                    name=c["name"],
                    vendor=c["vendor"],
                    category=c["category"],
                    lifetime_days=c["lifetime_days"],
                    pattern=c["pattern"],
                    source=c["source"],
                    domains=tuple(_bare(d) for d in c.get("domains", ())),
                ),
                tuple(_bare(d) for d in c.get("domains", ())),
                bool(c.get("third_party_only", False)),
            )
            cs, ci = (self._prefix, self._prefix_ci) if c["pattern"] else (self._exact, self._exact_ci)
            cs.setdefault(c["name"], []).append(entry)
            ci.setdefault(c["name"].casefold(), []).append(entry)
        for by_key in (self._exact, self._exact_ci, self._prefix, self._prefix_ci):
            for entries in by_key.values():
                entries.sort(key=lambda en: en.info.source != "overrides")  # stable: overrides first
        self._max_prefix = max((len(p) for p in self._prefix), default=0)

        self._by_name: dict[str, Vendor] = {v.name: v for v in self._vendors}
        self._companies = {v.company for v in self._vendors if v.company}
        self._role_exact: dict[str, NameRole] = {}
        self._role_prefix: list[NameRole] = []
        for r in cookies_doc.get("roles", ()):
            role = NameRole(name=r["name"], pattern=bool(r["pattern"]), role=r["role"], owner=r["owner"])
            if role.pattern:
                self._role_prefix.append(role)
            else:
                self._role_exact.setdefault(role.name, role)
        self._role_prefix.sort(key=lambda r: -len(r.name))  # the longest prefix wins

    def cookie(self, name: str, domain: str | None = None) -> CookieInfo | None:
        """Find a cookie (or storage key) by name.

        Exact names are tried first (case-sensitive, then case-insensitive), then prefix entries, the
        longest prefix winning (``_ga_`` matches ``_ga_ABC123``, ``_pk_id.`` matches ``_pk_id.1.abcd``).
        The project's overrides beat upstream entries. When several vendors use the same name, the
        cookie's ``domain`` picks the one whose known domains cover it.
        """
        candidates = (
            self._exact.get(name)
            or self._exact_ci.get(name.casefold())
            or self._longest_prefix(name, self._prefix)
            or self._longest_prefix(name.casefold(), self._prefix_ci)
        )
        if candidates and domain:
            # entries that only exist on the vendor's own domain do not claim a same-named cookie elsewhere
            suffixes = set(_suffixes(_host_of(domain)))
            candidates = [e for e in candidates if not e.third_party_only or suffixes.intersection(e.domains)]
        if not candidates:
            return None
        return self._pick(candidates, domain).info

    def _longest_prefix(self, name: str, index: dict[str, list[_CookieEntry]]) -> list[_CookieEntry] | None:
        for length in range(min(len(name), self._max_prefix), 0, -1):
            found = index.get(name[:length])
            if found:
                return found
        return None

    def _pick(self, candidates: list[_CookieEntry], domain: str | None) -> _CookieEntry:
        if len(candidates) == 1 or not domain:
            return candidates[0]
        host = _host_of(domain)
        suffixes = set(_suffixes(host))
        for entry in candidates:
            if suffixes.intersection(entry.domains):
                return entry
        owner = self.domain(host)
        if owner is not None:
            for entry in candidates:
                if entry.info.vendor == owner.entity:
                    return entry
        return candidates[0]

    def domain(self, host: str) -> DomainInfo | None:
        """Find the tracker entity for a host (a URL or ``host:port`` is accepted too).

        The host itself or its nearest listed parent domain matches: ``stats.g.doubleclick.net`` is
        found through ``*.doubleclick.net``. One dict lookup per label, no scan.
        """
        name = _host_of(host)
        for suffix in _suffixes(name):
            first, second = (
                (self._exact_host, self._wildcard) if suffix == name else (self._wildcard, self._exact_host)
            )
            found = first.get(suffix) or second.get(suffix)
            if found is not None:
                return found
        return None

    def role(self, name: str) -> NameRole | None:
        """The project's role for a cookie or storage-key name (exact, case-sensitive as cookie names are;
        then the longest prefix): a framework's session/CSRF cookie or a consent platform's choice."""
        found = self._role_exact.get(name)
        if found is not None:
            return found
        return next((r for r in self._role_prefix if name.startswith(r.name)), None)

    def owns(self, vendor: str, host: str, domains: Iterable[str] = ()) -> bool:
        """Whether ``host`` (a host, URL or cookie domain) belongs to ``vendor``: it is under one of
        ``domains`` (the cookie entry's own), under one of the vendor's domains, or its tracker entity is
        the vendor or a sibling of the same company (gtag on googletagmanager.com writes Google Analytics'
        ``_ga``). A vendor name that is only a company (``"Google"``) owns every entity of that company."""
        name = _host_of(host)
        if not name or not vendor:
            return False
        suffixes = set(_suffixes(name))
        if suffixes.intersection(_bare(d) for d in domains):
            return True
        v = self._by_name.get(vendor) or self.vendor_named(vendor)
        if v is not None and suffixes.intersection(_bare(d) for d in v.domains):
            return True
        owner = self.domain(name)
        if owner is None:
            return False
        if owner.entity == vendor or (v is not None and owner.entity == v.name):
            return True
        company = v.company if v is not None else (vendor if vendor in self._companies else None)
        return company is not None and owner.company == company

    def vendors(self) -> tuple[Vendor, ...]:
        """All known vendors, sorted by name, for matching the vendors a written notice names."""
        return tuple(self._vendors)

    def vendor_named(self, text: str) -> Vendor | None:
        """The vendor a name refers to (``"Meta"``, ``"facebook"``, ``"DoubleClick"``), case-insensitive."""
        key = vendor_key(text)
        return self._by_alias.get(key) or self._by_stem.get(_stem(key))

    @property
    def sources(self) -> dict[str, str]:
        """Source name → version/commit of the data, for the evidence block of a report."""
        return dict(self._sources)


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_text("known_trackers", name))
    return data


@functools.cache
def load() -> KnownTrackers:
    """The shipped known-tracker data, loaded once per process."""
    return KnownTrackers(_read("cookies.json"), _read("domains.json"))
