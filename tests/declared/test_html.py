"""Tests for cookiescan.declared.html: the cookie tables of policy pages.

Pure tests: no browser, no network. Policy pages are local fixtures in tests/fixtures/policies/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cookiescan.declared import DeclaredList, extract_from_html
from cookiescan.errors import DeclaredListError
from cookiescan.units import DAYS_PER_MONTH, DAYS_PER_YEAR

POLICIES = Path(__file__).parent.parent / "fixtures" / "policies"
MONTH = DAYS_PER_MONTH
YEAR = DAYS_PER_YEAR
MINUTE = 1 / 1440


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
