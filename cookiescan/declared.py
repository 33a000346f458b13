"""The cookies a site says it uses: a declared list read from a file or from its cookie policy page.

A declared list is the site's own promise (name or pattern, domain, category, lifetime, provider).
The rules compare what the browser saw with it (``undeclared-cookie``, ``declared-not-found``,
``lifetime-over-declared``, ``declared-lifetime-over-cap``).

Sources:
    * a file, chosen by extension (:data:`LOADERS`): CSV with a header row, or YAML/JSON holding a
      list of mappings (or ``{cookies: [...]}``);
    * the tables of a cookie policy page (:func:`extract_from_html`).

Files are strict: anything malformed raises :class:`~cookiescan.errors.DeclaredListError` naming the
file and row/line. Values that are present but cannot be understood (a duration such as "jusqu'à la
fin des temps", an unknown category) are kept as text and reported in ``DeclaredList.warnings``.

Durations are converted to days with a month of 30.44 days and a year of 365.25 days, so "13 mois"
is 395.72 days (the CNIL benchmark, "≈ 395-396 days") and "12 months" ≈ "1 year".
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup, Tag

from cookiescan.errors import DeclaredListError
from cookiescan.models import CATEGORIES
from cookiescan.units import fold, parse_duration

__all__ = [
    "CATEGORIES",
    "LOADERS",
    "DeclaredCookie",
    "DeclaredList",
    "extract_from_html",
    "load_declared_file",
    "normalise_category",
]


_FIELDS_HINT = "columns/keys: name, domain, category, lifetime, provider (only name is required)"


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeclaredCookie:
    """One declared cookie (or cookie pattern).

    Fields:
        name: as declared; may be a pattern (``_ga_*``, ``_ga_<container-id>``, ``_gat_UA-XXXXX-Y``).
        pattern: True when ``name`` is matched as a pattern; ``*`` and placeholders
            (``<id>``, ``[id]``, ``{id}``, runs of ``xxx``/``XXX`` between separators) stand for
            "any characters". A pattern flag set on a name without any of these means "prefix".
        domain: as declared (lower-cased, scheme/path removed), or None when absent.
        category: necessary|functional|analytics|marketing|unknown; None when nothing was declared,
            "unknown" when text was declared but not understood.
        category_text: the text the category came from (a column, a heading above the table).
        lifetime_days: requested lifetime in days (session = 0); None when absent or unparseable.
        lifetime_text: the declared text, kept whenever there was one.
        provider: as declared.
        source: where it was declared: ``"cookies.csv:row 4"``, ``"https://…/cookies#table 2 row 3"``.
        extra: other columns/keys, as (header, text) pairs in declaration order.
    """

    name: str
    pattern: bool
    domain: str | None
    category: str | None
    category_text: str | None
    lifetime_days: float | None
    lifetime_text: str | None
    provider: str | None
    source: str
    extra: tuple[tuple[str, str], ...] = ()

    def matches(self, name: str, domain: str | None = None) -> bool:
        """True when an observed cookie ``name`` (on ``domain``) is covered by this declaration.

        Names are case-sensitive, as cookie names are. Domains are compared tolerantly: a leading
        dot is ignored, and either domain may be the other or a parent of it (``.example.com``
        covers ``example.com`` and ``www.example.com``; ``www.example.com`` covers a cookie set
        on ``.example.com``). A declaration without a domain, or an observation without one,
        matches any domain.
        """
        if self.pattern:
            if _name_regex(self.name).fullmatch(name) is None:
                return False
        elif name != self.name:
            return False
        return _domains_match(self.domain, domain)


@dataclass(frozen=True, slots=True)
class DeclaredList:
    """A declared cookie list: its entries, where it came from and what could not be understood."""

    entries: tuple[DeclaredCookie, ...]
    source: str
    warnings: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[DeclaredCookie]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, name: str, domain: str | None = None) -> DeclaredCookie | None:
        """The declaration covering cookie ``name`` on ``domain``, or None.

        An exact name beats any pattern (and, among exact names, one with a matching declared
        domain beats one without a domain); among patterns the longest literal part wins
        (``_hjSessionUser_*`` beats ``_hj*``); ties go to the first declared.
        """
        best: DeclaredCookie | None = None
        best_key: tuple[int, int, int] | None = None
        for entry in self.entries:
            if not entry.matches(name, domain):
                continue
            key = (0 if entry.pattern else 1, _literal_length(entry), 1 if entry.domain else 0)
            if best_key is None or key > best_key:
                best, best_key = entry, key
        return best

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (``extra`` becomes a mapping); :meth:`from_dict` reverses it."""
        return {
            "source": self.source,
            "entries": [
                {
                    "name": e.name,
                    "pattern": e.pattern,
                    "domain": e.domain,
                    "category": e.category,
                    "category_text": e.category_text,
                    "lifetime_days": e.lifetime_days,
                    "lifetime_text": e.lifetime_text,
                    "provider": e.provider,
                    "source": e.source,
                    "extra": dict(e.extra),
                }
                for e in self.entries
            ],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DeclaredList:
        """Rebuild a list from :meth:`to_dict` output (e.g. read back from a scan's JSON)."""
        try:
            entries = tuple(
                DeclaredCookie(
                    name=str(e["name"]),
                    pattern=bool(e.get("pattern", False)),
                    domain=e.get("domain"),
                    category=e.get("category"),
                    category_text=e.get("category_text"),
                    lifetime_days=None if e.get("lifetime_days") is None else float(e["lifetime_days"]),
                    lifetime_text=e.get("lifetime_text"),
                    provider=e.get("provider"),
                    source=str(e.get("source", "")),
                    extra=tuple((str(k), str(v)) for k, v in dict(e.get("extra") or {}).items()),
                )
                for e in d["entries"]
            )
            return cls(entries=entries, source=str(d["source"]), warnings=tuple(d.get("warnings") or ()))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DeclaredListError(
                f"not a declared list: {exc.__class__.__name__}: {exc}",
                hint="Expected the 'declared' object written by cookiescan (source, entries, warnings).",
            ) from exc


# --------------------------------------------------------------------------------------------
# Names, patterns and domains
# --------------------------------------------------------------------------------------------

# Placeholders policies write for the variable part of a name: _ga_*, _ga_<container-id>,
# _hjSession_[site id], _pk_id.{id}, _gat_UA-XXXXX-Y, _ga_XXXXXXXXXX.
_PLACEHOLDER = re.compile(r"\*|<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}|(?<=[_.\-])(?:x{3,}|X{3,}|#{2,})(?=[_.\-]|$)")


def _is_pattern(name: str) -> bool:
    return _PLACEHOLDER.search(name) is not None


@lru_cache(maxsize=4096)
def _name_regex(name: str) -> re.Pattern[str]:
    parts: list[str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(name):
        parts.append(re.escape(name[pos : m.start()]))
        parts.append(".*" if m.group() == "*" else ".+")
        pos = m.end()
    if pos == 0 and not parts:  # flagged as a pattern but no placeholder: a prefix
        return re.compile(re.escape(name) + ".*", re.DOTALL)
    parts.append(re.escape(name[pos:]))
    return re.compile("".join(parts), re.DOTALL)


def _literal_length(entry: DeclaredCookie) -> int:
    return len(_PLACEHOLDER.sub("", entry.name)) if entry.pattern else len(entry.name)


def _bare_domain(domain: str) -> str:
    return domain.strip().lower().lstrip(".").rstrip(".")


def _domains_match(declared: str | None, observed: str | None) -> bool:
    if not declared or not observed:
        return True
    d, o = _bare_domain(declared), _bare_domain(observed)
    if not d or not o:
        return True
    return d == o or o.endswith("." + d) or d.endswith("." + o)


_HOST = re.compile(r"^\.?(?:[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?\.)+[a-z0-9\-]{2,}$")


def _clean_domain(text: str) -> str | None:
    """A declared domain as a host (keeping a leading dot), or None when it is not one."""
    t = text.strip().lower()
    t = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", t)
    t = t.split("/", 1)[0].split(":", 1)[0]
    if t.startswith("*."):
        t = t[1:]
    return t if _HOST.match(t) else None


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------


def _words(text: str) -> str:
    """Folded text with everything but letters and digits turned into single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


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


# --------------------------------------------------------------------------------------------
# Building entries
# --------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """One declaration as read, before interpretation."""

    name: str
    domain: Any = None
    # (text, column header or None for a heading): tried in order, the first that names a known
    # category wins; column texts not chosen are kept in extra.
    category_sources: list[tuple[str, str | None]] = field(default_factory=list)
    lifetime: Any = None
    lifetime_days_hint: bool = False
    provider: Any = None
    pattern: bool | None = None
    extra: list[tuple[str, str]] = field(default_factory=list)


_UNKNOWN_WORDS = {"unknown", "inconnu", "unbekannt", "other", "others", "autre", "autres", "sonstige"}
_NO_VALUE = {"", "-", "\u2013", "\u2014", "n/a", "na", "n.a.", "?", "/", "none", "null"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    s = " ".join(str(value).split())
    return s or None


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    t = fold(str(value)) if value is not None else ""
    if t in {"true", "yes", "y", "1", "x", "oui", "ja", "si", "vrai", "wahr"}:
        return True
    if t in {"false", "no", "n", "0", "non", "nein", "faux", "falsch", ""}:
        return False
    return None


def _make_entry(raw: _Raw, *, where: str, source: str, warnings: list[str]) -> DeclaredCookie:
    name = raw.name.strip()
    if re.search(r"\s", _PLACEHOLDER.sub("", name)):
        warnings.append(f'{where}: cookie name "{name}" contains spaces — kept as declared')
    pattern = raw.pattern if raw.pattern is not None else _is_pattern(name)
    extra = list(raw.extra)

    domain: str | None = None
    domain_text = _text(raw.domain)
    if domain_text and fold(domain_text) not in _NO_VALUE:
        domain = _clean_domain(domain_text)
        if domain is None:
            warnings.append(f'{where}: domain "{domain_text}" is not a host name — matching any domain')
            extra.append(("domain", domain_text))

    category: str | None = None
    category_text: str | None = None
    sources = [(t, h) for t, h in raw.category_sources if t and fold(t) not in _NO_VALUE]
    chosen = next((k for k, (t, _) in enumerate(sources) if normalise_category(t) != "unknown"), None)
    if chosen is None:
        chosen = next((k for k, (_, h) in enumerate(sources) if h is not None), None)
    if chosen is not None:
        category_text = sources[chosen][0]
        category = normalise_category(category_text)
        if category == "unknown" and fold(category_text) not in _UNKNOWN_WORDS:
            warnings.append(f'{where}: unknown category "{category_text}" — kept as unknown')
    extra.extend((h, t) for k, (t, h) in enumerate(sources) if h is not None and k != chosen)

    lifetime_days: float | None = None
    lifetime_text: str | None = None
    value = raw.lifetime
    if isinstance(value, bool):
        lifetime_text = str(value)
        warnings.append(f'{where}: cannot parse duration "{lifetime_text}" — kept as text')
    elif isinstance(value, (int, float)):
        lifetime_text = str(value)
        if value >= 0:
            lifetime_days = float(value)
        else:
            warnings.append(f"{where}: negative lifetime {value} — ignored")
    else:
        lifetime_text = _text(value)
        if lifetime_text is not None:
            if raw.lifetime_days_hint and re.fullmatch(r"\d+(?:[.,]\d+)?", lifetime_text):
                lifetime_days = float(lifetime_text.replace(",", "."))
            else:
                lifetime_days = parse_duration(lifetime_text)
            if lifetime_days is None and fold(lifetime_text) not in _NO_VALUE:
                warnings.append(f'{where}: cannot parse duration "{lifetime_text}" — kept as text')

    provider = _text(raw.provider)
    return DeclaredCookie(
        name=name,
        pattern=pattern,
        domain=domain,
        category=category,
        category_text=category_text,
        lifetime_days=lifetime_days,
        lifetime_text=lifetime_text,
        provider=provider,
        source=source,
        extra=tuple(extra),
    )


def _finish(entries: list[DeclaredCookie], wheres: list[str], source: str, warnings: list[str]) -> DeclaredList:
    seen: dict[tuple[str, str | None], str] = {}
    for entry, where in zip(entries, wheres, strict=True):
        key = (entry.name, _bare_domain(entry.domain) if entry.domain else None)
        if key in seen:
            warnings.append(f"{where}: {entry.name} already declared at {seen[key]}")
        else:
            seen[key] = where
    return DeclaredList(entries=tuple(entries), source=source, warnings=tuple(warnings))


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def load_declared_file(path: str | Path) -> DeclaredList:
    """Read a declared list from a ``.csv``, ``.yaml``/``.yml`` or ``.json`` file.

    CSV needs a header row naming the columns (``name,domain,category,lifetime,provider``, any
    case and order; synonyms such as ``cookie``, ``duration``/``expiry``, ``vendor``, ``purpose``
    work; ``;`` and tab separators are recognised). YAML/JSON hold a list of mappings with the
    same keys, or ``{cookies: [...]}``; a bare string is a name; ``lifetime`` may be text
    ("13 months") or a number of days. Other columns/keys are kept in ``extra``.

    Raises DeclaredListError, naming the file and the row/line, for a missing or non-UTF-8 file,
    a syntax error, a missing header or ``name`` column, a row with the wrong number of fields,
    an entry without a name, or a list that declares no cookies.

    Example::

        declared = load_declared_file("cookies.yml")
        declared.match("_ga_ABC123", ".example.com")
    """
    p = Path(path)
    label = str(path)
    loader = LOADERS.get(p.suffix.lower())
    if loader is None:
        raise DeclaredListError(
            f"{label}: unsupported file type {p.suffix or '(no extension)'!r}",
            hint="Use a .csv, .yaml, .yml or .json file.",
        )
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DeclaredListError(f"{label}: file not found", hint="Check the path to the declared list.") from None
    except IsADirectoryError:
        raise DeclaredListError(
            f"{label}: is a folder, not a file", hint="Name the declared list file itself."
        ) from None
    except OSError as exc:
        raise DeclaredListError(f"{label}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DeclaredListError(
            f"{label}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x})",
            hint="Save the file as UTF-8 (spreadsheets: 'CSV UTF-8').",
        ) from None
    return loader(label, text)


def _no_cookies(label: str) -> DeclaredListError:
    return DeclaredListError(f"{label}: declares no cookies", hint=f"Add at least one cookie ({_FIELDS_HINT}).")


def _load_csv(label: str, text: str) -> DeclaredList:
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise _no_cookies(label)
    delimiter = max((",", ";", "\t"), key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    header: list[str] | None = None
    cols = _Columns()
    entries: list[DeclaredCookie] = []
    wheres: list[str] = []
    warnings: list[str] = []
    end = 0
    while True:
        row_start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DeclaredListError(
                f"{label}: row {reader.line_num}: CSV error: {exc}",
                hint='Check the quotes on that row: a field with the separator needs "double quotes".',
            ) from None
        end = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        where = f"row {row_start}"
        if header is None:
            header = cells
            cols = _Columns.from_headers(header, strict=True)
            if cols.index("name") is None:
                if not cols.roles and not cols.hints:
                    message = f"{label}: {where}: no header row (the first row must name the columns)"
                else:
                    message = f"{label}: {where}: the header has no 'name' column"
                raise DeclaredListError(message, hint=f"Start the file with a header row; {_FIELDS_HINT}.")
            continue
        if len(cells) > len(header) and not any(cells[len(header) :]):
            cells = cells[: len(header)]
        if len(cells) != len(header):
            raise DeclaredListError(
                f"{label}: {where}: expected {len(header)} fields as in the header, found {len(cells)}",
                hint=f'Quote fields that contain the separator "{delimiter}", e.g. "1,5 an".',
            )
        raw = _raw_from_cells(header, cells, cols)
        if not raw.name:
            raise DeclaredListError(
                f"{label}: {where}: no cookie name", hint="Every row needs a name (a cookie name or pattern)."
            )
        entries.append(_make_entry(raw, where=where, source=f"{label}:{where}", warnings=warnings))
        wheres.append(where)
    if not entries:
        raise _no_cookies(label)
    return _finish(entries, wheres, label, warnings)


def _raw_from_cells(header: list[str], cells: list[str], cols: _Columns) -> _Raw:
    def cell(role: str) -> str | None:
        i = cols.index(role)
        return cells[i] if i is not None and i < len(cells) else None

    sources: list[tuple[str, str | None]] = [
        (cells[i], header[i] or f"column {i + 1}") for i in cols.category_columns() if i < len(cells)
    ]
    life_i = cols.index("lifetime")
    pattern_text = cell("pattern")
    used = cols.used() | set(cols.category_columns())
    extra = [
        (header[i] or f"column {i + 1}", value)
        for i, value in enumerate(cells)
        if i not in used and value and i < len(header)
    ]
    return _Raw(
        name=cell("name") or "",
        domain=cell("domain"),
        category_sources=sources,
        lifetime=cell("lifetime"),
        lifetime_days_hint=life_i is not None and bool(_DAYS_HINT.search(fold(header[life_i]))),
        provider=cell("provider"),
        pattern=_truthy(pattern_text) if pattern_text else None,
        extra=extra,
    )


class _LineList(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers the line of each item."""

    lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[_LineList]:
    data = _LineList()
    data.lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_sequence(node))


_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _load_yaml(label: str, text: str) -> DeclaredList:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: plain data only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = exc.problem or exc.context or "syntax error"
        raise DeclaredListError(
            f"{label}: {where}: YAML syntax error: {problem}",
            hint="Check indentation and quoting near that line (values with ': ' or '#' need quotes).",
        ) from None
    except yaml.YAMLError as exc:
        raise DeclaredListError(f"{label}: YAML error: {' '.join(str(exc).split())}") from None
    return _from_data(label, data)


def _load_json(label: str, text: str) -> DeclaredList:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeclaredListError(
            f"{label}: line {exc.lineno}, column {exc.colno}: JSON syntax error: {exc.msg}",
            hint="Check for a missing comma or quote, or a trailing comma, just before that point.",
        ) from None
    # JSON is (almost always) YAML too: read it again to learn each entry's line.
    try:
        with_lines = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: plain data only
    except yaml.YAMLError:
        with_lines = None
    return _from_data(label, with_lines if with_lines == data else data)


def _from_data(label: str, data: Any) -> DeclaredList:
    if data is None:
        raise _no_cookies(label)
    items: Any = data
    if isinstance(data, Mapping):
        key = next((k for k in data if isinstance(k, str) and k.strip().casefold() == "cookies"), None)
        if key is None:
            keys = ", ".join(repr(k) for k in list(data)[:5])
            raise DeclaredListError(
                f"{label}: expected a list of cookies or a mapping with a 'cookies' key, found keys {keys}",
                hint="Write 'cookies:' followed by a list of entries.",
            )
        items = data[key]
        if items is None:
            raise _no_cookies(label)
    if not isinstance(items, list):
        raise DeclaredListError(
            f"{label}: expected a list of cookies, found {type(items).__name__}",
            hint="Each entry starts with '- name: …' (YAML) or is an object in a [...] list (JSON).",
        )
    if not items:
        raise _no_cookies(label)
    lines: list[int] | None = getattr(items, "lines", None)
    entries: list[DeclaredCookie] = []
    wheres: list[str] = []
    warnings: list[str] = []
    for i, item in enumerate(items):
        where = f"line {lines[i]}" if lines else f"entry {i + 1}"
        raw = _raw_from_item(label, where, item)
        entries.append(_make_entry(raw, where=where, source=f"{label}:{where}", warnings=warnings))
        wheres.append(where)
    return _finish(entries, wheres, label, warnings)


def _raw_from_item(label: str, where: str, item: Any) -> _Raw:
    if isinstance(item, str):
        if not item.strip():
            raise DeclaredListError(f"{label}: {where}: entry has no name", hint="Give each entry a name.")
        return _Raw(name=item)
    if not isinstance(item, Mapping):
        raise DeclaredListError(
            f"{label}: {where}: expected a mapping with a name, found {type(item).__name__}",
            hint=f"Each entry is a mapping ({_FIELDS_HINT}) or a cookie name.",
        )
    keys = [str(k) for k in item]
    cols = _Columns.from_headers(keys, strict=True)
    values = list(item.values())

    def value(role: str) -> Any:
        i = cols.index(role)
        return None if i is None else values[i]

    name = value("name")
    if name is None or isinstance(name, (bool, list, dict)) or not str(name).strip():
        raise DeclaredListError(
            f"{label}: {where}: entry has no name",
            hint="Every entry needs a 'name' key with a cookie name or pattern, e.g. name: _ga_*",
        )
    sources: list[tuple[str, str | None]] = [
        (t, keys[i]) for i in cols.category_columns() if (t := _text(values[i])) is not None
    ]
    life_i = cols.index("lifetime")
    pattern_value = value("pattern")
    used = cols.used() | set(cols.category_columns())
    extra = [(keys[i], t) for i in range(len(keys)) if i not in used and (t := _text(values[i])) is not None]
    return _Raw(
        name=str(name),
        domain=value("domain"),
        category_sources=sources,
        lifetime=value("lifetime"),
        lifetime_days_hint=life_i is not None and bool(_DAYS_HINT.search(fold(keys[life_i]))),
        provider=value("provider"),
        pattern=None if pattern_value is None else _truthy(pattern_value),
        extra=extra,
    )


# One loader per file extension.
LOADERS: dict[str, Callable[[str, str], DeclaredList]] = {
    ".csv": _load_csv,
    ".yaml": _load_yaml,
    ".yml": _load_yaml,
    ".json": _load_json,
}


# --------------------------------------------------------------------------------------------
# Policy pages
# --------------------------------------------------------------------------------------------

_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
_BLOCKS = ["p", "div", "li", "dd", "dt", "tr", "ul", "ol"]
_COOKIE_WORD = re.compile(r"cooki|traceur|tracker|kaker")
_NAME_SPLIT = re.compile(r"[\n,;]+|\s+/\s+|\s+(?:et|and|und|ou|or|oder)\s+")


def _cell_text(cell: Tag | None) -> str:
    return " ".join(cell.get_text().split()) if cell is not None else ""


def _cell_names(cell: Tag | None) -> list[str]:
    if cell is None:
        return []
    names = []
    for piece in _NAME_SPLIT.split(cell.get_text()):
        name = " ".join(piece.split()).strip("\"'`\u201c\u201d\u00ab\u00bb•· ")
        name = re.sub(r"\s+\([^()]*\)$", "", name)  # "_ga (Google Analytics)"
        if name:
            names.append(name)
    return names


def _span(cell: Tag, attr: str) -> int:
    value = cell.get(attr)
    try:
        n = int(str(value).strip()) if value is not None else 1
    except ValueError:
        n = 1
    return min(max(n, 1), 100)


def _grid(rows: list[Tag]) -> list[tuple[list[Tag | None], int]]:
    """Each row's cells by column (colspan/rowspan expanded) and its number of physical cells."""
    pending: dict[int, tuple[Tag, int]] = {}  # column -> (cell, rows still covered)
    grid: list[tuple[list[Tag | None], int]] = []

    for tr in rows:
        cells = [c for c in tr.find_all(["td", "th"], recursive=False) if isinstance(c, Tag)]
        line: list[Tag | None] = []

        def take_pending(line: list[Tag | None] = line) -> bool:
            col = len(line)
            if col not in pending:
                return False
            cell, left = pending[col]
            line.append(cell)
            if left <= 1:
                del pending[col]
            else:
                pending[col] = (cell, left - 1)
            return True

        for c in cells:
            while take_pending():
                pass
            rowspan = _span(c, "rowspan")
            for _ in range(_span(c, "colspan")):
                if rowspan > 1:
                    pending[len(line)] = (c, rowspan - 1)
                line.append(c)
        while pending and len(line) <= max(pending):
            if not take_pending():
                line.append(None)
        grid.append((line, len(cells)))
    return grid


def _heading_before(table: Tag) -> str | None:
    heading = table.find_previous(_HEADINGS)
    return _cell_text(heading) or None if isinstance(heading, Tag) else None


def extract_from_html(html: str, url: str) -> DeclaredList:
    """The cookies declared in the tables of a cookie policy page.

    A table counts when its header row names a cookie-name column ("Nom du cookie", "Cookie",
    "Nom", "Traceur", "Name", "Cookie-Name", …) and it either has a duration column or mentions
    cookies in its headers, caption or the heading above it. Other columns are mapped by their
    header (category/type/purpose, duration, provider, domain) and the rest kept in ``extra``.
    A category heading (h1-h6 or caption) above the table, or a full-width row inside it, gives
    the category of rows without a recognisable one; a "Finalité"/"Purpose" column is used only
    when neither names a category. A cell listing several names (commas, line breaks) gives one
    entry per name. Sources read ``URL#table T row R`` (T counts every table on the page, R the
    rows after the header).

    Raises DeclaredListError when the page has no cookie table.
    """
    soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        if isinstance(block, Tag):
            block.append("\n")

    entries: list[DeclaredCookie] = []
    wheres: list[str] = []
    warnings: list[str] = []
    cookie_tables = 0
    for t_index, table in enumerate(soup.find_all("table"), 1):
        if not isinstance(table, Tag):
            continue
        rows = [tr for tr in table.find_all("tr") if isinstance(tr, Tag) and tr.find_parent("table") is table]
        grid = _grid(rows)
        caption_tag = table.find("caption")
        caption = _cell_text(caption_tag) if isinstance(caption_tag, Tag) else ""
        section = ""
        header_at = None
        for i, (line, physical) in enumerate(grid[:3]):
            headers = [_cell_text(c) for c in line]
            cols = _Columns.from_headers(headers)
            if cols.index("name") is not None:
                header_at = i
                break
            if physical == 1:
                section = headers[0] if headers else ""  # a title row above the header
        if header_at is None:
            continue
        heading = _heading_before(table) or ""
        context = fold(" ".join([*headers, caption, heading, section]))
        if cols.index("lifetime") is None and not _COOKIE_WORD.search(context):
            continue
        cookie_tables += 1

        row_no = 0
        for line, physical in grid[header_at + 1 :]:
            texts = [_cell_text(c) for c in line]
            if not any(texts) or texts == headers:
                continue
            if physical == 1 and len(headers) > 1:
                section = texts[0]  # a full-width row: a category heading inside the table
                continue
            row_no += 1
            where = f"table {t_index} row {row_no}"
            name_i = cols.index("name")
            names = _cell_names(line[name_i]) if name_i is not None and name_i < len(line) else []
            if not names:
                warnings.append(f"{where}: no cookie name — row skipped")
                continue

            # A category or type column, then headings, then a purpose column.
            sources = _column_sources(texts, headers, cols, max_rank=1)
            sources += [(t, None) for t in (section, caption, heading) if t]
            sources += [s for s in _column_sources(texts, headers, cols, max_rank=2) if s not in sources]
            used = cols.used() | set(cols.category_columns())
            extra = [
                (headers[i] or f"column {i + 1}", t)
                for i, t in enumerate(texts)
                if i not in used and t and i < len(headers)
            ]
            lifetimes = _per_name_lifetimes(_role_text(texts, cols, "lifetime"), line, cols, len(names))
            for k, name in enumerate(names):
                raw = _Raw(
                    name=name,
                    domain=_role_text(texts, cols, "domain"),
                    category_sources=sources,
                    lifetime=lifetimes[k],
                    provider=_role_text(texts, cols, "provider"),
                    extra=extra,
                )
                entries.append(_make_entry(raw, where=where, source=f"{url}#{where}", warnings=warnings))
                wheres.append(where)
    if cookie_tables == 0:
        raise DeclaredListError(
            f"no cookie table found on {url}",
            hint="Write the declared cookies to a CSV/YAML/JSON file (name, domain, category, lifetime, "
            "provider) and use that instead.",
        )
    if not entries:
        raise DeclaredListError(f"the cookie table on {url} lists no cookies")
    return _finish(entries, wheres, url, warnings)


def _column_sources(
    texts: list[str], headers: list[str], cols: _Columns, *, max_rank: int
) -> list[tuple[str, str | None]]:
    return [
        (texts[i], headers[i] or f"column {i + 1}")
        for i in cols.category_columns(max_rank)
        if i < len(texts) and texts[i]
    ]


def _role_text(texts: list[str], cols: _Columns, role: str) -> str | None:
    i = cols.index(role)
    return texts[i] if i is not None and i < len(texts) and texts[i] else None


def _per_name_lifetimes(text: str | None, line: list[Tag | None], cols: _Columns, count: int) -> list[str | None]:
    """One lifetime per name when a multi-name cell is matched by as many durations
    ("_ga, _gid" / "2 years, 1 day"); otherwise the cell's text for every name."""
    if count > 1 and text:
        i = cols.index("lifetime")
        cell = line[i] if i is not None and i < len(line) else None
        raw = cell.get_text() if cell is not None else text
        parts = [" ".join(p.split()) for p in re.split(r"\n|,\s+|;", raw) if p.strip()]
        if len(parts) == count and all(parse_duration(p) is not None for p in parts):
            return list(parts)
    return [text] * count
