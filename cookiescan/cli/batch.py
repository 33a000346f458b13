"""``cookiescan batch`` (many sites, one run, resumable), ``cookiescan worker`` (a Celery worker) and
``cookiescan db upgrade``. The engines live in :mod:`cookiescan.batch`; here: options, the sites file,
progress on stderr, the gate and the exit code.

Exit codes of ``batch``: 0 every site ended and none has new findings at or above ``--fail-on-new``; 1 some
site has; 3 some site failed (after its retries); 2 could not run; 130 interrupted (the run resumes under the
same label). A gate hit (1) wins over failed sites (3): findings need action whatever else happened.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from cookiescan.batch import Run, Store
from cookiescan.batch.gate import new_findings
from cookiescan.batch.local import LocalEngine, default_workers
from cookiescan.batch.monitor import FINAL, JobEvent, Monitor
from cookiescan.batch.portfolio import write_portfolio
from cookiescan.batch.settings import (
    DEFAULT_KILL_GRACE,
    DEFAULT_RETRY_DELAY,
    DEFAULT_SITE_TIMEOUT,
    Limits,
    RunSettings,
    parse_size,
    safe_name,
)
from cookiescan.cli.common import SEVERITY_CHOICES, browser_options, common_options, configure_logging, handle_errors
from cookiescan.cli.options import build_config, site_options
from cookiescan.config import validate_url
from cookiescan.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, CookiescanError, UsageError
from cookiescan.report.portfolio import output_spec

EXIT_SITES_FAILED = 3
DEFAULT_DB = "sqlite:///cookiescan.db"
POLL_SECONDS = 2.0
DEFAULT_VISIBILITY = 3600.0  # = celery_app.DEFAULT_VISIBILITY_TIMEOUT (that module needs celery to import)

db_option = click.option("--db", "db", default=DEFAULT_DB, show_default=True, metavar="URL", envvar="COOKIESCAN_DB",
                         help="The batch store: sqlite:///FILE (one machine) or postgresql://user@host/db (shared).")
broker_option = click.option("--broker", metavar="URL", envvar="COOKIESCAN_BROKER",
                             help="Celery broker (Redis): redis://HOST:6379/0.")
visibility_option = click.option(
    "--visibility-timeout", type=click.FloatRange(60, None), default=DEFAULT_VISIBILITY, show_default=True,
    metavar="S", help="Redis redelivers a message a dead worker held after this; keep it above every site time "
                      "limit (site timeout + kill grace), the same on batch and every worker.")


class SitesFileError(CookiescanError):
    """The sites file cannot be read."""


def read_sites(path: str | Path) -> list[tuple[str, list[str]]]:
    """The sites of a batch file: one URL per line, or CSV ``url[,tags]`` (tags separated by ``;`` or
    spaces, or in further columns); ``#`` comments and blank lines are skipped, a ``url`` header too."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SitesFileError(f"cannot read the sites file {p}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SitesFileError(f"{p} is not UTF-8 text") from None
    sites: list[tuple[str, list[str]]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [c.strip() for c in row]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() == "url":
            continue
        try:
            url = validate_url(cells[0], "site URL")
        except UsageError as exc:
            raise SitesFileError(f"{p}, line {number}: {exc.message}") from None
        tags = [t for cell in cells[1:] for t in cell.replace(";", " ").split() if t]
        sites.append((url, tags))
    if not sites:
        raise SitesFileError(f"{p} lists no site", hint="one URL per line, or CSV rows url,tags")
    return sites


def _settings(sites: list[tuple[str, list[str]]], opts: dict[str, Any]) -> RunSettings:
    """The run's scan settings from the site options (CLI > env > config file > defaults)."""
    config = build_config((sites[0][0],), opts)
    per_site = [name for name, value in (("sitemap", config.sitemap), ("declared_from", config.declared_from),
                                         ("notice", config.notice)) if value]
    if per_site:
        click.echo(f"Warning: the config file's {', '.join(per_site)} name one site: batch ignores them", err=True)
    declared = os.path.abspath(config.declared) if config.declared else None
    config = replace(config, urls=(), sitemap=None, declared_from=None, notice=None, declared=declared)
    timeout = opts.get("site_timeout") or config.scan_budget or DEFAULT_SITE_TIMEOUT
    return RunSettings(config=config, site_timeout=float(timeout), reports_dir=os.path.abspath(opts["reports_dir"]))


def _limits(opts: dict[str, Any]) -> Limits:
    try:
        memory = parse_size(opts["max_browser_memory"])
    except ValueError as exc:
        raise UsageError(f"--max-browser-memory: {exc}") from None
    return Limits(max_browser_memory=memory, kill_grace=opts["kill_grace"], per_domain_delay=opts["per_domain_delay"],
                  retry_delay=opts["retry_delay"], lease_seconds=opts["lease_seconds"])


def _open_store(url: str, *, upgrade: bool) -> Store:
    store = Store(url)
    if upgrade and store.url.get_backend_name() == "sqlite":
        store.upgrade()  # one machine, one file: create or migrate it here; a shared database: `db upgrade`
    return store


def _celery() -> ModuleType:
    """The Celery engine, or a one-line error when its extra is not installed."""
    try:
        import celery  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        raise UsageError("the celery engine needs Celery and the Redis client",
                         hint="pip install 'cookiescan[celery]'") from None
    from cookiescan.batch import celery_app

    return celery_app


# -- progress --------------------------------------------------------------------------------------

class Reporter:
    """Progress on stderr from the database: a line per site that ends (or whose attempt fails), with the
    counts and an ETA; quiet prints nothing."""

    def __init__(self, store: Store, run: Run, *, quiet: bool) -> None:
        self.monitor = Monitor(store, run)
        self.quiet = quiet
        self._at = 0.0
        self.monitor.poll()

    def tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._at < POLL_SECONDS:
            return
        self._at = now
        events, progress = self.monitor.poll()
        if self.quiet:
            return
        width = len(str(progress.total))
        finished = sum(progress.counts.get(s, 0) for s in FINAL)
        finished -= sum(1 for e in events if e.kind in FINAL)  # numbered in the order they ended
        for event in events:
            if event.kind == "started":
                continue
            finished += event.kind in FINAL
            click.echo(f"[{finished:>{width}}/{progress.total}] {_event_text(event)}  ·  {_counts(progress.counts)}"
                       f"{_eta(self.monitor.eta(progress))}", err=True)


def _event_text(event: JobEvent) -> str:
    job = event.job
    took = ""
    if job.started_at and job.finished_at and event.kind in ("done", "unreachable", "failed"):
        took = f" ({(job.finished_at - job.started_at).total_seconds():.0f} s)"
    attempt = f", attempt {job.attempts}" if job.attempts > 1 else ""
    why = f": {(job.error or '').splitlines()[0][:160]}" if event.kind in ("failed", "retry", "unreachable") else ""
    return f"{event.kind:<11} {job.url}{took}{attempt}{why}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(s, 0)} {s}" for s in ("done", "failed", "unreachable", "running", "queued"))


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds >= 3600:
        return f"  ·  ETA {seconds / 3600:.1f} h"
    return f"  ·  ETA {seconds / 60:.0f} min" if seconds >= 90 else f"  ·  ETA {seconds:.0f} s"


# -- the commands ----------------------------------------------------------------------------------

@click.command()
@click.argument("sites_file", metavar="SITES", type=click.Path(dir_okay=False))
@site_options
@click.option("--engine", type=click.Choice(["local", "celery"]), default="local", show_default=True,
              help="local: child processes on this machine (no server); celery: Celery workers on a Redis broker.")
@click.option("--workers", type=click.IntRange(1, 512), default=None,
              help="Sites scanned at once (local engine) [one per core, ~1.5 GB of memory each].")
@db_option
@broker_option
@click.option("--label", metavar="TEXT", help="The run's name; the same label again resumes it, skipping finished "
                                              "sites [SITES file name + today's date].")
@click.option("--retries", type=click.IntRange(0, 20), default=2, show_default=True,
              help="Retries of a site whose scan failed (an unreachable site is not retried).")
@click.option("--retry-failed", is_flag=True, help="Resuming a label: give its failed sites a fresh set of attempts.")
@click.option("--site-timeout", type=click.FloatRange(10, None), default=None, metavar="S",
              help=f"Scanning time per site; pages after it are skipped [{DEFAULT_SITE_TIMEOUT:.0f}].")
@click.option("--kill-grace", type=click.FloatRange(2, None), default=DEFAULT_KILL_GRACE, show_default=True,
              metavar="S", help="A site's attempt is killed this long after its site timeout.")
@click.option("--per-domain-delay", type=click.FloatRange(0, 86400), default=0.0, show_default=True, metavar="S",
              help="Pause between two scans of one registrable domain (never two at once, whatever this is).")
@click.option("--retry-delay", type=click.FloatRange(0, 3600), default=DEFAULT_RETRY_DELAY, show_default=True,
              metavar="S", help="Wait before the first retry of a failed site; doubles with every attempt.")
@click.option("--max-browser-memory", default="2GB", show_default=True, metavar="SIZE",
              help="End an attempt whose browser process tree uses more (PSS).")
@click.option("--lease-seconds", type=click.FloatRange(2, 3600), default=60.0, hidden=True)
@click.option("--fail-on-new", type=click.Choice(SEVERITY_CHOICES), default=None,
              help="Exit 1 when a site has a finding at or above this severity that its previous scan had not.")
@click.option("--reports-dir", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Site reports go to DIR/<label>/<registrable domain>-<site id>.json and .html.")
@click.option("-o", "--output", "portfolio", metavar="PATH[:FORMAT]",
              help="Write the run's portfolio (.html .md .json) when it ends.")
@click.option("--show-values", is_flag=True, help="Include cookie values in outputs (redacted by default).")
@click.option("--no-wait", is_flag=True, help="Celery engine: queue the sites and return at once.")
@visibility_option
@browser_options
@common_options
@handle_errors
def batch(sites_file: str, **opts: Any) -> None:
    """Scan every site listed in SITES (one URL per line, or CSV url,tags) with the scan options, into a
    database; resumable by --label, with retries, per-domain politeness and a site portfolio.

    \b
    Examples:
      cookiescan batch sites.txt --label weekly-$(date +%G-W%V) --fail-on-new high -o portfolio.html
      cookiescan batch sites.csv --workers 4 --max-pages 10 --consent before,accept
      cookiescan batch sites.txt --engine celery --broker redis://queue:6379/0 --db postgresql://scan@db/cookiescan

    \b
    Exit codes: 0 done · 1 new findings at or above --fail-on-new · 3 some site failed · 2 could not run
    · 130 interrupted (run the same command again to finish).
    """
    configure_logging(opts["debug"])
    sites = read_sites(sites_file)
    portfolio = output_spec(opts["portfolio"]) if opts.get("portfolio") else None
    settings = _settings(sites, opts)
    limits = _limits(opts)
    label = opts.get("label") or f"{safe_name(Path(sites_file).stem)}-{datetime.now(timezone.utc):%Y-%m-%d}"
    engine = opts["engine"]
    app = None
    if engine == "celery":
        if not opts.get("broker"):
            raise UsageError("the celery engine needs --broker", hint="--broker redis://HOST:6379/0")
        app = _celery().make_app(opts["broker"], visibility_timeout=opts["visibility_timeout"])
    with _open_store(opts["db"], upgrade=True) as store:
        run = store.open_run(label, sites, settings.to_options(), max_attempts=opts["retries"] + 1,
                             requeue_failed=opts["retry_failed"])
        progress = store.run_progress(run)
        quiet = opts.get("quiet", False)
        if not quiet:
            done = sum(progress.counts.get(s, 0) for s in ("done", "unreachable", "failed"))
            click.echo(f"Run {label!r}: {progress.total} sites, {done} already finished", err=True)
        reporter = Reporter(store, run, quiet=quiet)
        if app is not None:
            sent = _celery().enqueue(app, store, run, limits, settings.site_timeout)
            if not quiet:
                click.echo(f"Queued {sent} sites on {opts['broker'].split('@')[-1]}", err=True)
            if opts["no_wait"]:
                click.echo(f"Not waiting: `cookiescan portfolio --db … --run {label}` shows the run later", err=True)
                sys.exit(EXIT_OK)
            finished = _wait(store, run, reporter)
        else:
            workers = opts.get("workers") or default_workers()
            finished = LocalEngine(store, run, limits, workers=workers, db_url=opts["db"], tick=reporter.tick,
                                   debug=opts["debug"]).run()
        reporter.tick(force=True)
        if not finished:
            left = store.run_progress(run)
            click.echo(f"Interrupted: {left.counts.get('queued', 0) + left.counts.get('running', 0)} sites left; "
                       f"the same command finishes them (label {label!r})", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(_conclude(store, run, opts, portfolio))


def _wait(store: Store, run: Run, reporter: Reporter) -> bool:
    """Follow a run the Celery workers scan until every job is final (True) or Ctrl-C (False)."""
    try:
        while not store.run_progress(run).finished:
            reporter.tick()
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("Stopped waiting; the workers go on with the run.", err=True)
        return False
    return True


def _conclude(store: Store, run: Run, opts: dict[str, Any], portfolio: tuple[Path, str] | None) -> int:
    """The summary, the portfolio, the gate; returns the exit code."""
    progress = store.run_progress(run)
    failed = [j for j in store.jobs(run) if j.status in ("failed", "unreachable")]
    for job in failed:
        click.echo(f"{job.status.capitalize()}: {job.url}: {(job.error or '').splitlines()[0][:300]}", err=True)
    if portfolio is not None:
        path, fmt = portfolio
        write_portfolio(store, path, fmt, run=run.label)
        click.echo(f"Wrote {path}", err=True)
    gate = opts.get("fail_on_new")
    hits = new_findings(store, run, gate) if gate else []
    for hit in hits:
        since = "first scan" if hit.baseline is None else f"since {hit.baseline.finished_at:%Y-%m-%d %H:%M}"
        click.echo(f"New: {hit.scan.url}: {hit.new} finding{'s' if hit.new != 1 else ''} at or above {gate} "
                   f"({since})", err=True)
    counts = progress.counts
    click.echo(f"{progress.total} sites: {counts.get('done', 0)} done, {counts.get('unreachable', 0)} unreachable, "
               f"{counts.get('failed', 0)} failed ({progress.attempts} attempts)"
               + (f"; {len(hits)} with new findings at or above {gate}" if gate else ""), err=True)
    if hits:
        return EXIT_FINDINGS
    return EXIT_SITES_FAILED if counts.get("failed", 0) else EXIT_OK


@click.command()
@broker_option
@db_option
@click.option("--concurrency", type=click.IntRange(1, 512), default=None,
              help="Sites this worker scans at once [one per core, ~1.5 GB of memory each].")
@visibility_option
@common_options
@handle_errors
def worker(broker: str | None, db: str, concurrency: int | None, visibility_timeout: float, **opts: Any) -> None:
    """Run a Celery worker for `batch --engine celery`: it takes sites from the Redis broker and stores the
    scans in the database (late acks, one site per child process, the site's hard time limit).

    \b
    Example:
      cookiescan worker --broker redis://queue:6379/0 --db postgresql://scan@db/cookiescan --concurrency 2
    """
    configure_logging(opts["debug"])
    if not broker:
        raise UsageError("a worker needs --broker", hint="--broker redis://HOST:6379/0")
    engine = _celery()
    engine.make_app(broker, db, visibility_timeout=visibility_timeout)  # a bad broker URL fails here, in one line
    engine.run_worker(broker, db, concurrency=concurrency or default_workers(), visibility_timeout=visibility_timeout,
                      loglevel="DEBUG" if opts["debug"] else ("WARNING" if opts.get("quiet") else "INFO"))


@click.group()
def db() -> None:
    """The batch database.

    \b
    Example:
      cookiescan db upgrade --db postgresql://scan@db/cookiescan
    """


@db.command()
@db_option
@common_options
@handle_errors
def upgrade(db: str, **opts: Any) -> None:
    """Create the batch tables, or migrate them to this version (run once before workers start).

    \b
    Example:
      cookiescan db upgrade --db sqlite:///cookiescan.db
    """
    configure_logging(opts["debug"])
    with Store(db) as store:
        revision = store.upgrade()
        click.echo(f"{store.shown_url} is at schema revision {revision}", err=True)


__all__ = ["EXIT_SITES_FAILED", "batch", "db", "read_sites", "worker"]
