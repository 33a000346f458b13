"""Every request a page made (URL, method, type, frame, status or failure) and the iframes it showed."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from cookiescan.collect.base import Collector, VisitRecorder, clip
from cookiescan.models import FrameRecord, RequestRecord
from cookiescan.party import host_of, site_of

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page, Request, Response

MAX_REQUESTS_PER_PAGE = 5000


class RequestCollector(Collector):
    """Requests and frames; also what settling watches (requests in flight, last activity)."""

    name = "requests"

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
        return tuple(
            RequestRecord(url=r["url"], method=r["method"], resource_type=r["resource_type"], host=r["host"],
                          site=site_of(r["host"]), party=self.resolver.party_of_host(r["host"]),
                          frame_url=r["frame_url"], status=r["status"], failure=r["failure"])
            for r in rec.requests.values()
        )
