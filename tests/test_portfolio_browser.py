"""The portfolio HTML opened in a real Chromium (issue 15, item 4 acceptance): no request leaves the file, no
console error, no dialog from the hostile site's URL, tag or error; every section is there; the trend charts
draw; sorting, the tag filter and the link to a site's report work."""

from __future__ import annotations

from pathlib import Path

import pytest

from cookiescan.batch import Store
from cookiescan.batch.portfolio import write_portfolio
from cookiescan.browser import BrowserSession
from cookiescan.report import ReportOptions, write
from tests.portfolio_support import EVIL, EXPECTED_ORDER, SHOP, W48, XSS_ERROR, XSS_TAG, Clock, populate
from tests.report_factory import make_result

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SECTIONS = ("summary", "sites", "failed", "changes", "by-rule", "by-vendor")


@pytest.fixture
def portfolio_html(tmp_path: Path) -> Path:
    """The three weekly runs in a SQLite store, the shop's W48 scan with a real single-site HTML report."""
    reports = tmp_path / "reports"
    write(make_result(reports), reports / "shop.html", "html", ReportOptions())
    clock = Clock()
    with Store(f"sqlite:///{tmp_path / 'batch.db'}", clock=clock) as store:
        store.upgrade()
        populate(store, clock, tmp_path / "shots", {(W48, SHOP): [str(reports / "shop.html")]})
        return write_portfolio(store, tmp_path / "out" / "portfolio.html", title="Weekly portfolio")


async def test_portfolio_opens_clean_with_every_section(browser: BrowserSession, portfolio_html: Path,
                                                       tmp_path: Path) -> None:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    seen: dict[str, list[str]] = {"console": [], "requests": [], "dialogs": [], "errors": []}
    ctx.on("request", lambda r: seen["requests"].append(r.url))
    page = await ctx.new_page()
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))

    async def on_dialog(d):  # type: ignore[no-untyped-def]
        seen["dialogs"].append(d.message)
        await d.dismiss()

    page.on("dialog", on_dialog)
    await page.goto(portfolio_html.as_uri(), wait_until="load")
    await page.wait_for_function("document.documentElement.classList.contains('js')")  # the script ran
    shot = tmp_path / "portfolio.png"
    await page.screenshot(path=str(shot), full_page=True)

    ids = await page.evaluate("Array.from(document.querySelectorAll('section[id]'), e => e.id)")
    assert list(ids) == list(SECTIONS)
    rows = await page.evaluate("""() => Array.from(document.querySelectorAll('#t-sites tbody tr'), tr => ({
        url: tr.querySelector('td.site .url').textContent,
        bars: tr.querySelectorAll('svg.trend rect').length,
        report: tr.querySelector('a[href$=".html"]') ? tr.querySelector('a[href$=".html"]').getAttribute('href') : null}))""")
    assert [r["url"] for r in rows] == EXPECTED_ORDER  # riskiest first, hostile URL shown as text
    assert all(r["bars"] >= 1 for r in rows)  # every site has its chart
    assert [r["report"] for r in rows] == ["../reports/shop.html", None, None, None]
    text = await page.inner_text("body")
    assert XSS_TAG in text and XSS_ERROR in text  # shown as text, never run
    assert await page.locator("img").count() == 0

    # the tag filter (the report's script) keeps the rows carrying the tag
    await page.select_option("[data-filters='t-sites'] select[data-key='tags']", "client-a")
    visible = await page.evaluate("Array.from(document.querySelectorAll('#t-sites tbody tr'))"
                                  ".filter(tr => !tr.hidden).map(tr => tr.querySelector('.url').textContent)")
    assert sorted(visible) == sorted(["https://www.shop.example/", "https://blog.example/"])
    await page.select_option("[data-filters='t-sites'] select[data-key='tags']", "")
    # sorting by the URL column reorders the rows
    await page.click("#t-sites thead th:nth-child(2) button.sort")
    by_url = await page.evaluate("Array.from(document.querySelectorAll('#t-sites tbody tr .url'), e => e.textContent)")
    assert by_url == sorted(EXPECTED_ORDER, key=str.lower)
    # the report link opens the site's own report, from disk
    async with page.expect_navigation():
        await page.click("#t-sites a[href$='shop.html']")
    assert page.url.endswith("/reports/shop.html")
    assert "Shop Example" in await page.title()
    await ctx.close()

    assert seen["dialogs"] == [], "site text ran as script inside the portfolio"
    assert seen["console"] == [] and seen["errors"] == [], seen
    assert all(u.startswith(("file:", "data:")) for u in seen["requests"]), seen["requests"]
    assert EVIL not in seen["requests"]
    assert shot.stat().st_size > 20_000
