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

Durations are read by :func:`cookiescan.units.parse_duration`, with a month of 30.44 days and a year
of 365.25 days, so "13 mois" is 395.72 days (the CNIL benchmark, "≈ 395-396 days") and "12 months"
≈ "1 year".

What is where:
    * :mod:`~cookiescan.declared.records` — :class:`DeclaredCookie`, :class:`DeclaredList`, name
      patterns and domain matching, ``to_dict``/``from_dict``;
    * :mod:`~cookiescan.declared.vocabulary` — :func:`normalise_category`, column roles, text helpers;
    * :mod:`~cookiescan.declared.entries` — a declaration as read turned into a record, with warnings;
    * :mod:`~cookiescan.declared.loaders` — CSV/YAML/JSON files, :func:`load_declared_file`, :data:`LOADERS`;
    * :mod:`~cookiescan.declared.html` — :func:`extract_from_html`, the tables of a policy page.
"""

from __future__ import annotations

from cookiescan.declared.html import extract_from_html
from cookiescan.declared.loaders import LOADERS, load_declared_file
from cookiescan.declared.records import DeclaredCookie, DeclaredList
from cookiescan.declared.vocabulary import normalise_category

__all__ = [
    "LOADERS",
    "DeclaredCookie",
    "DeclaredList",
    "extract_from_html",
    "load_declared_file",
    "normalise_category",
]
