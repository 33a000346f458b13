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
"""

from cookiescan.batch.records import Claim, Job, Progress, Refusal, Run, ScanRow, Site, StoreError
from cookiescan.batch.store import DEFAULT_LEASE_SECONDS, DEFAULT_MAX_ATTEMPTS, Store, default_backoff

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
