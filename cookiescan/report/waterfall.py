"""Where the time went, as a waterfall: the run's phases (browser start, discovery, analysis…) one line each,
and each page visit one line per state with its phases side by side — load, banner wait, choice, settle,
collect (and the opening of a new tab before it). ``--profile`` prints it; the HTML report's Pages section draws it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cookiescan.models import Span

#: the phases of one page visit, in order, with the letter the text waterfall draws them with
PAGE_PHASES = {"tab": "t", "load": "L", "banner wait": "b", "choice": "c", "choice and withdrawal": "w", "settle": "s",
               "collect": "k"}


@dataclass
class Row:
    """One line of the waterfall: a run phase, or a page visit with its phases."""

    label: str
    state: str | None
    start_ms: int
    end_ms: int
    parts: list[Span] = field(default_factory=list)

    @property
    def ms(self) -> int:
        return self.end_ms - self.start_ms


def rows(spans: Iterable[Span]) -> list[Row]:
    """The lines, by start time: page phases grouped per (state, page)."""
    out: list[Row] = []
    pages: dict[tuple[str | None, str | None], Row] = {}
    for s in sorted(spans, key=lambda s: (s.start_ms, s.phase)):
        if s.phase in PAGE_PHASES:
            row = pages.get((s.state, s.url))
            if row is None:
                row = pages[(s.state, s.url)] = Row(_short(s.url or ""), s.state, s.start_ms, s.start_ms + s.ms)
                out.append(row)
            row.parts.append(s)
            row.start_ms, row.end_ms = min(row.start_ms, s.start_ms), max(row.end_ms, s.start_ms + s.ms)
        else:
            out.append(Row(s.phase + (f" {_short(s.url)}" if s.url and s.phase.startswith("revisit") else ""),
                           s.state, s.start_ms, s.start_ms + s.ms, [s]))
    return sorted(out, key=lambda r: (r.start_ms, r.label))


def _short(url: str | None, limit: int = 40) -> str:
    text = re.sub(r"^[a-z]+://", "", url or "")
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def total_ms(spans: Iterable[Span]) -> int:
    return max((s.start_ms + s.ms for s in spans), default=0)


def render_text(spans: Iterable[Span], width: int = 50) -> str:
    """The waterfall as text (``--profile``), with a legend and the time per phase summed."""
    spans = list(spans)
    total = max(1, total_ms(spans))
    scale = width / total
    title = f"timeline, {total / 1000:.1f} s"
    lines = [f"{'start':>7} {'took':>7}  {'state':<8} {'phase or page':<42} |{title:^{width}}|"]
    for row in rows(spans):
        bar = [" "] * width
        for part in row.parts:
            mark = PAGE_PHASES.get(part.phase, "█")
            a = min(width - 1, int(part.start_ms * scale))
            b = max(a + 1, min(width, int((part.start_ms + part.ms) * scale)))
            for i in range(a, b):
                bar[i] = mark
        lines.append(f"{row.start_ms / 1000:>6.2f}s {row.ms / 1000:>6.2f}s  {(row.state or ''):<8} "
                     f"{row.label[:42]:<42} |{''.join(bar)}|")
    sums: dict[str, int] = {}
    for s in spans:
        sums[s.phase] = sums.get(s.phase, 0) + s.ms
    lines.append("legend: " + "  ".join(f"{mark}={name}" for name, mark in PAGE_PHASES.items()) + "  █=run phase")
    lines.append("time per phase (summed over parallel work): " + ", ".join(
        f"{name} {ms / 1000:.1f} s" for name, ms in sorted(sums.items(), key=lambda kv: -kv[1])))
    return "\n".join(lines)
