"""The HTML report's renderer: the Jinja environment (autoescaped, templates read through
:mod:`cookiescan.resources`), the one inline script and its CSP hash, and the context every section
of the template reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

from cookiescan.models import (
    CATEGORIES,
    ScanResult,
    active,
    below_min_seen,
    confirmed,
    ignored,
    severity_at_least,
    verdict,
    worst_severity,
)
from cookiescan.report import view
from cookiescan.report.html.declared import declared_view
from cookiescan.report.html.evidence import short_url
from cookiescan.report.html.findings import rule_groups
from cookiescan.report.html.inventory import inventory
from cookiescan.report.html.notice import notice_view
from cookiescan.report.html.screenshots import Screenshot, load_screenshot
from cookiescan.report.html.signals import signals_view
from cookiescan.report.html.tables import frames, glance, pages, storage, third_parties, timeline
from cookiescan.report.interface import ReportOptions
from cookiescan.resources import read_text

SEVERITY_MARK = {"high": "▲", "medium": "◆", "low": "▼"}


def _template_source(name: str) -> str:
    """Templates come from the package data (importlib.resources), so a wheel or zip install finds them."""
    return read_text("cookiescan.report", f"templates/{name}")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_template_source),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["days"] = view.human_days
    env.filters["state"] = view.state_label
    env.filters["short"] = lambda s: view.STATE_SHORT.get(s, s)
    env.filters["utc"] = view.utc_text
    env.filters["shorturl"] = short_url
    env.filters["plural"] = lambda n, word: f"{n} {word}" if n == 1 else f"{n} {word}s"
    env.filters["tojson_text"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    return env


@cache
def script() -> str:
    """The report's one inline script (sorting, filtering, print expansion)."""
    return read_text("cookiescan.report", "templates/report.js")


def script_hash(source: str) -> str:
    """CSP source expression for an inline script: ``'sha256-<base64>'``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def context(result: ScanResult, options: ReportOptions) -> dict[str, Any]:
    """Everything the template shows, computed once."""
    states = view.ordered_states(result)
    live = active(result.findings)
    groups = rule_groups(live, states, options.show_values)
    banners = []
    for s in states:
        st = result.states[s]
        b = st.banner
        shot = load_screenshot(b.screenshot, options.base_dir) if b else Screenshot(None, "")
        # a state with nothing to choose (no banner anywhere) says so instead of "failed"
        banners.append({"state": s, "b": b, "shot": shot, "na": None if st.applicable else (
            st.not_applicable or "no consent banner")})
    by_state = {s: result.states[s].banner for s in states}
    acc, rej = by_state.get("accept"), by_state.get("reject")
    inv = inventory(result, options, states)
    src = script()
    return {
        "r": result,
        "o": options,
        "states": states,
        "title": view.report_title(result, options.title),
        "verdict": verdict(result),
        "worst": worst_severity(result.findings),
        "counts": view.severity_counts(result.findings),
        "ignored": ignored(result.findings),
        "groups": groups,
        "banners": banners,
        "inventory": inv,
        "categories": CATEGORIES,
        "cap": view.cap_days(result),
        "cap_text": view.human_days(view.cap_days(result)),
        "declared": declared_view(result, states),
        "notice": notice_view(result, states),
        "signals": signals_view(result, states),
        "third_parties": third_parties(result, states),
        "frames": frames(result, states),
        "storage": storage(result, states),
        "pages": pages(result, states),
        "timeline": timeline(result),
        "glance": glance(result, states),
        "duration": view.duration_text(result.started_at, result.finished_at),
        "clicks": {
            "accept": acc.clicks if acc and acc.succeeded else None,
            "reject": rej.clicks if rej and rej.succeeded else None,
        },
        "reject_first": next(
            (b.reject_on_first_layer for b in by_state.values() if b and b.reject_on_first_layer is not None),
            None,
        ),
        "sev_mark": SEVERITY_MARK,
        "script": Markup(src),
        "csp_script": Markup(script_hash(src)),
        "third_party_count": len({t.site for s in states for t in result.states[s].third_parties}),
        "fail_count": sum(1 for f in confirmed(result.findings) if severity_at_least(f.severity, options.fail_on)
                          and not below_min_seen(f, result.config.get("min_seen"))),
        "min_seen": result.config.get("min_seen"),
    }


def render(result: ScanResult, options: ReportOptions) -> str:
    """The report as one self-contained HTML document."""
    return _environment().get_template("report.html.j2").render(**context(result, options))
