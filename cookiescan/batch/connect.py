"""Opening the store's database: URLs, engine settings per backend, the schema check and Alembic.

Everything dialect-specific lives here: SQLite's pragmas and ``BEGIN IMMEDIATE`` hooks, PostgreSQL's
driver name and connect timeout.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url

from cookiescan.batch.records import StoreError
from cookiescan.batch.schema import HEAD

MIGRATIONS_PACKAGE = "cookiescan.batch"  # the migrations are package data: <package>/migrations
SQLITE_BEGIN_OPTION = "cookiescan_sqlite_begin"  # execution option: "IMMEDIATE" (default) or "DEFERRED"
_SQLITE_BUSY_MS = 30_000
_UPGRADE_HINT = "run `cookiescan db upgrade`"


def normalise_url(text: str) -> URL:
    """A SQLAlchemy URL from what the user typed: a bare path means a SQLite file, ``postgresql://``
    means the psycopg (3) driver. Only SQLite and PostgreSQL are accepted."""
    text = (text or "").strip()
    if not text:
        raise StoreError("no database URL given", hint="use sqlite:///path/to/batch.db or postgresql://user@host/db")
    if "://" not in text and not re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", text):
        url = URL.create("sqlite", database=os.path.abspath(text))
    else:
        try:
            url = make_url(text)
        except (sa_exc.ArgumentError, ValueError):
            raise StoreError(f"not a database URL: {_mask(text)}",
                             hint="use sqlite:///path/to/batch.db or postgresql://user@host/db") from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres") and url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {url.drivername!r} in {shown(url)}",
                         hint="the batch store runs on SQLite or PostgreSQL")
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = os.path.dirname(os.path.abspath(url.database))
        if not os.path.isdir(folder):
            raise StoreError(f"cannot open the database {url.database}: the folder {folder} does not exist")
    return url


def shown(url: URL) -> str:
    """The URL as it may be printed (password hidden)."""
    return url.render_as_string(hide_password=True)


def _mask(text: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", text)


def reason(exc: BaseException) -> str:
    """The first line of what the driver (or SQLAlchemy) said."""
    inner = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(inner).splitlines() if ln.strip()]
    return lines[0] if lines else type(inner).__name__


def engine_args(url: URL) -> dict[str, Any]:
    """create_engine keyword arguments for the backend."""
    if url.get_backend_name() == "sqlite":
        return {}
    # fail in seconds, not minutes, when the server is unreachable; drop connections the server closed
    return {"connect_args": {"connect_timeout": 10}, "pool_pre_ping": True}


def install_sqlite_hooks(engine: Engine) -> None:
    """WAL + busy timeout + foreign keys on every SQLite connection, and transactions begun by
    SQLAlchemy itself so a write transaction can take the writer lock up front (BEGIN IMMEDIATE)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not emit its own BEGIN
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


def check_schema(conn: Connection, where: str) -> None:
    """Raise StoreError unless the database is at the newest migration."""
    # read alembic's version table directly: workers then never import alembic
    with conn.begin():
        if inspect(conn).has_table("alembic_version"):
            current = tuple(sorted(conn.scalars(text("SELECT version_num FROM alembic_version"))))
        else:
            current = ()
    if current == (HEAD,):
        return
    if not current:
        raise StoreError(f"the database {where} has no cookiescan tables yet", hint=_UPGRADE_HINT)
    if all(_known_revision(rev) for rev in current):
        raise StoreError(f"the database {where} is at schema revision {', '.join(current)}; "
                         f"this cookiescan needs {HEAD}", hint=_UPGRADE_HINT)
    raise StoreError(f"the database {where} has schema revision {', '.join(current)}, newer than this "
                     f"cookiescan knows ({HEAD})", hint="upgrade cookiescan")


def _known_revision(rev: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    with resources.as_file(resources.files(MIGRATIONS_PACKAGE) / "migrations") as path:
        script = ScriptDirectory(str(path))
        try:
            return script.get_revision(rev) is not None
        except CommandError:
            return False


def run_upgrade(conn: Connection, package: str, where: str) -> str:
    """Alembic ``upgrade head`` on ``conn`` in one transaction; the migrations are read from the package
    data (importlib.resources), never from a path next to the source. Returns the head revision."""
    from alembic import command
    from alembic.config import Config
    from alembic.util.exc import CommandError

    config = Config()
    with resources.as_file(resources.files(package) / "migrations") as path:
        config.set_main_option("script_location", str(path).replace("%", "%%"))
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        except CommandError as exc:
            raise StoreError(f"cannot upgrade the database {where}: {reason(exc)}",
                             hint="is it from a newer cookiescan?") from None
    return HEAD
