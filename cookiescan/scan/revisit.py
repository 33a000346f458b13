"""Revisits with the clock moved forward (the accept state, once its pages are done): the first page is
visited again "30, 200 and 390 days later" — the page's ``Date`` runs ahead by that much, installed before
any site script — in the same context, so the site sees the returning visitor with the cookies it set that
would still be alive then (the jar is aged first: session cookies and cookies expired by that day are
removed, the consent cookie included, so a site that asks again after six months does so here too). A
cookie written again with a fresh expiry on each visit keeps tracking past the cap counted from the first
consent (CNIL 2020-091: not extended automatically on each visit); ``rules.renewal`` judges the writes.

The server's clock cannot be moved: a Set-Cookie ``Expires`` computed by the server stays on the real one
(the rule ignores those; ``Max-Age`` is relative and is judged).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from cookiescan.models import BannerResult, Revisit
from cookiescan.resources import read_text
from cookiescan.scan.discover import first_line
from cookiescan.scan.settle import settle
from cookiescan.scan.timeline import Timeline

if TYPE_CHECKING:
    from cookiescan.config import ScanConfig
    from cookiescan.progress import Progress
    from cookiescan.scan.lanes import Lane

DAY = 86400.0
SETTLE_MAX = 4.0  # seconds a revisit waits for late cookies (it only needs the page's own writes)


def revisits_due(config: ScanConfig, state: str, banner: BannerResult | None, *, stop: bool) -> bool:
    """The accept state revisits its first page with the clock moved forward once consent is recorded, unless
    the scan must stop (budget spent, browser gone)."""
    return (state == "accept" and bool(config.revisit_days) and banner is not None and banner.succeeded
            and not stop)


async def revisit(lane: Lane, url: str, config: ScanConfig, progress: Progress,
                  timeline: Timeline | None = None) -> tuple[Revisit, ...]:
    """Visit ``url`` once per ``config.revisit_days`` offset, in order, on the lane's context."""
    out: list[Revisit] = []
    clock = timeline or Timeline()
    for days in config.revisit_days:
        with clock.span(f"revisit +{days} d", state=lane.state, url=url):
            out.append(await _one(lane, url, days, config))
        progress.message(f"{lane.state} revisit +{days} d: {url}")
    return tuple(out)


async def _age_jar(lane: Lane, days: int) -> None:
    """Drop what a browser would have lost ``days`` from now: session cookies (a later visit is a new browser
    session) and cookies expired by then."""
    assert lane.ctx is not None
    horizon = time.time() + days * DAY
    jar = await lane.ctx.cookies()
    kept = [c for c in jar if c.get("expires", -1) not in (-1, None) and float(c["expires"]) > horizon]
    if len(kept) == len(jar):
        return
    await lane.ctx.clear_cookies()
    for cookie in kept:  # one by one: a cookie the browser refuses back (partitioned…) is lost, not the rest
        with contextlib.suppress(Exception):
            await lane.ctx.add_cookies([cookie])  # type: ignore[list-item]


async def _one(lane: Lane, url: str, days: int, config: ScanConfig) -> Revisit:
    from playwright.async_api import Error as PlaywrightError

    assert lane.ctx is not None and lane.recorder is not None
    at = (datetime.now(timezone.utc) + timedelta(days=days)).isoformat(timespec="seconds").replace("+00:00", "Z")
    await _age_jar(lane, days)
    page = await lane.ctx.new_page()
    try:
        await page.add_init_script(script=f"({read_text('cookiescan.scan', 'shift_clock.js')})({days * DAY * 1000})")
        rec = await lane.recorder.start_visit(page, url)
        rec.clock_offset = days * DAY
        await page.goto(url, wait_until="load", timeout=config.page_timeout * 1000)
        await settle(page, lane.ctx, rec, quiet=config.settle_quiet, bound=min(config.settle_max, SETTLE_MAX))
        evidence = await lane.recorder.collect(page, rec)
        return Revisit(offset_days=days, url=url, at=at, writes=evidence.cookie_writes)
    except (PlaywrightError, asyncio.TimeoutError) as exc:
        return Revisit(offset_days=days, url=url, at=at, error=first_line(exc))
    finally:
        lane.recorder.finish_visit(page)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.close(), 5)
