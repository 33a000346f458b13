"""Progress on stderr: a bar on a TTY, one line per page in CI or when piped."""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO


class Progress:
    """The interface the scan reports to. The base class is silent."""

    def start(self, total_hint: int, states: tuple[str, ...]) -> None: ...
    def total(self, total: int) -> None: ...
    def page_done(self, state: str, url: str, status: str, detail: str = "") -> None: ...
    def message(self, text: str) -> None: ...
    def stop(self) -> None: ...


class LineProgress(Progress):
    """One line per page visit: ``[ 3/60] before   200  https://…  (1.2 s)``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.done = 0
        self.expected = 0
        self.states: tuple[str, ...] = ()

    def start(self, total_hint: int, states: tuple[str, ...]) -> None:
        self.states = states
        self.expected = total_hint * len(states)

    def total(self, total: int) -> None:
        self.expected = total * max(1, len(self.states))

    def page_done(self, state: str, url: str, status: str, detail: str = "") -> None:
        self.done += 1
        width = len(str(max(self.expected, self.done)))
        extra = f"  ({detail})" if detail else ""
        print(f"[{self.done:>{width}}/{max(self.expected, self.done)}] {state:<7} {status:<8} {url}{extra}",
              file=self.stream, flush=True)

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class BarProgress(Progress):
    """A rich progress bar (pages done/total, current URL)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self.console = Console(stderr=True)
        self._bar = RichProgress(
            TextColumn("[bold]scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[current]}", style="dim"), console=self.console, transient=True,
        )
        self._task: Any = None
        self.states: tuple[str, ...] = ()
        self._t0 = time.monotonic()

    def start(self, total_hint: int, states: tuple[str, ...]) -> None:
        self.states = states
        self._bar.start()
        self._task = self._bar.add_task("scan", total=total_hint * len(states), current="")

    def total(self, total: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, total=total * max(1, len(self.states)))

    def page_done(self, state: str, url: str, status: str, detail: str = "") -> None:
        if self._task is not None:
            short = url if len(url) < 70 else url[:67] + "…"
            self._bar.update(self._task, advance=1, current=f"{state} {short}")

    def message(self, text: str) -> None:
        self._bar.console.print(text, markup=False, highlight=False)

    def stop(self) -> None:
        self._bar.stop()


def choose(stream: TextIO | None = None, quiet: bool = False) -> Progress:
    """A bar on an interactive terminal, lines in CI (``CI=true``) or when stderr is not a TTY."""
    if quiet:
        return Progress()
    stream = stream or sys.stderr
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if not ci and stream.isatty() and os.environ.get("TERM") != "dumb":
        return BarProgress()
    return LineProgress(stream)
