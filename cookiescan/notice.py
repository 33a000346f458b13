"""Read a written cookie notice and check the site against what it promises.

Many sites declare their cookies not in a table but in prose: "Google Analytics helps us measure…",
"the processors used for statistics are Hotjar and New Relic", "never stored longer than 13 months",
"a refusal cookie is installed". :func:`read_notice` turns such a text into a :class:`Notice` (vendors
named, lifetime promises, the promise of a refusal cookie, purposes listed), each fact with the sentence
it comes from; :func:`notice_findings` compares it with a scan. Plain functions of data: no browser.

Example::

    from cookiescan import known, notice

    n = notice.load_notice("cookies.html")
    findings = notice.notice_findings(result, n, known.load())

Heuristics worth knowing (the report should say them in plain words):

* **Vendors** are matched against known_trackers' vendor names and aliases, on word boundaries and
  ignoring case, but a hit must look like a name (an upper-case letter or a digit in it): "here", "test"
  or "segment" in lower case never count. Aliases that are common words ("Signal", "Clarity", "Heap")
  must be written exactly as the vendor spells it and not as the first word of a sentence. "X" counts as
  Twitter only as "X (Twitter)", "X (ex-Twitter)", "X Corp", "X, formerly Twitter"… A company that owns
  several vendors and is not a vendor itself ("Google", "Microsoft", "Amazon") is a company mention: it
  covers every vendor that company owns. "Google/YouTube" names both. URLs are ignored (an opt-out link
  to google.com does not name Google). A vendor named only in a sentence that says the site does *not*
  use it ("nous n'utilisons pas Hotjar") is not counted as named, and a note says so.
* **Lifetime promises** are durations with a limiting cue ("no longer than", "maximum", "au plus",
  "pas plus de", "au-delà de", "jusqu'à", "13 mois maximum") or a period cue ("pendant", "for",
  "conservés", "durée de vie"). Their scope is the subject of the clause: the first of cookies / data /
  consent / refusal words in it (walking back through earlier clauses, then the previous sentence,
  when a clause has none): "Les données … 25 mois" is data retention, not a cookie lifetime; "le cookie
  de refus … 6 mois" is the refusal choice. A cookie promise whose clause names a vendor or a cookie
  ("le cookie _gid … 24 heures") gets scope ``"specific"``: it is about that cookie, not a ceiling for
  all. Only scope ``"cookies"`` promises judge the site's cookies.
* **Refusal cookie**: "cookie de refus", "refusal cookie", "a cookie recording your refusal", "we store
  your choice", "votre choix est conservé"…
* **Categories** are counted in sentences about cookies or in headings: mesure d'audience /
  statistiques → analytics; publicité / ciblage / réseaux sociaux → marketing; fonctionnels →
  functional; nécessaires / essentiels / techniques → necessary.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cookiescan.errors import UsageError
from cookiescan.models import STATES, Cookie, Finding, ScanResult, StateResult, to_dict
from cookiescan.units import parse_duration

if TYPE_CHECKING:
    from cookiescan.known import KnownTrackers, Vendor

__all__ = [
    "NOTICE_RULE_INFO",
    "Evidence",
    "LifetimePromise",
    "Notice",
    "VendorMention",
    "load_notice",
    "notice_findings",
    "read_notice",
]

#: Longest sentence kept as evidence (characters).
MAX_SENTENCE = 400
NO_VENDORS = "no vendors recognised"
_SAMPLE = 10  # list lengths in evidence


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact comes from.

    Attributes:
        sentence: the notice's sentence, trimmed to at most 400 characters around the fact.
        position: the sentence's index in the notice (0-based).
    """

    sentence: str
    position: int


@dataclass(frozen=True, slots=True)
class VendorMention:
    """A vendor the notice names.

    Attributes:
        vendor: known_trackers' canonical vendor name ("Meta" for "Facebook pixel"), or a company name
            ("Google") when the notice names only the company; a company mention covers every vendor
            that company owns.
        matched: the text as written in the notice.
        evidence: the first sentence naming it.
    """

    vendor: str
    matched: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class LifetimePromise:
    """A duration the notice promises.

    Attributes:
        days: the duration in days (a month is 30.44 days).
        text: the promise as written, e.g. ``"ne sont pas conservés plus de 13 mois"``.
        scope: what it limits: ``"cookies"`` (every cookie: the only scope that judges cookies),
            ``"specific"`` (one named cookie or vendor), ``"data"`` (retention of collected data),
            ``"consent"`` (the visitor's choice), ``"refusal"`` (the refusal choice).
        evidence: the sentence.
    """

    days: float
    text: str
    scope: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Notice:
    """What a written cookie notice says, each fact with its sentence.

    Attributes:
        source: where it was read from (a file path or URL).
        language: ``"fr"``, ``"en"``, ``"de"`` or ``"unknown"``.
        vendors: one mention per vendor or company named, in order of first appearance.
        lifetimes: the duration promises, in order of appearance.
        refusal_cookie: the sentence promising that a refusal / choice cookie is stored, if any.
        categories: the purposes listed (necessary / functional / analytics / marketing), first
            sentence for each.
        notes: what the reader could not do or chose to ignore, e.g. ``"no vendors recognised"``.
    """

    source: str
    language: str
    vendors: tuple[VendorMention, ...] = ()
    lifetimes: tuple[LifetimePromise, ...] = ()
    refusal_cookie: Evidence | None = None
    categories: tuple[tuple[str, Evidence], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def vendor_names(self) -> tuple[str, ...]:
        """The vendors (and companies) named, in order of first appearance."""
        return tuple(m.vendor for m in self.vendors)

    def cookie_promise(self) -> LifetimePromise | None:
        """The shortest promise that limits every cookie, the one :func:`notice_findings` judges by."""
        promises = [p for p in self.lifetimes if p.scope == "cookies" and p.days > 0]
        return min(promises, key=lambda p: (p.days, p.evidence.position)) if promises else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (categories as ``{"category": ..., "evidence": ...}`` objects)."""
        d: dict[str, Any] = to_dict(self)
        d["categories"] = [{"category": c, "evidence": to_dict(e)} for c, e in self.categories]
        cp = self.cookie_promise()
        d["cookie_promise_days"] = None if cp is None else round(cp.days, 3)
        return d


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u3000\ufeff\u200b]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_HTML_SNIFF = re.compile(
    r"<(?:!doctype|html|head|body|p|div|h[1-6]|br|li|ul|span|section|article|main|table)\b", re.IGNORECASE
)
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "nav", "iframe", "object", "canvas", "button",
              "select", "input", "textarea"]  # fmt: skip
_BLOCK_TAGS = ["p", "div", "li", "dd", "dt", "tr", "td", "th", "ul", "ol", "table", "section", "article", "main",
               "header", "footer", "aside", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
               "figcaption", "details", "summary", "pre", "address", "form", "fieldset", "dl"]  # fmt: skip


def _fold_char(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else ch.lower()[:1] or ch


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """Lower case, accents stripped, one character per character (positions stay valid)."""
    return "".join(_fold_char(ch) for ch in text)


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        if isinstance(tag, Tag):
            tag.decompose()
    for tag in soup.find_all(True, attrs={"role": "navigation"}):
        if isinstance(tag, Tag):
            tag.decompose()
    # Page chrome: a header/footer outside the main content.
    for tag in soup.find_all(["header", "footer"]):
        if isinstance(tag, Tag) and tag.find_parent(["main", "article"]) is None:
            tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCK_TAGS):
        if isinstance(block, Tag):
            block.insert_before("\n\n")
            block.append("\n\n")
    root = soup.find("body") or soup
    return root.get_text()


def _clean(text: str) -> str:
    text = text.translate(_APOSTROPHES).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


_BULLET = re.compile(r"^(?:[•·▪◦‣*\-–—]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s")
_END = re.compile(r"[.!?…:;»\"”)]$")


def _paragraphs(text: str) -> Iterator[str]:
    """Blocks of text: blank lines always separate; a single line break separates unless the next line
    continues a sentence (starts in lower case after a line without final punctuation)."""
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        current = ""
        for ln in lines:
            if current and not _END.search(current) and ln[:1].islower() and not _BULLET.match(ln):
                current += " " + ln
            else:
                if current:
                    yield current
                current = ln
        if current:
            yield current


# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "e.g", "i.e", "eg", "ie", "etc", "cf", "vs", "inc", "ltd", "llc", "corp", "co", "mr", "mrs", "ms", "dr",
    "st", "ave", "no", "nos", "n°", "art", "al", "ex", "p", "pp", "ca", "approx", "fig", "vol", "m", "mme",
    "mlle", "av", "bd", "s.a", "s.a.s", "sa", "sas", "sarl", "gmbh", "jan", "feb", "fév", "janv", "sept",
    "oct", "nov", "dec", "déc", "min", "max", "env", "resp", "incl",
}  # fmt: skip
_BOUNDARY = re.compile(r"([.!?…]+)([»\"”')\]]*)\s+(?=[«\"“(\[•\-–—]?\s?[A-ZÀ-ÖØ-Þ0-9])")


def _split_sentences(paragraph: str) -> Iterator[str]:
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        end = m.end(2)
        piece = paragraph[start:end].strip()
        word = re.search(r"([\w.°]+)[.]$", paragraph[start : m.end(1)])
        if m.group(1) == "." and not m.group(2):
            if word and (word.group(1).casefold().rstrip(".") in _ABBREVIATIONS or len(word.group(1)) == 1):
                continue  # "e.g.", "Inc.", "J. Smith"
            if re.fullmatch(r"[\d.]+", piece.rstrip(".")):
                continue  # "2.2." section numbering
        if piece:
            yield piece
        start = m.end()
    rest = paragraph[start:].strip()
    if rest:
        yield rest


def _sentences(text: str) -> list[str]:
    return [s for p in _paragraphs(_clean(text)) for s in _split_sentences(p) if re.search(r"\w", s)]


def _trim(sentence: str, start: int = 0, end: int = 0) -> str:
    """At most MAX_SENTENCE characters, keeping ``sentence[start:end]`` in view."""
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    width = MAX_SENTENCE - 2
    lo = max(0, min(start - (width - (end - start)) // 2, len(sentence) - width))
    hi = lo + width
    return ("…" if lo > 0 else "") + sentence[lo:hi].strip() + ("…" if hi < len(sentence) else "")


def _evidence(sentences: list[str], i: int, start: int = 0, end: int = 0) -> Evidence:
    return Evidence(_trim(sentences[i], start, end), i)


_LANG_WORDS = {
    "fr": "le la les des du et vous nous est sont pour une sur avec par qui que ces vos votre notre nos pas",
    "en": "the and you we are is for with of to our your this that which by be not will",
    "de": "der die das und sie wir ist sind mit für auf nicht werden ihre ihr unsere eine einen",
}
_LANG_SETS = {k: set(v.split()) for k, v in _LANG_WORDS.items()}


def _language(text: str) -> str:
    words = re.findall(r"[a-zäöüß]+", text.casefold())
    counts = {lang: sum(1 for w in words if w in ws) for lang, ws in _LANG_SETS.items()}
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    return lang if n >= 3 else "unknown"


# --------------------------------------------------------------------------------------------
# Vendors
# --------------------------------------------------------------------------------------------

# Aliases that are ordinary words: they count only when written exactly as the vendor spells its name,
# and not as the first word of a sentence.
_COMMON = set(
    """
    here test time news turn run box cast ink hero mega bolt drip heap keen melt ram arm amp ada fam ido sumo tint
    civic arena piano signal medium radar reach polar pepper coral castle catch carrot button buffer builder basis
    avail answers ambient altitude alchemy agility arbor augur autopilot cabin capita chameleon clarity compete
    concert creators crisp dealer drift elevate elicit genie heatmap hybrid indeed insider integrate interview issue
    iterate keynote leaflet looper luminate magnetic marker measured monitor narrative needle perform periscope
    placed privy realtime recommend recollect reflow runner scenario scroll segment spicy spoke stingray strands
    swoop tailored terminus thesis tonic unite unknown windows wishlist zapper attribution collective likelihood
    playground communicator whitespace synergetic instinctive consumable ambassador interstate affirm apple
    sentry intercom oracle
    """.split()  # noqa: SIM905 - a word list reads better as text
) | {
    "pay per click", "native ads", "remarketing pixel", "the filter", "the aa", "response team", "use it better",
    "research now", "research online", "visual studio", "all access", "perfect privacy", "user replay",
    "cloud technologies", "watching that", "the best day", "interest graph", "recite me", "mention me",
    "help scout", "trust guard", "cookie reports", "consent manager cmp", "business message", "active agent",
    "digital look", "web security and performance", "smart insight tracking", "click density", "crowd control",
    "customer acquisition cloud", "online rewards", "perfect audience", "perfect market", "loyalty point",
    "dynamic converter", "retention science", "marketing dashboards", "sweet tooth", "audience rate",
    "cookie information cmp", "connect events", "digital remedy", "fast thinking", "fastest forward",
}  # fmt: skip

_X_TWITTER = re.compile(
    r"(?<![\w@])(?:X\s*\(\s*(?:ex[-\s]?|formerly\s+|anciennement\s+|previously\s+|ehemals\s+|früher\s+)?Twitter\s*\)"
    r"|X,?\s+(?:formerly|anciennement|ex|previously|ehemals)(?:\s+known\s+as)?\s+Twitter"
    r"|X\s*/\s*Twitter|Twitter\s*/\s*X|X\s+Corp\.?)(?![\w])",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Alias:
    vendor: str
    company: bool  # a company mention covering all its vendors
    strict: bool  # must be written as ``spelling``
    spelling: str


@dataclass(frozen=True, slots=True)
class _Matcher:
    regex: re.Pattern[str]
    aliases: dict[str, _Alias]  # casefolded alias -> meaning
    x_vendor: str | None


@functools.lru_cache(maxsize=4)
def _matcher(known: KnownTrackers) -> _Matcher:
    aliases: dict[str, _Alias] = {}
    x_vendor = None
    for v in known.vendors():
        for a in (v.name.casefold(), *v.aliases):
            key = " ".join(a.casefold().split())
            if "/" in key or key in aliases:
                continue  # "google/youtube": its parts match on their own
            if key == "x":
                x_vendor = v.name
                continue
            if len(key) <= 2 and not re.search(r"\d", key):
                continue  # "ga", "ve", "yo": letters, not names
            strict = key in _COMMON or (len(key) <= 3 and key.isalpha())
            aliases[key] = _Alias(v.name, False, strict, v.name if key == v.name.casefold() else _title(key, v))
    owned: dict[str, int] = {}
    for v in known.vendors():
        if v.company:
            owned[v.company] = owned.get(v.company, 0) + 1
    for company, n in owned.items():
        key = company.casefold()
        if n >= 2 and key not in aliases and len(key) > 2:
            aliases[key] = _Alias(company, True, key in _COMMON, company)
    body = "|".join(
        r"\s+".join(re.escape(part) for part in key.split()) for key in sorted(aliases, key=len, reverse=True)
    )
    regex = re.compile(r"(?<![\w@])(?:" + body + r")(?![\w])", re.IGNORECASE)
    return _Matcher(regex, aliases, x_vendor)


def _title(key: str, vendor: Vendor) -> str:
    """How an alias is spelled in a text, for strict aliases: the vendor's own spelling when the alias
    is its name or its first word, else title case."""
    if vendor.name.casefold().startswith(key + " "):
        return vendor.name[: len(key)]
    return key.title()


_NEGATED_USE = re.compile(
    r"(?:\b(?:do|does|did|will|shall)\s+not|\b(?:don't|doesn't|won't)|\bnever|\bno\s+longer)"
    r"\s+(?:\w+\s+){0,2}?(?:use|install|place|set|share|rely|work|embed|call|load)\w*"
    r"|\bn'(?:utilis|install|employ|int[eé]gr)\w*\s+(?:pas|plus|jamais|aucun)"
    r"|\bne\s+(?:\w+\s+)?(?:recour|d[eé]pos|partag|transm|install|utilis|fai|emploi|int[eé]gr)\w*\s+"
    r"(?:pas|plus|jamais|aucun)",
    re.IGNORECASE,
)


def _looks_like_name(found: str) -> bool:
    return any(ch.isupper() or ch.isdigit() for ch in found)


def _sentence_initial(sentence: str, start: int) -> bool:
    return not sentence[:start].strip(" •·▪*-–—0123456789.)(«\"'“:")


def _in_longer_name(text: str, start: int, end: int) -> bool:
    """The hit is one word of a longer proper noun ("Advanced Magnetic Interaction", "Legal Basis")."""
    before = re.search(r"(?:^|\s)(\w+) $", text[:start])
    after = re.match(r" (\w+)", text[end:])
    return any(m is not None and m.group(1)[:1].isupper() for m in (before, after))


def _vendor_hits(sentence: str, matcher: _Matcher) -> list[tuple[int, int, str, str, bool]]:
    """(start, end, vendor, matched text, company) for each vendor named in a sentence."""
    text = _URL.sub(lambda m: " " * len(m.group()), sentence)
    hits: list[tuple[int, int, str, str, bool]] = []
    taken: list[tuple[int, int]] = []
    if matcher.x_vendor is not None:
        for m in _X_TWITTER.finditer(text):
            if m.group()[:1] in "Xx" and not m.group().startswith("X"):
                continue  # "x corp" in lower case is not a name
            hits.append((m.start(), m.end(), matcher.x_vendor, m.group(), False))
            taken.append((m.start(), m.end()))
    for m in matcher.regex.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        found = m.group()
        alias = matcher.aliases.get(" ".join(found.casefold().split()))
        if alias is None or not _looks_like_name(found):
            continue
        if alias.strict and (
            " ".join(found.split()) != alias.spelling
            or _sentence_initial(text, m.start())
            or _in_longer_name(text, m.start(), m.end())
        ):
            continue
        hits.append((m.start(), m.end(), alias.vendor, found, alias.company))
    return sorted(hits)


def _read_vendors(
    sentences: list[str], known: KnownTrackers, notes: list[str]
) -> tuple[tuple[VendorMention, ...], dict[int, list[tuple[int, int]]]]:
    matcher = _matcher(known)
    mentions: dict[str, VendorMention] = {}
    negated: dict[str, Evidence] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for i, s in enumerate(sentences):
        for start, end, vendor, found, _company in _vendor_hits(s, matcher):
            spans.setdefault(i, []).append((start, end))
            if _NEGATED_USE.search(s[:start]):
                negated.setdefault(vendor, _evidence(sentences, i, start, end))
                continue
            if vendor not in mentions:
                mentions[vendor] = VendorMention(vendor, " ".join(found.split()), _evidence(sentences, i, start, end))
    for vendor, ev in negated.items():
        if vendor not in mentions:
            notes.append(f"{vendor} is named only in a sentence saying it is not used (sentence {ev.position + 1})")
    return tuple(mentions.values()), spans


# --------------------------------------------------------------------------------------------
# Lifetime promises
# --------------------------------------------------------------------------------------------

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
    """The scope of a duration at ``start`` and where its clause chain begins."""
    for a, b in _clauses(folded, start):
        scope = _scope_in(folded[a:b])
        if scope:
            return scope, a
    return (_scope_in(previous) if previous else None), 0


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


def _read_lifetimes(
    sentences: list[str], vendor_spans: dict[int, list[tuple[int, int]]]
) -> tuple[LifetimePromise, ...]:
    out: list[LifetimePromise] = []
    for i, s in enumerate(sentences):
        folded = _fold(s)
        kept: list[LifetimePromise] = []
        for m in _DURATION.finditer(folded):
            days = parse_duration(f"{m.group('num')} {m.group('unit')}")
            if days is None or days <= 0:
                continue
            cue = _cue(folded, m.start(), m.end())
            if cue is None:
                continue
            cue_start, _strong = cue
            scope, chain_start = _scope_of(folded, m.start(), _fold(sentences[i - 1]) if i else None)
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
            kept.append(LifetimePromise(round(days, 3), text, scope, _evidence(sentences, i, cue_start, end)))
        out.extend(kept)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Refusal cookie, categories
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

_COOKIE_CONTEXT = re.compile(r"\b(?:cookies?|traceurs?|trackers?|temoins?|kekse|pixels?)\b")
_CATEGORY_RX: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("necessary", re.compile(
        r"(?<!non\s)(?<!not\s)\b(?:strictement\s+necessaires?|strictly\s+necessary|(?:cookies?|traceurs?)\s+"
        r"(?:strictement\s+)?(?:necessaires?|essentiels?|techniques?|indispensables?)|(?:necessary|essential"
        r"|technical)\s+cookies?|cookies?\s+(?:that\s+are\s+)?(?:strictly\s+)?(?:necessary|essential)"
        r"|notwendige\s+cookies?)\b")),
    ("functional", re.compile(
        r"\b(?:fonctionnel(?:le)?s?|fonctionnalites?|functional|functionality|(?:cookies?\s+de\s+)?preferences?"
        r"\s+cookies?|cookies?\s+de\s+preferences?|personnalisation\s+de\s+l'interface|funktionale?)\b")),
    ("analytics", re.compile(
        r"\b(?:mesure\s+d'audience|statisti\w+|analytics?|analytiques?|audience\s+measurement|analyse\s+d[ue]\s+"
        r"(?:trafic|frequentation|l'audience)|traffic\s+analysis|analy[sz]e\s+(?:the\s+)?traffic"
        r"|performance\s+cookies?|cookies?\s+de\s+performance|analyse)\b")),
    ("marketing", re.compile(
        r"\b(?:publicit\w*|advertis\w*|ciblage|ciblee?s?|targeting|targeted|reseaux\s+sociaux|social\s+(?:media|"
        r"networks?|plugins?)|marketing|remarketing|retargeting|werbung)\b")),
)  # fmt: skip


def _is_heading(sentence: str) -> bool:
    return len(sentence) <= 80 and not re.search(r"[.!?]$", sentence)


def _read_categories(sentences: list[str]) -> tuple[tuple[str, Evidence], ...]:
    found: dict[str, Evidence] = {}
    for i, s in enumerate(sentences):
        folded = _fold(s)
        if not (_COOKIE_CONTEXT.search(folded) or _is_heading(s)):
            continue
        for category, rx in _CATEGORY_RX:
            m = rx.search(folded)
            if m and category not in found:
                found[category] = _evidence(sentences, i, m.start(), m.end())
    return tuple(sorted(found.items(), key=lambda kv: kv[1].position))


def _read_refusal(sentences: list[str]) -> Evidence | None:
    for i, s in enumerate(sentences):
        m = _REFUSAL.search(_fold(s))
        if m:
            return _evidence(sentences, i, m.start(), m.end())
    return None


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_notice(text_or_html: str, source: str, known: KnownTrackers | None = None) -> Notice:
    """Read a written cookie notice (HTML or plain text) into a :class:`Notice`.

    HTML is reduced to its text (scripts, styles, navigation and page header/footer dropped; block
    elements become paragraphs). Sentences are split on final punctuation followed by a capital,
    tolerating French typography (« », ’, non-breaking spaces) and abbreviations ("e.g.", "Inc.").
    ``known`` defaults to the shipped known_trackers data.

    >>> n = read_notice("Nous utilisons Google Analytics. Les cookies ne sont pas conservés plus de 13 mois.", "x")
    >>> n.vendor_names, n.lifetimes[0].scope
    (('Google Analytics',), 'cookies')
    """
    if known is None:
        from cookiescan import known as known_module

        known = known_module.load()
    text = _html_text(text_or_html) if _HTML_SNIFF.search(text_or_html[:5000]) else text_or_html
    sentences = _sentences(text)
    notes: list[str] = []
    if not sentences:
        notes.append("the notice has no text")
    vendors, spans = _read_vendors(sentences, known, notes)
    if not vendors:
        notes.insert(0, NO_VENDORS)
    lifetimes = _read_lifetimes(sentences, spans)
    if sentences and not any(p.scope == "cookies" for p in lifetimes):
        notes.append("no lifetime promise that applies to every cookie")
    return Notice(
        source=source,
        language=_language(" ".join(sentences)),
        vendors=vendors,
        lifetimes=lifetimes,
        refusal_cookie=_read_refusal(sentences),
        categories=_read_categories(sentences),
        notes=tuple(notes),
    )


_SUFFIXES = (".html", ".htm", ".txt", ".text", ".md")


def load_notice(path_or_text_file: str | Path, known: KnownTrackers | None = None) -> Notice:
    """Read a notice from a local ``.html``/``.htm``/``.txt`` file.

    Raises UsageError (one line) when the file is missing, not a file, of another type, unreadable or
    empty.
    """
    path = Path(path_or_text_file)
    if not path.exists():
        raise UsageError(f"notice file {path} does not exist", hint="Give a .html or .txt file, or a URL.")
    if not path.is_file():
        raise UsageError(f"notice {path} is not a file", hint="Give a .html or .txt file, or a URL.")
    if path.suffix.lower() not in _SUFFIXES:
        raise UsageError(
            f"notice file {path}: unsupported type {path.suffix or '(none)'!r}",
            hint="Save the notice as .html or .txt.",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read notice file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise UsageError(f"notice file {path} is empty")
    return read_notice(text, str(path), known)


# --------------------------------------------------------------------------------------------
# Checking the site against the notice
# --------------------------------------------------------------------------------------------

_GUIDELINES = "CNIL délibérations 2020-091 and 2020-092 of 17 September 2020"
NOTICE_RULE_INFO: dict[str, dict[str, str]] = {
    "undeclared-vendor": {
        "title": "Vendor not named in the notice",
        "severity": "medium",
        "explanation": (
            "A tracking vendor was seen on the site (its cookies, its requests) but the written cookie notice "
            "never names it. Visitors must be told who reads or writes on their device before they consent; "
            "a notice that leaves a recipient out makes the consent uninformed."
        ),
        "legal_basis": f"GDPR art. 4(11), 7 and 13(1)(e) (recipients); ePrivacy Directive art. 5(3); {_GUIDELINES} "
        "(the list of controllers must be available before consent).",
    },
    "notice-vendor-unused": {
        "title": "Vendor named in the notice but not seen",
        "severity": "low",
        "explanation": (
            "The notice names a vendor that was not seen on any scanned page in any consent state. The notice "
            "may be out of date, or the vendor appears only on pages that were not scanned."
        ),
        "legal_basis": "GDPR art. 5(1)(a) and 12 (transparent, accurate information).",
    },
    "notice-lifetime-broken": {
        "title": "Cookie outlives the notice's promise",
        "severity": "medium",
        "explanation": (
            "The notice promises that cookies are kept no longer than a given time, but a cookie asks the "
            "browser to keep it longer (beyond a slack of 5 % or 2 days). The lifetime judged is the one the "
            "site requested; the stored one (Chromium caps it at 400 days) only when no write was seen."
        ),
        "legal_basis": f"GDPR art. 5(1)(a) and (e); {_GUIDELINES} (13 months as the benchmark lifetime).",
    },
    "notice-lifetime-over-cap": {
        "title": "The notice promises a lifetime over the cap",
        "severity": "medium",
        "explanation": (
            "The notice itself allows cookies to live longer than the lifetime cap (13 months by default)."
        ),
        "legal_basis": f"{_GUIDELINES} (trackers should not live longer than 13 months).",
    },
    "refusal-not-remembered": {
        "title": "Refusal not remembered despite the notice",
        "severity": "medium",
        "explanation": (
            "The notice says a cookie records the visitor's refusal, but after clicking reject no cookie that "
            "could hold the choice appeared, or the consent banner showed again on a later page. A refusal "
            "that is not remembered makes the visitor refuse again and again, which pushes towards accepting."
        ),
        "legal_basis": f"GDPR art. 7(3) (refusing as easy as consenting); {_GUIDELINES} (keep the choice, "
        "recommended 6 months); EDPB Cookie Banner Taskforce report (17 Jan 2023).",
    },
}

# A cookie name that could hold a consent or refusal choice.
_CONSENT_NAME = re.compile(
    r"consent|cookie.?(?:law|notice|banner|bar|choice|pref|control|agree|accept|policy|settings|yes|script)|"
    r"choi(?:ce|x)|refus|reject|decline|deny|gdpr|rgpd|cmp|optanon|didomi|axeptio|tarteaucitron|cookiebot|"
    r"usercentrics|euconsent|cookiefirst|complianz|iubenda|klaro|borlabs|sp_|privacy|tracking.?(?:opt|allow)|"
    r"opt.?(?:out|in)|_cc_|^cc_|cookies?_?(?:accepted|allowed|status|ok)",
    re.IGNORECASE,
)

def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def _states(result: ScanResult) -> list[tuple[str, StateResult]]:
    order = {s: i for i, s in enumerate(STATES)}
    return sorted(result.states.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


def _ordered_states(names: Iterable[str]) -> list[str]:
    order = {s: i for i, s in enumerate(STATES)}
    return sorted(set(names), key=lambda s: (order.get(s, len(order)), s))


def _bare(domain: str | None) -> str:
    return (domain or "").strip().lstrip(".").lower()


@dataclass
class _Seen:
    """What a vendor was seen doing."""

    tracker: bool = False  # non-necessary cookie/storage, or an analytics/marketing request
    category: str = "unknown"
    states: set[str] | None = None
    domains: set[str] | None = None
    cookies: set[str] | None = None
    pages: set[str] | None = None

    def add(self, state: str, *, domain: str = "", cookie: str = "", page: str = "", tracker: bool,
            category: str) -> None:  # fmt: skip
        self.states = (self.states or set()) | {state}
        self.domains = (self.domains or set()) | ({domain} if domain else set())
        self.cookies = (self.cookies or set()) | ({cookie} if cookie else set())
        self.pages = (self.pages or set()) | ({page} if page else set())
        if tracker and not self.tracker:
            self.tracker, self.category = True, category
        elif self.category == "unknown":
            self.category = category


def _canonical(name: str, known: KnownTrackers) -> str:
    v = known.vendor_named(name)
    return v.name if v is not None else name


def _observed(result: ScanResult, known: KnownTrackers) -> dict[str, _Seen]:
    """Every vendor seen, by canonical name. Vendors owning the scanned site's own domains are left out:
    the site may itself be a listed entity."""
    own = {d.entity for s in result.first_party or (result.site,) if s and (d := known.domain(s)) is not None}
    seen: dict[str, _Seen] = {}

    def add(name: str | None, state: str, **kw: Any) -> None:
        if not name:
            return
        canon = _canonical(name, known)
        if canon not in own:
            seen.setdefault(canon, _Seen()).add(state, **kw)

    for state, st in _states(result):
        for c in st.cookies:
            add(c.vendor, state, domain=_bare(c.domain), cookie=c.name, page=c.first_seen_page,
                tracker=c.category != "necessary", category=c.category)  # fmt: skip
        storage = {(s.kind, s.key, s.origin): s for s in (*st.storage, *(x for p in st.pages for x in p.storage))}
        for s in storage.values():
            add(s.vendor, state, cookie=s.key, page=s.first_seen_page, tracker=s.category != "necessary",
                category=s.category)  # fmt: skip
        for tp in st.third_parties:
            add(tp.vendor, state, domain=tp.site, page=tp.first_seen_page,
                tracker=tp.category in ("analytics", "marketing"), category=tp.category)  # fmt: skip
        for page in st.pages:
            for r in page.requests:
                if r.party != "third" or not r.host:
                    continue
                info = known.domain(r.host)
                vendor = r.vendor or (info.entity if info is not None else None)
                category = r.category if r.category != "unknown" or info is None else info.category
                add(vendor, state, domain=r.site or r.host, page=page.url,
                    tracker=category in ("analytics", "marketing"), category=category)  # fmt: skip
    return seen


def _sample(items: Iterable[str] | None) -> list[str]:
    return sorted(items or ())[:_SAMPLE]


def _notice_ev(notice: Notice, ev: Evidence | None) -> dict[str, Any]:
    return {
        "notice_source": notice.source,
        "notice_sentence": ev.sentence if ev else None,
        "notice_position": ev.position if ev else None,
    }


def _vendor_findings(notice: Notice, known: KnownTrackers, seen: dict[str, _Seen]) -> list[Finding]:
    by_name: dict[str, Vendor] = {v.name: v for v in known.vendors()}
    named = {m.vendor: m for m in notice.vendors}
    companies = {m.vendor for m in notice.vendors if m.vendor not in by_name}

    def company(vendor: str) -> str | None:
        v = by_name.get(vendor)
        return v.company if v is not None else None

    def covered(vendor: str) -> VendorMention | None:
        if vendor in named:
            return named[vendor]
        c = company(vendor)
        return named[c] if c is not None and c in companies else None

    out: list[Finding] = []
    named_list = [m.vendor for m in notice.vendors]
    for vendor, s in sorted(seen.items()):
        if not s.tracker or covered(vendor) is not None:
            continue
        same_category = [m for m in notice.vendors if (v := by_name.get(m.vendor)) and v.category == s.category]
        near = (same_category or list(notice.vendors))[0]
        states = _ordered_states(s.states or ())
        ev = {
            "vendor": vendor,
            "company": company(vendor),
            "category": s.category,
            "states": states,
            "domains": _sample(s.domains),
            "cookies": _sample(s.cookies),
            "pages": _sample(s.pages),
            "named_vendors": named_list,
            **_notice_ev(notice, near.evidence),
        }
        msg = (
            f"{vendor} ({s.category}) was seen in the {'/'.join(states)} state(s) but the cookie notice never names "
            f"it; it names {', '.join(named_list)}."
        )
        out.append(Finding("undeclared-vendor", "medium", "all", vendor, msg, ev))

    seen_companies = {c for v in seen if (c := company(v))}
    for m in notice.vendors:
        used = m.vendor in seen or (m.vendor in companies and m.vendor in seen_companies)
        if used:
            continue
        kind = "company" if m.vendor in companies else "vendor"
        ev = {"vendor": m.vendor, "kind": kind, "matched": m.matched, **_notice_ev(notice, m.evidence)}
        msg = f"The cookie notice names {m.matched} but no {kind} {m.vendor} was seen on any scanned page in any state."
        out.append(Finding("notice-vendor-unused", "low", "all", m.vendor, msg, ev))
    return out


def _effective_lifetime(c: Cookie) -> tuple[float | None, str]:
    if c.via != "unknown":
        return c.requested_lifetime_days, "requested"
    return c.stored_lifetime_days, "stored"


def _lifetime_findings(result: ScanResult, notice: Notice) -> list[Finding]:
    promise = notice.cookie_promise()
    if promise is None:
        return []
    allowed = promise.days + max(0.05 * promise.days, 2.0)
    groups: dict[tuple[str, str], list[tuple[str, Cookie]]] = {}
    for state, st in _states(result):
        for c in st.cookies:
            groups.setdefault((c.name, c.site), []).append((state, c))
    out = []
    for (name, _site), items in sorted(groups.items()):
        hits = [(s, c, life, src) for s, c in items for life, src in [_effective_lifetime(c)]
                if life is not None and life > allowed]  # fmt: skip
        if not hits:
            continue
        _, c, life, src = max(hits, key=lambda h: h[2])
        ev = {
            "name": name,
            "domain": c.domain,
            "party": c.party,
            "vendor": c.vendor,
            "category": c.category,
            "states": _ordered_states(s for s, _ in items),
            "pages": _sample({p for _, x in items for p in (*x.pages, x.first_seen_page) if p}),
            "requested_lifetime_days": _r(c.requested_lifetime_days),
            "stored_lifetime_days": _r(c.stored_lifetime_days),
            "requested_raw": c.requested_raw,
            "lifetime_source": src,
            "judged_lifetime_days": _r(life),
            "promised_days": _r(promise.days),
            "promise_text": promise.text,
            "allowed_days": _r(allowed),
            **_notice_ev(notice, promise.evidence),
        }
        how = "asks to live" if src == "requested" else "is stored for"
        msg = (
            f"Cookie {name} {how} {life:g} days but the notice promises \u201c{promise.text}\u201d "
            f"({promise.days:g} days)."
        )
        out.append(Finding("notice-lifetime-broken", "medium", "all", name, msg, ev))
    return out


def _cap_findings(notice: Notice, cap_days: float | None) -> list[Finding]:
    if cap_days is None:
        return []
    out = []
    for p in notice.lifetimes:
        if p.scope in ("cookies", "specific") and p.days > cap_days + 1.0:
            ev = {"promised_days": _r(p.days), "promise_text": p.text, "scope": p.scope, "cap_days": _r(cap_days),
                  **_notice_ev(notice, p.evidence)}  # fmt: skip
            msg = (
                f"The notice allows cookies to live {p.days:g} days (\u201c{p.text}\u201d), "
                f"over the {cap_days:g}-day cap."
            )
            out.append(Finding("notice-lifetime-over-cap", "medium", "notice", p.text[:80], msg, ev))
    return out


def _norm_url(url: str) -> str:
    return url.split("#", 1)[0].rstrip("/")


def _refusal_findings(result: ScanResult, notice: Notice) -> list[Finding]:
    """The refusal heuristic: after the reject click, a cookie that could hold the choice must exist, and
    the banner must not show again.

    A cookie "could hold the choice" when it is in the jar of the reject state (not deleted) and either
    its name looks like a consent record (``consent``, ``OptanonConsent``, ``didomi_token``, ``cc_refus``…,
    any party: some consent managers keep it on their own domain) or it is first-party, first seen on the
    page where the banner was answered, and absent from the "before" state (so the click made it). A
    localStorage/sessionStorage key with a consent-like name counts too. "Shown again" is read from the
    reject state's pages (``banner_shown_again``). Nothing is judged when the reject state is missing or the
    reject click did not succeed (other rules report that).
    """
    if notice.refusal_cookie is None:
        return []
    reject = result.states.get("reject")
    banner = reject.banner if reject is not None else None
    if reject is None or banner is None or not banner.found or not banner.succeeded:
        return []
    before = result.states.get("before")
    before_keys = {(c.name, _bare(c.domain)) for c in before.cookies} if before is not None else set()
    click_pages = {_norm_url(banner.page_url)} | {
        _norm_url(p.url) for p in reject.pages if _norm_url(p.final_url) == _norm_url(banner.page_url)
    }
    live = [c for c in reject.cookies if c.in_jar and not c.deleted]
    consent_named = sorted({c.name for c in live if _CONSENT_NAME.search(c.name)})
    new_first = sorted({
        c.name for c in live
        if c.party == "first" and _norm_url(c.first_seen_page) in click_pages
        and (c.name, _bare(c.domain)) not in before_keys
    })  # fmt: skip
    storage = {s.key for s in (*reject.storage, *(x for p in reject.pages for x in p.storage))}
    consent_storage = sorted(k for k in storage if _CONSENT_NAME.search(k))
    again = sorted(
        {p.url for p in reject.pages if p.banner_shown_again}
    )
    remembered = bool(consent_named or new_first or consent_storage)
    if remembered and not again:
        return []
    ev = {
        "banner_page": banner.page_url,
        "cmp": banner.cmp,
        "buttons": list(banner.buttons),
        "reject_state_cookies": _sample({c.name for c in live}),
        "consent_like_cookies": consent_named,
        "new_first_party_cookies": new_first,
        "consent_like_storage": consent_storage,
        "banner_shown_again_on": again,
        "heuristic": (
            "after the reject click, a cookie with a consent-like name, or a first-party cookie first seen on "
            "the banner's page and absent before any choice, must be stored; the banner must not show again"
        ),
        **_notice_ev(notice, notice.refusal_cookie),
    }
    if not remembered:
        msg = ("The notice says a cookie records the refusal, but after clicking reject no cookie that could hold "
               "the choice was stored.")  # fmt: skip
        if again:
            msg += f" The banner showed again on {again[0]}."
    else:
        msg = f"The notice says the refusal is remembered, but the banner showed again on {again[0]} after rejecting."
    return [Finding("refusal-not-remembered", "medium", "reject", "banner", msg, ev)]


def notice_findings(
    result: ScanResult, notice: Notice, known: KnownTrackers, cap_days: float | None = None
) -> tuple[Finding, ...]:
    """Check a (classified) scan against what its written notice promises.

    Rules (see :data:`NOTICE_RULE_INFO`): ``undeclared-vendor`` (a tracking vendor seen in any state is
    not named), ``notice-vendor-unused`` (a named vendor, or company, is never seen), ``notice-lifetime-broken``
    (a cookie outlives the shortest promise that limits every cookie, beyond max(5 %, 2 days)),
    ``refusal-not-remembered`` (the notice promises a refusal cookie, the reject state shows none or the
    banner again) and, when ``cap_days`` is given, ``notice-lifetime-over-cap`` (the notice itself allows
    more than the cap). A notice naming no recognisable vendor gives no vendor findings: its
    :attr:`Notice.notes` says ``"no vendors recognised"``.

    A vendor counts as a tracker for ``undeclared-vendor`` when it set a non-necessary cookie or storage
    key, or was contacted as an analytics/marketing third party: CDNs and fonts are not asked for.
    """
    findings: list[Finding] = []
    if notice.vendors:
        findings += _vendor_findings(notice, known, _observed(result, known))
    findings += _lifetime_findings(result, notice)
    findings += _cap_findings(notice, cap_days)
    findings += _refusal_findings(result, notice)
    rank = {"high": 0, "medium": 1, "low": 2}
    return tuple(sorted(findings, key=lambda f: (rank.get(f.severity, 3), f.rule, f.subject, f.scenario)))
