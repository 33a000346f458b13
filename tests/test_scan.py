"""The scan engine on the fixture web, in a real Chromium: what it collects (issue #2, items 3-6)."""

from __future__ import annotations

import gzip

import pytest

from cookiescan.browser import build_name
from cookiescan.demo import FixtureWeb, sites
from cookiescan.demo.server import Request, Response
from cookiescan.models import ScanResult
from cookiescan.scan import Scanner
from tests.conftest import fixture_config

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def cookies_by_name(result: ScanResult, state: str = "before") -> dict[str, object]:
    return {c.name: c for c in result.states[state].cookies}


async def test_every_fixture_cookie_found_with_party_and_requested_lifetime(shop_before: ScanResult) -> None:
    found = cookies_by_name(shop_before)
    for name, (site, party, days, via) in sites.EXPECTED_COOKIES.items():
        assert name in found, f"{name} not collected"
        c = found[name]
        assert c.site == site, name
        assert c.party == party, name
        assert c.via == via, name
        if days is None:
            assert c.requested_lifetime_days is None, name
        else:
            assert c.requested_lifetime_days == pytest.approx(days, abs=0.01), name


async def test_two_year_cookie_requested_730_stored_400(shop_before: ScanResult) -> None:
    ga = cookies_by_name(shop_before)["_ga"]
    assert ga.requested_lifetime_days == pytest.approx(730, abs=0.01)
    assert ga.stored_lifetime_days == pytest.approx(400, abs=0.5)  # Chromium's cap
    # the evidence quotes what the script asked for (site.js writes max-age=63072000), not the jar's cap
    assert ga.requested_raw == "Max-Age=63072000"
    writes = [w for p in shop_before.states["before"].pages for w in p.cookie_writes if w.name == "_ga"]
    assert writes
    for w in writes:
        assert w.requested_raw == "Max-Age=63072000"
        assert w.requested_lifetime_days == pytest.approx(730, abs=0.01)
        assert "max-age=63072000" in w.attributes  # the attributes verbatim, as the site wrote them


async def test_who_set_each_cookie(shop_before: ScanResult) -> None:
    found = cookies_by_name(shop_before)
    assert found["_ga"].set_by == "https://shop-fixture.com/static/site.js"  # the script, from the hook's stack
    assert found["trk_uid"].set_by == "https://tracker-fixture.net/t.js"  # the response that set it
    assert found["widget_uid"].set_by == "https://widget-fixture.net/embed"  # inside a cross-site iframe
    assert found["widget_seen"].via == "document.cookie"  # written by the iframe's own script


async def test_cookie_set_on_a_redirect_hop(shop_before: ScanResult) -> None:
    promo = cookies_by_name(shop_before)["promo_src"]
    assert promo.set_by == "https://shop-fixture.com/redirect"
    assert promo.requested_lifetime_days == pytest.approx(7)


async def test_set_then_deleted_and_refused_cookies_are_kept(shop_before: ScanResult) -> None:
    found = cookies_by_name(shop_before)
    probe = found["cs_probe"]
    assert probe.deleted and not probe.in_jar
    refused = found["ad_legacy"]
    assert not refused.in_jar
    assert "SameSiteNoneInsecure" in refused.blocked_reasons


async def test_late_cookie_after_two_seconds_is_waited_for(shop_before: ScanResult) -> None:
    home = next(p for p in shop_before.states["before"].pages if p.url == "https://shop-fixture.com/")
    assert any(w.name == "late_visit" for w in home.cookie_writes)
    assert home.settled and home.settle_ms < 6000


async def test_storage_iframes_and_requests(shop_before: ScanResult) -> None:
    st = shop_before.states["before"]
    keys = {(s.kind, s.key) for s in st.storage}
    assert ("localStorage", "shop_recent") in keys
    assert ("sessionStorage", "shop_tab") in keys
    assert any(f.url == "https://widget-fixture.net/embed" and f.party == "third" for f in st.frames)
    home = next(p for p in st.pages if p.url == "https://shop-fixture.com/")
    kinds = {(r.site, r.resource_type) for r in home.requests}
    assert ("tracker-fixture.net", "ping") in kinds  # navigator.sendBeacon
    assert ("ads-fixture.com", "image") in kinds  # the pixel
    assert all(r.party == "third" for r in home.requests if r.site != "shop-fixture.com")
    third = {t.site: t for t in st.third_parties}
    assert third["ads-fixture.com"].sets_cookies
    assert not third["cdn-fixture.org"].sets_cookies


async def test_crawl_follows_links_and_sitemap_and_skips_the_rest(shop_before: ScanResult) -> None:
    visited = {p.url for p in shop_before.states["before"].pages}
    assert "https://shop-fixture.com/sitemap-only" in visited  # only sitemap.xml links there
    assert "https://shop-fixture.com/products/2" in visited
    skipped = {s.url: s.reason for s in shop_before.skipped}
    assert skipped["https://shop-fixture.com/private/admin"] == "robots"
    assert skipped["https://shop-fixture.com/brochure.pdf"] == "not-html"
    assert skipped["mailto:contact@shop-fixture.com"] == "scheme"
    assert skipped["https://external-fixture.org/partner"] == "off-site"
    assert not any("private" in u or u.endswith(".pdf") or "external-fixture" in u for u in visited)


async def test_calendar_trap_stops_at_the_limits(shop_before: ScanResult) -> None:
    pages = shop_before.states["before"].pages
    calendar = [p for p in pages if "/calendar" in p.url]
    assert len(pages) <= 20
    assert calendar and max(p.depth for p in calendar) <= 4
    assert any(s.reason in ("depth", "max-pages") and "calendar" in s.url for s in shop_before.skipped)


async def test_max_pages_include_exclude(web, chromium_path, browser) -> None:
    config = fixture_config(web, chromium_path, states=("before",), max_pages=3, exclude=(r"/calendar",),
                            settle_max=3.0, use_sitemap=False)
    result = await Scanner(config, session=browser).run()
    visited = [p.url for p in result.states["before"].pages]
    assert len(visited) == 3
    assert not any("calendar" in u for u in visited)
    assert any(s.reason == "max-pages" for s in result.skipped)
    assert any(s.reason == "excluded" and "calendar" in s.url for s in result.skipped)


async def test_first_party_option_changes_party(web, chromium_path, browser) -> None:
    config = fixture_config(web, chromium_path, states=("before",), max_pages=1, first_party=("tracker-fixture.net",),
                            use_sitemap=False)
    result = await Scanner(config, session=browser).run()
    found = cookies_by_name(result)
    assert found["trk_uid"].party == "first"
    assert found["ad_uid"].party == "third"


async def test_result_records_evidence(shop_before: ScanResult, browser) -> None:
    assert shop_before.schema_version
    assert shop_before.browser is not None
    # the browser that made the observations, as the driver (not cookiescan's own probe) reports it
    version = browser.browser.version
    assert shop_before.browser.product == f"{build_name(browser.executable)}/{version}"
    assert shop_before.browser.executable == browser.executable
    assert shop_before.browser.third_party_cookies == "allowed"
    # the user agent the pages saw: headless Chromium of that major version (Chromium's reduced user agent
    # says MAJOR.0.0.0), not disguised
    assert shop_before.browser.headless is True
    assert f" HeadlessChrome/{version.split('.')[0]}.0.0.0 " in shop_before.browser.user_agent
    assert shop_before.started_at.endswith("Z") and shop_before.finished_at.endswith("Z")
    assert shop_before.config["max_pages"] == 20
    again = ScanResult.from_dict(shop_before.to_dict())
    assert again == shop_before


GZ_SITE = "gzsitemap-fixture.com"


def gz_sitemap_site(req: Request) -> Response | None:
    """A home page with no links and a sitemap index whose only child is gzipped, served the way most
    servers serve a .gz file (application/x-gzip: Chromium makes it a download)."""
    if req.path == "/":
        return Response("<!doctype html><title>home</title><p>no links here</p>")
    if req.path == "/sitemap.xml":
        return Response(f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<sitemap><loc>https://{GZ_SITE}/sitemap-pages.xml.gz</loc></sitemap></sitemapindex>",
                        content_type="application/xml")
    if req.path == "/sitemap-pages.xml.gz":
        xml = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"<url><loc>https://{GZ_SITE}/only-in-the-gz-sitemap</loc></url></urlset>")
        return Response(gzip.compress(xml.encode()), content_type="application/x-gzip")
    if req.path == "/only-in-the-gz-sitemap":
        return Response("<!doctype html><title>listed</title><p>found through sitemap-pages.xml.gz</p>")
    return None


async def test_gzipped_sitemap_pages_are_visited(chromium_path) -> None:
    with FixtureWeb(routes={GZ_SITE: gz_sitemap_site}) as gz_web:
        config = fixture_config(gz_web, chromium_path, urls=(f"https://{GZ_SITE}/",), states=("before",),
                                max_pages=5, settle_max=2.0)
        result = await Scanner(config).run()
    visited = {p.url for p in result.states["before"].pages}
    assert f"https://{GZ_SITE}/only-in-the-gz-sitemap" in visited
