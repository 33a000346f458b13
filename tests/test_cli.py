"""The command line as a user meets it: bad input ends in one clear line and exit 2, never a traceback;
the demo writes its reports; a scan writes JSON even when interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cookiescan.demo import FixtureWeb
from cookiescan.demo.server import Response

pytestmark = pytest.mark.browser


def run(*args: str, cwd: Path | None = None, timeout: float = 180, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CI": "true", **(env or {})}
    return subprocess.run([sys.executable, "-m", "cookiescan", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=full_env)


def fixture_args(web: FixtureWeb, chromium_path: str, rules: str | None = None) -> list[str]:
    return ["--browser", chromium_path,
            f"--browser-arg=--host-resolver-rules={rules or web.host_resolver_rules}",
            f"--browser-arg=--ignore-certificate-errors-spki-list={web.spki}"]


def assert_one_line_error(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    assert expected in errors[0], errors[0]


@pytest.mark.parametrize(("url", "expected"), [
    ("not-a-url", "not a valid URL"),
    ("ftp://files.example.com/", "only http:// and https://"),
    ("https://exa mple.com/", "not a valid URL"),
    ("https://example.com:99999/", "not a valid URL"),
])
def test_malformed_url_is_one_line_and_exit_2(url: str, expected: str, tmp_path: Path) -> None:
    assert_one_line_error(run("scan", url, cwd=tmp_path), expected)


def test_unreachable_host(web: FixtureWeb, chromium_path: str, tmp_path: Path) -> None:
    proc = run("scan", "https://nowhere-fixture.com/", *fixture_args(web, chromium_path), "-o", "r.json",
               cwd=tmp_path)
    assert_one_line_error(proc, "ERR_NAME_NOT_RESOLVED")
    # the report is still written, and says why
    data = json.loads((tmp_path / "r.json").read_text())
    assert any("nowhere-fixture.com" in e for e in data["errors"])


def test_tls_error(web: FixtureWeb, chromium_path: str, tmp_path: Path) -> None:
    # a second server with its own certificate, which the browser does not trust
    with FixtureWeb(routes={"badtls-fixture.com": lambda req: Response("<p>hi</p>")}) as bad:
        rules = f"MAP badtls-fixture.com 127.0.0.1:{bad.port}, {web.host_resolver_rules}"
        proc = run("scan", "https://badtls-fixture.com/", *fixture_args(web, chromium_path, rules),
                   "-o", "r.json", cwd=tmp_path)
    assert_one_line_error(proc, "ERR_CERT")


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


def test_bad_config_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "cookiescan.yml").write_text("max_pags: 3\n")
    assert_one_line_error(run("scan", "https://example.com/", cwd=tmp_path), "did you mean 'max_pages'")
    (tmp_path / "cookiescan.yml").write_text("ignore:\n  - rule: undeclared-cookie\n    subject: x\n")
    assert_one_line_error(run("scan", "https://example.com/", cwd=tmp_path), "no 'reason'")
    (tmp_path / "cookiescan.yml").write_text("consent: [\n")
    assert_one_line_error(run("scan", "https://example.com/", cwd=tmp_path), "invalid YAML")


def test_bad_options_are_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run("scan", "https://example.com/", "--consent", "before,maybe", cwd=tmp_path),
                          "unknown consent state")
    assert_one_line_error(run("scan", "https://example.com/", "--exclude", "([", cwd=tmp_path),
                          "invalid regular expression")
    assert_one_line_error(run("scan", "https://example.com/", "--browser", "/nonexistent/chrome", cwd=tmp_path),
                          "browser not found")


def test_demo_writes_json_and_html(chromium_path: str, tmp_path: Path) -> None:
    proc = run("demo", "--browser", chromium_path, "--max-pages", "3", "-o", "out/demo.json", "-o", "out/demo.html",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "out/demo.json").read_text())
    assert set(data["states"]) == {"before", "accept", "reject"}
    assert data["states"]["before"]["pages"]
    assert (tmp_path / "out/demo.html").read_text().lower().startswith("<!doctype html>")
    assert proc.stderr.strip().splitlines()[-1].startswith(("No findings", "1 finding", "2 finding")) or \
        "finding" in proc.stderr.strip().splitlines()[-1]


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
