"""Real PostgreSQL and Redis servers for tests: bound to 127.0.0.1 on a free port, in a temporary folder,
stopped (only the processes started here) and removed afterwards.

    with postgres_server() as pg:       # pg.url: postgresql+psycopg://postgres@127.0.0.1:PORT/cookiescan
        url = pg.create_database("other")
    with redis_server() as redis:       # redis.url: redis://127.0.0.1:PORT/0
        ...

PostgreSQL refuses to run as root: as root the server binaries run as the ``postgres`` user (runuser);
otherwise as the current user. A missing server fails the test with the apt packages to install, it is
never skipped (CI installs them).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HOST = "127.0.0.1"
READY_TIMEOUT = 60.0  # a loaded CI machine: generous, the wait ends as soon as the server answers


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running PostgreSQL cluster; every database on it is reached as the trusted ``postgres`` user."""

    host: str
    port: int
    bindir: Path
    database: str

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database created at start."""
        return self.database_url(self.database)

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        _createdb(self.bindir, self.port, name)
        return self.database_url(name)


@dataclass(frozen=True, slots=True)
class RedisServer:
    """A running redis-server without persistence."""

    host: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


def free_port() -> int:
    """A TCP port nobody listens on right now (the caller retries if another process takes it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def postgres_bindir() -> Path | None:
    """The folder with initdb/pg_ctl: Debian's /usr/lib/postgresql/<newest>/bin, else initdb on PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(re.sub(r"\D", "", Path(p).parent.parent.name) or 0), reverse=True)
    if versions:
        return Path(versions[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@contextlib.contextmanager
def postgres_server(database: str = "cookiescan") -> Iterator[PostgresServer]:
    """Start a throw-away PostgreSQL cluster (fsync off: test data only) and create ``database``."""
    bindir = postgres_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.fail("PostgreSQL is not installed (no initdb/pg_ctl): apt-get install postgresql", pytrace=False)
    as_server_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root needs the 'postgres' user: apt-get install postgresql", pytrace=False)
        if shutil.which("runuser") is None:
            pytest.fail("running PostgreSQL as root needs runuser: apt-get install util-linux", pytrace=False)
        as_server_user = ["runuser", "-u", "postgres", "--"]

    tmp = Path(tempfile.mkdtemp(prefix="cookiescan-pg-"))
    data = tmp / "data"
    pid: int | None = None
    try:
        if owner is not None:
            os.chown(tmp, owner.pw_uid, owner.pw_gid)
        _run([*as_server_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
              "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], what="initdb")
        for attempt in range(3):
            port = free_port()
            options = (f"-c listen_addresses={HOST} -p {port} -k {tmp} -c fsync=off -c synchronous_commit=off "
                       f"-c full_page_writes=off -c max_connections=60")
            started = subprocess.run(
                [*as_server_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "server.log"), "-w",
                 "-t", str(int(READY_TIMEOUT)), "-o", options, "start"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=READY_TIMEOUT + 30)
            pid = _postmaster_pid(data)
            if started.returncode == 0 and pid is not None:
                break
            _stop_postgres(as_server_user, bindir, data, pid)
            pid = None
            if attempt == 2:  # a port race with another process is retried; anything else is reported
                pytest.fail(f"PostgreSQL did not start: {_tail(tmp / 'server.log') or started.stderr.strip()}",
                            pytrace=False)
        _createdb(bindir, port, database)
        yield PostgresServer(host=HOST, port=port, bindir=bindir, database=database)
    finally:
        if pid is not None:
            _stop_postgres(as_server_user, bindir, data, pid)
        shutil.rmtree(tmp, ignore_errors=True)


def _createdb(bindir: Path, port: int, name: str) -> None:
    version = subprocess.run([str(bindir / "createdb"), "--version"], capture_output=True, text=True).stdout
    major = re.search(r"(\d+)", version)
    # PostgreSQL 15+ copies the template through the WAL by default; with fsync off, a file copy is 5x faster
    strategy = ["--strategy=file_copy"] if major and int(major.group(1)) >= 15 else []
    _run([str(bindir / "createdb"), "-h", HOST, "-p", str(port), "-U", "postgres", *strategy, name],
         what=f"createdb {name}")


def _postmaster_pid(data: Path) -> int | None:
    try:
        first = (data / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def _stop_postgres(as_server_user: list[str], bindir: Path, data: Path, pid: int | None) -> None:
    """Stop the cluster in ``data`` (our postmaster only); SIGKILL to that pid if pg_ctl cannot."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run([*as_server_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                        "-t", "30", "stop"], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if pid is not None and _postmaster_pid(data) == pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def redis_executable() -> str | None:
    """redis-server on PATH, or Debian's."""
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server")
                                            else None)


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Start redis-server without persistence and wait until it answers PING."""
    exe = redis_executable()
    if exe is None:
        pytest.fail("redis-server is not installed: apt-get install redis-server", pytrace=False)
    tmp = Path(tempfile.mkdtemp(prefix="cookiescan-redis-"))
    try:
        for attempt in range(3):
            port = free_port()
            log = (tmp / "server.log").open("wb")
            proc = subprocess.Popen(
                [exe, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
                 "--dir", str(tmp), "--daemonize", "no", "--protected-mode", "yes"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            if _wait_for_pong(port, proc):
                break
            _stop(proc)
            if attempt == 2:
                pytest.fail(f"redis-server did not start: {_tail(tmp / 'server.log')}", pytrace=False)
        try:
            yield RedisServer(host=HOST, port=port, pid=proc.pid)
        finally:
            _stop(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_for_pong(port: int, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False  # exited: e.g. the port was taken meanwhile
        try:
            with socket.create_connection((HOST, port), timeout=2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _run(argv: list[str], *, what: str) -> None:
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        pytest.fail(f"{what} failed: {detail[-1] if detail else f'exit {done.returncode}'}", pytrace=False)


def _tail(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-3:])


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session (add ``pytest_plugins = ("tests.servers",)`` to use)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    """One redis-server for the test session."""
    with redis_server() as server:
        yield server
