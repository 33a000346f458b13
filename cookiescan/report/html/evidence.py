"""A finding's evidence as the HTML report shows it: well-known keys first with their labels, lifetimes in
plain units, declared-list entries by their meaningful fields, long lists cut to a preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cookiescan.report import view

# evidence keys shown first, in this order, with these labels
EVIDENCE_LABELS = {
    "page": "Page",
    "page_url": "Page",
    "url": "URL",
    "state": "State",
    "domain": "Domain",
    "cookie_domain": "Domain",
    "path": "Path",
    "site": "Site",
    "host": "Host",
    "vendor": "Vendor",
    "category": "Category",
    "category_source": "Category from",
    "set_by": "Set by",
    "via": "Written via",
    "requested_lifetime_days": "Requested lifetime",
    "requested_raw": "As written",
    "stored_lifetime_days": "Stored lifetime",
    "declared_lifetime_days": "Declared lifetime",
    "cap_days": "Cap",
    "declared": "Declared entry",
    "declared_entry": "Declared entry",
    "requests": "Requests",
    "first_seen_page": "First seen on",
    "pages": "Pages",
    "promise_text": "Promise",
    "promised_days": "Promised",
    "judged_lifetime_days": "Judged lifetime",
    "allowed_days": "Allowed (with slack)",
    "named_vendors": "Vendors named",
    "notice_sentence": "Notice says",
    "notice_position": "Sentence no.",
    "notice_source": "Notice",
}
# lists longer than this show their first LIST_PREVIEW items and "and N more" (full list in a <details>)
LIST_PREVIEW = 3
# the fields of a declared-list entry worth showing, in this order
DECLARED_FIELDS = ("name", "category", "lifetime", "provider", "source")
DECLARED_KEYS = ("declared", "declared_entry")


def short_url(url: str, limit: int = 64) -> str:
    """A URL without its scheme, cut to ``limit`` characters (the full one goes in a title)."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.I)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt_evidence_value(key: str, value: Any) -> str:
    if key.endswith("_days") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return view.human_days(float(value))
    if key in ("state", "scenario", "states") and isinstance(value, str):
        return view.state_label(value)
    if key == "notice_position" and isinstance(value, int) and not isinstance(value, bool):
        return str(value + 1)  # 0-based in the result, counted from 1 for people
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in _dict_pairs(key, value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt_evidence_value(key, v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    return str(value) if not isinstance(value, float) else f"{value:g}"


def as_number(value: Any) -> float | None:
    """A number from an evidence value (never a bool); None for anything else."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def is_empty(value: Any) -> bool:
    """True for evidence not worth a line: None, "", or an empty list, tuple or dict."""
    return value is None or value == "" or (isinstance(value, (list, tuple, dict)) and not value)


def _declared_pairs(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """The meaningful fields of a declared-list entry: name, category, lifetime, provider, source."""
    out = []
    for name in DECLARED_FIELDS:
        if name == "lifetime":
            text, days = entry.get("lifetime_text") or entry.get("lifetime"), as_number(entry.get("lifetime_days"))
            if text and days is not None:
                out.append(("lifetime", f"{text} ({days:.0f} d)"))
            elif text or days is not None:
                out.append(("lifetime", str(text) if text else view.human_days(days)))
            continue
        value = entry.get(name)
        if name == "category" and entry.get("category_text"):
            value = f"{value} ({entry['category_text']})" if value else entry["category_text"]
        if name == "name" and entry.get("pattern") is True:
            value = f"{value} (pattern)"
        if not is_empty(value) and not isinstance(value, (dict, list, tuple)):
            out.append((name, _fmt_evidence_value(name, value)))
    return out


def _dict_pairs(key: str, value: dict[str, Any]) -> list[tuple[str, str]]:
    """A nested evidence dict as short key/value pairs: nested containers and empty values left out."""
    if key in DECLARED_KEYS:
        pairs = _declared_pairs(value)
        if pairs:
            return pairs
    return [
        (str(k).replace("_", " "), _fmt_evidence_value(str(k), v))
        for k, v in value.items()
        if not is_empty(v) and not isinstance(v, (dict, list, tuple))
    ][:8]


@dataclass(slots=True)
class EvidenceRow:
    """One evidence entry as the report shows it.

    A scalar is ``text``; a nested dict is ``pairs``; a list longer than :data:`LIST_PREVIEW` is its first
    items (``shown``), ``more`` to say how many are left out, and the full list (``items``) for a
    collapsed ``<details>``.
    """

    label: str
    text: str
    mono: bool = False
    pairs: list[tuple[str, str]] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    more: int = 0


def _is_url_like(key: str, value: Any) -> bool:
    return isinstance(value, str) and ("://" in value or key in ("domain", "path", "host", "site", "origin"))


def evidence_row(key: str, value: Any, label: str | None = None) -> EvidenceRow:
    """An evidence value in its compact form (see :class:`EvidenceRow`)."""
    label = label or EVIDENCE_LABELS.get(key) or key.replace("_days", "").replace("_", " ").capitalize()
    if isinstance(value, dict):
        pairs = _dict_pairs(key, value)
        return EvidenceRow(label, ", ".join(f"{k}: {v}" for k, v in pairs), pairs=pairs)
    if isinstance(value, (list, tuple)):
        items = [_fmt_evidence_value(key, v) for v in value]
        mono = any(_is_url_like(key, v) for v in value)
        if len(items) > LIST_PREVIEW + 1:  # "and 1 more" would not save a line
            shown = [short_url(i) if mono else i for i in items[:LIST_PREVIEW]]
            return EvidenceRow(label, ", ".join(items), mono, shown=shown, items=items, more=len(items) - LIST_PREVIEW)
        return EvidenceRow(label, ", ".join(items), mono)
    return EvidenceRow(label, _fmt_evidence_value(key, value), _is_url_like(key, value))


# evidence entries only worth a line when they differ from this (the usual case says nothing)
UNREMARKABLE = {"in_jar": True, "deleted": False, "deletion_only": False, "kind": "cookie"}


def _repeats(key: str, value: Any, evidence: dict[str, Any], subject: str | None, scenario: str | None) -> bool:
    """True when an evidence entry only repeats what the finding's row already says."""
    if key in ("name", "key") and subject is not None and value == subject:
        return True
    if key == "state" and scenario is not None and value == scenario:
        return True
    domain = str(evidence.get("domain") or "").lstrip(".")
    if key == "domains" and isinstance(value, (list, tuple)) and [str(v).lstrip(".") for v in value] == [domain]:
        return True
    if key == "site" and domain and str(value).lstrip(".") == domain:
        return True
    usual = UNREMARKABLE.get(key, ...)
    return type(value) is type(usual) and value == usual


def evidence_rows(
    evidence: dict[str, Any], show_values: bool, subject: str | None = None, scenario: str | None = None
) -> list[EvidenceRow]:
    """Each evidence entry in its compact form, the well-known keys first.

    Empty entries (None, empty lists) are left out, and so are entries that only repeat the finding's row
    (a ``name`` equal to the subject, a ``state`` equal to its state, a ``site`` or ``domains`` equal to
    ``domain``) or say the usual (stored, not deleted, a cookie).
    """
    out = []
    keys = [k for k in EVIDENCE_LABELS if k in evidence] + [k for k in evidence if k not in EVIDENCE_LABELS]
    for key in keys:
        value = evidence[key]
        if key in ("value", "cookie_value", "values") and not show_values:
            continue
        if is_empty(value) or _repeats(key, value, evidence, subject, scenario):
            continue
        out.append(evidence_row(key, value))
    return out
