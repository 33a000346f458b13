"""Runs and their jobs: open (or resume) a run with one job per site, and read runs and jobs back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from cookiescan.batch import schema as s
from cookiescan.batch.database import Database, _Conflict
from cookiescan.batch.records import Job, Run, StoreError
from cookiescan.batch.sites import ensure_domains, ensure_jobs, ensure_sites, site_entries
from cookiescan.batch.statements import RunRef, insert_id, job_query, run_id_of, to_job

DEFAULT_MAX_ATTEMPTS = 3


class Runs(Database):
    """The runs-and-jobs part of :class:`~cookiescan.batch.store.Store`."""

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

    def get_run(self, label: str | int) -> Run | None:
        """The run with this label (or this id, given an int), or None."""
        key = s.runs.c.id if isinstance(label, int) else s.runs.c.label
        with self._tx(write=False) as conn:
            row = conn.execute(select(s.runs).where(key == label)).first()
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
