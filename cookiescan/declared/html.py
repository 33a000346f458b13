"""Declared cookies read from the tables of a cookie policy page (``--declared-from URL``).

:func:`extract_from_html` finds the tables that list cookies, expands rowspans and colspans, takes
a category from a heading above the table or a full-width row inside it, splits cells that list
several names (with one lifetime each when the lifetime cell lists as many durations).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from cookiescan.declared.entries import _finish, _make_entry, _Raw
from cookiescan.declared.records import DeclaredCookie, DeclaredList
from cookiescan.declared.vocabulary import _Columns
from cookiescan.errors import DeclaredListError
from cookiescan.units import fold, parse_duration

__all__ = ["extract_from_html"]


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
