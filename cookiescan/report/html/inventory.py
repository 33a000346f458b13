"""The cookie inventory of the HTML report: one row per cookie (name, domain, path) with a cell per
consent state and its requested and stored lifetimes drawn against the cap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from cookiescan.models import Cookie, ScanResult, active, severity_rank
from cookiescan.report import view
from cookiescan.report.html.findings import finding_index
from cookiescan.report.interface import ReportOptions


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
    """One cookie (name, domain, path) across the consent states, as the inventory table shows it."""

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
    seen_in: int | None = None  # --repeat: in how many runs (the most of its states)


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


def inventory(result: ScanResult, options: ReportOptions, states: list[str]) -> list[InventoryRow]:
    """One row per cookie (name + domain + path), with what happened to it in each state."""
    cap = view.cap_days(result)
    judged_over = view.over_cap_cookies(result)
    by_key: dict[tuple[str, str, str], dict[str, Cookie]] = defaultdict(dict)
    for s in states:
        for c in result.states[s].cookies:
            by_key[(c.name, c.domain, c.path)].setdefault(s, c)
    fidx = finding_index(list(result.findings))
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
                seen_in=max((c.seen_in for c in seen.values() if c.seen_in is not None), default=None),
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
