"""What the site tells ad tech, on hand-built data (no browser): the TCF record a page visit keeps
(``cookiescan.collect.tcf``), Consent Mode on classified requests, the four signal rules, the Consent Mode
evidence of ``pre-consent-tracker``, and the report section. The browser side is tests/test_signals_scan.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from cookiescan.classify import classify, classify_request
from cookiescan.collect.tcf import MAX_IDS, from_answer, from_cookie, tcf_record
from cookiescan.models import ScanResult, StateResult
from cookiescan.report import ReportOptions, render
from cookiescan.report.html.signals import signals_view
from cookiescan.rules import RULE_INFO, RuleOptions, evaluate
from cookiescan.rules.signals import TCSignals, consent_mode_by_state, consent_mode_evidence, purpose_label
from cookiescan.signals.tcf import TCData
from tests.factories import HOME, make_known, make_page, make_request, make_result, make_state

KNOWN = make_known()
SIGNALS = ("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization")
SIGNAL_RULES = ("tcf-consent-after-reject", "tcf-legitimate-interest", "consent-mode-granted-before-choice",
                "consent-mode-granted-after-reject")
# A TC string @iabtcf/core encoded for the Quantcast fixture's keeps-consent variant after "reject all"
# (tests/fixtures/platforms/static/tcf.js, read back from a scan): CMP 10, consent to purposes 1 and 3 and
# vendor 755, legitimate interest for purposes 2-10 and vendor 755.
KEEPS_CONSENT = "CQuf10AQuf10AAKA1BENEsEgAKAAAH_AAAqIF5wAQF5gXnABAXmAAAAA.YAAAAAAAAAAA"
ABOUT = "https://www.shop.fr/about"
GA = "https://www.google-analytics.com/g/collect?v=2&tid=G-AB12&en=page_view"


def run(result: ScanResult) -> list[Any]:
    return list(evaluate(classify(result, KNOWN), None, RuleOptions(), known=KNOWN))


def signal_findings(result: ScanResult) -> list[tuple[str, str, str]]:
    return [(f.rule, f.scenario, f.subject) for f in run(result) if f.rule in SIGNAL_RULES]


def tcf(purposes: list[int] = (), li: list[int] = (), vendors: list[int] = (), **extra: Any) -> dict[str, Any]:
    """A page's TCF record as the collector writes it (the fields the rules read)."""
    return {"source": "api", "cmp_id": 10, "cmp_version": 3, "tcf_policy_version": 4, "event_status": "tcloaded",
            "purposes_consent": list(purposes), "purposes_li": list(li), "vendor_consents": list(vendors),
            "vendor_li": [], "vendor_consents_count": len(vendors), "page": HOME, **extra}


def with_tcf(state: StateResult, *records: dict[str, Any] | None) -> StateResult:
    """The state's pages (HOME, then ABOUT…) carrying these records."""
    urls = [HOME, ABOUT, "https://www.shop.fr/news"]
    pages = tuple(dataclasses.replace(make_page(urls[i], state.state), tcf=r) for i, r in enumerate(records))
    return dataclasses.replace(state, pages=pages)


def hit(gcd: str, gcs: str | None = None) -> str:
    return GA + (f"&gcs={gcs}" if gcs else "") + f"&gcd={gcd}"


# -- the TCF record --------------------------------------------------------------------------------------


def test_record_from_the_euconsent_cookie_decodes_the_string() -> None:
    rec = from_cookie(KEEPS_CONSENT, HOME)
    assert (rec["source"], rec["fields_from"], rec["page"], rec["frame"], rec["ok"]) == (
        "cookie", "tcString", HOME, None, None)
    assert (rec["cmp_id"], rec["purposes_consent"], rec["vendor_consents"]) == (10, [1, 3], [755])
    assert rec["purposes_li"] == list(range(2, 11)) and rec["vendor_li"] == [755]
    assert rec["tcf_policy_version"] == 4 and rec["tc_string"] == KEEPS_CONSENT and rec["created"]
    assert "decoded" not in rec


def test_record_from_a_cookie_that_does_not_decode_says_why() -> None:
    rec = from_cookie("not a TC string!", HOME)
    assert rec["source"] == "cookie" and rec["decode_error"] and rec["purposes_consent"] == []


def test_record_from_the_api_answer() -> None:
    answer = {"via": "api", "ok": True, "data": {"tcString": KEEPS_CONSENT, "eventStatus": "useractioncomplete",
                                                "gdprApplies": True, "cmpStatus": "loaded"}}
    rec = from_answer(answer, HOME, "https://cmp.example/frame.html")
    assert rec is not None
    assert (rec["source"], rec["frame"], rec["ok"], rec["event_status"], rec["gdpr_applies"]) == (
        "api", "https://cmp.example/frame.html", True, "useractioncomplete", True)
    assert rec["purposes_consent"] == [1, 3]
    # nothing answered, or something that is not getTCData's object
    for nothing in (None, {"via": "api", "timeout": True}, {"via": "api", "data": "junk"}, ["x"], 3):
        assert from_answer(nothing, HOME, None) is None


def test_record_caps_what_a_hostile_string_names() -> None:
    many = tuple(range(1, 20_001))
    tc = TCData(gdpr_applies=True, cmp_id=1, cmp_version=1, tcf_policy_version=4, event_status="tcloaded",
                cmp_status="loaded", tc_string=None, decoded=None, source="api", is_service_specific=True,
                use_non_standard_texts=False, purpose_one_treatment=False, publisher_cc="FR",
                special_feature_optins=(), purposes_consent=(1,), purposes_li=(), vendor_consents=many,
                vendor_li=many, publisher_restrictions=())
    rec = tcf_record(tc, source="api", page=HOME)
    assert len(rec["vendor_consents"]) == MAX_IDS and len(rec["vendor_li"]) == MAX_IDS
    assert (rec["vendor_consents_count"], rec["vendor_li_count"]) == (20_000, 20_000)
    assert TCSignals.of(rec).vendor_consents_count == 20_000


def test_tc_signals_read_a_saved_record_defensively() -> None:
    odd = {"purposes_consent": [3, "1", True, -2, 3], "purposes_li": "2", "vendor_consents": None,
           "tcf_policy_version": "4"}
    tc = TCSignals.of(odd)
    assert (tc.purposes_consent, tc.purposes_li, tc.vendor_consents, tc.tcf_policy_version) == ((3,), (), (), None)


# -- Consent Mode on requests ---------------------------------------------------------------------------------


def test_classify_fills_consent_mode_from_the_url() -> None:
    r = classify_request(make_request(hit("11p1p1p1p5", "G100"), resource_type="ping"), KNOWN)
    assert r.consent_mode is not None and "url" not in r.consent_mode
    assert r.consent_mode["params"] == {"gcs": "G100", "gcd": "11p1p1p1p5"} and r.consent_mode["kind"] == "ga4"
    assert {n: s["value"] for n, s in r.consent_mode["signals"].items()} == dict.fromkeys(SIGNALS, "denied")
    assert classify_request(r, KNOWN) == r  # idempotent
    assert classify_request(make_request(GA), KNOWN).consent_mode is None
    kept = dataclasses.replace(make_request(GA), consent_mode={"signals": {}})  # e.g. read from a POST body
    assert classify_request(kept, KNOWN).consent_mode == {"signals": {}}


def test_pre_consent_tracker_evidence_says_what_consent_mode_said() -> None:
    """The cookieless Google pings before consent stay a pre-consent-tracker finding, with the signals."""
    result = make_result(before=make_state(requests=[make_request(hit("11p1p1p1p5", "G100"), resource_type="ping"),
                                                     make_request(hit("11p1p1p1p5"), resource_type="ping")]))
    [f] = [f for f in run(result) if f.rule == "pre-consent-tracker"]
    assert f.evidence["consent_mode"] == dict.fromkeys(SIGNALS, "denied (default)")
    plain = make_result(before=make_state(requests=[make_request(GA, resource_type="ping")]))
    [g] = [f for f in run(plain) if f.rule == "pre-consent-tracker"]
    assert "consent_mode" not in g.evidence


def test_consent_mode_evidence_lists_every_value_seen() -> None:
    reqs = [classify_request(make_request(hit(g)), KNOWN) for g in ("11p1p1p1p5", "11r1r1p1p5", "11p1p1p1p5")]
    assert consent_mode_evidence(reqs) == {"ad_storage": "denied (default), granted (update)",
                                           "analytics_storage": "denied (default), granted (update)",
                                           "ad_user_data": "denied (default)", "ad_personalization": "denied (default)"}
    assert consent_mode_evidence([make_request(GA)]) is None


# -- the rules ------------------------------------------------------------------------------------------------


def test_every_signal_rule_is_registered_with_its_texts() -> None:
    severities = {"tcf-consent-after-reject": "high", "tcf-legitimate-interest": "medium",
                  "consent-mode-granted-before-choice": "high", "consent-mode-granted-after-reject": "high"}
    for rule, severity in severities.items():
        info = RULE_INFO[rule]
        assert info.severity == severity and info.title and info.explanation and info.legal_basis
        assert not info.needs_notice


def test_tcf_consent_after_reject() -> None:
    result = make_result(reject=with_tcf(make_state("reject"), tcf([1, 3], vendors=[755]), tcf([1, 3], [], [755])))
    [f] = [f for f in run(result) if f.rule == "tcf-consent-after-reject"]
    assert (f.severity, f.scenario, f.subject) == ("high", "reject", "TC string")
    ev = f.evidence
    assert (ev["cmp_id"], ev["cmp_version"], ev["source"], ev["vendors"], ev["vendor_count"]) == (10, 3, "api", [755], 1)
    assert ev["purposes"] == ["1: Store and/or access information on a device",
                              "3: Create profiles for personalised advertising"]
    assert ev["pages"] == [HOME, ABOUT] and ev["page"] == HOME
    assert f.message.endswith(".") and ". " not in f.message and "purposes 1 and 3" in f.message


def test_tcf_consent_after_reject_vendor_only_and_from_the_cookie() -> None:
    result = make_result(reject=with_tcf(make_state("reject"), tcf(vendors=[91, 755], source="cookie")))
    [f] = [f for f in run(result) if f.rule == "tcf-consent-after-reject"]
    assert f.evidence["source"] == "cookie" and f.evidence["purposes"] == [] and "2 vendors (91 and 755)" in f.message


@pytest.mark.parametrize("record", [tcf(), tcf(li=[11]), None])
def test_a_clean_refusal_fires_no_tcf_rule(record: dict[str, Any] | None) -> None:
    result = make_result(reject=with_tcf(make_state("reject"), record))
    assert signal_findings(result) == []


def test_tcf_rules_judge_only_the_refusal() -> None:
    """Consent after accept, or before any choice, is not a refusal ignored; a reject state that does not
    apply (no banner) is not judged either."""
    everything = tcf(list(range(1, 12)), [2, 7, 8, 9, 10], [32, 755])
    result = make_result(before=with_tcf(make_state(), everything), accept=with_tcf(make_state("accept"), everything),
                         reject=dataclasses.replace(with_tcf(make_state("reject"), everything), applicable=False))
    assert signal_findings(result) == []


def test_tcf_legitimate_interest() -> None:
    result = make_result(reject=with_tcf(make_state("reject"), tcf(li=[1, 2, 3, 7, 11])))
    assert signal_findings(result) == [("tcf-legitimate-interest", "reject", "TC string")]
    [f] = [f for f in run(result) if f.rule == "tcf-legitimate-interest"]
    assert f.severity == "medium"
    assert f.evidence["purposes"] == [purpose_label(p) for p in (2, 3, 7)]  # 1 and 11 are not tracking purposes
    assert f.evidence["not_allowed_by_tcf"] == [purpose_label(p) for p in (1, 3)]
    assert "purposes 2, 3 and 7" in f.message


def test_the_state_s_own_signal_is_the_one_shown() -> None:
    """The state's signal (its last page's) is the evidence when it breaks the rule, whatever the order."""
    own = tcf([1], vendors=[9], page=ABOUT)
    reject = dataclasses.replace(with_tcf(make_state("reject"), tcf([1]), own), tcf=own)
    [f] = [f for f in run(make_result(reject=reject)) if f.rule == "tcf-consent-after-reject"]
    assert (f.evidence["page"], f.evidence["vendors"]) == (ABOUT, [9])


def test_the_state_s_own_signal_counts_when_pages_have_none() -> None:
    reject = dataclasses.replace(make_state("reject"), tcf=tcf([1], page=ABOUT))
    [f] = [f for f in run(make_result(reject=reject)) if f.rule == "tcf-consent-after-reject"]
    assert f.evidence["page"] == ABOUT


def test_consent_mode_granted_before_choice() -> None:
    granted = make_request(hit("11t1t1p1p5", "G111"), resource_type="ping")
    denied = make_request(hit("11p1p1p1p5", "G100"), resource_type="ping")
    assert signal_findings(make_result(before=make_state(requests=[denied]))) == []
    result = make_result(before=make_state(requests=[denied, granted, granted]))
    assert signal_findings(result) == [("consent-mode-granted-before-choice", "before", "google-analytics.com")]
    [f] = [f for f in run(result) if f.rule == "consent-mode-granted-before-choice"]
    ev = f.evidence
    assert ev["granted"] == ["ad_storage", "analytics_storage"] and ev["count"] == 2
    assert ev["signals"] == {"ad_storage": "granted (default)", "analytics_storage": "granted (default)",
                             "ad_user_data": "denied (default)", "ad_personalization": "denied (default)"}
    assert (ev["gcs"], ev["gcd"], ev["page"], ev["kind"]) == ("G111", "11t1t1p1p5", HOME, "ga4")
    assert ev["url"] == granted.url
    assert "ad_storage and analytics_storage are granted before any consent choice (2 requests)." in f.message


def test_consent_mode_after_reject_counts_what_was_sent_after_the_choice() -> None:
    """On the page where reject was clicked, a hit carrying only the defaults was sent before the click;
    a hit with an update, or any hit of a later page, was sent after it."""
    default_granted = make_request(hit("11t1t1t1t5"), resource_type="ping")
    update_granted = make_request(hit("11r1r1p1p5"), resource_type="ping")
    update_denied = make_request(hit("11u1u1u1u5"), resource_type="ping")

    def reject(*pages: list[Any]) -> ScanResult:
        urls = [HOME, ABOUT]
        visits = [make_page(urls[i], "reject", requests=reqs) for i, reqs in enumerate(pages)]
        return make_result(reject=make_state("reject", pages=visits))

    assert signal_findings(reject([default_granted, update_denied], [update_denied])) == []
    assert signal_findings(reject([update_denied], [default_granted])) == [
        ("consent-mode-granted-after-reject", "reject", "google-analytics.com")]
    assert signal_findings(reject([update_granted])) == [
        ("consent-mode-granted-after-reject", "reject", "google-analytics.com")]
    st = classify(reject([default_granted, update_denied], [update_denied]), KNOWN).states["reject"]
    assert consent_mode_by_state(st) == ({s: ["denied (update)"] for s in SIGNALS}, 2)


# -- the report section ---------------------------------------------------------------------------------------

XSS = '<script>alert("x")</script>'


def signals_result() -> ScanResult:
    before = make_state(requests=[make_request(hit("11p1p1p1p5", "G100"), resource_type="ping")])
    accept = make_state("accept", requests=[make_request(hit("11r1r1r1r5", "G111"), resource_type="ping")])
    record = tcf([1, 3], [2, 7], [755, 91], event_status=XSS, page=HOME + "?q=" + XSS)
    page = dataclasses.replace(make_page(HOME, "reject", requests=[make_request(hit("11q1q1q1q5", "G100"))]), tcf=record)
    reject = make_state("reject", pages=[page])
    reject = dataclasses.replace(reject, tcf=record)
    accept = dataclasses.replace(accept, tcf=tcf(list(range(1, 12)), [2], [32, 91, 755, 1001]))
    return classify(make_result(before=before, accept=accept, reject=reject), KNOWN)


def _section(page: str) -> str:
    start = page.index('<section class="block" id="signals"')
    return page[start:page.index("</section>", start)]


def test_report_section_with_signals(tmp_path: Path) -> None:
    page = render(signals_result(), "html", ReportOptions(base_dir=tmp_path))
    assert '<a href="#signals">' in page
    sec = _section(page)
    assert "What the site told ad tech" in sec and XSS not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in sec  # the site's text, escaped
    # TCF per state: the platform, purposes with consent and under legitimate interest, vendors
    assert "No TCF signal on the pages of this state." in sec  # before
    assert "CMP 10 v3" in sec and "3: Create profiles for personalised advertising" in sec
    assert '<div class="no">7: Measure advertising performance</div>' in sec  # LI after reject, flagged
    assert '<strong class="no">2</strong>' in sec and "91, 755" in sec
    # Consent Mode: state x signal, default/update
    assert sec.count("denied (default)") == 4 and sec.count("granted (update)") == 4
    assert sec.count("denied (update)") == 4


def test_report_section_flags_granted_before_choice(tmp_path: Path) -> None:
    result = classify(make_result(before=make_state(requests=[make_request(hit("11t1t1p1p5", "G111"))])), KNOWN)
    sec = _section(render(result, "html", ReportOptions(base_dir=tmp_path)))
    assert sec.count('<div class="no">granted (default)</div>') == 2 and "No Google request" not in sec
    assert "No page answered" in sec


def test_report_section_absent_without_signals(tmp_path: Path) -> None:
    result = classify(make_result(before=make_state(requests=[make_request(GA)]), reject=make_state("reject")), KNOWN)
    assert signals_view(result, ["before", "reject"]) is None
    page = render(result, "html", ReportOptions(base_dir=tmp_path))
    assert 'id="signals"' not in page and '<a href="#signals">' not in page
    assert "What the site told ad tech" not in render(result, "md")


def test_markdown_lines() -> None:
    md = render(signals_result(), "md")
    assert "### What the site told ad tech" in md
    assert "| TCF purposes with consent | — | 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 | 1, 3 |" in md
    assert "| TCF vendors with consent | — | 4 | 2 |" in md
    assert "| Consent Mode ad\\_storage | denied (default) | granted (update) | denied (update) |" in md
    assert XSS not in md
