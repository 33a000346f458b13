"""Where the time goes: a scan's phases on one clock (``Span`` records, milliseconds from the start), kept in
the result for ``--profile`` and the report's timeline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from cookiescan.models import Span


class Timeline:
    """Collects spans; ``t0`` is the start of the scan (monotonic clock)."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.spans: list[Span] = []

    def now_ms(self) -> int:
        return int((time.monotonic() - self.t0) * 1000)

    def add(self, phase: str, start: float, end: float | None = None, *, state: str | None = None,
            url: str | None = None) -> None:
        """A span from monotonic ``start`` to ``end`` (now when None)."""
        end = time.monotonic() if end is None else end
        self.spans.append(Span(phase, int((start - self.t0) * 1000), max(0, int((end - start) * 1000)), state, url))

    @contextmanager
    def span(self, phase: str, *, state: str | None = None, url: str | None = None) -> Iterator[None]:
        """Time the block (recorded even when it raises)."""
        start = time.monotonic()
        try:
            yield
        finally:
            self.add(phase, start, state=state, url=url)

    def result(self) -> tuple[Span, ...]:
        return tuple(sorted(self.spans, key=lambda s: (s.start_ms, s.phase)))
