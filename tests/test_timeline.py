"""Where the time goes (issue 17.1): the result's timeline, ``--profile``'s waterfall and the report's."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from cookiescan.models import Span
from cookiescan.report import ReportOptions, render
from cookiescan.report.waterfall import render_text, rows
from tests.factories import make_result

SPANS = (Span("browser start", 0, 800), Span("discovery", 800, 600), Span("load", 1500, 400, "before", "https://s.fr/"),
         Span("banner wait", 1900, 2000, "before", "https://s.fr/"), Span("settle", 3900, 700, "before", "https://s.fr/"),
         Span("collect", 4600, 100, "before", "https://s.fr/"), Span("load", 1600, 300, "accept", "https://s.fr/"),
         Span("analysis", 5000, 50))


def test_page_phases_are_one_row_per_state_and_page() -> None:
    got = rows(SPANS)
    assert [(r.label, r.state) for r in got] == [("browser start", None), ("discovery", None), ("s.fr/", "before"),
                                                 ("s.fr/", "accept"), ("analysis", None)]
    page = got[2]
    assert (page.start_ms, page.end_ms) == (1500, 4700)
    assert [p.phase for p in page.parts] == ["load", "banner wait", "settle", "collect"]


def test_text_waterfall_draws_each_phase_where_it_ran() -> None:
    text = render_text(SPANS, width=50)
    line = next(ln for ln in text.splitlines() if "before" in ln and "s.fr/" in ln)
    bar = line.split("|")[1]
    assert bar.index("L") < bar.index("b") < bar.index("s") and "k" in bar
    assert "settle 0.7 s" in text and "5.0 s" in text.splitlines()[0]


def test_the_report_shows_the_timeline_only_when_the_result_has_one() -> None:
    result = make_result()
    assert 'id="timeline"' not in render(result, "html", ReportOptions())
    html = render(replace(result, timings=SPANS), "html", ReportOptions())
    assert 'id="timeline"' in html and "seg seg-banner-wait" in html and "seg seg-settle" in html


@pytest.mark.browser
def test_profile_prints_the_waterfall_of_a_real_scan(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "cookiescan", "demo", "-q", "--max-pages", "2", "--profile",
                           "-o", "d.json"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CI": "true"})
    assert proc.returncode == 0, proc.stderr
    for phase in ("browser start", "discovery", "probe", "robots.txt", "analysis", "reports", "revisit +30 d"):
        assert phase in proc.stderr, phase
    assert "L=load" in proc.stderr and "shop-fixture.com/" in proc.stderr
    import json

    timings = json.loads((tmp_path / "d.json").read_text())["timings"]
    phases = {(t["phase"], t["state"]) for t in timings}
    for state in ("before", "accept", "reject"):
        assert {("load", state), ("banner wait", state), ("settle", state), ("collect", state)} <= phases
    assert ("choice", "accept") in phases and ("choice", "before") not in phases
