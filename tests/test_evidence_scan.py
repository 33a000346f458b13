"""Evidence packs end to end (issue 16, item 1): ``cookiescan scan … --evidence-pack`` on the demo shop in a real
Chromium holds the result, one HAR per consent state, the banner screenshots, the HTML report and the declared
list as read; ``cookiescan verify`` passes on it, names the one file whose byte changed, and checks the
signature; the HARs load in haralyzer and hold the Set-Cookie headers the result cites (values redacted unless
``--show-values``); ``cookiescan pack`` packs a saved result and says what is missing.

Two scans in a subprocess (signed pack; ``--har --show-values``), shared by the tests of this module; the rest
runs in-process without a browser."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from haralyzer import HarParser
from report_factory import make_result

from cookiescan import cli
from cookiescan.collect import ContextRecorder
from cookiescan.config import ScanConfig
from cookiescan.demo import FixtureWeb
from cookiescan.demo import sites as shop
from cookiescan.pipeline import save_sources
from cookiescan.scan.discover import Discovery

STATES = ("before", "accept", "reject")
SHOP = f"https://{shop.SHOP}/"
# cookies the shop sets with Set-Cookie headers on its home page, and their values (sites.py)
HEADER_COOKIES = {"lang": "fr", "cart_id": "c-42"}


def run(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOKIESCAN_")}
    return subprocess.run([sys.executable, "-m", "cookiescan", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**env, "CI": "true"})


def scan_args(web: FixtureWeb, chromium_path: str, *extra: str) -> list[str]:
    return ["scan", SHOP, "--browser", chromium_path, f"--browser-arg=--host-resolver-rules={web.host_resolver_rules}",
            f"--browser-arg=--ignore-certificate-errors-spki-list={web.spki}", "--declared-from", f"{SHOP}cookies",
            "--max-pages", "2", "--exit-zero", *extra]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.main, list(args), prog_name="cookiescan")


def one_error_line(result: Result | subprocess.CompletedProcess[str], expected: str) -> None:
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert code == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr


@pytest.fixture(scope="module")
def signed(web: FixtureWeb, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scan of the shop with a signed evidence pack: the folder holding audit.zip, out/ and keys/."""
    folder = tmp_path_factory.mktemp("signed")
    assert invoke("keygen", str(folder / "keys")).exit_code == 0
    assert invoke("keygen", str(folder / "other"), "--name", "other").exit_code == 0
    proc = run(*scan_args(web, chromium_path, "--evidence-pack", "audit.zip", "--sign-key",
                          "keys/cookiescan-signing.pem", "-o", "out/audit.json", "-o", "out/audit.html"), cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return folder


@pytest.fixture(scope="module")
def with_values(web: FixtureWeb, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scan with ``--har --show-values`` and no pack: the folder holding out/shown.json and its evidence."""
    folder = tmp_path_factory.mktemp("values")
    proc = run(*scan_args(web, chromium_path, "--har", "--show-values", "-o", "out/shown.json"), cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return folder


def members(pack: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(pack) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def har_of(data: bytes) -> dict[str, Any]:
    har: dict[str, Any] = json.loads(data)
    return har


def set_cookie_lines(har: dict[str, Any]) -> dict[str, list[str]]:
    """Request URL -> the Set-Cookie lines of its responses, as the HAR holds them."""
    out: dict[str, list[str]] = {}
    for entry in har["log"]["entries"]:
        lines = [h["value"] for h in entry["response"]["headers"] if h["name"].lower() == "set-cookie"]
        out.setdefault(entry["request"]["url"], []).extend(lines)
    return out


def header_writes(result: dict[str, Any], state: str) -> list[dict[str, Any]]:
    return [w for page in result["states"][state]["pages"] for w in page["cookie_writes"] if w["via"] == "header"]


# -- the pack of a scan --------------------------------------------------------------------------------------
@pytest.mark.browser
def test_scan_evidence_pack_holds_result_hars_screenshots_report_and_declared_source(signed: Path) -> None:
    """Guards what goes into a scan's pack: the files the scan wrote, byte for byte, one HAR per state, the
    screenshots the result cites, the declared list's page as read, a manifest of their hashes and the scan's
    command line, browser and times. Mutations: the save_sources step removed from the pipeline -> no
    declared-source.html; the HAR write removed from the scanner -> no har-*.har; pack_meta's argv left
    empty -> the command check fails."""
    files = members(signed / "audit.zip")
    result = json.loads((signed / "out/audit.json").read_text())
    assert files["audit.json"] == (signed / "out/audit.json").read_bytes()
    assert files["audit.html"] == (signed / "out/audit.html").read_bytes()
    for state in STATES:
        assert f"audit-evidence/har-{state}.har" in files
        shot = result["states"][state]["banner"]["screenshot"]
        assert shot == f"audit-evidence/banner-{state}.png" and files[shot][:8] == b"\x89PNG\r\n\x1a\n"
    declared = files["audit-evidence/declared-source.html"].decode()
    assert "cart_id" in declared and "<table" in declared  # the policy page's cookie table, as the reader had it
    assert {"manifest.json", "manifest.sig"} <= set(files)

    manifest = json.loads(files["manifest.json"])
    listed = {f["name"] for f in manifest["files"]}
    assert listed == set(files) - {"manifest.json", "manifest.sig"}
    assert manifest["command"][:2] == ["cookiescan", "scan"] and "--evidence-pack" in manifest["command"]
    assert manifest["browser"]["product"] == result["browser"]["product"]
    assert manifest["browser"]["user_agent"] == result["browser"]["user_agent"]
    assert manifest["times"]["scan_started"] == result["started_at"]
    assert manifest["times"]["pack_created"].endswith("Z") and manifest["site"] == result["site"]


@pytest.mark.browser
def test_verify_passes_on_a_fresh_pack_and_names_the_changed_file(signed: Path, tmp_path: Path) -> None:
    """Guards verify's verdict and exit code. One byte of the HTML report changed inside the zip: exit 1 and
    exactly that file named. Mutation: verify exiting 0 whatever the outcome -> the tampered pack passes."""
    fresh = run("verify", "audit.zip", cwd=signed)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.splitlines()[0].startswith("all ") and "changed:" not in fresh.stdout

    files = members(signed / "audit.zip")
    html = bytearray(files["audit.html"])
    at = html.index(b"<title>") + len(b"<title>")
    html[at] = ord("X") if html[at] != ord("X") else ord("Y")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, bytes(html) if name == "audit.html" else data)
    proc = run("verify", str(tampered), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    changed = [ln for ln in proc.stdout.splitlines() if ln.startswith(("changed:", "missing:", "extra:"))]
    assert changed == ["changed: 'audit.html' has a different SHA-256 than the manifest says"]
    assert "NOT verified" in proc.stderr


@pytest.mark.browser
def test_signed_pack_verifies_with_its_public_key_and_fails_with_another(signed: Path) -> None:
    """Guards signing from the scan's --sign-key to verify --public-key, and keygen's private key mode.
    Mutation: pack_scan handed no key -> the pack is unsigned and the right key fails too."""
    assert stat.S_IMODE((signed / "keys/cookiescan-signing.pem").stat().st_mode) == 0o600
    right = run("verify", "audit.zip", "--public-key", "keys/cookiescan-signing.pub.pem", cwd=signed)
    assert right.returncode == 0, right.stdout + right.stderr
    assert "signature: valid" in right.stdout
    wrong = run("verify", "audit.zip", "--public-key", "other/other.pub.pem", cwd=signed)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "signature: invalid" in wrong.stdout


# -- the HARs --------------------------------------------------------------------------------------------------
@pytest.mark.browser
def test_hars_load_in_haralyzer_and_hold_the_set_cookie_headers_the_result_cites(signed: Path) -> None:
    """Guards the HAR capture: each state's HAR is HAR 1.2 that haralyzer reads, one page per visit, and every
    cookie the result says a header wrote has its Set-Cookie line in the response of the URL it cites, the
    value redacted (its length kept) and every attribute as the result recorded it. Mutations: raw response
    headers not read (Chromium's first report has no Set-Cookie lines) -> lines missing; the scan's
    show_values forced on -> values in clear."""
    files = members(signed / "audit.zip")
    result = json.loads(files["audit.json"])
    for state in STATES:
        data = files[f"audit-evidence/har-{state}.har"]
        har = har_of(data)
        assert har["log"]["version"] == "1.2"
        parsed = HarParser(har)
        visits = result["states"][state]["pages"]
        revisits = result["states"][state].get("revisits", [])  # accept: the first page again, the clock moved on
        assert len(parsed.pages) == len(visits) + len(revisits)
        assert {p.url for p in parsed.pages} == {v["url"] for v in visits}
        lines = set_cookie_lines(har)
        writes = header_writes(result, state)
        assert {w["name"] for w in writes} >= set(HEADER_COOKIES), state
        for w in writes:
            cited = lines.get(w["set_by"], [])
            wanted = f"{w['name']}=<redacted {w['value_length']} chars>"
            match = [ln for ln in cited if ln.split(";", 1)[0] == wanted]
            assert match, f"{state}: no Set-Cookie for {w['name']} in {w['set_by']}: {cited}"
            assert any(ln.split(";", 1)[1].strip() == w["attributes"] for ln in match), (w["attributes"], match)
        text = data.decode()
        for name, value in HEADER_COOKIES.items():
            assert f"{name}={value};" not in text and f"{name}={value}\"" not in text


@pytest.mark.browser
def test_show_values_keeps_cookie_values_in_the_har(with_values: Path) -> None:
    """Guards --show-values through to the HAR (and --har on its own: HARs without a pack). Mutation: the
    scanner writing the HAR with show_values=False -> values redacted."""
    folder = with_values / "out/shown-evidence"
    assert not list(with_values.glob("*.zip"))
    for state in STATES:
        lines = [ln for cited in set_cookie_lines(har_of((folder / f"har-{state}.har").read_bytes())).values()
                 for ln in cited]
        for name, value in HEADER_COOKIES.items():
            assert any(ln.startswith(f"{name}={value};") for ln in lines), (state, name)


# -- pack from a saved result ------------------------------------------------------------------------------------
@pytest.mark.browser
def test_pack_of_a_saved_result_with_its_evidence(with_values: Path) -> None:
    """Guards ``cookiescan pack``: the saved result, every HAR and screenshot beside it, a report rendered when
    none was written, and a pack that verifies. Mutation: evidence files not collected -> no HAR in the zip."""
    proc = run("pack", "out/shown.json", "-o", "shown.zip", cwd=with_values)
    assert proc.returncode == 0, proc.stderr
    assert "no HTML report beside the result" in proc.stderr and "no HAR recorded" not in proc.stderr
    files = members(with_values / "shown.zip")
    assert {f"shown-evidence/har-{s}.har" for s in STATES} <= set(files)
    assert files["shown.html"].lower().startswith(b"<!doctype html>")
    assert run("verify", "shown.zip", cwd=with_values).returncode == 0


def test_pack_of_a_result_without_evidence_says_what_is_missing(tmp_path: Path) -> None:
    """Guards the 'pack what exists, say what is missing' path on a result saved without --har (no browser).
    Mutation: the NO_HAR note dropped -> the warning is not printed."""
    result = make_result(tmp_path / "shots")
    (tmp_path / "saved.json").write_text(json.dumps(result.to_dict()), encoding="utf-8")
    proc = invoke("pack", str(tmp_path / "saved.json"))
    assert proc.exit_code == 0, proc.output
    assert "Warning: no HAR recorded: scan with --har or --evidence-pack" in proc.stderr
    assert "no evidence folder" in proc.stderr
    files = members(tmp_path / "saved.zip")
    assert set(files) == {"saved.json", "saved.html", "manifest.json"}
    assert invoke("verify", str(tmp_path / "saved.zip")).exit_code == 0


# -- errors, and HAR off unless asked --------------------------------------------------------------------------
def test_evidence_commands_fail_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input ends in one Error line and exit 2: no result file, a public key given to sign, a private key
    given to verify, --sign-key without --evidence-pack (before any browser starts), a pack that would
    overwrite its own result. Mutations: check_pack_target skipped; --sign-key accepted alone."""
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("COOKIESCAN_")]:
        monkeypatch.delenv(key)
    one_error_line(invoke("pack", str(tmp_path / "none.json")), "cannot read")
    assert invoke("keygen", str(tmp_path / "k")).exit_code == 0
    result = make_result(tmp_path / "shots")
    (tmp_path / "r.json").write_text(json.dumps(result.to_dict()), encoding="utf-8")
    one_error_line(invoke("pack", str(tmp_path / "r.json"), "--sign-key", str(tmp_path / "k/cookiescan-signing.pub.pem")),
                   "is a public key")
    one_error_line(invoke("pack", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.json")), "would overwrite")
    assert invoke("pack", str(tmp_path / "r.json")).exit_code == 0
    one_error_line(invoke("verify", str(tmp_path / "r.zip"), "--public-key", str(tmp_path / "k/cookiescan-signing.pem")),
                   "is a private key")
    one_error_line(invoke("verify", str(tmp_path / "nothing.zip")), "does not exist")
    one_error_line(invoke("scan", SHOP, "--sign-key", str(tmp_path / "k/cookiescan-signing.pem")),
                   "--sign-key signs an evidence pack")
    one_error_line(invoke("keygen", str(tmp_path / "k")), "already exists")


def test_har_capture_is_on_only_when_asked() -> None:
    """HAR capture costs time: off by default, on with --har or --evidence-pack, and no HAR collector in a
    recorder not given a HAR sink. Recorded in the config only when on; never part of the config hash."""
    from cookiescan.cli.options import build_config
    from cookiescan.party import PartyResolver

    assert build_config((SHOP,), {}).har is False
    assert build_config((SHOP,), {"har": True}).har is True
    assert build_config((SHOP,), {"evidence_pack": "a.zip"}).har is True
    assert "har" not in ScanConfig(urls=(SHOP,)).public_dict()
    assert ScanConfig(urls=(SHOP,), har=True).public_dict()["har"] is True
    assert ScanConfig(urls=(SHOP,), har=True).hash() == ScanConfig(urls=(SHOP,)).hash()
    resolver = PartyResolver(("shop-fixture.com",))
    off = ContextRecorder(None, resolver)  # type: ignore[arg-type]
    on = ContextRecorder(None, resolver, har=lambda page, exchanges: None)  # type: ignore[arg-type]
    assert "har" not in {c.name for c in off.collectors}
    assert "har" in {c.name for c in on.collectors}


def test_sources_are_kept_under_allowed_names(tmp_path: Path) -> None:
    """--declared FILE / --notice FILE are copied byte for byte as declared-source.<ext> / notice-source.<ext>,
    the extension from an allow-list and never the user's file name; fetched pages as *-source.html.
    Mutation: the extension taken from the file as given -> '.php' survives."""
    declared = tmp_path / "My List.CSV"
    declared.write_bytes(b"name,category\r\nlang,functional\r\n\xef\xbb\xbf")
    notice = tmp_path / "notice.php"
    notice.write_bytes(b"<p>Nous conservons vos donn\xc3\xa9es 13 mois.</p>")
    out = tmp_path / "ev"
    config = ScanConfig(urls=(SHOP,), declared=str(declared), notice=str(notice))
    assert save_sources(out, config, Discovery(policy_html="<p>ignored: --declared wins</p>")) == []
    assert sorted(p.name for p in out.iterdir()) == ["declared-source.csv", "notice-source.txt"]
    assert (out / "declared-source.csv").read_bytes() == declared.read_bytes()
    assert (out / "notice-source.txt").read_bytes() == notice.read_bytes()
    shutil.rmtree(out)
    fetched = ScanConfig(urls=(SHOP,), declared_from=f"{SHOP}cookies", notice=f"{SHOP}mentions")
    found = Discovery(policy_html="<table><tr><td>cart_id</td></tr></table>", notice_html="<p>mentions</p>")
    assert save_sources(out, fetched, found) == []
    assert (out / "declared-source.html").read_text() == found.policy_html
    assert (out / "notice-source.html").read_text() == found.notice_html
