"""Declared lifetimes as :func:`cookiescan.units.parse_duration` reads them (the declared list's durations).

Pure tests: no browser, no network.
"""

from __future__ import annotations

import pytest

from cookiescan.units import DAYS_PER_MONTH, DAYS_PER_YEAR, parse_duration

MONTH = DAYS_PER_MONTH
YEAR = DAYS_PER_YEAR
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
