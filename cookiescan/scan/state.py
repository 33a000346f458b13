"""One consent state's observations, accumulated as its pages are visited: a pure record-keeper (no
browser), so the merge rules — which write made a cookie, what the jar kept, which pages saw it — are
tested on data alone."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cookiescan.classify import request_paths
from cookiescan.models import (
    BannerResult,
    Cookie,
    CookieWrite,
    FrameRecord,
    PageVisit,
    Revisit,
    SkippedPage,
    StateResult,
    StorageItem,
    ThirdParty,
)
from cookiescan.party import PartyResolver, site_of


@dataclass
class _CookieAcc:
    name: str
    domain: str
    path: str
    first_seen_page: str
    first_seen_order: int
    pages: list[str] = field(default_factory=list)
    writes: list[CookieWrite] = field(default_factory=list)
    jar: dict[str, Any] | None = None
    jar_seen_at: float = 0.0


class StateRun:
    """Everything one consent state accumulates while its pages are visited."""

    def __init__(self, state: str, resolver: PartyResolver) -> None:
        self.state = state
        self.resolver = resolver
        self.visits: list[PageVisit] = []
        self.skipped: list[SkippedPage] = []
        self.banner: BannerResult | None = None
        self.revisits: tuple[Revisit, ...] = ()
        self.cookies: dict[tuple[str, str, str], _CookieAcc] = {}
        self.storage: dict[tuple[str, str, str], StorageItem] = {}
        self._order = 0

    def _acc(self, name: str, domain: str, path: str, page: str) -> _CookieAcc:
        key = (name, domain.lstrip(".").lower(), path or "/")
        acc = self.cookies.get(key)
        if acc is None:
            self._order += 1
            acc = _CookieAcc(name, key[1], key[2], page, self._order)
            self.cookies[key] = acc
        if page not in acc.pages:
            acc.pages.append(page)
        return acc

    def add_visit(self, visit: PageVisit, jar: list[dict[str, Any]]) -> None:
        self.visits.append(visit)
        for w in visit.cookie_writes:
            self._acc(w.name, w.domain, w.path, w.page_url).writes.append(w)
        now = time.time()
        for c in jar:
            acc = self._acc(c["name"], c["domain"], c.get("path") or "/", visit.url)
            if acc.jar is None:
                acc.jar_seen_at = now
            acc.jar = c
        for item in visit.storage:
            self.storage.setdefault((item.kind, item.origin, item.key), item)

    def final_jar(self, jar: list[dict[str, Any]]) -> None:
        """The jar at the end of the state: what is still stored (others were deleted or expired)."""
        present = {(c["name"], c["domain"].lstrip(".").lower(), c.get("path") or "/"): c for c in jar}
        for key, acc in self.cookies.items():
            acc.jar = present.get(key)

    def result(self, show_values: bool) -> StateResult:
        cookies = [self._cookie(acc, show_values) for acc in sorted(self.cookies.values(),
                                                                     key=lambda a: a.first_seen_order)]
        frames: dict[str, FrameRecord] = {}
        for v in self.visits:
            for f in v.frames:
                frames.setdefault(f.url, f)
        # the state's TCF signal: the last visited page that had one
        tcf = next((v.tcf for v in reversed(self.visits) if v.tcf is not None), None)
        return StateResult(state=self.state, pages=tuple(self.visits), cookies=tuple(cookies),
                           storage=tuple(self.storage.values()), third_parties=self._third_parties(cookies),
                           frames=tuple(frames.values()), banner=self.banner, tcf=tcf, revisits=self.revisits)

    def _cookie(self, acc: _CookieAcc, show_values: bool) -> Cookie:
        live = [w for w in acc.writes if not w.deletes]
        last = live[-1] if live else (acc.writes[-1] if acc.writes else None)
        first_page = min(acc.writes, key=lambda w: w.time).page_url if acc.writes else acc.first_seen_page
        jar = acc.jar
        stored_expires = stored_days = None
        if jar is not None and jar.get("expires", -1) not in (-1, None) and jar["expires"] > 0:
            exp = float(jar["expires"])
            stored_expires = datetime.fromtimestamp(exp, timezone.utc).isoformat(timespec="seconds").replace(
                "+00:00", "Z")
            set_at = acc.jar_seen_at
            if last is not None and last.time:
                with contextlib.suppress(ValueError):
                    set_at = datetime.fromisoformat(last.time.replace("Z", "+00:00")).timestamp()
            stored_days = round(max(exp - set_at, 0) / 86400, 3)
        domain = jar["domain"] if jar is not None else acc.domain
        host = domain.lstrip(".")
        blocked = tuple(dict.fromkeys(r for w in acc.writes for r in w.blocked_reasons)) if live and all(
            w.blocked_reasons for w in live if w.via == "header") and jar is None else ()
        value = None
        if show_values:
            value = jar.get("value") if jar is not None else (last.value if last else None)
        value_length = len(jar.get("value") or "") if jar is not None else (last.value_length if last else 0)
        partition = None
        if jar is not None and jar.get("partitionKey"):
            pk = jar["partitionKey"]
            partition = pk.get("topLevelSite") if isinstance(pk, dict) else str(pk)
        return Cookie(
            name=acc.name, domain=domain, path=acc.path, site=site_of(host), party=self.resolver.party_of_host(host),
            http_only=jar.get("httpOnly") if jar else None, secure=jar.get("secure") if jar else None,
            same_site=jar.get("sameSite") if jar else None, partition_key=partition,
            stored_expires=stored_expires, stored_lifetime_days=stored_days,
            requested_lifetime_days=(round(last.requested_lifetime_days, 3)
                                     if last and last.requested_lifetime_days is not None else None),
            requested_raw=last.requested_raw if last else None,
            via=last.via if last else "unknown", set_by=last.set_by if last else None,
            first_seen_page=first_page, pages=tuple(acc.pages), in_jar=jar is not None,
            deleted=jar is None and bool(acc.writes) and acc.writes[-1].deletes and not blocked,
            blocked_reasons=blocked, value_length=value_length, value=value,
        )

    def _third_parties(self, cookies: list[Cookie]) -> tuple[ThirdParty, ...]:
        """Third-party registrable domains contacted in the state, each with the Google Tag Manager
        containers that loaded it and one loading chain (a GTM one first; the smallest text, so parallel
        tabs finishing in another order give the same answer)."""
        agg: dict[str, dict[str, Any]] = {}
        for v in self.visits:
            paths = request_paths(v)
            for r, path in zip(v.requests, paths, strict=True):
                if r.party != "third":
                    continue
                a = agg.setdefault(r.site, {"hosts": [], "n": 0, "first": v.url, "types": [], "gtm": {},
                                            "chains": set()})
                a["n"] += 1
                if r.host not in a["hosts"]:
                    a["hosts"].append(r.host)
                if r.resource_type not in a["types"]:
                    a["types"].append(r.resource_type)
                a["gtm"].update(dict.fromkeys(path.tag_managers))
                if path.chain:
                    a["chains"].add((not path.tag_managers, path.chain))
        cookie_sites = {c.site for c in cookies if c.party == "third"}
        return tuple(
            ThirdParty(site=s, hosts=tuple(a["hosts"]), requests=a["n"], first_seen_page=a["first"],
                       resource_types=tuple(a["types"]), sets_cookies=s in cookie_sites,
                       tag_managers=tuple(sorted(a["gtm"])),
                       loading_chain=min(a["chains"])[1] if a["chains"] else None)
            for s, a in sorted(agg.items())
        )
