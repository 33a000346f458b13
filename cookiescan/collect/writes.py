"""Every attempt to write a cookie, with the lifetime the site *requested*: Set-Cookie headers of every
response of the context (iframes and redirect hops included), ``document.cookie`` writes seen by the
hook installed before any site script (with the script that made them), and the cookies Chromium refused
(CDP ``responseReceivedExtraInfo.blockedCookies``)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cookiescan.collect.base import Collector, VisitRecorder, clip, guard
from cookiescan.collect.cookies import requested_lifetime, script_from_stack, split_cookie
from cookiescan.models import CookieWrite
from cookiescan.party import host_of
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Frame, Page, Response

MAX_WRITES_PER_PAGE = 5000  # a site writing more cookies than this is recorded as doing so, not in full
MAX_NAME = 256
BINDING = "__cookiescan_cookie"


def page_of_frame(frame: Frame | None) -> Page | None:
    """The tab a frame belongs to (None for a detached frame)."""
    if frame is None:
        return None
    try:
        return frame.page
    except Exception:
        return None


class CookieWriteCollector(Collector):
    """Set-Cookie headers, ``document.cookie`` writes and refused cookies, as :class:`CookieWrite`."""

    name = "cookie-writes"

    async def attach(self, context: BrowserContext, current: Callable[[Page | None], VisitRecorder | None]) -> None:
        await context.add_init_script(read_text("cookiescan.collect", "hooks.js"))

        def on_write(source: dict[str, Any], payload: dict[str, Any]) -> None:
            rec = current(page_of_frame(source.get("frame")))
            if rec is not None:
                guard(self, rec, self._script_write, rec, payload)

        await context.expose_binding(BINDING, on_write)
        self._current = current

    async def attach_page(self, page: Page, cdp: CDPSession | None) -> None:
        """CDP tells which cookies the browser *refused*. Page-level: cross-site iframes in their own
        process are not covered (documented limit)."""
        if cdp is None:
            return

        def on_extra_info(ev: dict[str, Any]) -> None:
            rec = self._current(page)
            if rec is None:
                return
            for item in ev.get("blockedCookies") or []:
                line, reasons = item.get("cookieLine") or "", tuple(item.get("blockedReasons") or ())
                if line and reasons:
                    rec.blocked[line] = reasons

        cdp.on("Network.responseReceivedExtraInfo", on_extra_info)

    def on_response(self, rec: VisitRecorder, response: Response) -> None:
        rec.spawn(self._read_set_cookie(rec, response))

    async def _read_set_cookie(self, rec: VisitRecorder, response: Response) -> None:
        try:
            headers = await response.headers_array()
        except Exception:
            return  # the response went away (page closed): nothing to read
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
                    self._add(rec, line.strip(), host, "header", response.url, frame_url, now)

    def _script_write(self, rec: VisitRecorder, payload: dict[str, Any]) -> None:
        url = str(payload.get("url") or "")
        script = script_from_stack(str(payload.get("stack") or "")) or url
        self._add(rec, str(payload.get("value") or ""), host_of(url), "document.cookie", script, url, time.time())

    def _add(self, rec: VisitRecorder, line: str, host: str, via: str, set_by: str, frame_url: str,
             now: float) -> None:
        if len(rec.writes) >= MAX_WRITES_PER_PAGE:
            rec.dropped_writes += 1
            return
        name, value, attrs, attr_text = split_cookie(line)
        if not name and not value:
            return
        # a revisit runs the page's clock ahead (``rec.clock_offset``): a script's Expires is read on that clock,
        # a server's on the real one; the write is dated on the page's timeline
        page_now = now + rec.clock_offset
        days, raw, deletes = requested_lifetime(attrs, now if via == "header" else page_now)
        now = page_now
        rec.raw_lines[len(rec.writes)] = line
        rec.writes.append(CookieWrite(
            name=name[:MAX_NAME], domain=(attrs.get("domain") or host).lstrip(".").lower(),
            path=attrs.get("path") or "/", via=via, set_by=clip(set_by), frame_url=clip(frame_url),
            page_url=rec.page_url, requested_lifetime_days=days, requested_raw=raw, deletes=deletes,
            value_length=len(value), value=value if self.show_values else None, attributes=attr_text[:500],
            time=datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        ))
        rec.last_cookie = time.monotonic()
        rec.touch()

    def records(self, rec: VisitRecorder) -> tuple[CookieWrite, ...]:
        """The writes, header writes the browser refused marked with its reasons."""
        if not rec.blocked:
            return tuple(rec.writes)
        out = []
        for i, w in enumerate(rec.writes):
            reasons = rec.blocked.get(rec.raw_lines.get(i, ""))
            out.append(replace(w, blocked_reasons=reasons) if reasons and w.via == "header" else w)
        return tuple(out)
