"""The vendors a notice names: known_trackers' vendor names and aliases matched in its sentences, with the
false hits a regulator would never make left out (common words, URLs, "X" without Twitter, negated use)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cookiescan.notice.records import Evidence, VendorMention
from cookiescan.notice.text import evidence_at

if TYPE_CHECKING:
    from cookiescan.known import KnownTrackers, Vendor

__all__ = ["read_vendors"]

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


def read_vendors(
    sentences: list[str], known: KnownTrackers, notes: list[str]
) -> tuple[tuple[VendorMention, ...], dict[int, list[tuple[int, int]]]]:
    """The vendors named, first sentence each, and where each name sits (sentence -> [(start, end)]: a
    lifetime promise next to a vendor is about that vendor's cookie). A vendor named only where the text
    says it is not used is left out, with a note."""
    matcher = _matcher(known)
    mentions: dict[str, VendorMention] = {}
    negated: dict[str, Evidence] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for i, s in enumerate(sentences):
        for start, end, vendor, found, _company in _vendor_hits(s, matcher):
            spans.setdefault(i, []).append((start, end))
            if _NEGATED_USE.search(s[:start]):
                negated.setdefault(vendor, evidence_at(sentences, i, start, end))
                continue
            if vendor not in mentions:
                mentions[vendor] = VendorMention(vendor, " ".join(found.split()), evidence_at(sentences, i, start, end))
    for vendor, ev in negated.items():
        if vendor not in mentions:
            notes.append(f"{vendor} is named only in a sentence saying it is not used (sentence {ev.position + 1})")
    return tuple(mentions.values()), spans
