"""Reading written cookie notices (pure: no browser): vendors, lifetime promises and their scope, the refusal
sentence, categories, sentences and evidence. Holding a scan to a notice: tests/test_rules_notice.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cookiescan import known
from cookiescan.errors import UsageError
from cookiescan.notice import Notice, load_notice, read_notice

NOTICES = Path(__file__).parent / "fixtures" / "notices"


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



# -- reading --------------------------------------------------------------------------------------


def test_fr_notice_vendors_promises_refusal_categories(fr: Notice) -> None:
    """Guards the French reading: processors named in prose, the URL and 'annexe X' ignored, nav/script gone."""
    assert fr.language == "fr"
    assert fr.vendor_names == ("Google Analytics", "Hotjar", "New Relic")
    # issue 14: "les données statistiques collectées grâce à ces cookies" is data collected via cookies
    assert [(p.days, p.scope) for p in fr.lifetimes] == [(395.72, "cookies"), (761.0, "cookie-data"),
                                                         (182.64, "consent")]
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


# -- promises about the data collected via cookies (issue 14) -------------------------------------


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Personal data collected via cookies are never stored longer than necessary to achieve the purpose of "
         "the cookie, and in no case longer than 13 months.", [(395.72, "cookie-data")]),
        ("Les informations déposées par ces cookies ne sont jamais conservées plus de 13 mois.",
         [(395.72, "cookie-data")]),
        ("Les données de nos clients sont conservées 3 ans.", [(1095.75, "data")]),
        ("Les cookies expirent après 13 mois, et les données sont gardées 25 mois.",
         [(395.72, "cookies"), (761.0, "data")]),
        ("Nous utilisons des cookies de mesure d'audience. Les données ainsi collectées sont conservées 13 mois "
         "au plus.", [(395.72, "cookie-data")]),
    ],
)  # fmt: skip
def test_data_collected_via_cookies_is_its_own_scope(text: str, expected: list[tuple[float, str]],
                                                     trackers: known.KnownTrackers) -> None:
    """Guards the new scope: data retention whose subject is data collected via cookies judges cookies (low);
    any other data retention does not."""
    assert [(p.days, p.scope) for p in read_notice(text, "t", trackers).lifetimes] == expected


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the real notices (../shared/seeds) are not available")
def test_real_french_company_notices(trackers: known.KnownTrackers) -> None:
    """The seeds: one promises that data collected via cookies is kept at most 13 months (and that Meta's
    cookie lasts two years: that one cookie, not a ceiling); the other keeps customer data three years,
    which says nothing about cookies."""
    ami = load_notice(SEEDS / "003_589a2c19098dba52.txt", trackers)
    assert [(p.days, p.scope) for p in ami.lifetimes] == [(730.5, "specific"), (395.72, "cookie-data")]
    assert ami.data_promise() is not None and ami.data_promise().text == "longer than 13 months"  # type: ignore[union-attr]
    assert ami.cookie_promise() is None and ami.refusal_cookie is not None
    assert ami.to_dict()["data_promise_days"] == 395.72
    ama = load_notice(SEEDS / "000_a14ec14d0109e27f.txt", trackers)
    assert [(p.days, p.scope) for p in ama.lifetimes] == [(1095.75, "data")]
    assert ama.data_promise() is None and ama.cookie_promise() is None
