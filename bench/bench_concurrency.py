"""Benchmark: pages per minute at ``--concurrency 1`` and at the default, on a 100-page fixture site
with realistic third parties, in three consent states. Reports ratios from one run on this machine,
peak memory (Python + every Chromium process), and whether both runs found the same cookies and findings.

    python bench/bench_concurrency.py [--pages 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from pathlib import Path

from cookiescan import audit
from cookiescan.browser import resolve_executable
from cookiescan.config import ScanConfig, default_concurrency
from cookiescan.demo import FixtureWeb, sites
from cookiescan.demo.server import Request, Response

HOST = "bench-fixture.com"


def bench_routes(pages: int) -> dict:
    """A site of ``pages`` pages, each linking to a few others and loading the shop's third parties."""

    def handler(req: Request) -> Response | None:
        if req.path == "/robots.txt":
            return Response("User-agent: *\nAllow: /\n", content_type="text/plain")
        if req.path == "/sitemap.xml":
            return None
        if req.path == "/" or req.path.startswith("/p/"):
            n = 0 if req.path == "/" else int(req.path.rsplit("/", 1)[-1] or 0)
            links = "".join(f'<a href="/p/{(n * 3 + k) % pages}">page {(n * 3 + k) % pages}</a> ' for k in (1, 2, 3))
            body = f"""<!doctype html><html><head><meta charset="utf-8"><title>Page {n}</title></head><body>
<h1>Page {n}</h1><nav>{links}</nav>
<script>document.cookie = "_ga=GA1.1.42.1700000000; max-age=63072000; path=/";
navigator.sendBeacon("https://www.google-analytics.com/g/collect?v=2&en=page_view");</script>
<script src="https://{sites.TRACKER}/t.js" async></script>
<img src="https://{sites.ADS}/pixel.gif?p={n}" width="1" height="1" alt="">
{f'<iframe src="https://{sites.WIDGET}/embed" width="300" height="80"></iframe>' if n % 10 == 0 else ''}
</body></html>"""
            return Response(body, headers=[("Set-Cookie", f"sid=s{n}; Path=/; HttpOnly; Secure")])
        return None

    return {**sites.ROUTES, HOST: handler}


class PeakRSS:
    """Samples the memory and CPU time of this process and all its descendants (Chromium) every 0.2 s.

    Uses PSS (proportional set size, /proc/PID/smaps_rollup): plain RSS counts the libraries and shared
    memory every Chromium process maps once per process, which overstates the total several times."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self.peak = 0
        self.cpu: dict[int, float] = {}  # pid -> user + system seconds, last seen (the tree's CPU time)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _tree_rss(self) -> int:
        me = os.getpid()
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        ticks: dict[int, float] = {}
        page = os.sysconf("SC_PAGE_SIZE")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                fields = stat.rsplit(")", 1)[1].split()
                ppid = int(fields[1])
                children.setdefault(ppid, []).append(int(entry))
                rss[int(entry)] = int(fields[21]) * page
                ticks[int(entry)] = (int(fields[11]) + int(fields[12])) / self.HZ
            except (OSError, ValueError, IndexError):
                continue
        total, stack = 0, [me]
        while stack:
            pid = stack.pop()
            total += self._pss(pid, rss.get(pid, 0))
            if pid != me and pid in ticks:
                self.cpu[pid] = ticks[pid]
            stack.extend(children.get(pid, []))
        return total

    @staticmethod
    def _pss(pid: int, fallback: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        return fallback

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            self._stop.wait(0.2)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


async def one_run(web: FixtureWeb, exe: str, pages: int, concurrency: int) -> dict:
    config = ScanConfig(urls=(f"https://{HOST}/",), browser=exe, browser_args=tuple(web.browser_args),
                        max_pages=pages, depth=50, concurrency=concurrency, use_sitemap=False)
    with PeakRSS() as mem:
        t0, c0 = time.monotonic(), os.times()
        result = await audit(config)  # the whole job, as the CLI runs it
        elapsed, c1 = time.monotonic() - t0, os.times()
    # CPU of this process (scanner + the fixture server's threads) and of every browser process seen
    # while sampling (a process that ends loses at most its last 0.2 s)
    cpu = (c1.user - c0.user) + (c1.system - c0.system) + sum(mem.cpu.values())
    visits = sum(len(s.pages) for s in result.states.values())
    cookies = sorted({(st, c.name, c.site, round(c.requested_lifetime_days or 0)) for st, s in result.states.items()
                      for c in s.cookies})
    findings = sorted({(f.rule, f.scenario, f.subject) for f in result.findings})
    return {"concurrency": concurrency, "seconds": round(elapsed, 1), "page_visits": visits,
            "pages_per_minute": round(visits / elapsed * 60, 1), "peak_pss_mb": round(mem.peak / 2**20),
            "cpu_seconds": round(cpu, 1), "cores_busy": round(cpu / elapsed, 2),
            "cookies": cookies, "findings": findings}


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    exe, _ = resolve_executable()
    with FixtureWeb(routes=bench_routes(args.pages)) as web:
        serial = await one_run(web, exe, args.pages, 1)
        default = await one_run(web, exe, args.pages, default_concurrency())
    same_cookies = serial["cookies"] == default["cookies"]
    same_findings = serial["findings"] == default["findings"]
    ratio = default["pages_per_minute"] / serial["pages_per_minute"]
    print(f"{args.pages} pages x 3 consent states, {os.cpu_count()} CPUs (one run, this machine)")
    print("| run | page visits | seconds | pages/min | cores busy | peak memory, PSS (MB) |")
    print("|---|---|---|---|---|---|")
    for r in (serial, default):
        print(f"| --concurrency {r['concurrency']} | {r['page_visits']} | {r['seconds']} | {r['pages_per_minute']} "
              f"| {r['cores_busy']} | {r['peak_pss_mb']} |")
    print(f"speed-up: {ratio:.2f}x   same cookies: {same_cookies}   same findings: {same_findings}")
    if args.json:
        args.json.write_text(json.dumps({"serial": serial, "default": default, "ratio": ratio}, indent=2))
    return 0 if same_cookies and same_findings else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
