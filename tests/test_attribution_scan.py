"""Vendor attribution, exemptions and tag managers in real Chromium scans (cookiescan issue 14): a Django
site's own ``sessionid``/``csrftoken`` and self-hosted ``_ga``, Instagram's ``sessionid`` in an embed, gtag
writing ``_ga`` from Google's domain through a GTM container, and Usercentrics storing the choice. The
pure side (every rule of the attribution, the evidence): tests/test_attribution.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from cookiescan.analyse import analyse, load_notice
from cookiescan.browser import BrowserSession
from cookiescan.demo import FixtureWeb
from cookiescan.models import Finding, ScanResult
from cookiescan.scan import Scanner
from tests.conftest import fixture_config
from tests.fixtures import django_site, google, platforms

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NOTICE = ("Personal data collected via cookies are never stored longer than necessary to achieve the purpose of "
          "the cookie, and in no case longer than 13 months.\n")


@pytest.fixture(scope="module")
def aweb() -> Iterator[FixtureWeb]:
    with FixtureWeb(routes={**django_site.ROUTES, **google.ROUTES, **platforms.ROUTES}) as web:
        yield web


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def abrowser(aweb: FixtureWeb, chromium_path: str) -> AsyncIterator[BrowserSession]:
    async with BrowserSession(chromium_path, extra_args=aweb.browser_args) as session:
        yield session


async def _scan(web: FixtureWeb, chromium_path: str, browser: BrowserSession, url: str, states: tuple[str, ...],
                **options: Any) -> ScanResult:
    config = fixture_config(web, chromium_path, urls=(url,), states=states, max_pages=2, use_sitemap=False,
                            settle_max=4.0, **options)
    return analyse(await Scanner(config, session=browser).run(), config, None, load_notice(config))


def _by(findings: tuple[Finding, ...], rule: str) -> dict[tuple[str, str | None], Finding]:
    return {(f.subject, f.evidence.get("site")): f for f in findings if f.rule == rule}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def django(aweb: FixtureWeb, chromium_path: str, abrowser: BrowserSession,
                 tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    notice = tmp_path_factory.mktemp("notice") / "notice.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    return await _scan(aweb, chromium_path, abrowser, django_site.URL, ("before",), notice=str(notice))


async def test_django_framework_cookies_give_no_finding(django: ScanResult) -> None:
    cookies = {(c.name, c.site): c for c in django.states["before"].cookies}
    for name in django_site.FRAMEWORK_COOKIES:
        c = cookies[(name, django_site.SITE)]
        assert (c.party, c.via, c.vendor, c.category, c.category_source) == (
            "first", "header", None, "necessary", "framework"), c
    mine = [f for f in django.findings if f.subject in django_site.FRAMEWORK_COOKIES
            and f.evidence.get("site") == django_site.SITE]
    assert mine == [], [(f.rule, f.subject) for f in mine]


async def test_instagram_sessionid_stays_instagram(django: ScanResult) -> None:
    c = next(c for c in django.states["before"].cookies if c.name == "sessionid" and c.site == "instagram.com")
    assert (c.party, c.vendor, c.vendor_basis, c.category) == ("third", "Instagram", "domain", "marketing")
    f = _by(django.findings, "pre-consent-cookie")[("sessionid", "instagram.com")]
    assert f.severity == "high" and f.evidence["vendor"] == "Instagram"


async def test_ga_written_by_the_site_s_own_script_is_analytics_without_a_vendor(django: ScanResult) -> None:
    c = next(c for c in django.states["before"].cookies if c.name == "_ga")
    assert (c.vendor, c.vendor_basis, c.category, c.set_by) == (
        None, None, "analytics", f"https://{django_site.SITE}/static/site.js")
    ev = _by(django.findings, "pre-consent-cookie")[("_ga", django_site.SITE)].evidence
    assert ev["name_known_for"] == "Google Analytics" and ev["written_by"].endswith("/static/site.js")
    assert "site's own" in ev["attribution"]


async def test_a_pixel_s_initiator_is_the_script_that_made_it(django: ScanResult) -> None:
    """``new Image()`` is fetched in a later task: the async stack names site.js (and ``debugger;`` at its top
    did not stop the page: _ga is written after it)."""
    pixels = [r for p in django.states["before"].pages for r in p.requests if r.url.startswith(django_site.PIXEL)]
    assert len(pixels) == 2, [p.url for p in django.states["before"].pages]
    assert all(r.initiator and r.initiator[-1] == f"https://{django_site.SITE}/static/site.js" for r in pixels), [
        r.initiator for r in pixels]


async def test_notice_data_retention_promise_is_broken_low(django: ScanResult) -> None:
    f = _by(django.findings, "notice-lifetime-broken")[("_ga", None)]
    assert f.severity == "low" and f.evidence["promise_scope"] == "cookie-data"
    assert f.evidence["judged_lifetime_days"] == 730  # requested two years, against 13 months


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gtm(aweb: FixtureWeb, chromium_path: str, abrowser: BrowserSession) -> ScanResult:
    return await _scan(aweb, chromium_path, abrowser, google.URL, ("before", "accept", "reject"))


async def test_ga_written_by_gtag_on_google_s_domain_is_google_analytics(gtm: ScanResult) -> None:
    cookies = {c.name: c for c in gtm.states["accept"].cookies}
    for name in google.ANALYTICS_COOKIES:
        c = cookies[name]
        assert (c.vendor, c.vendor_basis, c.category) == ("Google Analytics", "script", "analytics"), c
        assert c.set_by is not None and c.set_by.startswith(f"https://{google.GTM_HOST}/gtag/js")


async def test_requests_carry_their_initiators(gtm: ScanResult) -> None:
    requests = {r.url.split("?")[0]: r for p in gtm.states["before"].pages for r in p.requests}
    assert requests[f"https://{google.GTM_HOST}/gtag/js"].initiator[-1].startswith(
        f"https://{google.GTM_HOST}/gtm.js?id={google.CONTAINER_ID}")
    assert requests[f"https://{google.GA_REGION_HOST}/g/collect"].initiator[-1].startswith(
        f"https://{google.GTM_HOST}/gtag/js?id={google.MEASUREMENT_ID}")


@pytest.mark.parametrize(("rule", "state"), [("pre-consent-tracker", "before"), ("post-reject-tracker", "reject")])
async def test_gtm_loaded_tracker_names_the_container_and_the_chain(gtm: ScanResult, rule: str, state: str) -> None:
    f = _by(gtm.findings, rule)[("google-analytics.com", "google-analytics.com")]
    chain = f"page → gtm.js?id={google.CONTAINER_ID} → gtag/js?id={google.MEASUREMENT_ID} → collect"
    assert f.evidence["tag_managers"] == [google.CONTAINER_ID] and f.evidence["loading_chain"] == chain
    assert f.evidence["fix"] == f"remove tag {google.MEASUREMENT_ID} from {google.CONTAINER_ID} or gate it on consent"
    assert google.CONTAINER_ID in f.message
    # the container's own request before any choice is third-party contact, in the state's summary
    tps = {tp.site: tp for tp in gtm.states[state].third_parties}
    assert tps["googletagmanager.com"].requests >= 2 and tps["googletagmanager.com"].vendor == "Google Tag Manager"
    assert tps["google-analytics.com"].tag_managers == (google.CONTAINER_ID,)


async def test_usercentrics_choice_storage_gives_no_finding(aweb: FixtureWeb, chromium_path: str,
                                                            abrowser: BrowserSession) -> None:
    result = await _scan(aweb, chromium_path, abrowser, platforms.SITES["usercentrics"], ("before", "reject"))
    assert result.states["reject"].banner is not None and result.states["reject"].banner.succeeded
    for state in ("before", "reject"):
        items = {s.key: s for s in result.states[state].storage}
        assert "uc_settings" in items, (state, sorted(items))
        for key in set(items) & set(platforms.PLATFORMS["usercentrics"].choice_storage):
            assert (items[key].category, items[key].category_source) == ("necessary", "consent-platform")
    assert not [f for f in result.findings if f.subject.startswith("uc_")], [
        (f.rule, f.subject) for f in result.findings]

