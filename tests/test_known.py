"""Tests for cookiescan.known: the known cookies, tracker domains and vendors (pure, no browser)."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from cookiescan import known
from cookiescan.known import CATEGORIES, KnownTrackers
from cookiescan.units import longest_duration as retention_to_days

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="module")
def kt() -> KnownTrackers:
    return known.load()


# vendor, typical cookie, typical host, expected category of both
VENDORS = [
    ("Google Analytics", "_ga", "www.google-analytics.com", "analytics"),
    ("Google Ads", "IDE", "googleads.g.doubleclick.net", "marketing"),
    ("Google Tag Manager", "td", "www.googletagmanager.com", None),
    ("HubSpot", "hubspotutk", "js.hs-scripts.com", "marketing"),
    ("Meta", "_fbp", "connect.facebook.net", "marketing"),
    ("Instagram", "ig_did", "www.instagram.com", "marketing"),
    ("X (Twitter)", "personalization_id", "static.ads-twitter.com", "marketing"),
    ("YouTube", "VISITOR_INFO1_LIVE", "www.youtube-nocookie.com", "marketing"),
    ("Hotjar", "_hjSessionUser_123", "static.hotjar.com", "analytics"),
    ("New Relic", "NRBA_SESSION", "bam.nr-data.net", "analytics"),
    ("Microsoft Clarity", "_clck", "www.clarity.ms", "analytics"),
    ("Matomo", "_pk_id.1.a1b2", "cdn.matomo.cloud", "analytics"),
]


@pytest.mark.parametrize(("vendor", "cookie", "host", "category"), VENDORS)
def test_required_vendor_known_by_cookie_and_domain(
    kt: KnownTrackers, vendor: str, cookie: str, host: str, category: str | None
) -> None:
    """Guards the vendors the checks must recognise, by cookie and by domain, with their category."""
    by_cookie = kt.cookie(cookie)
    by_domain = kt.domain(host)
    assert by_cookie is not None and by_cookie.vendor == vendor
    assert by_domain is not None and by_domain.entity == vendor
    if category is not None:
        assert by_cookie.category == category
        assert by_domain.category == category


def test_tag_manager_domain_is_functional(kt: KnownTrackers) -> None:
    """RULES.md: tag-manager → functional (it loads trackers, it sets none of its own)."""
    info = kt.domain("www.googletagmanager.com")
    assert info is not None and info.category == "functional" and info.company == "Google"


@pytest.mark.parametrize(
    ("vendor", "cookies", "hosts"),
    [
        ("Google Analytics", ["_gid", "_ga_ABC123"], ["region1.analytics.google.com"]),
        ("Google Ads", ["_gcl_au"], ["www.googleadservices.com", "pagead2.googlesyndication.com"]),
        ("HubSpot", ["__hstc", "__hssc", "__hssrc"], ["js.hs-analytics.net", "js.usemessages.com"]),
        ("X (Twitter)", ["guest_id", "muc_ads"], ["t.co", "x.com", "platform.twitter.com"]),
        ("YouTube", ["YSC"], ["i.ytimg.com", "www.youtube.com"]),
        ("Hotjar", ["_hjSession_123"], ["script.hotjar.com", "ws.hotjar.io"]),
        ("New Relic", ["NREUM"], ["js-agent.newrelic.com"]),
        ("Microsoft Clarity", ["_clsk"], ["c.clarity.ms"]),
        ("Matomo", ["_pk_ses.1.a1b2"], []),
    ],
)
def test_more_cookies_and_domains_of_required_vendors(
    kt: KnownTrackers, vendor: str, cookies: list[str], hosts: list[str]
) -> None:
    for name in cookies:
        cookie = kt.cookie(name)
        assert cookie is not None and cookie.vendor == vendor, name
    for host in hosts:
        domain = kt.domain(host)
        assert domain is not None and domain.entity == vendor, host


@pytest.mark.parametrize(
    ("name", "entry"),
    [("_ga_ABC123", "_ga_"), ("_hjSessionUser_123", "_hjSessionUser_"), ("_pk_id.1.a1b2", "_pk_id.")],
)
def test_wildcard_entries_match_as_prefix(kt: KnownTrackers, name: str, entry: str) -> None:
    info = kt.cookie(name)
    assert info is not None
    assert info.name == entry and info.pattern


def test_longest_prefix_wins(kt: KnownTrackers) -> None:
    """`_pk_id.` (Matomo override) beats upstream's shorter `_pk_id` prefix."""
    info = kt.cookie("_pk_id.7.ffff")
    assert info is not None and info.name == "_pk_id."


def test_exact_name_beats_prefix(kt: KnownTrackers) -> None:
    info = kt.cookie("_ga")
    assert info is not None and info.name == "_ga" and not info.pattern


def test_exact_name_falls_back_to_case_insensitive(kt: KnownTrackers) -> None:
    info = kt.cookie("phpsessid")
    assert info is not None and info.name == "PHPSESSID" and info.category == "necessary"


def test_loose_upstream_wildcards_do_not_claim_unrelated_names(kt: KnownTrackers) -> None:
    """Upstream flags `_s` and `cap` as wildcards; they must not swallow `_session` or `captcha`."""
    assert kt.cookie("_session") is None
    assert kt.cookie("captcha") is None


@pytest.mark.parametrize(
    ("name", "vendor", "category"),
    [
        ("YSC", "YouTube", "marketing"),
        ("_hjSessionUser_9", "Hotjar", "analytics"),
        ("_hjSession_9", "Hotjar", "analytics"),
        ("_gcl_au", "Google Ads", "marketing"),
        ("_clck", "Microsoft Clarity", "analytics"),
        ("__cf_bm", "Cloudflare", "necessary"),
        ("JSESSIONID", None, "necessary"),
        ("PHPSESSID", None, "necessary"),
    ],
)
def test_overrides_win_over_upstream(kt: KnownTrackers, name: str, vendor: str | None, category: str) -> None:
    info = kt.cookie(name)
    assert info is not None
    assert info.category == category and info.source == "overrides"
    if vendor is not None:
        assert info.vendor == vendor


@pytest.mark.parametrize("name", ["CookieConsent", "OptanonConsent", "didomi_token", "cmplz_marketing"])
def test_consent_manager_cookies_are_necessary(kt: KnownTrackers, name: str) -> None:
    """RULES.md: the cookie that stores the visitor's choice is exempt, not merely functional."""
    info = kt.cookie(name)
    assert info is not None and info.category == "necessary"


def test_upstream_entry_keeps_its_source(kt: KnownTrackers) -> None:
    info = kt.cookie("VISITOR_INFO1_LIVE")
    assert info is not None and info.source == "open-cookie-database"
    assert info.lifetime_days == 179


def test_domain_breaks_ties_between_vendors_sharing_a_name(kt: KnownTrackers) -> None:
    """Upstream has `c` for both Magnite and CreativeCDN; the cookie's domain picks the right one."""
    rubicon = kt.cookie("c", domain=".rubiconproject.com")
    rtb = kt.cookie("c", domain="creativecdn.com")
    assert rubicon is not None and rubicon.vendor == "Magnite"
    assert rtb is not None and rtb.vendor == "CreativeCDN"


@pytest.mark.parametrize(
    ("host", "entry"),
    [
        ("stats.g.doubleclick.net", "*.doubleclick.net"),
        ("doubleclick.net", "*.doubleclick.net"),
        ("STATS.G.DOUBLECLICK.NET.", "*.doubleclick.net"),
        ("https://stats.g.doubleclick.net:443/j/collect?v=1", "*.doubleclick.net"),
        ("region1.analytics.google.com", "analytics.google.com"),
    ],
)
def test_domain_matches_parent_domains(kt: KnownTrackers, host: str, entry: str) -> None:
    info = kt.domain(host)
    assert info is not None and info.domain == entry


def test_exact_host_entry_beats_wildcard_of_another_entity(kt: KnownTrackers) -> None:
    """Upstream gives mediaplex.com and *.mediaplex.com to two entities."""
    host, sub = kt.domain("mediaplex.com"), kt.domain("img.mediaplex.com")
    assert host is not None and host.domain == "mediaplex.com"
    assert sub is not None and sub.domain == "*.mediaplex.com"


def test_domain_source_tells_override_domains_apart(kt: KnownTrackers) -> None:
    added, upstream = kt.domain("x.com"), kt.domain("t.co")
    assert added is not None and added.source == "overrides"
    assert upstream is not None and upstream.source == "third-party-web"


@pytest.mark.parametrize("name", ["my_site_pref", "zz-no-such-cookie", ""])
def test_unknown_cookie_is_none(kt: KnownTrackers, name: str) -> None:
    assert kt.cookie(name) is None


@pytest.mark.parametrize("host", ["example.com", "www.example.org", "localhost", "127.0.0.1", "net", ""])
def test_unknown_domain_is_none(kt: KnownTrackers, host: str) -> None:
    assert kt.domain(host) is None


def test_vendor_aliases_meta_and_facebook(kt: KnownTrackers) -> None:
    meta = kt.vendor_named("Meta")
    assert meta is not None
    assert kt.vendor_named("facebook") == meta
    assert kt.vendor_named("  FACEBOOK, Inc. ") == meta
    assert meta.company == "Meta" and "*.facebook.net" in meta.domains


@pytest.mark.parametrize(
    ("text", "vendor"),
    [
        ("X", "X (Twitter)"),
        ("Twitter", "X (Twitter)"),
        ("DoubleClick", "Google Ads"),
        ("Google Ads", "Google Ads"),
        ("Clarity", "Microsoft Clarity"),
        ("Google/YouTube", "YouTube"),
        ("youtube", "YouTube"),
        ("Hubspot", "HubSpot"),
        ("GA4", "Google Analytics"),
    ],
)
def test_vendor_named_aliases(kt: KnownTrackers, text: str, vendor: str) -> None:
    found = kt.vendor_named(text)
    assert found is not None and found.name == vendor


def test_vendor_named_unknown_is_none(kt: KnownTrackers) -> None:
    assert kt.vendor_named("Acme Widgets Ltd") is None
    assert kt.vendor_named("") is None


def test_vendors_are_consistent(kt: KnownTrackers) -> None:
    vendors = kt.vendors()
    assert len(vendors) > 1000
    assert len({v.name for v in vendors}) == len(vendors)
    for v in vendors:
        assert v.category in CATEGORIES
        assert v.aliases and all(a == a.casefold() for a in v.aliases)


def test_every_cookie_category_is_known(kt: KnownTrackers) -> None:
    for index in (kt._exact, kt._prefix):
        for entries in index.values():
            for entry in entries:
                assert entry.info.category in CATEGORIES


def test_sources_name_versions(kt: KnownTrackers) -> None:
    sources = kt.sources
    assert set(sources) == {"open-cookie-database", "third-party-web", "overrides"}
    assert "0ee5a17fe1cb002943f89370d24fc26a4226061c" in sources["open-cookie-database"]
    assert "0.30.0" in sources["third-party-web"]


def test_load_is_cached() -> None:
    assert known.load() is known.load()


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("session", 0.0),
        ("Session", 0.0),
        ("End of session (browser)", 0.0),
        ("1 minute", 1 / 1440),
        ("30 minutes", 30 / 1440),
        ("24 hours", 1.0),
        ("1 day", 1.0),
        ("2 weeks", 14.0),
        ("1 month", 30.44),
        ("13 months", 395.72),
        ("13 Months", 395.72),
        ("1 year", 365.25),
        ("2 years", 730.5),
        ("1 Year ", 365.25),
        ("2 years after last activity", 730.5),
        ("Session to 30 days", 30.0),
        ("30 minutes, 3w or 1y depending on value", 365.25),
        ("0 days", 0.0),
        ("Immediately removed", 0.0),
    ],
)
def test_retention_to_days(text: str, days: float) -> None:
    assert retention_to_days(text) == pytest.approx(days, abs=1e-6)


@pytest.mark.parametrize(
    "text", ["", "Unknown", "Varies", "forever", "Persistent", "10 Nov 2030", "Local Storage"]
)
def test_retention_without_a_duration_is_none(text: str) -> None:
    assert retention_to_days(text) is None


def test_thirteen_month_cap_in_days() -> None:
    """RULES.md: 13 months ≈ 395–396 days, not 390 or 400."""
    days = retention_to_days("13 months")
    assert days is not None and 395 <= days <= 396


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="upstream data (../shared/data) not available")
def test_shipped_json_is_what_the_build_script_produces(tmp_path: Path) -> None:
    """Guards against hand edits of the JSON and against forgetting to rebuild after editing overrides."""
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_known_trackers.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    shipped = files("known_trackers")
    for name in ("cookies.json", "domains.json"):
        assert (tmp_path / name).read_text(encoding="utf-8") == shipped.joinpath(name).read_text(
            encoding="utf-8"
        ), f"{name} is stale: run scripts/build_known_trackers.py"


def test_vendor_only_cookie_names_do_not_claim_first_party_cookies() -> None:
    """Regression: the shop's own `lang` cookie was classified as LinkedIn's (OCD lists `lang` on
    linkedin.com, '3rd party'), which made the notice check report LinkedIn as an unnamed vendor."""
    k = known.load()
    assert k.cookie("lang", "shop-fixture.com") is None
    assert k.cookie("lang", ".linkedin.com") is not None
    assert k.cookie("_fbp", "shop-fixture.com") is not None  # set by Meta's script on the site's own domain
