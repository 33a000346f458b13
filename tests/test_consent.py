"""The consent-banner engine (issue #3) against real consent managers from npm, home-made banners and
broken ones, in a real Chromium on the fixture web; plus the lexicon, without a browser."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from consent_support import ensure_node_modules, visit

from cookiescan.browser import BrowserSession
from cookiescan.collect import ContextRecorder, VisitRecorder
from cookiescan.config import ConsentSelectors
from cookiescan.consent import apply_consent, classify
from cookiescan.demo import FixtureWeb, sites
from cookiescan.party import PartyResolver
from cookiescan.scan import Scanner, page_quiet
from tests.conftest import fixture_config
from tests.fixtures import consent_sites
from tests.fixtures.consent_sites import TRACKING_COOKIES

PNG = b"\x89PNG\r\n\x1a\n"

# What each real consent manager's banner must come out as. Klaro is configured with its decline
# button hidden, so rejecting needs its second layer.
CMPS = {
    "cookieconsent": dict(cmp="cookieconsent3", reject_first=True, accept_clicks=1, reject_clicks=1,
                          accept_button="Accept all", reject_button="Reject all"),
    "klaro": dict(cmp="Klaro", reject_first=False, accept_clicks=1, reject_clicks=2,
                  accept_button="Das ist ok", reject_button=None),
    "tarteaucitron": dict(cmp="tarteaucitron deny", reject_first=True, accept_clicks=1, reject_clicks=1,
                          accept_button="Tout accepter", reject_button="Tout refuser"),
}


@pytest.fixture(scope="session")
def cmp_modules() -> Path:
    return ensure_node_modules()


@pytest.fixture(scope="session")
def consent_web(cmp_modules: Path) -> Iterator[FixtureWeb]:
    routes: dict[str, Any] = {**sites.ROUTES, **consent_sites.make_routes(cmp_modules)}
    with FixtureWeb(routes) as web:
        yield web


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cbrowser(consent_web: FixtureWeb, chromium_path: str) -> AsyncIterator[BrowserSession]:
    async with BrowserSession(chromium_path, extra_args=consent_web.browser_args) as session:
        yield session


# -- the lexicon (no browser) ----------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "kind"), [
    ("Tout accepter", "accept"), ("J’accepte", "accept"), ("Accepter & fermer", "accept"),
    ("Accept all cookies", "accept"), ("Allow all", "accept"), ("Alle akzeptieren", "accept"),
    ("Aceptar todo", "accept"), ("Accetta tutto", "accept"), ("Alles accepteren", "accept"),
    ("Das ist ok", "accept"),
    ("Tout refuser", "reject"), ("Continuer sans accepter →", "reject"), ("Reject all", "reject"),
    ("Decline", "reject"), ("Alle ablehnen", "reject"), ("Rechazar todo", "reject"),
    ("Rifiuta tutto", "reject"), ("Alles weigeren", "reject"), ("Accept only necessary", "reject"),
    ("Personnaliser", "settings"), ("Paramétrer", "settings"), ("Gérer mes choix", "settings"),
    ("Manage options", "settings"), ("Cookie settings", "settings"), ("Einstellungen", "settings"),
    ("Configurar", "settings"), ("Personalizza", "settings"), ("Instellingen", "settings"),
    ("Lassen Sie mich wählen", "settings"),
    ("Enregistrer", "save"), ("Valider mes choix", "save"), ("Save", "save"),
    ("Confirm my choices", "save"), ("Speichern", "save"), ("Guardar", "save"), ("Salva", "save"),
    ("Opslaan", "save"), ("Accept selected", "save"), ("Ausgewählte akzeptieren", "save"),
    ("Add to cart", None), ("Acceptance criteria of our shop and a very long sentence", None), ("", None),
])
def test_lexicon_reads_labels_in_six_languages(label: str, kind: str | None) -> None:
    """Guards the word lists and their order: "Accept selected" saves, "Accept only necessary" rejects."""
    assert classify(label) == kind


def test_vendor_files_never_leave_the_node_modules_folder(tmp_path: Path) -> None:
    """Guards the static file route: request text cannot reach outside node_modules or other packages."""
    nm = tmp_path / "node_modules"
    (nm / "klaro" / "dist").mkdir(parents=True)
    (nm / "klaro" / "dist" / "klaro.js").write_text("//")
    (nm / "secret").mkdir()
    (nm / "secret" / "x.js").write_text("//")
    (tmp_path / "outside.txt").write_text("no")
    (nm / "klaro" / "link").symlink_to(tmp_path)
    assert consent_sites.vendor_file(nm, "klaro/dist/klaro.js") == (nm / "klaro/dist/klaro.js").resolve()
    for bad in ("klaro/../../outside.txt", "klaro/link/outside.txt", "secret/x.js", "/etc/passwd",
                "klaro/dist", "", "klaro\\..\\..\\outside.txt", "../outside.txt"):
        assert consent_sites.vendor_file(nm, bad) is None, bad


# -- real consent managers -------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("site", list(CMPS))
async def test_accept_all_loads_the_trackers(cbrowser: BrowserSession, site: str, tmp_path: Path) -> None:
    """Accept through each real consent manager: its gated analytics and marketing cookies appear."""
    want = CMPS[site]
    v = await visit(cbrowser, site, "accept", shot_dir=tmp_path / "evidence", expect_tracking=True)
    b = v.banner
    assert (b.found, b.cmp, b.method, b.action, b.succeeded, b.error) == (True, want["cmp"], "autoconsent", "accept",
                                                                         True, None), b
    assert b.clicks == want["accept_clicks"]
    assert b.buttons == (want["accept_button"],)
    assert b.accept_on_first_layer is True
    assert b.reject_on_first_layer is want["reject_first"]
    assert set(TRACKING_COOKIES) <= v.cookies
    assert v.screenshot is not None and b.screenshot == v.screenshot.name
    assert v.screenshot.read_bytes().startswith(PNG)


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("site", list(CMPS))
async def test_reject_all_loads_no_tracker(cbrowser: BrowserSession, site: str, tmp_path: Path) -> None:
    """Reject through each real consent manager: none of the gated cookies, the clicks a visitor needs
    (klaro: two, its reject is on the second layer only)."""
    want = CMPS[site]
    v = await visit(cbrowser, site, "reject", shot_dir=tmp_path)
    b = v.banner
    assert (b.found, b.cmp, b.action, b.succeeded, b.error) == (True, want["cmp"], "reject", True, None), b
    assert b.clicks == want["reject_clicks"]
    assert b.reject_on_first_layer is want["reject_first"]
    assert b.accept_on_first_layer is True
    if want["reject_button"]:
        assert b.buttons == (want["reject_button"],)
    assert not set(TRACKING_COOKIES) & v.cookies, v.cookies
    assert v.screenshot is not None and v.screenshot.read_bytes().startswith(PNG)


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_bot_hiding_cmp_is_found_because_webdriver_is_false(cbrowser: BrowserSession, tmp_path: Path) -> None:
    """vanilla-cookieconsent hides its banner when navigator.webdriver is true: finding it in the
    'before' state proves our Chromium does not look automated. 'before' clicks nothing."""
    v = await visit(cbrowser, "cookieconsent", "before", shot_dir=tmp_path)
    b = v.banner
    assert (b.found, b.cmp, b.action, b.clicks, b.buttons) == (True, "cookieconsent3", None, 0, ())
    assert (b.accept_on_first_layer, b.reject_on_first_layer) == (True, True)
    assert "cc_cookie" not in v.cookies and not set(TRACKING_COOKIES) & v.cookies
    assert b.screenshot and (tmp_path / b.screenshot).read_bytes().startswith(PNG)


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_second_layer_only_reject_is_detected_before_any_click(cbrowser: BrowserSession) -> None:
    """Klaro (decline hidden): the first-layer facts are known in 'before' too."""
    b = (await visit(cbrowser, "klaro", "before")).banner
    assert (b.found, b.cmp, b.accept_on_first_layer, b.reject_on_first_layer) == (True, "Klaro", True, False)


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_multilingual_cmp_follows_the_browser_language(cbrowser: BrowserSession) -> None:
    """The same cookieconsent site in a French browser shows French buttons, and they are read as such."""
    v = await visit(cbrowser, "cookieconsent", "accept", expect_tracking=True, locale="fr-FR")
    assert v.banner.succeeded and v.banner.buttons == ("Tout accepter",)
    assert v.banner.reject_on_first_layer is True
    assert set(TRACKING_COOKIES) <= v.cookies


# -- home-made banners: the heuristic ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_heuristic_accepts_a_french_home_made_banner(cbrowser: BrowserSession) -> None:
    v = await visit(cbrowser, "homemade-fr", "accept", expect_tracking=True)
    b = v.banner
    assert (b.found, b.cmp, b.method, b.succeeded, b.clicks, b.buttons) == (
        True, "heuristic", "heuristic", True, 1, ("J'accepte",))
    assert (b.accept_on_first_layer, b.reject_on_first_layer) == (True, False)
    assert set(TRACKING_COOKIES) <= v.cookies


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_heuristic_rejects_on_the_second_layer_by_unticking_and_saving(cbrowser: BrowserSession) -> None:
    """No reject on the first layer, pre-ticked toggles on the second: open settings, untick the two
    optional ones (the disabled 'necessary' box stays), save — four clicks, no tracker."""
    v = await visit(cbrowser, "homemade-fr", "reject")
    b = v.banner
    assert (b.found, b.method, b.succeeded, b.error) == (True, "heuristic", True, None), b
    assert b.buttons == ("Paramétrer", "Mesure d'audience", "Publicité personnalisée", "Valider mes choix")
    assert b.clicks == 4
    assert b.reject_on_first_layer is False
    assert "fx_choice" in v.cookies and not set(TRACKING_COOKIES) & v.cookies


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(("state", "button"), [("accept", "Alle akzeptieren"), ("reject", "Alle ablehnen")])
async def test_heuristic_reads_a_german_banner_in_a_shadow_root(cbrowser: BrowserSession, state: str,
                                                              button: str) -> None:
    v = await visit(cbrowser, "homemade-de", state, expect_tracking=state == "accept")
    b = v.banner
    assert (b.found, b.method, b.succeeded, b.clicks, b.buttons) == (True, "heuristic", True, 1, (button,))
    assert (b.accept_on_first_layer, b.reject_on_first_layer) == (True, True)
    assert (set(TRACKING_COOKIES) <= v.cookies) is (state == "accept")


# -- config selectors ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_config_selectors_operate_a_banner_no_lexicon_can_read(cbrowser: BrowserSession) -> None:
    """Icon-only buttons: invisible to the heuristic, operated through the config's selectors."""
    assert not (await visit(cbrowser, "odd", "accept", timeout=2)).banner.found
    sel = ConsentSelectors(accept="#thumb-up", reject="#thumb-down")
    acc = await visit(cbrowser, "odd", "accept", selectors=sel, expect_tracking=True)
    assert (acc.banner.found, acc.banner.cmp, acc.banner.method, acc.banner.succeeded, acc.banner.clicks) == (
        True, "config", "config", True, 1)
    assert set(TRACKING_COOKIES) <= acc.cookies
    rej = await visit(cbrowser, "odd", "reject", selectors=sel)
    assert (rej.banner.method, rej.banner.succeeded, rej.banner.clicks) == ("config", True, 1)
    assert not set(TRACKING_COOKIES) & rej.cookies


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_config_selectors_override_autoconsent(cbrowser: BrowserSession) -> None:
    """cookieconsent with config saying "reject through the preferences panel": the config path is
    followed (two clicks) although autoconsent would reject in one; the CMP is still named."""
    sel = ConsentSelectors(settings="#cc-main .cm__btn[data-role=show]", reject="#cc-main .pm__btn[data-role=necessary]")
    v = await visit(cbrowser, "cookieconsent", "reject", selectors=sel)
    b = v.banner
    assert (b.cmp, b.method, b.succeeded, b.clicks, b.buttons) == (
        "cookieconsent3", "config", True, 2, ("Manage preferences", "Reject all"))
    assert not set(TRACKING_COOKIES) & v.cookies


# -- failures are data --------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_config_selector_matching_nothing_is_an_error_not_an_exception(cbrowser: BrowserSession) -> None:
    b = (await visit(cbrowser, "cookieconsent", "accept", selectors=ConsentSelectors(accept="#no-such-button"))).banner
    assert b.found and not b.succeeded and b.method == "config"
    assert b.error and "#no-such-button" in b.error and "matched no visible element" in b.error


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_click_handler_that_throws_is_recorded(cbrowser: BrowserSession) -> None:
    """A banner whose accept handler throws: the click is counted, the banner stays, the page error is
    in ``error`` — nothing raised."""
    v = await visit(cbrowser, "throws", "accept")
    b = v.banner
    assert (b.found, b.succeeded, b.clicks, b.buttons) == (True, False, 1, ("Accept all",))
    assert b.error and "still shown" in b.error and "consent storage unavailable" in b.error
    assert not set(TRACKING_COOKIES) & v.cookies


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_page_without_banner_is_not_an_error(cbrowser: BrowserSession) -> None:
    b = (await visit(cbrowser, "plain", "reject", timeout=2)).banner
    assert (b.found, b.error, b.notes, b.clicks) == (False, None, ("no banner found",), 0)
    assert b.page_url == consent_sites.SITES["plain"]


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_second_run_on_the_same_context_does_not_trip_on_the_binding(cbrowser: BrowserSession) -> None:
    """The autoconsent binding is registered once per context; a second apply_consent reuses it."""
    ctx = await cbrowser.new_context()
    try:
        page = await ctx.new_page()
        await page.goto(consent_sites.SITES["tarteaucitron"], wait_until="load")
        first = await apply_consent(page, "reject", ConsentSelectors())
        await page.goto(consent_sites.SITES["tarteaucitron"] + "about", wait_until="load")
        second = await apply_consent(page, "reject", ConsentSelectors(), timeout=2)
    finally:
        await ctx.close()
    assert first.succeeded and first.cmp == "tarteaucitron deny"
    assert second.found is False and second.error is None  # the choice was remembered: no banner


# -- how long a scan waits for a banner ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("site", ["late-timer", "late-script"])
async def test_scan_waits_for_a_banner_that_comes_late(consent_web: FixtureWeb, chromium_path: str,
                                                       cbrowser: BrowserSession, site: str) -> None:
    """The scan stops waiting for a banner once the page is idle — but a pending 3.5 s timer or a
    CMP script still on its way is not idle, so a late banner is still found and clicked."""
    config = fixture_config(consent_web, chromium_path, urls=(consent_sites.SITES[site],), states=("reject",),
                            max_pages=1, use_sitemap=False)
    result = await Scanner(config, session=cbrowser).run()
    b = result.states["reject"].banner
    assert b is not None and b.found and b.succeeded, b
    assert b.buttons == ("Reject all",)
    assert "late_choice" in {c.name for c in result.states["reject"].cookies}


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_a_script_that_has_not_run_yet_keeps_the_page_from_looking_idle(cbrowser: BrowserSession) -> None:
    """What a busy CPU does to a consent manager's loader — its script answered, not run yet, nothing on the
    network — is seen in the page itself: a script element that has not reported ``load`` is pending (here one
    that takes 3 s, with the collectors told of nothing in flight); once it has run, or when a consent manager
    holds a script back (``type="text/plain"``), nothing is."""
    ctx = await cbrowser.new_context()
    try:
        await ContextRecorder(ctx, PartyResolver(("late-banner-fixture.com",))).attach()  # installs hooks.js
        page = await ctx.new_page()
        quiet = VisitRecorder(page_url="")  # nothing in flight, last activity long ago
        quiet.last_activity = quiet.last_cookie = time.monotonic() - 60
        await page.goto(f"https://{consent_sites.LATE}/slow-script", wait_until="domcontentloaded")
        assert await page_quiet(page, quiet, quiet=0.5) is True  # without asking about scripts: looks idle
        assert await page_quiet(page, quiet, quiet=0.5, scripts=True) is False
        await page.wait_for_load_state("load")  # the script came and ran
        assert await page_quiet(page, quiet, quiet=0.5, scripts=True) is True
        await page.goto(f"https://{consent_sites.LATE}/held-back", wait_until="load")
        assert await page_quiet(page, quiet, quiet=0.5, scripts=True) is True
    finally:
        await ctx.close()


@pytest.mark.browser
@pytest.mark.asyncio(loop_scope="session")
async def test_scan_stops_waiting_for_a_banner_on_an_idle_page(consent_web: FixtureWeb, chromium_path: str,
                                                              cbrowser: BrowserSession) -> None:
    config = fixture_config(consent_web, chromium_path, urls=(consent_sites.SITES["plain"],), states=("accept",),
                            max_pages=1, use_sitemap=False)
    result = await Scanner(config, session=cbrowser).run()
    b = result.states["accept"].banner
    assert b is not None and not b.found and b.error is None
    assert any(n.startswith("the page was idle after") for n in b.notes), b.notes
