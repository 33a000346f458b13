"""``cookiescan portfolio``: the latest scan of every site in a batch store, riskiest first, with what changed
since each site's previous scan, failed and unreachable sites, and the findings by rule and by vendor.
(``cookiescan diff --db URL SITE`` compares two stored scans of one site: see :mod:`.tools`.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from cookiescan.batch import Store
from cookiescan.batch.portfolio import build_portfolio, parse_since, save_portfolio
from cookiescan.cli.common import common_options, handle_errors
from cookiescan.errors import UsageError
from cookiescan.report.portfolio import Portfolio, output_spec


def open_store(url: str) -> Store:
    """The batch store at ``url``, for reading: a SQLite file must already exist (reading never creates an
    empty database by mistake). StoreError or UsageError, one line, for anything else."""
    store = Store(url)
    database = store.url.database
    if store.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:") and not os.path.isfile(
            str(database)):
        store.close()
        raise UsageError(f"no database at {database}", hint="give the --db the batch scans wrote to")
    return store


def _tags(values: tuple[str, ...]) -> list[str]:
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def _summary(p: Portfolio) -> str:
    t = p.totals()
    sites = f"{t['sites']} site{'s' if t['sites'] != 1 else ''}"
    found = ", ".join(f"{t[s]} {s}" for s in ("high", "medium", "low") if t[s]) or "no findings"
    return (f"Portfolio of {sites}: {found}; {t['new']} new and {t['resolved']} resolved since the previous scans; "
            f"{t['failed']} failed, {t['unreachable']} unreachable")


@click.command()
@click.option("--db", required=True, metavar="URL", envvar="COOKIESCAN_DB",
              help="The batch store: sqlite:///batch.db (or a file path) or postgresql://user@host/db.")
@click.option("-o", "--output", "outputs", multiple=True, required=True, metavar="PATH[:FORMAT]",
              help="Write the portfolio (.html .md .json, or PATH:FORMAT). Repeatable.")
@click.option("--tags", "tags", multiple=True, metavar="TAG[,TAG…]",
              help="Only sites carrying every one of these tags. Repeatable.")
@click.option("--since", metavar="AGE|DATE",
              help="Only scans finished since then: an age (7d, 36h, 2w) or a date (2026-11-16).")
@click.option("--run", "run", metavar="LABEL", help="Only the scans and failures of this run.")
@click.option("--title", help="Title printed on the portfolio.")
@click.option("--reports-base", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder the stored report paths are relative to, for the links [the current folder].")
@common_options
@handle_errors
def portfolio(db: str, outputs: tuple[str, ...], tags: tuple[str, ...], since: str | None, run: str | None,
              title: str | None, reports_base: str | None, **opts: Any) -> None:
    """Summarise a batch store: the latest scan of every site, riskiest first; new and resolved findings
    since each site's previous scan; failed and unreachable sites; findings by rule and by vendor; a
    trend per site. Each row links to the site's HTML report.

    \b
    Example (last week's scans of one client):
      cookiescan portfolio --db batch.db -o portfolio.html -o portfolio.md --tags client-a --since 7d
    """
    specs = [output_spec(o) for o in outputs]  # every -o checked before the store is read
    when = parse_since(since) if since else None
    built: dict[Path, Portfolio] = {}  # report links are relative to the output's folder: one build per folder
    with open_store(db) as store:
        for path, fmt in specs:
            folder = (path.parent if str(path.parent) else Path(".")).resolve()
            if folder not in built:
                built[folder] = build_portfolio(store, tags=_tags(tags), since=when, run=run, output_dir=folder,
                                                reports_base=reports_base)
            save_portfolio(built[folder], path, fmt, title)
            click.echo(f"Wrote {path}", err=True)
    click.echo(_summary(next(iter(built.values()))), err=True)
