"""The consent step of one page visit: :func:`apply_consent` waits for a banner, records what its first layer
offers, screenshots it, and accepts or rejects through the config selectors, autoconsent or the heuristic
(:mod:`cookiescan.consent.engines`), the next engine trying when the site did not record the previous one's
choice (:mod:`cookiescan.consent.choose`, :mod:`cookiescan.consent.verify`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cookiescan.consent.autoconsent import Autoconsent, ensure_binding, hides_only
from cookiescan.consent.choose import Attempt, choose, plan
from cookiescan.consent.click import Run, SiteError, first_line
from cookiescan.consent.page import Layer, read_layer, visible_match
from cookiescan.models import BannerResult

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from playwright.async_api import Page

    from cookiescan.config import ConsentSelectors

# seconds (from navigation start) a banner is waited for even on a page that looks idle. "Idle" asks about requests,
# timers and scripts that came but have not run (in every frame), and another state's "no banner" ends a wait only
# on a page with nothing in flight: 1 s with requests and timers alone missed platform banners under load (3 times
# in CI and a stress run); with both checks, none in 126 runs of the platform and fast-path tests under 3x load
MIN_BANNER_WAIT = 1.0
SHARED_ABSENT_WAIT = 0.5  # seconds before another state's "no banner" ends this state's wait
POLL = 0.25  # seconds between two looks at the page while waiting for a banner
# seconds a banner autoconsent reported is left on screen before it is acted on (accept/reject only): a consent
# manager still wiring its buttons (tarteaucitron) ignores an earlier click, and the choice would go to the next
# engine
SHOWN_WAIT = 0.5
ACTING_RULE_WAIT = 3.0  # seconds to wait for a rule that acts when the rules reporting a popup only hide it
CONTROLS_WAIT = 3.0  # seconds to wait for the controls of a popup autoconsent reported (a frame still drawing)


async def apply_consent(page: Page, state: str, selectors: ConsentSelectors, *,
                        screenshot_path: Path | None = None, timeout: float = 10.0,
                        idle: Callable[[], Awaitable[bool]] | None = None, min_wait: float = MIN_BANNER_WAIT,
                        absent: asyncio.Event | None = None, since: float | None = None,
                        calm: Callable[[], Awaitable[bool]] | None = None) -> BannerResult:
    """Detect the banner on ``page`` and, for ``accept``/``reject``, operate it.

    Waits at most ``timeout`` seconds for a banner (returning as soon as one is found; and, ``min_wait`` s
    after ``since`` — the ``time.monotonic()`` the page began loading; the call's start if not given — as
    soon as ``idle()`` says nothing is pending in the page — no request, no
    short timer — that could still bring one, unless autoconsent recognised a consent manager whose
    popup has not opened yet; or once ``absent`` is set — another state of the scan concluded the same
    page shows no banner — if nothing here says otherwise and ``calm()`` finds nothing in flight), records what
    its first layer offers, screenshots the page before any click (to ``screenshot_path``), then
    accepts or rejects all — through the config selectors, autoconsent or the heuristic, in that
    order, until the site confirms the choice — counting the clicks. ``succeeded`` means the choice was
    made and confirmed (``confirmed``, with the evidence in ``confirmation`` and every engine tried in
    ``attempts``). ``before`` only detects. Site behaviour never raises: it ends up in ``error`` / ``notes``."""
    from playwright.async_api import Error as PlaywrightError

    run = Run(page, state)

    def on_page_error(err: Any) -> None:
        run.page_errors.append(first_line(err) if isinstance(err, BaseException) else str(err)[:300])

    page.on("pageerror", on_page_error)
    driver = Autoconsent(page, detect_retries=max(1, int(timeout * 2)))
    driver.listen()
    try:
        return await _apply(run, driver, selectors, screenshot_path, timeout, idle, min_wait, absent, since, calm)
    except (PlaywrightError, asyncio.TimeoutError, SiteError) as exc:
        return BannerResult(state=state, found=False, page_url=_url(page), error=first_line(exc),
                            notes=tuple(run.notes))
    finally:
        with contextlib.suppress(Exception):
            page.remove_listener("pageerror", on_page_error)
        await driver.close()


def _url(page: Page) -> str:
    try:
        return page.url
    except Exception:
        return ""


async def _apply(run: Run, driver: Autoconsent, selectors: ConsentSelectors, screenshot_path: Path | None,
                 timeout: float, idle: Callable[[], Awaitable[bool]] | None = None,
                 min_wait: float = MIN_BANNER_WAIT, absent: asyncio.Event | None = None,
                 since: float | None = None, calm: Callable[[], Awaitable[bool]] | None = None) -> BannerResult:
    page, state = run.page, run.state
    t0 = time.monotonic()
    begun = min(since, t0) if since is not None else t0  # the page's age counts towards the minimum wait
    action = state if state in ("accept", "reject") else None
    config_selector = {"accept": selectors.accept, "reject": selectors.reject}.get(action or "")
    any_config = [s for s in (selectors.accept, selectors.reject, selectors.settings) if s]
    try:
        await ensure_binding(page.context)
        autoconsent_ok = True
    except Exception as exc:  # a context that refuses bindings: heuristic only
        run.notes.append(f"autoconsent unavailable: {first_line(exc)}")
        autoconsent_ok = False

    # -- wait for a banner ---------------------------------------------------------------------------
    layer = Layer()
    config_seen = False
    heuristic_since: float | None = None
    popup_since: float | None = None
    deadline = t0 + timeout
    while True:
        if autoconsent_ok:
            await driver.inject_new_frames()
        best = driver.best(action)
        if best is not None:
            # a rule that only hides the banner (Sourcepoint's top-frame companion) names the platform, but the
            # rule that can make the choice (in the message iframe) may report a moment later
            popup_since = popup_since or time.monotonic()
            shown = time.monotonic() - popup_since
            acting = not hides_only(best[1], action) and (action is None or shown >= SHOWN_WAIT)
            if acting or shown >= ACTING_RULE_WAIT \
                    or time.monotonic() >= deadline:
                layer = await _controls(page, read_layer)
                break
        if any_config:
            config_seen = any([await visible_match(page, s) is not None for s in any_config])
        layer = await read_layer(page)
        now = time.monotonic()
        if config_seen and (config_selector or state == "before"):
            break
        if layer.found or config_seen:
            heuristic_since = heuristic_since or now
            # give autoconsent a moment to name the consent manager; it is on it if it detected one
            grace = 3.0 if driver.detected else 1.0
            if driver.gave_up or not autoconsent_ok or now - heuristic_since >= grace:
                break
        if now >= deadline:
            break
        nothing = not driver.detected and not layer.found and not config_seen
        if idle is not None and now - begun >= min_wait and nothing and await idle():
            run.notes.append(f"the page was idle after {int((now - t0) * 1000)} ms with no banner")
            break
        if absent is not None and absent.is_set() and now - begun >= max(SHARED_ABSENT_WAIT, min_wait) and nothing \
                and (calm is None or await calm()):
            run.notes.append(f"no banner after {int((now - t0) * 1000)} ms, as another state found on this page")
            break
        driver.changed.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(driver.changed.wait(), min(POLL, max(0.05, deadline - now)))

    waited = int((time.monotonic() - t0) * 1000)
    best = driver.best(action)
    by_autoconsent = best is not None
    found = by_autoconsent or layer.found or config_seen
    cmp_name = best[1] if best else (driver.detected[0] if driver.detected else None)
    if driver.errors:
        run.notes.extend(f"autoconsent: {e}" for e in driver.errors[:3])
    if not found:
        notes = ["no banner found", *run.notes]
        if cmp_name:
            notes.append(f"autoconsent detected {cmp_name} but no open popup")
        return BannerResult(state=state, found=False, cmp=cmp_name, page_url=_url(page), notes=tuple(notes),
                            wait_ms=waited)
    run.notes.append(f"banner found after {int((time.monotonic() - t0) * 1000)} ms")

    accept_first = bool(layer.of("accept"))
    reject_first = bool(layer.of("reject"))
    if config_seen:
        if selectors.accept and await visible_match(page, selectors.accept) is not None:
            accept_first = True
        if selectors.reject and await visible_match(page, selectors.reject) is not None:
            reject_first = True
    accept_c, reject_c = layer.first("accept"), layer.first("reject")
    if accept_c and reject_c and reject_c.link and not accept_c.link:
        run.notes.append(f"reject {reject_c.text!r} is a link while accept {accept_c.text!r} is a button")
    if not layer.controls and by_autoconsent:
        run.notes.append("the banner's controls could not be read (first-layer facts unknown)")
    layer_known = bool(layer.controls) or config_seen

    shot_name = await _screenshot(page, screenshot_path, run.notes)

    engines = plan(action or "", selectors, by_autoconsent and autoconsent_ok)
    method = engines[0] if action else ("config" if config_selector else (
        "autoconsent" if by_autoconsent else "heuristic"))
    base = BannerResult(state=state, found=True, page_url=_url(page), screenshot=shot_name, wait_ms=waited,
                        accept_on_first_layer=accept_first if layer_known else None,
                        reject_on_first_layer=reject_first if layer_known else None)
    if action is None:
        return replace(base, cmp=cmp_name or method, method=method, notes=tuple(run.notes))

    errors_before = len(run.page_errors)
    attempts = await choose(run, driver, action, selectors, layer, engines)
    return _outcome(run, replace(base, cmp=cmp_name, action=action), attempts, run.page_errors[errors_before:])


def _outcome(run: Run, base: BannerResult, attempts: list[Attempt], page_errors: list[str]) -> BannerResult:
    """The banner record from the attempts: the confirmed one's clicks (what a visitor needs), or, when none
    was confirmed, every click made and what the last check found missing."""
    action = base.action or ""
    tried = [a for a in attempts if a.skipped is None]
    done = next((a for a in tried if a.confirmed), None)
    last = done or (tried[-1] if tried else None)
    checked = next((a for a in reversed(tried) if a.verdict is not None), None)
    method = last.engine if last else (attempts[0].engine if attempts else "heuristic")
    if done is not None:
        clicks, buttons, error = done.clicks, done.buttons, None
    else:
        clicks, buttons = sum(a.clicks for a in tried), tuple(b for a in tried for b in a.buttons)
        error = _failure(action, tried, buttons)
    if page_errors:
        what = f"page error: {page_errors[0]}"
        if done is not None:
            run.notes.append(what)
        else:
            error = f"{error} ({what})"
    shown = done or checked
    verdict = shown.verdict if shown is not None else None
    return replace(base, cmp=base.cmp or method, method=method, succeeded=done is not None, clicks=clicks,
                   buttons=buttons, error=error, notes=tuple(run.notes), confirmed=done is not None,
                   confirmation=verdict.lines if verdict else ("no engine could make the choice",),
                   choice_storage=verdict.stored if verdict and done is not None else (),
                   attempts=tuple(a.line() for a in attempts))


def _failure(action: str, tried: list[Attempt], buttons: tuple[str, ...]) -> str:
    """Why no attempt made the choice, in one line."""
    last = tried[-1] if tried else None
    if last is None:
        return f"could not {action}: no engine could operate the banner"
    if last.error and last.verdict is None:
        return last.error
    if last.verdict is not None and last.verdict.lines and last.verdict.lines[-1] == "banner still shown":
        after = f" after clicking {buttons[-1]!r}" if buttons else ""
        return f"could not {action}: the banner was still shown{after}"
    return f"{action} not confirmed: the site did not record the choice ({len(tried)} engine(s) tried)"


async def _controls(page: Page, reader: Callable[[Page], Awaitable[Layer]]) -> Layer:
    """The layer of a popup autoconsent reported, waiting (bounded) for its controls: a cross-origin message
    frame may still be drawing its buttons when the popup is reported."""
    deadline = time.monotonic() + CONTROLS_WAIT
    layer = await reader(page)
    while not layer.found and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        layer = await reader(page)
    return layer


async def _screenshot(page: Page, path: Path | None, notes: list[str]) -> str | None:
    if path is None:
        return None
    try:
        # the tab to the front of its window first: a tab opened after it in the same context (a tab kept warm for
        # the next pages) leaves it without new frames, and the capture would wait for one until it times out
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.bring_to_front(), 5)
        data = await page.screenshot(type="png", timeout=10_000)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.name
    except Exception as exc:
        notes.append(f"no screenshot: {first_line(exc)}")
        return None
