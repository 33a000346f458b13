"""The HTML audit report: one self-contained file for compliance teams and their clients.

Everything the browser needs is inside the file: inline CSS, banner screenshots as ``data:`` URIs and
one inline script whose SHA-256 goes into the page's Content-Security-Policy, so no other script
can run and nothing is ever fetched. All site-controlled text (cookie names and values, URLs, page
titles, button texts) goes through Jinja's autoescaping and is shown as text, never as a live link.
Without JavaScript every row is visible; with it, tables sort and filter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

from cookiescan.models import (
    CATEGORIES,
    Cookie,
    Finding,
    ScanResult,
    active,
    ignored,
    severity_at_least,
    severity_rank,
    verdict,
    worst_severity,
)
from cookiescan.report import view
from cookiescan.report.interface import ReportOptions
from cookiescan.resources import read_text

MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SEVERITY_MARK = {"high": "▲", "medium": "◆", "low": "▼"}
DECLARED_RULES = {
    "undeclared": ("undeclared-cookie",),
    "not_found": ("declared-not-found",),
    "lifetime": ("lifetime-over-declared", "declared-lifetime-over-cap"),
}
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


# -- screenshots ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A banner screenshot ready to inline, or the reason it is not shown."""

    uri: str | None
    note: str


def _unsafe_relative(rel: str) -> bool:
    if "\x00" in rel or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return True
    parts = re.split(r"[\\/]+", rel)
    return any(p == ".." for p in parts) or PurePosixPath(rel).is_absolute()


def load_screenshot(rel: str | None, base_dir: Path | None) -> Screenshot:
    """Read a PNG named by a result (a path relative to the result file) and return it as a data URI.

    Absolute paths, ``..`` segments and symlinks leading out of ``base_dir`` are refused; a missing or
    unreadable file gives a note, never an exception.
    """
    if not rel:
        return Screenshot(None, "No screenshot was taken.")
    if _unsafe_relative(rel):
        return Screenshot(
            None, "Screenshot path refused: it must be relative to the result file, without '..'."
        )
    if base_dir is None:
        return Screenshot(None, "Screenshot not embedded: the result file's folder is unknown.")
    try:
        base = base_dir.resolve()
        target = base.joinpath(*[p for p in re.split(r"[\\/]+", rel) if p not in ("", ".")]).resolve()
        if not target.is_relative_to(base):
            return Screenshot(None, "Screenshot path refused: it leads outside the result folder.")
        if not target.is_file():
            return Screenshot(None, f"Screenshot missing: {rel}")
        if target.stat().st_size > MAX_SCREENSHOT_BYTES:
            return Screenshot(None, "Screenshot too large to embed.")
        data = target.read_bytes()
    except OSError:
        return Screenshot(None, f"Screenshot missing: {rel}")
    if not data.startswith(PNG_SIGNATURE):
        return Screenshot(None, "Screenshot not embedded: the file is not a PNG image.")
    return Screenshot("data:image/png;base64," + base64.b64encode(data).decode("ascii"), "")


# -- view model ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    """One consent-state cell of an inventory row."""

    mark: str  # ✓ — ✗ ⊘ ~
    label: str
    css: str
    severity: str | None = None


@dataclass(slots=True)
class Bar:
    """A lifetime drawn against the cap."""

    days: float | None
    text: str
    pct: float
    over: bool
    known: bool = True


@dataclass(slots=True)
class InventoryRow:
    name: str
    domain: str
    path: str
    party: str
    vendor: str | None
    category: str
    category_source: str
    declared: bool
    cells: list[Cell]
    states: list[str]
    requested: Bar
    stored: Bar
    requested_raw: str | None
    set_by: list[str]
    via: str
    flags: list[str]
    value: str
    pages: int
    attrs: str
    findings: int
    worst: str | None


@dataclass(slots=True)
class RuleGroup:
    info: view.RuleView
    severity: str
    findings: list[Finding]
    rows: list[dict[str, Any]] = field(default_factory=list)


def _bar(days: float | None, cap: float, known: bool = True, over: bool | None = None) -> Bar:
    """``over`` given: the rules' verdict (calendar months from when the cookie was set); else days vs cap."""
    if not known:
        return Bar(None, "not observed", 0.0, False, known=False)
    if days is None:
        return Bar(None, "session", 0.0, False)
    scale = cap * 2
    pct = max(1.5, min(100.0, days / scale * 100)) if days > 0 else 0.0
    return Bar(days, view.human_days(days), round(pct, 1), days > cap + 0.5 if over is None else over)


def _cell(c: Cookie, sev: str | None) -> Cell:
    if c.in_jar:
        cell = Cell("✓", "stored", "on")
    elif c.blocked_reasons:
        cell = Cell("⊘", "refused by the browser: " + ", ".join(c.blocked_reasons), "refused")
    elif c.deleted:
        cell = Cell("✗", "written then deleted", "deleted")
    else:
        cell = Cell("~", "written, gone by the end of the visit", "gone")
    if sev and c.in_jar:
        cell.severity = sev
        cell.label += f"; {sev} finding in this state"
    return cell


def _finding_index(findings: list[Finding]) -> dict[tuple[str, str], str]:
    worst: dict[tuple[str, str], str] = {}
    for f in active(findings):
        key = (f.subject, f.scenario)
        if key not in worst or severity_rank(f.severity) > severity_rank(worst[key]):
            worst[key] = f.severity
    return worst


def inventory(result: ScanResult, options: ReportOptions, states: list[str]) -> list[InventoryRow]:
    """One row per cookie (name + domain + path), with what happened to it in each state."""
    cap = view.cap_days(result)
    judged_over = view.over_cap_cookies(result)
    by_key: dict[tuple[str, str, str], dict[str, Cookie]] = defaultdict(dict)
    for s in states:
        for c in result.states[s].cookies:
            by_key[(c.name, c.domain, c.path)].setdefault(s, c)
    fidx = _finding_index(list(result.findings))
    per_subject = Counter(f.subject for f in active(result.findings))
    rows = []
    for (name, domain, path), seen in by_key.items():
        first = next(iter(seen.values()))
        classified = next((c for c in seen.values() if c.category != "unknown"), first)
        requested = [c.requested_lifetime_days for c in seen.values() if c.via != "unknown"]
        req_known = bool(requested)
        req_days = max((d for d in requested if d is not None), default=None)
        stored_vals = [c.stored_lifetime_days for c in seen.values() if c.in_jar]
        stored_days = max((d for d in stored_vals if d is not None), default=None)
        flags = []
        for s, c in seen.items():
            if c.deleted and not c.in_jar:
                flags.append(f"deleted ({view.STATE_SHORT.get(s, s).lower()})")
            if c.blocked_reasons:
                flags.append(
                    f"refused ({view.STATE_SHORT.get(s, s).lower()}): {', '.join(c.blocked_reasons)}"
                )
        cells = []
        for s in states:
            got = seen.get(s)
            cells.append(_cell(got, fidx.get((name, s))) if got else Cell("—", "not set", "off"))
        sevs = [fidx[(name, s)] for s in states if (name, s) in fidx]
        attrs = []
        if first.secure:
            attrs.append("Secure")
        if first.http_only:
            attrs.append("HttpOnly")
        if first.same_site:
            attrs.append(f"SameSite={first.same_site}")
        if first.partition_key:
            attrs.append("Partitioned")
        withval = next((c for c in seen.values() if c.value is not None), first)
        rows.append(
            InventoryRow(
                name=name,
                domain=domain,
                path=path,
                party=first.party,
                vendor=classified.vendor,
                category=classified.category,
                category_source=classified.category_source,
                declared=any(c.declared for c in seen.values()),
                cells=cells,
                states=[s for s in states if s in seen and seen[s].in_jar],
                requested=_bar(req_days, cap, req_known,
                               None if judged_over is None else (name, domain) in judged_over),
                stored=_bar(stored_days, cap, bool(stored_vals)),
                requested_raw=next((c.requested_raw for c in seen.values() if c.requested_raw), None),
                set_by=sorted({c.set_by for c in seen.values() if c.set_by}),
                via=first.via,
                flags=flags,
                value=view.value_text(withval.value, withval.value_length, options.show_values),
                pages=max(len(c.pages) for c in seen.values()),
                attrs=" · ".join(attrs),
                findings=per_subject.get(name, 0),
                worst=max(sevs, key=severity_rank) if sevs else None,
            )
        )
    rows.sort(
        key=lambda r: (
            -severity_rank(r.worst or ""),
            r.party != "first",
            r.name.lower(),
            r.domain,
            r.path,
        )
    )
    return rows


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


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple, dict)) and not value)


def _declared_pairs(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """The meaningful fields of a declared-list entry: name, category, lifetime, provider, source."""
    out = []
    for name in DECLARED_FIELDS:
        if name == "lifetime":
            text, days = entry.get("lifetime_text") or entry.get("lifetime"), _num(entry.get("lifetime_days"))
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
        if not _empty(value) and not isinstance(value, (dict, list, tuple)):
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
        if not _empty(v) and not isinstance(v, (dict, list, tuple))
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
        if _empty(value) or _repeats(key, value, evidence, subject, scenario):
            continue
        out.append(evidence_row(key, value))
    return out


def rule_groups(findings: list[Finding], states: list[str], show_values: bool) -> list[RuleGroup]:
    """Active findings grouped by rule, worst rules first."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.rule].append(f)
    out = []
    for rule, fs in groups.items():
        worst = max((f.severity for f in fs), key=severity_rank)
        fs.sort(
            key=lambda f: (
                -severity_rank(f.severity),
                states.index(f.scenario) if f.scenario in states else 99,
                f.subject,
            )
        )
        g = RuleGroup(view.rule_info(rule, worst), worst, fs)
        g.rows = [{"f": f, "evidence": evidence_rows(f.evidence, show_values, f.subject, f.scenario)} for f in fs]
        out.append(g)
    out.sort(key=lambda g: (-severity_rank(g.severity), -len(g.findings), g.info.id))
    return out


def declared_view(result: ScanResult, states: list[str]) -> dict[str, Any]:
    """Declared vs observed: rows per subject for each kind of mismatch, from the findings."""
    out: dict[str, Any] = {}
    for kind, rules in DECLARED_RULES.items():
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for f in active(result.findings):
            if f.rule not in rules:
                continue
            row = rows.setdefault((f.rule, f.subject), {"f": f, "states": [], "evidence": f.evidence})
            if f.scenario not in row["states"]:
                row["states"].append(f.scenario)
        out[kind] = sorted(rows.values(), key=lambda r: r["f"].subject.lower())
    declared = result.declared or {}
    entries = None
    for key in ("cookies", "entries", "declared"):
        if isinstance(declared.get(key), list):
            entries = len(declared[key])
            break
    out["entries"] = entries
    out["source"] = next(
        (str(declared[k]) for k in ("source", "path", "file", "url") if declared.get(k)), None
    )
    out["provided"] = result.declared is not None
    return out


NOTICE_RULES = (
    "undeclared-vendor",
    "notice-vendor-unused",
    "notice-lifetime-broken",
    "notice-lifetime-over-cap",
    "refusal-not-remembered",
)
NO_VENDORS = "no vendors recognised"  # cookiescan.notice.NO_VENDORS
LIFETIME_SCOPES = {
    "cookies": "every cookie",
    "specific": "one named cookie or vendor",
    "data": "the data collected",
    "consent": "the visitor's choice",
    "refusal": "the refusal",
}
SCOPE_NOT_JUDGED = {
    "specific": "Not judged: it limits one named cookie or vendor, not every cookie.",
    "data": "Not judged: it limits how long the collected data is kept, not the cookies.",
    "consent": "Not judged: it says how long the visitor's choice is kept.",
    "refusal": "Not judged: it says how long the refusal is kept.",
}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, (list, tuple)) else []


def _sentence(ev: Any) -> dict[str, Any]:
    """A notice sentence: its text and its 1-based number (None when unknown)."""
    ev = ev if isinstance(ev, dict) else {}
    pos = ev.get("position")
    return {
        "text": str(ev.get("sentence") or ""),
        "number": pos + 1 if isinstance(pos, int) and not isinstance(pos, bool) else None,
    }


def _vendor_resolver() -> Any:
    """name -> (canonical vendor, company), through the known-tracker data when it loads."""
    try:
        from cookiescan import known

        trackers = known.load()
    except Exception:  # the report must render without it
        trackers = None

    @cache
    def resolve(name: str) -> tuple[str, str | None]:
        v = trackers.vendor_named(name) if trackers is not None else None
        return (v.name, v.company) if v is not None else (name, None)

    return resolve


def _vendor_states(result: ScanResult, states: list[str]) -> dict[str, set[str]]:
    """Vendor name (as recorded) -> the states it set a cookie or storage key, or was contacted in."""
    seen: dict[str, set[str]] = defaultdict(set)
    for s in states:
        st = result.states[s]
        names = [c.vendor for c in st.cookies] + [i.vendor for i in st.storage]
        names += [i.vendor for p in st.pages for i in p.storage] + [t.vendor for t in st.third_parties]
        names += [r.vendor for p in st.pages for r in p.requests if r.party == "third"]
        for name in names:
            if name:
                seen[name].add(s)
    return seen


def _tracking_vendors(result: ScanResult, states: list[str]) -> set[str]:
    """Vendors that set a non-necessary cookie or storage key, or were contacted for analytics or marketing
    (what the notice check asks a notice to name)."""
    out: set[str] = set()
    for s in states:
        st = result.states[s]
        items = list(st.cookies) + list(st.storage) + [i for p in st.pages for i in p.storage]
        out |= {i.vendor for i in items if i.vendor and i.category != "necessary"}
        out |= {t.vendor for t in st.third_parties if t.vendor and t.category in ("analytics", "marketing")}
    return out


def _observed_in(mention: str, seen: dict[str, set[str]], resolve: Any, states: list[str]) -> list[str]:
    """States where the vendor (or any vendor of the company) a notice names was seen."""
    key = mention.casefold()
    found: set[str] = set()
    for name, in_states in seen.items():
        canon, company = resolve(name)
        if key in (name.casefold(), canon.casefold(), (company or "").casefold()):
            found |= in_states
    return [s for s in states if s in found]


def _by_subject(findings: list[Finding], rule: str, key: str = "vendor") -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for f in findings:
        if f.rule == rule:
            out.setdefault(str(f.evidence.get(key) or f.subject), f)
    return out


def notice_view(result: ScanResult, states: list[str]) -> dict[str, Any] | None:
    """What the written notice promises, sentence by sentence, next to what the site did.

    None when the scan was not checked against a notice (``result.notice`` unset).
    """
    notice = getattr(result, "notice", None)
    if not isinstance(notice, dict):
        return None
    findings = [f for f in result.findings if f.rule in NOTICE_RULES]
    resolve = _vendor_resolver()
    seen = _vendor_states(result, states)

    # vendors named, grouped by the sentence naming them
    unused = _by_subject(findings, "notice-vendor-unused")
    sentences: dict[tuple[Any, str], dict[str, Any]] = {}
    n_unused = 0
    for m in _dicts(notice.get("vendors")):
        vendor = str(m.get("vendor") or "")
        sent = _sentence(m.get("evidence"))
        group = sentences.setdefault((sent["number"], sent["text"]), {"sentence": sent, "vendors": []})
        f = unused.get(vendor)
        if f is not None:
            n_unused += 1
            kind = f.evidence.get("kind") or "vendor"
            verdict = {"ok": False, "text": "Never observed",
                       "detail": f"No {kind} {vendor} was seen on any scanned page in any state.",
                       "states": [], "f": f}
        else:
            in_states = _observed_in(vendor, seen, resolve, states)
            verdict = {"ok": True, "text": "Observed" if in_states else "Not flagged as unused",
                       "states": in_states, "detail": "", "f": None}
        group["vendors"].append({"vendor": vendor, "matched": str(m.get("matched") or vendor), "verdict": verdict})
    vendor_groups = sorted(sentences.values(), key=lambda g: (g["sentence"]["number"] is None,
                                                              g["sentence"]["number"] or 0))

    # lifetime promises
    broken = [f for f in findings if f.rule == "notice-lifetime-broken"]
    over_cap = [f for f in findings if f.rule == "notice-lifetime-over-cap"]
    judged_days = _num(notice.get("cookie_promise_days"))
    judged_done = False
    lifetimes = []
    for lp in _dicts(notice.get("lifetimes")):
        days, scope, text = _num(lp.get("days")), str(lp.get("scope") or ""), str(lp.get("text") or "")
        row: dict[str, Any] = {
            "days": days, "text": text, "scope": scope, "scope_text": LIFETIME_SCOPES.get(scope, scope or "—"),
            "sentence": _sentence(lp.get("evidence")), "breakers": [], "over_cap": None,
        }
        row["over_cap"] = next(
            (f for f in over_cap
             if days is not None and abs((_num(f.evidence.get("promised_days")) or -1) - days) < 0.01
             and f.evidence.get("promise_text", text) == text),
            None,
        )
        if scope != "cookies" or days is None:
            row["verdict"], row["ok"] = SCOPE_NOT_JUDGED.get(scope, "Not judged."), None
        elif judged_days is not None and abs(days - judged_days) < 0.01 and not judged_done:
            judged_done = True
            row["breakers"] = sorted(
                (
                    {"f": f, "name": f.subject, "life": _num(f.evidence.get("judged_lifetime_days")),
                     "states": [s for s in (f.evidence.get("states") or []) if isinstance(s, str)],
                     "domain": f.evidence.get("domain")}
                    for f in broken
                ),
                key=lambda b: (-(b["life"] or 0), b["name"]),
            )
            row["ok"] = not row["breakers"]
            row["verdict"] = (
                f"Kept: no cookie asks to live longer than {view.human_days(days)}."
                if row["ok"]
                else f"Broken by {len(row['breakers'])} cookie{'s' if len(row['breakers']) != 1 else ''}"
            )
        elif broken:
            row["ok"] = None
            row["verdict"] = f"Not judged separately: the shorter promise ({view.human_days(judged_days)}) is broken."
        else:
            row["ok"], row["verdict"] = True, "Kept: no cookie outlives even the shorter promise."
        lifetimes.append(row)
    n_broken = len(broken)

    # the refusal cookie
    refusal = None
    if isinstance(notice.get("refusal_cookie"), dict):
        f = next((x for x in findings if x.rule == "refusal-not-remembered"), None)
        status = view.refusal_verdict(result, f is not None)
        if f is not None:
            again = [u for u in (f.evidence.get("banner_shown_again_on") or []) if isinstance(u, str)]
            verdict = {"ok": False, "text": "Broken", "detail": f.message, "again": again,
                       "cookies": [c for c in (f.evidence.get("reject_state_cookies") or []) if isinstance(c, str)]}
        elif status == "kept":
            verdict = {"ok": True, "text": "Kept",
                       "detail": "After “reject all” a cookie that can hold the choice was stored and the banner "
                                 "did not show again.", "again": [], "cookies": []}
        else:
            verdict = {"ok": None, "text": "Not checked",
                       "detail": "There was no successful “reject all” click to check it against.",
                       "again": [], "cookies": []}
        refusal = {"sentence": _sentence(notice.get("refusal_cookie")), "verdict": verdict, "f": f}

    # categories listed, and those seen on the site that the notice does not list
    categories = [{"category": str(c.get("category") or "unknown"), "sentence": _sentence(c.get("evidence"))}
                  for c in _dicts(notice.get("categories"))]
    listed = {c["category"] for c in categories}
    seen_categories = {c.category for s in states for c in result.states[s].cookies if c.in_jar}
    unlisted = [c for c in CATEGORIES if c in seen_categories and c not in listed and c not in ("unknown", "necessary")]

    # vendors seen but never named
    undeclared = []
    for f in sorted((x for x in findings if x.rule == "undeclared-vendor"), key=lambda x: x.subject.lower()):
        ev = f.evidence
        undeclared.append({
            "f": f,
            "vendor": str(ev.get("vendor") or f.subject),
            "company": ev.get("company"),
            "category": str(ev.get("category") or "unknown"),
            "states": [s for s in (ev.get("states") or []) if isinstance(s, str)],
            "evidence": [evidence_row(k, ev[k], label) for k, label in
                         (("cookies", "Cookies"), ("domains", "Domains"), ("pages", "Pages")) if not _empty(ev.get(k))],
            "near": _sentence({"sentence": ev.get("notice_sentence"), "position": ev.get("notice_position")}),
        })

    notes = []
    for n in notice.get("notes") or []:
        text = str(n)
        notes.append({"text": text, "no_vendors": text.strip().lower() == NO_VENDORS})
    vendors_seen = sorted({resolve(name)[0] for name in _tracking_vendors(result, states)})
    return {
        "source": str(notice.get("source") or ""),
        "language": str(notice.get("language") or "unknown"),
        "vendor_groups": vendor_groups,
        "n_vendors": sum(len(g["vendors"]) for g in vendor_groups),
        "n_unused": n_unused,
        "lifetimes": lifetimes,
        "judged_days": judged_days,
        "n_broken": n_broken,
        "refusal": refusal,
        "categories": categories,
        "unlisted": unlisted,
        "undeclared": undeclared,
        "notes": notes,
        "no_vendors": any(n["no_vendors"] for n in notes),
        "vendors_seen": vendors_seen,
        "n_findings": len(active(findings)),
    }


def third_parties(result: ScanResult, states: list[str]) -> list[dict[str, Any]]:
    """One row per third-party registrable domain with its request count in each state."""
    rows: dict[str, dict[str, Any]] = {}
    for s in states:
        for tp in result.states[s].third_parties:
            row = rows.setdefault(
                tp.site,
                {
                    "site": tp.site,
                    "vendor": tp.vendor,
                    "category": tp.category,
                    "hosts": set(),
                    "types": set(),
                    "counts": {},
                    "sets_cookies": False,
                    "first_seen_page": tp.first_seen_page,
                },
            )
            row["counts"][s] = row["counts"].get(s, 0) + tp.requests
            row["hosts"].update(tp.hosts)
            row["types"].update(tp.resource_types)
            row["sets_cookies"] = row["sets_cookies"] or tp.sets_cookies
            if row["vendor"] is None and tp.vendor:
                row["vendor"] = tp.vendor
            if row["category"] == "unknown" and tp.category != "unknown":
                row["category"] = tp.category
    fidx = _finding_index(list(result.findings))
    for row in rows.values():
        row["hosts"] = sorted(row["hosts"])
        row["types"] = sorted(row["types"])
        row["flag"] = {s: fidx.get((row["site"], s)) for s in states}
        row["states"] = [s for s in states if s in row["counts"]]
    return sorted(
        rows.values(),
        key=lambda r: (
            r["category"] not in ("marketing", "analytics"),
            -sum(r["counts"].values()),
            r["site"],
        ),
    )


def frames(result: ScanResult, states: list[str]) -> list[dict[str, Any]]:
    """Iframes, one row per URL, with the states they appeared in."""
    rows: dict[str, dict[str, Any]] = {}
    for s in states:
        st = result.states[s]
        found = list(st.frames) + [fr for p in st.pages for fr in p.frames]
        for fr in found:
            row = rows.setdefault(fr.url, {"fr": fr, "states": []})
            if s not in row["states"]:
                row["states"].append(s)
    return sorted(rows.values(), key=lambda r: (r["fr"].party != "third", r["fr"].site, r["fr"].url))


def storage(result: ScanResult, states: list[str]) -> list[dict[str, Any]]:
    """localStorage / sessionStorage keys, one row per (kind, origin, key)."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for s in states:
        st = result.states[s]
        items = list(st.storage) + [i for p in st.pages for i in p.storage]
        for it in items:
            row = rows.setdefault((it.kind, it.origin, it.key), {"it": it, "states": [], "size": 0})
            if s not in row["states"]:
                row["states"].append(s)
            row["size"] = max(row["size"], it.value_length)
    return sorted(rows.values(), key=lambda r: (r["it"].party != "third", r["it"].kind, r["it"].key.lower()))


def glance(result: ScanResult, states: list[str]) -> list[tuple[str, list[int], str]]:
    """Per-state key figures for the summary table: (label, values, hint)."""

    def count(fn: Any) -> list[int]:
        return [fn(result.states[s], s) for s in states]

    live = active(result.findings)
    return [
        ("Pages visited", count(lambda st, s: len(st.pages)), ""),
        ("Cookies stored", count(lambda st, s: sum(1 for c in st.cookies if c.in_jar)), ""),
        (
            "… analytics or marketing",
            count(
                lambda st, s: sum(
                    1 for c in st.cookies if c.in_jar and c.category in ("analytics", "marketing")
                )
            ),
            "warn",
        ),
        (
            "… third-party",
            count(lambda st, s: sum(1 for c in st.cookies if c.in_jar and c.party == "third")),
            "",
        ),
        ("Third-party domains contacted", count(lambda st, s: len(st.third_parties)), ""),
        (
            "… known analytics or marketing",
            count(lambda st, s: sum(1 for t in st.third_parties if t.category in ("analytics", "marketing"))),
            "warn",
        ),
        (
            "Storage keys",
            count(
                lambda st, s: len(
                    {(i.kind, i.origin, i.key) for i in st.storage}
                    | {(i.kind, i.origin, i.key) for p in st.pages for i in p.storage}
                )
            ),
            "",
        ),
        ("Findings", count(lambda st, s: sum(1 for f in live if f.scenario == s)), "warn"),
    ]


def pages(result: ScanResult, states: list[str]) -> list[dict[str, Any]]:
    """Every page visit, in state order."""
    rows = []
    for s in states:
        for p in result.states[s].pages:
            rows.append(
                {
                    "p": p,
                    "state": s,
                    "third": sum(1 for r in p.requests if r.party == "third"),
                    "failed": sum(1 for r in p.requests if r.failure),
                }
            )
    return rows


# -- rendering -----------------------------------------------------------------------------------


def short_url(url: str, limit: int = 64) -> str:
    """A URL without its scheme, cut to ``limit`` characters (the full one goes in a title)."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.I)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _template_source(name: str) -> str:
    """Templates come from the package data (importlib.resources), so a wheel or zip install finds them."""
    return read_text("cookiescan.report", f"templates/{name}")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_template_source),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["days"] = view.human_days
    env.filters["state"] = view.state_label
    env.filters["short"] = lambda s: view.STATE_SHORT.get(s, s)
    env.filters["utc"] = view.utc_text
    env.filters["shorturl"] = short_url
    env.filters["plural"] = lambda n, word: f"{n} {word}" if n == 1 else f"{n} {word}s"
    env.filters["tojson_text"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    return env


@cache
def script() -> str:
    """The report's one inline script (sorting, filtering, print expansion)."""
    return read_text("cookiescan.report", "templates/report.js")


def script_hash(source: str) -> str:
    """CSP source expression for an inline script: ``'sha256-<base64>'``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def context(result: ScanResult, options: ReportOptions) -> dict[str, Any]:
    """Everything the template shows, computed once."""
    states = view.ordered_states(result)
    live = active(result.findings)
    groups = rule_groups(live, states, options.show_values)
    banners = []
    for s in states:
        b = result.states[s].banner
        shot = load_screenshot(b.screenshot, options.base_dir) if b else Screenshot(None, "")
        banners.append({"state": s, "b": b, "shot": shot})
    by_state = {s: result.states[s].banner for s in states}
    acc, rej = by_state.get("accept"), by_state.get("reject")
    inv = inventory(result, options, states)
    src = script()
    return {
        "r": result,
        "o": options,
        "states": states,
        "title": view.report_title(result, options.title),
        "verdict": verdict(result),
        "worst": worst_severity(result.findings),
        "counts": view.severity_counts(result.findings),
        "ignored": ignored(result.findings),
        "groups": groups,
        "banners": banners,
        "inventory": inv,
        "categories": CATEGORIES,
        "cap": view.cap_days(result),
        "cap_text": view.human_days(view.cap_days(result)),
        "declared": declared_view(result, states),
        "notice": notice_view(result, states),
        "third_parties": third_parties(result, states),
        "frames": frames(result, states),
        "storage": storage(result, states),
        "pages": pages(result, states),
        "glance": glance(result, states),
        "duration": view.duration_text(result.started_at, result.finished_at),
        "clicks": {
            "accept": acc.clicks if acc and acc.succeeded else None,
            "reject": rej.clicks if rej and rej.succeeded else None,
        },
        "reject_first": next(
            (b.reject_on_first_layer for b in by_state.values() if b and b.reject_on_first_layer is not None),
            None,
        ),
        "sev_mark": SEVERITY_MARK,
        "script": Markup(src),
        "csp_script": Markup(script_hash(src)),
        "third_party_count": len({t.site for s in states for t in result.states[s].third_parties}),
        "fail_count": sum(1 for f in live if severity_at_least(f.severity, options.fail_on)),
    }


def render(result: ScanResult, options: ReportOptions) -> str:
    """The report as one self-contained HTML document."""
    return _environment().get_template("report.html.j2").render(**context(result, options))
