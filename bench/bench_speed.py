"""Benchmark: time to the report for fixture sites of 3, 9, 13 and 100 pages x 3 consent states, at
``--concurrency 1`` and at the default, for this checkout and for an earlier revision of cookiescan run in the
same session on the same machine (a git worktree of ``--before``, on the same Python and Chromium install), with
the peak memory of the whole process tree (the CLI and every Chromium process, sampled in a run of its own). Also
checks that both versions found the same cookies, third parties and findings. Reports ratios measured in one
session (the median of ``--rounds`` runs per site below 50 pages, before and after alternating). Each version
runs the browser it picks by itself: this checkout Chromium's headless shell when one is installed, the revision
before the full browser; ``--full-browser`` also times this checkout in the full browser.

    python bench/bench_speed.py [--before REV] [--sizes 3,9,13,100] [--rounds 3] [--full-browser] [--json out.json]

Each run is the real command, as a user or CI runs it: ``python -m cookiescan scan URL --max-pages N -o r.json
-o r.html`` (the time includes starting the browser and writing the reports).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sites import HOST, bench_routes

from cookiescan.batch.watchdog import descendants, pss
from cookiescan.browser import resolve_executable
from cookiescan.config import default_concurrency
from cookiescan.demo import FixtureWeb

ROOT = Path(__file__).resolve().parent.parent
#: the last commit before issue 17's speed work (its "before" column)
BEFORE = "090ce30"


class TreePeak:
    """Peak PSS of a process and its descendants, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(pss(p) for p in [self.pid, *descendants(self.pid)]))
            self._stop.wait(0.1)

    def __enter__(self) -> TreePeak:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """A detached worktree of ``rev`` (removed afterwards); the current tree for ``"."``."""
    if rev == ".":
        yield ROOT
        return
    path = Path(tempfile.mkdtemp(prefix="cookiescan-before-"))
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(path), rev], cwd=ROOT, check=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


def one_run(tree: Path, web: FixtureWeb, pages: int, concurrency: int, work: Path, *, sample: bool = False,
            browser: str | None = None) -> dict:
    """One scan through the CLI of ``tree``; wall time, what it found and, with ``sample``, peak memory. Sampling
    is a run of its own: reading every process's smaps takes ~2 s of CPU in a 9 s scan on 2 cores, time the scan
    would not have otherwise."""
    out = work / f"r-{pages}-{concurrency}-{time.monotonic_ns()}"
    args = [sys.executable, "-m", "cookiescan", "scan", f"https://{HOST}/", "--max-pages", str(pages),
            "--depth", "50", "--no-sitemap", "--concurrency", str(concurrency), "-q", "--exit-zero",
            "-o", f"{out}.json", "-o", f"{out}.html", *(f"--browser-arg={a}" for a in web.browser_args),
            *(("--browser", browser) if browser else ())]
    env = {**os.environ, "PYTHONPATH": str(tree), "CI": "true"}
    t0 = time.monotonic()
    proc = subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with TreePeak(proc.pid) if sample else contextlib.nullcontext() as mem:
        _, err = proc.communicate(timeout=1800)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"the scan failed ({tree}): {err.decode(errors='replace')[-2000:]}")
    data = json.loads(Path(f"{out}.json").read_text())
    states = data["states"]
    return {
        "pages": pages, "concurrency": concurrency, "seconds": round(seconds, 2),
        "peak_mb": round(mem.peak / 2**20) if mem is not None else None,
        "cookies": sorted({(s, c["name"], c["site"]) for s, st in states.items() for c in st["cookies"]}),
        "third_parties": sorted({(s, t["site"]) for s, st in states.items() for t in st["third_parties"]}),
        "findings": sorted({(f["rule"], f["scenario"], f["subject"]) for f in data["findings"]}),
        "visits": sum(len(st["pages"]) for st in states.values()),
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median time; ``stable``: every run found the same."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    pick = dict(ordered[len(ordered) // 2])
    pick["stable"] = all(all(r[k] == pick[k] for k in ("cookies", "third_parties", "findings")) for r in runs)
    pick["all_seconds"] = [r["seconds"] for r in runs]
    return pick


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BEFORE, help="the revision to compare with ('.' for none) [%(default)s]")
    ap.add_argument("--sizes", default="3,9,13,100")
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs per site below 50 pages, before and after alternating; the median is kept [%(default)s]")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--full-browser", action="store_true",
                    help="also time this checkout in the full Chromium (it picks the headless shell when one is "
                         "installed; the revision before picked the full browser), below 50 pages")
    args = ap.parse_args()
    full = resolve_executable(None, headless=False)[0] if args.full_browser else None
    sizes = [int(s) for s in args.sizes.split(",")]
    default = default_concurrency()
    rows = []
    with FixtureWeb(routes=bench_routes(max(sizes))) as web, checkout(args.before) as before, \
            tempfile.TemporaryDirectory() as tmp:
        for pages in sizes:
            for conc in (1, default):
                # before and after alternate, so a burst of load elsewhere falls on both; the median run is kept
                rounds = args.rounds if pages < 50 else 1
                olds, news, fulls = [], [], []
                for _ in range(rounds):
                    if args.before != ".":
                        olds.append(one_run(before, web, pages, conc, Path(tmp)))
                    news.append(one_run(ROOT, web, pages, conc, Path(tmp)))
                    if full and pages < 50:
                        fulls.append(one_run(ROOT, web, pages, conc, Path(tmp), browser=full))
                old, new = (median_run(olds) if olds else None), median_run(news)
                in_full = median_run(fulls) if fulls else None
                new["peak_mb"] = one_run(ROOT, web, pages, conc, Path(tmp), sample=True)["peak_mb"]
                same = old is None or all(old[k] == new[k] for k in ("cookies", "third_parties", "findings"))
                if in_full is not None:
                    same = same and all(in_full[k] == new[k] for k in ("cookies", "third_parties", "findings"))
                rows.append({"pages": pages, "concurrency": conc, "before": old, "after": new, "same": same,
                             "after_full_browser": in_full})
                fb_seconds = in_full["all_seconds"] if in_full else "-"
                print(f"{pages:>4} pages  --concurrency {conc}:  before {old['all_seconds'] if old else '-'} s  "
                      f"after {new['all_seconds']} s  after in the full browser {fb_seconds} s  "
                      f"peak {new['peak_mb']} MB  same findings: {same}", file=sys.stderr, flush=True)
    print(f"\n{len(sizes)} fixture sites x 3 consent states, {os.cpu_count()} CPUs, median of {args.rounds} runs "
          f"below 50 pages, one run above (before = {args.before})")
    print("| pages | concurrency | before (s) | after (s) | after / before | after, full browser (s) | "
          "peak memory after (MB) | same findings |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        old, new, fb = r["before"], r["after"], r["after_full_browser"]
        ratio = f"{new['seconds'] / old['seconds']:.2f}×" if old else "—"
        in_full = (f"{fb['seconds']} ({fb['seconds'] / old['seconds']:.2f}×)" if old else str(fb["seconds"])) \
            if fb else "—"
        print(f"| {r['pages']} | {r['concurrency']} | {old['seconds'] if old else '—'} | {new['seconds']} | {ratio} "
              f"| {in_full} | {new['peak_mb']} | {'yes' if r['same'] else 'NO'} |")
    for pages in sizes:
        serial = next(r for r in rows if r["pages"] == pages and r["concurrency"] == 1)
        par = next(r for r in rows if r["pages"] == pages and r["concurrency"] == default)
        was = f" (before: {serial['before']['seconds'] / par['before']['seconds']:.2f}×)" if serial["before"] else ""
        print(f"{pages} pages: default concurrency is {serial['after']['seconds'] / par['after']['seconds']:.2f}× "
              f"faster than --concurrency 1{was}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=list))
    return 0 if all(r["same"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
