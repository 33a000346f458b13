"""The batch store's tables (SQLAlchemy Core), shared by the store and by Alembic's autogenerate check.

The migrations in ``migrations/versions`` are the source of truth for what a database holds; this module
must describe the same schema (a test compares the two after ``upgrade``). Times are stored as naive UTC
(``timestamp without time zone`` / SQLite text) and come back as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# The newest migration: the store refuses a database at another revision (``Store.upgrade`` moves it).
HEAD = "0001"

QUEUED, RUNNING, DONE, UNREACHABLE, FAILED = "queued", "running", "done", "unreachable", "failed"
STATUSES = (QUEUED, RUNNING, DONE, UNREACHABLE, FAILED)
FINAL_STATUSES = (DONE, UNREACHABLE, FAILED)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as naive UTC on every backend and read back as aware UTC, so comparisons in
    SQL (lease expiry, backoff) mean the same thing on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("cookiescan's store takes aware datetimes only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


sites = Table(
    "sites", metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("domain", Text, nullable=False, index=True),  # registrable domain (eTLD+1) or the host
    Column("tags", JSON, nullable=False),  # list of strings
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("label", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("options", JSON, nullable=False),
    Column("config_hash", String(64), nullable=False),
)

jobs = Table(
    "jobs", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("worker", Text),
    Column("lease_until", UTCDateTime),
    Column("domain", Text, nullable=False),
    Column("error", Text),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("next_attempt_at", UTCDateTime),
    UniqueConstraint("run_id", "site_id"),
    CheckConstraint("status IN ('queued', 'running', 'done', 'unreachable', 'failed')", name="status"),
    Index(None, "run_id", "status"),
)

scans = Table(
    "scans", metadata,
    Column("id", Integer, primary_key=True),
    # unique: a redelivered or re-finished job can never yield a second scan
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False, index=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("high", Integer, nullable=False),
    Column("medium", Integer, nullable=False),
    Column("low", Integer, nullable=False),
    Column("findings_total", Integer, nullable=False),
    Column("tool_version", Text, nullable=False),
    Column("config_hash", Text, nullable=False),
    Column("report_paths", JSON, nullable=False),  # list of strings
    Column("result_gz", LargeBinary, nullable=False),  # the canonical result JSON, gzipped
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rule", Text, nullable=False, index=True),
    Column("scenario", Text, nullable=False),  # consent state or "all"
    Column("subject", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("ignored", Text),  # the ignore entry's reason; NULL when the finding counts
)

cookies = Table(
    "cookies", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("state", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("domain", Text, nullable=False),
    Column("site", Text, nullable=False),
    Column("party", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("vendor", Text),
    Column("requested_lifetime_days", Float),  # NULL: session cookie
)

# Politeness: one row per registrable domain; a job may scan only while it holds the row's lease.
domain_leases = Table(
    "domain_leases", metadata,
    Column("domain", Text, primary_key=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="SET NULL")),
    Column("lease_until", UTCDateTime),
)
