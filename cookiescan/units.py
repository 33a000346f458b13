"""One home for durations: the unit words (French, English, German, then Spanish, Italian, Dutch), the
month and year lengths, and the three ways cookiescan reads a written duration.

* :func:`parse_duration` — a site's *declared* lifetime ("13 mois", "1 year 1 month", "Session"):
  strict, ``None`` whenever reading it would be a guess.
* :func:`longest_duration` — a retention text in tracker data ("Session to 30 days", "30 minutes, 3w or
  1y"): lenient, the longest duration named wins (the cap is about the worst case).
* :func:`parse_cap` — the lifetime cap (``--max-lifetime``) in whole calendar months.

and the calendar arithmetic the cap is judged with (:func:`add_months`, :func:`max_month_span_days`).
RULES.md: with no start date a month is 30.44 days and a year the Julian 365.25 days; with a start date
the cap is counted in calendar months.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import datetime, timedelta
from functools import lru_cache

DAYS_PER_MONTH = 30.44
DAYS_PER_YEAR = 365.25
SECONDS_PER_DAY = 86_400.0

#: unit word -> days. Single letters are the usual abbreviations; "m" is left out on purpose (minute or
#: month?) except in a lifetime cap, where it can only mean months.
UNIT_DAYS: dict[str, float] = {}
for _days, _words in (
    (1 / 86400, "s sec secs second seconds seconde secondes sekunde sekunden segundo segundos secondo secondi"),
    (1 / 1440, "mn min mins minute minutes minuten minuto minutos minuti"),
    (1 / 24, "h hr hrs hour hours heure heures std stunde stunden hora horas ora ore uur uren"),
    (1.0, "d day days j jour jours tag tage tagen dia dias giorno giorni dag dagen"),
    (7.0, "w wk wks week weeks semaine semaines woche wochen semana semanas settimana settimane weken"),
    (DAYS_PER_MONTH, "mo mos mon mth mths month months mois monat monate monaten mes meses mese mesi maand maanden"),
    (DAYS_PER_YEAR, "y yr yrs year years an ans annee annees jahr jahre jahren ano anos anno anni jaar jaren"),
):
    UNIT_DAYS.update(dict.fromkeys(_words.split(), _days))

#: spelled-out amounts, as declared lists and notices write them ("un an", "dreizehn Monate").
NUMBER_WORDS: dict[str, int] = {}
for _value, _spellings in {
    1: "a an one un une uno una ein eine einen einem einer een",
    2: "two deux zwei dos due twee",
    3: "three trois drei tres tre drie",
    4: "four quatre vier cuatro quattro",
    5: "five cinq funf cinco cinque vijf",
    6: "six sechs seis sei zes",
    7: "seven sept sieben siete sette zeven",
    8: "eight huit acht ocho otto",
    9: "nine neuf neun nueve nove negen",
    10: "ten dix zehn diez dieci tien",
    11: "eleven onze elf",
    12: "twelve douze zwolf doce dodici twaalf",
    13: "thirteen treize dreizehn trece tredici dertien",
}.items():
    NUMBER_WORDS.update(dict.fromkeys(_spellings.split(), _value))

#: regular-expression alternations over the tables (longest first), for readers that build their own patterns.
UNIT_PATTERN = "|".join(sorted(UNIT_DAYS, key=len, reverse=True))
NUMBER_WORD_PATTERN = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))

_QUANTITY = re.compile(
    r"(?<![a-z0-9.,])(?:(?P<num>\d+(?:[.,]\d+)?)\s*-?\s*|(?P<word>" + NUMBER_WORD_PATTERN + r")(?:\s+-?\s*|-))"
    r"(?P<unit>" + UNIT_PATTERN + r")(?![a-z])"
)
# What may separate the parts of one duration: "1 year 1 month", "1 an et 6 mois", "2 Jahre und 3 Monate".
_JOINER = re.compile(r"\s*(?:,|and|et|und|y|e|en|\+|&)?\s*")
_SESSION = re.compile(
    r"(?<![a-z])(?:session|sesion|sessione|sessie|sessao)|sitzung"
    r"|fermeture du navigateur|browser is closed|close (?:your|the) browser|schliessen des browsers"
)


def fold(text: str) -> str:
    """Lower-case, accents stripped, typographic quotes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    return " ".join(text.split())


def parse_duration(text: str) -> float | None:
    """A declared lifetime in days, or None when it cannot be read without guessing.

    Session lifetimes ("Session", "durée de la session", "Sitzung", "sesión") are 0. Amounts with
    a unit in French, English, German (and Spanish, Italian, Dutch) are converted with a month of
    30.44 days and a year of 365.25 days: "13 mois" → 395.72, "1 year 1 month" → 395.69,
    "1,5 an" → 547.875, "jusqu'à 13 mois" and "12 mois maximum" → their amount.

    None for: no unit ("395"), no amount ("Persistent"), ranges ("6-12 months"), dates,
    thousands separators ("1,000 days"), and alternatives that disagree ("1 day / 2 years" or
    "Session or 1 year"). Alternatives that agree are fine: "13 mois (395 jours)".
    """
    t = fold(text)
    if not t:
        return None
    matches = list(_QUANTITY.finditer(t))
    if not matches:
        return 0.0 if _SESSION.search(t) else None
    if _SESSION.search(t):
        return None  # "Session / 30 minutes": which one is promised?
    remainder = t
    for m in reversed(matches):
        remainder = remainder[: m.start()] + " " + remainder[m.end() :]
    if re.search(r"(?<![a-z])\d", remainder):
        return None  # a range ("6-12 months"), a date, an amount without unit
    alternatives: list[float] = []
    prev: tuple[re.Match[str], float] | None = None
    for m in matches:
        num = m.group("num")
        if num is not None:
            if re.fullmatch(r"\d{1,3}[.,]\d{3}", num):
                return None  # 1,000 days: thousands or decimals?
            amount = float(num.replace(",", "."))
        else:
            amount = float(NUMBER_WORDS[m.group("word")])
        unit = UNIT_DAYS[m.group("unit")]
        joined = prev is not None and prev[1] > unit and _JOINER.fullmatch(t[prev[0].end() : m.start()]) is not None
        if joined:
            alternatives[-1] += amount * unit
        else:
            alternatives.append(amount * unit)
        prev = (m, unit)
    first = alternatives[0]
    for other in alternatives[1:]:
        if abs(other - first) > max(2.0, 0.02 * max(other, first)):
            return None
    return first


_AMOUNT_WORD = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)")
_RETENTION_SESSION = re.compile(r"\b(?:session|sessions|seesion|end of session|browser session)\b")
_GONE = re.compile(r"^(?:immediately (?:removed|deleted)|deleted immediately|0)$")


def longest_duration(text: str) -> float | None:
    """A retention text from tracker data in days; ``None`` when it names no duration.

    ``"session"`` → 0; ``"N second|minute|hour|day|week|month|year(s)"`` → N × unit. When the text names
    several durations (``"Session to 30 days"``, ``"30 minutes, 3w or 1y depending on value"``) the longest
    wins, because the lifetime cap is about the worst case. Open-ended or unknown values (``"forever"``,
    ``"Varies"``, a calendar date) give ``None``.

    >>> longest_duration("2 years"), longest_duration("Session")
    (730.5, 0.0)
    """
    t = " ".join(text.casefold().split())
    if not t:
        return None
    days = [float(n.replace(",", ".")) * UNIT_DAYS[u] for n, u in _AMOUNT_WORD.findall(t) if u in UNIT_DAYS]
    if days:
        return round(max(days), 6)
    if _RETENTION_SESSION.search(t) or _GONE.match(t):
        return 0.0
    return None


_CAP = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([^\d\s.,]*)\s*$")
_CAP_HINT = "write it as a number of months or days, e.g. '13months', '13m', '395d'"


def parse_cap(text: str) -> int:
    """The lifetime cap in whole calendar months, from ``"13months"``, ``"13 months"``, ``"13m"``,
    ``"13"`` (months), ``"1y"`` (12) or ``"395d"``.

    A cap given in days or weeks is converted to the nearest whole month of 30.44 days (``"395d"`` and
    ``"400d"`` → 13, ``"365d"`` → 12), because the cap is then applied in calendar months from the
    moment a cookie is set. Raises ValueError with the accepted forms on anything else.

    >>> parse_cap("13 months"), parse_cap("395d"), parse_cap("2y")
    (13, 13, 24)
    """
    m = _CAP.match(fold(str(text)))
    unit_word = m.group(2) if m else ""
    days_per_unit = DAYS_PER_MONTH if unit_word in ("", "m") else UNIT_DAYS.get(unit_word)
    if not m or days_per_unit not in (1.0, 7.0, DAYS_PER_MONTH, DAYS_PER_YEAR):
        raise ValueError(f"cannot read the lifetime cap {text!r}: {_CAP_HINT}")
    amount = float(m.group(1).replace(",", "."))
    if days_per_unit in (1.0, 7.0):
        months = round(amount * days_per_unit / DAYS_PER_MONTH)
    else:
        exact = amount * (12 if days_per_unit == DAYS_PER_YEAR else 1)
        if abs(exact - round(exact)) > 1e-9:
            raise ValueError(f"the lifetime cap {text!r} is not a whole number of months: {_CAP_HINT}")
        months = round(exact)
    if months < 1:
        raise ValueError(f"the lifetime cap {text!r} is shorter than one month: {_CAP_HINT}")
    return months


def add_months(when: datetime, months: int) -> datetime:
    """``when`` plus calendar months, keeping the time of day; a day the target month lacks becomes
    its last day (Jan 31 + 1 month = Feb 28 or 29)."""
    y, m = divmod(when.month - 1 + months, 12)
    year, month = when.year + y, m + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def max_month_span_days(months: int) -> int:
    """The longest N calendar months can be, in days, over every start day of a 4-year cycle
    (13 months → 397 days): a declared lifetime longer than this is over the cap whenever it starts."""
    start = datetime(2001, 1, 1)
    return max((add_months(start + timedelta(days=i), months) - (start + timedelta(days=i))).days for i in range(1461))
