"""The collectors of one browser context: attached *before* the first ``goto`` so nothing is missed,
fed every event of the context, and asked for their records once a visit has settled.

Each event is routed to the visit the page is showing (:class:`VisitRecorder`), then to every collector
through the one error guard: a collector that fails yields less data and a note, never a crash."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cookiescan.collect.base import Collector, VisitRecorder, guard, guard_async
from cookiescan.collect.har import HarCollector, HarSink
from cookiescan.collect.popups import PopupCollector
from cookiescan.collect.requests import RequestCollector
from cookiescan.collect.storage import StorageCollector
from cookiescan.collect.tcf import TCFCollector
from cookiescan.collect.writes import CookieWriteCollector, page_of_frame
from cookiescan.models import CookieWrite, FrameRecord, RequestRecord, StorageItem

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Page, Request

    from cookiescan.party import PartyResolver

log = logging.getLogger("cookiescan.collect")


@dataclass(frozen=True, slots=True)
class VisitEvidence:
    """What the collectors made of one visit."""

    requests: tuple[RequestRecord, ...]
    cookie_writes: tuple[CookieWrite, ...]
    frames: tuple[FrameRecord, ...]
    storage: tuple[StorageItem, ...]
    notes: tuple[str, ...]
    tcf: dict[str, Any] | None = None  # the page's IAB TCF signal (collect/tcf.py)


class ContextRecorder:
    """:meth:`attach` once; :meth:`start_visit` / :meth:`collect` / :meth:`finish_visit` around each visit.

    ``har``: where each visit's page and exchanges go when it ends (HAR capture is on only when given)."""

    def __init__(self, context: BrowserContext, resolver: PartyResolver, *, show_values: bool = False,
                 har: HarSink | None = None) -> None:
        self.context = context
        self.requests = RequestCollector(resolver, show_values=show_values)
        self.writes = CookieWriteCollector(resolver, show_values=show_values)
        self.tcf = TCFCollector(resolver)
        self.collectors: tuple[Collector, ...] = (
            self.requests, self.writes, StorageCollector(resolver), PopupCollector(resolver), self.tcf)
        self.har = HarCollector(resolver) if har is not None else None
        self._har_sink = har
        if self.har is not None:
            self.collectors += (self.har,)
        self._by_page: dict[Page, VisitRecorder] = {}
        self._cdp: dict[Page, CDPSession] = {}

    async def attach(self) -> None:
        for c in self.collectors:
            await c.attach(self.context, self.current)
        self.context.on("request", self._router("on_request"))
        self.context.on("response", self._router("on_response"))
        self.context.on("requestfinished", self._router("on_request_finished"))
        self.context.on("requestfailed", self._router("on_request_failed"))

    def _router(self, method: str) -> Any:
        def route(obj: Any) -> None:
            request: Request = obj.request if method == "on_response" else obj
            try:
                rec = self.current(page_of_frame(request.frame))
            except Exception:  # service-worker requests have no frame: no visit to note them on
                return
            if rec is not None:
                for c in self.collectors:
                    guard(c, rec, getattr(c, method), rec, obj)

        return route

    # -- visits -------------------------------------------------------------------------------------
    def current(self, page: Page | None) -> VisitRecorder | None:
        """The visit ``page`` is showing, if any."""
        return self._by_page.get(page) if page is not None else None

    async def start_visit(self, page: Page, url: str) -> VisitRecorder:
        rec = VisitRecorder(page_url=url)
        self._by_page[page] = rec
        await self.prepare(page, rec)
        return rec

    async def prepare(self, page: Page, rec: VisitRecorder | None = None) -> None:
        """Attach the collectors to a tab (its CDP session) once; a warm tab is prepared before its first visit."""
        if page in self._cdp:
            return
        cdp = None
        try:
            cdp = await self.context.new_cdp_session(page)
            await cdp.send("Network.enable")
            self._cdp[page] = cdp
        except Exception as exc:  # pragma: no cover - depends on the browser build
            log.debug("no CDP session for this tab: %s", exc)
        for c in self.collectors:
            await guard_async(c, rec, c.attach_page, page, cdp)

    def finish_visit(self, page: Page) -> VisitRecorder | None:
        rec = self._by_page.pop(page, None)
        if rec is not None and self.har is not None:
            # every visit, failed ones too: what the browser exchanged is evidence either way
            guard(self.har, rec, self._hand_over_har, rec)
        return rec

    def _hand_over_har(self, rec: VisitRecorder) -> None:
        if self.har is not None and self._har_sink is not None:
            self._har_sink(*self.har.records(rec))

    async def collect(self, page: Page, rec: VisitRecorder, timeout: float = 5.0) -> VisitEvidence:
        """Once the page has settled: the collectors' last reads, then their records."""
        for c in self.collectors:
            await guard_async(c, rec, c.after_visit, page, rec)
        if rec.tasks:  # header reads still in flight
            await asyncio.wait(list(rec.tasks), timeout=timeout)
        notes = []
        if rec.dropped_requests:
            notes.append(f"{rec.dropped_requests} requests beyond the per-page limit not recorded")
        if rec.dropped_writes:
            notes.append(f"{rec.dropped_writes} cookie writes beyond the per-page limit not recorded")
        if rec.popups:
            notes.append(f"the page opened {len(rec.popups)} pop-up(s), closed: {', '.join(rec.popups[:3])}")
        notes += [f"the {name} collector failed on this page: {error}" for name, error in rec.errors.items()]
        return VisitEvidence(requests=self.requests.records(rec), cookie_writes=self.writes.records(rec),
                             frames=tuple(rec.frames.values()), storage=tuple(rec.storage), notes=tuple(notes),
                             tcf=self.tcf.take(rec))

    async def close(self) -> None:
        for cdp in self._cdp.values():
            with contextlib.suppress(Exception):
                await cdp.detach()
        self._cdp.clear()
