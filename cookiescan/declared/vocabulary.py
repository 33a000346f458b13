"""The words declared lists are written in: categories, column headers and yes/no, in six languages.

* :func:`normalise_category` — a declared category or purpose ("Mesure d'audience", "Präferenzen")
  as necessary|functional|analytics|marketing|unknown;
* :func:`_column_role` and :class:`_Columns` — which column (CSV header, YAML/JSON key, policy-page
  table header) holds the name, domain, category, lifetime, provider or pattern flag; files are read
  strictly (:data:`_FILE_KEYS`), policy pages loosely (:data:`_ROLE_PATTERNS`);
* the shared text helpers (:func:`_words`, :func:`_text`, :func:`_truthy`); folding itself is
  :func:`cookiescan.units.fold`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from cookiescan.units import fold

__all__ = ["normalise_category"]


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------


def _words(text: str) -> str:
    """Folded text with everything but letters and digits turned into single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def _text(value: Any) -> str | None:
    """A value as one line of text (mappings and lists as JSON), or None when empty."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    s = " ".join(str(value).split())
    return s or None


def _truthy(value: Any) -> bool | None:
    """A yes/no value in any of the languages (True/False), or None when it is neither."""
    if isinstance(value, bool):
        return value
    t = fold(str(value)) if value is not None else ""
    if t in {"true", "yes", "y", "1", "x", "oui", "ja", "si", "vrai", "wahr"}:
        return True
    if t in {"false", "no", "n", "0", "non", "nein", "faux", "falsch", ""}:
        return False
    return None


# --------------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------------

# Most invasive first: "Publicité et personnalisation" is marketing, "Nécessaires et mesure
# d'audience" is analytics.
# fmt: off
_CATEGORY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(r"(?<![a-z])(?:" + "|".join(words.split()) + ")"))
    for category, words in (
        ("marketing", r"marketing remarketing retargeting publici pubblicit advertis ads?\b cibl target"
                      r" reseaux\ssociaux sociaux social sozial werb profilage profiling affiliat annonceur"
                      r" reclame advertentie redes\ssociales"),
        ("analytics", "analy anali audience statisti estadistic performance leistung measurement mesure"
                      " metric prestatie"),
        ("functional", "functional fonctionnel fonctionnalit funktional funktionell funcional funzional"
                       " functioneel preferen praferenz personnalis personalis personaliz komfort confort"
                       " voorkeur"),
        ("necessary", "necessa necesari essenti essenzi strictly strictement required notwendig erforderlich"
                      " technique technical technisch tecnic securit sicherheit indispensable obligatoire"
                      " noodzakelijk imprescindibil unbedingt"),
    )
)
# fmt: on
_NEGATION = re.compile(r"(?<![a-z])(?:non|not|nicht|no|sans|without|ohne|sin|senza|niet)[\s\-]*$")


def normalise_category(text: str) -> str:
    """necessary|functional|analytics|marketing from a declared category or purpose; else unknown.

    Understands French, English and German (and common Spanish, Italian, Dutch) words:
    "Strictement nécessaires" → necessary, "Präferenzen" → functional, "Mesure d'audience" →
    analytics, "Réseaux sociaux" → marketing. Negated words do not count ("non essentiels").
    When several categories are named the most invasive wins (marketing > analytics >
    functional > necessary).
    """
    t = fold(text)
    for category, rx in _CATEGORY_PATTERNS:
        for m in rx.finditer(t):
            if not _NEGATION.search(t[: m.start()]):
                return category
    return "unknown"


# --------------------------------------------------------------------------------------------
# Column headers (CSV header, YAML/JSON keys, HTML table headers)
# --------------------------------------------------------------------------------------------

# fmt: off
_ROLE_PATTERNS: tuple[tuple[str, int, re.Pattern[str]], ...] = tuple(
    (role, rank, re.compile(r"(?<![a-z])(?:" + words + ")"))
    for role, rank, words in (
        ("lifetime", 0, r"duree|duration|dure\b|expir|retention|conservation|lifetime|lifespan|life span"
                        r"|laufzeit|speicherdauer|ablauf|dauer|gultigkeit|duracion|caducidad|durata"
                        r"|scadenza|bewaartermijn|looptijd|max age|validit|storage period"),
        ("domain", 0, r"domain|dominio|domein|host|hote"),
        ("provider", 0, r"fournisseur|emetteur|emis par|editeur|provider|vendor|set by|anbieter|partenaire"
                        r"|partner|societe|company|owner|proprietaire|proveedor|fornitore|aanbieder"
                        r"|platform|plateforme|service|dienst"),
        ("category", 0, r"categor|kategor"),
        ("category", 1, r"type|typ\b|tipo"),
        ("category", 2, r"finalit|purpose|zweck|objectif|but\b|usage|utilisation|use\b|used\b|finalidad"
                        r"|doel|verwendung"),
        ("pattern", 0, r"pattern|wildcard"),
    )
)
# fmt: on
_NAME_CORE = {
    "name",
    "names",
    "nom",
    "noms",
    "cookie",
    "cookies",
    "traceur",
    "traceurs",
    "tracker",
    "trackers",
    "nombre",
    "nome",
    "naam",
}
_NAME_FILLER = {"du", "de", "des", "la", "le", "les", "the", "of", "s", "del", "di", "van", "het", "id"}
_DAYS_HINT = re.compile(r"(?<![a-z])(?:days|jours|tage|dias|giorni|dagen)(?![a-z])")


# Files are written for cookiescan: their headers/keys must be one of these words exactly, so
# that a key such as "owner_team" stays an extra field instead of becoming the provider.
_FILE_KEYS: dict[str, tuple[str, int]] = {}
# fmt: off
for _role, _rank, _spellings in (
    ("lifetime", 0, "lifetime|lifetime days|duration|duration days|expiry|expiry days|expiration|expires"
                    "|expire|retention|retention days|max age|lifespan|days|duree|duree de conservation"
                    "|conservation|laufzeit|speicherdauer|ablauf|dauer"),
    ("domain", 0, "domain|cookie domain|host|domaine|domaine du cookie"),
    ("provider", 0, "provider|vendor|owner|company|set by|platform|service|fournisseur|emetteur|editeur"
                    "|anbieter"),
    ("category", 0, "category|cookie category|categorie|kategorie"),
    ("category", 1, "type|cookie type|typ"),
    ("category", 2, "purpose|finalite|zweck"),
    ("pattern", 0, "pattern|is pattern|wildcard"),
):
    for _key in _spellings.split("|"):
        _FILE_KEYS[_key] = (_role, _rank)

# fmt: on


def _column_role(header: str, *, strict: bool = False) -> tuple[str, int] | None:
    """(role, rank) for a column header or mapping key; lower rank = more specific.

    Policy pages are read loosely (keywords anywhere in the header); ``strict`` (files) wants a
    known header word exactly.
    """
    w = _words(header)
    if not w:
        return None
    tokens = set(w.split())
    if tokens & _NAME_CORE and tokens <= _NAME_CORE | _NAME_FILLER:
        return ("name", 0)
    if strict:
        return _FILE_KEYS.get(w)
    for role, rank, rx in _ROLE_PATTERNS:
        if rx.search(w):
            return (role, rank)
    return None


@dataclass
class _Columns:
    """Which column (index or key) plays which role; the rest are extra."""

    roles: dict[str, tuple[int, int]] = field(default_factory=dict)  # role -> (rank, index)
    # "Type" (rank 1) and "Purpose"/"Finalité" (rank 2) columns: hints at the category, kept as
    # extra when the category came from elsewhere. A heading above a table beats a purpose.
    hints: list[tuple[int, int]] = field(default_factory=list)  # (rank, index)

    @classmethod
    def from_headers(cls, headers: list[str], *, strict: bool = False) -> _Columns:
        cols = cls()
        for i, h in enumerate(headers):
            found = _column_role(h, strict=strict)
            if found is None:
                continue
            role, rank = found
            if role == "category" and rank > 0:
                cols.hints.append((rank, i))
                continue
            if role not in cols.roles or rank < cols.roles[role][0]:
                cols.roles[role] = (rank, i)
        cols.hints.sort()
        return cols

    def index(self, role: str) -> int | None:
        found = self.roles.get(role)
        return None if found is None else found[1]

    def used(self) -> set[int]:
        """Columns consumed by a field (category hints are not: they may end up in extra)."""
        return {i for _, i in self.roles.values()}

    def category_columns(self, max_rank: int = 2) -> list[int]:
        """The category column, then hint columns up to ``max_rank``, most specific first."""
        found = [i for rank, i in self.hints if rank <= max_rank]
        if (i := self.index("category")) is not None:
            found.insert(0, i)
        return found
