"""The store's connection to SQLite (one machine) or PostgreSQL (shared): the engine, one transaction at a
time, errors turned into :class:`StoreError`, the clock leases are measured with, and ``upgrade``.

The same SQLAlchemy Core code runs on both. What differs is confined to the connection: on SQLite every
write transaction starts with ``BEGIN IMMEDIATE`` (the writer lock is taken up front, so two claimers
serialise instead of failing half-way), WAL lets readers go on meanwhile, and a busy timeout makes writers
wait for each other; on PostgreSQL the job row is locked with ``SELECT … FOR UPDATE`` (SQLite ignores the
clause) and the domain lease is taken with a conditional ``UPDATE … WHERE``, which PostgreSQL re-checks
against the committed row when two claimers race.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TypeVar

from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

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
from cookiescan.batch.records import StoreError

Clock = Callable[[], datetime]
_D = TypeVar("_D", bound="Database")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _Conflict(StoreError):
    """A unique constraint refused a row another process wrote at the same moment (retried)."""


def _forget_pool(ref: weakref.ReferenceType[Database]) -> None:
    # A forked child must not share its parent's sockets/file handles: start with an empty pool.
    store = ref()
    if store is not None:
        store._engine.dispose(close=False)


class Database:
    """One database, its connection pool and clock: the base every part of
    :class:`~cookiescan.batch.store.Store` builds on (``url`` and ``clock`` as documented there)."""

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

    def __enter__(self: _D) -> _D:
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
