"""The scan loop: discovery, then every consent state in parallel — each in its own browser context
(a lane) whose pages are visited in a few warm tabs — bounded by ``--concurrency`` and ``--budget``,
surviving renderer crashes and browser restarts. Failed pages become ``SkippedPage`` records; only a
scan that cannot start at all (no browser, no reachable start URL) raises."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import platform
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from cookiescan import known
from cookiescan.browser import BrowserSession, resolve_executable
from cookiescan.config import ScanConfig
from cookiescan.models import SCHEMA_VERSION, BrowserEvidence, ScanResult, ToolInfo
from cookiescan.party import PartyResolver, host_of, site_of
from cookiescan.progress import Progress
from cookiescan.scan.choices import decide
from cookiescan.scan.discover import Discovery, discover, first_line
from cookiescan.scan.frontier import Frontier, PageTask, frontier_for
from cookiescan.scan.har import StateHar
from cookiescan.scan.keeper import BrowserKeeper
from cookiescan.scan.lanes import Lane, Tabs
from cookiescan.scan.revisit import revisit, revisits_due
from cookiescan.scan.state import StateRun
from cookiescan.scan.timeline import Timeline
from cookiescan.scan.visit import Visitor
from cookiescan.version import __version__

log = logging.getLogger("cookiescan.scan")


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Scanner:
    """One scan run: :meth:`run` returns the observations (no findings: :func:`cookiescan.audit` does the
    whole job); :meth:`result` gives what was seen so far, also after an interruption."""

    def __init__(self, config: ScanConfig, *, progress: Progress | None = None,
                 evidence_dir: Path | None = None, session: BrowserSession | None = None) -> None:
        self.config = config
        self.progress = progress or Progress()
        self.evidence_dir = evidence_dir
        self.session = session
        self.first_party = tuple(dict.fromkeys([*(site_of(host_of(u)) for u in config.urls),
                                                *(site_of(d) for d in config.first_party)]))
        self.resolver = PartyResolver(self.first_party)
        self.runs: dict[str, StateRun] = {s: StateRun(s, self.resolver) for s in config.states}
        self.errors: list[str] = []
        self.started_at = utcnow()
        self.discovery = Discovery()
        self.frontier: Frontier | None = None
        self.interrupted = False
        self.timeline = Timeline()
        self.keeper: BrowserKeeper | None = None
        self._sem = asyncio.Semaphore(max(1, config.concurrency))
        self._deadline = (time.monotonic() + config.scan_budget) if config.scan_budget else None

    @property
    def restarts(self) -> int:
        return self.keeper.restarts if self.keeper else 0

    # -- entry -----------------------------------------------------------------------------------------
    async def run(self) -> ScanResult:
        """Discover, visit every page in every state, return the observations. Raises
        :class:`~cookiescan.errors.SeedUnreachableError` when no start URL answers; cancelling it marks the
        scan interrupted (``result()`` still gives what was seen)."""
        cfg = self.config
        own_session = self.session is None
        if self.session is None:
            exe, source = resolve_executable(cfg.browser)
            self.session = BrowserSession(exe, extra_args=cfg.browser_args, headless=cfg.headless,
                                          ignore_https_errors=cfg.ignore_https_errors, source=source)
        session = self.session
        try:
            if own_session:
                with self.timeline.span("browser start"):
                    await session.start()
            with self.timeline.span("discovery"):
                self.discovery = await discover(session, cfg, self.timeline)
            self.errors += self.discovery.errors
            self.frontier = frontier_for(cfg, self.first_party, self.discovery)
            self.progress.start(len(self.frontier.items), cfg.states)
            keep = -(-max(1, cfg.concurrency) // max(1, len(self.runs))) + 1  # about the visits per state, +1
            tabs = Tabs(session, self.resolver, keep=keep, show_values=cfg.show_values, user_agent=cfg.user_agent)
            self.keeper = BrowserKeeper(session, self.progress, self.errors)
            visitor = Visitor(cfg, self.progress, self.frontier, tabs.crashed, self.evidence_dir, self.timeline)
            tasks = [asyncio.create_task(self._run_state(s, tabs, visitor), name=f"state-{s}") for s in cfg.states]
            try:
                await asyncio.gather(*tasks)
            except asyncio.CancelledError:
                self.interrupted = True
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        finally:
            self.progress.stop()
            if own_session:
                with contextlib.suppress(Exception):
                    await asyncio.shield(session.close())
        return self.result()

    def _write_har(self, lane: Lane) -> None:
        """The state's HAR file in the evidence folder (with --har / --evidence-pack), what was recorded even
        when the state ended early; a write that fails is a scan error, not the end of the scan."""
        if lane.har is not None and self.evidence_dir is not None and self.session is not None:
            error = lane.har.write(self.evidence_dir, self.session, show_values=self.config.show_values)
            if error:
                self.errors.append(error)

    def result(self) -> ScanResult:
        """The observations so far (also usable after an interruption)."""
        cfg = self.config
        info = self.session.info if self.session else None
        skipped = list(self.frontier.skipped() if self.frontier else ())
        for run in self.runs.values():
            skipped.extend(run.skipped)
        return ScanResult(
            schema_version=SCHEMA_VERSION, tool=tool_info(),
            browser=BrowserEvidence(product=info.product, user_agent=info.user_agent, executable=info.executable,
                                    source=info.source, third_party_cookies=info.third_party_cookies,
                                    storage_partitioning=info.storage_partitioning, headless=info.headless)
            if info else None,
            started_at=self.started_at, finished_at=utcnow(), seeds=tuple(cfg.urls),
            site=self.first_party[0] if self.first_party else "", first_party=self.first_party,
            # whether accept/reject apply and were made is known only once every state has run
            states=decide({s: run.result(cfg.show_values) for s, run in self.runs.items()}),
            skipped=tuple(skipped), errors=tuple(self.errors), config=cfg.public_dict(), config_hash=cfg.hash(),
            title=cfg.title, description=cfg.description, interrupted=self.interrupted,
            timings=self.timeline.result(),
        )

    # -- one state ------------------------------------------------------------------------------------
    async def _run_state(self, state: str, tabs: Tabs, visitor: Visitor) -> None:
        """Visit the frontier's pages in order; the first state discovers (its pages add links), the
        first page of each state makes the consent choice before any other page of it starts."""
        assert self.frontier is not None
        frontier, run = self.frontier, self.runs[state]
        lane = Lane(state, har=StateHar(state) if self.config.har and self.evidence_dir is not None else None)
        discovering = state == self.config.states[0]
        # the frontier may grow while a discovering visit runs: count them so other loops wait
        discovering_started = discovering
        if discovering:
            await frontier.begin_discovery()
        try:
            with self.timeline.span("context", state=state):
                await tabs.open(lane)
            first = await frontier.get(0)
            if first is None:
                return
            try:
                await self._visit_guarded(lane, run, first, tabs, visitor, consent=True, discover=discovering)
            finally:
                if discovering:
                    discovering_started = False
                    await frontier.end_discovery()
            index, pending = 1, set[asyncio.Task[None]]()
            while True:
                task = await frontier.get(index)
                if task is None:
                    if pending:  # pages still being visited may add links: wait for one and look again
                        _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    break
                index += 1
                await self._sem.acquire()
                if discovering:
                    await frontier.begin_discovery()
                pending.add(asyncio.create_task(self._visit_guarded(
                    lane, run, task, tabs, visitor, consent=False, discover=discovering, sem_held=True)))
                pending = {p for p in pending if not p.done()}
            if pending:
                await asyncio.gather(*pending)
            if lane.ctx is not None:
                with contextlib.suppress(Exception):
                    run.final_jar([dict(c) for c in await lane.ctx.cookies()])
                stop = (self._deadline is not None and time.monotonic() > self._deadline) or bool(
                    self.keeper and self.keeper.dead)
                if revisits_due(self.config, state, run.banner, stop=stop):
                    run.revisits = await revisit(lane, first.url, self.config, self.progress, self.timeline)
        finally:
            if discovering_started:
                await frontier.end_discovery()
            await tabs.close(lane)
            self._write_har(lane)

    async def _visit_guarded(self, lane: Lane, run: StateRun, task: PageTask, tabs: Tabs, visitor: Visitor,
                             *, consent: bool, discover: bool, sem_held: bool = False) -> None:
        """One visit; whatever goes wrong becomes a skipped page, never the end of the scan."""
        assert self.session is not None and self.keeper is not None
        if not sem_held:
            await self._sem.acquire()
        page = recorder = None
        generation = self.session.generation
        reconsent = reusable = False
        try:
            await self.keeper.wait_ready()
            generation = self.session.generation
            if self._deadline is not None and time.monotonic() > self._deadline:
                visitor.skip(run, task.url, "budget", "whole-scan time budget spent")
                return
            if self.keeper.dead:
                visitor.skip(run, task.url, "crashed", "the browser kept dying; not visited")
                return
            consent, reconsent = await tabs.ready_for_visit(lane, consent)
            generation = lane.generation
            assert lane.ctx is not None and lane.recorder is not None
            recorder = lane.recorder
            page = await tabs.take(lane)
            await visitor.visit(lane.ctx, page, recorder, run, task, consent=consent, discover=discover,
                                reconsent=reconsent)
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
            visitor.skip(run, task.url, reason, detail)
        finally:
            if reconsent:
                lane.ready.set()
            if page is not None and recorder is not None:
                await tabs.give_back(lane, page, recorder, reusable and lane.generation == generation)
            self._sem.release()
            if discover and sem_held and self.frontier is not None:
                await self.frontier.end_discovery()


def tool_info() -> ToolInfo:
    """The tool's evidence block: versions of cookiescan, Python, Playwright and the tracker data."""
    try:
        pw = version("playwright")
    except PackageNotFoundError:  # pragma: no cover
        pw = "unknown"
    return ToolInfo(name="cookiescan", version=__version__, python=platform.python_version(), playwright=pw,
                    known_trackers=dict(known.load().sources))


async def scan(config: ScanConfig, *, progress: Progress | None = None,
               evidence_dir: Path | None = None) -> ScanResult:
    """Scan ``config.urls`` in ``config.states`` and return the observations (no findings yet:
    :func:`cookiescan.audit` does the whole job)."""
    return await Scanner(config, progress=progress, evidence_dir=evidence_dir).run()
