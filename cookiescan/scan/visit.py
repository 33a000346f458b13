"""One page visit in one consent state: navigate, hand the page's links to the frontier, make the consent
choice when this visit is the state's first (or the first after a browser restart), settle, collect, and
record a :class:`~cookiescan.models.PageVisit` — or a :class:`~cookiescan.models.SkippedPage` saying why not."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cookiescan.consent import Withdrawal, apply_consent, read_layer, withdraw_consent
from cookiescan.consent.apply import MIN_BANNER_WAIT
from cookiescan.models import CHOICE_STATES, BannerResult, PageVisit, SkippedPage
from cookiescan.scan.discover import first_line, net_error
from cookiescan.scan.settle import BANNER_QUIET, OLD_BANNER_QUIET, page_quiet, settle
from cookiescan.scan.timeline import Timeline

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

    from cookiescan.collect import ContextRecorder, VisitRecorder
    from cookiescan.config import ScanConfig
    from cookiescan.progress import Progress
    from cookiescan.scan.frontier import Frontier, PageTask
    from cookiescan.scan.state import StateRun

LINKS_JS = """() => Array.from(document.querySelectorAll('a[href], area[href]'), a => a.getAttribute('href'))
  .filter(Boolean).slice(0, 5000)"""
HTML_TYPES = ("text/html", "application/xhtml+xml")
OLD_MIN_BANNER_WAIT = 2.0  # --old-waits: the banner wait before issue 17


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Visitor:
    """Visits pages for every state of one scan."""

    def __init__(self, config: ScanConfig, progress: Progress, frontier: Frontier, crashed: set[Page],
                 evidence_dir: Path | None, timeline: Timeline | None = None) -> None:
        self.config = config
        self.progress = progress
        self.frontier = frontier
        self.crashed = crashed  # tabs whose renderer crashed (Tabs watches them)
        self.evidence_dir = evidence_dir
        self.timeline = timeline or Timeline()
        # the first state whose first page shows no banner (idle, nothing recognised) tells the others
        self.banner_absent = asyncio.Event()

    def skip(self, run: StateRun, url: str, reason: str, detail: str) -> None:
        run.skipped.append(SkippedPage(url, reason, detail, run.state))
        self.progress.page_done(run.state, url, reason, detail[:120])

    async def visit(self, ctx: BrowserContext, page: Page, recorder: ContextRecorder, run: StateRun,
                    task: PageTask, *, consent: bool, discover: bool, reconsent: bool = False,
                    ready: asyncio.Event | None = None) -> None:
        """Visit ``task.url`` on ``page``; the outcome goes into ``run``. ``ready`` is set once the other pages of
        the state may start: after the choice (choice states), after the links are known (before). Raises only
        when the page, its context or the browser went away (the caller sorts that out)."""
        from playwright.async_api import Error as PlaywrightError

        cfg, state = self.config, run.state
        rec = await recorder.start_visit(page, task.url)
        started_at, t0 = utcnow(), time.monotonic()
        notes: list[str] = []
        try:
            response = await page.goto(task.url, wait_until="commit", timeout=cfg.page_timeout * 1000)
        except PlaywrightError as exc:
            msg = first_line(exc)
            if "has been closed" in msg:
                raise
            reason, detail = ("timeout", f"no page within {cfg.page_timeout:g} s") if "Timeout" in msg else \
                ("not-html", "the server answered with a download") if "Download is starting" in msg else \
                ("error", net_error(msg) or msg)
            self.skip(run, task.url, reason, detail)
            return
        status = response.status if response else None
        ctype = ""
        if response is not None:
            with contextlib.suppress(Exception):
                ctype = (await response.header_value("content-type") or "").lower()
        if ctype and not ctype.startswith(HTML_TYPES):
            self.skip(run, task.url, "not-html", ctype.split(";")[0])
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
        self.timeline.add("load", t0, state=state, url=task.url)
        if page in self.crashed:
            self.skip(run, task.url, "crashed", "the page's renderer crashed (out of memory or a browser fault)")
            return
        # links go to the frontier at once, so the other states (and other tabs of this one) start on
        # them while this page is still settling
        added = await self.add_links(page, task) if discover else 0
        if ready is not None and state not in CHOICE_STATES:
            ready.set()
        if consent and reconsent and run.banner is not None:
            # after a browser restart: make the same choice again; the first banner stays the evidence
            again = await self.consent(page, rec, state, screenshot=False)
            notes.append(f"consent {'made again' if again.succeeded else 'could not be made again'} "
                         "after a browser restart")
        elif consent:
            t_banner = time.monotonic()
            run.banner = await self.consent(page, rec, state, since=t0)
            self._consent_spans(run.banner, t_banner, state, task.url)
        if ready is not None:
            ready.set()
        t_settle = time.monotonic()
        settle_ms, settled = await settle(page, ctx, rec, quiet=cfg.settle_quiet, bound=cfg.settle_max,
                                          old_start=cfg.old_waits)
        self.timeline.add("settle", t_settle, state=state, url=task.url)
        t_collect = time.monotonic()
        banner_again = False
        made = run.banner is not None and run.banner.found and run.banner.clicks > 0  # confirmed or not
        if not consent and state in CHOICE_STATES and made:
            # a banner that comes back on the next pages means the choice was not remembered
            with contextlib.suppress(Exception):
                banner_again = (await asyncio.wait_for(read_layer(page), 5)).found
        if discover:  # again after settling: links that scripts added
            added += await self.add_links(page, task)
        evidence = await recorder.collect(page, rec)
        title = ""
        with contextlib.suppress(Exception):
            title = (await asyncio.wait_for(page.title(), 3))[:300]
        jar: list[dict[str, Any]] = []
        with contextlib.suppress(Exception):
            jar = [dict(c) for c in await ctx.cookies()]
        visit = PageVisit(
            url=task.url, final_url=page.url, state=state, status=status, title=title, depth=task.depth,
            started_at=started_at, duration_ms=int((time.monotonic() - t0) * 1000), settle_ms=settle_ms,
            settled=settled, requests=evidence.requests, frames=evidence.frames,
            cookie_writes=evidence.cookie_writes, storage=evidence.storage, links_found=added,
            notes=(*notes, *evidence.notes), banner_shown_again=banner_again, tcf=evidence.tcf,
        )
        self.timeline.add("collect", t_collect, state=state, url=task.url)
        run.add_visit(visit, jar)
        shown = str(status) if status is not None else "-"
        self.progress.page_done(state, task.url, shown, f"{visit.duration_ms / 1000:.1f} s")

    def _consent_spans(self, banner: BannerResult, start: float, state: str, url: str) -> None:
        """The consent step on the timeline: the wait for a banner, then the choice (and the withdrawal)."""
        end = time.monotonic()
        waited = start + (banner.wait_ms or 0) / 1000 if banner.wait_ms is not None else end
        self.timeline.add("banner wait", start, min(waited, end), state=state, url=url)
        if banner.action and waited < end:
            self.timeline.add("choice" if state != "withdraw" else "choice and withdrawal", waited, end, state=state,
                              url=url)

    async def add_links(self, page: Page, task: PageTask) -> int:
        """Offer the page's same-site links to the frontier; returns how many were new."""
        if task.depth >= self.config.depth + 1:
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

    async def consent(self, page: Page, rec: VisitRecorder, state: str, *, screenshot: bool = True,
                      since: float | None = None) -> BannerResult:
        """Find the banner and make the state's choice (withdraw: accept, then the way back and a refusal
        there); a consent manager that throws is recorded."""
        shot = None
        if screenshot and self.evidence_dir is not None and self.config.screenshots:
            shot = self.evidence_dir / f"banner-{state}.png"
        action = "accept" if state == "withdraw" else state
        try:
            old = self.config.old_waits
            quiet = OLD_BANNER_QUIET if old else BANNER_QUIET
            banner = await apply_consent(page, action, self.config.consent, screenshot_path=shot,
                                         idle=lambda: page_quiet(page, rec, quiet=quiet, scripts=not old),
                                         min_wait=OLD_MIN_BANNER_WAIT if old else MIN_BANNER_WAIT,
                                         absent=None if old else self.banner_absent,
                                         since=None if old else since,
                                         calm=lambda: page_quiet(page, rec, quiet=0, scripts=True))
            if not banner.found and banner.error is None and not banner.cmp:
                self.banner_absent.set()
            if state == "withdraw":
                banner = replace(banner, state=state)
                if banner.succeeded:
                    banner = with_withdrawal(banner, await withdraw_consent(page, self.config.consent))
        except Exception as exc:  # a CMP that throws is recorded, the scan goes on
            return BannerResult(state=state, found=False, page_url=page.url, error=first_line(exc))
        if banner.screenshot and shot is not None and self.evidence_dir is not None:
            # stored relative to the result file: "<name>-evidence/banner-accept.png"
            banner = replace(banner, screenshot=f"{self.evidence_dir.name}/{shot.name}")
        return banner


def with_withdrawal(banner: BannerResult, w: Withdrawal) -> BannerResult:
    """The accept's banner record with the way back and the refusal made there."""
    return replace(banner, withdraw_found=w.found, withdraw_via=w.via, withdraw_clicks=w.clicks if w.found else None,
                   withdraw_buttons=w.buttons, withdrawn=w.withdrawn, withdrawn_at=w.at,
                   notes=(*banner.notes, *w.notes),
                   attempts=(*banner.attempts, *(f"withdraw: {a}" for a in w.attempts)),
                   confirmation=(*banner.confirmation, *(f"withdrawal: {c}" for c in w.confirmation)))
