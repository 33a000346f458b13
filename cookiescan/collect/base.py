"""The collector protocol, the per-visit buffer the collectors fill, and the one error guard.

As in tracker-radar-collector and mitmproxy's addons: a collector is a small class whose methods are
named after the browser events it handles; every method is optional. A collector that fails yields
less data and a note on the visit, never a crash (:func:`guard`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from cookiescan.models import CookieWrite, FrameRecord, StorageItem

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Page, Request, Response

    from cookiescan.party import PartyResolver

log = logging.getLogger("cookiescan.collect")
MAX_URL = 2048
T = TypeVar("T")


def clip(url: str) -> str:
    """A URL bounded to MAX_URL characters (a site can make them megabytes long)."""
    return url if len(url) <= MAX_URL else url[:MAX_URL] + "…"


@dataclass
class VisitRecorder:
    """What one page visit produced, filled by the collectors while the page loads and settles."""

    page_url: str
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)  # id(request) -> record
    writes: list[CookieWrite] = field(default_factory=list)
    blocked: dict[str, tuple[str, ...]] = field(default_factory=dict)  # Set-Cookie line -> reasons refused
    raw_lines: dict[int, str] = field(default_factory=dict)  # index in writes -> the Set-Cookie line
    inflight: dict[int, float] = field(default_factory=dict)  # id(request) -> when it started
    last_activity: float = field(default_factory=time.monotonic)
    last_cookie: float = field(default_factory=time.monotonic)
    frames: dict[str, FrameRecord] = field(default_factory=dict)
    storage: list[StorageItem] = field(default_factory=list)
    # HAR capture (collect/har.py), only when asked: id(request) -> the exchange as it happens; the page's
    # start, DOMContentLoaded and load (wall-clock seconds) and title
    exchanges: dict[int, Any] = field(default_factory=dict)
    har_page: dict[str, Any] = field(default_factory=dict)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)  # header reads still running
    dropped_requests: int = 0
    dropped_writes: int = 0
    popups: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # collector name -> first failure
    clock_offset: float = 0.0  # seconds the page's clock runs ahead (a revisit "later"); scripts' dates follow it

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run ``coro`` beside the visit; :meth:`ContextRecorder.collect` waits for it."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


class Collector:
    """One kind of evidence. Subclasses override the events they need."""

    name = "collector"

    def __init__(self, resolver: PartyResolver, *, show_values: bool = False) -> None:
        self.resolver = resolver
        self.show_values = show_values

    async def attach(self, context: BrowserContext, current: Callable[[Page | None], VisitRecorder | None]) -> None:
        """Once per context, before the first page: init scripts, bindings, context-wide events.
        ``current(page)`` gives the visit a page is showing (None between visits)."""

    async def attach_page(self, page: Page, cdp: CDPSession | None) -> None:
        """Once per tab, with the tab's CDP session (None when the browser gave none)."""

    def on_request(self, rec: VisitRecorder, request: Request) -> None: ...
    def on_response(self, rec: VisitRecorder, response: Response) -> None: ...
    def on_request_finished(self, rec: VisitRecorder, request: Request) -> None: ...
    def on_request_failed(self, rec: VisitRecorder, request: Request) -> None: ...

    async def after_visit(self, page: Page, rec: VisitRecorder) -> None:
        """When the page has settled: read what only the page can tell (storage, frames)."""


def guard(collector: Collector, rec: VisitRecorder | None, fn: Callable[..., T], *args: Any) -> T | None:
    """Call a collector's handler; a failure is logged and noted on the visit, never raised."""
    try:
        return fn(*args)
    except Exception as exc:
        _failed(collector, rec, fn, exc)
        return None


async def guard_async(collector: Collector, rec: VisitRecorder | None, fn: Callable[..., Awaitable[T]],
                      *args: Any) -> T | None:
    """:func:`guard` for coroutine handlers."""
    try:
        return await fn(*args)
    except Exception as exc:
        _failed(collector, rec, fn, exc)
        return None


def _failed(collector: Collector, rec: VisitRecorder | None, fn: Callable[..., Any], exc: Exception) -> None:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    log.debug("collector %s.%s failed: %s", collector.name, getattr(fn, "__name__", "?"), text)
    if rec is not None:
        rec.errors.setdefault(collector.name, text)
