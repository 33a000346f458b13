"""The ``cookiescan`` command line: parses options, loads config, picks progress and outputs, runs the
library once, maps the outcome to an exit code. No browser code lives here.

Exit codes: 0 nothing at or above --fail-on · 1 findings at or above it · 2 could not run · 130 interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from cookiescan.errors import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    ConfigError,
    CookiescanError,
    UsageError,
)
from cookiescan.models import fails_gate, verdict
from cookiescan.version import __version__

SEVERITY_CHOICES = ("low", "medium", "high", "never")
# the same ranges as the options, for values read from the file or the environment
FILE_RANGES = (("max_pages", 1, 100000), ("depth", 0, 1000), ("concurrency", 1, 64), ("page_timeout", 1, 600),
               ("settle_max", 0, 120), ("scan_budget", 1, float("inf")))
DEFAULT_REPORTS = Path("reports")


# -- errors -------------------------------------------------------------------------------------------

def _print_error(exc: CookiescanError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"Hint: {exc.hint}", err=True)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """One top-level handler: ``Error: …`` and an exit code; a traceback only with --debug."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug")) or os.environ.get("COOKIESCAN_DEBUG") == "1"
        try:
            return fn(*args, **kwargs)
        except CookiescanError as exc:
            if debug:
                raise
            _print_error(exc)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: still one line unless --debug
            if debug:
                raise
            click.echo(f"Error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                       err=True)
            click.echo("Hint: re-run with --debug for the traceback and report it", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


# -- shared option groups (small decorators, as shot-scraper does) -----------------------------------------

def _compose(*decorators: Callable[..., Any]) -> Callable[..., Any]:
    def apply(fn: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):
            fn = d(fn)
        return fn

    return apply


output_options = _compose(
    click.option("-o", "--output", "outputs", multiple=True, metavar="PATH[:FORMAT]",
                 help="Write a report (.json .html .md .xml, or PATH:FORMAT). Repeatable. "
                      "Default: reports/<site>-<time>.json and .html"),
    click.option("--show-values", is_flag=True, help="Include cookie values in outputs (redacted by default)."),
    click.option("--title", help="Title printed on every report."),
    click.option("--description", help="Description printed on every report."),
)

gate_options = _compose(
    click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None,
                 help="Exit 1 when a finding reaches this severity [high]."),
    click.option("--exit-zero", is_flag=True, help="Always exit 0 when the scan ran (report only)."),
)

browser_options = _compose(
    click.option("--browser", "browser", metavar="PATH", envvar="COOKIESCAN_BROWSER",
                 help="Chromium/Chrome executable (env COOKIESCAN_BROWSER). Default: Playwright's, then the system's."),
    click.option("--browser-arg", "browser_args", multiple=True, metavar="ARG",
                 help="Extra Chromium switch, repeatable (e.g. --proxy-server=…)."),
    click.option("--ignore-https-errors", is_flag=True,
                 help="Accept invalid TLS certificates (staging with self-signed certificates)."),
    click.option("--headful", is_flag=True, help="Show the browser window."),
)

common_options = _compose(
    click.option("--debug", is_flag=True, help="Show tracebacks and debug logs."),
    click.option("-q", "--quiet", is_flag=True, help="No progress output."),
)


# -- the group ----------------------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "COOKIESCAN",
                               "max_content_width": 100})
@click.version_option(__version__, prog_name="cookiescan")
def main() -> None:
    """Audit a website's cookies and trackers in three consent states, the way a privacy regulator would.

    \b
    Quick start:
      cookiescan demo                      scan the built-in demo shop (no internet needed)
      cookiescan scan https://example.com  scan a site: before consent, after accept, after reject
      cookiescan doctor                    check the browser and the config
    """


# -- scan -----------------------------------------------------------------------------------------------------

def _scan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    return _compose(
        click.option("--urls-file", type=click.Path(dir_okay=False), help="File with one start URL per line."),
        click.option("--sitemap", metavar="URL", help="Sitemap to read pages from (default: /sitemap.xml)."),
        click.option("--no-sitemap", is_flag=True, help="Do not read /sitemap.xml."),
        click.option("--consent", "consent_states", default=None, metavar="STATES", envvar="COOKIESCAN_CONSENT",
                     help="Consent states to scan, comma-separated: before,accept,reject (default: all three)."),
        click.option("--max-pages", type=click.IntRange(1, 100000), default=None, help="Pages per state [20]."),
        click.option("--depth", type=click.IntRange(0, 1000), default=None, help="Link depth from the start URLs [5]."),
        click.option("--include", multiple=True, metavar="REGEX", help="Only URLs matching this (repeatable)."),
        click.option("--exclude", multiple=True, metavar="REGEX", help="Skip URLs matching this (repeatable)."),
        click.option("--ignore-robots", is_flag=True, help="Visit pages robots.txt disallows."),
        click.option("--first-party", multiple=True, metavar="DOMAIN",
                     help="Another domain of the same site (repeatable)."),
        click.option("--concurrency", type=click.IntRange(1, 64), default=None,
                     help="Parallel page visits [4 per CPU, max 8]."),
        click.option("--page-timeout", type=click.FloatRange(1, 600), default=None, help="Seconds per page [30]."),
        click.option("--settle-max", type=click.FloatRange(0, 120), default=None,
                     help="Longest wait for late cookies after load, seconds [8]."),
        click.option("--budget", "scan_budget", type=click.FloatRange(1, None), default=None,
                     help="Whole-scan time budget in seconds; pages after it are recorded as skipped."),
        click.option("--declared", type=click.Path(dir_okay=False), help="Declared cookie list (CSV, YAML, JSON)."),
        click.option("--declared-from", metavar="URL",
                     help="Read the declared list from the site's cookie-policy page."),
        click.option("--notice", metavar="URL|FILE",
                     help="A written cookie notice (web page or local .html/.txt) to hold the site to."),
        click.option("--max-lifetime", default=None, metavar="DURATION", help="Lifetime cap [13months]."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Config file (default: ./cookiescan.yml if present)."),
        click.option("--baseline", type=click.Path(dir_okay=False), metavar="OLD.json",
                     help="Compare with an earlier result; --fail-on then gates on new findings only."),
        output_options, gate_options, browser_options, common_options,
    )(fn)


@main.command(context_settings={"auto_envvar_prefix": "COOKIESCAN"})
@click.argument("urls", nargs=-1)
@_scan_options
@handle_errors
def scan(urls: tuple[str, ...], **opts: Any) -> None:
    """Scan URLS in three consent states and write the reports.

    \b
    Examples:
      cookiescan scan https://www.example.com/
      cookiescan scan https://shop.example/ --max-pages 50 --declared cookies.csv -o audit.html -o audit.json
      cookiescan scan https://staging.local:8443/ --ignore-https-errors --consent before --fail-on medium
    """
    _configure_logging(opts["debug"])
    config = build_config(urls, opts)
    sys.exit(run_scan(config, opts))


def build_config(urls: tuple[str, ...], opts: dict[str, Any]):  # type: ignore[no-untyped-def]
    """CLI > COOKIESCAN_* env (click) > config file > defaults."""
    from cookiescan.config import (
        ConsentSelectors,
        ScanConfig,
        compile_patterns,
        ignores_from,
        load_config_file,
        parse_states,
        validate_url,
    )

    data, _path = load_config_file(opts.get("config_path"))

    def pick(key: str, file_key: str | None = None, default: Any = None) -> Any:
        value = opts.get(key)
        if value not in (None, (), False):
            return value
        if (file_key or key) in data:
            return data[file_key or key]
        return default

    raw_urls = list(urls)
    if opts.get("urls_file"):
        p = Path(opts["urls_file"])
        try:
            raw_urls += [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines()
                         if ln.strip() and not ln.lstrip().startswith("#")]
        except OSError as exc:
            raise UsageError(f"--urls-file: cannot read {p}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"--urls-file: {p} is not UTF-8 text") from None
    if not raw_urls:
        raw_urls = [str(u) for u in (data.get("urls") or [])]
    if not raw_urls:
        raise UsageError("no URL to scan", hint="cookiescan scan https://www.example.com/  (or cookiescan demo)")
    seeds = tuple(dict.fromkeys(validate_url(u) for u in raw_urls))
    sitemap = pick("sitemap")
    if sitemap:
        sitemap = validate_url(sitemap, "sitemap URL")
    declared_from = pick("declared_from")
    if declared_from:
        declared_from = validate_url(declared_from, "--declared-from URL")
    states = parse_states(pick("consent_states", "consent_states", "before,accept,reject"))
    include = tuple(pick("include", default=()) or ())
    exclude = tuple(pick("exclude", default=()) or ())
    compile_patterns(include, "--include")
    compile_patterns(exclude, "--exclude")
    consent = data.get("consent") or {}
    declared = pick("declared")
    if declared and not Path(declared).is_file():
        raise UsageError(f"--declared: file not found: {declared}")
    kwargs: dict[str, Any] = dict(
        urls=seeds, sitemap=sitemap, states=states, include=include, exclude=exclude,
        respect_robots=not (opts.get("ignore_robots") or data.get("respect_robots") is False),
        use_sitemap=not opts.get("no_sitemap"),
        first_party=tuple(pick("first_party", default=()) or ()),
        browser=pick("browser"), browser_args=tuple(pick("browser_args", default=()) or ()),
        ignore_https_errors=bool(opts.get("ignore_https_errors")), headless=not opts.get("headful"),
        show_values=bool(pick("show_values", default=False)),
        consent=ConsentSelectors(**{k: consent.get(k) for k in ("accept", "reject", "settings")}),
        declared=declared, declared_from=declared_from, notice=_notice_option(pick("notice")),
        max_lifetime=str(pick("max_lifetime", default="13months")),
        fail_on=opts.get("fail_on") or data.get("fail_on") or "high",
        ignores=ignores_from(data.get("ignore") or []),
        title=pick("title"), description=pick("description"), user_agent=data.get("user_agent"),
    )
    for key, low, high in FILE_RANGES:
        value = pick(key)
        if value is not None:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(f"{key} must be a number from {low:g} to {high:g}, got {value!r}")
            kwargs[key] = value
    if kwargs["fail_on"] not in SEVERITY_CHOICES:
        raise ConfigError(f"fail_on must be one of {', '.join(SEVERITY_CHOICES)}, got {kwargs['fail_on']!r}")
    config = ScanConfig(**kwargs)
    from cookiescan.analyse import rule_options

    rule_options(config)  # validates --max-lifetime before any browser starts
    return config


def _notice_option(value: str | None) -> str | None:
    from cookiescan.config import validate_url

    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return validate_url(value, "--notice URL")
    if not Path(value).is_file():
        raise UsageError(f"--notice: no such file or URL: {value}", hint="give https://… or a local .html/.txt file")
    return value


def _safe_name(text: str) -> str:
    """A file-name fragment from site-controlled text: [a-z0-9.-] only, bounded."""
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.")[:60] or "site"


def _outputs(opts: dict[str, Any], site: str) -> list[tuple[Path, str]]:
    from cookiescan.report import parse_output_spec

    specs = [parse_output_spec(o) for o in opts.get("outputs") or ()]
    if not specs:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        stem = f"{_safe_name(site)}-{stamp}"
        return [(DEFAULT_REPORTS / f"{stem}.json", "json"), (DEFAULT_REPORTS / f"{stem}.html", "html")]
    return [(Path(s.path), s.format) for s in specs]


def run_scan(config: Any, opts: dict[str, Any], *, extra_routes: Any = None) -> int:
    """Run the scan, analyse, write every output (even when interrupted), print the verdict; return
    the exit code."""
    from cookiescan import progress as progress_mod
    from cookiescan.analyse import analyse, load_declared, load_notice
    from cookiescan.party import site_of_url
    from cookiescan.report import ReportOptions, write

    outputs = _outputs(opts, site_of_url(config.urls[0]))
    _last_outputs[:] = outputs
    json_out = next((p for p, f in outputs if f == "json"), None)
    base_dir = (json_out or outputs[0][0]).parent
    evidence_name = (json_out or outputs[0][0]).stem + "-evidence"
    declared_list = load_declared(config) if config.declared else None  # fail fast on a bad file
    baseline = load_result(opts["baseline"]) if opts.get("baseline") else None
    prog = progress_mod.choose(quiet=opts.get("quiet", False))

    from cookiescan.scan import Scanner

    scanner = Scanner(config, progress=prog, evidence_dir=base_dir / evidence_name)
    interrupted = asyncio.run(_run_interruptibly(scanner))
    result = scanner.result() if interrupted or scanner.final is None else scanner.final
    if config.declared_from and declared_list is None:
        html = scanner.policy_html
        if html is None:
            click.echo(f"Warning: could not load the cookie-policy page {config.declared_from}", err=True)
        else:
            try:
                declared_list = load_declared(config, html)
            except CookiescanError as exc:
                click.echo(f"Warning: {exc.message}", err=True)
    notice_obj = None
    if config.notice:
        try:
            notice_obj = load_notice(config, scanner.notice_html)
        except CookiescanError as exc:
            click.echo(f"Warning: {exc.message}", err=True)
        if notice_obj is None:
            click.echo(f"Warning: could not load the cookie notice {config.notice}", err=True)
    result = analyse(result, config, declared_list, notice_obj)
    if interrupted:
        from dataclasses import replace

        result = replace(result, interrupted=True)
    ropts = ReportOptions(show_values=config.show_values, fail_on=config.fail_on, base_dir=base_dir,
                          title=config.title)
    for path, fmt in outputs:
        write(result, path, fmt, ropts)
        click.echo(f"Wrote {path}", err=True)
    _github_summary(result, ropts)
    click.echo(verdict(result), err=True)
    if interrupted:
        return EXIT_INTERRUPTED
    if scanner.seed_error is not None:
        raise scanner.seed_error
    if opts.get("exit_zero"):
        return EXIT_OK
    if baseline is not None:
        from cookiescan import diff as cdiff

        d = cdiff.diff_results(baseline, result)
        click.echo(cdiff.render_text(d, config.fail_on), nl=False, err=True)
        click.echo(cdiff.verdict(d, config.fail_on), err=True)
        return EXIT_FINDINGS if cdiff.should_fail(d, config.fail_on) else EXIT_OK
    return exit_code_for(result, config.fail_on)


async def _run_interruptibly(scanner: Any) -> bool:
    """Run the scanner; Ctrl-C or SIGTERM cancels it cleanly. Returns True when interrupted."""
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(scanner.run_safely())
    stop = False

    def _cancel() -> None:
        nonlocal stop
        stop = True
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # non-Unix
            loop.add_signal_handler(sig, _cancel)
    try:
        await task
    except asyncio.CancelledError:
        stop = True
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if stop:
        click.echo("Interrupted: writing what was scanned so far.", err=True)
    return stop


def exit_code_for(result: Any, fail_on: str) -> int:
    """Exit 1 when an active finding reaches ``fail_on``, else 0."""
    return EXIT_FINDINGS if fails_gate(result.findings, fail_on) else EXIT_OK


def _github_summary(result: Any, ropts: Any) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") != "true" or not path:
        return
    from cookiescan.report import render

    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(render(result, "md", ropts) + "\n")
    except OSError as exc:
        click.echo(f"Warning: cannot write GITHUB_STEP_SUMMARY: {exc.strerror}", err=True)


def _configure_logging(debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)


# -- demo ------------------------------------------------------------------------------------------------------

@main.command()
@click.option("--max-pages", type=click.IntRange(1, 1000), default=None, help="Pages per state [20].")
@click.option("--consent", "consent_states", default=None, metavar="STATES", help="before,accept,reject")
@click.option("--open", "open_report", is_flag=True, help="Open the HTML report in a web browser when done.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None)
@output_options
@gate_options
@browser_options
@common_options
@handle_errors
def demo(**opts: Any) -> None:
    """Scan the built-in demo shop (a local HTTPS web with trackers, a consent banner and a cookie
    policy; no internet needed) and write reports to ./reports.

    \b
    Example:
      cookiescan demo && ls reports/
    """
    from cookiescan.demo import FixtureWeb
    from cookiescan.demo.sites import SHOP

    _configure_logging(opts["debug"])
    with FixtureWeb() as web:
        opts = dict(opts)
        opts["browser_args"] = (*web.browser_args, *(opts.get("browser_args") or ()))
        opts["declared_from"] = f"https://{SHOP}/cookies"
        opts["notice"] = f"https://{SHOP}/mentions"
        opts["title"] = opts.get("title") or "cookiescan demo: Boutique Fixture"
        opts.setdefault("fail_on", "high")
        config = build_config((f"https://{SHOP}/",), opts)
        code = run_scan(config, opts)
    if opts.get("open_report"):
        import webbrowser

        html = next((p for p, f in _last_outputs if f == "html"), None)
        if html:
            webbrowser.open(Path(html).resolve().as_uri())
    # the demo shop breaks rules on purpose: findings are its point, not a failure
    sys.exit(EXIT_OK if code == EXIT_FINDINGS else code)


_last_outputs: list[tuple[Path, str]] = []


# -- report ------------------------------------------------------------------------------------------------------

@main.command()
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
    from cookiescan.report import ReportOptions, parse_output_spec, write

    result = load_result(result_json)
    ropts = ReportOptions(show_values=show_values, fail_on=fail_on, base_dir=Path(result_json).parent)
    for spec in (parse_output_spec(o) for o in outputs):
        write(result, Path(spec.path), spec.format, ropts)
        click.echo(f"Wrote {spec.path}", err=True)


def load_result(path: str | Path) -> Any:
    """A ScanResult from a JSON file, with one-line errors for anything else."""
    from cookiescan.models import SCHEMA_VERSION, ScanResult

    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {p}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{p} is not a cookiescan JSON result ({exc})") from None
    if not isinstance(data, dict) or "schema_version" not in data or "states" not in data:
        raise UsageError(f"{p} is not a cookiescan JSON result (no schema_version/states)")
    major = str(data["schema_version"]).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise UsageError(f"{p} has schema version {data['schema_version']}; this cookiescan reads {SCHEMA_VERSION}")
    try:
        return ScanResult.from_dict(data)
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise UsageError(f"{p} is not a valid cookiescan result: {exc}") from None


# -- diff --------------------------------------------------------------------------------------------------------

@main.command()
@click.argument("old_json", type=click.Path(exists=True, dir_okay=False))
@click.argument("new_json", type=click.Path(exists=True, dir_okay=False))
@click.option("--fail-on-new", type=click.Choice(SEVERITY_CHOICES), default="never", show_default=True,
              help="Exit 1 when a finding new in NEW (or whose severity rose) reaches this severity.")
@click.option("--format", "fmt", type=click.Choice(("text", "md", "json")), default="text", show_default=True,
              help="Output on stdout.")
@common_options
@handle_errors
def diff(old_json: str, new_json: str, fail_on_new: str, fmt: str, **opts: Any) -> None:
    """Compare two scans: cookies, trackers and findings added, removed or changed (volatile values
    such as cookie values, dates and request counts are ignored).

    \b
    Example (CI after a deploy):
      cookiescan diff reports/last.json reports/new.json --fail-on-new high --format md
    """
    from cookiescan import diff as cdiff

    d = cdiff.diff_results(load_result(old_json), load_result(new_json))
    click.echo(cdiff.render(d, fmt, fail_on_new), nl=False)
    click.echo(cdiff.verdict(d, fail_on_new), err=True)
    sys.exit(EXIT_FINDINGS if cdiff.should_fail(d, fail_on_new) else EXIT_OK)


# -- schema ------------------------------------------------------------------------------------------------------

@main.command()
@handle_errors
def schema() -> None:
    """Print the JSON Schema of the JSON result (for validating results in other tools).

    \b
    Example:
      cookiescan schema > cookiescan-result.schema.json
    """
    from cookiescan.schema import schema_json

    click.echo(schema_json())


# -- doctor ------------------------------------------------------------------------------------------------------

@main.command()
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
    from cookiescan.browser import BrowserSession, resolve_executable
    from cookiescan.config import load_config_file

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


if __name__ == "__main__":  # pragma: no cover
    main()
