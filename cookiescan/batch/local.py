"""The local engine: a small supervisor that runs each job in a spawned process of its own, N at a time.

Not a ``ProcessPoolExecutor``: one killed child breaks the whole pool. Here a child that dies (a signal,
the kernel's OOM killer, our own time limit) is one failed attempt of one site: its claim already counted
the attempt, the supervisor records the failure (requeued with backoff while attempts are left) and goes
on. Every child runs in its own session, so Ctrl-C at the terminal reaches only the supervisor: it asks each
child to stop (SIGTERM: the child gives its job back uncounted), then kills what does not stop, and leaves
every unfinished job claimable by the next run of the label.

A child that dies leaves its Chromium behind (Chromium runs in a session of its own, so no process-group
kill reaches it). On Linux the supervisor is a child subreaper: such orphans become its children, and it
kills them as soon as they appear.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import IO

from cookiescan.batch.child import DB_ENV, LIMITS_ENV
from cookiescan.batch.records import Claim, Job, Run, StoreError
from cookiescan.batch.settings import Limits, RunSettings
from cookiescan.batch.store import Store
from cookiescan.batch.task import RELEASED, SiteOutcome, worker_name
from cookiescan.batch.watchdog import become_subreaper, kill_tree, reap_orphans

POLL_SECONDS = 0.25
PENDING_REFRESH = 1.0  # re-read the queue at most this often (and whenever a child ends)
ORPHAN_SWEEP = 2.0  # how often orphaned browsers are looked for (and whenever a child ends)
STOP_GRACE = 30.0  # after Ctrl-C: how long children get to give their jobs back
MAX_SILENT_DEATHS = 3  # children dying before they claim anything: something is broken, stop
BROWSER_BYTES = 1.5 * 1024**3  # one site's browser at its peak (measured: ~1.5 GB)


def default_workers() -> int:
    """Parallel sites: one per core, as many as memory allows at ~1.5 GB per browser, at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    available = _available_memory()
    by_memory = int(available // BROWSER_BYTES) if available else cores
    return max(1, min(cores, by_memory))


def _available_memory() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


@dataclass
class _Child:
    job: Job
    proc: subprocess.Popen[bytes]
    worker: str
    deadline: float
    out: IO[bytes]
    err: IO[bytes]
    killed: str | None = None  # why we killed it
    stopping_since: float | None = None


class LocalEngine:
    """Runs the pending jobs of ``run`` with ``workers`` child processes until every job is final, or until
    stopped (SIGINT/SIGTERM: :meth:`run` then returns False). ``tick`` is called every poll (progress)."""

    def __init__(self, store: Store, run: Run, limits: Limits, *, workers: int, db_url: str,
                 tick: Callable[[], None] = lambda: None, debug: bool = False) -> None:
        self.store = store
        self.run_ = run
        self.limits = limits
        self.workers = max(1, workers)
        self.settings = RunSettings.from_options(run.options)
        self.db_url = db_url
        self.tick = tick
        self.debug = debug
        self.children: dict[int, _Child] = {}
        self.not_before: dict[int, float] = {}  # job id -> monotonic time a refused job may be tried again
        self.domain_free: dict[str, float] = {}  # domain -> monotonic time our last scan's delay ends
        self.stopping = 0  # 1: asked to stop, 2: asked twice (kill now)
        self.silent_deaths = 0
        self._pending: list[Job] = []
        self._pending_at = 0.0
        self._swept_at = 0.0

    # -- the loop ----------------------------------------------------------------------------------
    def run(self) -> bool:
        """Supervise until every job of the run is final (True) or until stopped (False)."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        reaper = become_subreaper(True)
        try:
            while True:
                self._reap()
                self._enforce_deadlines()
                if reaper:
                    self._sweep_orphans()
                if self.stopping:
                    self._stop_children()
                    if not self.children:
                        return False
                else:
                    self._fill()
                    if not self.children and self.store.run_progress(self.run_).finished:
                        return True
                self.tick()
                time.sleep(POLL_SECONDS)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for child in list(self.children.values()):  # an error in the loop: leave no child behind
                self._kill(child, "the supervisor stopped")
                self._ended(child)
            if reaper:
                self._sweep_orphans(force=True)
                become_subreaper(False)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping += 1

    # -- starting children -------------------------------------------------------------------------
    def _fill(self) -> None:
        if len(self.children) >= self.workers:
            return
        now = time.monotonic()
        if now - self._pending_at >= PENDING_REFRESH:
            self._pending = self.store.pending_jobs(self.run_)
            self._pending_at = now
        utc = datetime.now(timezone.utc)
        busy = {c.job.domain for c in self.children.values()}
        for job in self._pending:
            if len(self.children) >= self.workers:
                break
            if job.id in self.children or self.not_before.get(job.id, 0.0) > now:
                continue
            if job.next_attempt_at is not None and job.status == "queued" and job.next_attempt_at > utc:
                continue
            if job.domain in busy or self.domain_free.get(job.domain, 0.0) > now:
                continue  # politeness: the store would refuse it anyway; do not spend a process on that
            self._spawn(job)
            busy.add(job.domain)

    def _spawn(self, job: Job) -> None:
        env = {**os.environ, DB_ENV: self.db_url, LIMITS_ENV: json.dumps(self.limits.to_dict())}
        if self.debug:
            env["COOKIESCAN_DEBUG"] = "1"
        # files, not pipes: a child never blocks on a full pipe; they live as long as the child (closed in _ended)
        out = tempfile.TemporaryFile()  # noqa: SIM115
        err = tempfile.TemporaryFile()  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "cookiescan.batch.child", str(job.id)], env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        deadline = time.monotonic() + self.limits.hard_limit(self.settings.site_timeout)
        self.children[job.id] = _Child(job=job, proc=proc, worker=worker_name(proc.pid), deadline=deadline,
                                       out=out, err=err)

    # -- watching them -----------------------------------------------------------------------------
    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.killed is None and now > child.deadline:
                self._kill(child, f"killed after {self.limits.hard_limit(self.settings.site_timeout):.0f} s: "
                                  f"over the site time limit (site budget + kill grace)")

    def _kill(self, child: _Child, why: str) -> None:
        if child.killed is None:
            child.killed = why
        if child.proc.poll() is None:
            kill_tree(child.proc.pid)

    def _sweep_orphans(self, force: bool = False) -> None:
        """Kill the processes re-parented to us (the browsers of children that died) and reap them."""
        now = time.monotonic()
        if not force and now - self._swept_at < ORPHAN_SWEEP:
            return
        self._swept_at = now
        ours = {c.proc.pid for c in self.children.values()}
        reap_orphans(lambda pid: pid in ours)

    def _stop_children(self) -> None:
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.stopping_since is None:
                child.stopping_since = now
                with contextlib.suppress(ProcessLookupError):
                    child.proc.send_signal(signal.SIGTERM)  # the child gives its job back
            elif self.stopping > 1 or now - child.stopping_since > STOP_GRACE:
                self._kill(child, "interrupted")

    # -- children that ended -----------------------------------------------------------------------
    def _reap(self) -> None:
        for child in list(self.children.values()):
            if child.proc.poll() is not None:
                self._ended(child)

    def _ended(self, child: _Child) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.proc.wait(timeout=5)
        self.children.pop(child.job.id, None)
        self._pending_at = 0.0  # the queue changed: re-read it
        self._swept_at = 0.0  # its browser may be an orphan now
        outcome = _outcome(child.out)
        stderr = _tail(child.err)
        child.out.close()
        child.err.close()
        now = time.monotonic()
        if outcome is not None:
            self.silent_deaths = 0
            if outcome.status == "refused" and not outcome.final:
                wait = (outcome.retry_at - datetime.now(timezone.utc)).total_seconds() if outcome.retry_at else 2.0
                self.not_before[child.job.id] = now + min(max(wait, 1.0), self.limits.lease_seconds)
            elif outcome.status not in ("refused", RELEASED, "lost"):
                self.domain_free[child.job.domain] = now + self.limits.per_domain_delay
            return
        self._died(child, stderr)

    def _died(self, child: _Child, stderr: str) -> None:
        """The child ended without reporting: end its attempt in the store on its behalf."""
        job = self.store.job(child.job.id)
        if job is None or job.status != "running" or job.worker != child.worker:
            if child.killed is None and (job is None or job.status not in ("done", "unreachable", "failed")):
                # it died before claiming: a broken installation or database, not the site
                self.silent_deaths += 1
                if self.silent_deaths >= MAX_SILENT_DEATHS:
                    raise StoreError(f"batch worker processes exit before they start: {stderr or 'no output'}",
                                     hint="re-run with --debug")
            return
        self.silent_deaths = 0
        claim = _claim_of(job, self.limits.lease_seconds)
        if self.stopping and child.killed in (None, "interrupted"):
            self.store.release(claim, "interrupted")
            return
        reason = child.killed or _death(child.proc.returncode, stderr)
        self.store.fail(claim, reason, retry=True, backoff=self.limits.backoff(job.attempts),
                        domain_delay=self.limits.per_domain_delay)
        self.domain_free[job.domain] = time.monotonic() + self.limits.per_domain_delay



def _claim_of(job: Job, lease_seconds: float) -> Claim:
    """The claim a child held on ``job`` (its row says who and which attempt), to end it in its stead."""
    assert job.worker is not None
    return Claim(job_id=job.id, run_id=job.run_id, site_id=job.site_id, url=job.url, domain=job.domain,
                 worker=job.worker, attempt=job.attempts, max_attempts=job.max_attempts,
                 lease_seconds=lease_seconds, lease_until=job.lease_until or datetime.now(timezone.utc))


def _outcome(out: IO[bytes]) -> SiteOutcome | None:
    out.seek(0)
    for line in reversed(out.read().decode("utf-8", "replace").splitlines()):
        if line.startswith("{"):
            with contextlib.suppress(ValueError, TypeError, KeyError):
                return SiteOutcome.from_json(line)
    return None


def _tail(err: IO[bytes], lines: int = 3) -> str:
    err.seek(0)
    text = [ln.strip() for ln in err.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    return " | ".join(text[-lines:])[:500]


def _death(code: int | None, stderr: str) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"the worker process was killed by {signal.Signals(-code).name}"
        return f"the worker process was killed by signal {-code}"
    return f"the worker process exited with status {code}" + (f": {stderr}" if stderr else "")

