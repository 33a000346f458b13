"""What the batch engine tests share: small fixture sites, a tripwire that kills the worker scanning a given
site, and readers of the outcome (scan rows, attempts, the time each site was scanned).

The sites (all on the one fixture server):

- ``siteN-fixture.com``: plain sites of a few pages, a first-party cookie and a third-party pixel;
- ``one.twin-fixture.com`` and ``two.twin-fixture.com``: two sites of one registrable domain;
- ``victim-fixture.com``: its worker is killed the first time it is visited (one attempt lost);
- ``poison-fixture.com``: its worker is killed on every attempt;
- ``nowhere-fixture.com``: never resolves (unreachable);
- ``slow-fixture.com``: one of its pages never answers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select

from cookiescan.batch import Job, ScanRow, Store, schema
from cookiescan.demo import FixtureWeb
from cookiescan.demo.server import Request, Response

PIXEL = "pixel-fixture.net"
TWINS = ("one.twin-fixture.com", "two.twin-fixture.com")
VICTIM = "victim-fixture.com"
POISON = "poison-fixture.com"
NOWHERE = "nowhere-fixture.com"
SLOW = "slow-fixture.com"
PAGES = 3


def plain(n: int) -> str:
    return f"site{n}-fixture.com"


def url(host: str) -> str:
    return f"https://{host}/"


def _page(host: str, n: int, pages: int) -> str:
    links = " ".join(f'<a href="/p/{k}">page {k}</a>' for k in range(1, pages) if k != n)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{host} {n}</title></head>
<body><h1>{host}, page {n}</h1><nav><a href="/">home</a> {links}</nav>
<script>document.cookie = "pref=p{n}; max-age=86400; path=/";</script>
<img src="https://{PIXEL}/p.gif?s={host}" width="1" height="1" alt=""></body></html>"""


def site(host: str, pages: int = PAGES, on_hit: Callable[[str], None] | None = None
         ) -> Callable[[Request], Response | None]:
    """A small site of ``pages`` pages; ``on_hit(host)`` is called on every request, before it is answered."""

    def handler(req: Request) -> Response | None:
        if on_hit is not None:
            on_hit(host)
        if req.path == "/robots.txt":
            return Response("User-agent: *\nAllow: /\n", content_type="text/plain")
        if req.path == "/":
            return Response(_page(host, 0, pages), headers=[("Set-Cookie", "sid=1; Path=/; HttpOnly; Secure")])
        if host == SLOW and req.path == "/p/1":
            return Response(hang=True)  # a page that never answers: the site outlasts its time limit
        if req.path.startswith("/p/") and req.path[3:].isdigit() and int(req.path[3:]) < pages:
            return Response(_page(host, int(req.path[3:]), pages))
        return None

    return handler


def pixel(req: Request) -> Response:
    return Response(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif",
                    headers=[("Set-Cookie", "uid=42; Max-Age=63072000; Path=/; Secure; SameSite=None")])


class Tripwire:
    """Kills the worker that scans a trapped site the moment the site is visited: ``once`` (the first attempt
    only) or ``always`` (every attempt). ``kill(pid)`` is the engine test's way to kill the worker process
    whose pid the job's claim names (``host:pid``). ``kills`` records (host, attempt) of each kill."""

    def __init__(self, db_url: str, label: str, kill: Callable[[int], None], traps: dict[str, str]) -> None:
        self.db_url = db_url
        self.label = label
        self.kill = kill
        self.traps = traps
        self.kills: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self._store: Store | None = None

    def on_hit(self, host: str) -> None:
        rule = self.traps.get(host)
        if rule is None:
            return
        with self._lock:
            if self._store is None:
                self._store = Store(self.db_url)
            job = next((j for j in self._store.jobs(self.label) if j.url == url(host)), None)
            if job is None or job.status != "running" or not job.worker:
                return
            done = [a for h, a in self.kills if h == host]
            if job.attempts in done or (rule == "once" and done):
                return
            self.kills.append((host, job.attempts))
            self.kill(int(job.worker.rsplit(":", 1)[1]))

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def routes(hosts: list[str], on_hit: Callable[[str], None] | None = None) -> dict[str, Callable[..., Response | None]]:
    """The fixture web for these site hosts, plus the pixel."""
    return {**{h: site(h, on_hit=on_hit) for h in hosts if h != NOWHERE}, PIXEL: pixel}


@contextlib.contextmanager
def fixture_web(hosts: list[str], on_hit: Callable[[str], None] | None = None) -> Iterator[FixtureWeb]:
    with FixtureWeb(routes(hosts, on_hit)) as web:
        yield web


def write_sites(path: Path, hosts: list[str]) -> Path:
    path.write_text("url,tags\n" + "".join(f"{url(h)},fixture\n" for h in hosts), encoding="utf-8")
    return path


def scan_args(web: FixtureWeb, *, site_timeout: float = 90, kill_grace: float = 40) -> list[str]:
    """The scan and engine options every batch test uses: one consent state, a few pages, quick retries."""
    args = ["--consent", "before", "--max-pages", str(PAGES), "--settle-max", "2", "--no-sitemap",
            "--site-timeout", str(site_timeout), "--kill-grace", str(kill_grace), "--retry-delay", "1",
            "--lease-seconds", "12"]
    for arg in web.browser_args:
        args.append(f"--browser-arg={arg}")
    return args


def cookiescan(*args: str, **popen: object) -> subprocess.Popen[str]:
    """``cookiescan ARGS`` in a child process (stderr captured, text)."""
    return subprocess.Popen([sys.executable, "-m", "cookiescan", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A run as the database tells it: its jobs, its scan of each site, and how many scan rows each job has."""

    jobs: dict[str, Job]
    scans: dict[str, ScanRow]
    rows_per_job: dict[str, int]

    @classmethod
    def read(cls, db_url: str, label: str) -> Outcome:
        with Store(db_url) as store:
            jobs = {j.url: j for j in store.jobs(label)}
            scans = {r.url: r for r in store.latest_scans(label)}
            engine = create_engine(store.url)
            try:
                with engine.connect() as conn:
                    counts = dict(conn.execute(select(schema.scans.c.job_id, func.count())
                                               .group_by(schema.scans.c.job_id)).all())
            finally:
                engine.dispose()
        return cls(jobs, scans, {u: int(counts.get(j.id, 0)) for u, j in jobs.items()})

    def interval(self, host: str) -> tuple[datetime, datetime]:
        scan = self.scans[url(host)]
        assert scan.started_at is not None
        return scan.started_at, scan.finished_at


def browsers_of(web_spki: str) -> list[int]:
    """Chromium processes started for this fixture web (their command line names its key) still alive."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if web_spki.encode() in cmdline and state != "Z":
            found.append(int(entry))
    return found


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, every: float = 0.5) -> None:
    """Wait until ``predicate()`` holds, failing with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)
