"""What every command shares: the one error handler, the option groups (small decorators, as
shot-scraper does), logging, and reading a saved result."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cookiescan.errors import EXIT_ERROR, EXIT_INTERRUPTED, CookiescanError, UsageError
from cookiescan.models import GATES, SCHEMA_VERSION, ScanResult

SEVERITY_CHOICES = GATES
DEFAULT_REPORTS = Path("reports")


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


def compose(*decorators: Callable[..., Any]) -> Callable[..., Any]:
    def apply(fn: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):
            fn = d(fn)
        return fn

    return apply


output_options = compose(
    click.option("-o", "--output", "outputs", multiple=True, metavar="PATH[:FORMAT]",
                 help="Write a report (.json .html .md .xml, or PATH:FORMAT). Repeatable. "
                      "Default: reports/<site>-<time>.json and .html"),
    click.option("--show-values", is_flag=True, help="Include cookie values in outputs (redacted by default)."),
    click.option("--title", help="Title printed on every report."),
    click.option("--description", help="Description printed on every report."),
)

gate_options = compose(
    click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default=None,
                 help="Exit 1 when a finding reaches this severity [high]."),
    click.option("--exit-zero", is_flag=True, help="Always exit 0 when the scan ran (report only)."),
)

browser_options = compose(
    click.option("--browser", "browser", metavar="PATH", envvar="COOKIESCAN_BROWSER",
                 help="Chromium/Chrome executable (env COOKIESCAN_BROWSER). Default: Playwright's, then the system's."),
    click.option("--browser-arg", "browser_args", multiple=True, metavar="ARG",
                 help="Extra Chromium switch, repeatable (e.g. --proxy-server=…)."),
    click.option("--ignore-https-errors", is_flag=True,
                 help="Accept invalid TLS certificates (staging with self-signed certificates)."),
    click.option("--headful", is_flag=True, help="Show the browser window."),
)

profile_option = click.option("--profile", is_flag=True,
                              help="Print where the time went: a waterfall of the run's phases and page visits.")

common_options = compose(
    click.option("--debug", is_flag=True, help="Show tracebacks and debug logs."),
    click.option("-q", "--quiet", is_flag=True, help="No progress output."),
)


def configure_logging(debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def load_result(path: str | Path) -> ScanResult:
    """A ScanResult from a JSON file, with one-line errors for anything else."""
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
