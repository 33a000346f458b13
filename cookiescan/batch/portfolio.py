"""The portfolio from the batch store: the latest scan of every site, riskiest first, what changed since each
site's previous scan, the sites whose newest job failed, and the findings by rule and by vendor; and the
stored-scan diff ``cookiescan diff --db URL SITE`` prints.

    p = build_portfolio(store, tags=["client-a"], since=now - timedelta(days=7))
    write_portfolio(store, "portfolio.html", tags=["client-a"])
    d = site_diff(store, "https://shop.example/", from_label="weekly-2026-W47")

The portfolio's "new" and "resolved" findings and ``cookiescan diff --db`` come from the same function,
:func:`diff_scans` (``cookiescan.diff.diff_results`` of the two stored results), so they cannot disagree.
Rendering is :mod:`cookiescan.report.portfolio`'s.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from cookiescan.batch import schema as s
from cookiescan.batch.records import Job, Run, ScanRow, Site, StoreError
from cookiescan.batch.store import Store
from cookiescan.diff import DiffResult, diff_results
from cookiescan.errors import OutputError, UsageError
from cookiescan.models import SCHEMA_VERSION, ScanResult
from cookiescan.report.portfolio import format_for, render
from cookiescan.report.portfolio.model import Tally, riskiest_first, site_row
from cookiescan.report.portfolio.records import Attempt, FailedSite, Portfolio, SiteRow, TrendPoint
from cookiescan.version import __version__

TREND_POINTS = 12  # scans per site in the trend chart
_SINCE = re.compile(r"^\s*(\d+)\s*(h|d|w)\s*$", re.IGNORECASE)
_SINCE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def list_runs(store: Store) -> list[Run]:
    """Every run in the store, oldest first."""
    return store.runs()


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``--since``: an age (``7d``, ``36h``, ``2w``) counted back from ``now``, or a date or time
    (``2026-11-16``, ``2026-11-16T08:00:00Z``, UTC when no zone is given). UsageError otherwise."""
    now = now or datetime.now(timezone.utc)
    m = _SINCE.match(text or "")
    if m:
        return now - int(m.group(1)) * _SINCE_UNITS[m.group(2).lower()]
    try:
        when = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {text!r} is neither an age nor a date",
                         hint="e.g. --since 7d, --since 36h, --since 2w or --since 2026-11-16") from None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def iso(when: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC (``2026-11-23T09:30:00Z``)."""
    if when is None:
        return None
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def load_result(store: Store, scan: ScanRow) -> ScanResult:
    """The full result of a stored scan; StoreError (one line) when it cannot be read as one."""
    data = store.scan_result(scan.id)
    version = str(data.get("schema_version", "")) if isinstance(data, dict) else ""
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise StoreError(f"the stored scan {scan.id} of {scan.url} has schema version {version or 'none'}; "
                         f"this cookiescan reads {SCHEMA_VERSION}")
    try:
        return ScanResult.from_dict(data)
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise StoreError(f"the stored scan {scan.id} of {scan.url} is not a valid cookiescan result: {exc}") from None


def diff_scans(store: Store, old: ScanRow, new: ScanRow, *, new_result: ScanResult | None = None) -> DiffResult:
    """The diff of two stored scans: what the portfolio shows as new and resolved, and what
    ``cookiescan diff --db`` prints (``new_result``: the new scan's result, when already loaded)."""
    return diff_results(load_result(store, old), new_result if new_result is not None else load_result(store, new))


# -- one site's diff ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SiteDiff:
    """Two stored scans of one site and their diff."""

    site: Site
    old: ScanRow
    new: ScanRow
    old_run: str
    new_run: str
    diff: DiffResult


def _host(url: str) -> str:
    with contextlib.suppress(ValueError):
        return (urlsplit(url).hostname or "").lower()
    return ""


def find_site(store: Store, text: str) -> Site:
    """The stored site ``text`` names: its exact URL, the URL without its trailing slash, its host name or
    its registrable domain (when only one stored site has it). UsageError otherwise."""
    wanted = (text or "").strip()
    if not wanted:
        raise UsageError("no site given", hint="name it by URL, e.g. https://shop.example/")
    exact = store.site_by_url(wanted)
    if exact is not None:
        return exact
    low = wanted.lower().rstrip("/")
    candidates: dict[int, Site] = {}
    for row in store.latest_scans():
        if low in (row.url.lower().rstrip("/"), _host(row.url), row.domain.lower()):
            candidates[row.site_id] = Site(id=row.site_id, url=row.url, domain=row.domain, tags=row.tags)
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    if candidates:
        names = ", ".join(sorted(c.url for c in candidates.values())[:5])
        raise UsageError(f"{wanted[:200]!r} names {len(candidates)} stored sites: {names}",
                         hint="give the site's full URL")
    raise UsageError(f"no stored scan of a site {wanted[:200]!r} in {store.shown_url}",
                     hint="name it by the URL it was listed with; `cookiescan portfolio` lists the sites")


def _scan_in_run(store: Store, site: Site, label: str) -> ScanRow:
    if store.get_run(label) is None:
        raise UsageError(f"no run labelled {label[:200]!r} in {store.shown_url}")
    found = [r for r in store.latest_scans(run=label) if r.site_id == site.id]
    if not found:
        raise UsageError(f"run {label!r} has no scan of {site.url}",
                         hint="the site failed, was unreachable or was not listed in that run")
    return found[0]


def scans_to_compare(store: Store, site: Site, from_label: str | None = None,
                     to_label: str | None = None) -> tuple[ScanRow, ScanRow]:
    """(old, new) scans of a site: ``to_label``'s scan, else the newest; ``from_label``'s scan, else the one
    stored just before the new one. UsageError when one is missing or they are the same scan."""
    if to_label:
        new = _scan_in_run(store, site, to_label)
    else:
        newest = [r for r in store.latest_scans() if r.site_id == site.id]
        if not newest:
            raise UsageError(f"no stored scan of {site.url}")
        new = newest[0]
    if from_label:
        old = _scan_in_run(store, site, from_label)
    else:
        before = store.previous_scan(site.id, new.id)
        if before is None:
            raise UsageError(f"{site.url} has only one stored scan up to {to_label or 'now'}: nothing to compare",
                             hint="scan it again, or name two runs with --from and --to")
        old = before
    if old.id == new.id:
        raise UsageError(f"--from and --to name the same scan of {site.url}")
    return old, new


def site_diff(store: Store, site: str, from_label: str | None = None, to_label: str | None = None) -> SiteDiff:
    """``cookiescan diff --db URL SITE [--from LABEL] [--to LABEL]``: the diff of two stored scans of a site
    (by default its newest scan against the one before it)."""
    found = find_site(store, site)
    old, new = scans_to_compare(store, found, from_label, to_label)
    labels = {r.id: r.label for r in list_runs(store)}
    return SiteDiff(site=found, old=old, new=new, old_run=labels.get(old.run_id, str(old.run_id)),
                    new_run=labels.get(new.run_id, str(new.run_id)), diff=diff_scans(store, old, new))


# -- the portfolio -----------------------------------------------------------------------------------------
def _newest_attempts(store: Store, runs: list[Run], since: datetime | None) -> dict[int, tuple[Job, str]]:
    """site id -> (its newest job, that run's label) when that job ended failed or unreachable (at or after
    ``since``). A site whose newest job is done, queued or running is left out."""
    seen: set[int] = set()
    out: dict[int, tuple[Job, str]] = {}
    for run in sorted(runs, key=lambda r: r.id, reverse=True):
        for job in store.jobs(run.id):
            if job.site_id in seen:
                continue
            seen.add(job.site_id)
            if job.status in (s.FAILED, s.UNREACHABLE) and (
                    since is None or (job.finished_at is not None and job.finished_at >= since)):
                out[job.site_id] = (job, run.label)
    return out


def _trends(store: Store, latest: dict[int, ScanRow], runs: list[Run], labels: dict[int, str],
            points: int) -> dict[int, list[TrendPoint]]:
    """site id -> its last ``points`` scans up to its latest one, oldest first (one query per run, newest
    run first, stopping once every site has its points)."""
    trend: dict[int, list[TrendPoint]] = {site_id: [] for site_id in latest}
    for run in sorted(runs, key=lambda r: r.id, reverse=True):
        if all(len(t) >= points for t in trend.values()):
            break
        for scan in store.latest_scans(run=run.id):
            t = trend.get(scan.site_id)
            if t is not None and len(t) < points and scan.id <= latest[scan.site_id].id:
                t.append(TrendPoint(scan_id=scan.id, run=labels.get(scan.run_id, str(scan.run_id)),
                                    finished_at=iso(scan.finished_at) or "", high=scan.high, medium=scan.medium,
                                    low=scan.low))
    return {site_id: sorted(t, key=lambda p: p.scan_id) for site_id, t in trend.items()}


def _report_link(scan: ScanRow, output_dir: Path, reports_base: Path) -> str | None:
    """The scan's HTML report relative to the portfolio's folder, when it exists."""
    for stored in scan.report_paths:
        if not stored.lower().endswith((".html", ".htm")):
            continue
        path = Path(stored)
        path = path if path.is_absolute() else reports_base / path
        if path.is_file():
            return os.path.relpath(path.resolve(), output_dir.resolve())
    return None


def build_portfolio(store: Store, *, tags: Iterable[str] | None = None, since: datetime | None = None,
                    run: str | None = None, output_dir: str | os.PathLike[str] | None = None,
                    reports_base: str | os.PathLike[str] | None = None, now: datetime | None = None,
                    trend_points: int = TREND_POINTS) -> Portfolio:
    """The portfolio of the store: the latest scan of each site carrying every one of ``tags``, finished at
    or after ``since``, within run ``run`` when given. Report links are relative to ``output_dir`` (the
    portfolio file's folder; default the current one); stored relative report paths resolve against
    ``reports_base`` (default the current folder, where the workers wrote them)."""
    wanted = tuple(sorted({t.strip() for t in tags or () if t and t.strip()}))
    runs = list_runs(store)
    labels = {r.id: r.label for r in runs}
    if run is not None:
        chosen = [r for r in runs if r.label == run]
        if not chosen:
            raise UsageError(f"no run labelled {run[:200]!r} in {store.shown_url}")
        runs_for_failures = chosen
    else:
        runs_for_failures = runs
    latest = {r.site_id: r for r in store.latest_scans(run=run, tags=wanted or None, since=since)}
    attempts = _newest_attempts(store, runs_for_failures, since)
    trends = _trends(store, latest, runs, labels, max(trend_points, 1))
    out_dir = Path(output_dir) if output_dir is not None else Path.cwd()
    base = Path(reports_base) if reports_base is not None else Path.cwd()

    tally = Tally()
    rows: list[SiteRow] = []
    for site_id, scan in latest.items():
        result = load_result(store, scan)
        before = store.previous_scan(site_id, scan.id)
        diff = diff_scans(store, before, scan, new_result=result) if before is not None else None
        failed = attempts.get(site_id)
        rows.append(site_row(
            url=scan.url, domain=scan.domain, tags=scan.tags, scan_id=scan.id,
            run=labels.get(scan.run_id, str(scan.run_id)), finished_at=iso(scan.finished_at) or "", result=result,
            previous=(labels.get(before.run_id, str(before.run_id)), iso(before.finished_at) or "") if before else None,
            diff=diff, trend=trends.get(site_id, ()), report=_report_link(scan, out_dir, base),
            latest_attempt=_attempt(*failed) if failed else None))
        tally.add(result)

    failures: list[FailedSite] = []
    for site_id, (job, label) in attempts.items():
        row = latest.get(site_id)
        site_tags = row.tags if row is not None else _tags_of(store, job.url)
        if not set(wanted) <= set(site_tags):
            continue
        last = iso(row.finished_at) if row is not None else _last_scan(store, site_id)
        failures.append(FailedSite(url=job.url, domain=job.domain, tags=site_tags, attempt=_attempt(job, label),
                                   last_scan_at=last))
    return Portfolio(
        generated_at=iso(now or datetime.now(timezone.utc)) or "", tool_version=__version__,
        database=store.shown_url, rows=riskiest_first(rows),
        failed=tuple(sorted(failures, key=lambda f: (f.attempt.status, f.url))),
        by_rule=tally.by_rule(), by_vendor=tally.by_vendor(), unattributed=tally.unattributed,
        tags=wanted, since=iso(since), run=run)


def _attempt(job: Job, label: str) -> Attempt:
    return Attempt(run=label, status=job.status, error=job.error or "", attempts=job.attempts,
                   finished_at=iso(job.finished_at))


def _tags_of(store: Store, url: str) -> tuple[str, ...]:
    site = store.site_by_url(url)
    return site.tags if site is not None else ()


def _last_scan(store: Store, site_id: int) -> str | None:
    """A filtered-out site's newest scan time (the portfolio's filters may leave its scan out)."""
    newest = [r for r in store.latest_scans() if r.site_id == site_id]
    return iso(newest[0].finished_at) if newest else None


def write_portfolio(store: Store, path: str | os.PathLike[str], fmt: str | None = None, *,
                    tags: Iterable[str] | None = None, since: datetime | None = None, run: str | None = None,
                    title: str | None = None, reports_base: str | os.PathLike[str] | None = None,
                    now: datetime | None = None) -> Path:
    """Build the portfolio and write it atomically to ``path`` in ``fmt`` (html, md or json; default from
    the suffix), report links relative to the file's folder. Returns the path written."""
    target = Path(path)
    name = format_for(target, fmt)
    portfolio = build_portfolio(store, tags=tags, since=since, run=run, output_dir=_folder(target),
                                reports_base=reports_base, now=now)
    return save_portfolio(portfolio, target, name, title)


def save_portfolio(portfolio: Portfolio, path: str | os.PathLike[str], fmt: str | None = None,
                   title: str | None = None) -> Path:
    """Write a built portfolio atomically (a temporary file in the same folder, then a rename); its report
    links must have been made relative to this file's folder (``build_portfolio(output_dir=…)``)."""
    target = Path(path)
    text = render(portfolio, format_for(target, fmt), title)
    folder = _folder(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a portfolio is meant to be shared
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    return target


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")
