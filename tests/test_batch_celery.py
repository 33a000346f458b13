"""``cookiescan batch --engine celery`` with two real ``cookiescan worker`` processes on a real Redis, storing
into a real PostgreSQL (all on 127.0.0.1, started and stopped here), scanning the fixture web in Chromium:

- a whole worker (its process group and its browser) is SIGKILLed in the middle of a site: Redis delivers the
  message again after the visibility timeout, and the site is scanned once, on its second attempt;
- a poison site kills the pool process that scans it on every attempt: the message comes back at once
  (reject on worker lost), the site ends ``failed`` after K+1 attempts while the others finish, and the
  worker ends the browser each killed pool process left behind;
- an unreachable site ends after one attempt; two sites of one registrable domain never overlap.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cookiescan.batch.watchdog import descendants, kill_tree
from tests import batch_support as bs
from tests.servers import PostgresServer, RedisServer, postgres_server, redis_server

SITE_TIMEOUT = 60
KILL_GRACE = 20
VISIBILITY = 90  # above the hard limit (site timeout + kill grace): a whole dead worker's site comes back after it
RUN_TIMEOUT = 900


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


class Workers:
    """``cookiescan worker`` processes, each in a session of its own (its process group is the worker)."""

    def __init__(self, broker: str, db: str, logs: Path) -> None:
        self.broker, self.db, self.logs = broker, db, logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "cookiescan", "worker", "--broker", self.broker, "--db", self.db,
                                 "--concurrency", "1", "--visibility-timeout", str(VISIBILITY)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        with self._lock:
            self.procs.append(proc)
        return proc

    def owner(self, pid: int) -> subprocess.Popen[bytes]:
        """The worker whose process tree holds ``pid`` (a pool process)."""
        for proc in self.procs:
            if proc.poll() is None and (pid == proc.pid or pid in descendants(proc.pid)):
                return proc
        raise AssertionError(f"no worker runs pid {pid}")

    def kill_whole(self, pid: int) -> None:
        """SIGKILL the worker that runs ``pid``: its process group and its browser; start a replacement."""
        proc = self.owner(pid)
        tree = descendants(proc.pid)  # read before the group dies: the browser is in a session of its own
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for child in tree:
            kill_tree(child)
        proc.wait(timeout=30)
        self.start()

    def kill_pool_process(self, pid: int) -> None:
        """SIGKILL the pool process that runs the task (as the OOM killer would); the worker lives on, and must
        end the browser the dead process leaves behind."""
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                kill_tree(proc.pid)
                proc.wait(timeout=30)


def test_two_workers_survive_a_killed_worker_and_a_poison_site(tmp_path: Path, pg: PostgresServer,
                                                               redis: RedisServer) -> None:
    db = pg.create_database("batch_celery")
    label = "celery-kills"
    upgrade = subprocess.run([sys.executable, "-m", "cookiescan", "db", "upgrade", "--db", db], capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0 and "schema revision" in upgrade.stderr, upgrade.stderr
    workers = Workers(redis.url, db, tmp_path)

    def kill(pid: int) -> None:  # the tripwire names the pool process that scans the trapped site
        host = trip.kills[-1][0]
        (workers.kill_whole if host == bs.VICTIM else workers.kill_pool_process)(pid)

    hosts = [*bs.TWINS, bs.VICTIM, bs.plain(1), bs.POISON, bs.NOWHERE]
    trip = bs.Tripwire(db, label, kill, {bs.VICTIM: "once", bs.POISON: "always"})
    try:
        with bs.fixture_web(hosts, on_hit=trip.on_hit) as web:
            workers.start()
            workers.start()
            sites = bs.write_sites(tmp_path / "sites.csv", hosts)
            batch = bs.cookiescan("batch", str(sites), "--engine", "celery", "--broker", redis.url, "--db", db,
                                  "--label", label, "--retries", "2", "--visibility-timeout", str(VISIBILITY),
                                  "--reports-dir", str(tmp_path / "reports"),
                                  *bs.scan_args(web, site_timeout=SITE_TIMEOUT, kill_grace=KILL_GRACE))
            try:
                _, err = batch.communicate(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                batch.kill()
                _, err = batch.communicate()
                logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in tmp_path.glob("worker-*.log"))
                raise AssertionError(f"the batch did not finish: {err}\n{logs}") from None
            audits = {h: sum(1 for host, _, path in web.log if host == h and path == "/robots.txt") for h in hosts}
            try:  # the browsers of the killed pool processes were adopted and ended by their worker
                bs.wait_for(lambda: not bs.browsers_of(web.spki), 30, "no browser left behind")
            except AssertionError:
                leftovers = bs.browsers_of(web.spki)
                for pid in leftovers:
                    kill_tree(pid)
                raise AssertionError(f"browsers left behind: {leftovers}") from None
    finally:
        workers.stop()
        trip.close()
    assert batch.returncode == 3, err
    out = bs.Outcome.read(db, label)
    status = {u: j.status for u, j in out.jobs.items()}
    attempts = {u: j.attempts for u, j in out.jobs.items()}
    assert status == {bs.url(h): s for h, s in [(bs.TWINS[0], "done"), (bs.TWINS[1], "done"), (bs.VICTIM, "done"),
                                                (bs.plain(1), "done"), (bs.POISON, "failed"),
                                                (bs.NOWHERE, "unreachable")]}, err
    assert out.rows_per_job == {u: int(s == "done") for u, s in status.items()}  # one scan per finished site
    assert attempts == {**{bs.url(h): 1 for h in hosts}, bs.url(bs.VICTIM): 2, bs.url(bs.POISON): 3}
    assert sorted(trip.kills) == [(bs.POISON, 1), (bs.POISON, 2), (bs.POISON, 3), (bs.VICTIM, 1)]
    assert "gave up after 3 attempts: attempt 3 ended without a word from its worker" in \
        (out.jobs[bs.url(bs.POISON)].error or "")
    # every site that was not killed was audited exactly once, redeliveries and retries included
    assert {h: audits[h] for h in (*bs.TWINS, bs.plain(1))} == {h: 1 for h in (*bs.TWINS, bs.plain(1))}
    (a0, a1), (b0, b1) = out.interval(bs.TWINS[0]), out.interval(bs.TWINS[1])
    assert a1 <= b0 or b1 <= a0, (a0, a1, b0, b1)
    assert "Queued 6 sites" in err
