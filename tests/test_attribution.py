"""Vendor attribution a regulator would sign (cookiescan issue 14), pure: no browser.

A name known for a vendor names that vendor only when the cookie's domain (a storage key's origin) or one of
its writers belongs to it; a web framework's own session/CSRF cookie written by the site is necessary; a
consent platform's storage of the choice is necessary; a tracker loaded through Google Tag Manager names the
container and the chain. Against the shipped known_trackers data. The browser side: tests/test_attribution_scan.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from cookiescan import known
from cookiescan.classify import classify, classify_cookie, known_category, request_paths
from cookiescan.demo.server import Request
from cookiescan.models import Cookie, RequestRecord
from cookiescan.party import PartyResolver
from cookiescan.rules import RuleOptions, evaluate
from cookiescan.scan.state import StateRun
from tests.factories import (
    HOME,
    declared_cookie,
    make_cookie,
    make_declared,
    make_page,
    make_request,
    make_result,
    make_state,
    make_storage,
    make_write,
)
from tests.fixtures import django_site

KNOWN = known.load()
OWN_JS = "https://www.shop.fr/static/analytics.js"
GTAG = "https://www.googletagmanager.com/gtag/js?id=G-FX12345&cx=c"
GTM = "https://www.googletagmanager.com/gtm.js?id=GTM-FX1234"
FBEVENTS = "https://connect.facebook.net/en_US/fbevents.js"


def _one(cookie: Cookie, **kw: object) -> Cookie:
    out = classify(make_result(before=make_state(cookies=[cookie], **kw)), KNOWN)  # type: ignore[arg-type]
    return out.states["before"].cookies[0]


def _findings(result, declared=None):  # type: ignore[no-untyped-def]
    return evaluate(classify(result, KNOWN, declared), declared, RuleOptions(), known=KNOWN)


# -- vendors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "category"), [("_ga", "analytics"), ("_fbp", "marketing")])
def test_distinctive_name_written_by_the_site_keeps_its_category_not_the_vendor(name: str, category: str) -> None:
    c = _one(make_cookie(name, via="document.cookie", set_by=OWN_JS, requested_days=90))
    assert (c.vendor, c.vendor_basis, c.category, c.category_source) == (None, None, category, "known_trackers")


@pytest.mark.parametrize(("name", "script", "vendor"), [
    ("_ga", GTAG, "Google Analytics"),  # gtag lives on Google Tag Manager's domain: same company
    ("_ga", "https://www.google-analytics.com/analytics.js", "Google Analytics"),
    ("_gcl_au", GTAG, "Google Ads"),
    ("_fbp", FBEVENTS, "Meta"),
])
def test_distinctive_name_written_by_the_vendor_s_script_names_the_vendor(name: str, script: str,
                                                                           vendor: str) -> None:
    c = _one(make_cookie(name, via="document.cookie", set_by=script, requested_days=90))
    assert (c.vendor, c.vendor_basis) == (vendor, "script")


def test_any_write_by_the_vendor_s_script_counts_not_only_the_last() -> None:
    """Guards the writes index: which tab wrote a cookie last is a race, every writer is evidence."""
    cookie = make_cookie("_ga", via="document.cookie", set_by=OWN_JS, requested_days=730)
    writes = [dataclasses.replace(make_write("_ga", days=730, via="document.cookie"), set_by=GTAG)]
    c = _one(cookie, writes=writes)
    assert (c.vendor, c.vendor_basis) == ("Google Analytics", "script")


def test_a_script_of_another_vendor_does_not_name_the_vendor() -> None:
    c = _one(make_cookie("_ga", via="document.cookie", set_by=FBEVENTS, requested_days=730))
    assert (c.vendor, c.category) == (None, "analytics")


def test_a_third_party_cookie_on_the_vendor_s_domain_names_it_by_domain() -> None:
    c = _one(make_cookie("IDE", domain=".doubleclick.net", set_by="https://ad.doubleclick.net/ddm/x"))
    assert (c.vendor, c.vendor_basis, c.category) == ("Google Ads", "domain", "marketing")


# -- framework cookies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sessionid", "csrftoken", "JSESSIONID", "PHPSESSID", "ASP.NET_SessionId",
                                  "laravel_session", "XSRF-TOKEN", "connect.sid", "_session_id", "ci_session",
                                  "__RequestVerificationToken"])
def test_framework_cookie_written_by_the_site_is_necessary(name: str) -> None:
    c = _one(make_cookie(name, requested_days=14))  # a Set-Cookie header of the site's own page
    assert (c.vendor, c.category, c.category_source) == (None, "necessary", "framework")


def test_sessionid_on_instagram_stays_instagram() -> None:
    c = _one(make_cookie("sessionid", domain=".instagram.com", set_by="https://www.instagram.com/p/x/embed/"))
    assert (c.vendor, c.vendor_basis, c.category, c.category_source) == (
        "Instagram", "domain", "marketing", "known_trackers")


def test_framework_name_written_by_a_third_party_script_is_not_exempt() -> None:
    """Guards "written by the site itself": a third-party script naming its cookie csrftoken is not Django."""
    c = _one(make_cookie("sessionid", via="document.cookie", set_by="https://cdn.widget-fixture.net/w.js"))
    assert (c.vendor, c.category, c.category_source) == (None, "unknown", "unknown")


def test_framework_cookie_of_another_first_party_domain_is_the_site_s() -> None:
    """The site's own responses may come from any of its first-party domains."""
    cookie = make_cookie("sessionid", set_by="https://auth.shop-group.com/login")
    result = dataclasses.replace(make_result(before=make_state(cookies=[cookie])),
                                 first_party=("shop.fr", "shop-group.com"))
    assert classify(result, KNOWN).states["before"].cookies[0].category_source == "framework"
    assert classify_cookie(cookie, KNOWN).category == "unknown"  # alone, only the cookie's own site is the site


def test_framework_cookies_give_no_consent_finding_and_the_declared_list_still_wins() -> None:
    cookies = [make_cookie("sessionid", requested_days=14), make_cookie("csrftoken", requested_days=364)]
    assert _findings(make_result(before=make_state(cookies=cookies))) == ()
    declared = make_declared(declared_cookie("sessionid", category="analytics"))
    c = classify(make_result(before=make_state(cookies=cookies[:1])), KNOWN, declared).states["before"].cookies[0]
    assert (c.category, c.category_source) == ("analytics", "declared")


# -- consent platforms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "owner"), [
    ("OptanonConsent", "OneTrust"), ("OptanonAlertBoxClosed", "OneTrust"), ("CookieConsent", "Cookiebot"),
    ("didomi_token", "Didomi"), ("euconsent-v2", "IAB TCF"), ("addtl_consent", "IAB TCF"),
    ("consentUUID", "Sourcepoint"), ("_sp_v1_consent", "Sourcepoint"), ("axeptio_cookies", "Axeptio"),
    ("axeptio_authorized_vendors", "Axeptio"), ("TC_PRIVACY", "Trustcommander"), ("tarteaucitron", "tarteaucitron.js"),
    ("klaro", "Klaro"), ("cc_cookie", "CookieConsent (orestbida)"),
])
def test_consent_platform_cookie_is_necessary(name: str, owner: str) -> None:
    role = KNOWN.role(name)
    assert role is not None and (role.role, role.owner) == ("consent-platform", owner)
    c = _one(make_cookie(name, requested_days=180))
    assert (c.category, c.category_source, c.vendor) == ("necessary", "consent-platform", None)


def test_snowplow_and_rd_station_keys_are_not_sourcepoint_s() -> None:
    assert KNOWN.role("_sp_id.1a2b") is None and KNOWN.role("_sp_wa_id") is None
    assert _one(make_cookie("_sp_id.1a2b")).category == "analytics"


@pytest.mark.parametrize("key", ["uc_settings", "uc_user_interaction", "uc_ui_version"])
def test_usercentrics_storage_gives_no_finding_before_or_after_reject(key: str) -> None:
    before = make_state(storage=[make_storage(key)])
    reject = make_state("reject", storage=[make_storage(key)])
    out = classify(make_result(before=before, reject=reject), KNOWN)
    s = out.states["before"].storage[0]
    assert (s.category, s.category_source) == ("necessary", "consent-platform")
    assert not [f for f in _findings(make_result(before=before, reject=reject)) if f.subject == key]


# -- storage ----------------------------------------------------------------------------------------------


def test_storage_key_named_for_its_vendor_only_on_the_vendor_s_origin() -> None:
    own, hotjar = make_storage("_hjSessionUser_1"), make_storage("_hjSessionUser_1", origin="https://vars.hotjar.com")
    out = classify(make_result(before=make_state(storage=[own, hotjar])), KNOWN).states["before"].storage
    assert [(s.vendor, s.category) for s in out] == [(None, "analytics"), ("Hotjar", "analytics")]


# -- evidence ---------------------------------------------------------------------------------------------


def test_the_finding_says_the_name_is_known_for_the_vendor_and_who_wrote_it() -> None:
    cookie = make_cookie("_ga", via="document.cookie", set_by=OWN_JS, requested_days=730)
    [f] = [f for f in _findings(make_result(before=make_state(cookies=[cookie]))) if f.rule == "pre-consent-cookie"]
    ev = f.evidence
    assert (ev["vendor"], ev["vendor_basis"], ev["name_known_for"], ev["written_by"]) == (
        None, None, "Google Analytics", OWN_JS)
    assert "site's own" in ev["attribution"]
    assert known_category(cookie, KNOWN) == "analytics"


def test_an_attributed_cookie_s_evidence_has_no_attribution_note() -> None:
    cookie = make_cookie("_ga", via="document.cookie", set_by=GTAG, requested_days=730)
    [f] = [f for f in _findings(make_result(before=make_state(cookies=[cookie]))) if f.rule == "pre-consent-cookie"]
    assert (f.evidence["vendor"], f.evidence["vendor_basis"]) == ("Google Analytics", "script")
    assert "name_known_for" not in f.evidence


# -- tag managers -----------------------------------------------------------------------------------------


def _gtm_requests() -> list[RequestRecord]:
    collect = "https://region1.google-analytics.com/g/collect?v=2&tid=G-FX12345&en=page_view"
    return [
        dataclasses.replace(make_request(GTM), initiator=(HOME,)),
        dataclasses.replace(make_request(GTAG), initiator=(GTM,)),
        dataclasses.replace(make_request(collect, resource_type="ping"), initiator=(GTAG,)),
    ]


def test_request_paths_follow_each_script_back_to_the_container() -> None:
    paths = request_paths(make_page(requests=_gtm_requests()))
    assert paths[0].chain is None and paths[0].tag_managers == ()  # the container's own request: the page's
    assert (paths[1].tag_managers, paths[1].tags) == (("GTM-FX1234",), ())
    assert (paths[2].tag_managers, paths[2].tags) == (("GTM-FX1234",), ("G-FX12345",))
    assert paths[2].chain == "page → gtm.js?id=GTM-FX1234 → gtag/js?id=G-FX12345 → collect"


def test_gtm_loaded_tracker_finding_names_the_container_the_tag_and_the_chain() -> None:
    result = make_result(before=make_state(requests=_gtm_requests()))
    [f] = [f for f in _findings(result) if f.rule == "pre-consent-tracker"]
    assert f.subject == "google-analytics.com"
    assert (f.evidence["tag_managers"], f.evidence["tags"]) == (["GTM-FX1234"], ["G-FX12345"])
    assert f.evidence["loading_chain"] == "page → gtm.js?id=GTM-FX1234 → gtag/js?id=G-FX12345 → collect"
    assert f.evidence["fix"] == "remove tag G-FX12345 from GTM-FX1234 or gate it on consent"
    assert "GTM-FX1234" in f.message and "gate it on consent" in f.message


def test_a_tracker_the_page_loads_itself_has_no_tag_manager() -> None:
    pixel = dataclasses.replace(make_request("https://www.google-analytics.com/g/collect?v=2"), initiator=(HOME,))
    [f] = [f for f in _findings(make_result(before=make_state(requests=[pixel]))) if f.rule == "pre-consent-tracker"]
    assert "tag_managers" not in f.evidence and "fix" not in f.evidence


def test_third_parties_carry_the_containers_and_one_chain() -> None:
    """Guards the state's summary (the evidence when page requests are not kept), and its determinism."""
    run = StateRun("before", PartyResolver(("shop.fr",)))
    reqs = [dataclasses.replace(r, vendor=None) for r in _gtm_requests()]
    for order in (reqs, list(reversed(reqs))):
        run.add_visit(make_page(requests=order), [])
    tps = {tp.site: tp for tp in run.result(show_values=False).third_parties}
    ga, gtm = tps["google-analytics.com"], tps["googletagmanager.com"]
    assert ga.tag_managers == ("GTM-FX1234",)
    assert ga.loading_chain == "page → gtm.js?id=GTM-FX1234 → gtag/js?id=G-FX12345 → collect"
    assert gtm.requests == 4 and gtm.tag_managers == ("GTM-FX1234",)  # gtm.js itself is third-party contact
    summary_only = make_result(before=dataclasses.replace(
        make_state(third_parties=[ga]), pages=()))
    [f] = [f for f in _findings(summary_only) if f.rule == "pre-consent-tracker"]
    assert f.evidence["tag_managers"] == ["GTM-FX1234"] and "GTM-FX1234" in f.evidence["fix"]


def test_django_fixture_routes() -> None:
    """Guards the fixture of tests/test_attribution_scan.py: the framework cookies by header, the embed's
    third-party cookie."""
    home = django_site.site(Request("GET", django_site.SITE, "/", {}, {}))
    assert home is not None and "instagram.com/p/fixture/embed/" in home.body
    assert sorted(v.split("=")[0] for k, v in home.headers if k == "Set-Cookie") == ["csrftoken", "sessionid"]
    embed = django_site.instagram(Request("GET", django_site.INSTAGRAM, "/p/fixture/embed/", {}, {}))
    assert embed is not None and "Domain=.instagram.com" in embed.headers[0][1]
    assert django_site.site(Request("GET", django_site.SITE, "/nope", {}, {})) is None
