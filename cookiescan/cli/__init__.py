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

import click

from cookiescan.cli import batch as _batch
from cookiescan.cli import evidence as _evidence
from cookiescan.cli import portfolio as _portfolio
from cookiescan.cli import scan as _scan
from cookiescan.cli import tools as _tools
from cookiescan.cli.options import build_config
from cookiescan.cli.scan import run_scan
from cookiescan.version import __version__


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


for _command in (_scan.scan, _scan.demo, _tools.report, _tools.diff, _tools.schema, _tools.doctor,
                 _portfolio.portfolio, _batch.batch, _batch.worker, _batch.db, _evidence.pack, _evidence.verify,
                 _evidence.keygen):
    main.add_command(_command)

__all__ = ["build_config", "main", "run_scan"]
