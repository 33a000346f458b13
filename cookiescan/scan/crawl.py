"""Each consent state's crawl: its pages in frontier order, on its lane's tabs, bounded by ``--concurrency`` and
``--budget``, whatever goes wrong on a page recorded as a skipped page (a dead browser restarted).

The first page of a state comes first: the state's choice is made there, and no other page of the state
starts before it (they would be visited before the choice). Once that page's consent step is over — or, for
the before state, once the page has loaded and its links are known — the other pages start; the first page
goes on settling beside them. (``--old-waits``: the other pages wait for the whole first visit, as before.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cookiescan.scan.discover import first_line
from cookiescan.scan.revisit import revisit, revisits_due

if TYPE_CHECKING:
    from cookiescan.browser import BrowserSession
    from cookiescan.config import ScanConfig
    from cookiescan.progress import Progress
    from cookiescan.scan.frontier import Frontier, PageTask
    from cookiescan.scan.keeper import BrowserKeeper
    from cookiescan.scan.lanes import Lane, Tabs
    from cookiescan.scan.state import StateRun
    from cookiescan.scan.timeline import Timeline
    from cookiescan.scan.visit import Visitor

log = logging.getLogger("cookiescan.scan")


@dataclass
class Crawl:
    """What every state's crawl shares: the frontier, the tabs, the visitor, the browser keeper, the bounds."""

    config: ScanConfig
    session: BrowserSession
    frontier: Frontier
    tabs: Tabs
    visitor: Visitor
    keeper: BrowserKeeper
    progress: Progress
    timeline: Timeline
    deadline: float | None

    def __post_init__(self) -> None:
        self.sem = asyncio.Semaphore(max(1, self.config.concurrency))

    async def run_state(self, run: StateRun, lane: Lane, discovering: bool) -> None:
        """Visit the frontier's pages in order; the discovering state's pages add links."""
        frontier, state = self.frontier, run.state
        # the frontier may grow while a discovering visit runs: count them so other loops wait
        if discovering:
            await frontier.begin_discovery()
        first = await frontier.get(0)
        if first is None:
            if discovering:
                await frontier.end_discovery()
            return
        ready = asyncio.Event()  # the first page's choice is made (or there is none to make)
        first_visit = asyncio.create_task(self.visit(lane, run, first, consent=True, discover=discovering,
                                                     ready=ready, counted=discovering))
        warming = None
        if self.config.old_waits:
            await first_visit
        else:
            warming = asyncio.create_task(self.warm_tabs(lane))
            await asyncio.wait([first_visit, asyncio.ensure_future(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
        index, pending = 1, {first_visit}
        while True:
            task = await frontier.get(index)
            if task is None:
                pending = {p for p in pending if not p.done()}
                if pending:  # pages still being visited may add links: wait for one and look again
                    _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    continue
                break
            index += 1
            await self.sem.acquire()
            if discovering:
                await frontier.begin_discovery()
            pending.add(asyncio.create_task(self.visit(lane, run, task, consent=False, discover=discovering,
                                                       sem_held=True, counted=discovering)))
            pending = {p for p in pending if not p.done()}
        if pending:
            await asyncio.gather(*pending)
        if warming is not None:
            warming.cancel()
        if lane.ctx is not None:
            with contextlib.suppress(Exception):
                run.final_jar([dict(c) for c in await lane.ctx.cookies()])
            stop = (self.deadline is not None and time.monotonic() > self.deadline) or self.keeper.dead
            if revisits_due(self.config, state, run.banner, stop=stop):
                run.revisits = await revisit(lane, first.url, self.config, self.progress, self.timeline)

    async def warm_tabs(self, lane: Lane) -> None:
        """Once the first page has loaded and its links are known, open the tabs the next pages will need
        while that page waits for its banner (time the first page spends waiting anyway)."""
        if await self.frontier.get(1) is None:
            return
        share = -(-max(1, self.config.concurrency) // max(1, len(self.config.states)))
        await self.tabs.warm(lane, min(share, len(self.frontier.items) - 1))

    async def visit(self, lane: Lane, run: StateRun, task: PageTask, *, consent: bool, discover: bool,
                    sem_held: bool = False, ready: asyncio.Event | None = None, counted: bool = False) -> None:
        """One visit; whatever goes wrong becomes a skipped page, never the end of the scan."""
        if not sem_held:
            await self.sem.acquire()
        page = recorder = None
        generation = self.session.generation
        reconsent = reusable = False
        try:
            await self.keeper.wait_ready()
            generation = self.session.generation
            if self.deadline is not None and time.monotonic() > self.deadline:
                self.visitor.skip(run, task.url, "budget", "whole-scan time budget spent")
                return
            if self.keeper.dead:
                self.visitor.skip(run, task.url, "crashed", "the browser kept dying; not visited")
                return
            consent, reconsent = await self.tabs.ready_for_visit(lane, consent)
            generation = lane.generation
            assert lane.ctx is not None and lane.recorder is not None
            recorder = lane.recorder
            t_tab, fresh = time.monotonic(), not lane.free
            page = await self.tabs.take(lane)
            await recorder.prepare(page)
            if fresh:
                self.timeline.add("tab", t_tab, state=run.state, url=task.url)
            await self.visitor.visit(lane.ctx, page, recorder, run, task, consent=consent, discover=discover,
                                     reconsent=reconsent, ready=ready)
            reusable = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failing page never stops the scan
            log.debug("visit failed", exc_info=True)
            if await self.keeper.lost():
                reason, detail = "crashed", "the browser process died while showing this page; it was restarted"
                await self.keeper.restart(generation)
            else:
                reason = "crashed" if "crash" in str(exc).lower() or "closed" in str(exc).lower() else "error"
                detail = first_line(exc)
            self.visitor.skip(run, task.url, reason, detail)
        finally:
            if ready is not None:
                ready.set()
            if reconsent:
                lane.ready.set()
            if page is not None and recorder is not None:
                await self.tabs.give_back(lane, page, recorder, reusable and lane.generation == generation)
            self.sem.release()
            if counted:
                await self.frontier.end_discovery()
