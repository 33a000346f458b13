"""``cookiescan batch`` on the local engine, against the fixture web in a real Chromium, on SQLite: a worker
killed in the middle of a site, a poison site, an unreachable site, two sites of one registrable domain,
and Ctrl-C followed by the same label again."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from cookiescan.batch import Store, StoreError
from tests import batch_support as bs

WORKERS = "2"
RUN_TIMEOUT = 900  # a loaded machine; the run normally takes a minute or two


def _kill_group(pid: int) -> None:
    """What an OOM kill or a crash does to a local worker: its process group dies at once (its Chromium,
    in a session of its own, is left for the supervisor to clean up)."""
    os.killpg(pid, signal.SIGKILL)


def _leftovers(spki: str) -> list[int]:
    """Browsers of this fixture web still alive a few seconds after the batch ended (a SIGKILLed process may
    take a moment to be gone on a loaded machine)."""
    with contextlib.suppress(AssertionError):
        bs.wait_for(lambda: not bs.browsers_of(spki), 10, "no browser left behind", every=0.2)
    return bs.browsers_of(spki)


def test_killed_workers_poison_unreachable_and_politeness(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'batch.db'}"
    label = "local-kills"
    hosts = [*bs.TWINS, bs.VICTIM, bs.plain(1), bs.POISON, bs.NOWHERE]
    trip = bs.Tripwire(db, label, _kill_group, {bs.VICTIM: "once", bs.POISON: "always"})
    with bs.fixture_web(hosts, on_hit=trip.on_hit) as web:
        sites = bs.write_sites(tmp_path / "sites.csv", hosts)
        proc = bs.cookiescan("batch", str(sites), "--db", db, "--label", label, "--workers", WORKERS,
                             "--retries", "2", "--reports-dir", str(tmp_path / "reports"), *bs.scan_args(web))
        _, err = proc.communicate(timeout=RUN_TIMEOUT)
        audits = {h: sum(1 for host, _, path in web.log if host == h and path == "/robots.txt") for h in hosts}
        leftovers = _leftovers(web.spki)
    trip.close()
    assert proc.returncode == 3, err  # the poison site failed; nothing else did
    out = bs.Outcome.read(db, label)
    status = {u: j.status for u, j in out.jobs.items()}
    attempts = {u: j.attempts for u, j in out.jobs.items()}
    assert status == {bs.url(h): s for h, s in [(bs.TWINS[0], "done"), (bs.TWINS[1], "done"), (bs.VICTIM, "done"),
                                                (bs.plain(1), "done"), (bs.POISON, "failed"),
                                                (bs.NOWHERE, "unreachable")]}, err
    # exactly one scan per finished site, the killed site on its second attempt, the poison after K+1
    assert out.rows_per_job == {u: int(s == "done") for u, s in status.items()}
    assert attempts == {**{bs.url(h): 1 for h in hosts}, bs.url(bs.VICTIM): 2, bs.url(bs.POISON): 3}
    assert sorted(trip.kills) == [(bs.POISON, 1), (bs.POISON, 2), (bs.POISON, 3), (bs.VICTIM, 1)]
    poison = out.jobs[bs.url(bs.POISON)]
    assert poison.error is not None and "gave up after 3 attempts" in poison.error and "SIGKILL" in poison.error
    # every site that was not killed was audited exactly once (robots.txt is read once per audit)
    assert {h: audits[h] for h in (*bs.TWINS, bs.plain(1))} == {h: 1 for h in (*bs.TWINS, bs.plain(1))}
    # politeness: the two sites of twin-fixture.com were never scanned at the same time
    (a0, a1), (b0, b1) = out.interval(bs.TWINS[0]), out.interval(bs.TWINS[1])
    assert a1 <= b0 or b1 <= a0, (a0, a1, b0, b1)
    # reports named from the registrable domain under the label's folder, recorded with the scan
    for host in (bs.TWINS[0], bs.VICTIM):
        paths = out.scans[bs.url(host)].report_paths
        assert [Path(p).suffix for p in paths] == [".json", ".html"] and all(Path(p).is_file() for p in paths)
        assert Path(paths[0]).parent == tmp_path / "reports" / label
    assert Path(out.scans[bs.url(bs.TWINS[0])].report_paths[0]).name.startswith("twin-fixture.com-")
    # the killed workers' browsers did not outlive them
    assert leftovers == []
    assert "failed      https://poison-fixture.com/" in err and "ETA" in err


def test_ctrl_c_then_the_same_label_finishes_only_what_was_left(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'batch.db'}"
    label = "local-resume"
    hosts = [bs.plain(n) for n in range(1, 5)]
    with bs.fixture_web(hosts) as web:
        sites = bs.write_sites(tmp_path / "sites.txt", hosts)
        portfolio = tmp_path / "portfolio.html"
        args = ["batch", str(sites), "--db", db, "--label", label, "--workers", "1", "--fail-on-new", "high",
                "-o", str(portfolio), "--reports-dir", str(tmp_path / "reports"), *bs.scan_args(web)]
        first = bs.cookiescan(*args)

        def one_done_one_running() -> bool:
            if first.poll() is not None:
                raise AssertionError(f"the batch ended before it could be interrupted: {first.stderr.read()}")
            if not (tmp_path / "batch.db").exists():
                return False
            try:
                with Store(db) as store:
                    counts = store.run_progress(label).counts if store.get_run(label) else {}
            except StoreError:  # the batch has not created its tables yet
                return False
            return counts.get("done", 0) >= 1 and counts.get("running", 0) == 1

        bs.wait_for(one_done_one_running, RUN_TIMEOUT, "a site done and the next one running")
        first.send_signal(signal.SIGINT)
        _, err1 = first.communicate(timeout=120)
        assert first.returncode == 130, err1
        mid = bs.Outcome.read(db, label)
        done_before = {u: s.id for u, s in mid.scans.items()}
        assert 1 <= len(done_before) < len(hosts)
        assert {j.status for u, j in mid.jobs.items() if u not in done_before} == {"queued"}  # given back
        assert all(j.attempts == 0 for u, j in mid.jobs.items() if u not in done_before)  # not counted
        audits_before = {h: sum(1 for host, _, p in web.log if host == h and p == "/robots.txt") for h in hosts}

        assert not portfolio.exists()  # an interrupted run writes no portfolio
        second = bs.cookiescan(*args)
        _, err2 = second.communicate(timeout=RUN_TIMEOUT)
        # every site's first scan: its findings are all new (the pixel's cookie before consent is high)
        assert second.returncode == 1, err2
        audits = {h: sum(1 for host, _, p in web.log if host == h and p == "/robots.txt") for h in hosts}
    end = bs.Outcome.read(db, label)
    assert {j.status for j in end.jobs.values()} == {"done"}
    assert all(n == 1 for n in end.rows_per_job.values())
    assert {u: end.scans[u].id for u in done_before} == done_before  # the finished sites were not scanned again
    for host in hosts:
        if bs.url(host) in done_before:
            assert audits[host] == audits_before[host] == 1
        else:
            assert audits[host] - audits_before[host] == 1  # scanned once, by the second run
            assert end.jobs[bs.url(host)].attempts == 1
    assert f"{len(done_before)} already finished" in err2
    assert f"{len(hosts)} with new findings at or above high" in err2
    page = portfolio.read_text(encoding="utf-8")
    assert all(bs.url(h) in page for h in hosts)  # the portfolio of the whole run, resumed part included



def test_memory_watchdog_and_site_time_limit_end_an_attempt(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'batch.db'}"
    with bs.fixture_web([bs.plain(1), bs.SLOW]) as web:
        common = ["--db", db, "--workers", "1", "--retries", "0", "--reports-dir", str(tmp_path / "reports")]
        # a site that takes long (a page that never answers): the watchdog needs two samples a second apart over the
        # limit, and a fast scan of a small site can end before the second
        hungry = bs.cookiescan("batch", str(bs.write_sites(tmp_path / "a.txt", [bs.SLOW])), "--label", "memory",
                               "--max-browser-memory", "40MB", "--page-timeout", "120", *common, *bs.scan_args(web))
        _, err = hungry.communicate(timeout=RUN_TIMEOUT)
        assert hungry.returncode == 3, err
        slow = bs.cookiescan("batch", str(bs.write_sites(tmp_path / "b.txt", [bs.SLOW])), "--label", "slow",
                             "--page-timeout", "120", *common, *bs.scan_args(web, site_timeout=10, kill_grace=8))
        _, err2 = slow.communicate(timeout=RUN_TIMEOUT)
        assert slow.returncode == 3, err2
        leftovers = _leftovers(web.spki)
    memory = bs.Outcome.read(db, "memory").jobs[bs.url(bs.SLOW)]
    assert memory.status == "failed" and memory.attempts == 1
    assert "over --max-browser-memory 0.04 GB" in (memory.error or ""), memory.error
    timed_out = bs.Outcome.read(db, "slow").jobs[bs.url(bs.SLOW)]
    assert timed_out.status == "failed" and "still running 14 s after it started" in (timed_out.error or "")
    assert leftovers == []
