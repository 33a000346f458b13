"""Batch scans: the store of sites, runs, jobs and results (SQLite or PostgreSQL), shared by the engines
that run many audits (a local supervisor, Celery workers).

    store = Store("sqlite:///batch.db")
    store.upgrade()
    run = store.open_run("weekly-2025-01", [("https://shop.example/", ["client-a"])])
    for job in store.pending_jobs(run):
        claim = store.claim(job.id, worker="host:1234")
        if claim:
            ...  # scan claim.url, store.heartbeat(claim) while it runs
            store.finish(claim, result.to_dict(), report_paths)

    store       Store, made of: database (connection, transactions, upgrade) · runs (open_run, jobs) ·
                leases (claim, heartbeat, finish, fail, unreachable) · queries (latest_scans, run_progress …)
    records     Run, Job, Claim, Refusal, ScanRow, Site, Progress, StoreError
    schema      the tables (SQLAlchemy Core) and job statuses; migrations/ holds Alembic's revisions
    connect     URLs, engine options, SQLite hooks, the schema check and upgrade
    statements  statements the parts share · sites: open_run's row helpers · results: a result dict -> rows
"""

from cookiescan.batch.leases import DEFAULT_LEASE_SECONDS, default_backoff
from cookiescan.batch.records import Claim, Job, Progress, Refusal, Run, ScanRow, Site, StoreError
from cookiescan.batch.runs import DEFAULT_MAX_ATTEMPTS
from cookiescan.batch.store import Store

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_MAX_ATTEMPTS",
    "Claim",
    "Job",
    "Progress",
    "Refusal",
    "Run",
    "ScanRow",
    "Site",
    "Store",
    "StoreError",
    "default_backoff",
]
