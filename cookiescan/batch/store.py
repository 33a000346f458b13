"""The batch store: sites, runs, jobs and scans in SQLite (one machine) or PostgreSQL (shared).

:class:`Store` is one object made of its parts, each in its own module:

    database  Database: the engine, transactions, errors as StoreError, the clock, upgrade()
    runs      Runs: open_run (resumable), get_run, jobs, job, pending_jobs
    leases    Leases: claim, heartbeat, finish, fail, unreachable — the lease rules the engines rely on
    queries   Queries: latest_scans, previous_scan, scan_result, run_progress, site_by_url

Statements several parts share live in ``statements``, open_run's row helpers in ``sites``.
"""

from __future__ import annotations

from cookiescan.batch.database import Clock
from cookiescan.batch.leases import DEFAULT_LEASE_SECONDS, Leases, default_backoff
from cookiescan.batch.queries import Queries
from cookiescan.batch.runs import DEFAULT_MAX_ATTEMPTS, Runs

__all__ = ["DEFAULT_LEASE_SECONDS", "DEFAULT_MAX_ATTEMPTS", "Clock", "Store", "default_backoff"]


class Store(Runs, Leases, Queries):
    """Jobs, leases and results of batch scans. ``url``: ``sqlite:///path.db`` (or a bare file path) or
    ``postgresql+psycopg://user@host/db``. ``clock`` returns the aware UTC time used for leases (tests move
    it; workers on several machines need synchronised clocks). Make one Store per process."""
