"""``cookiescan scan`` and ``cookiescan demo``: build the config, run :class:`cookiescan.Audit` once, write
every output (even after an interruption), print the verdict, map the outcome to an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import webbrowser
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from cookiescan import diff as cdiff
from cookiescan.cli.common import (
    DEFAULT_REPORTS,
    browser_options,
    common_options,
    configure_logging,
    gate_options,
    handle_errors,
    load_result,
    output_options,
    profile_option,
)
from cookiescan.cli.evidence import check_pack_target, pack_scan, sign_key_option
from cookiescan.cli.options import build_config, evidence_options, scan_options
from cookiescan.config import ScanConfig
from cookiescan.demo import FixtureWeb, sites
from cookiescan.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK
from cookiescan.models import ScanResult, fails_gate, verdict
from cookiescan.party import site_of_url
from cookiescan.pipeline import Audit, AuditOutcome
from cookiescan.progress import choose
from cookiescan.report import ReportOptions, parse_output_spec, render, write
from cookiescan.report.waterfall import render_text

Outputs = list[tuple[Path, str]]


@click.command(context_settings={"auto_envvar_prefix": "COOKIESCAN"})
@click.argument("urls", nargs=-1)
@scan_options
@handle_errors
def scan(urls: tuple[str, ...], **opts: Any) -> None:
    """Scan URLS in three consent states and write the reports.

    \b
    Examples:
      cookiescan scan https://www.example.com/
      cookiescan scan https://shop.example/ --max-pages 50 --declared cookies.csv -o audit.html -o audit.json
      cookiescan scan https://staging.local:8443/ --ignore-https-errors --consent before --fail-on medium
    """
    configure_logging(opts["debug"])
    config = build_config(urls, opts)
    sys.exit(run_scan(config, opts))


def safe_name(text: str) -> str:
    """A file-name fragment from site-controlled text: [a-z0-9.-] only, bounded."""
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.")[:60] or "site"


def plan_outputs(opts: dict[str, Any], site: str) -> Outputs:
    """The ``-o`` outputs, or ``reports/<site>-<time>.json`` and ``.html``."""
    specs = [parse_output_spec(o) for o in opts.get("outputs") or ()]
    if not specs:
        stem = f"{safe_name(site)}-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
        return [(DEFAULT_REPORTS / f"{stem}.json", "json"), (DEFAULT_REPORTS / f"{stem}.html", "html")]
    return [(Path(s.path), s.format) for s in specs]


def run_scan(config: ScanConfig, opts: dict[str, Any], outputs: Outputs | None = None) -> int:
    """Audit, write every output (even when interrupted), print the verdict; return the exit code."""
    outputs = outputs or plan_outputs(opts, site_of_url(config.urls[0]))
    first = next((p for p, f in outputs if f == "json"), outputs[0][0])
    baseline = load_result(opts["baseline"]) if opts.get("baseline") else None
    pack_target = Path(opts["evidence_pack"]) if opts.get("evidence_pack") else None
    sign_key = sign_key_option(opts)  # a bad key or pack path fails now, not after the scan
    if pack_target is not None:
        check_pack_target(pack_target, [p for p, _ in outputs])
    run = Audit(config, progress=choose(quiet=opts.get("quiet", False)),
                evidence_dir=first.parent / f"{first.stem}-evidence")
    outcome = asyncio.run(_run_interruptibly(run))
    for warning in outcome.warnings:
        click.echo(f"Warning: {warning}", err=True)
    result = outcome.result
    ropts = ReportOptions(show_values=config.show_values, fail_on=config.fail_on, base_dir=first.parent,
                          title=config.title)
    with run.scanner.timeline.span("reports"):
        for path, fmt in outputs:
            write(result, path, fmt, ropts)
            click.echo(f"Wrote {path}", err=True)
    if opts.get("profile"):
        click.echo(render_text(run.scanner.timeline.result()), err=True)
    if pack_target is not None:
        pack_scan(result, outputs, pack_target, ropts, sign_key)
    _github_summary(result, ropts)
    click.echo(verdict(result), err=True)
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    if outcome.seed_error is not None:
        raise outcome.seed_error
    if opts.get("exit_zero"):
        return EXIT_OK
    if baseline is not None:
        d = cdiff.diff_results(baseline, result)
        click.echo(cdiff.render_text(d, config.fail_on), nl=False, err=True)
        click.echo(cdiff.verdict(d, config.fail_on), err=True)
        return EXIT_FINDINGS if cdiff.should_fail(d, config.fail_on) else EXIT_OK
    return EXIT_FINDINGS if fails_gate(result.findings, config.fail_on, config.min_seen) else EXIT_OK


async def _run_interruptibly(run: Audit) -> AuditOutcome:
    """Run the audit; Ctrl-C or SIGTERM stops the scan and the partial result is analysed."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        click.echo("Interrupted: writing what was scanned so far.", err=True)
        run.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # non-Unix
            loop.add_signal_handler(sig, stop)
    try:
        return await run.run()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def _github_summary(result: ScanResult, ropts: ReportOptions) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") != "true" or not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(render(result, "md", ropts) + "\n")
    except OSError as exc:
        click.echo(f"Warning: cannot write GITHUB_STEP_SUMMARY: {exc.strerror}", err=True)


@click.command()
@click.option("--max-pages", type=click.IntRange(1, 1000), default=None, help="Pages per state [20].")
@click.option("--consent", "consent_states", default=None, metavar="STATES", help="before,accept,reject")
@click.option("--open", "open_report", is_flag=True, help="Open the HTML report in a web browser when done.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None)
@evidence_options
@output_options
@gate_options
@browser_options
@profile_option
@common_options
@handle_errors
def demo(**opts: Any) -> None:
    """Scan the built-in demo shop (a local HTTPS web with trackers, a consent banner and a cookie
    policy; no internet needed) and write reports to ./reports.

    \b
    Example:
      cookiescan demo && ls reports/
    """
    configure_logging(opts["debug"])
    with FixtureWeb(sites.ROUTES) as web:
        opts = dict(opts)
        opts["browser_args"] = (*web.browser_args, *(opts.get("browser_args") or ()))
        opts["declared_from"] = f"https://{sites.SHOP}/cookies"
        opts["notice"] = f"https://{sites.SHOP}/mentions"
        opts["title"] = opts.get("title") or "cookiescan demo: Boutique Fixture"
        config = build_config((f"https://{sites.SHOP}/",), opts)
        outputs = plan_outputs(opts, site_of_url(config.urls[0]))
        code = run_scan(config, opts, outputs)
    html = next((p for p, f in outputs if f == "html"), None)
    if opts.get("open_report") and html is not None:
        webbrowser.open(html.resolve().as_uri())
    # the demo shop breaks rules on purpose: findings are its point, not a failure
    sys.exit(EXIT_OK if code == EXIT_FINDINGS else code)
