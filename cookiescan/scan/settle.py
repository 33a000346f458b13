"""When is a page done? After ``load``, a page is *settled* when for a short quiet period no request
started or answered, no cookie was written, no new cookie appeared in the jar and no short timer is
pending — bounded, because some pages never go quiet."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Frame, Page

    from cookiescan.collect import VisitRecorder

HUNG_AFTER = 3.0  # seconds after which an unanswered request no longer keeps a page from settling
BANNER_QUIET = 0.5  # seconds of quiet after which no consent banner is expected any more (as a page settles)
OLD_BANNER_QUIET = 1.0  # --old-waits


PENDING_JS = """(timers) => [timers && window.__cookiescanTimersDue ? window.__cookiescanTimersDue() : 0,
  window.__cookiescanScriptsPending ? window.__cookiescanScriptsPending() : 0]"""
MAX_FRAMES_ASKED = 8  # frames asked about their scripts (a page with hundreds is not waited on for each)


async def page_quiet(page: Page, rec: VisitRecorder, *, quiet: float, hung_after: float = HUNG_AFTER,
                     scripts: bool = False) -> bool:
    """Nothing pending in the page for ``quiet`` seconds: no request started or answered (one with no
    answer after ``hung_after`` s is not waited for: real trackers leave fetches open), no cookie
    written, and no short ``setTimeout`` (100 ms–5 s) still to fire. With ``scripts``, also no script the
    page added still to run (fetched but not executed yet: on a busy CPU a loader's next step can come
    well after its answer), in the page and its frames, and the page's main thread answers. Cheap checks
    first: the page is asked only once the collectors have seen nothing for ``quiet`` s."""
    now = time.monotonic()
    if any(now - t < hung_after for t in rec.inflight.values()):
        return False
    if now - max(rec.last_activity, rec.last_cookie) < quiet:
        return False
    if not scripts:
        try:
            timers = float(await asyncio.wait_for(
                page.evaluate("() => window.__cookiescanTimersDue ? window.__cookiescanTimersDue() : 0"), 1))
        except Exception:
            timers = 0.0
        return timers <= 0
    main = page.main_frame
    frames = [main, *(f for f in page.frames if f is not main)][:MAX_FRAMES_ASKED]
    return not any(await asyncio.gather(*(_pending(frame, frame is main) for frame in frames)))


async def _pending(frame: Frame, main: bool) -> bool:
    """A script still to run in ``frame``; in the page itself also a short timer, or a main thread too busy to
    answer within a second. Frames' timers and busy frames do not count (an ad frame's endless rotation would
    hold every page to its bound); a frame that went away has nothing pending."""
    try:
        timers, scripts = await asyncio.wait_for(frame.evaluate(PENDING_JS, main), 1)
        return float(timers) > 0 or int(scripts) > 0
    except asyncio.TimeoutError:
        return main
    except Exception:
        return False


async def settle(page: Page, ctx: BrowserContext, rec: VisitRecorder, *, quiet: float, bound: float,
                 hung_after: float = HUNG_AFTER, old_start: bool = False) -> tuple[int, bool]:
    """Wait until the page is quiet (:func:`page_quiet`) and no new cookie has appeared in the jar
    for ``quiet`` seconds, at most ``bound`` seconds; so "set a cookie after 2 s" is caught. The quiet
    began at the page's last activity, and scripts still to run count as activity (``old_start``,
    ``--old-waits``: quiet from this call, scripts not asked about).
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
    # quiet counts from the page's last activity, which may be before this call (a page that went quiet
    # while its banner was waited for is not waited out again)
    last_change = t0 if old_start else min(t0, max(rec.last_activity, rec.last_cookie))
    while True:
        now = time.monotonic()
        if now - t0 >= bound:
            return int((now - t0) * 1000), False
        await asyncio.sleep(0.15)
        if time.monotonic() - last_change < quiet:
            continue
        if not await page_quiet(page, rec, quiet=quiet, hung_after=hung_after, scripts=not old_start):
            continue
        sig = await jar_signature()
        if sig != last_sig:
            last_sig, last_change = sig, time.monotonic()
            continue
        return int((time.monotonic() - t0) * 1000), True
