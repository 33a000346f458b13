"""Evidence helpers every rule family shares: rounding, state order, the lifetime to judge, cookie grouping
and the evidence dictionaries of a cookie, a storage key and a declared entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cookiescan.classify import known_category
from cookiescan.models import STATES, Cookie, StateResult, StorageItem
from cookiescan.party import host_of

if TYPE_CHECKING:
    from cookiescan.rules.context import RuleContext

__all__ = [
    "SAMPLE",
    "all_cookies",
    "bare",
    "cookie_evidence",
    "declared_dict",
    "effective_lifetime",
    "group_cookies",
    "is_unknown",
    "ordered_states",
    "pick",
    "rounded",
    "sample",
    "state_key",
    "storage_evidence",
    "storage_items",
    "what",
]

#: Longest list of names, domains or pages a notice finding's evidence keeps.
SAMPLE = 10


def rounded(x: float | None) -> float | None:
    """A number of days as evidence: three decimals (``None`` stays ``None``)."""
    return None if x is None else round(float(x), 3)


def bare(domain: str | None) -> str:
    """A cookie domain without its leading dot, lower case ('' for none)."""
    return (domain or "").strip().lstrip(".").lower()


_STATE_ORDER: dict[str, int] = {s: i for i, s in enumerate(STATES)}


def state_key(state: str) -> tuple[int, str]:
    """Sort key of a state name: the canonical states first (before, accept, reject), then others by name."""
    return _STATE_ORDER.get(state, len(_STATE_ORDER)), state


def ordered_states(names: Iterable[str]) -> list[str]:
    """Distinct state names in the canonical order (before, accept, reject), then any others by name."""
    return sorted(set(names), key=state_key)


def sample(items: Iterable[str] | None, limit: int = SAMPLE) -> list[str]:
    """The first ``limit`` items in sorted order."""
    return sorted(items or ())[:limit]


def effective_lifetime(c: Cookie) -> tuple[float | None, str]:
    """The lifetime to judge and where it comes from: the requested one when a write was seen."""
    if c.via != "unknown":
        return c.requested_lifetime_days, "requested"
    return c.stored_lifetime_days, "stored"


def is_unknown(category: str) -> bool:
    """True for a category the rules cannot judge (unclassified)."""
    return category not in ("necessary", "functional", "analytics", "marketing")


def what(category: str, noun: str) -> str:
    """The category and noun for a message: "analytics cookie", "unclassified cookie"…"""
    if is_unknown(category):
        return f"unclassified {noun}"
    return f"{category} {noun}"


def pick(items: list[tuple[str, Cookie]]) -> tuple[str, Cookie]:
    """The most telling variant of a cookie seen under several domains/paths/states."""
    return sorted(
        items,
        key=lambda sc: (
            not sc[1].in_jar,
            -(effective_lifetime(sc[1])[0] or -1.0),
            sc[1].domain,
            sc[1].path,
            sc[0],
        ),
    )[0]


def all_cookies(ctx: RuleContext) -> list[tuple[str, Cookie]]:
    """Every (state, cookie) of the result, states in the canonical order."""
    return [(name, c) for name, st in ctx.states() for c in st.cookies]


def group_cookies(items: Iterable[tuple[str, Cookie]]) -> dict[tuple[str, str], list[tuple[str, Cookie]]]:
    """(state, cookie) pairs grouped by cookie name and site: one finding per group."""
    groups: dict[tuple[str, str], list[tuple[str, Cookie]]] = {}
    for state, c in items:
        groups.setdefault((c.name, c.site), []).append((state, c))
    return groups


def storage_items(st: StateResult) -> list[StorageItem]:
    """A state's storage keys, the state's own list first then each page's, once per (kind, key, origin)."""
    seen: dict[tuple[str, str, str], StorageItem] = {}
    for s in (*st.storage, *(x for p in st.pages for x in p.storage)):
        seen.setdefault((s.kind, s.key, s.origin), s)
    return list(seen.values())


def declared_dict(entry: Any) -> dict[str, Any] | None:
    """A declared-list entry as evidence (``None`` for none)."""
    if entry is None:
        return None
    keys = ("name", "pattern", "domain", "category", "category_text", "lifetime_days", "lifetime_text",
            "provider", "source")  # fmt: skip
    d: dict[str, Any] = {k: getattr(entry, k, None) for k in keys}
    if isinstance(d["lifetime_days"], float):
        d["lifetime_days"] = rounded(d["lifetime_days"])
    d["extra"] = {str(k): str(v) for k, v in (getattr(entry, "extra", None) or ())}
    return d


def cookie_evidence(ctx: RuleContext, items: list[tuple[str, Cookie]]) -> dict[str, Any]:
    """The evidence of one cookie seen as ``items`` (state, variant): its most telling variant, every
    domain, page and state, both lifetimes, the declared entry and known_trackers' view when it differs."""
    _, c = pick(items)
    cookies = [x for _, x in items]
    states = ordered_states(s for s, _ in items)
    _, lifetime_source = effective_lifetime(c)
    ev: dict[str, Any] = {
        "kind": "cookie",
        "name": c.name,
        "domain": c.domain,
        "domains": sorted({x.domain for x in cookies}),
        "site": c.site,
        "party": c.party,
        "pages": sorted({p for x in cookies for p in (*x.pages, x.first_seen_page) if p}),
        "set_by": c.set_by,
        "via": c.via,
        "requested_lifetime_days": rounded(c.requested_lifetime_days),
        "stored_lifetime_days": rounded(c.stored_lifetime_days),
        "requested_raw": c.requested_raw,
        "lifetime_source": lifetime_source,
        "category": c.category,
        "category_source": c.category_source,
        "vendor": c.vendor,
        "declared": declared_dict(ctx.declared_entry(c.name, c.domain)),
        "in_jar": any(x.in_jar for x in cookies),
        "deleted": any(x.deleted for x in cookies),
        "blocked_reasons": sorted({r for x in cookies for r in x.blocked_reasons}),
    }
    if len(states) == 1:
        ev["state"] = states[0]
    else:
        ev["states"] = states
    kc = known_category(c, ctx.known)
    if kc is not None and kc != c.category:
        ev["known_category"] = kc
    return ev


def storage_evidence(ctx: RuleContext, state: str, items: list[StorageItem]) -> dict[str, Any]:
    """The evidence of one storage key seen as ``items`` (one per origin) in a state."""
    s = sorted(items, key=lambda x: (x.kind, x.origin))[0]
    ev: dict[str, Any] = {
        "kind": s.kind,
        "key": s.key,
        "origin": s.origin,
        "origins": sorted({x.origin for x in items}),
        "site": s.site,
        "party": s.party,
        "pages": sorted({x.first_seen_page for x in items if x.first_seen_page}),
        "state": state,
        "value_length": max(x.value_length for x in items),
        "category": s.category,
        "category_source": s.category_source,
        "vendor": s.vendor,
        "declared": declared_dict(ctx.declared_entry(s.key, host_of(s.origin) or None)),
        "in_jar": True,
        "blocked_reasons": [],
    }
    kc = known_category(s, ctx.known)
    if kc is not None and kc != s.category:
        ev["known_category"] = kc
    return ev
