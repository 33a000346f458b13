"""Each consent state's browser context (a *lane*) and its tabs: opened with the collectors attached,
reopened on a restarted browser, tabs kept warm between visits, dialogs dismissed, crashed tabs noted."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cookiescan.collect import ContextRecorder
from cookiescan.models import CHOICE_STATES

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

    from cookiescan.browser import BrowserSession
    from cookiescan.party import PartyResolver
    from cookiescan.scan.har import StateHar


@dataclass
class Lane:
    """One consent state's context and collectors; reopened after the browser restarts."""

    state: str
    ctx: BrowserContext | None = None
    recorder: ContextRecorder | None = None
    generation: int = -1
    reconsent: bool = False
    free: list[Page] = field(default_factory=list)  # tabs between two visits, on about:blank
    warming: list[asyncio.Future[Page | None]] = field(default_factory=list)  # tabs being opened ahead, unclaimed
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    har: StateHar | None = None  # the state's HAR, when HAR capture is on: survives a reopened context

    def __post_init__(self) -> None:
        self.ready.set()


class Tabs:
    """Opens lanes and hands out tabs. ``keep`` idle tabs per lane at most: more is memory for nothing."""

    def __init__(self, session: BrowserSession, resolver: PartyResolver, *, keep: int, show_values: bool,
                 user_agent: str | None = None) -> None:
        self.session = session
        self.resolver = resolver
        self.keep = keep
        self.show_values = show_values
        self.user_agent = user_agent
        self.crashed: set[Page] = set()  # tabs whose renderer crashed
        self._dialogs: set[asyncio.Future[None]] = set()

    async def open(self, lane: Lane) -> None:
        """(Re)open the lane's context on the current browser, collectors attached."""
        old = lane.ctx
        lane.ctx, lane.recorder, lane.free, lane.warming = None, None, [], []
        if old is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.close(), 5)
        generation = self.session.generation
        ctx = await self.session.new_context(**({"user_agent": self.user_agent} if self.user_agent else {}))
        recorder = ContextRecorder(ctx, self.resolver, show_values=self.show_values,
                                   har=lane.har.add if lane.har is not None else None)
        await recorder.attach()
        lane.ctx, lane.recorder, lane.generation = ctx, recorder, generation

    async def ready_for_visit(self, lane: Lane, consent: bool) -> tuple[bool, bool]:
        """Make sure the lane's context lives on the current browser. Returns (do the consent step on this
        visit, this visit re-applies the choice after a browser restart)."""
        async with lane.lock:
            if lane.ctx is None or lane.generation != self.session.generation:
                await self.open(lane)
                # a fresh context has an empty jar: the choice must be made again before other pages
                lane.reconsent = lane.state in CHOICE_STATES
            if lane.reconsent and not consent:
                lane.reconsent = False
                lane.ready.clear()
                return True, True
        if not consent:
            await lane.ready.wait()
        return consent, False

    async def take(self, lane: Lane) -> Page:
        """A tab of the lane: a warm one, else one being opened ahead (opening a second one beside it would only
        slow both down), else a new one."""
        if lane.free:
            return lane.free.pop()
        while lane.warming:
            page = await lane.warming.pop(0)
            if page is not None:
                return page
        return await self._new_tab(lane)

    async def _new_tab(self, lane: Lane) -> Page:
        """A new tab with dialogs dismissed and crashes watched."""
        assert lane.ctx is not None
        page = await lane.ctx.new_page()

        def on_dialog(dialog: Any) -> None:
            task = asyncio.ensure_future(_dismiss(dialog))
            self._dialogs.add(task)
            task.add_done_callback(self._dialogs.discard)

        page.on("dialog", on_dialog)
        page.on("crash", lambda p: self.crashed.add(p))
        return page

    async def give_back(self, lane: Lane, page: Page, recorder: ContextRecorder, reusable: bool) -> None:
        """End the visit. A healthy tab goes back to the lane on about:blank (so nothing of this page runs
        on into the next visit): a new tab per visit costs a renderer start and a CDP attach."""
        if reusable and page not in self.crashed and not page.is_closed():
            try:
                await asyncio.wait_for(page.goto("about:blank"), 5)
            except Exception:
                reusable = False
        else:
            reusable = False
        recorder.finish_visit(page)
        if reusable and len(lane.free) < self.keep:
            lane.free.append(page)
            return
        self.crashed.discard(page)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.close(), 5)

    async def warm(self, lane: Lane, count: int = 1) -> None:
        """Up to ``count`` tabs ready in the lane before they are needed (a renderer start and a CDP attach paid
        early: before the first visit, and while the first page waits for its banner)."""
        ctx, recorder = lane.ctx, lane.recorder
        if ctx is None or recorder is None:
            return

        async def one(claim: asyncio.Future[Page | None]) -> None:
            page: Page | None = None
            try:
                with contextlib.suppress(Exception):
                    page = await self._new_tab(lane)
                    await recorder.prepare(page)
            except asyncio.CancelledError:  # nobody may be left waiting for this tab (the context closes it)
                if claim in lane.warming:
                    lane.warming.remove(claim)
                if not claim.done():
                    claim.set_result(None)
                raise
            current = lane.ctx is ctx
            if claim in lane.warming:  # nobody waits for it: it joins the free tabs
                lane.warming.remove(claim)
                claim.set_result(None)
                if page is not None and current and len(lane.free) < self.keep:
                    lane.free.append(page)
                    return
            else:  # a visit waits for this tab
                claim.set_result(page if current else None)
                if current:
                    return
            if page is not None:  # the context was reopened meanwhile, or enough tabs are free
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(page.close(), 5)

        claims = [asyncio.get_running_loop().create_future()
                  for _ in range(min(count, self.keep) - len(lane.free) - len(lane.warming))]
        lane.warming.extend(claims)
        await asyncio.gather(*(one(c) for c in claims))

    async def close(self, lane: Lane) -> None:
        await close_lane(lane)


async def close_lane(lane: Lane) -> None:
    """Close the lane's context (bounded; a context already gone is fine)."""
    if lane.ctx is not None:
        with contextlib.suppress(Exception):
            await asyncio.shield(asyncio.wait_for(lane.ctx.close(), 5))


async def _dismiss(dialog: Any) -> None:
    with contextlib.suppress(Exception):
        await dialog.dismiss()
