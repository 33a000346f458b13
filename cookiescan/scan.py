"""``scan(config) -> ScanResult``: the library entry point.

Data flow: seeds + sitemap -> frontier -> one fresh browser context per consent state, its pages
visited with the collectors attached before ``goto`` -> settle -> collect -> merge per state ->
classify -> rules -> ScanResult. Failed pages become ``SkippedPage`` records; only a scan that
cannot start at all (no browser, no reachable seed) raises.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import platform
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cookiescan.browser import BrowserSession, resolve_executable
from cookiescan.collect import ContextRecorder, VisitRecorder
from cookiescan.config import ScanConfig, compile_patterns
from cookiescan.crawl import MAX_SITEMAP_BYTES, Frontier, PageTask, RobotsRules, parse_sitemap
from cookiescan.errors import SeedUnreachableError
from cookiescan.models import (
    SCHEMA_VERSION,
    BannerResult,
    BrowserEvidence,
    Cookie,
    CookieWrite,
    FrameRecord,
    PageVisit,
    ScanResult,
    SkippedPage,
    StateResult,
    StorageItem,
    ThirdParty,
    ToolInfo,
)
from cookiescan.party import PartyResolver, host_of, site_of
from cookiescan.progress import Progress
from cookiescan.version import __version__

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

log = logging.getLogger("cookiescan.scan")

LINKS_JS = """() => Array.from(document.querySelectorAll('a[href], area[href]'), a => a.getAttribute('href'))
  .filter(Boolean).slice(0, 5000)"""
# Network errors that mean "this host cannot be reached at all".
UNREACHABLE = ("ERR_NAME_NOT_RESOLVED", "ERR_CONNECTION_REFUSED", "ERR_ADDRESS_UNREACHABLE",
               "ERR_CONNECTION_TIMED_OUT", "ERR_CERT_", "ERR_SSL_", "ERR_BAD_SSL", "ERR_INTERNET_DISCONNECTED",
               "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED", "ERR_EMPTY_RESPONSE", "ERR_TIMED_OUT")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# fetch(url) from the page, body as base64 (chunked: String.fromCharCode takes a bounded argument list)
_FETCH_BASE64 = """async (url) => {
  const r = await fetch(url, {credentials: "omit"});
  if (!r.ok) return null;
  const a = new Uint8Array(await r.arrayBuffer());
  let s = "";
  for (let i = 0; i < a.length; i += 32768) s += String.fromCharCode.apply(null, a.subarray(i, i + 32768));
  return btoa(s);
}"""
MAX_BROWSER_RESTARTS = 3
HUNG_AFTER = 3.0  # seconds after which an unanswered request no longer keeps a page from settling
BANNER_QUIET = 1.0  # seconds of quiet after which no consent banner is expected any more


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _net_error(message: str) -> str | None:
    for code in UNREACHABLE:
        idx = message.find("net::" + code)
        if idx >= 0:
            return message[idx:].split()[0]
    return None


# -- per-state accumulation --------------------------------------------------------------------------


@dataclass
class _CookieAcc:
    name: str
    domain: str
    path: str
    first_seen_page: str
    first_seen_order: int
    pages: list[str] = field(default_factory=list)
    writes: list[CookieWrite] = field(default_factory=list)
    jar: dict[str, Any] | None = None
    jar_seen_at: float = 0.0


class StateRun:
    """Everything one consent state accumulates while its pages are visited."""

    def __init__(self, state: str, resolver: PartyResolver) -> None:
        self.state = state
        self.resolver = resolver
        self.visits: list[PageVisit] = []
        self.skipped: list[SkippedPage] = []
        self.banner: BannerResult | None = None
        self.cookies: dict[tuple[str, str, str], _CookieAcc] = {}
        self.storage: dict[tuple[str, str, str], StorageItem] = {}
        self._order = 0

    def _acc(self, name: str, domain: str, path: str, page: str) -> _CookieAcc:
        key = (name, domain.lstrip(".").lower(), path or "/")
        acc = self.cookies.get(key)
        if acc is None:
            self._order += 1
            acc = _CookieAcc(name, key[1], key[2], page, self._order)
            self.cookies[key] = acc
        if page not in acc.pages:
            acc.pages.append(page)
        return acc

    def add_visit(self, visit: PageVisit, jar: list[dict[str, Any]]) -> None:
        self.visits.append(visit)
        for w in visit.cookie_writes:
            self._acc(w.name, w.domain, w.path, w.page_url).writes.append(w)
        now = time.time()
        for c in jar:
            acc = self._acc(c["name"], c["domain"], c.get("path") or "/", visit.url)
            if acc.jar is None:
                acc.jar_seen_at = now
            acc.jar = c
        for item in visit.storage:
            self.storage.setdefault((item.kind, item.origin, item.key), item)

    def final_jar(self, jar: list[dict[str, Any]]) -> None:
        """The jar at the end of the state: what is still stored (others were deleted or expired)."""
        present = {(c["name"], c["domain"].lstrip(".").lower(), c.get("path") or "/"): c for c in jar}
        for key, acc in self.cookies.items():
            acc.jar = present.get(key)

    def result(self, show_values: bool) -> StateResult:
        cookies = [self._cookie(acc, show_values) for acc in sorted(self.cookies.values(),
                                                                     key=lambda a: a.first_seen_order)]
        frames: dict[str, FrameRecord] = {}
        for v in self.visits:
            for f in v.frames:
                frames.setdefault(f.url, f)
        return StateResult(state=self.state, pages=tuple(self.visits), cookies=tuple(cookies),
                           storage=tuple(self.storage.values()), third_parties=self._third_parties(cookies),
                           frames=tuple(frames.values()), banner=self.banner)

    def _cookie(self, acc: _CookieAcc, show_values: bool) -> Cookie:
        live = [w for w in acc.writes if not w.deletes]
        last = live[-1] if live else (acc.writes[-1] if acc.writes else None)
        first_page = min(acc.writes, key=lambda w: w.time).page_url if acc.writes else acc.first_seen_page
        jar = acc.jar
        stored_expires = stored_days = None
        if jar is not None and jar.get("expires", -1) not in (-1, None) and jar["expires"] > 0:
            exp = float(jar["expires"])
            stored_expires = datetime.fromtimestamp(exp, timezone.utc).isoformat(timespec="seconds").replace(
                "+00:00", "Z")
            set_at = acc.jar_seen_at
            if last is not None and last.time:
                with contextlib.suppress(ValueError):
                    set_at = datetime.fromisoformat(last.time.replace("Z", "+00:00")).timestamp()
            stored_days = round(max(exp - set_at, 0) / 86400, 3)
        domain = jar["domain"] if jar is not None else acc.domain
        host = domain.lstrip(".")
        blocked = tuple(dict.fromkeys(r for w in acc.writes for r in w.blocked_reasons)) if live and all(
            w.blocked_reasons for w in live if w.via == "header") and jar is None else ()
        value = None
        if show_values:
            value = jar.get("value") if jar is not None else (last.value if last else None)
        value_length = len(jar.get("value") or "") if jar is not None else (last.value_length if last else 0)
        partition = None
        if jar is not None and jar.get("partitionKey"):
            pk = jar["partitionKey"]
            partition = pk.get("topLevelSite") if isinstance(pk, dict) else str(pk)
        return Cookie(
            name=acc.name, domain=domain, path=acc.path, site=site_of(host), party=self.resolver.party_of_host(host),
            http_only=jar.get("httpOnly") if jar else None, secure=jar.get("secure") if jar else None,
            same_site=jar.get("sameSite") if jar else None, partition_key=partition,
            stored_expires=stored_expires, stored_lifetime_days=stored_days,
            requested_lifetime_days=(round(last.requested_lifetime_days, 3)
                                     if last and last.requested_lifetime_days is not None else None),
            requested_raw=last.requested_raw if last else None,
            via=last.via if last else "unknown", set_by=last.set_by if last else None,
            first_seen_page=first_page, pages=tuple(acc.pages), in_jar=jar is not None,
            deleted=jar is None and bool(acc.writes) and acc.writes[-1].deletes and not blocked,
            blocked_reasons=blocked, value_length=value_length, value=value,
        )

    def _third_parties(self, cookies: list[Cookie]) -> tuple[ThirdParty, ...]:
        agg: dict[str, dict[str, Any]] = {}
        for v in self.visits:
            for r in v.requests:
                if r.party != "third":
                    continue
                a = agg.setdefault(r.site, {"hosts": [], "n": 0, "first": v.url, "types": []})
                a["n"] += 1
                if r.host not in a["hosts"]:
                    a["hosts"].append(r.host)
                if r.resource_type not in a["types"]:
                    a["types"].append(r.resource_type)
        cookie_sites = {c.site for c in cookies if c.party == "third"}
        return tuple(
            ThirdParty(site=s, hosts=tuple(a["hosts"]), requests=a["n"], first_seen_page=a["first"],
                       resource_types=tuple(a["types"]), sets_cookies=s in cookie_sites)
            for s, a in sorted(agg.items())
        )


# -- the scan ---------------------------------------------------------------------------------------------


@dataclass
class _Lane:
    """One consent state's browser context and collectors; reopened after the browser restarts."""

    state: str
    ctx: BrowserContext | None = None
    recorder: ContextRecorder | None = None
    generation: int = -1
    reconsent: bool = False
    free: list[Page] = field(default_factory=list)  # tabs between two visits, on about:blank
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.ready.set()


class Scanner:
    """One scan run. Use :func:`scan` unless you need to cancel it from outside."""

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
        self.frontier: Frontier | None = None
        self.interrupted = False
        self.final: ScanResult | None = None
        self.seed_error: SeedUnreachableError | None = None
        self.policy_html: str | None = None
        self.notice_html: str | None = None
        self._sem = asyncio.Semaphore(max(1, config.concurrency))
        self._restart_lock = asyncio.Lock()
        self._browser_ok = asyncio.Event()  # cleared while the browser is being restarted
        self._crashed: set[Page] = set()  # tabs whose renderer crashed
        self._dialog_tasks: set[asyncio.Future[None]] = set()
        self._browser_ok.set()
        self._browser_dead = False
        self.restarts = 0
        self._deadline = (time.monotonic() + config.scan_budget) if config.scan_budget else None

    # -- entry -----------------------------------------------------------------------------------------
    async def run(self) -> ScanResult:
        cfg = self.config
        own_session = self.session is None
        if own_session:
            exe, source = resolve_executable(cfg.browser)
            self.session = BrowserSession(exe, extra_args=cfg.browser_args, headless=cfg.headless,
                                          ignore_https_errors=cfg.ignore_https_errors, source=source)
        assert self.session is not None
        try:
            if own_session:
                await self.session.start()
            await self._discover()
            assert self.frontier is not None
            self.progress.start(len(self.frontier.items), cfg.states)
            tasks = [asyncio.create_task(self._run_state(s), name=f"state-{s}") for s in cfg.states]
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
            if own_session and self.session is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.session.close())
        return self.result()

    async def run_safely(self) -> ScanResult | None:
        """Like :meth:`run`, but an unreachable seed is kept in ``seed_error`` (so the caller can
        still write a report that says so) instead of raised."""
        try:
            self.final = await self.run()
        except SeedUnreachableError as exc:
            self.seed_error = exc
            self.errors.append(exc.message)
        return self.final

    def result(self) -> ScanResult:
        """The result so far (also usable after an interruption)."""
        cfg = self.config
        info = self.session.info if self.session else None
        skipped = list(self.frontier.skipped() if self.frontier else ())
        for run in self.runs.values():
            skipped.extend(run.skipped)
        result = ScanResult(
            schema_version=SCHEMA_VERSION,
            tool=_tool_info(),
            browser=BrowserEvidence(product=info.product, user_agent=info.user_agent, executable=info.executable,
                                    source=info.source, third_party_cookies=info.third_party_cookies,
                                    storage_partitioning=info.storage_partitioning, headless=info.headless)
            if info else None,
            started_at=self.started_at, finished_at=utcnow(), seeds=tuple(cfg.urls),
            site=self.first_party[0] if self.first_party else "", first_party=self.first_party,
            states={s: run.result(cfg.show_values) for s, run in self.runs.items()},
            skipped=tuple(skipped), errors=tuple(self.errors), config=cfg.public_dict(), config_hash=cfg.hash(),
            title=cfg.title, description=cfg.description, interrupted=self.interrupted,
        )
        return result

    # -- discovery: reachability, robots.txt, sitemap ---------------------------------------------------------
    async def _discover(self) -> None:
        cfg = self.config
        assert self.session is not None
        ctx = await self.session.new_context()
        robots: RobotsRules | None = None
        sitemap_pages: list[str] = []
        reachable: list[str] = []
        failures: list[str] = []
        try:
            page = await ctx.new_page()
            for seed in cfg.urls:
                error = await self._probe(page, seed)
                if error:
                    failures.append(f"{seed}: {error}")
                else:
                    reachable.append(seed)
            if not reachable:
                raise SeedUnreachableError(
                    f"cannot reach {failures[0]}" if len(failures) == 1 else
                    f"none of the {len(failures)} start URLs can be reached (first: {failures[0]})",
                    hint="check the URL, your network/proxy, or the site's TLS certificate")
            for f in failures:
                self.errors.append(f"start URL unreachable: {f}")
            origin = _origin(reachable[0])
            if cfg.respect_robots:
                text = await self._fetch_text(page, origin + "/robots.txt")
                if text is not None:
                    robots = RobotsRules(text)
            if cfg.use_sitemap or cfg.sitemap:
                sitemap_pages = await self._read_sitemaps(page, cfg.sitemap or origin + "/sitemap.xml")
            if cfg.declared_from:
                self.policy_html = await self._fetch_html(page, cfg.declared_from)
            if cfg.notice and cfg.notice.startswith(("http://", "https://")):
                self.notice_html = await self._fetch_html(page, cfg.notice)
        finally:
            with contextlib.suppress(Exception):
                await ctx.close()
        self.frontier = Frontier(reachable, site_domains=self.first_party, max_pages=cfg.max_pages,
                                 max_depth=cfg.depth, include=compile_patterns(cfg.include, "--include"),
                                 exclude=compile_patterns(cfg.exclude, "--exclude"), robots=robots)
        for u in failures:
            self.frontier._skip(u.split(": ", 1)[0], "error", u.split(": ", 1)[1])
        for u in sitemap_pages:
            self.frontier.offer(u, 1, "sitemap")

    async def _probe(self, page: Page, url: str) -> str | None:
        """None when the seed's host answers at all (any HTTP status), else the network error."""
        from playwright.async_api import Error as PlaywrightError

        try:
            await page.goto(url, wait_until="commit", timeout=self.config.page_timeout * 1000)
            return None
        except PlaywrightError as exc:
            msg = _first_line(exc)
            if "Timeout" in msg:
                return f"no answer within {self.config.page_timeout:g} s"
            if "net::ERR_ABORTED" in msg:  # a download or a navigation cancelled by the page
                return None
            return _net_error(msg) or msg

    async def _fetch_text(self, page: Page, url: str) -> str | None:
        from playwright.async_api import Error as PlaywrightError

        try:
            resp = await page.goto(url, wait_until="commit", timeout=15000)
            if resp is None or resp.status != 200:
                return None
            body = await resp.body()
            return body[:10_000_000].decode("utf-8", errors="replace")
        except PlaywrightError:
            return None

    async def _fetch_bytes(self, page: Page, url: str) -> bytes | None:
        """The body as served. Chromium turns gzip files (sitemap.xml.gz) into downloads, which
        ``goto`` reports as an error: those are fetched from the page instead (same origin only)."""
        from playwright.async_api import Error as PlaywrightError

        try:
            resp = await page.goto(url, wait_until="commit", timeout=15000)
            if resp is None or resp.status != 200:
                return None
            return (await resp.body())[:MAX_SITEMAP_BYTES]
        except PlaywrightError as exc:
            if "Download is starting" not in str(exc):
                return None
        try:
            b64 = await page.evaluate(_FETCH_BASE64, url)
        except PlaywrightError:
            return None
        return base64.b64decode(b64)[:MAX_SITEMAP_BYTES] if isinstance(b64, str) else None

    async def _fetch_html(self, page: Page, url: str) -> str | None:
        from playwright.async_api import Error as PlaywrightError

        try:
            resp = await page.goto(url, wait_until="load", timeout=self.config.page_timeout * 1000)
            if resp is None or resp.status >= 400:
                return None
            return await page.content()
        except PlaywrightError:
            return None

    async def _read_sitemaps(self, page: Page, url: str) -> list[str]:
        pages: list[str] = []
        queue, seen = [url], set[str]()
        while queue and len(seen) < 10:
            sm = queue.pop(0)
            if sm in seen:
                continue
            seen.add(sm)
            body = await self._fetch_bytes(page, sm)
            if body is None:
                self.errors.append(f"sitemap not read: {sm}")
                continue
            found, nested = parse_sitemap(body)
            pages.extend(found)
            queue.extend(nested)
        return pages

    # -- states ------------------------------------------------------------------------------------------
    async def _open_lane(self, lane: _Lane) -> None:
        """(Re)open the state's context on the current browser, collectors attached."""
        assert self.session is not None
        old = lane.ctx
        lane.ctx, lane.recorder, lane.free = None, None, []
        if old is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.close(), 5)
        generation = self.session.generation
        ctx = await self.session.new_context(**({"user_agent": self.config.user_agent}
                                                if self.config.user_agent else {}))
        recorder = ContextRecorder(ctx, self.resolver, show_values=self.config.show_values)
        await recorder.attach()
        lane.ctx, lane.recorder, lane.generation = ctx, recorder, generation

    async def _run_state(self, state: str) -> None:
        assert self.session is not None and self.frontier is not None
        run = self.runs[state]
        lane = _Lane(state)
        discovering = state == self.config.states[0]
        # the frontier may grow while a discovering visit runs: count them so other loops wait
        discovering_started = discovering
        if discovering:
            await self.frontier.begin_discovery()
        try:
            await self._open_lane(lane)
            index = 0
            first = await self.frontier.get(0)
            if first is None:
                return
            try:
                await self._visit_guarded(lane, run, first, consent=True, discover=discovering)
            finally:
                if discovering:
                    discovering_started = False
                    await self.frontier.end_discovery()
            index = 1
            pending: set[asyncio.Task[None]] = set()
            while True:
                task = await self.frontier.get(index)
                if task is None:
                    if pending:
                        # pages still being visited may add links: wait for one and look again
                        _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    break
                index += 1
                await self._sem.acquire()
                if discovering:
                    await self.frontier.begin_discovery()
                t = asyncio.create_task(self._visit_guarded(lane, run, task, consent=False,
                                                            discover=discovering, sem_held=True))
                pending.add(t)
                pending = {p for p in pending if not p.done()}
            if pending:
                await asyncio.gather(*pending)
            if lane.ctx is not None:
                with contextlib.suppress(Exception):
                    run.final_jar([dict(c) for c in await lane.ctx.cookies()])
        finally:
            if discovering_started:
                await self.frontier.end_discovery()
            if lane.ctx is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(asyncio.wait_for(lane.ctx.close(), 5))

    async def _lane_for_visit(self, lane: _Lane, run: StateRun, consent: bool) -> tuple[bool, bool]:
        """Make sure the lane's context lives on the current browser. Returns (do the consent step on
        this visit, this visit re-applies the choice after a browser restart)."""
        assert self.session is not None
        async with lane.lock:
            if lane.ctx is None or lane.generation != self.session.generation:
                await self._open_lane(lane)
                # a fresh context has an empty jar: the choice must be made again before other pages
                lane.reconsent = lane.state in ("accept", "reject")
            if lane.reconsent and not consent:
                lane.reconsent = False
                lane.ready.clear()
                return True, True
        if not consent:
            await lane.ready.wait()
        return consent, False

    async def _browser_lost(self) -> bool:
        """Whether the browser process is gone (checked for up to a second: the exit is seen late)."""
        if self.session is None:
            return False
        for _ in range(10):
            if not self.session.alive:
                return True
            await asyncio.sleep(0.1)
        return False

    async def _restart_browser(self, generation: int) -> None:
        """Restart a dead browser once for all the visits that lost it."""
        assert self.session is not None
        async with self._restart_lock:
            if self.session.generation != generation or self._browser_dead:
                return  # already restarted by another visit (or given up)
            if self.restarts >= MAX_BROWSER_RESTARTS:
                self._browser_dead = True
                self.errors.append(f"the browser died {self.restarts + 1} times; the remaining pages were not visited")
                return
            self.restarts += 1
            self.progress.message(f"the browser died; restarting it ({self.restarts}/{MAX_BROWSER_RESTARTS})")
            self._browser_ok.clear()
            try:
                await self.session.restart()
            except Exception as exc:
                self._browser_dead = True
                self.errors.append(f"the browser died and could not be restarted: {_first_line(exc)}")
                return
            finally:
                self._browser_ok.set()
            self.errors.append(f"the browser died and was restarted ({self.restarts} of at most "
                               f"{MAX_BROWSER_RESTARTS}); the pages it was showing are listed as skipped")

    async def _visit_guarded(self, lane: _Lane, run: StateRun, task: PageTask,
                             *, consent: bool, discover: bool, sem_held: bool = False) -> None:
        assert self.session is not None
        if not sem_held:
            await self._sem.acquire()
        page = None
        recorder: ContextRecorder | None = None
        generation = self.session.generation
        reconsent = reusable = False
        try:
            await self._browser_ok.wait()
            generation = self.session.generation
            if self._deadline is not None and time.monotonic() > self._deadline:
                run.skipped.append(SkippedPage(task.url, "budget", "whole-scan time budget spent", run.state))
                self.progress.page_done(run.state, task.url, "skipped", "time budget spent")
                return
            if self._browser_dead:
                run.skipped.append(SkippedPage(task.url, "crashed", "the browser kept dying; not visited", run.state))
                self.progress.page_done(run.state, task.url, "crashed", "browser gone")
                return
            consent, reconsent = await self._lane_for_visit(lane, run, consent)
            generation = lane.generation
            ctx, recorder = lane.ctx, lane.recorder
            assert ctx is not None and recorder is not None
            page = lane.free.pop() if lane.free else await self._new_tab(ctx)
            await self._visit(ctx, page, recorder, run, task, consent=consent, discover=discover,
                              reconsent=reconsent)
            reusable = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failing page never stops the scan
            log.debug("visit failed", exc_info=True)
            if await self._browser_lost():
                reason, detail = "crashed", "the browser process died while showing this page; it was restarted"
                await self._restart_browser(generation)
            else:
                reason = "crashed" if "crash" in str(exc).lower() or "closed" in str(exc).lower() else "error"
                detail = _first_line(exc)
            run.skipped.append(SkippedPage(task.url, reason, detail, run.state))
            self.progress.page_done(run.state, task.url, reason, detail[:120])
        finally:
            if reconsent:
                lane.ready.set()
            if page is not None and recorder is not None:
                await self._release_tab(lane, page, recorder, reusable and lane.generation == generation)
            self._sem.release()
            if discover and sem_held and self.frontier is not None:
                await self.frontier.end_discovery()

    async def _new_tab(self, ctx: BrowserContext) -> Page:
        page = await ctx.new_page()

        def on_dialog(dialog: Any) -> None:
            task = asyncio.ensure_future(_dismiss(dialog))
            self._dialog_tasks.add(task)
            task.add_done_callback(self._dialog_tasks.discard)

        page.on("dialog", on_dialog)
        page.on("crash", lambda p: self._crashed.add(p))
        return page

    async def _release_tab(self, lane: _Lane, page: Page, recorder: ContextRecorder, reusable: bool) -> None:
        """End the visit. A healthy tab goes back to the lane on about:blank (so nothing of this page
        runs on into the next visit): a new tab per visit costs a renderer start and a CDP attach."""
        if reusable and page not in self._crashed and not page.is_closed():
            try:
                await asyncio.wait_for(page.goto("about:blank"), 5)
            except Exception:
                reusable = False
        else:
            reusable = False
        recorder.finish_visit(page)
        # keep about as many tabs as this state has visits running on average: more is memory for nothing
        keep = -(-max(1, self.config.concurrency) // max(1, len(self.runs))) + 1
        if reusable and len(lane.free) < keep:
            lane.free.append(page)
            return
        self._crashed.discard(page)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.close(), 5)

    async def _visit(self, ctx: BrowserContext, page: Page, recorder: ContextRecorder, run: StateRun,
                     task: PageTask, *, consent: bool, discover: bool, reconsent: bool = False) -> None:
        from playwright.async_api import Error as PlaywrightError

        cfg = self.config
        state = run.state
        rec = await recorder.start_visit(page, task.url)
        started_at = utcnow()
        t0 = time.monotonic()
        notes: list[str] = []
        try:
            response = await page.goto(task.url, wait_until="commit", timeout=cfg.page_timeout * 1000)
        except PlaywrightError as exc:
            msg = _first_line(exc)
            if "has been closed" in msg:
                raise  # the page, its context or the whole browser went away: the caller sorts it out
            reason, detail = ("timeout", f"no page within {cfg.page_timeout:g} s") if "Timeout" in msg else \
                ("not-html", "the server answered with a download") if "Download is starting" in msg else \
                ("error", _net_error(msg) or msg)
            run.skipped.append(SkippedPage(task.url, reason, detail, state))
            self.progress.page_done(state, task.url, reason, detail)
            return
        status = response.status if response else None
        ctype = ""
        if response is not None:
            with contextlib.suppress(Exception):
                ctype = (await response.header_value("content-type") or "").lower()
        if ctype and not ctype.startswith(HTML_TYPES):
            run.skipped.append(SkippedPage(task.url, "not-html", ctype.split(";")[0], state))
            self.progress.page_done(state, task.url, "not-html", ctype.split(";")[0])
            return
        # A page whose scripts never answer still shows what it set: measure it, with a note.
        for event in ("domcontentloaded", "load"):
            remaining = max(0.5, cfg.page_timeout - (time.monotonic() - t0))
            try:
                await page.wait_for_load_state(event, timeout=remaining * 1000)
            except PlaywrightError:
                notes.append(f"{event.replace('domcontentloaded', 'DOMContentLoaded')} event did not fire within "
                             f"{cfg.page_timeout:g} s; measured what had loaded")
                break
        if page in self._crashed:
            detail = "the page's renderer crashed (out of memory or a browser fault)"
            run.skipped.append(SkippedPage(task.url, "crashed", detail, state))
            self.progress.page_done(state, task.url, "crashed", detail)
            return
        # links in the loaded page go to the frontier at once, so the other states (and other tabs of
        # this one) start on them while this page is still settling
        added = await self._add_links(page, task) if discover else 0
        if consent and reconsent and run.banner is not None:
            # after a browser restart: make the same choice again; the first banner stays the evidence
            again = await self._consent(page, rec, state, screenshot=False)
            notes.append(f"consent {'made again' if again.succeeded else 'could not be made again'} "
                         "after a browser restart")
        elif consent:
            run.banner = await self._consent(page, rec, state)
        settle_ms, settled = await settle(page, ctx, rec, quiet=cfg.settle_quiet, bound=cfg.settle_max)
        banner_again = False
        if not consent and state in ("accept", "reject") and run.banner is not None and run.banner.succeeded:
            # a banner that comes back on the next pages means the choice was not remembered
            with contextlib.suppress(Exception):
                from cookiescan.consent import read_layer

                banner_again = (await asyncio.wait_for(read_layer(page), 5)).found
        if discover:  # again after settling: links that scripts added
            added += await self._add_links(page, task)
        storage = await recorder.storage(page, task.url)
        frames = recorder.frames(page, rec)
        await recorder.drain(rec)
        title = ""
        with contextlib.suppress(Exception):
            title = (await asyncio.wait_for(page.title(), 3))[:300]
        jar: list[dict[str, Any]] = []
        with contextlib.suppress(Exception):
            jar = [dict(c) for c in await ctx.cookies()]
        if rec.dropped_requests:
            notes.append(f"{rec.dropped_requests} requests beyond the per-page limit not recorded")
        if rec.dropped_writes:
            notes.append(f"{rec.dropped_writes} cookie writes beyond the per-page limit not recorded")
        if rec.popups:
            notes.append(f"the page opened {len(rec.popups)} pop-up(s), closed: {', '.join(rec.popups[:3])}")
        visit = PageVisit(
            url=task.url, final_url=page.url, state=state, status=status, title=title, depth=task.depth,
            started_at=started_at, duration_ms=int((time.monotonic() - t0) * 1000), settle_ms=settle_ms,
            settled=settled, requests=recorder.request_records(rec), frames=frames,
            cookie_writes=recorder.cookie_writes(rec), storage=storage, links_found=added, notes=tuple(notes),
            banner_shown_again=banner_again,
        )
        run.add_visit(visit, jar)
        shown = str(status) if status is not None else "-"
        self.progress.page_done(state, task.url, shown, f"{visit.duration_ms / 1000:.1f} s")

    async def _add_links(self, page: Page, task: PageTask) -> int:
        if self.frontier is None or task.depth >= self.config.depth + 1:
            return 0
        links: list[str] = []
        with contextlib.suppress(Exception):
            links = await asyncio.wait_for(page.evaluate(LINKS_JS), 5)
        if not links:
            return 0
        before = len(self.frontier.items)
        added = await self.frontier.add_links(links, task, base=page.url)
        if len(self.frontier.items) != before:
            self.progress.total(len(self.frontier.items))
        return added

    async def _consent(self, page: Page, rec: VisitRecorder, state: str, *, screenshot: bool = True) -> BannerResult:
        from cookiescan import consent

        shot = None
        if screenshot and self.evidence_dir is not None and self.config.screenshots:
            shot = self.evidence_dir / f"banner-{state}.png"
        try:
            banner = await consent.apply_consent(page, state, self.config.consent, screenshot_path=shot,
                                                 idle=lambda: page_quiet(page, rec, quiet=BANNER_QUIET))
            if banner.screenshot and shot is not None and self.evidence_dir is not None:
                # stored relative to the result file: "<name>-evidence/banner-accept.png"
                banner = replace(banner, screenshot=f"{self.evidence_dir.name}/{shot.name}")
            return banner
        except Exception as exc:  # a CMP that throws is recorded, the scan goes on
            return BannerResult(state=state, found=False, page_url=page.url, error=_first_line(exc))


async def _dismiss(dialog: Any) -> None:
    with contextlib.suppress(Exception):
        await dialog.dismiss()


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


async def page_quiet(page: Page, rec: VisitRecorder, *, quiet: float, hung_after: float = HUNG_AFTER) -> bool:
    """Nothing pending in the page for ``quiet`` seconds: no request started or answered (one with no
    answer after ``hung_after`` s is not waited for: real trackers leave fetches open), no cookie
    written, and no short ``setTimeout`` (100 ms–5 s) still to fire. Cheap checks first: the page
    is asked about its timers only once the collectors have seen nothing for ``quiet`` s."""
    now = time.monotonic()
    if any(now - t < hung_after for t in rec.inflight.values()):
        return False
    if now - max(rec.last_activity, rec.last_cookie) < quiet:
        return False
    try:
        timers = float(await asyncio.wait_for(
            page.evaluate("() => window.__cookiescanTimersDue ? window.__cookiescanTimersDue() : 0"), 1))
    except Exception:
        timers = 0.0
    return timers <= 0


async def settle(page: Page, ctx: BrowserContext, rec: VisitRecorder, *, quiet: float, bound: float,
                 hung_after: float = HUNG_AFTER) -> tuple[int, bool]:
    """Wait until the page is quiet (:func:`page_quiet`) and no new cookie has appeared in the jar
    for ``quiet`` seconds, at most ``bound`` seconds; so "set a cookie after 2 s" is caught.
    The jar is the context's, shared with the other pages of the state being visited in parallel:
    only a cookie that was not there before counts (values are rewritten by every page view, such as
    a session id, and would keep parallel visits waiting on each other).
    Returns (milliseconds waited, whether quiet was reached)."""
    t0 = time.monotonic()

    async def jar_signature() -> int | None:
        try:
            return hash(tuple(sorted((c["name"], c["domain"], c.get("path", "")) for c in await ctx.cookies())))
        except Exception:
            return None

    last_sig = await jar_signature()
    last_change = t0
    while True:
        now = time.monotonic()
        if now - t0 >= bound:
            return int((now - t0) * 1000), False
        await asyncio.sleep(0.15)
        if time.monotonic() - last_change < quiet:
            continue
        if not await page_quiet(page, rec, quiet=quiet, hung_after=hung_after):
            continue
        sig = await jar_signature()
        if sig != last_sig:
            last_sig, last_change = sig, time.monotonic()
            continue
        return int((time.monotonic() - t0) * 1000), True


def _tool_info() -> ToolInfo:
    from importlib.metadata import PackageNotFoundError, version

    try:
        pw = version("playwright")
    except PackageNotFoundError:  # pragma: no cover
        pw = "unknown"
    sources: dict[str, str] = {}
    with contextlib.suppress(Exception):
        from cookiescan import known

        sources = dict(known.load().sources)
    return ToolInfo(name="cookiescan", version=__version__, python=platform.python_version(), playwright=pw,
                    known_trackers=sources)


async def scan(config: ScanConfig, *, progress: Progress | None = None,
               evidence_dir: Path | None = None) -> ScanResult:
    """Scan ``config.urls`` in ``config.states`` and return the observations (no findings yet:
    see :func:`cookiescan.analyse`)."""
    return await Scanner(config, progress=progress, evidence_dir=evidence_dir).run()


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
