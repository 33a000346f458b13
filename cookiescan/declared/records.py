"""The declared-list records and how an observed cookie is matched against them.

:class:`DeclaredCookie` is one declaration (a name or a name pattern, with its domain, category,
lifetime and provider); :class:`DeclaredList` holds them with the source and the warnings from
reading them, finds the declaration covering an observed cookie (:meth:`DeclaredList.match`) and
round-trips through JSON (:meth:`DeclaredList.to_dict` / :meth:`DeclaredList.from_dict`).
Name patterns (``_ga_*``, ``_ga_<container-id>``, ``_gat_UA-XXXXX-Y``) and tolerant domain
comparison live here too, with :func:`_clean_domain` which turns a declared domain into a host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cookiescan.errors import DeclaredListError

__all__ = ["DeclaredCookie", "DeclaredList"]


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
