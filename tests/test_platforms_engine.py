"""cookiescan's consent engine on the commercial platform fixtures (issue 14, items 1, 5 and 6), in a real
Chromium: for each of the seven platforms (and Cookiebot's "Allow selection" layout) the platform is named,
accept and reject are made *and confirmed* by the platform's own record of the choice, with the clicks a
visitor needs and whether reject is on the first layer — Usercentrics in its shadow root, Sourcepoint in its
cross-origin message iframe. A whole scan per platform keeps the choice across pages (trackers only after
accept, the platform's choice storage after both choices). Then the two sites where no choice can be made: a
banner whose buttons record nothing (states unconfirmed, findings marked, no ``declared-not-found`` from
them) and a site with no banner (accept and reject not applicable, no ``post-reject-*``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cookiescan.analyse import analyse, load_declared
from cookiescan.browser import BrowserSession
from cookiescan.config import ConsentSelectors
from cookiescan.consent import apply_consent
from cookiescan.demo import FixtureWeb
from cookiescan.models import BannerResult, ScanResult
from cookiescan.scan import Scanner
from tests.conftest import fixture_config
from tests.fixtures import platforms, unrecorded
from tests.platforms_support import (
    TRACKERS,
    WAIT,
    Jar,
    Quiet,
    check_choice,
    choice_made,
    jar_if,
    jar_of,
    pbrowser,
    pweb,
    until,
)

__all__ = ["pbrowser", "pweb"]  # the fixtures this module uses

@dataclass(frozen=True)
class Expect:
    """What the engine must do on one platform: the autoconsent rule naming it, per choice the engine whose
    choice was confirmed and the controls it clicked (none: the platform's JavaScript API, counted as the one
    click a visitor needs), the first-layer facts, and the platform's record of each choice as the
    confirmation's first line."""

    cmp: str
    accept: tuple[str, tuple[str, ...]]
    reject: tuple[str, tuple[str, ...]]
    accepted: str
    refused: str
    accept_first: bool = True
    reject_first: bool = True


TCF = "__tcfapi getTCData eventStatus useractioncomplete, cmpStatus loaded, CMP {}, purposes with consent {}"
ALL_PURPOSES = ",".join(map(str, range(1, 12)))
COOKIEBOT = "Cookiebot.consent preferences={0}, statistics={0}, marketing={0}"

EXPECT: dict[str, Expect] = {
    "onetrust": Expect("Onetrust", ("autoconsent", ("Accept All Cookies",)), ("autoconsent", ("Reject All",)),
                       "OneTrust OptanonConsent groups C0001:1, C0002:1, C0003:1, C0004:1",
                       "OneTrust OptanonConsent groups C0001:1, C0002:0, C0003:0, C0004:0"),
    # autoconsent's Cookiebot rule ticks the boxes and clicks buttons this dialog does not have: not recorded,
    # the heuristic then clicks "Allow all"; its reject goes through Cookiebot.withdraw()
    "cookiebot": Expect("Cybotcookiebot", ("heuristic", ("Allow all",)), ("autoconsent", ()),
                        COOKIEBOT.format("true"), COOKIEBOT.format("false")),
    # first layer: unticked boxes, Deny, "Allow selection" (a save, never an accept) and a Customize link
    "cookiebot-selection": Expect("Cybotcookiebot", ("heuristic", ("Customize", "Allow all")), ("autoconsent", ()),
                                  COOKIEBOT.format("true"), COOKIEBOT.format("false"), accept_first=False),
    "didomi": Expect("didomi", ("autoconsent", ("Accepter & Fermer",)), ("autoconsent", ("Continuer sans accepter →",)),
                     "Didomi.getUserStatus() purposes 12 enabled, 0 disabled; vendors 5 enabled, 0 disabled",
                     "Didomi.getUserStatus() purposes 0 enabled, 12 disabled; vendors 0 enabled, 5 disabled"),
    "usercentrics": Expect("usercentrics-api", ("autoconsent", ()), ("autoconsent", ("Ablehnen",)),
                           "Usercentrics uc_user_interaction=true: 2 of 2 optional services granted",
                           "Usercentrics uc_user_interaction=true: 0 of 2 optional services granted"),
    "sourcepoint": Expect("Sourcepoint-frame", ("autoconsent", ("Accept all",)), ("autoconsent", ("Reject all",)),
                          TCF.format(6, ALL_PURPOSES), TCF.format(6, "none")),
    "quantcast": Expect("quantcast", ("autoconsent", ("AGREE",)),
                        ("autoconsent", ("MORE OPTIONS", "REJECT ALL", "SAVE & EXIT")),
                        TCF.format(10, ALL_PURPOSES), TCF.format(10, "none"), reject_first=False),
    "axeptio": Expect("axeptio", ("autoconsent", ("OK pour moi",)), ("autoconsent", ("Non merci",)),
                      "Axeptio axeptio_cookies $$completed: 2 of 2 optional vendors granted",
                      "Axeptio axeptio_cookies $$completed: 0 of 2 optional vendors granted"),
}


def test_every_platform_is_expected() -> None:
    assert set(EXPECT) == set(platforms.PLATFORMS)


@dataclass(frozen=True)
class EngineVisit:
    banner: BannerResult
    jar: Jar


async def _engine(browser: BrowserSession, url: str, state: str, *, trackers: bool = False) -> EngineVisit:
    """One apply_consent on a fresh context; with ``trackers``, wait for the tracker cookies, otherwise for
    the page to go quiet (what a reject must not produce has had time to appear)."""
    ctx = await browser.new_context()
    try:
        page = await ctx.new_page()
        quiet = Quiet(page)
        await page.goto(url, wait_until="load")
        banner = await apply_consent(page, state, ConsentSelectors(), timeout=WAIT)
        if trackers:
            await until("trackers after the engine's accept",
                        lambda: jar_if(ctx, page, lambda j: set(j.cookies) >= TRACKERS))
        await quiet.wait()
        return EngineVisit(banner, await jar_of(ctx, page))
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(EXPECT))
async def test_engine_names_the_platform_and_reads_its_first_layer(pbrowser: BrowserSession, name: str) -> None:
    """Before any choice: the platform named by the autoconsent rule that acts (Sourcepoint: the rule in the
    message iframe, not its top-frame companion), the first layer read (in Usercentrics' shadow root and
    Sourcepoint's cross-origin frame too), nothing clicked, nothing confirmed."""
    want = EXPECT[name]
    v = await _engine(pbrowser, platforms.SITES[name], "before")
    b = v.banner
    assert (b.found, b.cmp, b.method, b.action, b.clicks, b.error) == (True, want.cmp, "autoconsent", None, 0, None), b
    assert (b.accept_on_first_layer, b.reject_on_first_layer) == (want.accept_first, want.reject_first), b
    assert (b.confirmed, b.confirmation, b.attempts) == (None, (), ())
    assert not TRACKERS & set(v.jar.cookies) and not choice_made(name, v.jar)


def _check_banner(b: BannerResult, want: Expect, action: str) -> None:
    method, buttons = want.accept if action == "accept" else want.reject
    assert (b.found, b.cmp, b.method, b.action, b.succeeded, b.confirmed, b.error) == (
        True, want.cmp, method, action, True, True, None), b
    assert (b.clicks, b.buttons) == (len(buttons) or 1, buttons), b
    assert (b.accept_on_first_layer, b.reject_on_first_layer) == (want.accept_first, want.reject_first), b
    assert b.confirmation[0] == (want.accepted if action == "accept" else want.refused), b.confirmation
    assert b.confirmation[-1] == "banner gone"
    assert b.attempts[-1].startswith(f"{method}") and "; recorded: " in b.attempts[-1], b.attempts


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(EXPECT))
async def test_engine_accept_is_confirmed_by_the_platform(pbrowser: BrowserSession, name: str) -> None:
    """Accept: confirmed by the platform's own record of an acceptance; the trackers and the platform's
    choice storage follow. On Cookiebot, autoconsent's rule clicks without recording a choice: its attempt
    is kept as not recorded and the heuristic's "Allow all" is the one confirmed (never "Allow selection")."""
    v = await _engine(pbrowser, platforms.SITES[name], "accept", trackers=True)
    b = v.banner
    _check_banner(b, EXPECT[name], "accept")
    if name.startswith("cookiebot"):
        assert len(b.attempts) == 2, b.attempts
        assert b.attempts[0].startswith("autoconsent Cybotcookiebot: clicked 'Preferences', 'Statistics', "
                                        "'Marketing'"), b.attempts
        assert b.attempts[0].endswith("; not recorded: Cookiebot: no choice recorded (Cookiebot.hasResponse "
                                      "false); banner still shown"), b.attempts
        assert "Allow selection" not in b.buttons
    else:
        assert len(b.attempts) == 1, b.attempts
    assert set(v.jar.cookies) >= TRACKERS
    check_choice(name, v.jar, accepted=True)


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(EXPECT))
async def test_engine_reject_is_confirmed_by_the_platform(pbrowser: BrowserSession, name: str) -> None:
    """Reject: confirmed by the platform's record of a refusal, no tracker. Sourcepoint's refusal is clicked in
    its cross-origin frame (its top-frame rule, which only hides the message, is never used); Quantcast's is
    on the second layer (three clicks)."""
    v = await _engine(pbrowser, platforms.SITES[name], "reject")
    b = v.banner
    _check_banner(b, EXPECT[name], "reject")
    assert len(b.attempts) == 1, b.attempts
    assert not TRACKERS & set(v.jar.cookies), v.jar.cookies
    check_choice(name, v.jar, accepted=False)


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("name", list(EXPECT))
async def test_scan_keeps_each_confirmed_choice_across_pages(pweb: FixtureWeb, chromium_path: str,
                                                              pbrowser: BrowserSession, name: str) -> None:
    """A whole scan on three pages per state: the banner is operated once per state and the choice
    confirmed; the stored choice holds on the other pages (no banner again, trackers only after accept), the
    platform's choice storage after accept and reject, none before."""
    config = fixture_config(pweb, chromium_path, urls=(platforms.SITES[name],), max_pages=3, use_sitemap=False)
    result = await Scanner(config, session=pbrowser).run()
    platform = platforms.PLATFORMS[name]
    choice = set(platform.choice_cookies) | {platform.marker}
    for state in ("before", "accept", "reject"):
        s = result.states[state]
        assert s.applicable and len(s.pages) == 3, (state, [p.url for p in s.pages])
        b = s.banner
        assert b is not None and b.found and b.cmp == EXPECT[name].cmp, b
        assert b.confirmed is (None if state == "before" else True), b
        names = {c.name for c in s.cookies} | {i.key for i in s.storage}
        assert (names >= TRACKERS) is (state == "accept"), (state, names)
        assert not (TRACKERS & names) or state == "accept", (state, names)
        assert (choice <= names) is (state != "before"), (state, names)
        assert not any(p.banner_shown_again for p in s.pages), (state, [p.url for p in s.pages])


# -- no choice can be made ----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_a_banner_that_records_nothing_is_not_confirmed(pbrowser: BrowserSession) -> None:
    """The buttons only hide the banner: the click is made, the banner goes, but the site stores no choice —
    the result says so instead of "accept succeeded"."""
    v = await _engine(pbrowser, unrecorded.SITES["hollow"], "accept")
    b = v.banner
    assert (b.found, b.action, b.method, b.succeeded, b.confirmed) == (True, "accept", "heuristic", False, False), b
    assert (b.clicks, b.buttons) == (1, ("Accept all",))
    assert b.confirmation == ("no new first-party cookie or storage key", "banner gone"), b.confirmation
    assert b.attempts == ("heuristic: clicked 'Accept all'; not recorded: no new first-party cookie or storage key; "
                          "banner gone",), b.attempts
    assert b.error == "accept not confirmed: the site did not record the choice (1 engine(s) tried)", b.error


def _declared(tmp_path: Path) -> Path:
    path = tmp_path / "declared.yaml"
    # _gcl_au: a cookie only an acceptance would set (the site never sets it)
    path.write_text("cookies:\n"
                    "  - {name: _ga, category: analytics, lifetime: 13 months}\n"
                    "  - {name: _ga_FX12345, category: analytics, lifetime: 13 months}\n"
                    "  - {name: fx_ad_id, category: marketing, lifetime: 13 months}\n"
                    "  - {name: _gcl_au, category: marketing, lifetime: 3 months}\n", encoding="utf-8")
    return path


async def _audit(web: FixtureWeb, chromium_path: str, browser: BrowserSession, url: str,
                 **overrides: Any) -> ScanResult:
    config = fixture_config(web, chromium_path, urls=(url,), max_pages=2, use_sitemap=False, **overrides)
    result = await Scanner(config, session=browser).run()
    return analyse(result, config, load_declared(config))


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_unconfirmed_states_mark_their_findings_and_give_no_declared_not_found(
        pweb: FixtureWeb, chromium_path: str, pbrowser: BrowserSession, tmp_path: Path) -> None:
    """A whole audit of the hollow banner with a declared list naming a cookie only an acceptance would set:
    accept and reject are "choice not confirmed"; their findings (post-reject-*, …) are marked unconfirmed,
    the before state's are not; no declared-not-found comes from the unconfirmed accept."""
    result = await _audit(pweb, chromium_path, pbrowser, unrecorded.SITES["hollow"], declared=str(_declared(tmp_path)))
    for state in ("accept", "reject"):
        b = result.states[state].banner
        assert b is not None and (b.found, b.succeeded, b.confirmed) == (True, False, False), b
        # clicked away, not recorded: the banner is back on the next page
        assert [p.banner_shown_again for p in result.states[state].pages if p.url != b.page_url] == [True], state
    rules = {(f.rule, f.scenario, f.unconfirmed) for f in result.findings}
    assert ("post-reject-cookie", "reject", True) in rules, rules
    assert ("pre-consent-cookie", "before", False) in rules, rules
    assert all(f.unconfirmed for f in result.findings if f.scenario in ("accept", "reject")), rules
    assert not [f for f in result.findings if f.scenario == "before" and f.unconfirmed]
    assert not [f for f in result.findings if f.rule == "declared-not-found"], rules


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_no_banner_means_accept_and_reject_are_not_applicable(
        pweb: FixtureWeb, chromium_path: str, pbrowser: BrowserSession) -> None:
    """Issue 14 item 6: trackers and no banner. Accept and reject are not applicable (their pages are kept as
    evidence); the findings are no-consent-banner and the before state's, with no post-reject-* repeat."""
    result = await _audit(pweb, chromium_path, pbrowser, unrecorded.SITES["no-banner"])
    for state in ("accept", "reject"):
        s = result.states[state]
        assert (s.applicable, s.not_applicable) == (False, "no consent banner was found in any state: there was "
                                                           "nothing to accept or reject"), s
        assert s.pages and s.cookies, "the observations stay in the result"
        assert s.banner is not None and not s.banner.found
    assert result.states["before"].applicable
    rules = sorted({(f.rule, f.scenario) for f in result.findings})
    assert ("no-consent-banner", "before") in rules, rules
    assert not [r for r in rules if r[0].startswith("post-reject")], rules
    assert {scenario for _, scenario in rules} <= {"before", "all"}, rules
