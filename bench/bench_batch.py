"""Benchmark: ``cookiescan batch`` on 12 fixture sites of 10 pages (three consent states each), with 1 and 2
workers, on the local engine and on Celery (one ``cookiescan worker`` on a local redis-server). Reports
sites/hour, seconds per site, cores busy, peak memory of the whole process tree and idle worker memory, from
one run on this machine. All runs store into SQLite.

    python bench/bench_batch.py [--sites 12] [--pages 10] [--json out.json] [--only local|celery]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from cookiescan.batch import Store
from cookiescan.batch.watchdog import descendants, pss
from cookiescan.demo import FixtureWeb, sites
from cookiescan.demo.server import Request, Response


def site_routes(count: int, pages: int) -> dict:
    """``count`` sites of ``pages`` pages, each page linking to a few others and loading the demo's third parties."""

    def handler_for(host: str):  # type: ignore[no-untyped-def]
        def handler(req: Request) -> Response | None:
            if req.path == "/robots.txt":
                return Response("User-agent: *\nAllow: /\n", content_type="text/plain")
            if req.path == "/" or req.path.startswith("/p/"):
                n = 0 if req.path == "/" else int(req.path.rsplit("/", 1)[-1] or 0)
                targets = [(n * 3 + k) % pages for k in (1, 2, 3)]
                links = "".join(f'<a href="/p/{t}">page {t}</a> ' for t in targets)
                body = f"""<!doctype html><html><head><meta charset="utf-8"><title>{host} {n}</title></head><body>
<h1>{host}, page {n}</h1><nav>{links}</nav>
<script>document.cookie = "_ga=GA1.1.42.1700000000; max-age=63072000; path=/";</script>
<script src="https://{sites.TRACKER}/t.js" async></script>
<img src="https://{sites.ADS}/pixel.gif?p={n}" width="1" height="1" alt="">
</body></html>"""
                return Response(body, headers=[("Set-Cookie", f"sid=s{n}; Path=/; HttpOnly; Secure")])
            return None

        return handler

    return {**sites.ROUTES, **{f"bench{i}-fixture.com": handler_for(f"bench{i}-fixture.com") for i in range(count)}}


class TreeSampler:
    """The PSS and CPU time of this process's descendants (every process of the run: batch, workers, Chromium),
    sampled every 0.5 s: ``peak`` is the largest PSS sum seen, ``cpu`` the CPU seconds of every process seen
    (a process loses at most its last half second). Sampling, not the reaped-children times: Chromium's
    renderers are re-parented to init when a browser closes, and their time would be lost."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self.peak = 0
        self._ticks: dict[tuple[int, str], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu(self) -> float:
        return sum(self._ticks.values())

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            pids = descendants(os.getpid())
            self.peak = max(self.peak, sum(pss(p) for p in pids))
            for pid in pids:
                with contextlib.suppress(OSError, IndexError, ValueError):
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    self._ticks[(pid, fields[19])] = (int(fields[11]) + int(fields[12])) / self.HZ

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"PING\r\n")
                if c.recv(16).startswith(b"+PONG"):
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cli(*args: str, **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cookiescan", *args], stdin=subprocess.DEVNULL,  # type: ignore[call-overload]
                            **kw)


def one_run(web: FixtureWeb, engine: str, workers: int, n_sites: int, pages: int, tmp: Path,
            broker: str | None) -> dict:
    db = f"sqlite:///{tmp / f'{engine}-{workers}.db'}"
    site_file = tmp / "sites.txt"
    site_file.write_text("".join(f"https://bench{i}-fixture.com/\n" for i in range(n_sites)))
    args = ["batch", str(site_file), "--db", db, "--label", f"bench-{engine}-{workers}", "--max-pages", str(pages),
            "--no-sitemap", "--reports-dir", str(tmp / "reports"), "--quiet",
            *(f"--browser-arg={a}" for a in web.browser_args)]
    worker_procs: list[subprocess.Popen[bytes]] = []
    idle = None
    with TreeSampler() as mem:
        if engine == "local":
            args += ["--workers", str(workers)]
        else:
            assert broker is not None
            subprocess.run([sys.executable, "-m", "cookiescan", "db", "upgrade", "--db", db], check=True,
                           capture_output=True)
            log = (tmp / f"worker-{workers}.log").open("wb")
            worker_procs.append(cli("worker", "--broker", broker, "--db", db, "--concurrency", str(workers),
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            time.sleep(15)  # started and idle: its main process and pool children
            idle = sum(pss(p) for p in [worker_procs[0].pid, *descendants(worker_procs[0].pid)])
            args += ["--engine", "celery", "--broker", broker]
        t0, cpu0 = time.monotonic(), mem.cpu
        batch = cli(*args, stderr=subprocess.PIPE)
        _, err = batch.communicate()
        elapsed = time.monotonic() - t0
        for proc in worker_procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=120)
    if batch.returncode != 0:
        raise SystemExit(f"{engine} x{workers}: batch exited {batch.returncode}: {err.decode()[-2000:]}")
    with Store(db) as store:
        jobs = store.jobs(f"bench-{engine}-{workers}")
        scans = store.latest_scans(f"bench-{engine}-{workers}")
    per_site = [(j.finished_at - j.started_at).total_seconds() for j in jobs if j.finished_at and j.started_at]
    cpu = mem.cpu - cpu0  # not the idle worker's start-up
    visits = sum(s.pages for s in scans)
    return {"engine": engine, "workers": workers, "sites": len(jobs), "done": sum(j.status == "done" for j in jobs),
            "seconds": round(elapsed, 1), "sites_per_hour": round(len(jobs) / elapsed * 3600),
            "seconds_per_site": round(sum(per_site) / len(per_site), 1), "pages": visits,
            "cores_busy": round(cpu / elapsed, 2), "peak_pss_mb": round(mem.peak / 2**20),
            "idle_worker_mb": round(idle / 2**20) if idle is not None else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=12)
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--only", choices=["local", "celery"])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="cookiescan-bench-") as folder, \
            FixtureWeb(site_routes(args.sites, args.pages)) as web, redis_server() as broker:
        tmp = Path(folder)
        for engine in ("local", "celery"):
            if args.only and engine != args.only:
                continue
            for workers in (1, 2):
                results.append(one_run(web, engine, workers, args.sites, args.pages, tmp, broker))
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(f"{args.sites} sites x {args.pages} pages x 3 consent states, {os.cpu_count()} CPUs (one run, this machine)")
    print("| engine | workers | sites/hour | seconds per site | cores busy | peak memory, whole tree (MB PSS) "
          "| idle worker (MB PSS) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        idle = r["idle_worker_mb"] if r["idle_worker_mb"] is not None else "– (no idle process)"
        print(f"| {r['engine']} | {r['workers']} | {r['sites_per_hour']} | {r['seconds_per_site']} | {r['cores_busy']} "
              f"| {r['peak_pss_mb']} | {idle} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(r["done"] == r["sites"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
