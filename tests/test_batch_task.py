"""The batch pieces that need no browser: the store's release and per-domain delay, the run settings round
trip, the sites file, the --fail-on-new gate over stored scans, the memory watchdog and tree kill."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from cookiescan.batch import Claim, Refusal, Store
from cookiescan.batch.gate import new_findings
from cookiescan.batch.settings import Limits, RunSettings, parse_size, report_stem
from cookiescan.batch.watchdog import Watchdog, descendants, kill_tree
from cookiescan.cli.batch import SitesFileError, read_sites
from cookiescan.config import ConsentSelectors, ScanConfig
from cookiescan.models import Ignore
from tests.factories import make_result
from tests.test_store import Clock, result_for


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'b.db'}", clock=clock)
    st.upgrade()
    yield st
    st.close()


def _claim(store: Store, label: str, url: str, worker: str = "w1") -> Claim:
    job = next(j for j in store.jobs(label) if j.url == url)
    claim = store.claim(job.id, worker, lease_seconds=60)
    assert isinstance(claim, Claim), claim
    return claim


# -- store additions -------------------------------------------------------------------------------
def test_release_gives_the_job_back_without_counting_the_attempt(store: Store) -> None:
    store.open_run("r", ["https://a.example.com/"])
    claim = _claim(store, "r", "https://a.example.com/")
    assert store.release(claim) == "queued"
    job = store.job(claim.job_id)
    assert job is not None and (job.status, job.attempts, job.worker, job.next_attempt_at) == ("queued", 0, None, None)
    again = _claim(store, "r", "https://a.example.com/", worker="w2")
    assert again.attempt == 1  # the interrupted attempt did not count
    assert store.release(claim) == "running"  # a stale claim changes nothing
    assert store.heartbeat(again)


def test_per_domain_delay_keeps_the_domain_after_a_scan(store: Store, clock: Clock) -> None:
    store.open_run("r", ["https://a.example.com/", "https://b.example.com/", "https://c.example.com/"])
    first = _claim(store, "r", "https://a.example.com/")
    store.finish(first, result_for(first.url), domain_delay=30)
    job_b = next(j for j in store.jobs("r") if j.url == "https://b.example.com/")
    refused = store.claim(job_b.id, "w2")
    assert isinstance(refused, Refusal) and refused.reason == "domain-busy"
    assert refused.retry_at == clock.now + timedelta(seconds=30)
    clock.advance(31)
    second = _claim(store, "r", "https://b.example.com/", worker="w2")
    store.fail(second, "boom", retry=False)  # no delay asked: the domain is free at once
    third = _claim(store, "r", "https://c.example.com/", worker="w3")
    assert third.attempt == 1


# -- settings --------------------------------------------------------------------------------------
def test_run_settings_survive_the_database_as_json(tmp_path: Path) -> None:
    config = ScanConfig(states=("before", "reject"), include=("/shop",), max_pages=7, browser_args=("--x=1",),
                        consent=ConsentSelectors(accept="#ok"), scan_budget=5,
                        ignores=(Ignore("cookie-*", "_ga", "contract", date(2030, 1, 2)),))
    settings = RunSettings(config=replace(config, urls=("https://x.example.com/",)), site_timeout=90,
                           reports_dir=str(tmp_path))
    back = RunSettings.from_options(json.loads(json.dumps(settings.to_options())))
    assert back.config == config  # urls dropped: each job brings its own
    assert "concurrency" not in settings.to_options()["config"]  # the default: each worker's own cores
    assert RunSettings.from_options(RunSettings(replace(config, concurrency=3)).to_options()).config.concurrency == 3
    site = back.site_config("https://a.example.com/")
    assert site.urls == ("https://a.example.com/",) and site.scan_budget == 90 and site.ignores == config.ignores
    stem = report_stem(back, "Weekly 2026/W03", "../../etc", 7)
    assert stem == tmp_path / "weekly-2026-w03" / "etc-7"  # nothing unsanitised reaches the path


def test_limits_and_sizes() -> None:
    limits = Limits(retry_delay=10, kill_grace=20)
    assert [limits.backoff(a) for a in (1, 2, 3)] == [10, 20, 40]
    assert Limits(retry_delay=3000).backoff(5) == 3600  # at most an hour
    assert (limits.soft_limit(100), limits.hard_limit(100)) == (110, 120)
    assert Limits.from_dict({**limits.to_dict(), "unknown": 1}) == limits
    assert parse_size("2GB") == 2 * 1024**3 and parse_size("1500MiB") == 1500 * 1024**2
    with pytest.raises(ValueError):
        parse_size("lots")


# -- the sites file --------------------------------------------------------------------------------
def test_sites_file_text_or_csv_with_tags(tmp_path: Path) -> None:
    txt = tmp_path / "sites.txt"
    txt.write_text("# weekly\nhttps://a.example.com/\n\nb.example.org\n", encoding="utf-8")
    assert read_sites(txt) == [("https://a.example.com/", []), ("https://b.example.org", [])]
    csv = tmp_path / "sites.csv"
    csv.write_text("url,tags\nhttps://a.example.com/,client-a;eu\nhttps://c.example.net/,x y,z\n", encoding="utf-8")
    assert read_sites(csv) == [("https://a.example.com/", ["client-a", "eu"]), ("https://c.example.net/", ["x", "y", "z"])]
    bad = tmp_path / "bad.txt"
    bad.write_text("https://ok.example.com/\nftp://nope\n", encoding="utf-8")
    with pytest.raises(SitesFileError, match="line 2"):
        read_sites(bad)
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(SitesFileError, match="lists no site"):
        read_sites(tmp_path / "empty.txt")


# -- the gate --------------------------------------------------------------------------------------
def _result(findings: list[tuple[str, str]]) -> dict[str, object]:
    from cookiescan.models import Finding

    return replace(make_result(), findings=tuple(Finding(rule=r, severity=sev, scenario="before", subject="_ga",
                                                        message="m") for r, sev in findings)).to_dict()


def test_fail_on_new_compares_each_site_with_its_previous_scan(store: Store) -> None:
    sites = ["https://a.example.com/", "https://b.example.org/", "https://c.example.net/"]
    store.open_run("week-1", sites)
    for url, findings in zip(sites, ([("cookie-before-consent", "high")], [], [("lifetime-too-long", "medium")]),
                             strict=True):
        store.finish(_claim(store, "week-1", url), _result(findings))
    first = {h.scan.url: h.new for h in new_findings(store, store.get_run("week-1"), "high")}  # type: ignore[arg-type]
    assert first == {"https://a.example.com/": 1}  # a first scan: every finding is new
    assert new_findings(store, store.get_run("week-1"), "never") == []  # type: ignore[arg-type]

    store.open_run("week-2", sites)
    week2 = {"https://a.example.com/": [("cookie-before-consent", "high")],  # unchanged: not new
             "https://b.example.org/": [("cookie-before-consent", "high")],  # new
             "https://c.example.net/": [("lifetime-too-long", "high")]}  # escalated
    for url, findings in week2.items():
        store.finish(_claim(store, "week-2", url), _result(findings))
    hits = new_findings(store, store.get_run("week-2"), "high")  # type: ignore[arg-type]
    assert {h.scan.url: h.new for h in hits} == {"https://b.example.org/": 1, "https://c.example.net/": 1}
    assert all(h.baseline is not None and h.baseline.run_id != h.scan.run_id for h in hits)


# -- the watchdog ----------------------------------------------------------------------------------
HOG = """
import subprocess, sys, time
if sys.argv[1] in ("parent", "browser"):  # a worker starts a browser in its own session; the browser a renderer
    nxt = subprocess.Popen([sys.executable, __file__, "browser" if sys.argv[1] == "parent" else "renderer"],
                           start_new_session=sys.argv[1] == "parent", stdout=subprocess.PIPE, text=True)
    print(nxt.stdout.readline().strip() if sys.argv[1] == "parent" else nxt.pid, flush=True)
    time.sleep(120)
else:
    hog = bytearray(300 * 1024 * 1024)
    for i in range(0, len(hog), 4096):
        hog[i] = 1
    time.sleep(120)
"""


def test_watchdog_sees_a_tree_over_its_limit_and_kill_tree_ends_it(tmp_path: Path) -> None:
    script = tmp_path / "hog.py"
    script.write_text(HOG)
    parent = subprocess.Popen([sys.executable, str(script), "parent"], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        fired: list[int] = []
        with Watchdog(parent.pid, 200 * 1024**2, fired.append, interval=0.2):
            deadline = time.monotonic() + 60
            while not fired and time.monotonic() < deadline:
                time.sleep(0.2)
        assert fired and fired[0] > 200 * 1024**2  # the "renderer", a grandchild, is counted
        assert child in descendants(parent.pid)
        kill_tree(parent.pid)
        parent.wait(timeout=10)
        assert parent.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child)  # the grandchild, in another session, died too
    finally:
        if parent.poll() is None:
            kill_tree(parent.pid)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_outcome_json_round_trip() -> None:
    from cookiescan.batch.task import SiteOutcome

    out = SiteOutcome(3, "refused", "busy", reason="domain-busy", final=False,
                      retry_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), url="https://a.example.com/")
    assert SiteOutcome.from_json(out.to_json()) == out
