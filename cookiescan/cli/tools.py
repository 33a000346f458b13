"""The commands around a scan: re-render a saved result (``report``), compare two (``diff``: two saved results,
or two stored scans of a site in a batch store), publish the result's JSON Schema (``schema``) and check the
setup (``doctor``)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from cookiescan import diff as cdiff
from cookiescan.batch.portfolio import site_diff
from cookiescan.browser import BrowserSession, resolve_executable
from cookiescan.cli.common import DEFAULT_REPORTS, SEVERITY_CHOICES, common_options, handle_errors, load_result
from cookiescan.cli.portfolio import open_store
from cookiescan.config import load_config_file
from cookiescan.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from cookiescan.report import ReportOptions, parse_output_spec, write
from cookiescan.schema import schema_json


@click.command()
@click.argument("result_json", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "outputs", multiple=True, required=True, metavar="PATH[:FORMAT]")
@click.option("--show-values", is_flag=True, help="Include cookie values if the result has them.")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default="high", show_default=True)
@common_options
@handle_errors
def report(result_json: str, outputs: tuple[str, ...], show_values: bool, fail_on: str, **opts: Any) -> None:
    """Re-render reports from a saved JSON result.

    \b
    Example:
      cookiescan report reports/shop-20261123T101500Z.json -o audit.html -o summary.md
    """
    result = load_result(result_json)
    ropts = ReportOptions(show_values=show_values, fail_on=fail_on, base_dir=Path(result_json).parent)
    for spec in (parse_output_spec(o) for o in outputs):
        write(result, Path(spec.path), spec.format, ropts)
        click.echo(f"Wrote {spec.path}", err=True)


@click.command()
@click.argument("old_json", metavar="OLD_JSON|SITE", required=False)
@click.argument("new_json", metavar="[NEW_JSON]", required=False)
@click.option("--db", metavar="URL", help="Compare two stored scans of SITE in this batch store (sqlite:///batch.db, "
              "postgresql://…) instead of two files.")
@click.option("--from", "from_label", metavar="LABEL",
              help="With --db: the run of the old scan [the scan stored before the new one].")
@click.option("--to", "to_label", metavar="LABEL", help="With --db: the run of the new scan [the newest].")
@click.option("--fail-on-new", type=click.Choice(SEVERITY_CHOICES), default="never", show_default=True,
              help="Exit 1 when a finding new in NEW (or whose severity rose) reaches this severity.")
@click.option("--format", "fmt", type=click.Choice(("text", "md", "json")), default="text", show_default=True,
              help="Output on stdout.")
@common_options
@handle_errors
def diff(old_json: str | None, new_json: str | None, db: str | None, from_label: str | None, to_label: str | None,
         fail_on_new: str, fmt: str, **opts: Any) -> None:
    """Compare two scans: cookies, trackers and findings added, removed or changed (volatile values
    such as cookie values, dates and request counts are ignored). Give two saved JSON results, or a
    batch store and a site: its newest scan against the one before it, or the scans of two runs.

    \b
    Example (CI after a deploy):
      cookiescan diff reports/last.json reports/new.json --fail-on-new high --format md
    Example (a batch store):
      cookiescan diff --db batch.db https://shop.example/ --from weekly-2026-W47 --to weekly-2026-W48
    """
    if db is not None:
        if not old_json or new_json:
            raise UsageError("with --db, diff takes one SITE (its URL), not " +
                             ("nothing" if not old_json else "two arguments"),
                             hint="cookiescan diff --db URL SITE [--from LABEL] [--to LABEL]")
        with open_store(db) as store:
            found = site_diff(store, old_json, from_label, to_label)
        d = found.diff
        click.echo(f"{found.site.url}: {found.old_run} ({found.old.finished_at:%Y-%m-%d %H:%M} UTC) → "
                   f"{found.new_run} ({found.new.finished_at:%Y-%m-%d %H:%M} UTC)", err=True)
    else:
        if from_label or to_label:
            raise UsageError("--from and --to name runs of a batch store: use them with --db URL SITE")
        if not old_json or not new_json:
            raise UsageError(f"diff needs two JSON results, old and new; got only {old_json or 'none'}",
                             hint="cookiescan diff OLD_JSON NEW_JSON, or cookiescan diff --db URL SITE")
        d = cdiff.diff_results(load_result(old_json), load_result(new_json))
    click.echo(cdiff.render(d, fmt, fail_on_new), nl=False)
    click.echo(cdiff.verdict(d, fail_on_new), err=True)
    sys.exit(EXIT_FINDINGS if cdiff.should_fail(d, fail_on_new) else EXIT_OK)


@click.command()
@handle_errors
def schema() -> None:
    """Print the JSON Schema of the JSON result (for validating results in other tools).

    \b
    Example:
      cookiescan schema > cookiescan-result.schema.json
    """
    click.echo(schema_json())


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--browser", metavar="PATH", envvar="COOKIESCAN_BROWSER")
@common_options
@handle_errors
def doctor(config_path: str | None, browser: str | None, **opts: Any) -> None:
    """Check the setup: browser found and launches, config valid, reports folder writable.

    \b
    Example:
      cookiescan doctor
    """
    ok = True
    exe, source = resolve_executable(browser)
    click.echo(f"browser      {exe} ({source})")

    async def launch() -> str:
        async with BrowserSession(exe, source=source) as s:
            assert s.info is not None
            return f"{s.info.product}, third-party cookies {s.info.third_party_cookies}"

    click.echo(f"launch       ok: {asyncio.run(launch())}")
    _data, path = load_config_file(config_path)
    click.echo(f"config       {path or 'none (defaults)'}: ok")
    try:
        DEFAULT_REPORTS.mkdir(parents=True, exist_ok=True)
        probe = DEFAULT_REPORTS / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        click.echo(f"output       {DEFAULT_REPORTS}/ writable")
    except OSError as exc:
        ok = False
        click.echo(f"output       {DEFAULT_REPORTS}/ NOT writable: {exc.strerror}")
    sys.exit(EXIT_OK if ok else EXIT_ERROR)
