"""The notice section of the HTML report: what the written cookie notice promises, sentence by sentence
(vendors named, lifetimes, the refusal cookie, categories), next to what the site did.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from cookiescan import known
from cookiescan.models import CATEGORIES, Cookie, Finding, ScanResult, StorageItem, active
from cookiescan.notice import NO_VENDORS
from cookiescan.report import view
from cookiescan.report.html.evidence import as_number, evidence_row, is_empty

NOTICE_RULES = (
    "undeclared-vendor",
    "notice-vendor-unused",
    "notice-lifetime-broken",
    "notice-lifetime-over-cap",
    "refusal-not-remembered",
)
LIFETIME_SCOPES = {
    "cookies": "every cookie",
    "specific": "one named cookie or vendor",
    "data": "the data collected",
    "cookie-data": "the data collected via cookies",
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
    """name -> (canonical vendor, company), through the shipped known-tracker data."""
    trackers = known.load()

    @cache
    def resolve(name: str) -> tuple[str, str | None]:
        v = trackers.vendor_named(name)
        return (v.name, v.company) if v is not None else (name, None)

    return resolve


def _vendor_states(result: ScanResult, states: list[str]) -> dict[str, set[str]]:
    """Vendor name (as recorded) -> the states it set a cookie or storage key, or was contacted in."""
    seen: dict[str, set[str]] = defaultdict(set)
    for s in states:
        st = result.states[s]
        names = [c.vendor for c in st.cookies if c.vendor_basis != "declared"] + [i.vendor for i in st.storage]
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
        cookies = [c for c in st.cookies if c.vendor_basis != "declared"]  # a provider the site names is not evidence
        items: list[Cookie | StorageItem] = [*cookies, *st.storage, *(i for p in st.pages for i in p.storage)]
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
    # the promise each cookie is held to: the cookie-lifetime one, else the one about data collected via cookies
    judged = {
        "cookies": (as_number(notice.get("cookie_promise_days")),
                    [f for f in broken if f.evidence.get("promise_scope", "cookies") == "cookies"]),
        "cookie-data": (as_number(notice.get("data_promise_days")),
                        [f for f in broken if f.evidence.get("promise_scope") == "cookie-data"]),
    }
    judged_done: set[str] = set()
    lifetimes = []
    for lp in _dicts(notice.get("lifetimes")):
        days, scope, text = as_number(lp.get("days")), str(lp.get("scope") or ""), str(lp.get("text") or "")
        row: dict[str, Any] = {
            "days": days, "text": text, "scope": scope, "scope_text": LIFETIME_SCOPES.get(scope, scope or "—"),
            "sentence": _sentence(lp.get("evidence")), "breakers": [], "over_cap": None,
        }
        row["over_cap"] = next(
            (f for f in over_cap
             if days is not None and abs((as_number(f.evidence.get("promised_days")) or -1) - days) < 0.01
             and f.evidence.get("promise_text", text) == text),
            None,
        )
        judged_days, scope_broken = judged.get(scope, (None, []))
        if scope not in judged or days is None:
            row["verdict"], row["ok"] = SCOPE_NOT_JUDGED.get(scope, "Not judged."), None
        elif judged_days is not None and abs(days - judged_days) < 0.01 and scope not in judged_done:
            judged_done.add(scope)
            row["breakers"] = sorted(
                (
                    {"f": f, "name": f.subject, "life": as_number(f.evidence.get("judged_lifetime_days")),
                     "states": [s for s in (f.evidence.get("states") or []) if isinstance(s, str)],
                     "domain": f.evidence.get("domain")}
                    for f in scope_broken
                ),
                key=lambda b: (-(b["life"] or 0), b["name"]),
            )
            row["ok"] = not row["breakers"]
            row["verdict"] = (
                f"Kept: no cookie asks to live longer than {view.human_days(days)}."
                if row["ok"]
                else f"Broken by {len(row['breakers'])} cookie{'s' if len(row['breakers']) != 1 else ''}"
            )
        elif scope_broken:
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
            "evidence": [evidence_row(k, ev[k], label)
                         for k, label in (("cookies", "Cookies"), ("domains", "Domains"), ("pages", "Pages"))
                         if not is_empty(ev.get(k))],
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
        "judged_days": judged["cookies"][0],
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
