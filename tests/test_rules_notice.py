"""The notice rules (cookiescan/rules/notice.py): a scan held to its written notice, run through
:func:`cookiescan.rules.evaluate` (pure: no browser)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cookiescan import known
from cookiescan.models import (
    SCHEMA_VERSION,
    BannerResult,
    Cookie,
    Finding,
    Ignore,
    PageVisit,
    RequestRecord,
    ScanResult,
    StateResult,
    ThirdParty,
    ToolInfo,
)
from cookiescan.notice import Notice, load_notice, read_notice
from cookiescan.rules import RULE_INFO, RULES, RuleContext, RuleOptions, evaluate

NOTICES = Path(__file__).parent / "fixtures" / "notices"
HOME = "https://shop.test/"
PRODUCT = "https://shop.test/product"
NOTICE_RULES = {"undeclared-vendor", "notice-lifetime-broken", "notice-vendor-unused", "refusal-not-remembered",
                "notice-lifetime-over-cap"}  # fmt: skip


def notice_findings(result: ScanResult, notice: Notice, trackers: known.KnownTrackers, *, months: int = 13,
                    ignores: tuple[Ignore, ...] = ()) -> tuple[Finding, ...]:  # fmt: skip
    """What evaluate() says with this notice, the notice rules' findings only (the scan rules also judge
    the hand-built scan)."""
    options = RuleOptions(max_lifetime_months=months, ignores=ignores)
    return tuple(f for f in evaluate(result, None, options, known=trackers, notice=notice) if f.rule in NOTICE_RULES)


@pytest.fixture(scope="module")
def trackers() -> known.KnownTrackers:
    return known.load()


@pytest.fixture(scope="module")
def fr(trackers: known.KnownTrackers) -> Notice:
    return load_notice(NOTICES / "notice_fr.html", trackers)


@pytest.fixture(scope="module")
def en(trackers: known.KnownTrackers) -> Notice:
    return load_notice(NOTICES / "notice_en.txt", trackers)


@pytest.fixture(scope="module")
def none(trackers: known.KnownTrackers) -> Notice:
    return load_notice(NOTICES / "notice_none.txt", trackers)



# -- a small hand-built scan ----------------------------------------------------------------------


def cookie(name: str, domain: str, *, vendor: str | None = None, category: str = "unknown", days: float | None = 30,
           stored: float | None = None, party: str = "first", page: str = HOME, via: str = "header") -> Cookie:  # fmt: skip
    site = domain.lstrip(".").split(".", domain.lstrip(".").count(".") - 1)[-1]
    return Cookie(
        name=name, domain=domain, path="/", site=site, party=party, http_only=False, secure=True, same_site="Lax",
        partition_key=None, stored_expires=None, stored_lifetime_days=min(days, 400) if stored is None and days
        else stored, requested_lifetime_days=days, requested_raw=None if days is None else f"Max-Age={int(days * 86400)}",
        via=via, set_by=page, first_seen_page=page, pages=(page,), in_jar=True, deleted=False, vendor=vendor,
        category=category, category_source="known_trackers" if vendor else "unknown",
    )  # fmt: skip


def request(url: str, host: str, site: str, *, vendor: str | None = None, category: str = "unknown") -> RequestRecord:
    return RequestRecord(url=url, method="GET", resource_type="script", host=host, site=site, party="third",
                         frame_url=HOME, status=200, vendor=vendor, category=category)  # fmt: skip


def page(url: str, state: str, requests: tuple[RequestRecord, ...] = (), banner_again: bool = False) -> PageVisit:
    return PageVisit(url=url, final_url=url, state=state, status=200, title="", depth=0, started_at="",
                     duration_ms=1, settle_ms=1, settled=True, requests=requests,
                     banner_shown_again=banner_again)  # fmt: skip


GA = cookie("_ga", ".shop.test", vendor="Google Analytics", category="analytics", days=730.5, stored=400)
FBP = cookie("_fbp", ".shop.test", vendor="Meta", category="marketing", days=90)
HJ = cookie("_hjSessionUser_123", ".shop.test", vendor="Hotjar", category="analytics", days=365)
SESSION = cookie("PHPSESSID", "shop.test", category="necessary", days=None)
CONSENT = cookie("shop_consent", "shop.test", category="necessary", days=182, page=HOME)
FB_REQ = request("https://connect.facebook.net/en_US/fbevents.js", "connect.facebook.net", "facebook.net")
UNKNOWN_REQ = request("https://px.unknown-tracker.test/p.gif", "px.unknown-tracker.test", "unknown-tracker.test")
UNKNOWN_TP = ThirdParty(site="unknown-tracker.test", hosts=("px.unknown-tracker.test",), requests=1,
                        first_seen_page=HOME, resource_types=("image",))  # fmt: skip


def scan(*, reject_cookies: tuple[Cookie, ...] = (SESSION,), banner_again: bool = False,
         banner_ok: bool = True) -> ScanResult:  # fmt: skip
    """Meta, Google Analytics, Hotjar and an unknown tracker after accepting; a 2-year _ga cookie."""
    before = StateResult(
        state="before", pages=(page(HOME, "before"),), cookies=(SESSION,),
        banner=BannerResult(state="before", found=True, page_url=HOME),
    )  # fmt: skip
    accept = StateResult(
        state="accept",
        pages=(page(HOME, "accept", (FB_REQ, UNKNOWN_REQ)), page(PRODUCT, "accept")),
        cookies=(SESSION, GA, FBP, HJ),
        third_parties=(UNKNOWN_TP,),
        banner=BannerResult(state="accept", found=True, action="accept", succeeded=True, page_url=HOME),
    )
    reject = StateResult(
        state="reject",
        pages=(page(HOME, "reject"), page(PRODUCT, "reject", banner_again=banner_again)),
        cookies=reject_cookies,
        banner=BannerResult(
            state="reject", found=True, action="reject", succeeded=banner_ok, page_url=HOME, buttons=("Tout refuser",)
        ),
    )
    return ScanResult(
        schema_version=SCHEMA_VERSION, tool=ToolInfo("cookiescan", "0", "3", "0"), browser=None, started_at="",
        finished_at="", seeds=(HOME,), site="shop.test", first_party=("shop.test",),
        states={"before": before, "accept": accept, "reject": reject},
    )  # fmt: skip


def rules_and_subjects(findings: tuple) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((f.rule, f.subject) for f in findings)


# -- findings -------------------------------------------------------------------------------------


def test_fr_findings(fr: Notice, trackers: known.KnownTrackers) -> None:
    """Meta undeclared, New Relic unused, the 2-year _ga over 13 mois, refusal not remembered; the unknown
    tracker (no vendor) and the 90-day _fbp give nothing."""
    findings = notice_findings(scan(), fr, trackers)
    assert rules_and_subjects(findings) == [
        ("notice-lifetime-broken", "_ga"),
        ("notice-vendor-unused", "New Relic"),
        ("refusal-not-remembered", "banner"),
        ("undeclared-vendor", "Meta"),
    ]
    by_rule = {f.rule: f for f in findings}
    meta = by_rule["undeclared-vendor"]
    assert meta.severity == "medium"
    assert meta.evidence["states"] == ["accept"]
    assert meta.evidence["cookies"] == ["_fbp"]
    assert "facebook.net" in meta.evidence["domains"]
    assert meta.evidence["notice_sentence"]
    life = by_rule["notice-lifetime-broken"].evidence
    assert life["requested_lifetime_days"] == 730.5 and life["stored_lifetime_days"] == 400
    assert life["promised_days"] == 395.72 and "13 mois" in life["notice_sentence"]
    assert by_rule["notice-vendor-unused"].severity == "low"
    assert by_rule["refusal-not-remembered"].evidence["new_first_party_cookies"] == []
    for f in findings:
        assert f.rule in RULE_INFO and RULE_INFO[f.rule].needs_notice
        assert f.evidence["notice_sentence"]


def test_en_findings_google_company_covers_google_analytics(en: Notice, trackers: known.KnownTrackers) -> None:
    findings = notice_findings(scan(), en, trackers)
    assert rules_and_subjects(findings) == [
        ("notice-lifetime-broken", "_ga"),
        ("refusal-not-remembered", "banner"),
        ("undeclared-vendor", "Hotjar"),
    ]


def test_refusal_remembered_by_a_consent_cookie(fr: Notice, trackers: known.KnownTrackers) -> None:
    findings = notice_findings(scan(reject_cookies=(SESSION, CONSENT)), fr, trackers)
    assert "refusal-not-remembered" not in {f.rule for f in findings}


def test_refusal_remembered_by_a_new_first_party_cookie(fr: Notice, trackers: known.KnownTrackers) -> None:
    """Any first-party cookie first seen on the banner's page and absent before any choice counts."""
    memo = replace(CONSENT, name="sv")
    findings = notice_findings(scan(reject_cookies=(SESSION, memo)), fr, trackers)
    assert "refusal-not-remembered" not in {f.rule for f in findings}


def test_banner_shown_again_after_reject(fr: Notice, trackers: known.KnownTrackers) -> None:
    result = scan(reject_cookies=(SESSION, CONSENT), banner_again=True)
    f = next(f for f in notice_findings(result, fr, trackers) if f.rule == "refusal-not-remembered")
    assert f.evidence["banner_shown_again_on"] == [PRODUCT]


def test_no_refusal_judgement_when_reject_failed(fr: Notice, trackers: known.KnownTrackers) -> None:
    findings = notice_findings(scan(banner_ok=False), fr, trackers)
    assert "refusal-not-remembered" not in {f.rule for f in findings}


def test_none_notice_gives_no_vendor_findings(none: Notice, trackers: known.KnownTrackers) -> None:
    assert notice_findings(scan(), none, trackers) == ()
    assert "no vendors recognised" in none.notes


def test_lifetime_slack(trackers: known.KnownTrackers) -> None:
    """12 months = 365.28 days: a 365-day cookie and a 380-day one (within 5 %) pass, 400 days does not."""
    n = read_notice("Our cookies last no longer than 12 months.", "t", trackers)
    ok = (cookie("a", "shop.test", days=365), cookie("b", "shop.test", days=380))
    bad = cookie("c", "shop.test", days=None, stored=400, via="unknown")
    result = replace(scan(), states={"accept": StateResult(state="accept", cookies=(*ok, bad))})
    findings = notice_findings(result, n, trackers)
    assert rules_and_subjects(findings) == [("notice-lifetime-broken", "c")]
    assert findings[0].evidence["lifetime_source"] == "stored"


def test_cap_days(trackers: known.KnownTrackers) -> None:
    """Guards the notice's own promise against the cap: 2 years is over 13 months (397 days at most), not over
    25 months."""
    n = read_notice("Nos cookies sont conservés au maximum 2 ans.", "t", trackers)
    result = replace(scan(), states={})
    assert [f.rule for f in notice_findings(result, n, trackers)] == ["notice-lifetime-over-cap"]
    assert notice_findings(result, n, trackers)[0].evidence["cap_days"] == 397
    assert notice_findings(result, n, trackers, months=25) == ()


# -- the notice rules in the one registry ------------------------------------------------------------


def test_rule_info_complete() -> None:
    """Every notice rule is in the one registry with its texts, flagged as needing a notice; no other is."""
    assert {rule for rule, info in RULE_INFO.items() if info.needs_notice} == NOTICE_RULES
    for rule in NOTICE_RULES:
        info = RULE_INFO[rule]
        assert info.id == rule and info.check is RULES[rule]
        assert info.title and info.explanation and info.legal_basis
        assert info.severity in ("low", "medium", "high")


def test_notice_rules_need_a_notice(fr: Notice, trackers: known.KnownTrackers) -> None:
    """Guards evaluate(notice=…): without a notice no notice rule runs (and calling one directly gives nothing);
    with one, the scan rules' findings are the same and the notice rules' are added."""
    without = evaluate(scan(), None, RuleOptions(), known=trackers)
    assert without and not {f.rule for f in without} & NOTICE_RULES
    ctx = RuleContext(scan(), None, RuleOptions(), trackers)
    assert all(list(RULES[rule](ctx)) == [] for rule in NOTICE_RULES)
    with_notice = evaluate(scan(), None, RuleOptions(), known=trackers, notice=fr)
    assert [f for f in with_notice if f.rule not in NOTICE_RULES] == list(without)
    assert {f.rule for f in with_notice} & NOTICE_RULES


def test_notice_findings_in_report_order_with_ignores(fr: Notice, trackers: known.KnownTrackers) -> None:
    """Guards what merge_findings did: ignore entries apply to the notice findings too, and every finding is
    in the one deterministic order (severity, rule, subject, scenario)."""
    ignores = (Ignore("undeclared-vendor", "Meta", "named in the processing register"),)
    findings = evaluate(scan(), None, RuleOptions(ignores=ignores), known=trackers, notice=fr)
    ignored = [(f.rule, f.subject, f.ignored) for f in findings if f.ignored]
    assert ignored == [("undeclared-vendor", "Meta", "named in the processing register")]
    rank = {"high": 0, "medium": 1, "low": 2}
    keys = [(rank[f.severity], f.rule, f.subject, f.scenario) for f in findings]
    assert keys == sorted(keys)
    assert {f.rule for f in findings} & NOTICE_RULES == NOTICE_RULES - {"notice-lifetime-over-cap"}


def test_vendor_rules_default_to_the_shipped_known_trackers(fr: Notice) -> None:
    """Guards evaluate(notice=…) without known=: the vendor rules still read vendors from known_trackers."""
    found = {(f.rule, f.subject) for f in evaluate(scan(), None, RuleOptions(), notice=fr)}
    assert {("undeclared-vendor", "Meta"), ("notice-vendor-unused", "New Relic")} <= found


# -- promises about the data collected via cookies (issue 14) --------------------------------------------


DATA_PROMISE = ("Personal data collected via cookies are never stored longer than necessary to achieve the purpose "
                "of the cookie, and in no case longer than 13 months.")


def test_data_retention_promise_is_broken_by_a_long_lived_cookie(trackers: known.KnownTrackers) -> None:
    """A cookie keeping its identifier on the device longer than the data may be kept: low, with the scope."""
    n = read_notice(DATA_PROMISE, "t", trackers)
    short = cookie("short", "shop.test", days=390)
    result = replace(scan(), states={"accept": StateResult(state="accept", cookies=(GA, short))})
    [f] = notice_findings(result, n, trackers)
    assert (f.rule, f.severity, f.subject) == ("notice-lifetime-broken", "low", "_ga")
    assert f.evidence["promise_scope"] == "cookie-data" and f.evidence["promised_days"] == 395.72
    assert "data collected via cookies" in f.message


def test_cookie_lifetime_promise_is_medium_and_judged_first(trackers: known.KnownTrackers) -> None:
    """With both promises, a cookie breaking the cookie-lifetime one is medium (once); one breaking only the
    shorter data promise is low."""
    n = read_notice("Nos cookies sont conservés 13 mois au maximum. Les informations déposées par ces cookies ne "
                    "sont jamais conservées plus de 6 mois.", "t", trackers)  # fmt: skip
    mid = cookie("mid", "shop.test", days=200)
    result = replace(scan(), states={"accept": StateResult(state="accept", cookies=(GA, mid))})
    got = sorted((f.subject, f.severity, f.evidence["promise_scope"]) for f in notice_findings(result, n, trackers))
    assert got == [("_ga", "medium", "cookies"), ("mid", "low", "cookie-data")]


def test_other_data_retention_judges_no_cookie(trackers: known.KnownTrackers) -> None:
    n = read_notice("Customer data is kept for 3 months after the end of the contract.", "t", trackers)
    result = replace(scan(), states={"accept": StateResult(state="accept", cookies=(GA,))})
    assert notice_findings(result, n, trackers) == ()


def test_a_provider_named_by_the_declared_list_is_not_a_seen_vendor(trackers: known.KnownTrackers) -> None:
    """Regression (issue 14, the demo): the shop's own script writes _ga and its declared list says
    "Google"; the notice names Google Analytics. "Google" was not *seen*: no undeclared-vendor."""
    n = read_notice("Nous utilisons Google Analytics pour la mesure d'audience.", "t", trackers)
    own_ga = replace(GA, vendor="Google", vendor_basis="declared")
    result = replace(scan(), states={"accept": StateResult(state="accept", cookies=(own_ga,))})
    assert [f.subject for f in notice_findings(result, n, trackers) if f.rule == "undeclared-vendor"] == []
    seen_ga = replace(GA, vendor="Meta", vendor_basis="script")  # evidence of a vendor still counts
    result = replace(scan(), states={"accept": StateResult(state="accept", cookies=(seen_ga,))})
    assert [f.subject for f in notice_findings(result, n, trackers) if f.rule == "undeclared-vendor"] == ["Meta"]
