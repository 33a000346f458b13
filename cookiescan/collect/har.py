"""What the browser exchanged during a visit, for the HAR files of an evidence pack: every request with its raw
headers (``Cookie`` included), its response's raw headers (each ``Set-Cookie`` line apart), status, timings,
server address and HTTP version, or its failure; one record per redirect hop (Playwright gives each hop its
own request). No bodies.

On only when asked (``--har``, ``--evidence-pack``): reading each request's raw headers costs a few round trips
to the browser per request. The reads run beside the page (:meth:`VisitRecorder.spawn`), never in the event
handlers, and a page keeps at most as many exchanges as the request collector keeps requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cookiescan.collect.base import Collector, VisitRecorder
from cookiescan.collect.requests import MAX_REQUESTS_PER_PAGE
from cookiescan.evidence.har import HarPage, HarTimings, HttpExchange, http_version_from_protocol

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Page, Request, Response

    from cookiescan.party import PartyResolver

READ_TIMEOUT = 5.0  # seconds for one response's header reads; the visit's collect() waits as long at most
FAILED_READ_TIMEOUT = 1.0  # a request that failed before its headers went out may never report them
MAX_HEADERS = 500  # header lines kept per request or response: a hostile server can send thousands
MAX_HEADER_VALUE = 16 * 1024

Header = tuple[str, str]
HarSink = Callable[[HarPage | None, tuple[HttpExchange, ...]], None]


@dataclass(slots=True)
class _Draft:
    """One exchange while it happens: filled by the events and the reads they spawn, turned into an
    :class:`HttpExchange` when the visit ends (the timings are complete only then)."""

    request: Request
    started: float  # wall-clock seconds when the request event arrived
    response: Response | None = None
    request_headers: tuple[Header, ...] | None = None  # raw, as sent; None until read
    response_headers: tuple[Header, ...] | None = None  # raw, as received; None until read
    status: int = 0
    status_text: str = ""
    mime_type: str = ""
    http_version: str = ""
    server_ip: str = ""
    failure: str = ""


def _headers(items: Any) -> tuple[Header, ...]:
    """Playwright's ``[{name, value}]`` (or a dict) -> bounded header tuples."""
    pairs = items.items() if isinstance(items, Mapping) else ((h.get("name"), h.get("value")) for h in items)
    out: list[Header] = []
    for name, value in pairs:
        if len(out) >= MAX_HEADERS:
            break
        out.append((str(name)[:256], str(value)[:MAX_HEADER_VALUE]))
    return tuple(out)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _span(end: float, start: float) -> float:
    return end - start if end >= 0 and start >= 0 and end >= start else -1


def timings_from_playwright(timing: Mapping[str, float]) -> tuple[HarTimings, float]:
    """Playwright's ``request.timing`` (milliseconds after ``startTime``, -1 when not available) -> HAR
    phases and the total time (-1 when the response never ended). ``blocked`` is the wait before the first
    phase that happened (queueing, a reused connection's turn)."""
    dns = _span(timing.get("domainLookupEnd", -1), timing.get("domainLookupStart", -1))
    connect = _span(timing.get("connectEnd", -1), timing.get("connectStart", -1))
    ssl = _span(timing.get("connectEnd", -1), timing.get("secureConnectionStart", -1))
    wait = _span(timing.get("responseStart", -1), timing.get("requestStart", -1))
    receive = _span(timing.get("responseEnd", -1), timing.get("responseStart", -1))
    first = next((v for v in (timing.get(k, -1) for k in ("domainLookupStart", "connectStart", "requestStart"))
                  if v >= 0), -1)
    end = timing.get("responseEnd", -1)
    return HarTimings(blocked=first, dns=dns, connect=connect, ssl=ssl, send=-1, wait=wait, receive=receive), \
        (end if end >= 0 else -1)


class HarCollector(Collector):
    """Requests and responses with their raw headers, per visit (:attr:`VisitRecorder.exchanges`), and the
    page itself (:attr:`VisitRecorder.har_page`: start, DOMContentLoaded, load, title)."""

    name = "har"

    def __init__(self, resolver: PartyResolver, *, show_values: bool = False) -> None:
        super().__init__(resolver, show_values=show_values)  # values are redacted when the HAR is written
        self._current: Callable[[Page | None], VisitRecorder | None] = lambda page: None

    async def attach(self, context: BrowserContext, current: Callable[[Page | None], VisitRecorder | None]) -> None:
        self._current = current

    async def attach_page(self, page: Page, cdp: CDPSession | None) -> None:
        def mark(event: str) -> Callable[[Any], None]:
            def handler(_: Any) -> None:
                rec = self._current(page)
                # the tab goes back to about:blank before the visit ends: that load is not the page's
                if rec is not None and "start" in rec.har_page and not page.url.startswith("about:"):
                    rec.har_page.setdefault(event, time.time())

            return handler

        page.on("domcontentloaded", mark("domcontentloaded"))
        page.on("load", mark("load"))

    def on_request(self, rec: VisitRecorder, request: Request) -> None:
        now = time.time()
        rec.har_page.setdefault("start", now)
        if len(rec.exchanges) < MAX_REQUESTS_PER_PAGE:  # the request collector counts what is dropped
            rec.exchanges[id(request)] = _Draft(request=request, started=now)

    def on_response(self, rec: VisitRecorder, response: Response) -> None:
        draft = rec.exchanges.get(id(response.request))
        if draft is None:
            return
        draft.response = response
        draft.status, draft.status_text = response.status, response.status_text
        draft.mime_type = (response.headers.get("content-type") or "").split(";")[0].strip()[:200]
        rec.spawn(self._read_response(draft, response))

    def on_request_failed(self, rec: VisitRecorder, request: Request) -> None:
        draft = rec.exchanges.get(id(request))
        if draft is None:
            return
        draft.failure = (request.failure or "failed")[:300]
        if draft.request_headers is None and draft.response is None:
            rec.spawn(self._read_request(draft, request))

    async def _read_response(self, draft: _Draft, response: Response) -> None:
        request = response.request
        with contextlib.suppress(Exception):  # the page or the browser went away: keep what was read
            raw, sent, addr, version = await asyncio.wait_for(asyncio.gather(
                response.headers_array(), request.headers_array(), response.server_addr(), response.http_version(),
                return_exceptions=True), READ_TIMEOUT)
            if not isinstance(raw, BaseException):
                draft.response_headers = _headers(raw)
            if not isinstance(sent, BaseException):
                draft.request_headers = _headers(sent)
            if isinstance(addr, Mapping):
                draft.server_ip = str(addr.get("ipAddress") or "")[:64]
            if isinstance(version, str):
                draft.http_version = http_version_from_protocol(version)[:32]

    async def _read_request(self, draft: _Draft, request: Request) -> None:
        with contextlib.suppress(Exception):
            draft.request_headers = _headers(await asyncio.wait_for(request.headers_array(), FAILED_READ_TIMEOUT))

    async def after_visit(self, page: Page, rec: VisitRecorder) -> None:
        with contextlib.suppress(Exception):
            rec.har_page.setdefault("title", (await asyncio.wait_for(page.title(), 3))[:300])

    def records(self, rec: VisitRecorder) -> tuple[HarPage | None, tuple[HttpExchange, ...]]:
        """The visit's page and exchanges, as they stand (a read still running leaves the headers Chromium
        reported first: without ``Cookie``/``Set-Cookie`` lines, but never an empty entry)."""
        exchanges = tuple(self._exchange(rec.page_url, d) for d in rec.exchanges.values())
        start = rec.har_page.get("start")
        if start is None:
            return None, exchanges
        page = HarPage(id="", url=rec.page_url, title=str(rec.har_page.get("title") or ""), started_at=_iso(start),
                       on_content_load_ms=_after(rec.har_page.get("domcontentloaded"), start),
                       on_load_ms=_after(rec.har_page.get("load"), start))
        return page, exchanges

    def _exchange(self, page_url: str, d: _Draft) -> HttpExchange:
        request, response = d.request, d.response
        timing: Mapping[str, float] = {}
        with contextlib.suppress(Exception):
            timing = {k: float(v) for k, v in request.timing.items() if isinstance(v, (int, float))}
        timings, total = timings_from_playwright(timing)
        start = timing.get("startTime") or 0
        sent = d.request_headers
        if sent is None:
            sent = _headers(request.headers)
        received = d.response_headers
        if received is None:
            received = _headers(response.headers) if response is not None else ()
        return HttpExchange(
            started_at=_iso(start / 1000 if start > 0 else d.started), page_url=page_url, method=request.method,
            url=request.url, http_version=d.http_version or "unknown", request_headers=sent, status=d.status,
            status_text=d.status_text, response_headers=received, mime_type=d.mime_type,
            resource_type=request.resource_type, timings=timings, time_ms=total, server_ip=d.server_ip,
            failure=d.failure,
        )


def _after(when: Any, start: float) -> float:
    return round((when - start) * 1000, 3) if isinstance(when, float) and when >= start else -1
