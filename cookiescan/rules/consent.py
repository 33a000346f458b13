"""The consent rules: non-necessary cookies and storage keys, and tracker requests, before any consent
choice (``pre-consent-*``) and after the visitor rejected (``post-reject-*``).

Tracker rules look at third-party requests only: the scanned site may itself be a listed entity."""

from __future__ import annotations

from typing import Any

from cookiescan.classify import attribution_evidence, is_tracker, request_paths
from cookiescan.models import Finding, StateResult, StorageItem
from cookiescan.rules.context import RuleContext
from cookiescan.rules.evidence import (
    cookie_evidence,
    group_cookies,
    is_unknown,
    pick,
    storage_evidence,
    storage_items,
    what,
)
from cookiescan.rules.signals import consent_mode_evidence

__all__ = ["post_reject_cookie", "post_reject_tracker", "pre_consent_cookie", "pre_consent_tracker"]


#: Request URLs a tracker finding's evidence keeps.
SAMPLE_URLS = 5


def _consent_cookie_findings(ctx: RuleContext, rule: str, state: str, when: str) -> list[Finding]:
    st = ctx.result.states.get(state)
    if st is None:
        return []
    out: list[Finding] = []
    groups = group_cookies((state, c) for c in st.cookies if c.category != "necessary")
    for (name, _site), items in groups.items():
        ev = cookie_evidence(ctx, items)
        _, c = pick(items)
        deletion_only = all(ctx.deletion_only(state, x) for _, x in items)
        ev["deletion_only"] = deletion_only
        ev["vendor_basis"] = c.vendor_basis
        ev.update(attribution_evidence(c, ctx.known))  # a name known for a vendor, written by someone else
        unknown = is_unknown(c.category)
        severity = "medium" if unknown else "high"
        msg = f"Cookie {name} ({what(c.category, 'cookie')}) is set {when}."
        if unknown:
            msg = (
                f"Cookie {name} is set {when} and is unclassified: declare it with its purpose, "
                "or remove it if it is not strictly necessary."
            )
        if deletion_only:
            severity = "low"
            msg = f"Cookie {name} ({what(c.category, 'cookie')}) is only deleted {when}; no value is stored."
        elif not ev["in_jar"] and ev["blocked_reasons"]:
            msg = msg[:-1] + " (the browser refused it, but the site tried to set it)."
        elif not ev["in_jar"]:
            msg = msg[:-1] + " (and removed later during the visit)."
        out.append(Finding(rule, severity, state, name, msg, ev))

    storage: dict[tuple[str, str], list[StorageItem]] = {}
    for s in storage_items(st):
        if s.category != "necessary":
            storage.setdefault((s.key, s.site), []).append(s)
    for (key, _site), sitems in storage.items():
        ev = storage_evidence(ctx, state, sitems)
        ev.update(attribution_evidence(sorted(sitems, key=lambda x: (x.kind, x.origin))[0], ctx.known))
        cat = ev["category"]
        noun = f"{ev['kind']} key"
        if is_unknown(cat):
            severity = "medium"
            msg = (
                f"The {noun} {key} is written {when} and is unclassified: declare it with its purpose, "
                "or remove it if it is not strictly necessary."
            )
        else:
            severity = "high"
            msg = f"The {noun} {key} ({cat}) is written {when}; storage needs consent like cookies do."
        out.append(Finding(rule, severity, state, key, msg, ev))
    return out


def pre_consent_cookie(ctx: RuleContext) -> list[Finding]:
    """Non-necessary cookies and storage keys present before any consent choice."""
    return _consent_cookie_findings(ctx, "pre-consent-cookie", "before", "before any consent choice")


def post_reject_cookie(ctx: RuleContext) -> list[Finding]:
    """Non-necessary cookies and storage keys present after the visitor rejected."""
    return _consent_cookie_findings(ctx, "post-reject-cookie", "reject", "after the visitor rejected")


# --------------------------------------------------------------------------------------------
# Tracker requests
# --------------------------------------------------------------------------------------------


def _tracker_findings(ctx: RuleContext, rule: str, state: str, when: str) -> list[Finding]:
    st = ctx.result.states.get(state)
    if st is None:
        return []
    groups: dict[str, dict[str, Any]] = {}
    for page in st.pages:
        for r in page.requests:
            if r.party == "first" or not is_tracker(r.category):
                continue
            g = groups.setdefault(
                r.site,
                {"urls": set(), "types": set(), "pages": set(), "hosts": set(), "count": 0,
                 "vendors": set(), "categories": set(), "consent_mode": []},
            )  # fmt: skip
            g["urls"].add(r.url)
            g["types"].add(r.resource_type)
            g["pages"].add(page.url)
            g["hosts"].add(r.host)
            g["count"] += 1
            if r.vendor:
                g["vendors"].add(r.vendor)
            g["categories"].add(r.category)
            if r.consent_mode:
                g["consent_mode"].append(r)
    # Third-party summaries cover states whose page requests were not kept.
    for tp in st.third_parties:
        if tp.site in groups or not is_tracker(tp.category):
            continue
        groups[tp.site] = {
            "urls": set(), "types": set(tp.resource_types), "pages": {tp.first_seen_page} - {""},
            "hosts": set(tp.hosts), "count": tp.requests, "vendors": {tp.vendor} - {None},
            "categories": {tp.category},
        }  # fmt: skip
    out = []
    tag_paths = _tag_paths(st)
    for site, g in groups.items():
        cats = sorted(g["categories"], key=lambda c: (c != "marketing", c))
        vendors = sorted(g["vendors"])
        who = f"{vendors[0]} ({site})" if vendors else site
        n = g["count"]
        ev = {
            "state": state,
            "site": site,
            "hosts": sorted(g["hosts"]),
            "vendor": vendors[0] if vendors else None,
            "vendors": vendors,
            "category": cats[0],
            "category_source": "known_trackers",
            "count": n,
            "sample_urls": sorted(g["urls"])[:SAMPLE_URLS],
            "resource_types": sorted(g["types"]),
            "pages": sorted(g["pages"]),
        }
        said = consent_mode_evidence(g.get("consent_mode", ()))
        if said is not None:  # cookieless Google pings: what Consent Mode told Google
            ev["consent_mode"] = said
        msg = f"The {cats[0]} tracker {who} is contacted {when} ({n} request{'s' if n != 1 else ''})."
        loaded = _loaded_through(st, site, tag_paths)
        ev.update(loaded)
        if "fix" in loaded:  # the fix is in the tag manager, not in the page
            msg = f"{msg[:-1]}, loaded through {loaded['loading_chain']}: {loaded['fix']}."
        out.append(Finding(rule, "high", state, site, msg, ev))
    return out


def _tag_paths(st: StateResult) -> dict[str, tuple[dict[str, None], dict[str, None], set[tuple[bool, str]]]]:
    """Per third-party site, from its tracker requests' initiators: the GTM containers, the tags (gtag ids)
    and the loading chains (GTM chains sorted first) that led to them."""
    out: dict[str, tuple[dict[str, None], dict[str, None], set[tuple[bool, str]]]] = {}
    for page in st.pages:
        for r, path in zip(page.requests, request_paths(page), strict=True):
            if r.party == "first" or not is_tracker(r.category) or not path.chain:
                continue
            managers, tags, chains = out.setdefault(r.site, ({}, {}, set()))
            managers.update(dict.fromkeys(path.tag_managers))
            tags.update(dict.fromkeys(path.tags))
            chains.add((not path.tag_managers, path.chain))
    return out


def _loaded_through(st: StateResult, site: str, tag_paths: dict[str, Any]) -> dict[str, Any]:
    """Evidence of how a tracker was loaded: the Google Tag Manager containers, the tags, one loading chain
    and, when a container loaded it, the fix ("remove tag G-… from GTM-… or gate it on consent"). The state's
    third-party summary speaks when the page requests were not kept."""
    if site in tag_paths:
        managers, tags, chains = tag_paths[site]
    else:
        tp = next((t for t in st.third_parties if t.site == site and t.loading_chain), None)
        if tp is None or tp.loading_chain is None:
            return {}
        managers, tags, chains = dict.fromkeys(tp.tag_managers), {}, {(not tp.tag_managers, tp.loading_chain)}
    ev: dict[str, Any] = {"tag_managers": sorted(managers), "tags": sorted(tags), "loading_chain": min(chains)[1]}
    if managers:
        tag = f"tag {', '.join(sorted(tags))}" if tags else f"the tag that contacts {site}"
        ev["fix"] = f"remove {tag} from {', '.join(sorted(managers))} or gate it on consent"
    return ev


def pre_consent_tracker(ctx: RuleContext) -> list[Finding]:
    """Requests to known analytics/marketing domains before any consent choice."""
    return _tracker_findings(ctx, "pre-consent-tracker", "before", "before any consent choice")


def post_reject_tracker(ctx: RuleContext) -> list[Finding]:
    """Requests to known analytics/marketing domains after the visitor rejected."""
    return _tracker_findings(ctx, "post-reject-tracker", "reject", "after the visitor rejected")
