"""Withdrawing consent (the ``withdraw`` state): after an accept, find the way back a visitor would use — a
"Gérer mes cookies" / "Cookie settings" / "Cookie-Einstellungen" link or a consent manager's floating button
(``way_back.js``), else the consent manager's own API for reopening its dialog (``reopen.js``) — and refuse
there, through the config selectors or the heuristic, the refusal verified as for a reject
(:mod:`cookiescan.consent.verify`: the platform's state, or its choice cookie rewritten; the dialog gone).

GDPR art. 7(3) and CNIL 2020-092: withdrawing must be as easy as consenting. The clicks it took are kept
beside the clicks of the accept, so a report can set them side by side.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from cookiescan.consent.choose import Attempt, choose, plan
from cookiescan.consent.click import Run, first_line
from cookiescan.consent.page import EVAL_TIMEOUT, Layer, page_script, read_layer
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import Page

    from cookiescan.config import ConsentSelectors

OPEN_TIMEOUT = 4.0  # seconds a dialog may take to open after its control is clicked
MAX_CONTROLS = 3  # way-back controls tried before the consent manager's API
WAY_BACK_JS = page_script("way_back.js")  # read once, with the shared helpers


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """What the way back to the choice was and whether the refusal made there was recorded."""

    found: bool  # a way back opened the consent dialog
    via: str | None = None  # "link 'Gérer mes cookies'", "floating button", "consent manager API …"
    clicks: int = 0  # clicks from the accepted page to the recorded refusal
    buttons: tuple[str, ...] = ()
    withdrawn: bool | None = None  # the refusal was recorded (None: no way back to try it on)
    at: str | None = None  # UTC time the refusal was made
    notes: tuple[str, ...] = ()
    attempts: tuple[str, ...] = ()
    confirmation: tuple[str, ...] = ()


async def withdraw_consent(page: Page, selectors: ConsentSelectors) -> Withdrawal:
    """Find the way back on ``page`` (consent already given) and refuse there. Site behaviour never raises."""
    from playwright.async_api import Error as PlaywrightError

    run = Run(page, "withdraw")
    try:
        return await _withdraw(run, selectors)
    except (PlaywrightError, asyncio.TimeoutError) as exc:
        return Withdrawal(found=False, notes=(*run.notes, f"the page went away: {first_line(exc)}"))


async def _withdraw(run: Run, selectors: ConsentSelectors) -> Withdrawal:
    page = run.page
    candidates = await asyncio.wait_for(page.evaluate(WAY_BACK_JS), EVAL_TIMEOUT)
    for c in (candidates or [])[:MAX_CONTROLS]:
        kind, text = str(c.get("kind") or "control"), str(c.get("text") or "")[:100]
        clicked = await asyncio.wait_for(
            page.evaluate(read_text("cookiescan.consent", "way_back_click.js"), int(c["i"])), EVAL_TIMEOUT)
        if not clicked:
            continue
        layer = await _opened(page)
        if layer.found:
            run.clicks += 1
            run.buttons.append(text)
            return await _refuse(run, selectors, layer, f"{kind} {text!r}")
        run.notes.append(f"{kind} {text!r} opened no consent dialog")
    api = await asyncio.wait_for(page.evaluate(read_text("cookiescan.consent", "reopen.js")), EVAL_TIMEOUT)
    if api:
        layer = await _opened(page)
        if layer.found:
            run.notes.append("no visible control to change the choice was found; the consent manager's API reopened "
                             "its dialog")
            return await _refuse(run, selectors, layer, f"consent manager API {api}")
        run.notes.append(f"the consent manager's API {api} opened no dialog")
    what = f"{len(candidates or [])} candidate control(s)" if candidates else "no control"
    return Withdrawal(found=False, notes=(*run.notes, f"no way back to the choice: {what}, no consent manager API"))


async def _opened(page: Page) -> Layer:
    """The consent dialog the way back opened (its accept/reject/settings controls), waited for, bounded."""
    deadline = time.monotonic() + OPEN_TIMEOUT
    while True:
        layer = await read_layer(page)
        if layer.found or time.monotonic() >= deadline:
            return layer
        await asyncio.sleep(0.25)


async def _refuse(run: Run, selectors: ConsentSelectors, layer: Layer, via: str) -> Withdrawal:
    """Refuse on the reopened dialog (its first layer, else behind its settings), the refusal verified."""
    at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    attempts: list[Attempt] = await choose(run, _NoAutoconsent(), "reject", selectors, layer,  # type: ignore[arg-type]
                                           plan("reject", selectors, autoconsent=False))
    done = next((a for a in attempts if a.confirmed), None)
    checked = done or next((a for a in reversed(attempts) if a.verdict is not None), None)
    return Withdrawal(
        found=True, via=via, clicks=run.clicks, buttons=tuple(run.buttons),
        withdrawn=done is not None, at=at, notes=tuple(run.notes), attempts=tuple(a.line() for a in attempts),
        confirmation=checked.verdict.lines if checked is not None and checked.verdict is not None else (),
    )


class _NoAutoconsent:
    """Stands in for the autoconsent driver, which the way back does not use: its rules operate the first
    banner; a reopened dialog is read by the heuristic (and the config selectors)."""

    def best(self, action: str | None = None) -> None:
        return None
