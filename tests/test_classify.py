"""classify: declared category wins, known_trackers fills the rest, the rest stays unknown."""

from __future__ import annotations

import dataclasses

from cookiescan.classify import classify, is_non_necessary, known_category
from cookiescan.models import ThirdParty
from tests.factories import (
    declared_cookie,
    make_cookie,
    make_declared,
    make_known,
    make_request,
    make_result,
    make_state,
    make_storage,
)

KNOWN = make_known()


def test_known_cookie_gets_vendor_and_category():
    """Issue 14: written by the site's own response, the known name gives the category, not the vendor
    (tests/test_attribution.py covers the vendor's own script and domain)."""
    out = classify(make_result(before=make_state(cookies=[make_cookie("_ga_ABC123")])), KNOWN)
    c = out.states["before"].cookies[0]
    assert (c.vendor, c.category, c.category_source, c.declared) == (
        None,
        "analytics",
        "known_trackers",
        False,
    )


def test_unknown_first_party_cookie_stays_unknown():
    out = classify(make_result(before=make_state(cookies=[make_cookie("cart_token")])), KNOWN)
    c = out.states["before"].cookies[0]
    assert (c.vendor, c.category, c.category_source, c.declared) == (None, "unknown", "unknown", False)


def test_third_party_cookie_falls_back_to_its_domain_entity():
    cookie = make_cookie("IDE", domain=".doubleclick.net")
    out = classify(make_result(before=make_state(cookies=[cookie])), KNOWN)
    c = out.states["before"].cookies[0]
    assert (c.vendor, c.category, c.category_source) == ("Google Ads", "marketing", "known_trackers")


def test_first_party_cookie_is_not_judged_by_domain_list():
    """Guards: the scanned site may itself be a listed entity (scanning facebook.com)."""
    known = make_known(entities=[{"name": "Shop", "company": None, "category": "marketing", "aliases": [],
                                  "domains": ["*.shop.fr"], "source": "overrides"}])  # fmt: skip
    out = classify(make_result(before=make_state(cookies=[make_cookie("cart")])), known)
    assert out.states["before"].cookies[0].category == "unknown"


def test_declared_category_wins_and_known_view_stays_computable():
    declared = make_declared(declared_cookie("_ga", category="necessary", provider="Google"))
    out = classify(make_result(before=make_state(cookies=[make_cookie("_ga")])), KNOWN, declared)
    c = out.states["before"].cookies[0]
    assert (c.category, c.category_source, c.declared, c.vendor, c.vendor_basis) == (
        "necessary",
        "declared",
        True,
        "Google",  # issue 14: the site's own script wrote it; the declared provider names the vendor
        "declared",
    )
    assert known_category(c, KNOWN) == "analytics"


def test_declared_without_category_keeps_known_category_but_is_declared():
    declared = make_declared(declared_cookie("_ga", category=None))
    out = classify(make_result(before=make_state(cookies=[make_cookie("_ga")])), KNOWN, declared)
    c = out.states["before"].cookies[0]
    assert (c.category, c.category_source, c.declared) == ("analytics", "known_trackers", True)


def test_declared_unknown_category_falls_back_to_known():
    declared = make_declared(declared_cookie("_fbp", category="unknown"))
    out = classify(make_result(before=make_state(cookies=[make_cookie("_fbp")])), KNOWN, declared)
    assert out.states["before"].cookies[0].category == "marketing"


def test_declared_pattern_matches_and_provider_is_vendor_fallback():
    declared = make_declared(declared_cookie("consent_*", category="necessary", provider="Didomi"))
    out = classify(make_result(before=make_state(cookies=[make_cookie("consent_v2")])), KNOWN, declared)
    c = out.states["before"].cookies[0]
    assert (c.category, c.category_source, c.declared, c.vendor) == ("necessary", "declared", True, "Didomi")


def test_requests_and_third_parties_get_domain_entity():
    req = make_request("https://www.google-analytics.com/g/collect?v=2")
    first = make_request("https://www.shop.fr/app.js")
    tp = ThirdParty(site="google-analytics.com", hosts=("www.google-analytics.com",), requests=1,
                    first_seen_page="https://www.shop.fr/", resource_types=("script",))  # fmt: skip
    out = classify(make_result(before=make_state(requests=[req, first], third_parties=[tp])), KNOWN)
    st = out.states["before"]
    reqs = st.pages[0].requests
    assert (reqs[0].vendor, reqs[0].category) == ("Google Analytics", "analytics")
    assert (reqs[1].vendor, reqs[1].category) == (None, "unknown")
    assert (st.third_parties[0].vendor, st.third_parties[0].category) == ("Google Analytics", "analytics")


def test_third_party_takes_the_most_consent_relevant_host():
    """Guards: a CDN host of a company must not hide its tracking host in the summary."""
    known = make_known(entities=[
        {"name": "Acme CDN", "company": "Acme", "category": "necessary", "aliases": [],
         "domains": ["cdn.acme.com"], "source": "overrides"},
        {"name": "Acme Ads", "company": "Acme", "category": "marketing", "aliases": [],
         "domains": ["ads.acme.com"], "source": "overrides"},
    ])  # fmt: skip
    tp = ThirdParty(site="acme.com", hosts=("cdn.acme.com", "ads.acme.com"), requests=2,
                    first_seen_page="https://www.shop.fr/", resource_types=("script",))  # fmt: skip
    out = classify(make_result(before=make_state(third_parties=[tp])), known)
    assert (out.states["before"].third_parties[0].vendor, out.states["before"].third_parties[0].category) == (
        "Acme Ads",
        "marketing",
    )


def test_storage_by_key_then_by_third_party_origin():
    items = [
        make_storage("_hjSessionUser_123"),  # known key, first-party origin
        make_storage("some_key", origin="https://static.hotjar.com"),  # third-party known origin
        make_storage("my_app_state"),  # unknown, first party
    ]
    out = classify(make_result(before=make_state(storage=items)), KNOWN)
    got = [(s.key, s.vendor, s.category, s.category_source) for s in out.states["before"].storage]
    assert got == [
        ("_hjSessionUser_123", None, "analytics", "known_trackers"),  # issue 14: the site's own origin
        ("some_key", "Hotjar", "analytics", "known_trackers"),
        ("my_app_state", None, "unknown", "unknown"),
    ]
    # the page's copy is classified too
    assert out.states["before"].pages[0].storage[0].category == "analytics"


def test_storage_declared_key_wins():
    declared = make_declared(declared_cookie("my_app_state", category="functional"))
    out = classify(make_result(before=make_state(storage=[make_storage("my_app_state")])), KNOWN, declared)
    s = out.states["before"].storage[0]
    assert (s.category, s.category_source) == ("functional", "declared")


def test_classify_is_pure_and_idempotent():
    result = make_result(before=make_state(cookies=[make_cookie("_ga")]))
    once = classify(result, KNOWN)
    assert result.states["before"].cookies[0].category == "unknown"  # input untouched
    assert classify(once, KNOWN) == once
    assert dataclasses.replace(once, states=result.states) == result


def test_non_necessary_includes_unknown():
    assert [c for c in ("necessary", "functional", "analytics", "marketing", "unknown") if is_non_necessary(c)] == [
        "functional",
        "analytics",
        "marketing",
        "unknown",
    ]
