"""The batch store: sites, runs, jobs and scans in SQLite (one machine) or PostgreSQL (shared).

The same SQLAlchemy Core code runs on both. What differs is confined to the connection: on SQLite every
write transaction starts with ``BEGIN IMMEDIATE`` (the writer lock is taken up front, so two claimers
serialise instead of failing half-way), WAL lets readers go on meanwhile, and a busy timeout makes writers
wait for each other; on PostgreSQL the job row is locked with ``SELECT … FOR UPDATE`` (SQLite ignores the
clause) and the domain lease is taken with a conditional ``UPDATE … WHERE``, which PostgreSQL re-checks
against the committed row when two claimers race.

Lease rules the engines rely on (see ``claim``): a claim takes the job lease and the domain lease together
and counts an attempt; ``heartbeat`` extends both and answers False once the claim is no longer the job's
current one (the worker must then stop); ``finish``/``fail``/``unreachable`` release the domain lease.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import create_engine, func, insert, or_, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Row

from cookiescan.batch import schema as s
from cookiescan.batch.connect import (
    MIGRATIONS_PACKAGE,
    SQLITE_BEGIN_OPTION,
    check_schema,
    engine_args,
    install_sqlite_hooks,
    normalise_url,
    reason,
    run_upgrade,
    shown,
)
from cookiescan.batch.records import Claim, Job, Progress, Refusal, Run, ScanRow, Site, StoreError
from cookiescan.batch.results import digest, undigest
from cookiescan.batch.sites import ensure_domains, ensure_jobs, ensure_sites, site_entries
from cookiescan.batch.statements import (
    RunRef,
    insert_id,
    is_latest,
    job_query,
    lock_job,
    release_domain,
    run_id_of,
    scan_query,
    take_domain,
    to_job,
    to_scan,
)

Clock = Callable[[], datetime]

DEFAULT_LEASE_SECONDS = 300.0
DEFAULT_MAX_ATTEMPTS = 3
_ERROR_CHARS = 2000


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def default_backoff(attempt: int) -> float:
    """Seconds before retry number ``attempt``: 1, 2, 4 … minutes, at most an hour."""
    return float(min(60 * 2 ** max(attempt - 1, 0), 3600))


class _Conflict(StoreError):
    """A unique constraint refused a row another process wrote at the same moment (retried)."""


class _Abort(Exception):
    """Roll the transaction back and answer ``value``."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _forget_pool(ref: weakref.ReferenceType[Store]) -> None:
    # A forked child must not share its parent's sockets/file handles: start with an empty pool.
    store = ref()
    if store is not None:
        store._engine.dispose(close=False)


class Store:
    """Jobs, leases and results of batch scans. ``url``: ``sqlite:///path.db`` (or a bare file path) or
    ``postgresql+psycopg://user@host/db``. ``clock`` returns the aware UTC time used for leases (tests move
    it; workers on several machines need synchronised clocks). Make one Store per process."""

    def __init__(self, url: str, *, clock: Clock | None = None) -> None:
        self.url = normalise_url(url)
        self.shown_url = shown(self.url)
        self._clock = clock or _utcnow
        self._schema_ok = False
        try:
            self._engine = create_engine(self.url, **engine_args(self.url))
        except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
            raise StoreError(f"cannot use the database {self.shown_url}: {reason(exc)}") from None
        if self.url.get_backend_name() == "sqlite":
            install_sqlite_hooks(self._engine)
        os.register_at_fork(after_in_child=functools.partial(_forget_pool, weakref.ref(self)))

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connections ---------------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sa_exc.IntegrityError as exc:
            raise _Conflict(f"conflicting write in {self.shown_url}: {reason(exc)}") from None
        except sa_exc.DBAPIError as exc:
            raise StoreError(f"database error in {self.shown_url}: {reason(exc)}") from None
        except sa_exc.SQLAlchemyError as exc:
            raise StoreError(f"database error in {self.shown_url}: {reason(exc)}") from None

    def _connect(self) -> Connection:
        try:
            return self._engine.connect()
        except sa_exc.DBAPIError as exc:
            raise StoreError(f"cannot connect to the database {self.shown_url}: {reason(exc)}",
                             hint="check the URL and that the database server is running") from None

    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[Connection]:
        """One transaction; a write one holds SQLite's writer lock from its first statement."""
        if not self._schema_ok:
            with self._connect() as conn, self._errors():
                check_schema(conn.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"}), self.shown_url)
            self._schema_ok = True
        with self._connect() as conn, self._errors():
            conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE" if write else "DEFERRED"})
            with conn.begin():
                yield conn

    def _now(self) -> datetime:
        now = self._clock()
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)

    def upgrade(self) -> str:
        """Create or migrate the tables to the newest revision (Alembic, programmatically); returns it.
        Call it once before workers start (``cookiescan db upgrade``), not from every worker."""
        with self._connect() as conn, self._errors():
            revision = run_upgrade(conn, MIGRATIONS_PACKAGE, self.shown_url)
        self._schema_ok = True
        return revision

    # -- runs and jobs -------------------------------------------------------------------------
    def open_run(self, label: str, sites: Iterable[tuple[str, Iterable[str]] | str],
                 options: dict[str, Any] | None = None, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 requeue_failed: bool = False) -> Run:
        """Open the run ``label`` with one job per site ``(url, tags)``; re-opening a label resumes it:
        only sites it does not have yet get a job, finished ones are kept (``requeue_failed`` gives failed
        jobs a fresh set of attempts). Options must match the run's (their hash is compared)."""
        label = (label or "").strip()
        if not label:
            raise StoreError("a run needs a label")
        if max_attempts < 1:
            raise StoreError(f"max_attempts must be at least 1, not {max_attempts}")
        options = dict(options or {})
        try:
            config_hash = hashlib.sha256(json.dumps(options, sort_keys=True, separators=(",", ":"))
                                         .encode("utf-8")).hexdigest()
        except (TypeError, ValueError) as exc:
            raise StoreError(f"run options must be plain JSON values: {exc}") from None
        wanted = site_entries(sites)
        for tries_left in (2, 1, 0):
            try:
                with self._tx(write=True) as conn:
                    run = self._run_row(conn, label, options, config_hash)
                    site_ids = ensure_sites(conn, wanted)
                    ensure_jobs(conn, run.id, site_ids, wanted, max_attempts)
                    ensure_domains(conn, {domain for domain, _ in wanted.values()})
                    if requeue_failed:
                        conn.execute(update(s.jobs).where(s.jobs.c.run_id == run.id, s.jobs.c.status == s.FAILED)
                                     .values(status=s.QUEUED, attempts=0, error=None, worker=None, lease_until=None,
                                             finished_at=None, next_attempt_at=None))
                return run
            except _Conflict:
                # another process opened the same run or listed the same site at the same moment
                if not tries_left:
                    raise
        raise AssertionError("unreachable")

    def _run_row(self, conn: Connection, label: str, options: dict[str, Any], config_hash: str) -> Run:
        row = conn.execute(select(s.runs).where(s.runs.c.label == label)).first()
        if row is None:
            created = self._now()
            run_id = insert_id(conn, insert(s.runs).values(label=label, created_at=created, options=options,
                                                           config_hash=config_hash))
            return Run(id=run_id, label=label, created_at=created, options=options, config_hash=config_hash)
        if row.config_hash != config_hash:
            raise StoreError(f"run {label!r} was opened with other options "
                             f"(config {row.config_hash[:12]}, now {config_hash[:12]})",
                             hint="resume it with the same options, or give the new batch its own label")
        return Run(id=row.id, label=row.label, created_at=row.created_at, options=dict(row.options),
                   config_hash=row.config_hash)

    def get_run(self, label: str) -> Run | None:
        """The run with this label, or None."""
        with self._tx(write=False) as conn:
            row = conn.execute(select(s.runs).where(s.runs.c.label == label)).first()
        return None if row is None else Run(id=row.id, label=row.label, created_at=row.created_at,
                                            options=dict(row.options), config_hash=row.config_hash)

    def jobs(self, run: RunRef) -> list[Job]:
        """Every job of a run, by id."""
        with self._tx(write=False) as conn:
            return [to_job(r) for r in conn.execute(job_query().where(s.jobs.c.run_id == run_id_of(conn, run))
                                                  .order_by(s.jobs.c.id))]

    def job(self, job_id: int) -> Job | None:
        """One job, or None."""
        with self._tx(write=False) as conn:
            row = conn.execute(job_query().where(s.jobs.c.id == job_id)).first()
        return None if row is None else to_job(row)

    def pending_jobs(self, run: RunRef) -> list[Job]:
        """Jobs still to do: queued (``next_attempt_at`` says when a retry is due) and running ones whose
        lease has expired (their worker died). Finished jobs and live leases are left out."""
        now = self._now()
        with self._tx(write=False) as conn:
            q = job_query().where(
                s.jobs.c.run_id == run_id_of(conn, run),
                or_(s.jobs.c.status == s.QUEUED,
                    (s.jobs.c.status == s.RUNNING) & or_(s.jobs.c.lease_until.is_(None), s.jobs.c.lease_until <= now)))
            return [to_job(r) for r in conn.execute(q.order_by(s.jobs.c.id))]

    # -- the claim -----------------------------------------------------------------------------
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
                    detail = f"gave up after {job.attempts} attempts" + (f": {job.error}" if job.error else "")
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

    def finish(self, claim: Claim, result: dict[str, Any], report_paths: Iterable[str] = ()) -> int:
        """Store the scan (summary, findings, cookies, gzipped result) and mark the job done, in one
        transaction; returns the scan id. Idempotent: when the job already has a scan, nothing is
        written and that scan's id is returned."""
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
                release_domain(conn, job.domain, job.id)
        return int(scan_id)

    def fail(self, claim: Claim, error: str, retry: bool = True, backoff: float | None = None) -> str:
        """The attempt failed. ``retry`` and attempts left: requeue, due after ``backoff`` seconds
        (default :func:`default_backoff`); otherwise the job ends ``failed``. Releases the domain lease.
        A stale claim changes nothing. Returns the job's status afterwards."""
        now = self._now()

        def failed(job: Row[Any]) -> dict[str, Any]:
            if retry and job.attempts < job.max_attempts:
                delay = default_backoff(job.attempts) if backoff is None else max(float(backoff), 0.0)
                return dict(status=s.QUEUED, next_attempt_at=now + timedelta(seconds=delay), error=error)
            message = f"gave up after {job.attempts} attempts: {error}" if retry else error
            return dict(status=s.FAILED, finished_at=now, next_attempt_at=None, error=message)

        return self._end(claim, failed)

    def unreachable(self, claim: Claim, error: str) -> str:
        """The site cannot be reached: the job ends ``unreachable`` (no retry) and the domain lease is
        released. A stale claim or a second call changes nothing. Returns the job's status afterwards."""
        now = self._now()
        return self._end(claim, lambda job: dict(status=s.UNREACHABLE, finished_at=now, next_attempt_at=None,
                                                 error=error))

    def _end(self, claim: Claim, values_for: Callable[[Row[Any]], dict[str, Any]]) -> str:
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
                release_domain(conn, job.domain, job.id)
        return status

    # -- queries -------------------------------------------------------------------------------
    def latest_scans(self, run: RunRef | None = None, tags: Iterable[str] | None = None,
                     since: datetime | None = None) -> list[ScanRow]:
        """The newest stored scan of each site, optionally within one run, for sites carrying every one
        of ``tags``, finished at or after ``since``; ordered by URL."""
        wanted = set(tags or ())
        with self._tx(write=False) as conn:
            newest = select(func.max(s.scans.c.id)).group_by(s.scans.c.site_id)
            if run is not None:
                newest = newest.where(s.scans.c.run_id == run_id_of(conn, run))
            if since is not None:
                newest = newest.where(s.scans.c.finished_at >= since)
            rows = conn.execute(scan_query().where(s.scans.c.id.in_(newest)).order_by(s.sites.c.url)).all()
        return [r for r in map(to_scan, rows) if wanted <= set(r.tags)]

    def previous_scan(self, site_id: int, before_scan_id: int) -> ScanRow | None:
        """The site's newest scan stored before scan ``before_scan_id`` (the baseline for a diff)."""
        with self._tx(write=False) as conn:
            row = conn.execute(scan_query().where(s.scans.c.site_id == site_id, s.scans.c.id < before_scan_id)
                               .order_by(s.scans.c.id.desc()).limit(1)).first()
        return None if row is None else to_scan(row)

    def scan_result(self, scan_id: int) -> dict[str, Any]:
        """The full canonical result dict of a stored scan."""
        with self._tx(write=False) as conn:
            blob = conn.scalar(select(s.scans.c.result_gz).where(s.scans.c.id == scan_id))
        if blob is None:
            raise StoreError(f"no scan {scan_id}")
        return undigest(bytes(blob))

    def run_progress(self, run: RunRef) -> Progress:
        """Jobs of a run by status, with the attempts made and the scans stored."""
        with self._tx(write=False) as conn:
            run_id = run_id_of(conn, run)
            counts = dict.fromkeys(s.STATUSES, 0)
            attempts = 0
            for status, n, tried in conn.execute(
                    select(s.jobs.c.status, func.count(), func.coalesce(func.sum(s.jobs.c.attempts), 0))
                    .where(s.jobs.c.run_id == run_id).group_by(s.jobs.c.status)):
                counts[status] = int(n)
                attempts += int(tried)
            scans = conn.scalar(select(func.count()).select_from(s.scans).where(s.scans.c.run_id == run_id))
        return Progress(run_id=run_id, counts=counts, total=sum(counts.values()), attempts=attempts,
                        scans=int(scans or 0))

    def site_by_url(self, url: str) -> Site | None:
        """The site stored under exactly this URL, or None."""
        with self._tx(write=False) as conn:
            row = conn.execute(select(s.sites).where(s.sites.c.url == url)).first()
        return None if row is None else Site(id=row.id, url=row.url, domain=row.domain, tags=tuple(row.tags or ()))
