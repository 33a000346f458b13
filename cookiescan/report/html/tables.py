"""The plain tables of the HTML report: third parties, frames, storage keys, page visits and the
per-state figures of the glance table.
"""

from __future__ import annotations

from typing import Any

from cookiescan.models import ScanResult, active
from cookiescan.report import waterfall
from cookiescan.report.html.findings import finding_index


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
    fidx = finding_index(list(result.findings))
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


def timeline(result: ScanResult) -> dict[str, Any]:
    """The waterfall of the run (the result's timings): one row per run phase or page visit, its parts placed
    as percentages of the whole run."""
    total = max(1, waterfall.total_ms(result.timings))
    rows = []
    for row in waterfall.rows(result.timings):
        parts = [{"phase": p.phase, "css": p.phase.replace(" ", "-"), "left": round(p.start_ms / total * 100, 2),
                  "width": max(0.3, round(p.ms / total * 100, 2)), "ms": p.ms} for p in row.parts]
        rows.append({"label": row.label, "state": row.state, "start": row.start_ms / 1000, "took": row.ms / 1000,
                     "parts": parts})
    return {"rows": rows, "total": total / 1000}
