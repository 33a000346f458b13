"""The canonical result JSON of the demo and of a consent fixture scan, compared with stored baselines
(times, durations and ports taken out: see ``tests/baseline_support.py``). Guards refactors: the same
observations and the same findings, field by field. After an intended change of behaviour refresh them
with ``.venv/bin/python -m tests.baseline_support --update`` and say why in the commit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from consent_support import ensure_node_modules

from cookiescan.analyse import analyse
from cookiescan.demo import FixtureWeb, sites
from cookiescan.scan import Scanner
from tests import baseline_support
from tests.conftest import fixture_config
from tests.fixtures import consent_sites

pytestmark = pytest.mark.browser


def _compare(name: str, result: dict[str, Any], request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--update-baselines"):
        baseline_support.save(name, result)
        return
    diffs = baseline_support.differences(baseline_support.load(name), baseline_support.normalise(result))
    assert not diffs, f"the {name} result changed:\n" + "\n".join(diffs)


def test_demo_result_matches_the_baseline(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    proc = subprocess.run([sys.executable, "-m", "cookiescan", "demo", "-q", "-o", "demo.json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"})
    assert proc.returncode == 0, proc.stderr
    _compare("demo", json.loads((tmp_path / "demo.json").read_text()), request)


@pytest.mark.asyncio(loop_scope="session")
async def test_consent_fixture_result_matches_the_baseline(chromium_path: str, request: pytest.FixtureRequest) -> None:
    routes = {**sites.ROUTES, **consent_sites.make_routes(ensure_node_modules())}
    with FixtureWeb(routes) as web:
        config = fixture_config(web, chromium_path, urls=(consent_sites.SITES["homemade-fr"],), max_pages=3,
                                depth=1, use_sitemap=False)
        result = analyse(await Scanner(config).run(), config)
    _compare("bandeau-fr", result.to_dict(), request)


def test_library_audit_gives_the_demo_s_findings(tmp_path: Path) -> None:
    """Issue 13: ``asyncio.run(cookiescan.audit(cfg))`` on the demo gives the same findings as ``cookiescan
    demo`` — one pipeline, whichever door it is entered by."""
    code = f"""
import asyncio, json, sys
import cookiescan
from cookiescan.demo import FixtureWeb, sites
with FixtureWeb(sites.ROUTES) as web:
    cfg = cookiescan.ScanConfig(urls=("https://{{}}/".format(sites.SHOP),), browser_args=tuple(web.browser_args),
                                declared_from="https://{{}}/cookies".format(sites.SHOP),
                                notice="https://{{}}/mentions".format(sites.SHOP))
    r = asyncio.run(cookiescan.audit(cfg))
json.dump(sorted([f.rule, f.scenario, f.subject, f.severity] for f in r.findings), open({str(tmp_path / 'lib.json')!r}, "w"))
"""
    lib = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert lib.returncode == 0, lib.stderr
    cli = subprocess.run([sys.executable, "-m", "cookiescan", "demo", "-q", "-o", "demo.json"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"})
    assert cli.returncode == 0, cli.stderr
    from_cli = sorted([f["rule"], f["scenario"], f["subject"], f["severity"]]
                      for f in json.loads((tmp_path / "demo.json").read_text())["findings"])
    from_lib = json.loads((tmp_path / "lib.json").read_text())
    assert from_lib and from_lib == from_cli
