"""Collectors for one browser context: every request, every Set-Cookie header, every
``document.cookie`` write, refused cookies, frames and storage — attributed to the page that caused
them. Attach *before* the first ``goto`` so nothing is missed.

A collector that fails yields less data, never a crash: every event handler swallows and logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cookiescan.collect.cookies import requested_lifetime, script_from_stack, split_cookie
from cookiescan.models import CookieWrite, FrameRecord, RequestRecord, StorageItem
from cookiescan.party import PartyResolver, host_of, site_of
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Frame, Page, Request, Response

log = logging.getLogger("cookiescan.collect")

HOOKS_JS = read_text("cookiescan.collect", "hooks.js")
MAX_URL = 2048
MAX_REQUESTS_PER_PAGE = 5000
MAX_WRITES_PER_PAGE = 5000  # a site writing more cookies than this is recorded as doing so, not in full
MAX_NAME = 256

STORAGE_JS = """() => {
  const out = [];
  for (const kind of ["localStorage", "sessionStorage"]) {
    try {
      const s = window[kind];
      for (let i = 0; i < s.length && i < 2000; i++) {
        const k = s.key(i);
        out.push([kind, k, (s.getItem(k) || "").length]);
      }
    } catch (e) { /* storage blocked in this frame */ }
  }
  return {origin: location.origin, items: out};
}"""


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _clip(url: str) -> str:
    return url if len(url) <= MAX_URL else url[:MAX_URL] + "…"


@dataclass
class VisitRecorder:
    """What one page visit produced, filled by the context's event handlers."""

    page_url: str
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)  # id(request) -> record
    writes: list[CookieWrite] = field(default_factory=list)
    blocked: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (host, line) -> reasons
    raw_lines: dict[int, tuple[str, str]] = field(default_factory=dict)  # index in writes -> (host, line)
    inflight: dict[int, float] = field(default_factory=dict)
    last_activity: float = field(default_factory=time.monotonic)
    last_cookie: float = field(default_factory=time.monotonic)
    frames: dict[str, FrameRecord] = field(default_factory=dict)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    dropped_requests: int = 0
    dropped_writes: int = 0
    popups: list[str] = field(default_factory=list)

    def touch(self) -> None:
        self.last_activity = time.monotonic()


class ContextRecorder:
    """Attach to a context with :meth:`attach`; :meth:`start_visit` / :meth:`finish_visit` bracket
    each page visit on a page of that context."""

    def __init__(self, context: BrowserContext, resolver: PartyResolver, *, show_values: bool = False) -> None:
        self.context = context
        self.resolver = resolver
        self.show_values = show_values
        self._by_page: dict[Page, VisitRecorder] = {}
        self._cdp: dict[Page, CDPSession] = {}
        self._tasks: set[asyncio.Future] = set()  # pop-up closers, kept referenced until done

    async def attach(self) -> None:
        await self.context.add_init_script(HOOKS_JS)
        await self.context.expose_binding("__cookiescan_cookie", self._on_cookie_write)
        self.context.on("request", self._on_request)
        self.context.on("response", self._on_response)
        self.context.on("requestfinished", self._on_request_done)
        self.context.on("requestfailed", self._on_request_failed)
        self.context.on("page", self._on_page)

    def _on_page(self, page: Page) -> None:
        """A pop-up the site opened (window.open): note it on the opener's visit and close it."""
        async def close_popup() -> None:
            opener = None
            with contextlib.suppress(Exception):
                opener = await page.opener()
            if opener is None:
                return  # one of ours
            rec = self.current(opener)
            if rec is not None:
                rec.popups.append(_clip(page.url))
            with contextlib.suppress(Exception):
                await page.close()

        task = asyncio.ensure_future(close_popup())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- visits -------------------------------------------------------------------------------------
    async def start_visit(self, page: Page, url: str) -> VisitRecorder:
        rec = VisitRecorder(page_url=url)
        self._by_page[page] = rec
        if page not in self._cdp:
            await self._attach_cdp(page)
        return rec

    def finish_visit(self, page: Page) -> VisitRecorder | None:
        return self._by_page.pop(page, None)

    def current(self, page: Page | None) -> VisitRecorder | None:
        return self._by_page.get(page) if page is not None else None

    async def _attach_cdp(self, page: Page) -> None:
        """CDP tells us which cookies the browser *refused* (responseReceivedExtraInfo.blockedCookies).
        Page-level: cross-site iframes in their own process are not covered (documented limit)."""
        try:
            cdp = await self.context.new_cdp_session(page)
            await cdp.send("Network.enable")
            cdp.on("Network.responseReceivedExtraInfo", lambda ev: self._on_extra_info(page, ev))
            self._cdp[page] = cdp
        except Exception as exc:  # pragma: no cover - depends on browser build
            log.debug("no CDP session for refused cookies: %s", exc)

    def _on_extra_info(self, page: Page, ev: dict[str, Any]) -> None:
        rec = self._by_page.get(page)
        if rec is None:
            return
        for item in ev.get("blockedCookies") or []:
            line = item.get("cookieLine") or ""
            reasons = tuple(item.get("blockedReasons") or ())
            if line and reasons:
                rec.blocked[("", line)] = reasons

    # -- event handlers (never raise) ---------------------------------------------------------------
    def _page_of_frame(self, frame: Frame | None) -> Page | None:
        if frame is None:
            return None
        try:
            return frame.page
        except Exception:
            return None

    def _rec_for_request(self, request: Request) -> VisitRecorder | None:
        try:
            frame = request.frame
        except Exception:  # service worker requests have no frame
            return None
        return self.current(self._page_of_frame(frame))

    def _on_request(self, request: Request) -> None:
        try:
            rec = self._rec_for_request(request)
            if rec is None:
                return
            rec.touch()
            if len(rec.requests) >= MAX_REQUESTS_PER_PAGE:
                rec.dropped_requests += 1
                return
            host = host_of(request.url)
            frame_url = ""
            with contextlib.suppress(Exception):
                frame_url = request.frame.url
            rec.requests[id(request)] = {
                "url": _clip(request.url), "method": request.method, "resource_type": request.resource_type,
                "host": host, "frame_url": _clip(frame_url), "status": None, "failure": None,
            }
            rec.inflight[id(request)] = time.monotonic()
            if request.frame.parent_frame is not None and request.is_navigation_request():
                self._note_frame(rec, request.frame, request.url)
        except Exception as exc:
            log.debug("request handler: %s", exc)

    def _note_frame(self, rec: VisitRecorder, frame: Frame, url: str) -> None:
        if not url.startswith(("http:", "https:")):
            return
        parent = frame.parent_frame.url if frame.parent_frame else ""
        rec.frames[url] = FrameRecord(url=_clip(url), name=frame.name or "", site=site_of(host_of(url)),
                                      party=self.resolver.party_of_url(url), parent_url=_clip(parent))

    def _on_response(self, response: Response) -> None:
        rec = self._rec_for_request(response.request)
        if rec is None:
            return
        rec.touch()
        rec.inflight.pop(id(response.request), None)  # headers are in: a never-read body does not count
        entry = rec.requests.get(id(response.request))
        if entry is not None:
            entry["status"] = response.status
        task = asyncio.ensure_future(self._read_set_cookie(rec, response))
        rec.tasks.add(task)
        task.add_done_callback(rec.tasks.discard)

    async def _read_set_cookie(self, rec: VisitRecorder, response: Response) -> None:
        try:
            headers = await response.headers_array()
        except Exception as exc:
            log.debug("no headers for %s: %s", response.url, exc)
            return
        frame_url = ""
        with contextlib.suppress(Exception):
            frame_url = response.frame.url
        host = host_of(response.url)
        now = time.time()
        for h in headers:
            if h["name"].lower() != "set-cookie":
                continue
            for line in h["value"].split("\n"):  # some stacks fold several cookies into one header
                if line.strip():
                    self._add_write(rec, line.strip(), host, "header", response.url, frame_url, now)

    def _on_cookie_write(self, source: dict[str, Any], payload: dict[str, Any]) -> None:
        try:
            frame = source.get("frame")
            page = self._page_of_frame(frame)
            rec = self.current(page)
            if rec is None:
                return
            url = str(payload.get("url") or "")
            script = script_from_stack(str(payload.get("stack") or "")) or url
            self._add_write(rec, str(payload.get("value") or ""), host_of(url), "document.cookie", script, url,
                            time.time())
        except Exception as exc:
            log.debug("cookie hook: %s", exc)

    def _add_write(self, rec: VisitRecorder, line: str, host: str, via: str, set_by: str, frame_url: str,
                   now: float) -> None:
        if len(rec.writes) >= MAX_WRITES_PER_PAGE:
            rec.dropped_writes += 1
            return
        name, value, attrs, attr_text = split_cookie(line)
        if not name and not value:
            return
        name = name[:MAX_NAME]
        days, raw, deletes = requested_lifetime(attrs, now)
        domain = (attrs.get("domain") or host).lstrip(".").lower()
        rec.raw_lines[len(rec.writes)] = (host, line)
        rec.writes.append(CookieWrite(
            name=name, domain=domain, path=attrs.get("path") or "/", via=via, set_by=_clip(set_by),
            frame_url=_clip(frame_url), page_url=rec.page_url, requested_lifetime_days=days, requested_raw=raw,
            deletes=deletes, value_length=len(value), value=value if self.show_values else None,
            attributes=attr_text[:500], time=datetime.fromtimestamp(now, timezone.utc).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
        ))
        rec.last_cookie = time.monotonic()
        rec.touch()

    def _on_request_done(self, request: Request) -> None:
        rec = self._rec_for_request(request)
        if rec is not None:
            rec.inflight.pop(id(request), None)
            rec.touch()

    def _on_request_failed(self, request: Request) -> None:
        rec = self._rec_for_request(request)
        if rec is None:
            return
        rec.inflight.pop(id(request), None)
        entry = rec.requests.get(id(request))
        if entry is not None:
            entry["failure"] = (request.failure or "failed")[:200]
        rec.touch()

    # -- results --------------------------------------------------------------------------------------
    async def drain(self, rec: VisitRecorder, timeout: float = 5.0) -> None:
        """Wait for header reads still in flight."""
        if rec.tasks:
            await asyncio.wait(list(rec.tasks), timeout=timeout)

    def request_records(self, rec: VisitRecorder) -> tuple[RequestRecord, ...]:
        out = []
        for r in rec.requests.values():
            out.append(RequestRecord(
                url=r["url"], method=r["method"], resource_type=r["resource_type"], host=r["host"],
                site=site_of(r["host"]), party=self.resolver.party_of_host(r["host"]), frame_url=r["frame_url"],
                status=r["status"], failure=r["failure"],
            ))
        return tuple(out)

    def cookie_writes(self, rec: VisitRecorder) -> tuple[CookieWrite, ...]:
        if not rec.blocked:
            return tuple(rec.writes)
        blocked_by_line = {line: reasons for (_, line), reasons in rec.blocked.items()}
        out = []
        for i, w in enumerate(rec.writes):
            _, line = rec.raw_lines.get(i, ("", ""))
            reasons = blocked_by_line.get(line)
            if reasons and w.via == "header":
                from dataclasses import replace

                w = replace(w, blocked_reasons=reasons)
            out.append(w)
        return tuple(out)

    async def storage(self, page: Page, page_url: str) -> tuple[StorageItem, ...]:
        items: list[StorageItem] = []
        seen: set[tuple[str, str, str]] = set()
        for frame in page.frames:
            try:
                data = await asyncio.wait_for(frame.evaluate(STORAGE_JS), 2)
            except Exception:
                continue
            origin = str(data.get("origin") or "")
            if not origin.startswith("http"):
                continue
            host = host_of(origin)
            for kind, key, length in data.get("items") or []:
                k = (kind, origin, key)
                if k in seen:
                    continue
                seen.add(k)
                items.append(StorageItem(kind=kind, key=str(key)[:300], origin=origin, site=site_of(host),
                                         party=self.resolver.party_of_host(host), value_length=int(length),
                                         first_seen_page=page_url))
        return tuple(items)

    def frames(self, page: Page, rec: VisitRecorder) -> tuple[FrameRecord, ...]:
        for frame in page.frames:
            if frame.parent_frame is None:
                continue
            with contextlib.suppress(Exception):
                self._note_frame(rec, frame, frame.url)
        return tuple(rec.frames.values())

    async def close(self) -> None:
        for cdp in self._cdp.values():
            with contextlib.suppress(Exception):
                await cdp.detach()
        self._cdp.clear()
