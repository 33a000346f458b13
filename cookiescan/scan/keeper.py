"""Keeps the browser alive for the scan: when its process dies mid-scan it is restarted once for all the
visits that lost it, at most ``MAX_BROWSER_RESTARTS`` times; after that the remaining pages are recorded
as not visited."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from cookiescan.scan.discover import first_line

if TYPE_CHECKING:
    from cookiescan.browser import BrowserSession
    from cookiescan.progress import Progress

MAX_BROWSER_RESTARTS = 3


class BrowserKeeper:
    """Restart bookkeeping; visits wait on :meth:`wait_ready` while a restart is under way."""

    def __init__(self, session: BrowserSession, progress: Progress, errors: list[str]) -> None:
        self.session = session
        self.progress = progress
        self.errors = errors  # the scan's error list: restarts are evidence
        self.restarts = 0
        self.dead = False
        self._lock = asyncio.Lock()
        self._ok = asyncio.Event()  # cleared while the browser is being restarted
        self._ok.set()

    async def wait_ready(self) -> None:
        await self._ok.wait()

    async def lost(self) -> bool:
        """Whether the browser process is gone (checked for up to a second: the exit is seen late)."""
        for _ in range(10):
            if not self.session.alive:
                return True
            await asyncio.sleep(0.1)
        return False

    async def restart(self, generation: int) -> None:
        """Restart a dead browser once for all the visits that lost it (``generation`` they ran on)."""
        async with self._lock:
            if self.session.generation != generation or self.dead:
                return  # already restarted by another visit (or given up)
            if self.restarts >= MAX_BROWSER_RESTARTS:
                self.dead = True
                self.errors.append(f"the browser died {self.restarts + 1} times; the remaining pages were not visited")
                return
            self.restarts += 1
            self.progress.message(f"the browser died; restarting it ({self.restarts}/{MAX_BROWSER_RESTARTS})")
            self._ok.clear()
            try:
                await self.session.restart()
            except Exception as exc:
                self.dead = True
                self.errors.append(f"the browser died and could not be restarted: {first_line(exc)}")
                return
            finally:
                self._ok.set()
            self.errors.append(f"the browser died and was restarted ({self.restarts} of at most "
                               f"{MAX_BROWSER_RESTARTS}); the pages it was showing are listed as skipped")
