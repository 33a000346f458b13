"""The report plug point: the options every writer takes and the shape of a writer.

A writer is a pure function of a :class:`~cookiescan.models.ScanResult` and
:class:`ReportOptions` that returns the document as text; :func:`cookiescan.report.write` puts it on
disk atomically. Writers never touch the network and never build a file path from site-controlled text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cookiescan.models import ScanResult


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What the user asked of the reports.

    show_values: print cookie values (they are redacted to "redacted (N chars)" otherwise, and set to
        ``null`` in the JSON output).
    fail_on: the severity at and above which a finding fails (JUnit failures, verdict wording).
    base_dir: the folder relative screenshot paths resolve against (the result JSON file's folder);
        :func:`cookiescan.report.write` defaults it to the output file's folder.
    title: replaces the result's title in the report heading.
    """

    show_values: bool = False
    fail_on: str = "high"
    base_dir: Path | None = None
    title: str | None = None


Render = Callable[[ScanResult, ReportOptions], str]


@dataclass(frozen=True, slots=True)
class Writer:
    """One output format: its name (``-o PATH:NAME``), the file suffixes that select it, and its
    render function."""

    name: str
    suffixes: tuple[str, ...]
    media_type: str
    description: str
    render: Render
