"""The three ways to accept or reject once a banner is shown, each True when the banner went away:

* :func:`act_config` — the scan config's selectors (``consent.accept/reject/settings``);
* :func:`act_autoconsent` — autoconsent's rule for the consent manager it recognised, its clicks recorded
  in the page (``click_recorder.js``);
* :func:`act_heuristic` — the lexicon's reading of the first layer and, when the choice is not there, the
  second layer behind the settings control (:func:`second_layer`: the all-button, or for reject every
  optional toggle unticked, then save).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from cookiescan.consent.click import SETTLE_TIMEOUT, Run, SiteError, first_line, wait_gone
from cookiescan.consent.page import EVAL_TIMEOUT, Layer, element_handle, read_layer, visible_match
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import Page

    from cookiescan.config import ConsentSelectors
    from cookiescan.consent.autoconsent import Autoconsent

ACTION_TIMEOUT = 10.0  # seconds autoconsent may take to opt in / out

CLICK_RECORDER_JS = read_text("cookiescan.consent", "click_recorder.js")
RECORDED_CLICKS_JS = read_text("cookiescan.consent", "recorded_clicks.js")


async def act_autoconsent(run: Run, driver: Autoconsent, action: str, layer: Layer) -> bool:
    """Let autoconsent opt in or out; the clicks its rule made are counted from the page's click log."""
    frames = list(driver.injected)
    for frame in frames:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(frame.evaluate(CLICK_RECORDER_JS), EVAL_TIMEOUT)
    try:
        result = await driver.act(action, ACTION_TIMEOUT)
    except Exception as exc:
        raise SiteError(f"autoconsent could not {action}: {first_line(exc)}") from None
    if result is None:
        run.notes.append(f"autoconsent gave no {action} result within {ACTION_TIMEOUT:g} s")
    if result is not None and result.get("result"):
        # wait for autoconsentDone (sent right after a final result) and for the banner to go
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(driver.until(lambda: driver.done is not None), 2.0)
        await _settle_banner(run.page, layer)
    clicked: list[str] = []
    for frame in frames:
        with contextlib.suppress(Exception):
            clicked += await asyncio.wait_for(frame.evaluate(RECORDED_CLICKS_JS), EVAL_TIMEOUT)
    run.clicks = len(clicked)
    run.buttons = [t for t in clicked if t]
    ok = bool(result and result.get("result"))
    if ok and run.clicks == 0:
        # the consent manager's own API was used (e.g. klaro): count what a visitor has to click
        first = layer.of(action)
        run.clicks = 1 if first else 2
        run.notes.append("autoconsent applied the choice through the consent manager's JavaScript API; "
                         f"clicks = {run.clicks}, the controls a visitor needs"
                         + ("" if first else " (settings, then the choice on the second layer)"))
    if not ok and result is not None:
        run.notes.append(f"autoconsent rule {result.get('cmp')!r} reported failure")
    return ok


async def _settle_banner(page: Page, before: Layer, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait (bounded) until the accept/reject controls seen before have gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = await read_layer(page)
        if not now.found:
            return
        await asyncio.sleep(0.2)


async def act_heuristic(run: Run, action: str, layer: Layer) -> bool:
    """Click the first layer's control for ``action``; failing that, open the settings and use the second layer."""
    target = layer.first(action)
    if target is not None:
        return await run.click_and_wait_gone(target)
    # not on the first layer: open the settings
    settings = layer.first("settings")
    if settings is None:
        raise SiteError(f"no {action} control on the first layer and no settings control to find one")
    await run.click_control(settings)
    return await second_layer(run, action, seen={c.text for c in layer.controls})


async def second_layer(run: Run, action: str, seen: set[str]) -> bool:
    """On the second layer: the all-button for the action; for reject, failing that, untick every
    optional toggle and save."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    layer = Layer()
    while time.monotonic() < deadline:
        layer = await read_layer(run.page)
        if layer.of(action) or layer.of("save"):
            break
        await asyncio.sleep(0.2)
    target = layer.first(action)
    if target is not None:
        return await run.click_and_wait_gone(target)
    save = layer.first("save")
    if save is None:
        raise SiteError(f"the second layer offers no {action} control and no save control")
    if action == "reject":
        unticked = 0
        for toggle in layer.toggles:
            if toggle.checked and not toggle.disabled:
                handle = await element_handle(toggle.frame, "toggles", toggle.index)
                if handle is not None:
                    await run.click_handle(handle, toggle.text)
                    unticked += 1
        run.notes.append(f"reject on the second layer: unticked {unticked} option(s), then saved")
    else:
        for toggle in layer.toggles:
            if not toggle.checked and not toggle.disabled:
                handle = await element_handle(toggle.frame, "toggles", toggle.index)
                if handle is not None:
                    await run.click_handle(handle, toggle.text)
    handle = await run.click_control(save)
    return await wait_gone(handle) if handle is not None else True


async def act_config(run: Run, action: str, selectors: ConsentSelectors, layer: Layer) -> bool:
    """Click the config's selector for ``action`` (through its ``settings`` selector when the first layer
    lacks it); with no selector for ``action``, the heuristic does the rest."""
    own = selectors.accept if action == "accept" else selectors.reject
    if own and await visible_match(run.page, own) is not None:
        handle = await run.click_selector(own, action)
        return await wait_gone(handle)
    if selectors.settings:
        await run.click_selector(selectors.settings, "settings")
        if own:
            handle = await run.click_selector(own, action, wait=SETTLE_TIMEOUT)
            return await wait_gone(handle)
        return await second_layer(run, action, seen={c.text for c in layer.controls})
    if own:
        await run.click_selector(own, action)  # raises: matched nothing visible
    return await act_heuristic(run, action, layer)
