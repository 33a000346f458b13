"""The lifetime rules: a cookie's requested lifetime over the cap (``lifetime-over-cap``) or over its
declaration (``lifetime-over-declared``), and a declaration announcing more than the cap
(``declared-lifetime-over-cap``).

The cap is counted in calendar months from the moment the cookie was set (see :mod:`cookiescan.rules`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cookiescan.models import Cookie, Finding
from cookiescan.rules.context import RuleContext
from cookiescan.rules.evidence import (
    all_cookies,
    cookie_evidence,
    declared_dict,
    effective_lifetime,
    group_cookies,
    ordered_states,
    rounded,
)
from cookiescan.units import DAYS_PER_MONTH, add_months, max_month_span_days

__all__ = ["CAP_TOLERANCE", "cap_end", "declared_lifetime_over_cap", "lifetime_over_cap", "lifetime_over_declared"]


#: Tolerance on the observed cap, for clock skew between the server's ``Expires`` and the browser.
CAP_TOLERANCE = timedelta(hours=1)


def cap_end(set_at: datetime, months: int) -> datetime:
    """The last instant a cookie set at ``set_at`` may live under an N-month cap (before tolerance)."""
    return add_months(set_at, months)


def _cap_check(ctx: RuleContext, state: str, c: Cookie) -> dict[str, Any] | None:
    """The cap evidence when cookie ``c`` (seen in ``state``) outlives the cap, else None."""
    lifetime, source = effective_lifetime(c)
    if lifetime is None or lifetime <= 0:
        return None
    months = ctx.options.max_lifetime_months
    set_at, set_source = ctx.set_time(state, c)
    if set_at is not None:
        end = cap_end(set_at, months)
        cap_days = (end - set_at).total_seconds() / 86400
        over = set_at + timedelta(days=lifetime) > end + CAP_TOLERANCE
    else:
        cap_days = months * DAYS_PER_MONTH
        over = lifetime > cap_days + CAP_TOLERANCE.total_seconds() / 86400
    if not over:
        return None
    return {
        "cap_months": months,
        "cap_days": rounded(cap_days),
        "judged_lifetime_days": rounded(lifetime),
        "lifetime_source": source,
        "set_at": set_at.isoformat() if set_at else None,
        "set_at_source": set_source,
    }


def lifetime_over_cap(ctx: RuleContext) -> list[Finding]:
    """Cookies whose requested lifetime exceeds the cap, in calendar months from when they were set."""
    out = []
    months = ctx.options.max_lifetime_months
    for (name, _site), items in group_cookies(all_cookies(ctx)).items():
        hits = [(s, c, cap) for s, c in items if (cap := _cap_check(ctx, s, c)) is not None]
        if not hits:
            continue
        _, c, cap = max(hits, key=lambda h: (h[2]["judged_lifetime_days"], h[0] == "before"))
        ev = cookie_evidence(ctx, [(s, x) for s, x, _ in hits])
        ev.update(cap)
        ev["states"] = ordered_states(s for s, _ in items)
        ev.pop("state", None)
        before = any(s == "before" for s, _ in items)
        severity = "high" if c.category == "analytics" and before else "medium"
        days = cap["judged_lifetime_days"]
        msg = (
            f"Cookie {name} asks to live {days:g} days, longer than the {months}-month cap "
            f"({cap['cap_days']:g} days from when it was set)."
        )
        if cap["lifetime_source"] == "stored":
            msg = (
                f"Cookie {name} is stored for {days:g} days, longer than the {months}-month cap; no write was "
                "seen, so this is the stored expiry (Chromium caps it at 400 days; the request may be longer)."
            )
        out.append(Finding("lifetime-over-cap", severity, "all", name, msg, ev))
    return out


def lifetime_over_declared(ctx: RuleContext) -> list[Finding]:
    """Cookies living longer than their declaration says, beyond a slack of max(5 %, 2 days)."""
    if ctx.declared is None:
        return []
    opts = ctx.options
    out = []
    for (name, _site), items in group_cookies(all_cookies(ctx)).items():
        hits = []
        for s, c in items:
            entry = ctx.declared_entry(c.name, c.domain)
            lifetime, _ = effective_lifetime(c)
            if entry is None or entry.lifetime_days is None or lifetime is None or lifetime <= 0:
                continue
            declared_days = float(entry.lifetime_days)
            allowed = declared_days + max(opts.slack_ratio * declared_days, opts.slack_days)
            if lifetime > allowed:
                hits.append((s, c, entry, declared_days, allowed, lifetime))
        if not hits:
            continue
        _, c, entry, declared_days, allowed, lifetime = max(hits, key=lambda h: h[5] - h[4])
        ev = cookie_evidence(ctx, [(s, x) for s, x, *_ in hits])
        ev.update(
            {
                "declared_lifetime_days": rounded(declared_days),
                "declared_lifetime_text": entry.lifetime_text,
                "allowed_days": rounded(allowed),
                "judged_lifetime_days": rounded(lifetime),
                "states": ordered_states(s for s, _ in items),
            }
        )
        ev.pop("state", None)
        said = "a session cookie" if declared_days == 0 else f"{entry.lifetime_text or f'{declared_days:g} days'}"
        msg = f"Cookie {name} asks to live {lifetime:g} days but is declared as {said}."
        out.append(Finding("lifetime-over-declared", "medium", "all", name, msg, ev))
    return out


def declared_lifetime_over_cap(ctx: RuleContext) -> list[Finding]:
    """Declared entries that announce a lifetime longer than the cap can ever be."""
    if ctx.declared is None:
        return []
    months = ctx.options.max_lifetime_months
    limit = max_month_span_days(months)
    out = []
    for entry in ctx.declared.entries:
        days = entry.lifetime_days
        if days is None or days <= limit:
            continue
        ev = {
            "declared": declared_dict(entry),
            "declared_lifetime_days": rounded(days),
            "declared_lifetime_text": entry.lifetime_text,
            "cap_months": months,
            "cap_days": limit,
            "category": entry.category,
            "category_source": "declared",
        }
        said = entry.lifetime_text or f"{days:g} days"
        msg = f"The declared list gives {entry.name} a lifetime of {said}, over the {months}-month cap."
        out.append(Finding("declared-lifetime-over-cap", "medium", "declared", entry.name, msg, ev))
    return out
