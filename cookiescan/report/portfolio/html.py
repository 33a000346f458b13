"""The portfolio as one self-contained HTML page, in the single-site report's family: its stylesheet (plus a
few portfolio rules), its one inline script (sorting and filtering) allowed by hash in the same
Content-Security-Policy (no network, no other script), an autoescaped template, inline SVG trend charts.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

from cookiescan.models import severity_rank
from cookiescan.report import view
from cookiescan.report.html.renderer import SEVERITY_MARK, script, script_hash
from cookiescan.report.portfolio.model import chart
from cookiescan.report.portfolio.records import Portfolio
from cookiescan.resources import read_text

CHART_WIDTH, CHART_HEIGHT = 132, 36
# The portfolio's own files sit beside the report's in report/templates/ (shipped by the same package-data glob).
_OWN_FILES = ("portfolio.html.j2", "portfolio.css")


def _own(name: str) -> str:
    return read_text("cookiescan.report", f"templates/{name}")


def tag_key(tag: str) -> str:
    """A tag as the filter script compares it: lower case, one word (the script splits on spaces)."""
    return "_".join(str(tag).lower().split())


def href(path: str) -> str:
    """A relative link to a file: every character that could start a scheme, a query or a fragment is
    percent-encoded, so the link can only ever name a file."""
    return quote(path.replace("\\", "/"), safe="/._-~")


def _worst(severities: list[str]) -> str:
    return max(severities, key=severity_rank) if severities else ""


@cache
def _environment() -> Environment:
    env = Environment(loader=FunctionLoader(lambda name: _own(name) if name in _OWN_FILES else None),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["utc"] = view.utc_text
    env.filters["state"] = view.state_label
    env.filters["plural"] = lambda n, word: f"{n} {word}" if n == 1 else f"{n} {word}s"
    env.filters["tagkey"] = tag_key
    env.filters["href"] = href
    env.filters["worst"] = _worst
    env.globals["chart"] = lambda trend: chart(trend, width=CHART_WIDTH, height=CHART_HEIGHT)
    return env


def _headline(p: Portfolio) -> tuple[str, str]:
    t = p.totals()
    if not p.rows:
        return "No stored scan", f"{len(p.failed)} site(s) failed or were unreachable" if p.failed else ""
    sites = f"{t['sites']} site{'s' if t['sites'] != 1 else ''}"
    if t["sites_with_findings"]:
        counts = ", ".join(f"{t[s]} {s}" for s in ("high", "medium", "low") if t[s])
        head = f"{t['sites_with_findings']} of {sites} with findings ({counts})"
    else:
        head = f"No findings on {sites}"
    parts = [f"{t['new']} new and {t['resolved']} resolved since each site's previous scan"]
    if t["failed"] or t["unreachable"]:
        parts.append(f"{t['failed']} failed, {t['unreachable']} unreachable")
    return head, "; ".join(parts) + "."


def context(p: Portfolio, title: str | None = None) -> dict[str, Any]:
    """Everything the template shows."""
    src = script()
    head, sub = _headline(p)
    worst = _worst([r.worst for r in p.rows if r.worst])
    return {
        "p": p,
        "title": title or "Cookie and tracker portfolio",
        "totals": p.totals(),
        "headline": head,
        "subline": sub,
        "worst": worst or None,
        "all_tags": sorted({t for r in p.rows for t in r.tags}, key=str.lower),
        "rank": {"high": 3, "medium": 2, "low": 1},
        "sev_mark": SEVERITY_MARK,
        "chart_w": CHART_WIDTH,
        "chart_h": CHART_HEIGHT,
        "css": Markup(read_text("cookiescan.report", "templates/report.css") + "\n" + _own("portfolio.css")),
        "script": Markup(src),
        "csp_script": Markup(script_hash(src)),
    }


def render(p: Portfolio, title: str | None = None) -> str:
    """The portfolio as one self-contained HTML document."""
    return _environment().get_template("portfolio.html.j2").render(**context(p, title))
