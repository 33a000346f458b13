"""The claim protocol: take a job (its lease, its domain's lease and an attempt, in one transaction), keep
the leases alive, and end the job — done with its scan stored, failed (retried with a backoff), or
unreachable.

Lease rules the engines rely on (see :meth:`Leases.claim`): a claim takes the job lease and the domain lease
together and counts an attempt; ``heartbeat`` extends both and answers False once the claim is no longer the
job's current one (the worker must then stop); ``finish``/``fail``/``unreachable`` release the domain lease
(or hold it ``domain_delay`` seconds longer: the per-domain politeness delay); ``release`` gives a job back
without counting the attempt (the worker was asked to stop).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row

from cookiescan.batch import schema as s
from cookiescan.batch.database import Database
from cookiescan.batch.records import Claim, Refusal, StoreError
from cookiescan.batch.results import digest
from cookiescan.batch.statements import insert_id, is_latest, lock_job, release_domain, take_domain

DEFAULT_LEASE_SECONDS = 300.0
_ERROR_CHARS = 2000


def default_backoff(attempt: int) -> float:
    """Seconds before retry number ``attempt``: 1, 2, 4 … minutes, at most an hour."""
    return float(min(60 * 2 ** max(attempt - 1, 0), 3600))


class _Abort(Exception):
    """Roll the transaction back and answer ``value``."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class Leases(Database):
    """The claim / heartbeat / finish / fail / unreachable part of :class:`~cookiescan.batch.store.Store`."""

    def claim(self, job_id: int, worker: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Claim | Refusal:
        """Take job ``job_id`` for ``worker`` (unique per process, e.g. ``host:pid``) in one transaction:
        refuse a finished job, a live lease of another worker, a retry not due yet, or a registrable domain
        another running job holds; otherwise set it running, count an attempt, lease the job and its domain
        for ``lease_seconds``. A job whose attempts reached max_attempts is marked failed instead."""
        if not worker:
            raise StoreError("a claim needs a worker name")
        if not lease_seconds > 0:
            raise StoreError(f"lease_seconds must be positive, not {lease_seconds}")
        now = self._now()
        until = now + timedelta(seconds=lease_seconds)
        try:
            with self._tx(write=True) as conn:
                job = lock_job(conn, job_id)
                if job is None:
                    return Refusal(job_id, "unknown-job", f"no job {job_id}")
                if job.status in s.FINAL_STATUSES:
                    return Refusal(job_id, "finished", f"job {job_id} is {job.status}")
                live = job.status == s.RUNNING and job.lease_until is not None and job.lease_until > now
                if live and job.worker != worker:
                    return Refusal(job_id, "leased", f"job {job_id} is leased by {job.worker}", job.lease_until)
                if job.status == s.QUEUED and job.next_attempt_at is not None and job.next_attempt_at > now:
                    return Refusal(job_id, "backoff", f"job {job_id} retries later", job.next_attempt_at)
                if job.attempts >= job.max_attempts:
                    error = job.error
                    if error is None and job.status == s.RUNNING:  # its last worker stopped renewing the lease
                        error = f"attempt {job.attempts} ended without a word from its worker {job.worker} " \
                                f"(killed or lost)"
                    detail = f"gave up after {job.attempts} attempts" + (f": {error}" if error else "")
                    conn.execute(update(s.jobs).where(s.jobs.c.id == job_id).values(
                        status=s.FAILED, error=detail[:_ERROR_CHARS], finished_at=now, lease_until=None))
                    release_domain(conn, job.domain, job_id)
                    return Refusal(job_id, "gave-up", detail)
                holder = take_domain(conn, job.domain, job_id, until, now)
                if holder is not None:
                    return Refusal(job_id, "domain-busy", f"{job.domain} is being scanned by job {holder.job_id}",
                                   holder.lease_until)
                done = conn.execute(update(s.jobs).where(
                    s.jobs.c.id == job_id, s.jobs.c.status == job.status, s.jobs.c.attempts == job.attempts,
                ).values(status=s.RUNNING, attempts=job.attempts + 1, worker=worker, lease_until=until,
                         started_at=now, finished_at=None, next_attempt_at=None))
                if done.rowcount != 1:  # the row moved under us: never count one attempt twice
                    raise _Abort(Refusal(job_id, "leased", f"job {job_id} was claimed meanwhile"))
                url = str(conn.scalar(select(s.sites.c.url).where(s.sites.c.id == job.site_id)))
        except _Abort as abort:
            return abort.value  # type: ignore[no-any-return]
        return Claim(job_id=job_id, run_id=job.run_id, site_id=job.site_id, url=url, domain=job.domain,
                     worker=worker, attempt=job.attempts + 1, max_attempts=job.max_attempts,
                     lease_seconds=float(lease_seconds), lease_until=until)

    def heartbeat(self, claim: Claim) -> bool:
        """Extend the job and domain leases by the claim's ``lease_seconds``. False: the claim is no longer
        the job's current one (reclaimed after expiry, or finished by someone else): stop the work."""
        now = self._now()
        until = now + timedelta(seconds=claim.lease_seconds)
        try:
            with self._tx(write=True) as conn:
                moved = conn.execute(update(s.jobs).where(
                    s.jobs.c.id == claim.job_id, s.jobs.c.status == s.RUNNING, s.jobs.c.worker == claim.worker,
                    s.jobs.c.attempts == claim.attempt).values(lease_until=until))
                if moved.rowcount != 1:
                    return False
                if take_domain(conn, claim.domain, claim.job_id, until, now) is not None:
                    raise _Abort(False)
        except _Abort as abort:
            return bool(abort.value)
        return True

    def finish(self, claim: Claim, result: dict[str, Any], report_paths: Iterable[str] = (), *,
               domain_delay: float = 0.0) -> int:
        """Store the scan (summary, findings, cookies, gzipped result) and mark the job done, in one
        transaction; returns the scan id. Idempotent: when the job already has a scan, nothing is
        written and that scan's id is returned. ``domain_delay``: keep the domain leased that long."""
        d = digest(result)
        paths = [str(p) for p in report_paths]
        now = self._now()
        with self._tx(write=True) as conn:
            job = lock_job(conn, claim.job_id)
            if job is None:
                raise StoreError(f"no job {claim.job_id}")
            # a stale claim (its lease expired and another worker took the job) may still deliver the
            # result; it must not release the lease the current worker scans under
            other_running = job.status == s.RUNNING and not is_latest(job, claim)
            scan_id = conn.scalar(select(s.scans.c.id).where(s.scans.c.job_id == job.id))
            if scan_id is None:
                scan_id = insert_id(conn, insert(s.scans).values(
                    job_id=job.id, site_id=job.site_id, run_id=job.run_id, started_at=d.started_at or job.started_at,
                    finished_at=d.finished_at or now, pages=d.pages, findings_total=d.findings_total,
                    tool_version=d.tool_version, config_hash=d.config_hash, report_paths=paths,
                    result_gz=d.result_gz, **d.severity_counts))
                if d.findings:
                    conn.execute(insert(s.findings), [{**f, "scan_id": scan_id} for f in d.findings])
                if d.cookies:
                    conn.execute(insert(s.cookies), [{**c, "scan_id": scan_id} for c in d.cookies])
                values: dict[str, Any] = dict(status=s.DONE, finished_at=now, error=None, next_attempt_at=None)
                if not other_running:
                    values["lease_until"] = None
                conn.execute(update(s.jobs).where(s.jobs.c.id == job.id).values(**values))
            if not other_running:
                release_domain(conn, job.domain, job.id, _hold(now, domain_delay))
        return int(scan_id)

    def fail(self, claim: Claim, error: str, retry: bool = True, backoff: float | None = None, *,
             domain_delay: float = 0.0) -> str:
        """The attempt failed. ``retry`` and attempts left: requeue, due after ``backoff`` seconds
        (default :func:`default_backoff`); otherwise the job ends ``failed``. Releases the domain lease
        (after ``domain_delay`` seconds). A stale claim changes nothing. Returns the job's status afterwards."""
        now = self._now()

        def failed(job: Row[Any]) -> dict[str, Any]:
            if retry and job.attempts < job.max_attempts:
                delay = default_backoff(job.attempts) if backoff is None else max(float(backoff), 0.0)
                return dict(status=s.QUEUED, next_attempt_at=now + timedelta(seconds=delay), error=error)
            message = f"gave up after {job.attempts} attempts: {error}" if retry else error
            return dict(status=s.FAILED, finished_at=now, next_attempt_at=None, error=message)

        return self._end(claim, failed, _hold(now, domain_delay))

    def unreachable(self, claim: Claim, error: str, *, domain_delay: float = 0.0) -> str:
        """The site cannot be reached: the job ends ``unreachable`` (no retry) and the domain lease is
        released (after ``domain_delay`` seconds). A stale claim or a second call changes nothing. Returns
        the job's status afterwards."""
        now = self._now()
        return self._end(claim, lambda job: dict(status=s.UNREACHABLE, finished_at=now, next_attempt_at=None,
                                                 error=error), _hold(now, domain_delay))

    def release(self, claim: Claim, reason: str = "interrupted") -> str:
        """Give the job back unfinished without counting the attempt: the worker was asked to stop (Ctrl-C,
        a shutdown), the site did nothing wrong. The job is queued again, due at once; the domain lease is
        freed. A stale claim changes nothing. Returns the job's status afterwards."""
        return self._end(claim, lambda job: dict(status=s.QUEUED, attempts=max(job.attempts - 1, 0), worker=None,
                                                 next_attempt_at=None, error=reason))

    def _end(self, claim: Claim, values_for: Callable[[Row[Any]], dict[str, Any]],
             hold_until: datetime | None = None) -> str:
        with self._tx(write=True) as conn:
            job = lock_job(conn, claim.job_id)
            if job is None:
                raise StoreError(f"no job {claim.job_id}")
            latest = is_latest(job, claim)
            status = str(job.status)
            if job.status == s.RUNNING and latest:
                values = values_for(job)
                values["error"] = str(values["error"] or "")[:_ERROR_CHARS]
                conn.execute(update(s.jobs).where(s.jobs.c.id == job.id).values(lease_until=None, **values))
                status = values["status"]
            if latest or job.status != s.RUNNING:
                release_domain(conn, job.domain, job.id, hold_until)
        return status


def _hold(now: datetime, delay: float) -> datetime | None:
    """Until when a finished job keeps its domain leased (None: free it now)."""
    return now + timedelta(seconds=delay) if delay > 0 else None
