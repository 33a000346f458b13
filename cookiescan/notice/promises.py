"""What a notice promises: durations with a limiting or period cue, each with its scope (every cookie, one
named cookie, data collected via cookies, other collected data, the consent or the refusal choice), and the
sentence promising that a refusal (or choice) cookie is stored."""

from __future__ import annotations

import re

from cookiescan.notice.records import Evidence, LifetimePromise
from cookiescan.notice.text import evidence_at, fold_chars
from cookiescan.units import parse_duration

__all__ = ["read_lifetimes", "read_refusal"]

_NUM_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen a an un une deux trois quatre cinq "
    "six sept huit neuf dix onze douze treize ein eine einen zwei drei vier fünf funf sechs sieben acht neun zehn "
    "elf zwölf zwolf dreizehn"
)
_NUM = r"(?:\d+(?:[.,]\d+)?|" + "|".join(sorted(set(_NUM_WORDS.split()), key=len, reverse=True)) + ")"
_UNIT = (
    r"(?:months?|mois|monate?n?|years?|yrs?|ans?|annees?|jahre?n?|weeks?|semaines?|wochen?|days?|jours?|tage?n?"
    r"|hours?|heures?|stunden?|minutes?|minuten)"
)
_DURATION = re.compile(
    r"(?<![\w.,])(?P<num>" + _NUM + r")(?:\s*\(\s*" + _NUM + r"\s*\))?\s*-?\s*(?P<unit>" + _UNIT + r")(?![\w])"
)
_STRONG = re.compile(
    r"(?:no|not|never|nor)\s+(?:be\s+)?(?:longer|more)\s+than|(?:longer|more)\s+than|at\s+(?:the\s+)?most"
    r"|(?:a\s+)?maxim(?:um|al|ale)|\bmax\b|up\s+to|(?:not\s+|never\s+)?exceed\w*|limited\s+to|at\s+the\s+latest"
    r"|beyond|within|au\s+maximum|au\s+plus|(?:pas|jamais)\s+plus\s+de|plus\s+de|au[-\s]dela\s+de"
    r"|exced\w*|depass\w*|jusqu'(?:a|au)|dans\s+la\s+limite\s+d[e']|limit\w*\s+a|plafonn\w*"
    r"|hochstens|maximal|bis\s+zu|nicht\s+langer\s+als|langstens",
)
_WEAK = re.compile(
    r"\b(?:for|during|pendant|durant|dur[ée]e|period\w*|lifetime|life\s?span|validit\w*|valid|valable|expir\w*"
    r"|au\s+bout\s+d[e']|after|apres|conserv\w*|kept|stored|retained|retention|stock\w*|gard\w*|keep|store"
    r"|retain|last\w*|persist\w*|dauer|gespeichert|speicher\w*|laufzeit)\b"
)
_POST_CUE = re.compile(r"^\s*\)?\s*(?:maximum|max\b|au\s+maximum|au\s+plus|at\s+(?:the\s+)?most|maximal|or\s+less"
                       r"|ou\s+moins|hochstens)")  # fmt: skip
_SCOPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("refusal", re.compile(
        r"(?:cookie|traceur)s?\s+(?:de\s+|d')?(?:refus|opposition)|refus\w*\s+cookie|reject\w*\s+cookie"
        r"|(?:votre|your)\s+(?:refus|refusal|rejection|opposition)\b|\brefus\w*|\breject\w*")),
    ("consent", re.compile(
        r"(?:cookie|traceur)s?\s+(?:de\s+|d')?(?:consentement|choix)|consent\s+cookie|choice\s+cookie"
        r"|(?:votre|your|vos)\s+(?:choix|choice|choices|consentement|consent|decision|preferences)\b"
        r"|\bconsent\w*|\bchoix\b|\bchoices?\b|einwilligung\w*")),
    ("data", re.compile(r"\b(?:donnees|data|informations?|renseignements|journaux|logs?|daten)\b")),
    ("cookies", re.compile(r"\b(?:cookies?|traceurs?|trackers?|temoins?|duree\s+de\s+vie|lifetime|expir\w*)\b")),
)  # fmt: skip
# A data promise whose subject is data collected through cookies ("Personal data collected via cookies…",
# "les informations déposées par ces cookies…") limits what the cookies keep too: scope "cookie-data".
# "Les données ainsi collectées…" after a sentence about cookies refers back to them.
_COOKIE_WORDS = re.compile(r"\b(?:cookies?|traceurs?|trackers?|temoins?)\b")
_REFERS_BACK = re.compile(r"\b(?:ainsi|par\s+ce\s+biais|par\s+leur\s+(?:biais|intermediaire)|thus|thereby|this\s+way"
                          r"|through\s+them|by\s+them)\b")
_CLAUSE = re.compile(r";|,|\s(?:et|and|mais|but|while|whereas|tandis\s+que|alors\s+que|und|aber)\s")
_COOKIE_NAME = re.compile(r"(?<![\w])_[A-Za-z0-9_]+|\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b")


def _scope_in(folded: str) -> str | None:
    best: tuple[int, int, str] | None = None
    for scope, rx in _SCOPES:
        m = rx.search(folded)
        if m and (best is None or (m.start(), -(m.end() - m.start())) < (best[0], -best[1])):
            best = (m.start(), m.end() - m.start(), scope)
    return best[2] if best else None


def _clauses(folded: str, end: int) -> list[tuple[int, int]]:
    """The clause spans of ``folded[:end]``, last first."""
    bounds = [0] + [m.end() for m in _CLAUSE.finditer(folded, 0, end)]
    return [(bounds[k], bounds[k + 1] if k + 1 < len(bounds) else end) for k in range(len(bounds) - 1, -1, -1)]


def _scope_of(folded: str, start: int, previous: str | None) -> tuple[str | None, int]:
    """The scope of a duration at ``start`` and where its clause chain begins. Data retention whose
    subject (from the clause chain's start to the duration) is data collected via cookies is
    ``"cookie-data"``; any other data stays ``"data"``."""
    for a, b in _clauses(folded, start):
        scope = _scope_in(folded[a:b])
        if scope:
            via_cookies = _COOKIE_WORDS.search(folded, a, start) or (
                previous and _REFERS_BACK.search(folded, a, start) and _COOKIE_WORDS.search(previous))
            if scope == "data" and via_cookies:
                scope = "cookie-data"
            return scope, a
    scope = _scope_in(previous) if previous else None
    if scope == "data" and previous and _COOKIE_WORDS.search(previous):
        scope = "cookie-data"
    return scope, 0


def _cue(folded: str, start: int, end: int) -> tuple[int, bool] | None:
    """Where the promise's wording starts, and whether it is a limit (strong cue)."""
    window_start = max(0, start - 90)
    window = folded[window_start:start]
    for rx, strong in ((_STRONG, True), (_WEAK, False)):
        best = None
        for m in rx.finditer(window):
            between = window[m.end() :]
            if len(re.findall(r"[\w']+", between)) <= 4 and not re.search(r"[.;]", between):
                best = m
        if best is not None:
            return window_start + best.start(), strong
    if _POST_CUE.match(folded[end:]):
        return start, True
    return None


def read_lifetimes(sentences: list[str], vendor_spans: dict[int, list[tuple[int, int]]]) -> tuple[LifetimePromise, ...]:
    """The duration promises, in order; ``vendor_spans`` (where vendors are named, from
    :func:`cookiescan.notice.vendors.read_vendors`) turn a cookie-wide scope into ``"specific"``."""
    out: list[LifetimePromise] = []
    for i, s in enumerate(sentences):
        folded = fold_chars(s)
        kept: list[LifetimePromise] = []
        for m in _DURATION.finditer(folded):
            days = parse_duration(f"{m.group('num')} {m.group('unit')}")
            if days is None or days <= 0:
                continue
            cue = _cue(folded, m.start(), m.end())
            if cue is None:
                continue
            cue_start, _strong = cue
            scope, chain_start = _scope_of(folded, m.start(), fold_chars(sentences[i - 1]) if i else None)
            if scope is None:
                continue
            if scope == "cookies":
                # A vendor in the same part of the sentence makes it that vendor's cookie, not a ceiling.
                part = folded.rfind(";", 0, m.start()) + 1
                part_end = folded.find(";", m.end())
                part_end = len(folded) if part_end < 0 else part_end
                named = any(part <= a < part_end for a, _ in vendor_spans.get(i, ()))
                if named or _COOKIE_NAME.search(s[chain_start : m.end()]):
                    scope = "specific"
            end = m.end()
            post = _POST_CUE.match(folded[end:])
            if post:
                end += post.end()
            text = " ".join(s[cue_start:end].split())
            if any(p.scope == scope and abs(p.days - days) <= max(2.0, 0.02 * days) for p in kept):
                continue  # "13 mois (soit 395 jours)"
            kept.append(LifetimePromise(round(days, 3), text, scope, evidence_at(sentences, i, cue_start, end)))
        out.extend(kept)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Refusal cookie
# --------------------------------------------------------------------------------------------

_STORE_VERB = (
    r"(?:conserv|enregistr|memoris|stock|retien|reten|gard|depos|install|sauvegard|store|save|remember|record"
    r"|keep|kept|retain|persist|speicher)\w*"
)
_REFUSAL = re.compile(
    r"(?:cookie|traceur|temoin)s?\s+(?:de\s+|d')?(?:refus|opposition|choix)\b"
    r"|(?:refusal|rejection|opt-?out|choice|decision)\s+cookies?"
    r"|(?:cookie|traceur)s?\s+(?:\w+\s+){0,3}?(?:record|stor|sav|remember|enregistr|memoris|conserv|retien|gard)\w*"
    r"\s+(?:\w+\s+){0,2}?(?:votre|vos|your|the\s+visitor's|le|la)\s+(?:refus|refusal|rejection|choix|choice|decision)"
    r"|" + _STORE_VERB + r"\s+(?:\w+\s+){0,2}?(?:votre|vos|your)\s+(?:refus|refusal|rejection|choix|choice|choices"
    r"|decision)\b"
    r"|(?:votre|vos|your)\s+(?:refus|refusal|rejection|choix|choice|choices|decision)\s+(?:\w+\s+){0,3}?"
    r"(?:est|sera|seront|sont|is|are|will\s+be|gets?)\s+(?:\w+\s+)?"
    + _STORE_VERB
    + r"|(?:si|if|when|lorsque|quand)\s+(?:vous\s+)?(?:you\s+)?(?:refus|reject|decline)\w*[^.]{0,80}?cookie\w*\s+"
    r"(?:\w+\s+){0,3}?(?:est|sera|is|will\s+be)\s+" + _STORE_VERB
)


def read_refusal(sentences: list[str]) -> Evidence | None:
    """The first sentence promising that a refusal or choice cookie is stored, if any."""
    for i, s in enumerate(sentences):
        m = _REFUSAL.search(fold_chars(s))
        if m:
            return evidence_at(sentences, i, m.start(), m.end())
    return None
