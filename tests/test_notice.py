"""Reading written cookie notices and checking a scan against them (pure: no browser)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from cookiescan import known
from cookiescan.errors import UsageError
from cookiescan.models import (
    SCHEMA_VERSION,
    BannerResult,
    Cookie,
    PageVisit,
    RequestRecord,
    ScanResult,
    StateResult,
    ThirdParty,
    ToolInfo,
)
from cookiescan.notice import (
    NOTICE_RULE_INFO,
    Notice,
    load_notice,
    notice_findings,
    read_notice,
)

NOTICES = Path(__file__).parent / "fixtures" / "notices"
HOME = "https://shop.test/"
PRODUCT = "https://shop.test/product"


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


# -- reading --------------------------------------------------------------------------------------


def test_fr_notice_vendors_promises_refusal_categories(fr: Notice) -> None:
    """Guards the French reading: processors named in prose, the URL and 'annexe X' ignored, nav/script gone."""
    assert fr.language == "fr"
    assert fr.vendor_names == ("Google Analytics", "Hotjar", "New Relic")
    assert [(p.days, p.scope) for p in fr.lifetimes] == [(395.72, "cookies"), (761.0, "data"), (182.64, "consent")]
    assert fr.lifetimes[0].text == "plus de 13 mois"
    assert "ne sont pas conservés plus de 13 mois" in fr.lifetimes[0].evidence.sentence
    assert fr.cookie_promise() == fr.lifetimes[0]
    assert fr.refusal_cookie is not None and "cookie de refus" in fr.refusal_cookie.sentence
    assert dict(fr.categories).keys() == {"analytics", "functional"}
    assert fr.notes == ()
    # Non-breaking spaces and typographic apostrophes are normalised in the evidence.
    assert all("\u00a0" not in m.evidence.sentence for m in fr.vendors)


def test_en_notice_meta_google_company_and_x_rule(en: Notice) -> None:
    """Guards: 'Facebook pixel'/'Meta Pixel' -> Meta, bare 'Google' -> the company, a negated X not named,
    'section x' never Twitter."""
    assert en.language == "en"
    assert en.vendor_names == ("Meta", "Google")
    assert [(p.days, p.scope) for p in en.lifetimes] == [(365.28, "cookies"), (761.0, "data")]
    assert en.lifetimes[0].text == "no longer than 12 months"
    assert en.refusal_cookie is not None and "recording your refusal" in en.refusal_cookie.sentence
    assert dict(en.categories).keys() == {"marketing"}
    assert any("X (Twitter)" in n and "not used" in n for n in en.notes)


def test_none_notice_has_the_note(none: Notice) -> None:
    """Guards: common words ('here', 'test', 'companies') never become vendors; the note says so."""
    assert none.vendors == ()
    assert "no vendors recognised" in none.notes
    assert none.refusal_cookie is None
    assert none.lifetimes == ()


@pytest.mark.parametrize(
    ("text", "vendors"),
    [
        ("Nous intégrons des vidéos Google/YouTube.", ("Google", "YouTube")),
        ("Les données sont transmises à X (ex-Twitter).", ("X (Twitter)",)),
        ("Le responsable est X Corp.", ("X (Twitter)",)),
        ("Voir le point X ci-dessous, et la lettre x.", ()),
        ("Les méta-données ne sont jamais vendues.", ()),
        ("Advanced Magnetic Interaction publie ce site.", ()),
        ("We use Google Analytics and Google Tag Manager.", ("Google Analytics", "Google Tag Manager")),
        ("Nous n'utilisons pas Hotjar.", ()),
        ("Opt out at https://tools.google.com/dlpage/gaoptout now.", ()),
    ],
)
def test_vendor_matching_edge_cases(text: str, vendors: tuple[str, ...], trackers: known.KnownTrackers) -> None:
    """Guards the false hits a regulator would never make."""
    assert read_notice(text, "t", trackers).vendor_names == vendors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nos cookies sont conservés 13 mois maximum.", [(395.72, "cookies")]),
        ("Ces traceurs ont une durée de vie de 13 mois au plus.", [(395.72, "cookies")]),
        ("Les cookies expirent après 13 mois, et les données sont gardées 25 mois.",
         [(395.72, "cookies"), (761.0, "data")]),
        ("Le cookie _gid est conservé pendant 24 heures.", [(1.0, "specific")]),
        ("Votre refus est enregistré pendant 6 mois.", [(182.64, "refusal")]),
        ("We keep your choice for six months.", [(182.64, "consent")]),
        ("Cookies are refreshed once a month.", []),
        ("You will get an answer within one month of your request.", []),
    ],
)  # fmt: skip
def test_lifetime_scopes(text: str, expected: list[tuple[float, str]], trackers: known.KnownTrackers) -> None:
    """Guards the scope of a promise: data retention and choice memory never judge cookies."""
    assert [(p.days, p.scope) for p in read_notice(text, "t", trackers).lifetimes] == expected


def test_pronoun_takes_the_previous_sentence_scope(trackers: known.KnownTrackers) -> None:
    n = read_notice("Nous déposons des cookies de mesure d'audience. Ils ne sont pas conservés au-delà de 13 mois.",
                    "t", trackers)  # fmt: skip
    assert [(p.days, p.scope, p.evidence.position) for p in n.lifetimes] == [(395.72, "cookies", 1)]


def test_sentence_split_french_typography(trackers: known.KnownTrackers) -> None:
    """Guards splitting on « », ’, non-breaking spaces and abbreviations."""
    text = "Qu\u2019est-ce qu\u2019un cookie\u00a0? C\u2019est un fichier «\u00a0texte\u00a0». Ex. Hotjar, etc. Fin."
    n = read_notice(text, "t", trackers)
    assert n.vendors[0].evidence.position == 2
    assert n.vendors[0].evidence.sentence == "Ex. Hotjar, etc. Fin."


def test_long_sentence_is_trimmed_around_the_fact(trackers: known.KnownTrackers) -> None:
    text = "Nous utilisons " + "des outils variés, " * 60 + "dont Hotjar pour les sondages."
    ev = read_notice(text, "t", trackers).vendors[0].evidence
    assert len(ev.sentence) <= 400 and "Hotjar" in ev.sentence


def test_refusal_phrasings(trackers: known.KnownTrackers) -> None:
    for text in ("Un cookie de refus est déposé.", "We store your choice.", "Votre choix est conservé.",
                 "A cookie recording your refusal is set."):  # fmt: skip
        assert read_notice(text, "t", trackers).refusal_cookie is not None, text
    assert read_notice("You may refuse cookies.", "t", trackers).refusal_cookie is None


def test_load_notice_errors(tmp_path: Path) -> None:
    """Guards one-line UsageErrors for every unreadable input."""
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "n.pdf").write_text("x")
    for path in (tmp_path / "missing.html", tmp_path, tmp_path / "empty.txt", tmp_path / "n.pdf"):
        with pytest.raises(UsageError) as err:
            load_notice(path)
        assert "\n" not in err.value.message


def test_to_dict_is_json(fr: Notice) -> None:
    d = json.loads(json.dumps(fr.to_dict()))
    assert d["vendors"][0]["vendor"] == "Google Analytics"
    assert d["categories"][0]["category"] == "functional"
    assert d["cookie_promise_days"] == 395.72


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
        assert f.rule in NOTICE_RULE_INFO
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
    n = read_notice("Nos cookies sont conservés au maximum 2 ans.", "t", trackers)
    result = replace(scan(), states={})
    assert [f.rule for f in notice_findings(result, n, trackers, cap_days=396)] == ["notice-lifetime-over-cap"]
    assert notice_findings(result, n, trackers) == ()


def test_rule_info_complete() -> None:
    for info in NOTICE_RULE_INFO.values():
        assert set(info) == {"title", "severity", "explanation", "legal_basis"}
