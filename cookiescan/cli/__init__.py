"""The ``cookiescan`` command line: parses options, loads config, picks progress and outputs, runs the
library once (:func:`cookiescan.audit`), maps the outcome to an exit code. No browser code lives here.

- :mod:`.common` — the error handler, shared option groups, reading a saved result.
- :mod:`.options` — the scan options and how they become a ``ScanConfig``.
- :mod:`.scan` — ``scan`` and ``demo``.
- :mod:`.tools` — ``report``, ``diff``, ``schema``, ``doctor``.
- :mod:`.evidence` — ``pack``, ``verify``, ``keygen`` and the packing step of ``scan --evidence-pack``.

Exit codes: 0 nothing at or above --fail-on · 1 findings at or above it · 2 could not run · 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cookiescan.version import __version__


def _scan() -> dict[str, click.Command]:
    from cookiescan.cli import scan

    return {"scan": scan.scan, "demo": scan.demo}


def _tools() -> dict[str, click.Command]:
    from cookiescan.cli import tools

    return {"report": tools.report, "diff": tools.diff, "schema": tools.schema, "doctor": tools.doctor}


def _portfolio() -> dict[str, click.Command]:
    from cookiescan.cli import portfolio

    return {"portfolio": portfolio.portfolio}


def _batch() -> dict[str, click.Command]:
    from cookiescan.cli import batch

    return {"batch": batch.batch, "worker": batch.worker, "db": batch.db}


def _evidence() -> dict[str, click.Command]:
    from cookiescan.cli import evidence

    return {"pack": evidence.pack, "verify": evidence.verify, "keygen": evidence.keygen}


# command -> the module that defines it, imported when the command runs: `cookiescan scan` does not pay for
# the database and Celery code of `batch` (a scan in CI starts sooner)
COMMANDS: dict[str, Callable[[], dict[str, click.Command]]] = {
    **dict.fromkeys(("scan", "demo"), _scan),
    **dict.fromkeys(("report", "diff", "schema", "doctor"), _tools),
    "portfolio": _portfolio,
    **dict.fromkeys(("batch", "worker", "db"), _batch),
    **dict.fromkeys(("pack", "verify", "keygen"), _evidence),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when first used (listing them, as ``--help`` does, imports all)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            for name, loaded in COMMANDS[cmd_name]().items():
                self.add_command(loaded, name)
            command = super().get_command(ctx, cmd_name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                              "auto_envvar_prefix": "COOKIESCAN", "max_content_width": 100})
@click.version_option(__version__, prog_name="cookiescan")
def main() -> None:
    """Audit a website's cookies and trackers in three consent states, the way a privacy regulator would.

    \b
    Quick start:
      cookiescan demo                      scan the built-in demo shop (no internet needed)
      cookiescan scan https://example.com  scan a site: before consent, after accept, after reject
      cookiescan doctor                    check the browser and the config
    """


def __getattr__(name: str) -> Any:
    """``build_config`` and ``run_scan``, for callers that drive the CLI's scan from Python."""
    if name == "build_config":
        from cookiescan.cli.options import build_config

        return build_config
    if name == "run_scan":
        from cookiescan.cli.scan import run_scan

        return run_scan
    raise AttributeError(name)


__all__ = ["COMMANDS", "LazyGroup", "build_config", "main", "run_scan"]
