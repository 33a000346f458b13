"""The portfolio: the latest scan of many sites, riskiest first, with what changed since each site's previous
scan, the sites that failed, and the findings by rule and by vendor (issue 15).

This package is pure: it renders a :class:`Portfolio` built from data. :mod:`cookiescan.batch.portfolio`
reads the batch store and builds one (``build_portfolio``, ``write_portfolio``).

    records   Portfolio, SiteRow, FailedSite, Attempt, TrendPoint, FindingRef, RuleCount, VendorCount
    model     a site's row from its result and diff, the risk order, counts by rule and by vendor, chart bars
    html      the self-contained HTML page (report.css + portfolio.css, the report's script and CSP)
    markdown  the Markdown summary

``FORMATS`` maps a format name to its renderer; ``-o PATH`` picks it from the suffix (.html .md .json).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from cookiescan.errors import UsageError
from cookiescan.report import parse_output_spec
from cookiescan.report.portfolio import html, markdown
from cookiescan.report.portfolio.records import (
    PORTFOLIO_VERSION,
    Attempt,
    FailedSite,
    FindingRef,
    Portfolio,
    RuleCount,
    SiteRow,
    TrendPoint,
    VendorCount,
)

Render = Callable[[Portfolio, str | None], str]


def render_json(p: Portfolio, title: str | None = None) -> str:
    """The portfolio's canonical JSON (``portfolio_version``)."""
    data = p.to_dict()
    if title:
        data = {"title": title, **data}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Render] = {"html": html.render, "md": markdown.render, "json": render_json}


def output_spec(spec: str) -> tuple[Path, str]:
    """``-o`` for a portfolio: ``portfolio.html``, ``weekly.md``, ``out.json`` or ``PATH:FORMAT``; one-line
    UsageError for anything else (JUnit has no portfolio form)."""
    path, fmt = parse_output_spec(spec)
    if fmt not in FORMATS:
        raise UsageError(f"a portfolio is written as {', '.join(FORMATS)}, not {fmt}",
                         hint="e.g. -o portfolio.html, -o portfolio.md or -o portfolio.json")
    return path, fmt


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The portfolio format of an output path (``fmt`` when given, else by suffix)."""
    spec = f"{os.fspath(path)}:{fmt}" if fmt else os.fspath(path)
    return output_spec(spec)[1]


def render(p: Portfolio, fmt: str, title: str | None = None) -> str:
    """The portfolio in format ``fmt`` (html, md or json) as text."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown portfolio format {fmt!r}", hint=f"choose one of: {', '.join(FORMATS)}")
    return FORMATS[fmt](p, title)


__all__ = [
    "FORMATS",
    "PORTFOLIO_VERSION",
    "Attempt",
    "FailedSite",
    "FindingRef",
    "Portfolio",
    "RuleCount",
    "SiteRow",
    "TrendPoint",
    "VendorCount",
    "format_for",
    "output_spec",
    "render",
    "render_json",
]
