"""The portfolio (issue 15, item 4) on a store built from empty by Alembic, on SQLite and on a real
PostgreSQL: the sites riskiest first, their counts, the new and resolved findings since each site's previous
scan — equal to ``cookiescan diff --db … SITE`` run through the real CLI and to ``diff_results`` of the two
stored results — failed and unreachable sites, findings by rule and by vendor, the ``--tags`` and
``--since`` filters, the JSON and Markdown shapes, report links, and hostile site text kept as text."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cookiescan import cli
from cookiescan.batch import Store
from cookiescan.batch import schema as s
from cookiescan.batch.portfolio import build_portfolio, parse_since, site_diff, write_portfolio
from cookiescan.diff import diff_results
from cookiescan.errors import UsageError
from cookiescan.models import ScanResult
from cookiescan.report.portfolio import PORTFOLIO_VERSION, render
from tests.portfolio_support import (
    BLOG,
    EVIL,
    EXPECTED_NEW,
    EXPECTED_ORDER,
    EXPECTED_RESOLVED,
    NEWS,
    SHOP,
    W46,
    W47,
    W48,
    XSS_ERROR,
    XSS_TAG,
    Clock,
    populate,
)
from tests.servers import PostgresServer, postgres_server

_names = itertools.count(1)


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'batch.db'}"
    server: PostgresServer = request.getfixturevalue("pg")
    return server.create_database(f"portfolio_{next(_names)}")


@pytest.fixture
def filled(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, dict[str, object]]]:
    """The three weekly runs stored in a database Alembic built from empty; the shop's W48 scan has an
    HTML report on disk, the news site's W48 report path points at a file that is not there."""
    clock = Clock()
    store = Store(db_url, clock=clock)
    assert store.upgrade() == s.HEAD  # from empty to head
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "shop.html").write_text("<!doctype html><title>shop</title>")
    paths = {(W48, SHOP): [str(reports / "shop.json"), str(reports / "shop.html")],
             (W48, NEWS): [str(reports / "gone.html")]}
    times = populate(store, clock, tmp_path / "shots", paths)
    yield store, {"times": times, "reports": reports, "url": db_url}
    store.close()


def invoke(*args: str) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOKIESCAN_")}
    return CliRunner(env=env).invoke(cli.main, list(args), prog_name="cookiescan")


def keys(refs: object) -> set[str]:
    return {f.key for f in refs}  # type: ignore[attr-defined]


def cli_diff(url: str, site: str, *extra: str) -> dict[str, set[str]]:
    """``cookiescan diff --db URL SITE … --format json``: its added and removed finding keys."""
    out = invoke("diff", "--db", url, site, *extra, "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    return {kind: {c["key"] for c in data["changes"] if c["what"] == "finding" and c["kind"] == kind}
            for kind in ("added", "removed")}


# -- the acceptance: the portfolio's "new since last scan" is cookiescan diff's ---------------------------
def test_portfolio_rows_new_and_resolved_equal_cookiescan_diff(filled: tuple[Store, dict[str, object]]) -> None:
    store, info = filled
    url = str(info["url"])
    p = build_portfolio(store)
    assert [r.url for r in p.rows] == EXPECTED_ORDER
    rows = {r.url: r for r in p.rows}
    assert (rows[SHOP].high, rows[SHOP].medium, rows[SHOP].low, rows[SHOP].ignored) == (4, 5, 1, 1)
    assert (rows[NEWS].high, rows[NEWS].medium, rows[NEWS].low) == (1, 1, 1)
    assert (rows[EVIL].high, rows[EVIL].medium, rows[EVIL].low, rows[EVIL].worst) == (2, 0, 0, "high")
    assert (rows[BLOG].worst, rows[BLOG].high + rows[BLOG].medium + rows[BLOG].low) == (None, 0)
    # the store's own counts (computed when the scan was stored) agree with the rows
    for scan in store.latest_scans():
        assert (scan.high, scan.medium, scan.low) == (rows[scan.url].high, rows[scan.url].medium, rows[scan.url].low)

    for site in (SHOP, NEWS):
        row = rows[site]
        assert (row.run, row.previous_run) == (W48, W47)
        assert keys(row.new) == EXPECTED_NEW[site]
        assert keys(row.resolved) == EXPECTED_RESOLVED[site]
        # the real command, with the runs named and with its defaults (newest against the one before)
        named = cli_diff(url, site, "--from", W47, "--to", W48)
        default = cli_diff(url, site)
        assert named == default == {"added": keys(row.new), "removed": keys(row.resolved)}
        # and the diff engine on the two stored results
        latest = next(r for r in store.latest_scans() if r.url == site)
        before = store.previous_scan(latest.site_id, latest.id)
        assert before is not None
        d = diff_results(ScanResult.from_dict(store.scan_result(before.id)),
                         ScanResult.from_dict(store.scan_result(latest.id)))
        assert {c.key for c in d.new_findings()} == keys(row.new)
        assert {c.key for c in d.changes if c.what == "finding" and c.kind == "removed"} == keys(row.resolved)
    # a site scanned once in the window has nothing to compare with
    assert rows[EVIL].previous_run is None and not rows[EVIL].new and not rows[EVIL].resolved

    # an older pair of runs through the same command and the library call behind it
    older = site_diff(store, SHOP, W46, W47)
    assert (older.old_run, older.new_run) == (W46, W47)
    assert {c.key for c in older.diff.new_findings()} == set()
    assert cli_diff(url, SHOP, "--from", W46, "--to", W47)["removed"] == {
        "lifetime-over-declared|accept|_hjSessionUser_3412"}


def test_failed_unreachable_trend_counts_and_report_links(filled: tuple[Store, dict[str, object]],
                                                           tmp_path: Path) -> None:
    store, info = filled
    out = tmp_path / "out"
    p = build_portfolio(store, output_dir=out)
    rows = {r.url: r for r in p.rows}
    failed = {f.url: f for f in p.failed}
    assert set(failed) == {BLOG, EVIL}
    assert (failed[BLOG].attempt.status, failed[BLOG].attempt.run) == ("failed", W48)
    assert "Target closed" in failed[BLOG].attempt.error
    assert (failed[EVIL].attempt.status, failed[EVIL].attempt.error) == ("unreachable", XSS_ERROR)
    assert failed[EVIL].last_scan_at == rows[EVIL].finished_at  # its W47 scan is still shown
    assert rows[BLOG].latest_attempt is not None and rows[BLOG].latest_attempt.status == "failed"
    assert rows[SHOP].latest_attempt is None and rows[NEWS].latest_attempt is None
    assert p.totals()["failed"] == 1 and p.totals()["unreachable"] == 1

    # trend: every stored scan of the site, oldest first, with the store's counts
    assert [(t.run, t.high, t.medium, t.low) for t in rows[SHOP].trend] == [
        (W46, 5, 6, 1), (W47, 5, 5, 1), (W48, 4, 5, 1)]
    assert [t.run for t in rows[NEWS].trend] == [W46, W47, W48]
    assert [t.run for t in rows[EVIL].trend] == [W47]
    assert len(build_portfolio(store, trend_points=2).rows[0].trend) == 2

    # report links: relative to the portfolio's folder, only when the file exists
    assert rows[SHOP].report == "../reports/shop.html"
    assert (out / str(rows[SHOP].report)).resolve() == (Path(str(info["reports"])) / "shop.html").resolve()
    assert rows[NEWS].report is None  # its stored path is gone

    # findings by rule and by vendor across the latest scans (ignored findings never count)
    by_rule = {r.rule: r for r in p.by_rule}
    assert (by_rule["pre-consent-cookie"].high, by_rule["pre-consent-cookie"].sites) == (4, 3)
    assert (by_rule["undeclared-cookie"].medium, by_rule["undeclared-cookie"].sites) == (3, 1)  # lang is ignored
    assert by_rule["pre-consent-cookie"].title == "Cookie set before consent"
    assert "pre-consent-tracker" not in by_rule  # resolved everywhere
    assert p.by_rule[0].rule == "pre-consent-cookie"
    by_vendor = {v.vendor: v for v in p.by_vendor}
    assert (by_vendor["Google Ads"].high, by_vendor["Google Ads"].medium, by_vendor["Google Ads"].sites) == (3, 2, 2)
    assert (by_vendor["Google Analytics"].findings, by_vendor["Google Analytics"].sites) == (4, 2)
    assert by_vendor["Hotjar"].findings == 1
    assert p.unattributed == 5  # two banners, the hostile undeclared cookie, two declared-not-found


def test_tags_and_since_filter(filled: tuple[Store, dict[str, object]]) -> None:
    store, info = filled
    times: dict[str, object] = info["times"]  # type: ignore[assignment]
    client_a = build_portfolio(store, tags=["client-a"])
    assert [r.url for r in client_a.rows] == [SHOP, BLOG]
    assert [f.url for f in client_a.failed] == [BLOG]
    assert [r.url for r in build_portfolio(store, tags=["client-a", "eu"]).rows] == [SHOP]
    assert [r.url for r in build_portfolio(store, tags=[XSS_TAG]).rows] == [EVIL]
    assert build_portfolio(store, tags=["nobody"]).rows == ()

    week48 = times[W48]
    recent = build_portfolio(store, since=week48 - timedelta(hours=1))  # type: ignore[operator]
    assert [r.url for r in recent.rows] == [SHOP, NEWS]  # blog and evil have no scan since
    assert {f.url for f in recent.failed} == {BLOG, EVIL}  # their failures are recent
    assert recent.since is not None
    assert build_portfolio(store, since=week48 + timedelta(days=1)).rows == ()  # type: ignore[operator]

    only47 = build_portfolio(store, run=W47)
    assert {r.url for r in only47.rows} == {SHOP, NEWS, BLOG, EVIL} and only47.failed == ()
    assert {r.url: r.run for r in only47.rows}[SHOP] == W47
    shop47 = next(r for r in only47.rows if r.url == SHOP)
    assert [t.run for t in shop47.trend] == [W46, W47]  # the trend ends at the scan the row shows
    assert (shop47.previous_run, keys(shop47.resolved)) == (W46, {"lifetime-over-declared|accept|_hjSessionUser_3412"})


def test_cli_writes_every_format_with_filters(filled: tuple[Store, dict[str, object]], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store, info = filled
    monkeypatch.chdir(tmp_path)
    url = str(info["url"])
    out = invoke("portfolio", "--db", url, "-o", "site/p.html", "-o", "site/p.md", "-o", "site/p.json",
                 "--tags", "client-a,eu", "--title", "Client A <weekly>")
    assert out.exit_code == 0, out.output
    assert "Portfolio of 1 site:" in out.stderr
    data = json.loads((tmp_path / "site/p.json").read_text())
    assert data["portfolio_version"] == PORTFOLIO_VERSION and data["title"] == "Client A <weekly>"
    assert [s["url"] for s in data["sites"]] == [SHOP]
    assert data["filters"] == {"tags": ["client-a", "eu"], "since": None, "run": None}
    assert set(data) >= {"generated_at", "tool", "database", "totals", "sites", "failed", "by_rule", "by_vendor"}
    site = data["sites"][0]
    assert site["rank"] == 1 and site["counts"] == {"high": 4, "medium": 5, "low": 1, "ignored": 1}
    assert {c["key"] for c in site["new"]} == EXPECTED_NEW[SHOP]
    assert site["previous"]["run"] == W47 and len(site["trend"]) == 3
    assert "Client A &lt;weekly&gt;" in (tmp_path / "site/p.html").read_text()

    since = invoke("portfolio", "--db", url, "-o", "recent.json", "--since", "2026-11-20")
    assert since.exit_code == 0, since.output
    recent = json.loads((tmp_path / "recent.json").read_text())
    assert recent["filters"]["since"] == "2026-11-20T00:00:00Z"
    assert [s["url"] for s in recent["sites"]] == [SHOP, NEWS]
    every = json.loads(write_portfolio(store, tmp_path / "all.json").read_text())
    assert len(every["sites"]) == 4 and every["totals"]["failed"] == 1 and every["totals"]["unreachable"] == 1


def test_markdown_and_json_shapes(filled: tuple[Store, dict[str, object]]) -> None:
    store, _ = filled
    p = build_portfolio(store)
    md = render(p, "md")
    for heading in ("## Sites", "## Failed and unreachable", "## New and resolved findings", "## Findings by rule",
                    "## Findings by vendor"):
        assert heading in md
    table = [ln for ln in md.splitlines() if ln.startswith("| ") and ln.split("|")[1].strip().isdigit()]
    assert [ln.split("|")[1].strip() for ln in table] == ["1", "2", "3", "4"]
    assert SHOP in table[0] and "| 4 | 5 | 1 | 1 | 2 |" in table[0]  # high medium low new resolved
    assert all(ln.count("|") == table[0].count("|") for ln in table)  # hostile text breaks no table
    assert "<img" not in md and "<script" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md

    data = json.loads(render(p, "json"))
    assert [s["url"] for s in data["sites"]] == EXPECTED_ORDER
    assert [s["rank"] for s in data["sites"]] == [1, 2, 3, 4]
    assert data["totals"] == {"sites": 4, "high": 7, "medium": 6, "low": 2, "sites_with_findings": 3, "new": 2,
                              "resolved": 3, "failed": 1, "unreachable": 1}
    assert {f["status"] for f in data["failed"]} == {"failed", "unreachable"}
    assert data["sites"][1]["tags"] == [XSS_TAG, "client-b"]  # JSON keeps the text as it was


def test_hostile_site_text_is_escaped_in_html(filled: tuple[Store, dict[str, object]]) -> None:
    store, _ = filled
    html = render(build_portfolio(store), "html")
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the tag and the URL, shown as text
    assert "&lt;script&gt;alert(&#39;error&#39;)&lt;/script&gt;" in html
    # the one script is the report's, allowed by its hash; nothing may load from anywhere
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None and "default-src 'none'" in csp.group(1) and "script-src 'sha256-" in csp.group(1)
    assert html.count("<script") == 1
    assert not re.search(r'(?:src|href)="(?:https?:|//|javascript:)', html)


def test_report_links_can_only_name_files(tmp_path: Path) -> None:
    from cookiescan.report.portfolio.html import href

    assert href("../reports/shop report.html") == "../reports/shop%20report.html"
    assert href("javascript:alert(1)").startswith("javascript%3A")
    assert ":" not in href("https://evil.example/x.html")


def test_bad_input_is_one_line(filled: tuple[Store, dict[str, object]], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    _, info = filled
    url = str(info["url"])
    monkeypatch.chdir(tmp_path)

    def one_line(result: Result, expected: str) -> None:
        assert result.exit_code == 2, result.output
        errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
        assert len(errors) == 1 and expected in errors[0], result.stderr
        assert "Traceback" not in result.stderr

    one_line(invoke("portfolio", "--db", "mysql://u@h/db", "-o", "p.html"), "unsupported database")
    one_line(invoke("portfolio", "--db", str(tmp_path / "typo.db"), "-o", "p.html"), "no database at")
    assert not (tmp_path / "typo.db").exists()  # reading never creates an empty database
    one_line(invoke("portfolio", "--db", url, "-o", "p.xml"), "a portfolio is written as html, md, json")
    one_line(invoke("portfolio", "--db", url, "-o", "p.html", "--since", "last tuesday"), "neither an age nor a date")
    one_line(invoke("portfolio", "--db", url, "-o", "p.html", "--run", "weekly-1999"), "no run labelled")
    one_line(invoke("diff", "--db", url, "https://nowhere.example/"), "no stored scan of a site")
    one_line(invoke("diff", "--db", url, SHOP, "--from", "weekly-1999"), "no run labelled 'weekly-1999'")
    one_line(invoke("diff", "--db", url, BLOG, "--to", W48), f"run '{W48}' has no scan of {BLOG}")
    one_line(invoke("diff", "--db", url, EVIL, "--to", W47), "only one stored scan")
    one_line(invoke("diff", "--db", url, SHOP, "--from", W48, "--to", W48), "the same scan")
    one_line(invoke("diff", "--db", url), "not nothing")
    one_line(invoke("diff", "a.json", "--from", W47), "use them with --db")
    assert not (tmp_path / "p.html").exists()


def test_site_is_found_by_url_host_or_domain(filled: tuple[Store, dict[str, object]]) -> None:
    store, _ = filled
    assert site_diff(store, "https://www.shop.example").site.url == SHOP  # without the trailing slash
    assert site_diff(store, "www.shop.example").site.url == SHOP
    assert site_diff(store, "news.example").site.url == NEWS
    with pytest.raises(UsageError, match="no stored scan"):
        site_diff(store, "shop")


def test_parse_since() -> None:
    from datetime import datetime, timezone

    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("36h", now) == now - timedelta(hours=36)
    assert parse_since("2W", now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-16", now) == datetime(2026, 11, 16, tzinfo=timezone.utc)
    assert parse_since("2026-11-16T08:00:00+01:00", now) == datetime(2026, 11, 16, 7, tzinfo=timezone.utc)
    for bad in ("", "7", "seven days", "-3d", "7y"):
        with pytest.raises(UsageError):
            parse_since(bad, now)


def test_an_empty_store_gives_an_empty_portfolio(db_url: str) -> None:
    with Store(db_url) as store:
        store.upgrade()
        p = build_portfolio(store)
        assert p.rows == () and p.failed == () and p.by_rule == ()
        for fmt in ("html", "md", "json"):
            assert render(p, fmt)
        assert "No stored scan" in render(p, "html")
