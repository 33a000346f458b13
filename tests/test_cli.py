"""The command line as a user meets it: bad input ends in one clear line and exit 2, never a traceback;
the demo writes its reports; a scan writes JSON even when interrupted.

Commands that start no browser (usage errors, bad config, ``schema``, ``report``, ``diff``, ``--help``) run
in-process through click's CliRunner; the ones that scan run ``python -m cookiescan`` in a subprocess with
a real Chromium and are marked ``browser``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from markupsafe import escape
from report_factory import make_result

from cookiescan import cli
from cookiescan.demo import FixtureWeb
from cookiescan.demo.server import Response
from cookiescan.models import Finding, ScanResult


def run(*args: str, cwd: Path | None = None, timeout: float = 180, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CI": "true", **(env or {})}
    return subprocess.run([sys.executable, "-m", "cookiescan", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=full_env)


def fixture_args(web: FixtureWeb, chromium_path: str, rules: str | None = None) -> list[str]:
    return ["--browser", chromium_path,
            f"--browser-arg=--host-resolver-rules={rules or web.host_resolver_rules}",
            f"--browser-arg=--ignore-certificate-errors-spki-list={web.spki}"]


def assert_one_line_error(proc: subprocess.CompletedProcess[str] | Result, expected: str) -> None:
    stderr = proc.stderr
    code = proc.returncode if isinstance(proc, subprocess.CompletedProcess) else proc.exit_code
    assert code == 2, stderr
    assert "Traceback" not in stderr
    if isinstance(proc, Result):  # in-process: nothing escaped the top-level handler
        assert proc.exception is None or isinstance(proc.exception, SystemExit), repr(proc.exception)
    errors = [ln for ln in stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, stderr
    assert expected in errors[0], errors[0]


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """``cookiescan ARGS`` in-process, in an empty folder, with no COOKIESCAN_* variable from the shell."""
    for key in list(os.environ):
        if key.startswith("COOKIESCAN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)

    def _invoke(*args: str) -> Result:
        return CliRunner().invoke(cli.main, list(args), prog_name="cookiescan")

    return _invoke


# -- no browser: usage errors ------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("not-a-url", "not a valid URL"),
    ("ftp://files.example.com/", "only http:// and https://"),
    ("https://exa mple.com/", "not a valid URL"),
    ("https://example.com:99999/", "not a valid URL"),
])
def test_malformed_url_is_one_line_and_exit_2(url: str, expected: str, invoke: Invoke) -> None:
    assert_one_line_error(invoke("scan", url), expected)


def test_bad_config_file_is_one_line(invoke: Invoke) -> None:
    cfg = Path("cookiescan.yml")
    cfg.write_text("max_pags: 3\n")
    assert_one_line_error(invoke("scan", "https://example.com/"), "did you mean 'max_pages'")
    cfg.write_text("ignore:\n  - rule: undeclared-cookie\n    subject: x\n")
    assert_one_line_error(invoke("scan", "https://example.com/"), "no 'reason'")
    cfg.write_text("consent: [\n")
    assert_one_line_error(invoke("scan", "https://example.com/"), "invalid YAML")


def test_bad_options_are_one_line(invoke: Invoke) -> None:
    assert_one_line_error(invoke("scan", "https://example.com/", "--consent", "before,maybe"),
                          "unknown consent state")
    assert_one_line_error(invoke("scan", "https://example.com/", "--exclude", "(["), "invalid regular expression")
    assert_one_line_error(invoke("scan", "https://example.com/", "--browser", "/nonexistent/chrome"),
                          "browser not found")
    assert not Path("reports").exists()  # nothing was scanned, so no empty report pretends otherwise


def test_unknown_option_and_missing_argument_are_usage_errors(invoke: Invoke) -> None:
    assert_one_line_error(invoke("scan", "https://example.com/", "--max-pagez", "3"), "No such option")
    assert_one_line_error(invoke("scan", "https://example.com/", "--max-pages", "0"), "--max-pages")
    assert_one_line_error(invoke("diff", "only-one.json"), "only-one.json")


# -- no browser: help, version, schema -----------------------------------------------------------------

@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_command_has_help_with_an_example(command: str, invoke: Invoke) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: cookiescan {command} ")
    assert "Example" in result.stdout and f"cookiescan {command}" in result.stdout


def test_top_level_help_and_version(invoke: Invoke) -> None:
    from cookiescan import __version__

    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("scan", "demo", "report", "diff", "schema", "doctor", "batch", "worker", "db", "portfolio",
                    "pack", "verify", "keygen"):
        assert re.search(rf"^  {command}\b", result.stdout, flags=re.M), command
    version = invoke("--version")
    assert (version.exit_code, version.stdout) == (0, f"cookiescan, version {__version__}\n")


def test_schema_prints_the_schema_a_saved_result_validates_against(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("schema")
    assert result.exit_code == 0 and result.stderr == ""
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    saved = json.loads(json.dumps(make_result(tmp_path).to_dict()))
    jsonschema.validate(saved, schema)
    saved["states"]["before"]["cookies"][0]["requested_lifetime_days"] = "two years"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(saved, schema)


# -- no browser: report and diff from saved results ------------------------------------------------------

def save(result: ScanResult, path: Path) -> Path:
    path.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    return path


def test_report_re_renders_a_saved_result(invoke: Invoke, tmp_path: Path) -> None:
    saved = make_result(tmp_path)
    save(saved, tmp_path / "audit.json")
    result = invoke("report", "audit.json", "-o", "out/audit.html", "-o", "out/audit.md", "-o", "out/junit.xml")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["Wrote out/audit.html", "Wrote out/audit.md", "Wrote out/junit.xml"]
    page = (tmp_path / "out/audit.html").read_text(encoding="utf-8")
    assert page.lower().startswith("<!doctype html>")
    assert saved.site in page and saved.site in (tmp_path / "out/audit.md").read_text(encoding="utf-8")
    assert len(saved.findings) > 0
    for f in saved.findings:  # every finding is in the page, escaped as the template escapes it
        assert str(escape(f.subject)) in page, f.subject


@pytest.mark.parametrize(("content", "expected"), [
    ('{"a": 1}', "is not a cookiescan JSON result (no schema_version/states)"),
    ("not json", "is not a cookiescan JSON result"),
    ('{"schema_version": "99.0", "states": {}}', "has schema version 99.0"),
])
def test_report_refuses_what_is_not_a_result(content: str, expected: str, invoke: Invoke) -> None:
    Path("x.json").write_text(content)
    assert_one_line_error(invoke("report", "x.json", "-o", "x.html"), expected)
    assert_one_line_error(invoke("diff", "x.json", "x.json"), expected)
    assert not Path("x.html").exists()


def test_report_refuses_an_unknown_format(invoke: Invoke, tmp_path: Path) -> None:
    save(make_result(tmp_path), tmp_path / "audit.json")
    assert_one_line_error(invoke("report", "audit.json", "-o", "audit.pdf"), "cannot tell the report format")


def test_diff_of_saved_results_reports_the_new_finding_and_gates_on_it(invoke: Invoke, tmp_path: Path) -> None:
    old = make_result(tmp_path)
    added = Finding("pre-consent-tracker", "high", "before", "newtracker.example",
                    "Tracker contacted before consent: newtracker.example")
    save(old, tmp_path / "old.json")
    save(replace(old, findings=(*old.findings, added)), tmp_path / "new.json")

    same = invoke("diff", "old.json", "old.json", "--fail-on-new", "high", "--format", "json")
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["changes"] == []

    gated = invoke("diff", "old.json", "new.json", "--fail-on-new", "high", "--format", "json")
    assert gated.exit_code == 1, gated.output
    [change] = json.loads(gated.stdout)["changes"]
    assert (change["kind"], change["what"], change["state"]) == ("added", "finding", "before")
    assert "pre-consent-tracker" in change["key"] and "newtracker.example" in change["key"]
    assert gated.stderr.strip() == "1 new finding since the baseline (1 high); 1 at or above high"

    report_only = invoke("diff", "old.json", "new.json")  # default --fail-on-new never
    assert report_only.exit_code == 0
    assert "newtracker.example" in report_only.stdout

    removed = invoke("diff", "new.json", "old.json", "--fail-on-new", "low")
    assert removed.exit_code == 0, removed.output  # a finding that went away never fails a build


# -- with a browser -------------------------------------------------------------------------------------

@pytest.mark.browser
def test_unreachable_host(web: FixtureWeb, chromium_path: str, tmp_path: Path) -> None:
    proc = run("scan", "https://nowhere-fixture.com/", *fixture_args(web, chromium_path), "-o", "r.json",
               cwd=tmp_path)
    assert_one_line_error(proc, "ERR_NAME_NOT_RESOLVED")
    # the report is still written, and says why
    data = json.loads((tmp_path / "r.json").read_text())
    assert any("nowhere-fixture.com" in e for e in data["errors"])


@pytest.mark.browser
def test_tls_error(web: FixtureWeb, chromium_path: str, tmp_path: Path) -> None:
    # a second server with its own certificate, which the browser does not trust
    with FixtureWeb(routes={"badtls-fixture.com": lambda req: Response("<p>hi</p>")}) as bad:
        rules = f"MAP badtls-fixture.com 127.0.0.1:{bad.port}, {web.host_resolver_rules}"
        proc = run("scan", "https://badtls-fixture.com/", *fixture_args(web, chromium_path, rules),
                   "-o", "r.json", cwd=tmp_path)
    assert_one_line_error(proc, "ERR_CERT")


@pytest.mark.browser
def test_site_answering_500_is_recorded(web: FixtureWeb, chromium_path: str, tmp_path: Path) -> None:
    with FixtureWeb(routes={"broken-fixture.com": lambda req: Response("<h1>oops</h1>", status=500)}) as broken:
        rules = f"MAP broken-fixture.com 127.0.0.1:{broken.port}, {web.host_resolver_rules}"
        args = fixture_args(web, chromium_path, rules)
        args[-1] = f"--browser-arg=--ignore-certificate-errors-spki-list={web.spki},{broken.spki}"
        proc = run("scan", "https://broken-fixture.com/", *args, "--consent", "before", "-o", "r.json",
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    pages = data["states"]["before"]["pages"]
    assert pages[0]["status"] == 500


@pytest.mark.browser
def test_demo_writes_json_and_html(chromium_path: str, tmp_path: Path) -> None:
    proc = run("demo", "--browser", chromium_path, "--max-pages", "3", "-o", "out/demo.json", "-o", "out/demo.html",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "out/demo.json").read_text())
    assert set(data["states"]) == {"before", "accept", "reject"}
    assert data["states"]["before"]["pages"]
    assert (tmp_path / "out/demo.html").read_text().lower().startswith("<!doctype html>")
    # the last line is the verdict on what was written: the demo shop breaks rules on purpose, so it has
    # high findings, the line counts them as the JSON does, and the demo still exits 0
    active = [f for f in data["findings"] if not f.get("ignored")]
    counts = {s: sum(1 for f in active if f["severity"] == s) for s in ("high", "medium", "low")}
    assert counts["high"] >= 1, data["findings"]
    pages = len({p["url"] for st in data["states"].values() for p in st["pages"]})
    failed = [s for s in data["skipped"] if s["reason"] in ("error", "timeout", "crashed", "budget", "interrupted")]
    expected = (f"{len(active)} finding{'s' if len(active) != 1 else ''} "
                f"({', '.join(f'{n} {s}' for s, n in counts.items() if n)}) "
                f"on {pages} page{'s' if pages != 1 else ''} (3 consent states)"
                + (f"; {len(failed)} page visit(s) failed" if failed else ""))
    assert proc.stderr.strip().splitlines()[-1] == expected


@pytest.mark.browser
def test_sigterm_writes_partial_result(web: FixtureWeb, chromium_path: str, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "cookiescan", "scan", "https://shop-fixture.com/", *fixture_args(web, chromium_path),
           "--max-pages", "40", "--depth", "40", "--concurrency", "1", "-o", "partial.json"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE, text=True, env={**os.environ, "CI": "true"})
    assert proc.stderr is not None
    deadline = time.monotonic() + 90
    for line in proc.stderr:  # wait until at least one page is done
        if line.startswith("[") and "200" in line:
            break
        assert time.monotonic() < deadline
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(60) == 130, rest
    assert "Traceback" not in rest
    data = json.loads((tmp_path / "partial.json").read_text())
    assert data["interrupted"] is True
    assert data["states"]["before"]["pages"]


@pytest.mark.browser
def test_diff_reports_the_new_tracker_and_gates_on_it(web: FixtureWeb, chromium_path: str, tmp_path: Path) -> None:
    from tests.fixtures import deploy

    args = ["scan", f"https://{deploy.HOST}/", *fixture_args(web, chromium_path), "--consent", "before",
            "--no-sitemap", "--exit-zero"]
    deploy.STATE["new_tracker"] = False
    assert run(*args, "-o", "old.json", cwd=tmp_path).returncode == 0
    deploy.STATE["new_tracker"] = True
    try:
        assert run(*args, "-o", "new.json", cwd=tmp_path).returncode == 0
    finally:
        deploy.STATE["new_tracker"] = False
    same = run("diff", "old.json", "old.json", "--fail-on-new", "high", "--format", "json", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["changes"] == []
    proc = run("diff", "old.json", "new.json", "--fail-on-new", "high", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    changes = json.loads(proc.stdout)["changes"]
    assert changes, proc.stdout
    assert all(c["kind"] == "added" for c in changes)
    # the Meta pixel (facebook.com), its cookie "fr", and the findings about them: nothing else
    assert all("facebook" in c["key"] or "fr" in c["key"].split("|") for c in changes), changes
    assert {c["what"] for c in changes} >= {"tracker", "finding"}
    # the same gate through `scan --baseline`
    base = run(*args[:-1], "-o", "again.json", "--baseline", "old.json", cwd=tmp_path)
    assert base.returncode == 0, base.stderr  # no pixel now: nothing new
