"""The shop checked against its own written notices, in a real browser (issue #8 acceptance)."""

from __future__ import annotations

import pytest

from cookiescan.analyse import analyse, load_notice
from cookiescan.scan import Scanner
from tests.conftest import fixture_config

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def _scan_with_notice(web, chromium_path, browser, path: str):
    config = fixture_config(web, chromium_path, notice=f"https://shop-fixture.com{path}", max_pages=2,
                            use_sitemap=False, settle_max=4.0)
    scanner = Scanner(config, session=browser)
    result = await scanner.run()
    notice_obj = load_notice(config, scanner.discovery.notice_html)
    assert notice_obj is not None
    return notice_obj, analyse(result, config, None, notice_obj)


NOTICE_RULES = {"undeclared-vendor", "notice-lifetime-broken", "notice-vendor-unused", "refusal-not-remembered",
                "notice-lifetime-over-cap"}


async def test_french_notice_against_the_shop(web, chromium_path, browser) -> None:
    notice_obj, result = await _scan_with_notice(web, chromium_path, browser, "/mentions")
    assert set(notice_obj.vendor_names) == {"Google Analytics", "Hotjar", "New Relic"}
    promises = {(p.scope, round(p.days)) for p in notice_obj.lifetimes}
    assert ("cookies", 396) in promises  # 13 mois
    assert ("data", 761) in promises  # 25 mois: data retention, not a cookie lifetime
    assert notice_obj.refusal_cookie is not None
    found = {(f.rule, f.subject) for f in result.findings if f.rule in NOTICE_RULES}
    assert found == {
        ("undeclared-vendor", "Meta"),  # the pixel fires after accept and after reject; never named
        ("notice-vendor-unused", "New Relic"),
        ("notice-lifetime-broken", "_ga"),  # 2 years against "plus de 13 mois"
        ("notice-lifetime-broken", "trk_uid"),
        ("notice-lifetime-broken", "widget_uid"),
    }, found
    # the refusal cookie is kept (shop_consent=reject): no refusal-not-remembered
    assert result.notice is not None and result.notice["vendors"]


async def test_english_notice_against_the_shop(web, chromium_path, browser) -> None:
    notice_obj, result = await _scan_with_notice(web, chromium_path, browser, "/en/notice")
    assert "Meta" in notice_obj.vendor_names
    assert any(p.scope == "cookies" and round(p.days) == 365 for p in notice_obj.lifetimes)
    found = {(f.rule, f.subject) for f in result.findings if f.rule in NOTICE_RULES}
    assert ("undeclared-vendor", "Hotjar") in found
    assert not any(rule == "undeclared-vendor" and subject in ("Meta", "Google Analytics") for rule, subject in found)
    assert ("notice-lifetime-broken", "_ga") in found


async def test_refusal_not_remembered_when_the_banner_comes_back(web, chromium_path, browser) -> None:
    from tests.fixtures import deploy

    config = fixture_config(web, chromium_path, urls=(f"https://{deploy.FORGETFUL}/",), states=("before", "reject"),
                            notice=f"https://{deploy.FORGETFUL}/notice", use_sitemap=False, settle_max=2.0,
                            include=(r"/(next)?$",))
    scanner = Scanner(config, session=browser)
    result = await scanner.run()
    reject = result.states["reject"]
    assert reject.banner is not None and reject.banner.clicks and reject.banner.confirmed is False
    nxt = next(p for p in reject.pages if p.url.endswith("/next"))
    assert nxt.banner_shown_again
    notice_obj = load_notice(config, scanner.discovery.notice_html)
    analysed = analyse(result, config, None, notice_obj)
    assert "refusal-not-remembered" in {f.rule for f in analysed.findings}
