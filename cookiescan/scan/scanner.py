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
from cookiescan.scan.crawl import Crawl
from cookiescan.scan.discover import Discovery, discover, fetch_sources
from cookiescan.scan.frontier import Frontier, frontier_for
from cookiescan.scan.har import StateHar
from cookiescan.scan.keeper import BrowserKeeper
from cookiescan.scan.lanes import Lane, Tabs, close_lane
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
            exe, source = resolve_executable(cfg.browser, headless=cfg.headless)
            self.session = BrowserSession(exe, extra_args=cfg.browser_args, headless=cfg.headless,
                                          ignore_https_errors=cfg.ignore_https_errors, source=source)
        session = self.session
        lanes = {s: Lane(s, har=StateHar(s) if cfg.har and self.evidence_dir is not None else None)
                 for s in cfg.states}
        tasks: list[asyncio.Task[None]] = []
        try:
            if own_session:
                with self.timeline.span("browser start"):
                    await session.start()
            keep = -(-max(1, cfg.concurrency) // max(1, len(self.runs))) + 1  # about the visits per state, +1
            tabs = Tabs(session, self.resolver, keep=keep, show_values=cfg.show_values, user_agent=cfg.user_agent)
            # each state's context and a first tab open while discovery runs (--old-waits: one after the other)
            warm = asyncio.gather(*(self._open(tabs, lane) for lane in lanes.values()))
            if cfg.old_waits:
                await warm
            with self.timeline.span("discovery"):
                try:
                    self.discovery = await discover(session, cfg, self.timeline, sources=cfg.old_waits)
                finally:
                    await asyncio.gather(warm, return_exceptions=True)
            self.errors += self.discovery.errors
            self.frontier = frontier_for(cfg, self.first_party, self.discovery)
            self.progress.start(len(self.frontier.items), cfg.states)
            self.keeper = BrowserKeeper(session, self.progress, self.errors)
            visitor = Visitor(cfg, self.progress, self.frontier, tabs.crashed, self.evidence_dir, self.timeline)
            crawl = Crawl(cfg, session, self.frontier, tabs, visitor, self.keeper, self.progress, self.timeline,
                          self._deadline)
            if not cfg.old_waits:  # the policy and notice pages are read beside the crawl: only the analysis needs them
                tasks.append(asyncio.create_task(fetch_sources(session, cfg, self.discovery, self.timeline)))
            tasks += [asyncio.create_task(self._state(crawl, lanes[s], s == cfg.states[0]), name=f"state-{s}")
                      for s in cfg.states]
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
            for lane in lanes.values():
                if lane.ctx is not None and not any(t.get_name() == f"state-{lane.state}" for t in tasks):
                    await close_lane(lane)  # opened but never crawled (no reachable start URL)
            if own_session:
                with contextlib.suppress(Exception):
                    await asyncio.shield(session.close())
        return self.result()

    async def _open(self, tabs: Tabs, lane: Lane) -> None:
        with self.timeline.span("context", state=lane.state):
            await tabs.open(lane)
            await tabs.warm(lane)

    async def _state(self, crawl: Crawl, lane: Lane, discovering: bool) -> None:
        """One state's crawl; its context closed and its HAR written whatever happens."""
        try:
            await crawl.run_state(self.runs[lane.state], lane, discovering)
        finally:
            await crawl.tabs.close(lane)
            self._write_har(lane)

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
