"""One consent state's HAR file: the pages and exchanges its visits recorded (``collect/har.py``), gathered as
each visit ends and written once the state is done, as ``<evidence dir>/har-<state>.har`` beside the state's
banner screenshot. Only when HAR capture was asked for (``--har``, ``--evidence-pack``)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cookiescan.evidence import EvidenceError, HarPage, HttpExchange, build_har, dump_har

if TYPE_CHECKING:
    from cookiescan.browser import BrowserSession

MAX_EXCHANGES_PER_STATE = 100_000  # a HAR past this would be gigabytes of JSON; the rest is counted


class StateHar:
    """The HAR of one consent state, filled visit by visit (:meth:`add` is the recorder's ``har`` sink)."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.pages: list[HarPage] = []
        self.exchanges: list[HttpExchange] = []
        self.dropped = 0

    def add(self, page: HarPage | None, exchanges: tuple[HttpExchange, ...]) -> None:
        """One visit's page and exchanges. Pages are numbered in the order their visits ended, and each
        exchange points at its visit's page by that id (a page visited twice in a state stays two pages)."""
        page_id = ""
        if page is not None:
            page_id = f"page_{len(self.pages) + 1}"
            self.pages.append(replace(page, id=page_id))
        room = MAX_EXCHANGES_PER_STATE - len(self.exchanges)
        self.dropped += max(0, len(exchanges) - room)
        self.exchanges += [replace(ex, page_id=page_id) for ex in exchanges[:max(0, room)]]

    def write(self, folder: Path, session: BrowserSession, *, show_values: bool) -> str | None:
        """Write ``folder/har-<state>.har`` (cookie values redacted unless ``show_values``); None when written,
        else the one-line reason it was not (the scan records it and goes on)."""
        info = session.info
        name, _, version = (info.product if info else "Chromium/").partition("/")
        comment = f"consent state {self.state}"
        if self.dropped:
            comment += f"; {self.dropped} exchanges beyond {MAX_EXCHANGES_PER_STATE} not recorded"
        target = folder / f"har-{self.state}.har"
        try:
            data = dump_har(build_har(self.pages, self.exchanges, browser_name=name or "Chromium",
                                      browser_version=version, show_values=show_values, comment=comment))
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except EvidenceError as exc:
            return f"HAR of the {self.state} state not written: {exc.message}"
        except OSError as exc:
            return f"HAR of the {self.state} state not written: {target}: {exc.strerror or exc}"
        return None
