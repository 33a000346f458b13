"""Statements the store's methods share; each runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection, Row

from cookiescan.batch import schema as s
from cookiescan.batch.records import Claim, Job, Run, ScanRow, StoreError

RunRef = Run | int | str  # a run, its id or its label


def lock_job(conn: Connection, job_id: int) -> Row[Any] | None:
    """The job row, locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's writer lock
    is already held by BEGIN IMMEDIATE)."""
    return conn.execute(select(s.jobs).where(s.jobs.c.id == job_id).with_for_update()).first()


def insert_id(conn: Connection, statement: Any) -> int:
    """Run an INSERT and return the new row's id."""
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


def is_latest(job: Row[Any], claim: Claim) -> bool:
    """The claim is the job's most recent one (it may have ended since)."""
    return bool(job.worker == claim.worker and job.attempts == claim.attempt)


def take_domain(conn: Connection, domain: str, job_id: int, until: datetime, now: datetime) -> Row[Any] | None:
    """Lease ``domain`` to ``job_id`` unless another job holds a live lease; returns that holder's row."""
    dl = s.domain_leases.c
    taken = conn.execute(update(s.domain_leases).where(
        dl.domain == domain,
        or_(dl.job_id.is_(None), dl.job_id == job_id, dl.lease_until.is_(None), dl.lease_until <= now),
    ).values(job_id=job_id, lease_until=until))
    if taken.rowcount == 1:
        return None
    holder = conn.execute(select(s.domain_leases).where(dl.domain == domain)).first()
    if holder is None:  # a job created without its domain row: add it, racing writers settle on the key
        try:
            with conn.begin_nested():
                conn.execute(insert(s.domain_leases).values(domain=domain, job_id=job_id, lease_until=until))
            return None
        except sa_exc.IntegrityError:
            holder = conn.execute(select(s.domain_leases).where(dl.domain == domain)).first()
    return holder


def release_domain(conn: Connection, domain: str, job_id: int, hold_until: datetime | None = None) -> None:
    """Free the domain's lease if ``job_id`` holds it; with ``hold_until`` (the per-domain delay) the lease
    stays with the job until then, so the domain's next scan waits for it."""
    dl = s.domain_leases.c
    values = {"job_id": None, "lease_until": None} if hold_until is None else {"lease_until": hold_until}
    conn.execute(update(s.domain_leases).where(dl.domain == domain, dl.job_id == job_id).values(**values))


def run_id_of(conn: Connection, run: RunRef) -> int:
    """The id of a run given as a Run, an id or a label."""
    if isinstance(run, Run):
        return run.id
    if isinstance(run, int):
        return run
    found = conn.scalar(select(s.runs.c.id).where(s.runs.c.label == run))
    if found is None:
        raise StoreError(f"no run labelled {run!r}")
    return int(found)


def job_query() -> Any:
    return select(s.jobs, s.sites.c.url).join(s.sites, s.sites.c.id == s.jobs.c.site_id)


def to_job(row: Row[Any]) -> Job:
    m = row._mapping
    return Job(**{name: m[name] for name in Job.__dataclass_fields__})


def scan_query() -> Any:
    cols = [c for c in s.scans.c if c.name != "result_gz"]
    return select(*cols, s.sites.c.url, s.sites.c.domain, s.sites.c.tags).join(
        s.sites, s.sites.c.id == s.scans.c.site_id)


def to_scan(row: Row[Any]) -> ScanRow:
    m = dict(row._mapping)
    m["tags"] = tuple(m["tags"] or ())
    m["report_paths"] = tuple(m["report_paths"] or ())
    return ScanRow(**{name: m[name] for name in ScanRow.__dataclass_fields__})
