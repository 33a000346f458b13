"""Clicking like a visitor during one consent step: the :class:`Run` clicks a control the scan found or an
element a config selector names, counts the clicks and keeps their labels; :func:`wait_gone` waits for a
clicked control to leave the page. What the site does wrong ends in :class:`SiteError`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cookiescan.consent.page import CLICK_TIMEOUT, EVAL_TIMEOUT, Control, element_handle, visible_match
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import ElementHandle, Page

SETTLE_TIMEOUT = 3.0  # seconds to wait for a banner or a second layer to change after a click

LABEL_JS = read_text("cookiescan.consent", "label.js")
GONE_JS = read_text("cookiescan.consent", "gone.js")
SCRIPT_CLICK_JS = read_text("cookiescan.consent", "script_click.js")


class SiteError(Exception):
    """Something the site did (or did not do): recorded in BannerResult.error."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 300 characters), or its type's name."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


async def click(handle: ElementHandle, notes: list[str]) -> None:
    """A real (trusted) click; if something covers the control, a script click."""
    from playwright.async_api import Error as PlaywrightError

    try:
        await handle.click(timeout=CLICK_TIMEOUT * 1000)
    except PlaywrightError as exc:
        if "Target closed" in str(exc) or "detached" in str(exc).lower():
            raise
        notes.append("a control could not be clicked like a visitor would; clicked it by script")
        await asyncio.wait_for(handle.evaluate(SCRIPT_CLICK_JS), EVAL_TIMEOUT)


async def _gone(handle: ElementHandle) -> bool:
    try:
        return bool(await asyncio.wait_for(handle.evaluate(GONE_JS), EVAL_TIMEOUT))
    except Exception:
        return True  # the page navigated or the frame went away: the banner is gone with it


async def wait_gone(handle: ElementHandle, timeout: float = SETTLE_TIMEOUT) -> bool:
    """True once ``handle`` has left the page (detached, not rendered or hidden) within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        if await _gone(handle):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.15)


@dataclass
class Run:
    """One consent step on one page: its notes, the clicks made and their labels, the page's errors."""

    page: Page
    state: str
    notes: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    clicks: int = 0
    page_errors: list[str] = field(default_factory=list)

    async def click_control(self, control: Control, *, kind: str = "controls") -> ElementHandle | None:
        """Click a control the last scan found; its handle (to wait for it to go)."""
        handle = await element_handle(control.frame, kind, control.index)
        if handle is None:
            raise SiteError(f"the control {control.text!r} disappeared before it could be clicked")
        await self.click_handle(handle, control.text)
        return handle

    async def click_handle(self, handle: ElementHandle, text: str) -> None:
        """Click ``handle`` and count it under the label ``text``."""
        from playwright.async_api import Error as PlaywrightError

        try:
            await click(handle, self.notes)
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise SiteError(f"clicking {text!r} failed: {first_line(exc)}") from None
        self.clicks += 1
        if text:
            self.buttons.append(text.strip()[:100])

    async def click_selector(self, selector: str, what: str, *, wait: float = 0.0) -> ElementHandle:
        """Click the first visible element matching a config selector (page or frames; open shadow
        roots are pierced)."""
        deadline = time.monotonic() + wait
        while True:
            handle = await visible_match(self.page, selector)
            if handle is not None:
                text = ""
                with contextlib.suppress(Exception):
                    text = str(await handle.evaluate(LABEL_JS))
                await self.click_handle(handle, text[:100] or selector[:100])
                return handle
            if time.monotonic() >= deadline:
                raise SiteError(f"config selector {what}={selector!r} matched no visible element")
            await asyncio.sleep(0.2)

    async def click_and_wait_gone(self, control: Control) -> bool:
        """Click ``control``; True once it has gone from the page (or when it could not be followed)."""
        handle = await self.click_control(control)
        return await wait_gone(handle) if handle is not None else True
