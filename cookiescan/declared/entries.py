"""From a declaration as read (:class:`_Raw`) to a :class:`~cookiescan.declared.records.DeclaredCookie`.

Both the file loaders and the policy-page reader collect the raw texts of a declaration and hand
them here: :func:`_make_entry` interprets the name (pattern or not), domain, category and lifetime,
keeping whatever it cannot understand as text plus a warning; :func:`_finish` reports duplicate
declarations and builds the :class:`~cookiescan.declared.records.DeclaredList`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cookiescan.declared.records import (
    _PLACEHOLDER,
    DeclaredCookie,
    DeclaredList,
    _bare_domain,
    _clean_domain,
    _is_pattern,
)
from cookiescan.declared.vocabulary import _text, normalise_category
from cookiescan.units import fold, parse_duration


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
