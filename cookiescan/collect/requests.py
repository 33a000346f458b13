"""Every request a page made (URL, method, type, frame, status or failure, and the scripts that led to it)
and the iframes it showed.

The initiator comes from the tab's CDP session (``Network.requestWillBeSent``: its ``stack`` call frames,
async parents included — async stacks are on, pauses skipped — or the parser's ``url``), flattened to
script URLs outermost first (:func:`cookiescan.signals.gtm.initiator_urls`). CDP and Playwright report the
same requests in the same order, so the k-th CDP event for a URL belongs to the k-th Playwright request for
it (redirect hops are separate requests on both sides). Page-level: cross-site iframes in their own process
are not covered, as for the refused cookies (documented limit)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cookiescan.collect.base import Collector, VisitRecorder, clip
from cookiescan.models import FrameRecord, RequestRecord
from cookiescan.party import host_of, site_of
from cookiescan.signals.gtm import initiator_urls

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Frame, Page, Request, Response

    from cookiescan.party import PartyResolver

MAX_REQUESTS_PER_PAGE = 5000
MAX_INITIATOR_URLS = 20  # script URLs kept per request (a chain of loaders is short; a hostile stack is not)
ASYNC_STACK_DEPTH = 8  # async parents kept per stack: enough for "Image ← script ← the script that loaded it"


def _key(url: str) -> str:
    """The URL both sides agree on: CDP reports the fragment apart, and long URLs are clipped alike."""
    return clip(url.split("#", 1)[0])


class _Initiators:
    """The CDP initiators of one visit's requests, queued per URL until the visit's records are made."""

    def __init__(self, rec: VisitRecorder) -> None:
        self.rec = weakref.ref(rec)
        self.by_url: dict[str, deque[tuple[str, ...]]] = {}
        self.count = 0


class RequestCollector(Collector):
    """Requests and frames; also what settling watches (requests in flight, last activity)."""

    name = "requests"

    def __init__(self, resolver: PartyResolver, *, show_values: bool = False) -> None:
        super().__init__(resolver, show_values=show_values)
        self._current: Callable[[Page | None], VisitRecorder | None] = lambda page: None
        self._initiators: dict[int, _Initiators] = {}
        self._resuming: set[asyncio.Future[None]] = set()

    async def attach(self, context: BrowserContext, current: Callable[[Page | None], VisitRecorder | None]) -> None:
        self._current = current

    async def attach_page(self, page: Page, cdp: CDPSession | None) -> None:
        """Listen to the tab's ``Network.requestWillBeSent`` for each request's initiator.

        Async stacks are switched on: a pixel made with ``new Image()`` is fetched in a later task, and only
        its async parent says which script made it (without them Chromium names the page, or the script when
        the image happened to be in the memory cache: a race between tabs). Pauses are skipped, so a
        ``debugger;`` statement never stops a page."""
        if cdp is None:
            return
        with contextlib.suppress(Exception):  # an older browser without them still gives synchronous stacks
            await cdp.send("Debugger.enable", {"maxScriptsCacheSize": 0})
            await cdp.send("Debugger.setSkipAllPauses", {"skip": True})
            await cdp.send("Debugger.setAsyncCallStackDepth", {"maxDepth": ASYNC_STACK_DEPTH})
        # An enabled debugger turns a page's out-of-memory crash into a pause (reason "OOM", with a raised heap
        # limit) that skipping pauses does not cover: resume it, so the page dies as it would for a visitor and
        # the scan records the crash instead of a page frozen until its timeout.
        cdp.on("Debugger.paused", lambda ev: self._resume(cdp))

        def on_will_be_sent(ev: dict[str, Any]) -> None:
            rec = self._current(page)
            request, initiator = ev.get("request"), ev.get("initiator")
            if rec is None or not isinstance(request, dict) or not isinstance(initiator, dict):
                return
            url = request.get("url")
            if not isinstance(url, str):
                return
            queue = self._queue(rec)
            if queue.count >= MAX_REQUESTS_PER_PAGE:
                return
            queue.count += 1
            urls = tuple(clip(u) for u in initiator_urls(initiator)[-MAX_INITIATOR_URLS:])
            queue.by_url.setdefault(_key(url), deque()).append(urls)

        cdp.on("Network.requestWillBeSent", on_will_be_sent)

    def _resume(self, cdp: CDPSession) -> None:
        async def resume() -> None:
            with contextlib.suppress(Exception):  # the page may be gone already
                await cdp.send("Debugger.resume")

        task = asyncio.ensure_future(resume())
        self._resuming.add(task)
        task.add_done_callback(self._resuming.discard)

    def _queue(self, rec: VisitRecorder) -> _Initiators:
        queue = self._initiators.get(id(rec))
        if queue is None or queue.rec() is not rec:
            # visits that ended without records (a failed page) leave nothing behind
            self._initiators = {k: q for k, q in self._initiators.items() if q.rec() is not None}
            queue = self._initiators[id(rec)] = _Initiators(rec)
        return queue

    def _take_initiators(self, rec: VisitRecorder) -> None:
        """Give each recorded request its initiator, in order per URL."""
        queue = self._initiators.pop(id(rec), None)
        if queue is None or queue.rec() is not rec:
            return
        for entry in rec.requests.values():
            pending = queue.by_url.get(entry["key"])
            if pending:
                entry["initiator"] = pending.popleft()

    def on_request(self, rec: VisitRecorder, request: Request) -> None:
        rec.touch()
        if len(rec.requests) >= MAX_REQUESTS_PER_PAGE:
            rec.dropped_requests += 1
            return
        frame_url = ""
        with contextlib.suppress(Exception):
            frame_url = request.frame.url
        rec.requests[id(request)] = {
            "url": clip(request.url), "method": request.method, "resource_type": request.resource_type,
            "host": host_of(request.url), "frame_url": clip(frame_url), "status": None, "failure": None,
            "key": _key(request.url), "initiator": (),
        }
        rec.inflight[id(request)] = time.monotonic()
        if request.frame.parent_frame is not None and request.is_navigation_request():
            self._note_frame(rec, request.frame, request.url)

    def on_response(self, rec: VisitRecorder, response: Response) -> None:
        rec.touch()
        rec.inflight.pop(id(response.request), None)  # headers are in: a never-read body does not count
        entry = rec.requests.get(id(response.request))
        if entry is not None:
            entry["status"] = response.status

    def on_request_finished(self, rec: VisitRecorder, request: Request) -> None:
        rec.inflight.pop(id(request), None)
        rec.touch()

    def on_request_failed(self, rec: VisitRecorder, request: Request) -> None:
        rec.inflight.pop(id(request), None)
        entry = rec.requests.get(id(request))
        if entry is not None:
            entry["failure"] = (request.failure or "failed")[:200]
        rec.touch()

    async def after_visit(self, page: Page, rec: VisitRecorder) -> None:
        for frame in page.frames:  # frames that loaded without a navigation request of their own
            if frame.parent_frame is None:
                continue
            with contextlib.suppress(Exception):
                self._note_frame(rec, frame, frame.url)

    def _note_frame(self, rec: VisitRecorder, frame: Frame, url: str) -> None:
        if not url.startswith(("http:", "https:")):
            return
        parent = frame.parent_frame.url if frame.parent_frame else ""
        rec.frames[url] = FrameRecord(url=clip(url), name=frame.name or "", site=site_of(host_of(url)),
                                      party=self.resolver.party_of_url(url), parent_url=clip(parent))

    def records(self, rec: VisitRecorder) -> tuple[RequestRecord, ...]:
        self._take_initiators(rec)
        return tuple(
            RequestRecord(url=r["url"], method=r["method"], resource_type=r["resource_type"], host=r["host"],
                          site=site_of(r["host"]), party=self.resolver.party_of_host(r["host"]),
                          frame_url=r["frame_url"], status=r["status"], failure=r["failure"],
                          initiator=r["initiator"])
            for r in rec.requests.values()
        )
