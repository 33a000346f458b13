"""The declared-list rules: cookies the site's own declaration leaves out (``undeclared-cookie``) and
declared entries never observed (``declared-not-found``). Both need a declared list."""

from __future__ import annotations

from cookiescan.models import Finding
from cookiescan.party import host_of
from cookiescan.rules.context import RuleContext
from cookiescan.rules.evidence import (
    all_cookies,
    bare,
    cookie_evidence,
    declared_dict,
    group_cookies,
    ordered_states,
    pick,
    storage_items,
    what,
)

__all__ = ["declared_not_found", "undeclared_cookie"]


def undeclared_cookie(ctx: RuleContext) -> list[Finding]:
    """Cookies observed in any state that the declared list does not cover (one finding per cookie
    name and site, across states)."""
    if ctx.declared is None:
        return []
    out = []
    for (name, _site), items in group_cookies(all_cookies(ctx)).items():
        if any(ctx.declared_entry(c.name, c.domain) is not None for _, c in items):
            continue
        ev = cookie_evidence(ctx, items)
        ev["states"] = ordered_states(s for s, _ in items)
        ev.pop("state", None)
        _, c = pick(items)
        msg = f"Cookie {name} ({what(c.category, 'cookie')}) is set by the site but missing from its declared list."
        out.append(Finding("undeclared-cookie", "medium", "all", name, msg, ev))
    return out


def _observed_names(ctx: RuleContext) -> list[tuple[str, str | None]]:
    names: dict[tuple[str, str | None], None] = {}
    for _, st in ctx.states():
        for c in st.cookies:
            names[(c.name, bare(c.domain) or None)] = None
        for s in storage_items(st):
            names[(s.key, host_of(s.origin) or None)] = None
    return list(names)


def declared_not_found(ctx: RuleContext) -> list[Finding]:
    """Declared entries no observed cookie or storage key matches (patterns included). Not judged when the
    accept state's choice is unconfirmed: what only an acceptance sets may never have had the chance to appear."""
    if ctx.declared is None or "accept" in ctx.unconfirmed:
        return []
    observed = _observed_names(ctx)
    matched = {ctx.declared.match(n, d) for n, d in observed} - {None}
    out = []
    for entry in ctx.declared.entries:
        if entry in matched:
            continue
        # match() returns one best entry per name: a pattern shadowed by an exact entry is still found.
        if any(entry.matches(n, d) for n, d in observed):
            continue
        ev = {
            "declared": declared_dict(entry),
            "states": [s for s, _ in ctx.states()],
            "pages_scanned": ctx.result.pages_scanned,
        }
        kind = "pattern" if entry.pattern else "cookie"
        msg = (
            f"Declared {kind} {entry.name} was not seen on any scanned page in any consent state; "
            "the declaration may be stale."
        )
        out.append(Finding("declared-not-found", "low", "all", entry.name, msg, ev))
    return out
