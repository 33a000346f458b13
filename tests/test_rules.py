"""rules: each rule on small hand-built results, the 13-month cap in calendar months, ignores, order."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from cookiescan.classify import classify
from cookiescan.config import ignores_from
from cookiescan.models import Finding, Ignore, active, severity_at_least
from cookiescan.rules import (
    RULE_INFO,
    RULES,
    RuleOptions,
    evaluate,
)
from cookiescan.units import add_months, max_month_span_days, parse_cap
from tests.factories import (
    declared_cookie,
    make_banner,
    make_cookie,
    make_declared,
    make_known,
    make_request,
    make_result,
    make_state,
    make_storage,
    make_write,
)

KNOWN = make_known()
NOTICE_RULES = {rule for rule, info in RULE_INFO.items() if info.needs_notice}
# the withdraw state's and the revisits' rules: tests/test_rules_evidence.py
EVIDENCE_RULES = {"withdrawal-not-found", "tracking-after-withdrawal", "lifetime-renewed-on-visit", "consent-kept-too-long"}


def summary(findings):
    return [(f.rule, f.severity, f.scenario, f.subject) for f in findings]


def run(result, declared=None, **options):
    """Classify with the small known list, then evaluate."""
    return evaluate(classify(result, KNOWN, declared), declared, RuleOptions(**options), known=KNOWN)


# -- consent: cookies ---------------------------------------------------------------------------


def test_two_year_analytics_cookie_before_consent():
    result = make_result(
        before=make_state(cookies=[make_cookie("_ga", requested_days=730)], writes=[make_write("_ga", days=730)])
    )
    findings = run(result)
    assert summary(findings) == [
        ("lifetime-over-cap", "high", "all", "_ga"),
        ("pre-consent-cookie", "high", "before", "_ga"),
    ]
    cap = findings[0].evidence
    assert cap["requested_lifetime_days"] == 730
    assert cap["stored_lifetime_days"] == 400  # Chromium's cap, reported next to the request
    assert cap["cap_days"] == 394  # 2024-01-31 10:00 -> 2025-02-28 10:00
    assert cap["lifetime_source"] == "requested"
    assert cap["set_at_source"] == "write"
    pre = findings[1].evidence
    assert pre["category"] == "analytics" and pre["category_source"] == "known_trackers"
    # issue 14: written by the site's own response, the name says analytics but names no vendor
    assert pre["vendor"] is None and pre["name_known_for"] == "Google Analytics"
    assert pre["in_jar"] is True and pre["blocked_reasons"] == [] and pre["declared"] is None
    assert pre["pages"] == ["https://www.shop.fr/"] and pre["state"] == "before"


def test_over_cap_is_medium_when_analytics_only_after_accept():
    result = make_result(accept=make_state("accept", cookies=[make_cookie("_ga", requested_days=730)]))
    assert summary(run(result)) == [("lifetime-over-cap", "medium", "all", "_ga")]


def test_390_day_cookie_is_not_over_cap():
    result = make_result(accept=make_state("accept", cookies=[make_cookie("_ga", requested_days=390)]))
    assert run(result) == ()


def test_necessary_cookie_before_consent_is_fine():
    result = make_result(before=make_state(cookies=[make_cookie("PHPSESSID")]))
    assert run(result) == ()


def test_unknown_cookie_before_consent_is_medium_and_says_unclassified():
    result = make_result(before=make_state(cookies=[make_cookie("mystery")]))
    [f] = run(result)
    assert (f.rule, f.severity, f.subject) == ("pre-consent-cookie", "medium", "mystery")
    assert "unclassified" in f.message and "declare" in f.message


def test_functional_and_marketing_cookies_before_consent_are_high():
    result = make_result(before=make_state(cookies=[make_cookie("lang"), make_cookie("_fbp")]))
    assert summary(run(result)) == [
        ("pre-consent-cookie", "high", "before", "_fbp"),
        ("pre-consent-cookie", "high", "before", "lang"),
    ]


def test_post_reject_cookie():
    result = make_result(
        before=make_state(cookies=[]),
        reject=make_state("reject", cookies=[make_cookie("_fbp", requested_days=90)]),
    )
    [f] = run(result)
    assert (f.rule, f.severity, f.scenario, f.subject) == ("post-reject-cookie", "high", "reject", "_fbp")
    assert "rejected" in f.message


def test_same_cookie_on_two_domains_is_one_finding():
    cookies = [make_cookie("_ga", domain=".shop.fr"), make_cookie("_ga", domain="www.shop.fr")]
    [f] = run(make_result(before=make_state(cookies=cookies)))
    assert f.evidence["domains"] == [".shop.fr", "www.shop.fr"]


def test_refused_cookie_is_still_flagged():
    """Guards: a cookie the browser refused was still *attempted* before consent."""
    cookie = make_cookie("_fbp", requested_days=90, in_jar=False, blocked=["ThirdPartyPhaseout"])
    [f] = run(make_result(before=make_state(cookies=[cookie])))
    assert (f.rule, f.severity) == ("pre-consent-cookie", "high")
    assert f.evidence["in_jar"] is False
    assert f.evidence["blocked_reasons"] == ["ThirdPartyPhaseout"]
    assert "refused" in f.message


def test_deletion_only_cookie_is_listed_low():
    """Guards: clearing a tracker on refusal (what the CNIL asks) must not gate a build."""
    cookie = make_cookie("_ga", in_jar=False, deleted=True, requested_days=None)
    result = make_result(
        reject=make_state("reject", cookies=[cookie], writes=[make_write("_ga", days=-1, deletes=True)])
    )
    [f] = run(result)
    assert (f.rule, f.severity) == ("post-reject-cookie", "low")
    assert f.evidence["deletion_only"] is True and f.evidence["in_jar"] is False


def test_set_then_deleted_cookie_keeps_full_severity():
    cookie = make_cookie("_ga", in_jar=False, deleted=True, requested_days=730)
    writes = [make_write("_ga", days=730), make_write("_ga", days=-1, deletes=True)]
    [f] = [f for f in run(make_result(before=make_state(cookies=[cookie], writes=writes))) if f.scenario == "before"]
    assert (f.rule, f.severity) == ("pre-consent-cookie", "high")
    assert f.evidence["deletion_only"] is False and f.evidence["deleted"] is True


def test_storage_key_before_consent():
    items = [make_storage("_hjSessionUser_42"), make_storage("app_state")]
    findings = run(make_result(before=make_state(storage=items)))
    assert summary(findings) == [
        ("pre-consent-cookie", "high", "before", "_hjSessionUser_42"),
        ("pre-consent-cookie", "medium", "before", "app_state"),
    ]
    ev = findings[0].evidence
    # issue 14: stored by the site's own origin, the key says analytics but names no vendor
    assert ev["kind"] == "localStorage" and ev["origin"] == "https://www.shop.fr" and ev["vendor"] is None
    assert ev["name_known_for"] == "Hotjar"
    assert "unclassified" in findings[1].message


def test_known_category_shown_when_declared_disagrees():
    declared = make_declared(declared_cookie("_ga", category="functional", lifetime="13 mois"))
    result = make_result(before=make_state(cookies=[make_cookie("_ga", requested_days=390)]))
    [f] = run(result, declared)
    assert (f.rule, f.severity) == ("pre-consent-cookie", "high")
    assert f.evidence["category"] == "functional" and f.evidence["category_source"] == "declared"
    assert f.evidence["known_category"] == "analytics"
    assert f.evidence["declared"]["name"] == "_ga" and f.evidence["declared"]["lifetime_text"] == "13 mois"


def test_declared_necessary_is_judged_as_necessary():
    declared = make_declared(declared_cookie("_ga", category="necessary"))
    result = make_result(before=make_state(cookies=[make_cookie("_ga")]))
    assert run(result, declared) == ()


# -- trackers -----------------------------------------------------------------------------------


def _ga_requests(n):
    return [make_request(f"https://www.google-analytics.com/g/collect?n={i}", resource_type="ping") for i in range(n)]


def test_tracker_requests_before_and_after_reject():
    result = make_result(
        before=make_state(requests=[*_ga_requests(7), make_request("https://connect.facebook.net/fbevents.js")]),
        accept=make_state("accept", requests=_ga_requests(2)),
        reject=make_state("reject", requests=_ga_requests(1)),
    )
    findings = run(result)
    assert summary(findings) == [
        ("post-reject-tracker", "high", "reject", "google-analytics.com"),
        ("pre-consent-tracker", "high", "before", "facebook.net"),
        ("pre-consent-tracker", "high", "before", "google-analytics.com"),
    ]
    ga = findings[2].evidence
    assert ga["count"] == 7
    assert len(ga["sample_urls"]) == 5
    assert ga["resource_types"] == ["ping"]
    assert ga["pages"] == ["https://www.shop.fr/"]
    assert ga["vendor"] == "Google Analytics" and ga["category"] == "analytics"


def test_non_tracker_third_parties_and_first_party_are_not_trackers():
    requests = [
        make_request("https://cdn.jsdelivr.net/npm/x.js"),  # necessary CDN
        make_request("https://www.shop.fr/analytics.js"),  # first party, unknown
        make_request("https://www.googletagmanager.com/gtm.js"),  # listed under GA here: analytics
    ]
    findings = run(make_result(before=make_state(requests=requests)))
    assert summary(findings) == [("pre-consent-tracker", "high", "before", "googletagmanager.com")]


# -- banner -------------------------------------------------------------------------------------


def test_no_reject_on_first_layer():
    banner = make_banner("before", accept_first=True, reject_first=False)
    [f] = run(make_result(before=make_state(banner=banner)))
    assert (f.rule, f.severity, f.scenario, f.subject) == ("no-reject-first-layer", "high", "before", "banner")
    assert f.evidence["cmp"] == "Didomi"


def test_unknown_first_layer_is_not_judged():
    banner = make_banner("before", accept_first=True, reject_first=None)
    assert run(make_result(before=make_state(banner=banner))) == ()


def test_no_consent_banner_with_trackers():
    state = make_state(banner=make_banner(found=False), requests=_ga_requests(1))
    findings = run(make_result(before=state))
    assert summary(findings) == [
        ("no-consent-banner", "high", "before", "banner"),
        ("pre-consent-tracker", "high", "before", "google-analytics.com"),
    ]
    assert findings[0].evidence["trackers"] == ["google-analytics.com"]


def test_no_banner_and_nothing_to_consent_to_is_fine():
    state = make_state(with_banner=False, cookies=[make_cookie("PHPSESSID")])
    assert run(make_result(before=state)) == ()


def test_no_banner_with_only_unclassified_cookies_is_medium():
    state = make_state(with_banner=False, cookies=[make_cookie("mystery")])
    assert summary(run(make_result(before=state))) == [
        ("no-consent-banner", "medium", "before", "banner"),
        ("pre-consent-cookie", "medium", "before", "mystery"),
    ]


# -- declared list ------------------------------------------------------------------------------


def test_twelve_months_declared_vs_365_requested_passes():
    declared = make_declared(declared_cookie("_ga", lifetime="12 mois"))
    result = make_result(accept=make_state("accept", cookies=[make_cookie("_ga", requested_days=365)]))
    assert run(result, declared) == ()


def test_over_declared_beyond_slack_fires():
    declared = make_declared(declared_cookie("_ga", lifetime="12 mois"))  # 365.28 + 18.26 allowed
    result = make_result(accept=make_state("accept", cookies=[make_cookie("_ga", requested_days=384)]))
    [f] = run(result, declared)
    assert (f.rule, f.severity, f.scenario) == ("lifetime-over-declared", "medium", "all")
    assert f.evidence["declared_lifetime_text"] == "12 mois"
    assert f.evidence["allowed_days"] == pytest.approx(383.544)


def test_session_declared_vs_persistent_fires():
    declared = make_declared(declared_cookie("sid", category="necessary", lifetime="Session"))
    result = make_result(accept=make_state("accept", cookies=[make_cookie("sid", requested_days=30)]))
    [f] = run(result, declared)
    assert (f.rule, f.subject) == ("lifetime-over-declared", "sid")
    assert "session cookie" in f.message


def test_session_declared_vs_session_passes():
    declared = make_declared(declared_cookie("sid", category="necessary", lifetime="Session"))
    result = make_result(accept=make_state("accept", cookies=[make_cookie("sid")]))
    assert run(result, declared) == ()


def test_declared_not_found_considers_patterns():
    declared = make_declared(
        declared_cookie("_ga"),
        declared_cookie("_ga_*"),
        declared_cookie("_ga*"),  # shadowed by the exact _ga entry for "_ga", still found
        declared_cookie("_hj*"),
        declared_cookie("old_cookie"),
        declared_cookie("app_state", category="functional"),  # a storage key
    )
    result = make_result(
        accept=make_state(
            "accept", cookies=[make_cookie("_ga"), make_cookie("_ga_ABC")], storage=[make_storage("app_state")]
        )
    )
    findings = run(result, declared)
    assert summary(findings) == [
        ("declared-not-found", "low", "all", "_hj*"),
        ("declared-not-found", "low", "all", "old_cookie"),
    ]
    assert findings[0].evidence["declared"]["pattern"] is True


def test_undeclared_once_across_states():
    declared = make_declared(declared_cookie("_ga"))
    cookie = make_cookie("PHPSESSID")
    result = make_result(
        before=make_state(cookies=[cookie, make_cookie("_ga")]),
        accept=make_state("accept", cookies=[cookie, make_cookie("_ga")]),
        reject=make_state("reject", cookies=[cookie]),
    )
    findings = [f for f in run(result, declared) if f.rule == "undeclared-cookie"]
    assert summary(findings) == [("undeclared-cookie", "medium", "all", "PHPSESSID")]
    assert findings[0].evidence["states"] == ["before", "accept", "reject"]


def test_no_declared_list_no_declared_rules():
    result = make_result(accept=make_state("accept", cookies=[make_cookie("PHPSESSID")]))
    assert run(result, None) == ()


def test_declared_lifetime_over_cap():
    declared = make_declared(
        declared_cookie("a", lifetime="2 ans"),
        declared_cookie("b", lifetime="13 mois"),
        declared_cookie("c", lifetime="396 jours"),
        declared_cookie("d", lifetime="400 jours"),
        declared_cookie("e", lifetime="Session"),
        declared_cookie("f", lifetime="forever"),
    )
    findings = [f for f in run(make_result(accept=make_state("accept")), declared) if f.rule != "declared-not-found"]
    assert summary(findings) == [
        ("declared-lifetime-over-cap", "medium", "declared", "a"),
        ("declared-lifetime-over-cap", "medium", "declared", "d"),
    ]
    assert findings[0].evidence["cap_days"] == 397


# -- the cap in calendar months -----------------------------------------------------------------


def _cap_findings(days, time, *, via="header", tolerance_hours=None):
    cookie = make_cookie("pref", requested_days=days, via=via, stored_days=min(days, 400))
    writes = [] if via == "unknown" else [make_write("pref", days=days, time=time)]
    result = make_result(accept=make_state("accept", cookies=[cookie], writes=writes), started_at=time)
    return [f for f in run(result) if f.rule == "lifetime-over-cap"]


@pytest.mark.parametrize(
    ("set_at", "days", "fires"),
    [
        ("2024-01-31T10:00:00Z", 390, False),  # never over 13 months (the shortest is 393 days)
        ("2024-01-31T10:00:00Z", 730, True),  # 2 years
        ("2024-01-31T10:00:00Z", 394, False),  # Jan 31 + 13 months = Feb 28 2025: 394 days
        ("2024-01-31T10:00:00Z", 395, True),
        ("2023-01-31T10:00:00Z", 394, False),  # ... = Feb 29 2024 (leap): 394 days
        ("2023-01-31T10:00:00Z", 396, True),  # the 396-day cookie from Jan 31 is over
        ("2022-01-31T10:00:00Z", 393, False),  # ... = Feb 28 2023: 393 days, the shortest 13 months
        ("2022-01-31T10:00:00Z", 394, True),
        ("2024-03-01T10:00:00Z", 396, False),  # Mar 1 2024 -> Apr 1 2025: 396 days
        ("2023-03-01T10:00:00Z", 397, False),  # Mar 1 2023 -> Apr 1 2024 over a leap Feb: 397 days
        ("2023-03-01T10:00:00Z", 397.1, True),
        ("2024-03-01T10:00:00Z", 396 + 0.5 / 24, False),  # 30 min over: clock-skew tolerance
        ("2024-03-01T10:00:00Z", 396 + 2 / 24, True),  # 2 h over
    ],
)
def test_cap_in_calendar_months(set_at, days, fires):
    assert bool(_cap_findings(days, set_at)) is fires


def test_cap_uses_the_write_time_not_the_scan_start():
    cookie = make_cookie("pref", requested_days=396)
    write = make_write("pref", days=396, time="2024-03-01T10:00:00Z")  # 396 days fit from Mar 1 2024
    result = make_result(
        accept=make_state("accept", cookies=[cookie], writes=[write]), started_at="2024-01-31T10:00:00Z"
    )
    assert [f for f in run(result) if f.rule == "lifetime-over-cap"] == []


def test_cap_falls_back_to_stored_lifetime_and_says_so():
    [f] = _cap_findings(400, "2024-01-31T10:00:00Z", via="unknown")
    assert f.evidence["lifetime_source"] == "stored" and f.evidence["requested_lifetime_days"] is None
    assert "stored expiry" in f.message


def test_configurable_cap():
    cookie = make_cookie("pref", requested_days=200)
    result = make_result(accept=make_state("accept", cookies=[cookie]))
    assert summary(run(result, max_lifetime_months=6)) == [("lifetime-over-cap", "medium", "all", "pref")]
    assert run(result, max_lifetime_months=7) == ()


def test_add_months_clamps_to_month_end():
    t = datetime(2024, 1, 31, 10, tzinfo=timezone.utc)
    assert add_months(t, 1) == datetime(2024, 2, 29, 10, tzinfo=timezone.utc)
    assert add_months(t, 13) == datetime(2025, 2, 28, 10, tzinfo=timezone.utc)
    assert add_months(datetime(2024, 12, 15), 1) == datetime(2025, 1, 15)
    assert (max_month_span_days(13), max_month_span_days(12), max_month_span_days(1)) == (397, 366, 31)


# -- options --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "months"),
    [("13months", 13), ("13 months", 13), ("13m", 13), ("13", 13), ("13 mois", 13), ("395d", 13),
     ("396 days", 13), ("400d", 13), ("365d", 12), ("1y", 12), ("2 years", 24), ("6MONTHS", 6)],
)  # fmt: skip
def test_parse_cap(text, months):
    assert parse_cap(text) == months


@pytest.mark.parametrize("text", ["", "thirteen months", "13 parsecs", "12.5 months", "0m", "5d", "-3m"])
def test_parse_cap_rejects_with_a_clear_message(text):
    with pytest.raises(ValueError, match="lifetime cap"):
        parse_cap(text)


def test_severity_at_least():
    assert severity_at_least("high", "high") and severity_at_least("high", "low")
    assert not severity_at_least("medium", "high")
    assert not severity_at_least("high", "never")
    with pytest.raises(ValueError):
        severity_at_least("critical", "low")
    with pytest.raises(ValueError):
        severity_at_least("low", "urgent")


# -- ignores --------------------------------------------------------------------------------------


def _two_findings_result():
    return make_result(before=make_state(cookies=[make_cookie("_ga"), make_cookie("_fbp")]))


def test_ignore_keeps_the_finding_marked_and_active_drops_it():
    ignores = (Ignore("pre-consent-cookie", "_g*", "set by the CMP test harness", date(2024, 6, 30)),)
    findings = run(_two_findings_result(), ignores=ignores, today=date(2024, 6, 30))  # last day included
    assert [(f.subject, f.ignored) for f in findings] == [("_fbp", None), ("_ga", "set by the CMP test harness")]
    assert [f.subject for f in active(findings)] == ["_fbp"]


def test_expired_ignore_no_longer_applies():
    ignores = (Ignore("*", "_ga", "temporary", date(2024, 6, 30)),)
    findings = run(_two_findings_result(), ignores=ignores, today=date(2024, 7, 1))
    assert [f.ignored for f in findings] == [None, None]
    assert findings[1].evidence["ignore_expired"] == "2024-06-30"
    assert len(active(findings)) == 2


def test_ignore_rule_must_match():
    ignores = (Ignore("lifetime-over-cap", "*", "accepted risk"),)
    assert all(f.ignored is None for f in run(_two_findings_result(), ignores=ignores))


def test_ignores_from_config_entries():
    got = ignores_from([{"rule": "*", "subject": "_ga", "reason": "r", "until": "2025-01-01"}, {"reason": "x"}])
    assert got == (Ignore("*", "_ga", "r", date(2025, 1, 1)), Ignore("*", "*", "x", None))


# -- shape and order -------------------------------------------------------------------------------


# Consent Mode granted by an update (counts on the page where the choice was clicked too)
GRANTED_HIT = "https://www.google-analytics.com/g/collect?v=2&gcs=G111&gcd=11r1r1r1r5"
# a TC string after reject that still grants purpose 1 and vendor 755 and claims purpose 7 under LI
KEPT_TCF = {"source": "api", "cmp_id": 10, "purposes_consent": [1], "purposes_li": [7], "vendor_consents": [755]}


def _busy_result(shuffle=None):
    cookies = [make_cookie("_ga", requested_days=730), make_cookie("mystery"), make_cookie("_fbp"), make_cookie("lang")]
    requests = [*_ga_requests(3), make_request("https://connect.facebook.net/fbevents.js"),
                make_request(GRANTED_HIT, resource_type="ping")]
    storage = [make_storage("app_state"), make_storage("_hjSessionUser_1")]
    reject = replace(make_state("reject", cookies=cookies[:2], requests=[*requests[:2], requests[-1]]), tcf=KEPT_TCF)
    if shuffle is not None:
        for seq in (cookies, requests, storage):
            shuffle.shuffle(seq)
    return make_result(
        before=make_state(cookies=cookies, requests=requests, storage=storage, banner=make_banner(reject_first=False)),
        reject=reject,
    )


def test_order_is_deterministic_and_by_severity():
    declared = make_declared(declared_cookie("_ga"), declared_cookie("gone"))
    reference = run(_busy_result(), declared)
    for seed in range(5):
        assert run(_busy_result(random.Random(seed)), declared) == reference
    ranks = {"high": 0, "medium": 1, "low": 2}
    keys = [(ranks[f.severity], f.rule, f.subject, f.scenario) for f in reference]
    assert keys == sorted(keys)
    assert reference[0].severity == "high" and reference[-1].rule == "declared-not-found"


def test_findings_are_json_ready_with_plain_messages():
    declared = make_declared(declared_cookie("_ga", lifetime="6 mois"), declared_cookie("gone", lifetime="2 ans"))
    findings = run(_busy_result(), declared)
    # every rule but no-consent-banner, the notice rules (no notice given: tests/test_rules_notice.py) and the
    # rules of the withdraw state and the revisits (tests/test_rules_evidence.py)
    assert {f.rule for f in findings} == set(RULES) - {"no-consent-banner"} - NOTICE_RULES - EVIDENCE_RULES
    for f in findings:
        assert isinstance(f, Finding)
        json.dumps(f.evidence)  # raises on tuples of non-JSON values, dates, …
        assert f.message.endswith(".") and f.message.count(". ") == 0, f.message
        assert f.severity in ("low", "medium", "high")
        assert f.scenario in ("before", "accept", "reject", "all", "declared")


def test_every_rule_has_info_and_vice_versa():
    assert set(RULE_INFO) == set(RULES)
    for rule_id, info in RULE_INFO.items():
        assert info.id == rule_id
        assert info.title and info.explanation and info.legal_basis
        assert info.severity in ("low", "medium", "high")


def test_rule_functions_are_registered_once():
    assert len(set(RULES.values())) == len(RULES)
