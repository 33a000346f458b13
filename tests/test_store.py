"""The batch store on SQLite and on a real PostgreSQL: migrations, runs, the idempotent claim, leases,
results, queries, and several processes claiming the same jobs at once."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from cookiescan.batch import Claim, Refusal, Store, StoreError
from cookiescan.batch import schema as s
from tests import servers
from tests.servers import PostgresServer, postgres_server, redis_server

BACKENDS = ["sqlite", "postgresql"]
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'batch.db'}"
    server: PostgresServer = request.getfixturevalue("pg")
    return server.create_database(f"store_{next(_names)}")


class Clock:
    """The time the store sees; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[Store]:
    st = Store(db_url, clock=clock)
    st.upgrade()
    yield st
    st.close()


def result_for(url: str, *, high: int = 1, ignored: int = 1) -> dict[str, Any]:
    """A canonical result dict shaped like ScanResult.to_dict(), small."""
    findings = [{"rule": "cookie-before-consent", "severity": "high", "scenario": "before", "subject": f"_ga{i}",
                 "message": "m", "evidence": {}, "ignored": None} for i in range(high)]
    findings += [{"rule": "lifetime-too-long", "severity": "medium", "scenario": "accept", "subject": "x",
                  "message": "m", "evidence": {}, "ignored": "declared by legal"} for _ in range(ignored)]
    findings.append({"rule": "notice-missing", "severity": "low", "scenario": "all", "subject": "banner",
                     "message": "m", "evidence": {}, "ignored": None})
    cookie = {"name": "_ga", "domain": ".example.com", "site": "example.com", "party": "first",
              "category": "analytics", "vendor": "Google Analytics", "requested_lifetime_days": 730.0}
    return {
        "schema_version": "1.0", "tool": {"name": "cookiescan", "version": "9.9.9"},
        "started_at": "2025-01-01T10:00:00Z", "finished_at": "2025-01-01T10:01:00Z",
        "seeds": [url], "site": "example.com", "config_hash": "cfg123",
        "states": {
            "before": {"state": "before", "cookies": [cookie],
                       "pages": [{"url": url}, {"url": url + "about"}]},
            "accept": {"state": "accept", "cookies": [cookie, {**cookie, "name": "sess", "vendor": None,
                                                               "requested_lifetime_days": None}],
                       "pages": [{"url": url}]},
        },
        "findings": findings,
    }


SITES = [("https://a.example.com/", ["client-a"]), ("https://b.example.com/", ["client-a", "eu"]),
         ("https://www.other.org/", ["client-b"])]


def job_ids(store: Store, label: str) -> dict[str, int]:
    return {j.url: j.id for j in store.jobs(label)}


# -- migrations --------------------------------------------------------------------------------------
def test_upgrade_from_empty_to_head_and_schema_matches_migration(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    empty = Store(db_url)
    with pytest.raises(StoreError, match="no cookiescan tables") as err:
        empty.run_progress("x")
    assert err.value.hint == "run `cookiescan db upgrade`"
    assert empty.upgrade() == s.HEAD
    assert empty.upgrade() == s.HEAD  # a second upgrade is a no-op
    empty.close()

    engine = create_engine(Store(db_url).url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= {"sites", "runs", "jobs", "scans", "findings", "cookies",
                                                         "domain_leases", "alembic_version"}
        assert MigrationContext.configure(conn).get_current_heads() == (s.HEAD,)
        # the tables the migration made are the ones schema.py describes (no drift between the two)
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), s.metadata) == []
    engine.dispose()


def test_database_newer_than_code_is_one_clear_error(db_url: str) -> None:
    Store(db_url).upgrade()
    engine = create_engine(Store(db_url).url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this cookiescan knows"):
        Store(db_url).pending_jobs("x")


# -- runs --------------------------------------------------------------------------------------------
def test_open_run_then_resume_adds_only_new_sites_and_skips_finished(store: Store) -> None:
    run = store.open_run("weekly", SITES, {"max_pages": 5})
    assert [j.url for j in store.pending_jobs(run)] == [u for u, _ in SITES]
    assert {j.domain for j in store.jobs(run)} == {"example.com", "other.org"}
    first = store.claim(job_ids(store, "weekly")["https://a.example.com/"], "w1")
    assert isinstance(first, Claim)
    store.finish(first, result_for(first.url))

    again = store.open_run("weekly", [*SITES, ("https://new.example.net/", ["eu"]), ("https://a.example.com/", ["x"])],
                           {"max_pages": 5})
    assert again.id == run.id and again.config_hash == run.config_hash
    assert len(store.jobs(run)) == 4  # one new job; the three known sites were not added twice
    assert [j.url for j in store.pending_jobs(run)] == ["https://b.example.com/", "https://www.other.org/",
                                                        "https://new.example.net/"]
    assert store.run_progress("weekly").counts["done"] == 1
    site = store.site_by_url("https://a.example.com/")
    assert site is not None and site.tags == ("client-a", "x") and site.domain == "example.com"

    with pytest.raises(StoreError, match="other options"):
        store.open_run("weekly", SITES, {"max_pages": 50})
    with pytest.raises(StoreError, match="not a web address"):
        store.open_run("bad", [("ftp://x.example.com/", [])])


# -- the claim ---------------------------------------------------------------------------------------
def test_claim_counts_an_attempt_and_refuses_a_live_lease(store: Store, clock: Clock) -> None:
    store.open_run("r", SITES[:1])
    (job_id,) = job_ids(store, "r").values()
    claim = store.claim(job_id, "w1", lease_seconds=60)
    assert isinstance(claim, Claim) and claim.attempt == 1 and claim.domain == "example.com"
    job = store.job(job_id)
    assert job is not None and job.status == "running" and job.attempts == 1 and job.worker == "w1"
    assert job.lease_until == clock.now + timedelta(seconds=60)

    refused = store.claim(job_id, "w2", lease_seconds=60)
    assert isinstance(refused, Refusal) and not refused and refused.reason == "leased"
    assert refused.retry_at == clock.now + timedelta(seconds=60)
    assert store.pending_jobs("r") == []  # a live lease is not pending work
    assert store.job(job_id).attempts == 1  # type: ignore[union-attr]

    clock.advance(50)
    assert store.heartbeat(claim)  # extends to now + 60
    clock.advance(50)
    assert not store.claim(job_id, "w2", lease_seconds=60)


def test_expired_lease_is_reclaimed_as_a_new_attempt(store: Store, clock: Clock) -> None:
    store.open_run("r", SITES[:1])
    (job_id,) = job_ids(store, "r").values()
    dead = store.claim(job_id, "w1", lease_seconds=60)
    assert dead
    clock.advance(61)
    assert [j.id for j in store.pending_jobs("r")] == [job_id]
    second = store.claim(job_id, "w2", lease_seconds=60)
    assert isinstance(second, Claim) and second.attempt == 2
    assert store.job(job_id).worker == "w2"  # type: ignore[union-attr]

    # the worker that was presumed dead wakes up: it has lost the job and cannot change it
    assert store.heartbeat(dead) is False  # type: ignore[arg-type]
    assert store.fail(dead, "late failure") == "running"  # type: ignore[arg-type]
    assert store.heartbeat(second) is True
    job = store.job(job_id)
    assert job is not None and job.status == "running" and job.worker == "w2" and job.attempts == 2


def test_late_result_of_a_presumed_dead_worker_is_kept_once(store: Store, clock: Clock) -> None:
    store.open_run("r", SITES[:2])
    a, b = job_ids(store, "r").values()
    slow = store.claim(a, "w1", lease_seconds=60)
    clock.advance(61)
    current = store.claim(a, "w2", lease_seconds=60)
    assert isinstance(slow, Claim) and isinstance(current, Claim)
    scan_id = store.finish(slow, result_for(slow.url))  # the slow worker's result arrives after all
    assert store.job(a).status == "done"  # type: ignore[union-attr]
    # w2 still scans example.com until it learns the job is done: the domain stays leased to it
    assert store.claim(b, "w3").reason == "domain-busy"  # type: ignore[union-attr]
    assert store.heartbeat(current) is False
    assert store.finish(current, result_for(current.url, high=4)) == scan_id
    assert store.claim(b, "w3")
    assert [r.high for r in store.latest_scans()] == [1]


def test_max_attempts_ends_failed(store: Store, clock: Clock) -> None:
    store.open_run("r", SITES[:2], max_attempts=2)
    a, b = job_ids(store, "r").values()
    c1 = store.claim(a, "w1")
    assert store.fail(c1, "browser crashed", retry=True, backoff=30) == "queued"  # type: ignore[arg-type]
    backoff = store.claim(a, "w1")
    assert not backoff and backoff.reason == "backoff"  # type: ignore[union-attr]
    clock.advance(31)
    c2 = store.claim(a, "w1", lease_seconds=10)
    assert isinstance(c2, Claim) and c2.attempt == 2
    clock.advance(11)  # the second worker dies too: the next claim finds no attempt left
    gave_up = store.claim(a, "w3")
    assert isinstance(gave_up, Refusal) and gave_up.reason == "gave-up" and gave_up.final
    job = store.job(a)
    assert job is not None and job.status == "failed" and job.attempts == 2
    assert job.error == "gave up after 2 attempts: browser crashed"
    assert store.claim(a, "w3").reason == "finished"  # type: ignore[union-attr]
    # the failed job gave its domain back
    assert store.claim(b, "w4")

    # a retryable failure on the last attempt ends failed at once
    store.open_run("last", [("https://z.example.org/", [])], max_attempts=1)
    (z,) = job_ids(store, "last").values()
    cz = store.claim(z, "w1")
    assert store.fail(cz, "timeout") == "failed"  # type: ignore[arg-type]
    assert store.job(z).error == "gave up after 1 attempts: timeout"  # type: ignore[union-attr]
    assert store.run_progress("last").counts["failed"] == 1


def test_finish_twice_stores_exactly_one_scan(store: Store, db_url: str) -> None:
    store.open_run("r", SITES[:1])
    (job_id,) = job_ids(store, "r").values()
    claim = store.claim(job_id, "w1")
    assert isinstance(claim, Claim)
    result = result_for(claim.url, high=2, ignored=1)
    first = store.finish(claim, result, ["reports/a.html", "reports/a.json"])
    again = store.finish(claim, result_for(claim.url, high=5), ["other.html"])  # a redelivered job
    assert again == first

    engine = create_engine(Store(db_url).url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(s.scans)) == 1
        assert conn.scalar(select(func.count()).select_from(s.findings)) == 4  # 2 high + 1 ignored + 1 low
        assert conn.scalar(select(func.count()).select_from(s.cookies)) == 3
        ignored = conn.execute(select(s.findings.c.ignored).where(s.findings.c.ignored.is_not(None))).scalars().all()
        assert ignored == ["declared by legal"]
        lifetimes = sorted(conn.execute(select(s.cookies.c.state, s.cookies.c.name,
                                               s.cookies.c.requested_lifetime_days)).all(), key=str)
        assert lifetimes == [("accept", "_ga", 730.0), ("accept", "sess", None), ("before", "_ga", 730.0)]
    engine.dispose()

    (row,) = store.latest_scans()
    assert (row.id, row.high, row.medium, row.low, row.findings_total) == (first, 2, 0, 1, 3)
    assert row.pages == 2 and row.tool_version == "9.9.9" and row.config_hash == "cfg123"
    assert row.report_paths == ("reports/a.html", "reports/a.json")
    assert store.scan_result(first) == result  # the gzipped canonical JSON comes back whole
    job = store.job(job_id)
    assert job is not None and job.status == "done" and job.attempts == 1
    assert store.claim(job_id, "w2").reason == "finished"  # type: ignore[union-attr]


def test_unreachable_ends_after_one_attempt(store: Store) -> None:
    store.open_run("r", SITES[:2])
    a, b = job_ids(store, "r").values()
    claim = store.claim(a, "w1")
    assert store.unreachable(claim, "DNS: no such host") == "unreachable"  # type: ignore[arg-type]
    assert store.unreachable(claim, "again") == "unreachable"  # type: ignore[arg-type]
    job = store.job(a)
    assert job is not None and job.status == "unreachable" and job.attempts == 1
    assert job.error == "DNS: no such host" and job.finished_at is not None
    assert store.claim(a, "w2").reason == "finished"  # type: ignore[union-attr]
    assert store.claim(b, "w2")  # same registrable domain: the lease was released
    assert store.run_progress("r").counts == {"queued": 0, "running": 1, "done": 0, "unreachable": 1, "failed": 0}


def test_domain_lease_keeps_one_scan_per_registrable_domain(store: Store, clock: Clock) -> None:
    store.open_run("r", SITES)
    ids = job_ids(store, "r")
    a = store.claim(ids["https://a.example.com/"], "w1", lease_seconds=60)
    assert isinstance(a, Claim)
    busy = store.claim(ids["https://b.example.com/"], "w2", lease_seconds=60)
    assert isinstance(busy, Refusal) and busy.reason == "domain-busy" and not busy.final
    assert busy.retry_at == a.lease_until
    assert store.job(ids["https://b.example.com/"]).attempts == 0  # type: ignore[union-attr]
    assert store.claim(ids["https://www.other.org/"], "w2")  # another domain goes ahead

    clock.advance(30)
    assert store.heartbeat(a)
    clock.advance(40)  # past the first lease, inside the extended one
    assert store.claim(ids["https://b.example.com/"], "w2").reason == "domain-busy"  # type: ignore[union-attr]
    store.finish(a, result_for(a.url))
    b = store.claim(ids["https://b.example.com/"], "w2", lease_seconds=60)
    assert isinstance(b, Claim)

    # a worker that dies holding the domain blocks it only until its lease runs out
    store.open_run("r2", [("https://c.example.com/", [])])
    (c_id,) = job_ids(store, "r2").values()
    assert store.claim(c_id, "w3").reason == "domain-busy"  # type: ignore[union-attr]
    clock.advance(61)
    assert store.claim(c_id, "w3")
    assert store.heartbeat(b) is False  # b's domain now belongs to c: its worker must stop


# -- queries -----------------------------------------------------------------------------------------
def test_latest_and_previous_scans(store: Store, clock: Clock) -> None:
    store.open_run("jan", SITES)
    for job in store.pending_jobs("jan"):
        c = store.claim(job.id, "w")
        store.finish(c, result_for(job.url, high=1))  # type: ignore[arg-type]
    clock.advance(3600)
    cut = clock.now
    store.open_run("feb", SITES[:2])
    for job in store.pending_jobs("feb"):
        c = store.claim(job.id, "w")
        res = result_for(job.url, high=3)
        res["finished_at"] = clock.now.isoformat()
        store.finish(c, res)  # type: ignore[arg-type]

    latest = store.latest_scans()
    assert [(r.url, r.high) for r in latest] == [("https://a.example.com/", 3), ("https://b.example.com/", 3),
                                                 ("https://www.other.org/", 1)]
    assert [r.high for r in store.latest_scans(run="jan")] == [1, 1, 1]
    assert [r.url for r in store.latest_scans(tags=["client-a", "eu"])] == ["https://b.example.com/"]
    assert [r.url for r in store.latest_scans(since=cut)] == ["https://a.example.com/", "https://b.example.com/"]
    newest_a = latest[0]
    before = store.previous_scan(newest_a.site_id, newest_a.id)
    assert before is not None and before.run_id != newest_a.run_id and before.high == 1
    assert store.previous_scan(newest_a.site_id, before.id) is None
    progress = store.run_progress("feb")
    assert progress.finished and progress.total == 2 and progress.attempts == 2 and progress.scans == 2
    with pytest.raises(StoreError, match="no run labelled"):
        store.run_progress("march")
    with pytest.raises(StoreError, match="no scan 999"):
        store.scan_result(999)


def test_bad_database_urls_are_one_line_errors(tmp_path: Path) -> None:
    cases = {
        "mysql://u@h/db": "unsupported database",
        "postgresql:/nohost": "not a database URL",
        f"sqlite:///{tmp_path}/missing/b.db": "does not exist",
    }
    for url, message in cases.items():
        with pytest.raises(StoreError, match=message):
            Store(url)
    dead = Store("postgresql://user:secret@127.0.0.1:1/db")  # nothing listens on port 1
    with pytest.raises(StoreError, match="cannot connect to the database") as err:
        dead.pending_jobs("x")
    assert "secret" not in err.value.message and "\n" not in err.value.message


# -- real concurrency --------------------------------------------------------------------------------
CONCURRENT_SITES = ["https://a.example.com/", "https://b.example.com/", "https://c.example.com/",
                    "https://www.example.org/", "https://shop.example.org/", "https://www.shop.co.uk/",
                    "https://m.shop.co.uk/", "https://one.test/", "https://two.test/"]
WORKERS = 4


def _hammer(url: str, worker: str, barrier: Any, queue: Any) -> None:
    """One worker process: claim whatever is pending, 'scan' a few ms, sometimes fail once, finish twice."""
    store = Store(url)
    rng = random.Random(worker)
    intervals, refusals = [], Counter()
    barrier.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = store.pending_jobs("race")
        if not pending:
            if store.run_progress("race").finished:
                break
            time.sleep(0.005)  # everything left is leased by others: look again shortly
            continue
        for job in rng.sample(pending, len(pending)):
            claim = store.claim(job.id, worker, lease_seconds=120)
            if not isinstance(claim, Claim):
                refusals[claim.reason] += 1
                continue
            start = time.monotonic_ns()
            time.sleep(rng.uniform(0.005, 0.02))  # the scan
            end = time.monotonic_ns()  # taken before the lease is released below
            intervals.append((claim.domain, start, end, claim.job_id))
            if claim.attempt == 1 and rng.random() < 0.3:
                store.fail(claim, "flaky", retry=True, backoff=0)
            else:
                store.finish(claim, result_for(claim.url))
                store.finish(claim, result_for(claim.url))  # delivered twice
    store.close()
    queue.put((worker, intervals, dict(refusals)))


def test_concurrent_workers_scan_each_job_once_and_one_domain_at_a_time(db_url: str) -> None:
    setup = Store(db_url)
    setup.upgrade()
    setup.open_run("race", [(u, []) for u in CONCURRENT_SITES], max_attempts=5)
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(db_url, f"w{i}", barrier, queue)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    reports: list[Any] = []
    deadline = time.monotonic() + 120
    try:
        while len(reports) < WORKERS:
            try:
                reports.append(queue.get(timeout=0.5))
            except Empty:
                crashed = [p.name for p in procs if p.exitcode not in (None, 0)]
                assert not crashed, f"worker process crashed: {crashed}"
                assert time.monotonic() < deadline, "the workers did not finish the run"
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert all(p.exitcode == 0 for p in procs)

    intervals = [iv for _, ivs, _ in reports for iv in ivs]
    refusals = sum((Counter(r) for _, _, r in reports), Counter())
    progress = setup.run_progress("race")
    assert progress.counts["done"] == len(CONCURRENT_SITES) and progress.scans == len(CONCURRENT_SITES)
    assert progress.attempts == len(intervals)  # every successful claim counted exactly one attempt
    assert refusals["domain-busy"] + refusals["leased"] > 0  # the workers really did collide

    engine = create_engine(setup.url)
    with engine.connect() as conn:
        per_job = conn.execute(select(s.scans.c.job_id, func.count()).group_by(s.scans.c.job_id)).all()
    engine.dispose()
    assert sorted(n for _, n in per_job) == [1] * len(CONCURRENT_SITES)

    by_domain: dict[str, list[tuple[int, int, int]]] = {}
    for domain, start, end, job_id in intervals:
        by_domain.setdefault(domain, []).append((start, end, job_id))
    assert set(by_domain) == {"example.com", "example.org", "shop.co.uk", "one.test", "two.test"}
    for domain, spans in by_domain.items():
        spans.sort()
        for (_, prev_end, prev_job), (start, _, job) in itertools.pairwise(spans):
            assert start >= prev_end, f"{domain}: job {job} started while job {prev_job} was still running"
    setup.close()


# -- the test servers themselves -------------------------------------------------------------------
def test_redis_server_answers_and_stops_only_its_own_process() -> None:
    with redis_server() as server:
        with socket.create_connection((server.host, server.port), timeout=5) as conn:
            conn.sendall(b"PING\r\n")
            assert conn.recv(16).startswith(b"+PONG")
        pid = server.pid
        os.kill(pid, 0)  # running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_missing_server_binaries_fail_naming_the_apt_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers, "postgres_bindir", lambda: None)
    monkeypatch.setattr(servers, "redis_executable", lambda: None)
    for start, package in ((postgres_server, "postgresql"), (redis_server, "redis-server")):
        with pytest.raises(BaseException) as stopped, start():
            pass
        assert stopped.type is pytest.fail.Exception  # a failure, never a skip: CI must install the server
        assert f"apt-get install {package}" in str(stopped.value)
