"""The three ways to accept or reject once a banner is shown, each saying whether it believes it made the
choice (:mod:`cookiescan.consent.verify` then checks that the site recorded it):

* :func:`act_config` — the scan config's selectors (``consent.accept/reject/settings``);
* :func:`act_autoconsent` — autoconsent's rule for the consent manager it recognised, its clicks reported
  by the page (``click_recorder.js``), and the rule's own test step where it has one;
* :func:`act_heuristic` — the lexicon's reading of the first layer and, when the choice is not there, the
  second layer behind the settings control (:func:`second_layer`: the all-button, or for reject every
  optional toggle unticked, then save). "Allow selection" / "Save" is never an accept while an accept-all
  control is on the layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from cookiescan.consent.autoconsent import BINDING
from cookiescan.consent.click import SETTLE_TIMEOUT, Run, SiteError, first_line, wait_gone
from cookiescan.consent.page import EVAL_TIMEOUT, Layer, element_handle, read_layer, visible_match
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from cookiescan.config import ConsentSelectors
    from cookiescan.consent.autoconsent import Autoconsent

ACTION_TIMEOUT = 10.0  # seconds autoconsent may take to opt in / out
SELF_TEST_TIMEOUT = 3.0  # seconds its test step may take
ACCEPT_WAIT = 1.5  # seconds a second layer may take to show its accept-all control next to a save control

CLICK_RECORDER_JS = read_text("cookiescan.consent", "click_recorder.js")


async def act_autoconsent(run: Run, driver: Autoconsent, action: str, layer: Layer,
                          popup: tuple[Any, str]) -> tuple[bool, bool | None, bool]:
    """Let autoconsent's rule for ``popup`` opt in or out; the clicks it made are counted as the page reports
    them. Returns (the rule says it made the choice, its test step's result — None when it has none, the
    choice went through the consent manager's JavaScript API rather than clicks)."""
    for frame in list(driver.injected):
        with contextlib.suppress(Exception):
            await asyncio.wait_for(frame.evaluate(CLICK_RECORDER_JS, BINDING), EVAL_TIMEOUT)
    mark = len(driver.clicks)
    try:
        result = await driver.act(action, ACTION_TIMEOUT, popup)
    except Exception as exc:
        raise SiteError(f"autoconsent could not {action}: {first_line(exc)}") from None
    clicked = driver.clicks[mark:]
    run.clicks += len(clicked)
    run.buttons += [t for t in clicked if t]
    gone = result is None and popup[0].is_detached()
    if result is None and not gone:
        run.notes.append(f"autoconsent gave no {action} result within {ACTION_TIMEOUT:g} s")
    # a rule whose click removed its own frame (a message iframe) cannot answer: its clicks speak for it
    ok = bool(result and result.get("result")) or (gone and bool(clicked))
    api = ok and not clicked
    if api:
        # the consent manager's own API was used (e.g. klaro): count what a visitor has to click
        first = layer.of(action)
        run.clicks += 1 if first else 2
        run.notes.append("autoconsent applied the choice through the consent manager's JavaScript API; "
                         f"clicks = {1 if first else 2}, the controls a visitor needs"
                         + ("" if first else " (settings, then the choice on the second layer)"))
    if not ok and result is not None:
        run.notes.append(f"autoconsent rule {result.get('cmp')!r} reported failure")
    test = None
    if ok and result is not None and result.get("scheduleSelfTest"):
        test = await driver.self_test(popup, SELF_TEST_TIMEOUT)
    return ok, test, api


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
    start = time.monotonic()
    layer = Layer()
    while time.monotonic() < start + SETTLE_TIMEOUT:
        layer = await read_layer(run.page)
        if layer.of(action):
            break
        # a save control ("Allow selection") may show before the layer's accept-all: wait a little for it
        if layer.of("save") and (action == "reject" or time.monotonic() >= start + ACCEPT_WAIT):
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
