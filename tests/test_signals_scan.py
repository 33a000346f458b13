"""What the site tells ad tech, end to end in a real Chromium on the fixture web (issue 14, items 2 and 3):
the IAB TCF signal per page and per state (decoded from strings @iabtcf/core encoded, read from the top
page's ``__tcfapi``, from a consent platform's frame, or from the ``euconsent-v2`` cookie), Google Consent
Mode on each Google request, the four rules built on them, and the report section.

One scan per fixture site, shared by the tests that read it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from cookiescan.analyse import analyse
from cookiescan.browser import BrowserSession
from cookiescan.demo import FixtureWeb
from cookiescan.models import Finding, ScanResult
from cookiescan.report import ReportOptions, render
from cookiescan.rules.signals import consent_mode_by_state, purpose_label
from cookiescan.scan import Scanner
from tests.conftest import fixture_config
from tests.fixtures import consent_mode_sites, google, platforms, tcf_sites
from tests.fixtures.platforms import common

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

QUANTCAST = platforms.SITES["quantcast"]
KEEPS_CONSENT = f"{QUANTCAST}?{common.VARIANT_PARAM}={common.KEEPS_CONSENT}"
ALL_VENDORS = [32, 91, 755, 1001]  # the platform fixtures' vendor list
SIGNAL_RULES = {"tcf-consent-after-reject", "tcf-legitimate-interest", "consent-mode-granted-before-choice",
                "consent-mode-granted-after-reject"}


@pytest.fixture(scope="module")
def sweb() -> Iterator[FixtureWeb]:
    if common.iabtcf_file(common.NODE_MODULES, "@iabtcf/core/lib/mjs/index.js") is None:
        pytest.fail(f"@iabtcf/* is not installed in {common.NODE_MODULES}: run `scripts/dev setup` "
                    "(npm ci in tests/fixtures/cmp)")
    routes: dict[str, Any] = {**platforms.ROUTES, **consent_mode_sites.ROUTES, **tcf_sites.ROUTES}
    with FixtureWeb(routes=routes) as web:
        yield web


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def sbrowser(sweb: FixtureWeb, chromium_path: str) -> AsyncIterator[BrowserSession]:
    async with BrowserSession(chromium_path, extra_args=sweb.browser_args) as session:
        yield session


class Scans:
    """Scans each site once per module, on demand."""

    def __init__(self, web: FixtureWeb, chromium_path: str, browser: BrowserSession) -> None:
        self.web, self.chromium_path, self.browser = web, chromium_path, browser
        self.done: dict[tuple[str, tuple[str, ...]], ScanResult] = {}

    async def get(self, url: str, states: tuple[str, ...] = ("before", "accept", "reject")) -> ScanResult:
        key = (url, states)
        if key not in self.done:
            config = fixture_config(self.web, self.chromium_path, urls=(url,), states=states, max_pages=2,
                                    use_sitemap=False)
            self.done[key] = analyse(await Scanner(config, session=self.browser).run(), config)
        return self.done[key]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scans(sweb: FixtureWeb, chromium_path: str, sbrowser: BrowserSession) -> Scans:
    return Scans(sweb, chromium_path, sbrowser)


def _found(result: ScanResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def _banner_done(result: ScanResult, state: str) -> None:
    b = result.states[state].banner
    assert b is not None and b.found and b.action == state and b.succeeded, b


# -- IAB TCF --------------------------------------------------------------------------------------------


async def test_tcf_per_page_and_state_on_a_well_behaved_platform(scans: Scans) -> None:
    """Quantcast's __tcfapi (IAB's cmpapi, strings encoded by @iabtcf/core): nothing before the choice,
    everything after accept, nothing after reject — on every page, and as the state's signal."""
    result = await scans.get(QUANTCAST)
    want = {
        "before": ("cmpuishown", [], [], []),
        "accept": (None, list(range(1, 12)), [2, 7, 8, 9, 10, 11], ALL_VENDORS),
        "reject": (None, [], [], []),
    }
    for state, (status, purposes, li, vendors) in want.items():
        if state != "before":
            _banner_done(result, state)
        st = result.states[state]
        assert len(st.pages) == 2, (state, [p.url for p in st.pages])
        for page in st.pages:
            tc = page.tcf
            assert tc is not None, (state, page.url)
            assert (tc["source"], tc["frame"], tc["cmp_id"], tc["page"]) == ("api", None, 10, page.url)
            assert (tc["purposes_consent"], tc["purposes_li"], tc["vendor_consents"]) == (purposes, li, vendors), \
                (state, page.url, tc)
            if status is not None:
                assert tc["event_status"] == status
            else:  # after the choice: decoded from the string the platform encoded
                assert tc["event_status"] in ("useractioncomplete", "tcloaded") and tc["fields_from"] == "tcString"
                assert tc["tcf_policy_version"] == 4 and tc["tc_string"]
        assert st.tcf == st.pages[-1].tcf
    assert not {f.rule for f in result.findings} & SIGNAL_RULES, result.findings


async def test_tcf_rules_fire_on_the_keeps_consent_variant(scans: Scans) -> None:
    """After reject the variant's string still grants purposes 1 and 3 and vendor 755 and claims 2-10 under
    legitimate interest: both TCF rules fire, once each, with the decoded evidence."""
    result = await scans.get(KEEPS_CONSENT)
    _banner_done(result, "reject")
    rej = result.states["reject"]
    for page in rej.pages:
        assert page.tcf is not None
        assert (page.tcf["purposes_consent"], page.tcf["vendor_consents"]) == ([1, 3], [755])
        assert page.tcf["purposes_li"] == list(range(2, 11))
    [consent] = _found(result, "tcf-consent-after-reject")
    assert (consent.severity, consent.scenario, consent.subject) == ("high", "reject", "TC string")
    ev = consent.evidence
    assert (ev["cmp_id"], ev["source"], ev["vendors"], ev["vendor_count"]) == (10, "api", [755], 1)
    assert ev["purposes"] == [purpose_label(1), purpose_label(3)]
    assert "Create profiles for personalised advertising" in ev["purposes"][1]
    assert ev["page"] in {p.url for p in rej.pages} and set(ev["pages"]) == {p.url for p in rej.pages}
    assert "purposes 1 and 3" in consent.message and "755" in consent.message
    [li] = _found(result, "tcf-legitimate-interest")
    assert (li.severity, li.scenario) == ("medium", "reject")
    assert li.evidence["purposes"] == [purpose_label(p) for p in range(2, 11)]
    assert li.evidence["not_allowed_by_tcf"] == [purpose_label(p) for p in (3, 4, 5, 6)]
    # accept grants everything, as it should: no finding there
    assert all(f.scenario == "reject" for f in result.findings if f.rule.startswith("tcf-"))


async def test_tcf_read_from_the_consent_platform_s_frame(scans: Scans) -> None:
    """The top page has no __tcfapi; the platform's cross-origin frame holds __tcfapiLocator: its API answers."""
    result = await scans.get(tcf_sites.FRAME_URL, ("before",))
    [page] = result.states["before"].pages
    tc = page.tcf
    assert tc is not None
    assert (tc["source"], tc["frame"], tc["cmp_id"]) == ("api", tcf_sites.CMP_FRAME_URL, tcf_sites.FRAME["cmpId"])
    assert (tc["purposes_consent"], tc["purposes_li"], tc["vendor_consents"]) == (
        tcf_sites.FRAME["purposes"], tcf_sites.FRAME["li"], tcf_sites.FRAME["vendors"])
    assert result.states["before"].tcf == tc


async def test_tcf_falls_back_to_the_euconsent_cookie(scans: Scans) -> None:
    """No __tcfapi anywhere: the euconsent-v2 cookie is decoded, and says so."""
    result = await scans.get(tcf_sites.COOKIE_URL, ("before",))
    [page] = result.states["before"].pages
    tc = page.tcf
    assert tc is not None
    assert (tc["source"], tc["frame"], tc["ok"], tc["event_status"]) == ("cookie", None, None, None)
    assert (tc["cmp_id"], tc["purposes_consent"], tc["vendor_consents"]) == (
        tcf_sites.COOKIE["cmpId"], tcf_sites.COOKIE["purposes"], tcf_sites.COOKIE["vendors"])


# -- Google Consent Mode -------------------------------------------------------------------------------------


async def test_consent_mode_per_state_as_the_fixture_sends_it(scans: Scans) -> None:
    """gcm-fixture.com: denied by default before any choice, granted (update) after accept, denied (update)
    after reject — the table of tests/fixtures/google.EXPECTED — and no Consent Mode finding."""
    result = await scans.get(google.URL)
    for state, (value, source) in google.EXPECTED[google.URL].items():
        if state != "before":
            _banner_done(result, state)
        table, hits = consent_mode_by_state(result.states[state])
        assert hits >= 1, state
        assert table == {s: [f"{value} ({source})"] for s in google.SIGNALS}, (state, table)
    assert not {f.rule for f in result.findings} & SIGNAL_RULES
    # the cookieless pings before consent stay a pre-consent-tracker finding, with what Consent Mode said
    [ping] = [f for f in _found(result, "pre-consent-tracker") if f.subject == "google-analytics.com"]
    assert ping.evidence["consent_mode"] == dict.fromkeys(google.SIGNALS, "denied (default)")
    # no TCF on this site: nothing read, nothing made up
    assert all(p.tcf is None for st in result.states.values() for p in st.pages)
    assert all(st.tcf is None for st in result.states.values())


async def test_consent_mode_granted_before_choice(scans: Scans) -> None:
    """gcm-early-fixture.com grants everything by default: the rule fires before the choice, not after reject
    (the refusal's update says denied)."""
    result = await scans.get(google.EARLY_URL)
    _banner_done(result, "reject")
    [f] = _found(result, "consent-mode-granted-before-choice")
    assert (f.severity, f.scenario, f.subject) == ("high", "before", "google-analytics.com")
    ev = f.evidence
    assert ev["granted"] == list(google.SIGNALS)
    assert ev["signals"] == dict.fromkeys(google.SIGNALS, "granted (default)")
    assert (ev["gcs"], ev["gcd"], ev["kind"]) == ("G111", "11t1t1t1t5", "ga4")
    assert ev["url"].startswith(f"https://{google.GA_HOST}/g/collect?") and "gcs=G111" in ev["url"]
    assert ev["page"] in {p.url for p in result.states["before"].pages}
    assert not _found(result, "consent-mode-granted-after-reject")


async def test_consent_mode_granted_after_reject(scans: Scans) -> None:
    """gcm-v1-fixture.com's refusal updates only the v1 signals: ad_user_data and ad_personalization stay
    granted (default) after reject, and the rule says so; gcm-fixture.com's refusal fires nothing."""
    result = await scans.get(consent_mode_sites.V1_URL)
    _banner_done(result, "reject")
    table, _ = consent_mode_by_state(result.states["reject"])
    assert table == {s: [f"{v} ({src})"] for s, (v, src) in consent_mode_sites.EXPECTED_REJECT.items()}
    [f] = _found(result, "consent-mode-granted-after-reject")
    assert (f.severity, f.scenario, f.subject) == ("high", "reject", "google-analytics.com")
    assert f.evidence["granted"] == ["ad_user_data", "ad_personalization"]
    assert f.evidence["signals"]["ad_storage"] == "denied (update)"
    assert not _found(await scans.get(google.URL), "consent-mode-granted-after-reject")


# -- the report ---------------------------------------------------------------------------------------------


async def test_report_section_from_a_real_scan(scans: Scans, tmp_path: Path) -> None:
    """The scanned signals reach the HTML and Markdown reports."""
    result = await scans.get(KEEPS_CONSENT)
    html = render(result, "html", ReportOptions(base_dir=tmp_path))
    assert '<section class="block" id="signals"' in html and '<a href="#signals">' in html
    assert "CMP 10" in html and "1: Store and/or access information on a device" in html
    md = render(result, "md", ReportOptions())
    assert "### What the site told ad tech" in md
    assert "| TCF purposes with consent | none | 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 | 1, 3 |" in md
