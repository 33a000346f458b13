"""The commercial consent-platform fixtures (issue 14): OneTrust, Cookiebot, Didomi, Usercentrics,
Sourcepoint, Quantcast Choice and Axeptio, in a real Chromium on the fixture web — how each fixture behaves,
with no cookiescan engine: only Playwright clicks on each platform's own selectors. Accept sets the
trackers' cookies and the platform's choice storage, reject sets no tracker, a later page shows no banner
and honours the stored choice; ``__tcfapi`` answers with the expected consents (good and ``keeps-consent``
variants) and is reachable from a cross-origin frame. What cookiescan's consent engine does on them is in
``tests/test_platforms_engine.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cookiescan.browser import BrowserSession
from tests.fixtures import platforms
from tests.fixtures.platforms import common
from tests.platforms_support import (
    CLICKS,
    TRACKERS,
    WAIT,
    Jar,
    Quiet,
    check_choice,
    choose,
    jar_if,
    jar_of,
    locator,
    next_page,
    pbrowser,
    pweb,
    until,
    within,
)

__all__ = ["pbrowser", "pweb"]  # the fixtures this module uses


# -- fixture behaviour ---------------------------------------------------------------------------------------


def test_every_platform_has_clicks_routes_and_storage() -> None:
    """Guards the registry: each platform site is routed, has its selectors and a choice-storage check."""
    assert set(CLICKS) == set(platforms.PLATFORMS)
    for name, p in platforms.PLATFORMS.items():
        host = p.url.split("/")[2]
        assert host in platforms.ROUTES, name
        assert p.marker in (*p.choice_cookies, *p.choice_storage), name
    assert {n for n, p in platforms.PLATFORMS.items() if p.tcf} == {"didomi", "sourcepoint", "quantcast"}


def test_iabtcf_files_never_leave_their_packages(tmp_path: Path) -> None:
    """Guards the /npm/ route: only files inside @iabtcf/core, cmpapi and stub are served."""
    nm = tmp_path / "node_modules"
    (nm / "@iabtcf" / "core" / "lib").mkdir(parents=True)
    (nm / "@iabtcf" / "core" / "lib" / "index.js").write_text("//")
    (nm / "@iabtcf" / "evil").mkdir()
    (nm / "@iabtcf" / "evil" / "x.js").write_text("//")
    (nm / "klaro").mkdir()
    (nm / "klaro" / "klaro.js").write_text("//")
    (tmp_path / "outside.txt").write_text("no")
    (nm / "@iabtcf" / "core" / "link").symlink_to(tmp_path)
    good = common.iabtcf_file(nm, "@iabtcf/core/lib/index.js")
    assert good == (nm / "@iabtcf/core/lib/index.js").resolve()
    for bad in ("@iabtcf/core/../../../outside.txt", "@iabtcf/core/link/outside.txt", "@iabtcf/evil/x.js",
                "klaro/klaro.js", "/etc/passwd", "@iabtcf/core/lib", "", "@iabtcf\\core\\lib\\index.js",
                "../outside.txt", "@iabtcf/core/lib/index.js\x00"):
        assert common.iabtcf_file(nm, bad) is None, bad


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(CLICKS))
async def test_fixture_accept_sets_trackers_and_is_remembered(pbrowser: BrowserSession, name: str) -> None:
    """Accept through the platform's own button: the platform's choice storage (as the real one writes
    it) and the three tracker cookies; the next page shows no banner and runs the analytics tag again."""
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        jar = await choose(ctx, page, name, "accept")
        check_choice(name, jar, accepted=True)
        assert not await locator(page, CLICKS[name].banner).first.is_visible()
        requests = await next_page(ctx, page, name)
        assert any("/g/collect" in u for u in requests), f"{name}: analytics did not run on the next page"
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(CLICKS))
async def test_fixture_reject_sets_no_tracker_and_is_remembered(pbrowser: BrowserSession, name: str) -> None:
    """Reject through the platform's own button(s): only the platform's choice storage, no tracker
    cookie, and no tracker request on the next page (the stored refusal is honoured, no banner)."""
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        jar = await choose(ctx, page, name, "reject")
        check_choice(name, jar, accepted=False)
        requests = await next_page(ctx, page, name)
        final = await jar_of(ctx, page)
        assert not TRACKERS & set(final.cookies), final.cookies
        assert requests == [], requests
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_cookiebot_allow_selection_records_necessary_only(pbrowser: BrowserSession) -> None:
    """The level-optin Cookiebot dialog: "Allow selection" with the first-layer boxes as shown (unticked)
    is a refusal — CookieConsent says statistics:false, marketing:false; no tracker runs."""
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        await page.goto(platforms.SITES["cookiebot-selection"], wait_until="load")
        selection = page.locator("#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection")
        await selection.wait_for(state="visible", timeout=WAIT * 1000)
        assert not await page.locator("#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll").is_visible()
        assert not await page.locator("#CybotCookiebotDialogBodyLevelButtonStatistics").is_checked()
        await selection.click()
        jar = await until("CookieConsent", lambda: jar_if(ctx, page, lambda j: "CookieConsent" in j.cookies))
        check_choice("cookiebot-selection", jar, accepted=False)
        assert await page.evaluate("Cookiebot.declined && !Cookiebot.consent.statistics")
        assert await next_page(ctx, page, "cookiebot-selection") == []
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_onetrust_preference_centre_confirm_my_choices(pbrowser: BrowserSession) -> None:
    """The second way out of OneTrust: "Cookies Settings", tick Performance only, "Confirm My Choices"."""
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        await page.goto(platforms.SITES["onetrust"], wait_until="load")
        await page.locator("#onetrust-pc-btn-handler").click(timeout=WAIT * 1000)
        await page.locator("#onetrust-pc-sdk").wait_for(state="visible")
        await page.locator("label[for=ot-group-id-C0002]").click()
        await page.locator(".save-preference-btn-handler").click()
        await until("the analytics cookie", lambda: jar_if(ctx, page, lambda j: "_ga" in j.cookies))
        await Quiet(page).wait()
        jar = await jar_of(ctx, page)
        assert "groups=C0001%3A1%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0" in jar.cookies["OptanonConsent"]
        assert await page.evaluate("OnetrustActiveGroups") == ",C0001,C0002,"
        assert common.MARKETING_COOKIE not in (await jar_of(ctx, page)).cookies
    finally:
        await ctx.close()


# -- IAB TCF --------------------------------------------------------------------------------------------------

TCF_SITES = {"didomi": 7, "sourcepoint": 6, "quantcast": 10}
GET_TC_DATA = """() => new Promise(r => __tcfapi('getTCData', 2, (d, ok) => r({
  ok, eventStatus: d.eventStatus, cmpId: d.cmpId, tcString: d.tcString, gdprApplies: d.gdprApplies,
  tcfPolicyVersion: d.tcfPolicyVersion, isServiceSpecific: d.isServiceSpecific,
  purposes: Object.keys(d.purpose.consents).filter(k => d.purpose.consents[k]).map(Number),
  purposesLI: Object.keys(d.purpose.legitimateInterests).filter(k => d.purpose.legitimateInterests[k]).map(Number),
  vendors: [32, 91, 755, 1001].filter(v => d.vendor.consents[v]),
  vendorsLI: [32, 91, 755, 1001].filter(v => d.vendor.legitimateInterests[v]),
})))"""


async def _tc_data(ctx: Any, page: Any, name: str, action: str, query: str = "") -> tuple[dict[str, Any], Jar]:
    url = platforms.SITES[name] + query
    clicks = CLICKS[name]
    await page.goto(url, wait_until="load")
    await locator(page, clicks.banner).first.wait_for(state="visible", timeout=WAIT * 1000)
    shown = await within(page.evaluate(GET_TC_DATA), f"{name}: getTCData")
    assert (shown["ok"], shown["eventStatus"], shown["cmpId"]) == (True, "cmpuishown", TCF_SITES[name]), shown
    for selector in getattr(clicks, action):
        await locator(page, selector).first.click(timeout=WAIT * 1000)
    await until(f"{name}: euconsent-v2", lambda: jar_if(ctx, page, lambda j: "euconsent-v2" in j.cookies))
    return await within(page.evaluate(GET_TC_DATA), f"{name}: getTCData"), await jar_of(ctx, page)


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(TCF_SITES))
async def test_tcf_accept_grants_every_purpose_and_vendor(pbrowser: BrowserSession, name: str) -> None:
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        tc, jar = await _tc_data(ctx, page, name, "accept")
        assert (tc["ok"], tc["eventStatus"], tc["gdprApplies"], tc["tcfPolicyVersion"]) == (
            True, "useractioncomplete", True, 4), tc
        assert tc["tcString"] == jar.cookies["euconsent-v2"] and tc["isServiceSpecific"] is True
        assert tc["purposes"] == list(range(1, 12)) and tc["vendors"] == [32, 91, 755, 1001]
        assert tc["purposesLI"] == [2, 7, 8, 9, 10, 11]  # TCF 2.2: never 1, 3, 4, 5, 6
        assert await page.evaluate("() => !!window.frames.__tcfapiLocator")
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(TCF_SITES))
@pytest.mark.parametrize("query", ["", f"?{common.VARIANT_PARAM}={common.KEEPS_CONSENT}"])
async def test_tcf_reject_string_good_and_keeps_consent_variant(pbrowser: BrowserSession, name: str,
                                                                query: str) -> None:
    """The well-behaved platform's string after reject grants nothing; the keeps-consent variant's still
    grants purposes 1 and 3 and vendor 755 and claims purposes 2-10 under legitimate interest."""
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        tc, jar = await _tc_data(ctx, page, name, "reject", query)
        assert (tc["ok"], tc["eventStatus"]) == (True, "useractioncomplete") and tc["tcString"] == jar.cookies[
            "euconsent-v2"]
        if not query:
            assert (tc["purposes"], tc["purposesLI"], tc["vendors"], tc["vendorsLI"]) == ([], [], [], [])
        else:
            assert (tc["purposes"], tc["vendors"], tc["vendorsLI"]) == ([1, 3], [755], [755])
            assert tc["purposesLI"] == list(range(2, 11))
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(("name", "pixel_fires"), [("didomi", False), ("sourcepoint", True), ("quantcast", True)])
async def test_keeps_consent_variant_misleads_tcf_vendors(pbrowser: BrowserSession, name: str,
                                                          pixel_fires: bool) -> None:
    """After a refusal on the keeps-consent variant, a vendor that reads the TC string (Sourcepoint's
    ad slot through the locator frame, Quantcast's page listener) drops its cookie; Didomi's own tag
    blocking honours the refusal. The analytics tag (purpose 8, vendor 1001) never runs."""
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        await _tc_data(ctx, page, name, "reject", f"?{common.VARIANT_PARAM}={common.KEEPS_CONSENT}")
        if pixel_fires:
            await until("the ad cookie", lambda: jar_if(ctx, page, lambda j: common.MARKETING_COOKIE in j.cookies))
        await Quiet(page).wait()
        names = set((await jar_of(ctx, page)).cookies)
        assert (common.MARKETING_COOKIE in names) is pixel_fires
        assert not set(common.ANALYTICS_COOKIES) & names
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_tcfapi_answers_a_cross_origin_frame_through_the_locator(pbrowser: BrowserSession) -> None:
    """Sourcepoint's page holds __tcfapi; the ad slot on another site finds __tcfapiLocator and gets
    a __tcfapiReturn for its __tcfapiCall."""
    ctx = await pbrowser.new_context()
    try:
        page = await ctx.new_page()
        await page.goto(platforms.SITES["sourcepoint"], wait_until="load")
        frame = await until("the ad frame", lambda: _ad_frame(page))
        answer = await within(frame.evaluate("""() => new Promise(resolve => {
            window.addEventListener('message', e => {
              const r = e.data && e.data.__tcfapiReturn;
              if (r && r.callId === 'test-call') resolve({origin: e.origin, r});
            });
            window.parent.postMessage({__tcfapiCall: {command: 'getTCData', version: 2, callId: 'test-call'}}, '*');
        })"""), "the __tcfapiReturn")
        assert answer["origin"] == platforms.SITES["sourcepoint"].rstrip("/")
        tc = answer["r"]["returnValue"]
        assert answer["r"]["success"] is True and (tc["cmpId"], tc["gdprApplies"]) == (6, True), answer
        assert frame.url.startswith(f"https://{common.AD_HOST}/")
    finally:
        await ctx.close()


async def _ad_frame(page: Any) -> Any:
    for frame in page.frames:
        if "adframe.html" in frame.url:
            return frame
    return None
