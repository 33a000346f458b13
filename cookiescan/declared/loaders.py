"""Declared-list files: CSV with a header row, YAML (with each entry's line) and JSON.

:func:`load_declared_file` picks the loader by extension (:data:`LOADERS`). Files are strict:
anything malformed raises :class:`~cookiescan.errors.DeclaredListError` naming the file and the
row/line; values that are present but not understood are kept as text with a warning.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from cookiescan.declared.entries import _finish, _make_entry, _Raw
from cookiescan.declared.records import DeclaredCookie, DeclaredList
from cookiescan.declared.vocabulary import _DAYS_HINT, _Columns, _text, _truthy
from cookiescan.errors import DeclaredListError
from cookiescan.units import fold

__all__ = ["LOADERS", "load_declared_file"]


_FIELDS_HINT = "columns/keys: name, domain, category, lifetime, provider (only name is required)"


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
