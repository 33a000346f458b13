"""The consent step of one page visit: :func:`apply_consent` waits for a banner, records what its first layer
offers, screenshots it, and accepts or rejects through the config selectors, autoconsent or the heuristic
(:mod:`cookiescan.consent.engines`), in that order of authority."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cookiescan.consent.autoconsent import Autoconsent, ensure_binding
from cookiescan.consent.click import Run, SiteError, first_line
from cookiescan.consent.engines import act_autoconsent, act_config, act_heuristic
from cookiescan.consent.page import Layer, read_layer, visible_match
from cookiescan.models import BannerResult

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from playwright.async_api import Page

    from cookiescan.config import ConsentSelectors

MIN_BANNER_WAIT = 2.0  # seconds a banner is waited for even on a page that looks idle


async def apply_consent(page: Page, state: str, selectors: ConsentSelectors, *,
                        screenshot_path: Path | None = None, timeout: float = 10.0,
                        idle: Callable[[], Awaitable[bool]] | None = None) -> BannerResult:
    """Detect the banner on ``page`` and, for ``accept``/``reject``, operate it.

    Waits at most ``timeout`` seconds for a banner (returning as soon as one is found; and, after
    ``MIN_BANNER_WAIT`` s, as soon as ``idle()`` says nothing is pending in the page — no request, no
    short timer — that could still bring one, unless autoconsent recognised a consent manager whose
    popup has not opened yet), records what
    its first layer offers, screenshots the page before any click (to ``screenshot_path``), then
    accepts or rejects all — through the config selectors, autoconsent or the heuristic, in that
    order — counting the clicks. ``before`` only detects. Site behaviour never raises: it ends up
    in ``error`` / ``notes``."""
    from playwright.async_api import Error as PlaywrightError

    run = Run(page, state)

    def on_page_error(err: Any) -> None:
        run.page_errors.append(first_line(err) if isinstance(err, BaseException) else str(err)[:300])

    page.on("pageerror", on_page_error)
    driver = Autoconsent(page, detect_retries=max(1, int(timeout * 2)))
    driver.listen()
    try:
        return await _apply(run, driver, selectors, screenshot_path, timeout, idle)
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
                 timeout: float, idle: Callable[[], Awaitable[bool]] | None = None) -> BannerResult:
    page, state = run.page, run.state
    t0 = time.monotonic()
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
    deadline = t0 + timeout
    while True:
        if autoconsent_ok:
            await driver.inject_new_frames()
        if driver.popup is not None:
            layer = await read_layer(page)
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
        if idle is not None and now - t0 >= MIN_BANNER_WAIT and not driver.detected and not layer.found \
                and not config_seen and await idle():
            run.notes.append(f"the page was idle after {int((now - t0) * 1000)} ms with no banner")
            break
        driver.changed.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(driver.changed.wait(), min(0.5, max(0.05, deadline - now)))

    by_autoconsent = driver.popup is not None
    found = by_autoconsent or layer.found or config_seen
    cmp_name = driver.popup[1] if driver.popup else (driver.detected[0] if driver.detected else None)
    if driver.errors:
        run.notes.extend(f"autoconsent: {e}" for e in driver.errors[:3])
    if not found:
        notes = ["no banner found", *run.notes]
        if cmp_name:
            notes.append(f"autoconsent detected {cmp_name} but no open popup")
        return BannerResult(state=state, found=False, cmp=cmp_name, page_url=_url(page), notes=tuple(notes))
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

    method = "config" if config_selector else ("autoconsent" if by_autoconsent else "heuristic")
    if not config_selector and not by_autoconsent and action == "reject" and selectors.settings:
        method = "config"  # the second layer is opened through the config's settings selector
    base = BannerResult(state=state, found=True, page_url=_url(page), screenshot=shot_name,
                        accept_on_first_layer=accept_first if layer_known else None,
                        reject_on_first_layer=reject_first if layer_known else None)
    if action is None:
        return replace(base, cmp=cmp_name or method, method=method, notes=tuple(run.notes))

    error: str | None = None
    succeeded = False
    errors_before = len(run.page_errors)
    try:
        if method == "config":
            succeeded = await act_config(run, action, selectors, layer)
        elif method == "autoconsent":
            succeeded = await act_autoconsent(run, driver, action, layer)
            if not succeeded:
                fresh = await read_layer(page)
                if fresh.found:
                    run.notes.append("autoconsent did not finish; tried the heuristic")
                    method = "heuristic"
                    succeeded = await act_heuristic(run, action, fresh)
        else:
            succeeded = await act_heuristic(run, action, layer)
    except SiteError as exc:
        error = str(exc)
    if not succeeded and error is None:
        last = f" after clicking {run.buttons[-1]!r}" if run.buttons else ""
        error = f"could not {action}: the banner was still shown{last}"
    new_errors = run.page_errors[errors_before:]
    if new_errors:
        what = f"page error: {new_errors[0]}"
        if succeeded:
            run.notes.append(what)
        else:
            error = f"{error} ({what})"
    return replace(base, cmp=cmp_name or method, method=method, action=action, succeeded=succeeded,
                   clicks=run.clicks, buttons=tuple(run.buttons), error=error, notes=tuple(run.notes))


async def _screenshot(page: Page, path: Path | None, notes: list[str]) -> str | None:
    if path is None:
        return None
    try:
        data = await page.screenshot(type="png", timeout=10_000)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.name
    except Exception as exc:
        notes.append(f"no screenshot: {first_line(exc)}")
        return None
