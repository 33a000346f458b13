"""Report writers: one registry, one module per format, atomic writes.

>>> from cookiescan.report import write, parse_output_spec, ReportOptions
>>> path, fmt = parse_output_spec("reports/audit.html")
>>> write(result, path, fmt, ReportOptions(fail_on="medium"))  # doctest: +SKIP

``FORMATS`` maps a format name to its :class:`Writer`; ``-o PATH`` picks the format from the suffix
(``.json .html .htm .md .xml``) and ``-o PATH:FORMAT`` names it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from cookiescan.errors import UsageError
from cookiescan.models import ScanResult
from cookiescan.report import html, json_writer, junit, markdown
from cookiescan.report.interface import ReportOptions, Writer

__all__ = [
    "FORMATS",
    "OutputSpec",
    "ReportOptions",
    "Writer",
    "format_for_path",
    "parse_output_spec",
    "render",
    "write",
]

FORMATS: dict[str, Writer] = {
    "json": Writer(
        "json",
        (".json",),
        "application/json",
        "canonical, versioned result (cookie values null unless --show-values)",
        json_writer.render,
    ),
    "html": Writer(
        "html", (".html", ".htm"), "text/html", "self-contained audit report for people", html.render
    ),
    "md": Writer(
        "md",
        (".md", ".markdown"),
        "text/markdown",
        "short summary for $GITHUB_STEP_SUMMARY and PR comments",
        markdown.render,
    ),
    "junit": Writer("junit", (".xml",), "application/xml", "JUnit XML for CI test tabs", junit.render),
}
_ALIASES = {"markdown": "md", "xml": "junit", "htm": "html"}


class OutputSpec(NamedTuple):
    """Where one report goes and in which format."""

    path: Path
    format: str


def _known(fmt: str) -> str | None:
    name = fmt.strip().lower()
    name = _ALIASES.get(name, name)
    return name if name in FORMATS else None


def format_for_path(path: str | os.PathLike[str], explicit: str | None = None) -> str:
    """The format for an output path: ``explicit`` when given, else by suffix.

    Raises :class:`~cookiescan.errors.UsageError` for an unknown format or suffix.
    """
    choices = ", ".join(FORMATS)
    if explicit:
        name = _known(explicit)
        if name is None:
            raise UsageError(f"unknown report format {explicit!r}", hint=f"choose one of: {choices}")
        return name
    suffix = Path(path).suffix.lower()
    for name, writer in FORMATS.items():
        if suffix in writer.suffixes:
            return name
    raise UsageError(
        f"cannot tell the report format of {os.fspath(path)!r} from its suffix",
        hint=f"use a .json/.html/.md/.xml name or PATH:FORMAT with one of: {choices}",
    )


def parse_output_spec(spec: str) -> OutputSpec:
    """Parse ``-o`` values: ``out.html``, ``out.html:html``, ``report:json``, ``C:\\r\\a.json``."""
    spec = spec.strip()
    if not spec:
        raise UsageError("empty output path", hint="e.g. -o reports/audit.html")
    head, sep, tail = spec.rpartition(":")
    if (
        sep
        and head
        and tail
        and not any(ch in tail for ch in "/\\")
        and not (len(head) == 1 and head.isalpha())
    ):
        return OutputSpec(Path(head), format_for_path(head, tail))
    return OutputSpec(Path(spec), format_for_path(spec))


def render(result: ScanResult, fmt: str, options: ReportOptions | None = None) -> str:
    """The report in format ``fmt`` as text."""
    name = format_for_path("", fmt)
    return FORMATS[name].render(result, options or ReportOptions())


def write(
    result: ScanResult,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    options: ReportOptions | None = None,
) -> Path:
    """Write one report atomically (a temp file in the same folder, then ``os.replace``); creates the
    folder. Relative screenshot paths resolve against ``options.base_dir``, by default the output
    file's folder. Returns the path written."""
    target = Path(path)
    name = format_for_path(target, fmt)
    options = options or ReportOptions()
    if options.base_dir is None:
        options = replace(options, base_dir=target.parent if str(target.parent) else Path("."))
    text = FORMATS[name].render(result, options)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
