"""A batch store with three weekly runs over four sites, for the portfolio tests: findings appear and go
away between runs, one site fails and one is unreachable in the last run, and one site carries hostile
text in its URL, its tag and its error.

    W46  shop, news                          (a third point in the shop's trend)
    W47  shop, news, blog, evil              all scanned
    W48  shop, news scanned; blog failed; evil unreachable

Results are the report tests' shop audit (tests/report_factory.py) with findings picked per site and run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cookiescan.batch import Store
from cookiescan.models import Finding
from tests.report_factory import make_result

XSS_TAG = "<img src=x onerror=alert(1)>"
XSS_ERROR = "net::ERR_NAME_NOT_RESOLVED <script>alert('error')</script>"

SHOP = "https://www.shop.example/"
NEWS = "https://news.example/"
BLOG = "https://blog.example/"
EVIL = "https://evil.example/?q=<img src=x onerror=alert(1)>"
SITES = [(SHOP, ["client-a", "eu"]), (NEWS, ["client-b"]), (BLOG, ["client-a"]), (EVIL, [XSS_TAG, "client-b"])]

W46, W47, W48 = "weekly-2026-W46", "weekly-2026-W47", "weekly-2026-W48"
START = datetime(2026, 11, 9, 8, 0, tzinfo=timezone.utc)  # W46's Monday; each run a week later

# Findings of the shop audit by identity (rule|scenario|subject), as the diff keys them.
PRE_GA = "pre-consent-cookie|before|_ga"
PRE_IDE = "pre-consent-cookie|before|IDE"
PRE_TRACKER = "pre-consent-tracker|before|google-analytics.com"
REJECT_IDE = "post-reject-cookie|reject|IDE"
NO_REJECT = "no-reject-first-layer|reject|banner"
CAP_GA = "lifetime-over-cap|accept|_ga"
UNDECLARED_FBP = "undeclared-cookie|accept|_fbp"
UNDECLARED_XSS = "undeclared-cookie|accept|<img src=x onerror=alert(1)>"
UNDECLARED_IDE_BEFORE = "undeclared-cookie|before|IDE"
UNDECLARED_IDE_REJECT = "undeclared-cookie|reject|IDE"
OVER_DECLARED = "lifetime-over-declared|accept|_hjSessionUser_3412"
NOT_FOUND = "declared-not-found|all|_gid"
IGNORED_LANG = "undeclared-cookie|before|lang"

ALL = (PRE_GA, PRE_IDE, PRE_TRACKER, REJECT_IDE, NO_REJECT, CAP_GA, UNDECLARED_FBP, UNDECLARED_XSS,
       UNDECLARED_IDE_BEFORE, UNDECLARED_IDE_REJECT, OVER_DECLARED, NOT_FOUND, IGNORED_LANG)

# What each site's scan holds in each run (None: the job fails or the site is unreachable).
PLAN: dict[str, dict[str, tuple[str, ...] | str]] = {
    W46: {
        SHOP: ALL,
        NEWS: (PRE_TRACKER, CAP_GA, UNDECLARED_FBP, NOT_FOUND),
    },
    W47: {
        SHOP: tuple(k for k in ALL if k != OVER_DECLARED),
        NEWS: (CAP_GA, UNDECLARED_FBP, NOT_FOUND),
        BLOG: (),
        EVIL: (PRE_IDE, NO_REJECT),
    },
    W48: {
        # new: OVER_DECLARED; resolved: PRE_TRACKER, UNDECLARED_FBP
        SHOP: tuple(k for k in ALL if k not in (PRE_TRACKER, UNDECLARED_FBP)),
        # new: PRE_GA; resolved: UNDECLARED_FBP
        NEWS: (PRE_GA, CAP_GA, NOT_FOUND),
        BLOG: "failed",
        EVIL: "unreachable",
    },
}
EXPECTED_NEW = {SHOP: {OVER_DECLARED}, NEWS: {PRE_GA}}
EXPECTED_RESOLVED = {SHOP: {PRE_TRACKER, UNDECLARED_FBP}, NEWS: {UNDECLARED_FBP}}
EXPECTED_ORDER = [SHOP, EVIL, NEWS, BLOG]  # 4 high · 2 high · 1 high · nothing (alphabetical is the reverse)


class Clock:
    """The time the store sees; the tests move it a week per run instead of waiting."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _key(f: Finding) -> str:
    return f"{f.rule}|{f.scenario}|{f.subject}"


def result_dict(url: str, keys: tuple[str, ...], when: datetime, shots: Path) -> dict[str, Any]:
    """The shop audit re-labelled for ``url``, keeping only the findings ``keys`` name, scanned at ``when``."""
    base = make_result(shots)
    by_key = {_key(f): f for f in base.findings}
    host = url.split("/")[2]
    site = host.removeprefix("www.")
    start = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (when + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = replace(base, seeds=(url,), site=site, first_party=(site,), findings=tuple(by_key[k] for k in keys),
                     started_at=start, finished_at=end, title=f"Audit of {host}")
    return result.to_dict()


def populate(store: Store, clock: Clock, shots: Path,
             report_paths: dict[tuple[str, str], list[str]] | None = None) -> dict[str, datetime]:
    """Run the three weekly runs of :data:`PLAN` into an upgraded store; returns each run's time.
    ``report_paths[(run, url)]`` are stored with that scan."""
    times: dict[str, datetime] = {}
    for i, (label, plan) in enumerate(PLAN.items()):
        clock.now = START + timedelta(weeks=i)
        times[label] = clock.now
        store.open_run(label, [(u, t) for u, t in SITES if u in plan], {"max_pages": 5})
        for job in store.pending_jobs(label):
            claim = store.claim(job.id, worker="test:1")
            assert claim, claim
            what = plan[job.url]
            if what == "failed":
                store.fail(claim, "browser crashed twice: Target closed", retry=False)
            elif what == "unreachable":
                store.unreachable(claim, XSS_ERROR)
            else:
                assert isinstance(what, tuple)
                paths = (report_paths or {}).get((label, job.url), [])
                store.finish(claim, result_dict(job.url, what, clock.now, shots), paths)
    return times
