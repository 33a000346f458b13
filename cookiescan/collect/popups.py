"""Pop-ups a page opened (``window.open``): noted on the opener's visit and closed, as a visitor's
pop-up blocker would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cookiescan.collect.base import Collector, VisitRecorder, clip

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page


class PopupCollector(Collector):
    name = "popups"

    async def attach(self, context: BrowserContext, current: Callable[[Page | None], VisitRecorder | None]) -> None:
        tasks: set[asyncio.Future[Any]] = set()  # closers, kept referenced until done

        async def close_popup(page: Page) -> None:
            opener = None
            with contextlib.suppress(Exception):
                opener = await page.opener()
            if opener is None:
                return  # one of our own tabs
            rec = current(opener)
            if rec is not None:
                rec.popups.append(clip(page.url))
            with contextlib.suppress(Exception):
                await page.close()

        def on_page(page: Page) -> None:
            task = asyncio.ensure_future(close_popup(page))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        context.on("page", on_page)
