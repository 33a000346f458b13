"""Tests for cookiescan.declared: durations, categories, declared files, policy-page tables, matching.

Pure tests: no browser, no network. Policy pages are local fixtures in tests/fixtures/policies/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cookiescan.declared import (
    LOADERS,
    DeclaredCookie,
    DeclaredList,
    extract_from_html,
    load_declared_file,
    normalise_category,
)
from cookiescan.errors import DeclaredListError
from cookiescan.units import DAYS_PER_MONTH, DAYS_PER_YEAR, parse_duration

POLICIES = Path(__file__).parent / "fixtures" / "policies"
MONTH = DAYS_PER_MONTH
YEAR = DAYS_PER_YEAR
HOUR = 1 / 24
MINUTE = 1 / 1440


# --------------------------------------------------------------------------------------------
# parse_duration
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # session, in several languages
        ("Session", 0),
        ("session", 0),
        ("durée de la session", 0),
        ("Sitzung", 0),
        ("sesión", 0),
        ("sessione", 0),
        ("Ende der Browsersitzung", 0),
        ("Expires at the end of the session", 0),
        # French
        ("13 mois", 13 * MONTH),
        ("1 an", YEAR),
        ("2 ans", 2 * YEAR),
        ("24 heures", 1),
        ("7 jours", 7),
        ("1 semaine", 7),
        ("1,5 an", 1.5 * YEAR),
        ("12 mois maximum", 12 * MONTH),
        ("jusqu'à 13 mois", 13 * MONTH),
        ("jusqu’à 13 mois", 13 * MONTH),  # typographic apostrophe
        ("un an", YEAR),
        ("1 an et 6 mois", YEAR + 6 * MONTH),
        ("30j", 30),
        # English
        ("6 months", 6 * MONTH),
        ("2 years", 2 * YEAR),
        ("30 minutes", 30 * MINUTE),
        ("1 day", 1),
        ("2 weeks", 14),
        ("365 days", 365),
        ("1 year 1 month", YEAR + MONTH),
        ("1 year, 1 month", YEAR + MONTH),
        ("13 months", 13 * MONTH),
        ("up to a year", YEAR),
        ("24h", 1),
        ("13-month", 13 * MONTH),
        ("1.5 years", 1.5 * YEAR),
        # German
        ("1 Jahr", YEAR),
        ("13 Monate", 13 * MONTH),
        ("24 Stunden", 1),
        ("30 Minuten", 30 * MINUTE),
        ("2 Jahre und 3 Monate", 2 * YEAR + 3 * MONTH),
        ("einen Monat", MONTH),
        # Spanish, Italian, Dutch
        ("1 año", YEAR),
        ("13 mesi", 13 * MONTH),
        ("13 maanden", 13 * MONTH),
        # the same duration said twice
        ("13 mois (395 jours)", 13 * MONTH),
        ("364 days, 364 days", 364),
    ],
)
def test_parse_duration_reads_amounts_and_sessions(text: str, days: float) -> None:
    assert parse_duration(text) == pytest.approx(days)


def test_parse_duration_month_and_year_lengths() -> None:
    # RULES.md: 13 months is ≈ 395-396 days (calendar months, month = 30.44 d), not 390 or 400.
    assert 395 <= parse_duration("13 months") <= 396  # type: ignore[operator]
    assert parse_duration("1 year") == pytest.approx(365.25)
    assert parse_duration("12 months") == pytest.approx(parse_duration("1 year"), abs=0.1)


@pytest.mark.parametrize(
    "text",
    [
        "Persistent",
        "persistant",
        "Permanent",
        "395",  # no unit
        "0",
        "",
        "   ",
        "jusqu’à la fin des temps",
        "6-12 months",  # a range
        "de 6 à 12 mois",
        "between 1 and 2 years",
        "1 day / 2 years",  # alternatives that disagree
        "1 an ou 13 mois",
        "Session / 30 minutes",
        "Session or 1 year",
        "1,000 days",  # thousands separator or decimal comma?
        "expires 31/12/2026",
        "13 m",  # minutes or months?
        "und",  # "un" + "d" is not "1 day"
    ],
)
def test_parse_duration_refuses_to_guess(text: str) -> None:
    assert parse_duration(text) is None


# --------------------------------------------------------------------------------------------
# normalise_category
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("nécessaire", "necessary"),
        ("Strictement nécessaires", "necessary"),
        ("Cookies nécessaires au fonctionnement du site", "necessary"),
        ("Strictly Necessary Cookies", "necessary"),
        ("essential", "necessary"),
        ("notwendig", "necessary"),
        ("Technisch erforderlich", "necessary"),
        ("strictly_necessary", "necessary"),
        ("fonctionnel", "functional"),
        ("Functional Cookies", "functional"),
        ("Präferenzen", "functional"),
        ("Personnalisation", "functional"),
        ("mesure d'audience", "analytics"),
        ("Mesure d’audience", "analytics"),
        ("statistiques", "analytics"),
        ("analytique", "analytics"),
        ("Statistik", "analytics"),
        ("Performance Cookies", "analytics"),
        ("publicité", "marketing"),
        ("marketing", "marketing"),
        ("ciblage", "marketing"),
        ("réseaux sociaux", "marketing"),
        ("Targeting Cookies", "marketing"),
        ("Werbung", "marketing"),
        ("Publicité et personnalisation", "marketing"),  # the most invasive wins
        ("Mesure d'audience, sans publicité", "analytics"),  # negated words do not count
        ("Cookies non essentiels", "unknown"),
        ("First Party", "unknown"),
        ("Autres", "unknown"),
    ],
)
def test_normalise_category(text: str, category: str) -> None:
    assert normalise_category(text) == category


# --------------------------------------------------------------------------------------------
# Files: happy paths
# --------------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_happy_path_with_patterns_and_extra_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cookies.csv",
        "Name,Domain,Category,Lifetime,Provider,Notes\n"
        "_ga,.example.com,Mesure d'audience,13 mois,Google,\n"
        "_ga_*,.example.com,analytics,13 months,Google,GA4 container\n"
        'cart,shop.example.com,Strictement nécessaire,"1,5 an",,\n'
        "\n"
        "_hjSessionUser_<site id>,,statistiques,1 year,Hotjar,heatmaps\n",
    )
    declared = load_declared_file(path)
    assert declared.source == str(path)
    assert declared.warnings == ()
    assert [e.name for e in declared.entries] == ["_ga", "_ga_*", "cart", "_hjSessionUser_<site id>"]
    ga, ga4, cart, hotjar = declared.entries
    assert ga == DeclaredCookie(
        name="_ga",
        pattern=False,
        domain=".example.com",
        category="analytics",
        category_text="Mesure d'audience",
        lifetime_days=pytest.approx(13 * MONTH),  # type: ignore[arg-type]
        lifetime_text="13 mois",
        provider="Google",
        source=f"{path}:row 2",
    )
    assert ga4.pattern is True
    assert ga4.extra == (("Notes", "GA4 container"),)
    assert cart.category == "necessary"
    assert cart.domain == "shop.example.com"
    assert cart.lifetime_days == pytest.approx(1.5 * YEAR)
    assert cart.provider is None
    assert hotjar.pattern is True
    assert hotjar.domain is None
    assert hotjar.source == f"{path}:row 6"  # rows count lines, header included, blank lines too


def test_csv_accepts_synonyms_semicolons_and_bom(tmp_path: Path) -> None:
    # A French spreadsheet export: ";" separator, BOM, French/other headers.
    path = _write(
        tmp_path,
        "export.csv",
        "\ufeffCookie;Expiry;Vendor;Purpose;Host\n"
        "_fbp;3 mois;Meta;Publicité ciblée;.example.fr\n"
        "PHPSESSID;Session;;Panier;\n",
    )
    fbp, session = load_declared_file(path).entries
    assert (fbp.name, fbp.lifetime_days, fbp.provider, fbp.category, fbp.domain) == (
        "_fbp",
        pytest.approx(3 * MONTH),
        "Meta",
        "marketing",
        ".example.fr",
    )
    assert session.lifetime_days == 0
    assert session.category == "unknown"  # "Panier" names no category
    assert session.category_text == "Panier"


def test_csv_days_column_reads_plain_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "days.csv", "name,lifetime_days\n_ga,400\n")
    (ga,) = load_declared_file(path).entries
    assert ga.lifetime_days == 400
    assert ga.lifetime_text == "400"


def test_csv_unparseable_duration_is_kept_as_text_with_a_warning(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.csv",
        "name,category,lifetime\n_ga,analytics,13 months\ntracker,Autres catégories,jusqu’à la fin des temps\n",
    )
    declared = load_declared_file(path)
    tracker = declared.entries[1]
    assert tracker.lifetime_days is None
    assert tracker.lifetime_text == "jusqu’à la fin des temps"
    assert declared.warnings == (
        'row 3: unknown category "Autres catégories" — kept as unknown',
        'row 3: cannot parse duration "jusqu’à la fin des temps" — kept as text',
    )


def test_yaml_happy_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cookies.yml",
        "# our cookies\n"
        "cookies:\n"
        "  - name: _ga\n"
        "    domain: .example.com\n"
        "    category: analytics\n"
        "    lifetime: 13 months\n"
        "    provider: Google\n"
        "  - name: _hjSession_*\n"
        "    category: Statistiques\n"
        "    lifetime: 0.02\n"  # a number is days
        "    owner_team: growth\n"
        "  - cookie_consent\n"
        "  - name: _pk_id.\n"
        "    pattern: true\n"
        "    duration: 395\n",
    )
    declared = load_declared_file(path)
    ga, hj, consent, pk = declared.entries
    assert (ga.name, ga.domain, ga.category, ga.lifetime_text, ga.provider, ga.source) == (
        "_ga",
        ".example.com",
        "analytics",
        "13 months",
        "Google",
        f"{path}:line 3",
    )
    assert hj.pattern is True
    assert hj.lifetime_days == 0.02
    assert hj.lifetime_text == "0.02"
    assert hj.extra == (("owner_team", "growth"),)
    assert hj.source == f"{path}:line 8"
    assert (consent.name, consent.category, consent.lifetime_text) == ("cookie_consent", None, None)
    assert pk.pattern is True  # flagged: a prefix
    assert pk.lifetime_days == 395
    assert pk.matches("_pk_id.1.a1b2")
    assert declared.warnings == ()


def test_json_happy_path_with_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cookies.json",
        json.dumps(
            [
                {"name": "_ga", "lifetime": "2 years", "category": "Analytics", "provider": "Google"},
                {"name": "_gat_UA-XXXXX-1", "lifetime": 0.0007, "purpose": "throttling"},
            ],
            indent=2,
        ),
    )
    ga, gat = load_declared_file(path).entries
    assert ga.lifetime_days == pytest.approx(2 * YEAR)
    assert ga.source == f"{path}:line 2"
    assert gat.pattern is True
    assert gat.matches("_gat_UA-123456-1")
    assert gat.category == "unknown"
    assert gat.source == f"{path}:line 8"


def test_json_mapping_with_cookies_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.json", '{"cookies": [{"Name": "a", "Expiry": "1 day", "Vendor": "V"}]}')
    (a,) = load_declared_file(path).entries
    assert (a.name, a.lifetime_days, a.provider) == ("a", 1, "V")


# --------------------------------------------------------------------------------------------
# Files: malformed input names the file and the row/line
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("nohead.csv", "_ga,.example.com,analytics,13 months,Google\n", ["row 1", "no header row"]),
        (
            "noname.csv",
            "domain,category,lifetime\n.example.com,analytics,1 day\n",
            ["row 1", "'name' column"],
        ),
        (
            "short.csv",
            "name,domain,category,lifetime,provider\n_ga,.example.com,analytics,13 months,Google\n"
            "_gid,.example.com,analytics\n",
            ["row 3", "expected 5 fields", "found 3"],
        ),
        (
            "comma.csv",  # an unquoted "1,5 an" splits into two fields
            "name,category,lifetime\nx,analytics,1,5 an\n",
            ["row 2", "expected 3 fields", "found 4"],
        ),
        ("blankname.csv", "name,category\n_ga,analytics\n,analytics\n", ["row 3", "no cookie name"]),
        ("headeronly.csv", "name,domain,category,lifetime,provider\n", ["declares no cookies"]),
        ("empty.csv", "", ["declares no cookies"]),
        (
            "bad.yaml",
            "cookies:\n  - name: _ga\n    lifetime: 13 months\n   - name: _gid\n",
            ["line 4", "YAML syntax error"],
        ),
        ("tab.yml", "cookies:\n  - name: [_ga\n", ["line 3", "YAML syntax error"]),
        (
            "noname.yaml",
            "cookies:\n  - name: _ga\n  - domain: .example.com\n    lifetime: 1 day\n",
            ["line 3", "entry has no name"],
        ),
        ("nullname.yml", "- name:\n  lifetime: 1 day\n", ["line 1", "entry has no name"]),
        ("empty.yaml", "cookies: []\n", ["declares no cookies"]),
        ("nothing.yaml", "# nothing yet\n", ["declares no cookies"]),
        ("wrongkey.yaml", "cookie_list:\n  - name: a\n", ["'cookies' key"]),
        ("scalar.yaml", "cookies:\n  - _ga\n  - [a, b]\n", ["line 3", "expected a mapping"]),
        (
            "bad.json",
            '[\n  {"name": "_ga"},\n  {"name": "_gid",}\n]\n',
            ["line 3, column 19", "JSON syntax error"],
        ),
        (
            "noname.json",
            '[\n  {"name": "_ga"},\n  {"lifetime": "1 day"}\n]\n',
            ["line 3", "entry has no name"],
        ),
        ("empty.json", "[]", ["declares no cookies"]),
        ("list.txt", "_ga\n", ["unsupported file type", "'.txt'"]),
    ],
)
def test_malformed_files_raise_with_file_and_position(
    tmp_path: Path, filename: str, content: str, expected: list[str]
) -> None:
    path = _write(tmp_path, filename, content)
    with pytest.raises(DeclaredListError) as info:
        load_declared_file(path)
    message = info.value.message
    assert filename in message
    assert "\n" not in message
    for part in expected:
        assert part in message
    if not filename.endswith(".txt"):
        assert info.value.hint


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DeclaredListError, match=r"nope\.csv: file not found") as info:
        load_declared_file(tmp_path / "nope.csv")
    assert info.value.hint


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "latin.csv", "name,category\n_ga,analytics\nprefs,préférences\n", "latin-1")
    with pytest.raises(DeclaredListError, match=r"latin\.csv: line 3: not UTF-8") as info:
        load_declared_file(path)
    assert "UTF-8" in (info.value.hint or "")


# --------------------------------------------------------------------------------------------
# Policy pages
# --------------------------------------------------------------------------------------------


def _summary(declared: DeclaredList) -> list[tuple[object, ...]]:
    """Each entry as a tuple, lifetime rounded so the expectations read as arithmetic."""
    return [
        (
            e.name,
            e.pattern,
            e.domain,
            e.category,
            e.category_text,
            None if e.lifetime_days is None else round(e.lifetime_days, 4),
            e.lifetime_text,
            e.provider,
            e.source.split("#", 1)[1],
            e.extra,
        )
        for e in declared.entries
    ]


def _days(value: float) -> float:
    return round(value, 4)


def test_french_policy_with_category_headings() -> None:
    url = "https://fromagerie.example/cookies"
    declared = extract_from_html((POLICIES / "fr_politique_cookies.html").read_text("utf-8"), url)
    assert declared.source == url
    necessary = "Cookies strictement nécessaires"
    audience = "Cookies de mesure d’audience"
    ads = "Cookies publicitaires et réseaux sociaux"
    us = "La Fromagerie du Marais"
    fin = "Finalité"
    assert _summary(declared) == [
        ("fdm_consent", False, None, "necessary", necessary, _days(6 * MONTH), "6 mois", us,
         "table 1 row 1", ((fin, "Conserve vos choix en matière de traceurs"),)),
        ("PHPSESSID", False, None, "necessary", necessary, 0, "Session", us,
         "table 1 row 2", ((fin, "Maintient votre panier pendant la visite"),)),
        ("__cf_bm", False, None, "necessary", necessary, _days(30 * MINUTE), "30 minutes", "Cloudflare",
         "table 1 row 3", ((fin, "Protection contre les robots"),)),
        ("_ga", False, None, "analytics", audience, _days(13 * MONTH), "13 mois", "Google Ireland Ltd",
         "table 2 row 1", ((fin, "Distinguer les visiteurs et compter les visites"),)),
        ("_ga_<ID>", True, None, "analytics", audience, _days(13 * MONTH), "13 mois", "Google Ireland Ltd",
         "table 2 row 1", ((fin, "Distinguer les visiteurs et compter les visites"),)),
        ("_pk_id.*", True, None, "analytics", audience, _days(13 * MONTH), "jusqu’à 13 mois", us,
         "table 2 row 2", ((fin, "Statistiques de fréquentation"),)),
        ("_hjSessionUser_xxx", True, None, "analytics", audience, _days(YEAR), "1 an", "Hotjar Ltd",
         "table 2 row 3", ((fin, "Identifiant de l’utilisateur pour les cartes de chaleur"),)),
        ("_fbp", False, None, "marketing", ads, _days(3 * MONTH), "3 mois", "Meta Platforms Ireland",
         "table 3 row 1", ((fin, "Afficher des publicités ciblées sur Facebook et Instagram"),)),
        ("fr", False, None, "marketing", ads, _days(3 * MONTH), "3 mois", "Meta Platforms Ireland",
         "table 3 row 1", ((fin, "Afficher des publicités ciblées sur Facebook et Instagram"),)),
        # the heading, not the purpose prose ("performance" = analytics), gives the category
        ("IDE", False, None, "marketing", ads, _days(13 * MONTH), "13 mois", "Google (DoubleClick)",
         "table 3 row 2", ((fin, "Mesurer la performance des annonces"),)),
        ("visitor_id42", False, None, "marketing", ads, None, "jusqu’à la fin des temps", "Salesforce Pardot",
         "table 3 row 3", ((fin, "Suivi des formulaires de contact"),)),
    ]  # fmt: skip
    # the data-retention and contact tables are not cookie tables
    assert declared.warnings == ('table 3 row 3: cannot parse duration "jusqu’à la fin des temps" — kept as text',)


def test_english_onetrust_style_policy() -> None:
    url = "https://www.northwind-travel.com/cookie-notice"
    declared = extract_from_html((POLICIES / "en_onetrust_cookie_list.html").read_text("utf-8"), url)
    site = "www.northwind-travel.com"
    ga_domain = ".northwind-travel.com"
    nec, perf, func, target = (
        "Strictly Necessary Cookies",
        "Performance Cookies",
        "Functional Cookies",
        "Targeting Cookies",
    )

    def ex(description: str, party: str) -> tuple[tuple[str, str], ...]:
        return (("Description", description), ("Type", party))

    assert _summary(declared) == [
        ("OptanonConsent", False, site, "necessary", nec, 364, "364 days", None,
         "table 1 row 1", ex("Stores the visitor's consent choices.", "First Party")),
        ("OptanonAlertBoxClosed", False, site, "necessary", nec, 364, "364 days", None,
         "table 1 row 2", ex("Records that the banner was closed.", "First Party")),
        ("__cf_bm", False, ".hubspot.com", "necessary", nec, _days(30 * MINUTE), "30 minutes", None,
         "table 1 row 3", ex("Bot management by Cloudflare.", "Third Party")),
        ("_ga_XXXXXXXXXX", True, ga_domain, "analytics", perf, _days(YEAR + MONTH), "1 year 1 month", None,
         "table 2 row 1", ex("Persists session state for Google Analytics 4.", "First Party")),
        ("_gid", False, ga_domain, "analytics", perf, 1, "1 day", None,
         "table 2 row 2", ex("Distinguishes users.", "First Party")),
        ("_hjSession_*", True, ga_domain, "analytics", perf, _days(30 * MINUTE), "30 minutes", None,
         "table 2 row 3", ex("Holds current session data for Hotjar.", "First Party")),
        ("lang", False, ".ads.linkedin.com", "functional", func, 0, "Session", None,
         "table 3 row 1", ex("Remembers the selected language.", "Third Party")),
        ("IDE", False, ".doubleclick.net", "marketing", target, _days(YEAR + 24), "1 year 24 days", None,
         "table 4 row 1", ex("Ad targeting and measurement.", "Third Party")),
        ("test_cookie", False, ".doubleclick.net", "marketing", target, _days(15 * MINUTE), "15 minutes",
         None,
         "table 4 row 2", ex("Checks whether cookies are supported.", "Third Party")),
        ("YSC", False, ".youtube.com", "marketing", target, 0, "Session", None,
         "table 4 row 3", ex("Tracks views of embedded videos.", "Third Party")),
        ("VISITOR_INFO1_LIVE", False, ".youtube.com", "marketing", target, 180, "180 days", None,
         "table 4 row 4", ex("Estimates bandwidth.", "Third Party")),
        ("bcookie", False, ".linkedin.com", "marketing", target, None, "Persistent", None,
         "table 4 row 5", ex("Browser identifier.", "Third Party")),
    ]  # fmt: skip
    # the "Payment options" table (Name | Type | Fee) is not a cookie table
    assert declared.warnings == ('table 4 row 5: cannot parse duration "Persistent" — kept as text',)


def test_german_policy_with_rowspan_and_per_name_durations() -> None:
    url = "https://baeckerei-sonnenschein.example/datenschutz"
    declared = extract_from_html((POLICIES / "de_datenschutz_cookies.html").read_text("utf-8"), url)
    us = "Eigentümer dieser Website"
    matomo = "Matomo (selbst gehostet)"
    ms = "Microsoft Ireland Operations Ltd"

    def zweck(text: str) -> tuple[tuple[str, str], ...]:
        return (("Zweck", text),)

    # table 1 (Verantwortlicher: Name | Anschrift) is not a cookie table
    assert _summary(declared) == [
        ("borlabs-cookie", False, None, "necessary", "Notwendige Cookies", _days(YEAR), "1 Jahr", us,
         "table 2 row 1", zweck("Speichert die Einwilligungen der Besucher")),
        ("JSESSIONID", False, None, "necessary", "Notwendige Cookies", 0, "Sitzung", us,
         "table 2 row 2", zweck("Hält die Sitzung aufrecht")),
        ("wp-wpml_current_language", False, None, "functional", "Präferenzen", 1, "24 Stunden", us,
         "table 3 row 1", zweck("Speichert die gewählte Sprache")),
        ("_pk_id.*", True, None, "analytics", "Statistik", _days(13 * MONTH), "13 Monate", matomo,
         "table 4 row 1", zweck("Speichert eine eindeutige Besucher-ID")),
        # the provider cell spans two rows
        ("_pk_ses.*", True, None, "analytics", "Statistik", _days(30 * MINUTE), "30 Minuten", matomo,
         "table 4 row 2", zweck("Kurzlebiges Cookie für Besuchsdaten")),
        ("_gcl_au", False, None, "marketing", "Marketing", _days(3 * MONTH), "3 Monate",
         "Google Ireland Limited",
         "table 5 row 1", zweck("Conversion-Messung für Google Ads")),
        # two names, two durations: one each
        ("_uetsid", False, None, "marketing", "Marketing", 1, "1 Tag", ms,
         "table 5 row 2", zweck("Wiedererkennung für Microsoft Advertising")),
        ("_uetvid", False, None, "marketing", "Marketing", _days(13 * MONTH), "13 Monate", ms,
         "table 5 row 2", zweck("Wiedererkennung für Microsoft Advertising")),
    ]  # fmt: skip
    assert declared.warnings == ()


def test_html_category_column_and_in_table_section_rows() -> None:
    html = """
    <h2>Cookies</h2>
    <table>
      <tr><th>Cookie</th><th>Catégorie</th><th>Expiration</th><th>Domaine</th></tr>
      <tr><td colspan="4"><strong>Mesure d'audience</strong></td></tr>
      <tr><td>_ga</td><td></td><td>13 mois</td><td>https://www.example.fr/</td></tr>
      <tr><td>_clck</td><td>Publicité</td><td>1 an</td><td>Clarity, Bing</td></tr>
      <tr><td colspan="4">Cookies techniques</td></tr>
      <tr><td>csrftoken</td><td></td><td>-</td><td></td></tr>
      <tr><td></td><td>Autres</td><td>1 an</td><td></td></tr>
    </table>
    """
    declared = extract_from_html(html, "https://www.example.fr/cookies")
    ga, clck, csrf = declared.entries
    assert (ga.category, ga.category_text, ga.domain) == ("analytics", "Mesure d'audience", "www.example.fr")
    assert (clck.category, clck.category_text, clck.domain) == ("marketing", "Publicité", None)
    assert clck.extra == (("domain", "Clarity, Bing"),)
    assert (csrf.category, csrf.lifetime_days, csrf.lifetime_text) == ("necessary", None, "-")
    assert declared.warnings == (
        'table 1 row 2: domain "Clarity, Bing" is not a host name — matching any domain',
        "table 1 row 4: no cookie name — row skipped",
    )


def test_html_without_cookie_table_raises() -> None:
    html = "<h1>Tarifs</h1><table><tr><th>Nom</th><th>Prix</th></tr><tr><td>Brie</td><td>4 €</td></tr></table>"
    with pytest.raises(DeclaredListError, match=r"^no cookie table found on https://shop\.example/prix$"):
        extract_from_html(html, "https://shop.example/prix")
    with pytest.raises(DeclaredListError, match="no cookie table found"):
        extract_from_html("<p>Nous utilisons des cookies.</p>", "https://shop.example/")


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


def _cookie(name: str, domain: str | None = None, source: str = "test") -> DeclaredCookie:
    from cookiescan.declared import _is_pattern

    return DeclaredCookie(name, _is_pattern(name), domain, None, None, None, None, None, source)


def test_match_exact_beats_pattern_and_longest_pattern_wins() -> None:
    declared = DeclaredList(
        entries=(
            _cookie("_hj*", source="short"),
            _cookie("_hjSessionUser_*", source="long"),
            _cookie("_hjSessionUser_123", source="exact"),
        ),
        source="test",
    )
    assert declared.match("_hjSessionUser_123").source == "exact"  # type: ignore[union-attr]
    assert declared.match("_hjSessionUser_999").source == "long"  # type: ignore[union-attr]
    assert declared.match("_hjFirstSeen").source == "short"  # type: ignore[union-attr]
    assert declared.match("_ga") is None
    assert declared.match("_HJSESSIONUSER_123") is None  # cookie names are case-sensitive


def test_match_domain_tolerance() -> None:
    declared = DeclaredList(
        entries=(
            _cookie("_ga", ".example.com", source="ga"),
            _cookie("sid", "www.example.com", source="sid"),
            _cookie("any", None, source="any"),
        ),
        source="test",
    )
    for observed in ("example.com", ".example.com", "www.example.com", "shop.example.com", None):
        assert declared.match("_ga", observed) is not None, observed
    assert declared.match("_ga", "example.org") is None
    assert declared.match("_ga", "notexample.com") is None
    assert declared.match("sid", ".example.com") is not None  # set by www on the parent domain
    assert declared.match("sid", "api.example.com") is None
    assert declared.match("any", "tracker.example.net") is not None


def test_exact_with_matching_domain_beats_exact_without() -> None:
    declared = DeclaredList(
        entries=(_cookie("lang", source="generic"), _cookie("lang", ".linkedin.com", source="linkedin")),
        source="test",
    )
    assert declared.match("lang", "www.linkedin.com").source == "linkedin"  # type: ignore[union-attr]
    assert declared.match("lang", "example.com").source == "generic"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("declared", "observed", "expected"),
    [
        ("_ga_*", "_ga_ABC123", True),
        ("_ga_*", "_gat", False),
        ("_ga_<container-id>", "_ga_ABC123", True),
        ("_ga_<container-id>", "_ga_", False),  # a placeholder stands for at least one character
        ("_hjSession_[site id]", "_hjSession_12345", True),
        ("_pk_id.{id}", "_pk_id.1.ab12", True),
        ("_ga_XXXXXXXXXX", "_ga_1A2B3C", True),
        ("_gat_UA-XXXXX-1", "_gat_UA-1234567-1", True),
        ("_gat_UA-XXXXX-1", "_gat_UA-1234567", False),
        ("_pk_id.xxx.xxx", "_pk_id.1.f00d", True),
        ("taxxx", "taxxx", True),  # no separator before the x's: a literal name
        ("taxxx", "ta123", False),
        ("a.b*", "a.bc", True),
        ("a.b*", "axbc", False),  # the dot is literal
    ],
)
def test_name_patterns(declared: str, observed: str, expected: bool) -> None:
    assert _cookie(declared).matches(observed) is expected


# --------------------------------------------------------------------------------------------
# Misc
# --------------------------------------------------------------------------------------------


def test_to_dict_round_trips_through_json(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.csv",
        "name,domain,category,lifetime,provider,notes\n_ga_*,.example.com,analytics,13 mois,Google,GA4\n"
        "x,,Autres,forever,,\n",
    )
    declared = load_declared_file(path)
    data = json.loads(json.dumps(declared.to_dict()))
    assert data["entries"][0]["extra"] == {"notes": "GA4"}
    assert DeclaredList.from_dict(data) == declared


def test_from_dict_rejects_garbage() -> None:
    with pytest.raises(DeclaredListError):
        DeclaredList.from_dict({"entries": [{}], "source": "x"})


def test_duplicate_declarations_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "name,domain\n_ga,.example.com\n_gid,\n_ga,example.com\n")
    assert load_declared_file(path).warnings == ("row 4: _ga already declared at row 2",)


def test_every_registered_loader_reads_its_format(tmp_path: Path) -> None:
    samples = {
        ".csv": "name,lifetime\n_ga,1 day\n",
        ".yaml": "- name: _ga\n  lifetime: 1 day\n",
        ".yml": "- name: _ga\n  lifetime: 1 day\n",
        ".json": '[{"name": "_ga", "lifetime": "1 day"}]',
    }
    assert set(LOADERS) == set(samples)
    for ext, text in samples.items():
        (entry,) = load_declared_file(_write(tmp_path, f"list{ext}", text)).entries
        assert (entry.name, entry.lifetime_days) == ("_ga", 1)
