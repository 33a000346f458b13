"""The notice rules: the site held to what its written cookie notice (:class:`cookiescan.notice.Notice`)
promises. They run only when :func:`cookiescan.rules.evaluate` is given a notice.

* ``undeclared-vendor`` — a tracking vendor seen in any state is not named. A vendor counts as a tracker
  when it set a non-necessary cookie or storage key, or was contacted as an analytics/marketing third
  party: CDNs and fonts are not asked for. A company the notice names covers every vendor it owns. Only
  vendors attributed on evidence count as seen (the cookie's domain or writer, the storage origin, the
  request's host), never a provider the site's own declared list names.
* ``notice-vendor-unused`` — a named vendor (or company) is never seen.
* ``notice-lifetime-broken`` — a cookie outlives the shortest promise that limits every cookie, beyond
  max(5 %, 2 days) (medium); else it keeps its identifier on the device longer than the notice promises to
  keep the data collected via cookies (low). The evidence names the promise's scope.
* ``notice-lifetime-over-cap`` — the notice itself allows a cookie more than the cap (in days, the longest
  N calendar months can be).
* ``refusal-not-remembered`` — the notice promises a refusal cookie; the reject state shows none, or the
  banner again.

A notice naming no recognisable vendor gives no vendor findings: its notes say ``"no vendors recognised"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cookiescan.classify import known_vendor
from cookiescan.known import load as load_known_trackers
from cookiescan.models import Cookie, Finding
from cookiescan.rules.context import RuleContext
from cookiescan.rules.evidence import (
    all_cookies,
    bare,
    effective_lifetime,
    group_cookies,
    ordered_states,
    rounded,
    sample,
)
from cookiescan.units import max_month_span_days

if TYPE_CHECKING:
    from cookiescan.known import KnownTrackers, Vendor
    from cookiescan.notice import Evidence, LifetimePromise, Notice, VendorMention

__all__ = [
    "notice_lifetime_broken",
    "notice_lifetime_over_cap",
    "notice_vendor_unused",
    "refusal_not_remembered",
    "undeclared_vendor",
]

# A cookie name that could hold a consent or refusal choice.
_CONSENT_NAME = re.compile(
    r"consent|cookie.?(?:law|notice|banner|bar|choice|pref|control|agree|accept|policy|settings|yes|script)|"
    r"choi(?:ce|x)|refus|reject|decline|deny|gdpr|rgpd|cmp|optanon|didomi|axeptio|tarteaucitron|cookiebot|"
    r"usercentrics|euconsent|cookiefirst|complianz|iubenda|klaro|borlabs|sp_|privacy|tracking.?(?:opt|allow)|"
    r"opt.?(?:out|in)|_cc_|^cc_|cookies?_?(?:accepted|allowed|status|ok)",
    re.IGNORECASE,
)


def _notice_ev(notice: Notice, ev: Evidence | None) -> dict[str, Any]:
    return {
        "notice_source": notice.source,
        "notice_sentence": ev.sentence if ev else None,
        "notice_position": ev.position if ev else None,
    }


# --------------------------------------------------------------------------------------------
# Vendors
# --------------------------------------------------------------------------------------------


@dataclass
class _Seen:
    """What a vendor was seen doing."""

    tracker: bool = False  # non-necessary cookie/storage, or an analytics/marketing request
    category: str = "unknown"
    states: set[str] | None = None
    domains: set[str] | None = None
    cookies: set[str] | None = None
    pages: set[str] | None = None

    def add(self, state: str, *, domain: str = "", cookie: str = "", page: str = "", tracker: bool,
            category: str) -> None:  # fmt: skip
        self.states = (self.states or set()) | {state}
        self.domains = (self.domains or set()) | ({domain} if domain else set())
        self.cookies = (self.cookies or set()) | ({cookie} if cookie else set())
        self.pages = (self.pages or set()) | ({page} if page else set())
        if tracker and not self.tracker:
            self.tracker, self.category = True, category
        elif self.category == "unknown":
            self.category = category


def _canonical(name: str, known: KnownTrackers) -> str:
    v = known.vendor_named(name)
    return v.name if v is not None else name


def _observed(ctx: RuleContext, known: KnownTrackers) -> dict[str, _Seen]:
    """Every vendor seen, by canonical name. Vendors owning the scanned site's own domains are left out:
    the site may itself be a listed entity."""
    result = ctx.result
    own = {d.entity for s in result.first_party or (result.site,) if s and (d := known.domain(s)) is not None}
    seen: dict[str, _Seen] = {}

    def add(name: str | None, state: str, **kw: Any) -> None:
        if not name:
            return
        canon = _canonical(name, known)
        if canon not in own:
            seen.setdefault(canon, _Seen()).add(state, **kw)

    for state, st in ctx.states():
        for c in st.cookies:
            # a provider the site's own list names is its word, not something seen (issue 14)
            add(c.vendor if c.vendor_basis != "declared" else None, state, domain=bare(c.domain), cookie=c.name,
                page=c.first_seen_page, tracker=c.category != "necessary", category=c.category)  # fmt: skip
        # The last of a key's duplicates wins here (evidence.storage_items keeps the first): as before the split.
        storage = {(s.kind, s.key, s.origin): s for s in (*st.storage, *(x for p in st.pages for x in p.storage))}
        for s in storage.values():
            add(known_vendor(s, known), state, cookie=s.key, page=s.first_seen_page,
                tracker=s.category != "necessary", category=s.category)  # fmt: skip
        for tp in st.third_parties:
            add(tp.vendor, state, domain=tp.site, page=tp.first_seen_page,
                tracker=tp.category in ("analytics", "marketing"), category=tp.category)  # fmt: skip
        for page in st.pages:
            for r in page.requests:
                if r.party != "third" or not r.host:
                    continue
                info = known.domain(r.host)
                vendor = r.vendor or (info.entity if info is not None else None)
                category = r.category if r.category != "unknown" or info is None else info.category
                add(vendor, state, domain=r.site or r.host, page=page.url,
                    tracker=category in ("analytics", "marketing"), category=category)  # fmt: skip
    return seen


@dataclass(frozen=True, slots=True)
class _Named:
    """The vendors a notice names, read against known_trackers."""

    by_name: dict[str, Vendor]  # every known vendor by its canonical name
    named: dict[str, VendorMention]  # vendor (or company) -> its mention
    companies: set[str]  # the names that are a company, not a vendor

    def company(self, vendor: str) -> str | None:
        v = self.by_name.get(vendor)
        return v.company if v is not None else None

    def covered(self, vendor: str) -> VendorMention | None:
        """The mention naming a vendor, or the company that owns it."""
        if vendor in self.named:
            return self.named[vendor]
        c = self.company(vendor)
        return self.named[c] if c is not None and c in self.companies else None


def _vendor_check(ctx: RuleContext) -> tuple[Notice, _Named, dict[str, _Seen]] | None:
    """What both vendor rules compare; ``None`` without a notice or when it names no recognisable vendor."""
    notice = ctx.notice
    if notice is None or not notice.vendors:
        return None
    known = ctx.known if ctx.known is not None else load_known_trackers()
    by_name: dict[str, Vendor] = {v.name: v for v in known.vendors()}
    named = _Named(
        by_name=by_name,
        named={m.vendor: m for m in notice.vendors},
        companies={m.vendor for m in notice.vendors if m.vendor not in by_name},
    )
    return notice, named, _observed(ctx, known)


def undeclared_vendor(ctx: RuleContext) -> list[Finding]:
    """Tracking vendors seen in any state that the notice never names (nor the company owning them)."""
    check = _vendor_check(ctx)
    if check is None:
        return []
    notice, names, seen = check
    out: list[Finding] = []
    named_list = [m.vendor for m in notice.vendors]
    for vendor, s in sorted(seen.items()):
        if not s.tracker or names.covered(vendor) is not None:
            continue
        same_category = [m for m in notice.vendors if (v := names.by_name.get(m.vendor)) and v.category == s.category]
        near = (same_category or list(notice.vendors))[0]
        states = ordered_states(s.states or ())
        ev = {
            "vendor": vendor,
            "company": names.company(vendor),
            "category": s.category,
            "states": states,
            "domains": sample(s.domains),
            "cookies": sample(s.cookies),
            "pages": sample(s.pages),
            "named_vendors": named_list,
            **_notice_ev(notice, near.evidence),
        }
        msg = (
            f"{vendor} ({s.category}) was seen in the {'/'.join(states)} state(s) but the cookie notice never names "
            f"it; it names {', '.join(named_list)}."
        )
        out.append(Finding("undeclared-vendor", "medium", "all", vendor, msg, ev))
    return out


def notice_vendor_unused(ctx: RuleContext) -> list[Finding]:
    """Vendors (or companies) the notice names that were never seen. Not judged when the accept state's choice
    is unconfirmed: vendors that only load after an acceptance may never have had the chance to appear."""
    check = _vendor_check(ctx)
    if check is None or "accept" in ctx.unconfirmed:
        return []
    notice, names, seen = check
    out: list[Finding] = []
    seen_companies = {c for v in seen if (c := names.company(v))}
    for m in notice.vendors:
        used = m.vendor in seen or (m.vendor in names.companies and m.vendor in seen_companies)
        if used:
            continue
        kind = "company" if m.vendor in names.companies else "vendor"
        ev = {"vendor": m.vendor, "kind": kind, "matched": m.matched, **_notice_ev(notice, m.evidence)}
        msg = f"The cookie notice names {m.matched} but no {kind} {m.vendor} was seen on any scanned page in any state."
        out.append(Finding("notice-vendor-unused", "low", "all", m.vendor, msg, ev))
    return out


# --------------------------------------------------------------------------------------------
# Lifetimes
# --------------------------------------------------------------------------------------------


def notice_lifetime_broken(ctx: RuleContext) -> list[Finding]:
    """Cookies outliving what the notice promises, beyond a slack of max(5 %, 2 days): the cookie-lifetime
    promise (medium), else the promise about data collected via cookies (low: the identifier a cookie keeps
    on the device is such data). One finding per cookie, for the first promise it breaks."""
    notice = ctx.notice
    if notice is None:
        return []
    promises = [(p, severity) for p, severity in ((notice.cookie_promise(), "medium"), (notice.data_promise(), "low"))
                if p is not None]  # fmt: skip
    out = []
    for (name, _site), items in sorted(group_cookies(all_cookies(ctx)).items()):
        for promise, severity in promises:
            broken = _broken(ctx, notice, name, items, promise, severity)
            if broken is not None:
                out.append(broken)
                break
    return out


def _broken(ctx: RuleContext, notice: Notice, name: str, items: list[tuple[str, Cookie]], promise: LifetimePromise,
            severity: str) -> Finding | None:
    """The finding when one of a cookie's variants outlives ``promise`` beyond the slack, else None."""
    allowed = promise.days + max(0.05 * promise.days, 2.0)
    hits = [(s, c, life, src) for s, c in items for life, src in [effective_lifetime(c)]
            if life is not None and life > allowed]  # fmt: skip
    if not hits:
        return None
    _, c, life, src = max(hits, key=lambda h: h[2])
    ev = {
        "name": name,
        "domain": c.domain,
        "party": c.party,
        "vendor": c.vendor,
        "category": c.category,
        "states": ordered_states(s for s, _ in items),
        "pages": sample({p for _, x in items for p in (*x.pages, x.first_seen_page) if p}),
        "requested_lifetime_days": rounded(c.requested_lifetime_days),
        "stored_lifetime_days": rounded(c.stored_lifetime_days),
        "requested_raw": c.requested_raw,
        "lifetime_source": src,
        "judged_lifetime_days": rounded(life),
        "promised_days": rounded(promise.days),
        "promise_text": promise.text,
        "promise_scope": promise.scope,
        "allowed_days": rounded(allowed),
        **_notice_ev(notice, promise.evidence),
    }
    how = "asks to live" if src == "requested" else "is stored for"
    if promise.scope == "cookie-data":
        msg = (
            f"Cookie {name} {how} {life:g} days, keeping its identifier on the device longer than the notice "
            f"promises to keep the data collected via cookies: \u201c{promise.text}\u201d ({promise.days:g} days)."
        )
    else:
        msg = (
            f"Cookie {name} {how} {life:g} days but the notice promises \u201c{promise.text}\u201d "
            f"({promise.days:g} days)."
        )
    return Finding("notice-lifetime-broken", severity, "all", name, msg, ev)


def notice_lifetime_over_cap(ctx: RuleContext) -> list[Finding]:
    """Cookie-wide or cookie-specific promises longer than the cap can ever be (397 days for 13 months)."""
    notice = ctx.notice
    if notice is None:
        return []
    cap_days = max_month_span_days(ctx.options.max_lifetime_months)
    out = []
    for p in notice.lifetimes:
        if p.scope in ("cookies", "specific") and p.days > cap_days + 1.0:
            ev = {"promised_days": rounded(p.days), "promise_text": p.text, "scope": p.scope,
                  "cap_days": rounded(cap_days), **_notice_ev(notice, p.evidence)}  # fmt: skip
            msg = (
                f"The notice allows cookies to live {p.days:g} days (\u201c{p.text}\u201d), "
                f"over the {cap_days:g}-day cap."
            )
            out.append(Finding("notice-lifetime-over-cap", "medium", "notice", p.text[:80], msg, ev))
    return out


# --------------------------------------------------------------------------------------------
# Refusal
# --------------------------------------------------------------------------------------------


def _norm_url(url: str) -> str:
    return url.split("#", 1)[0].rstrip("/")


def refusal_not_remembered(ctx: RuleContext) -> list[Finding]:
    """The refusal heuristic: after the reject click, a cookie that could hold the choice must exist, and
    the banner must not show again.

    A cookie "could hold the choice" when it is in the jar of the reject state (not deleted) and either
    its name looks like a consent record (``consent``, ``OptanonConsent``, ``didomi_token``, ``cc_refus``…,
    any party: some consent managers keep it on their own domain) or it is first-party, first seen on the
    page where the banner was answered, and absent from the "before" state (so the click made it). A
    localStorage/sessionStorage key with a consent-like name counts too. "Shown again" is read from the
    reject state's pages (``banner_shown_again``). Nothing is judged when the reject state is missing or the
    reject was never clicked (other rules report that); a click the site did not record is judged: it is
    the evidence.
    """
    notice = ctx.notice
    if notice is None or notice.refusal_cookie is None:
        return []
    result = ctx.result
    reject = result.states.get("reject")
    banner = reject.banner if reject is not None else None
    if reject is None or banner is None or not banner.found or not (banner.succeeded or banner.clicks):
        return []
    before = result.states.get("before")
    before_keys = {(c.name, bare(c.domain)) for c in before.cookies} if before is not None else set()
    click_pages = {_norm_url(banner.page_url)} | {
        _norm_url(p.url) for p in reject.pages if _norm_url(p.final_url) == _norm_url(banner.page_url)
    }
    live = [c for c in reject.cookies if c.in_jar and not c.deleted]
    consent_named = sorted({c.name for c in live if _CONSENT_NAME.search(c.name)})
    new_first = sorted({
        c.name for c in live
        if c.party == "first" and _norm_url(c.first_seen_page) in click_pages
        and (c.name, bare(c.domain)) not in before_keys
    })  # fmt: skip
    storage = {s.key for s in (*reject.storage, *(x for p in reject.pages for x in p.storage))}
    consent_storage = sorted(k for k in storage if _CONSENT_NAME.search(k))
    again = sorted({p.url for p in reject.pages if p.banner_shown_again})
    remembered = bool(consent_named or new_first or consent_storage)
    if remembered and not again:
        return []
    ev = {
        "banner_page": banner.page_url,
        "cmp": banner.cmp,
        "buttons": list(banner.buttons),
        "reject_state_cookies": sample({c.name for c in live}),
        "consent_like_cookies": consent_named,
        "new_first_party_cookies": new_first,
        "consent_like_storage": consent_storage,
        "banner_shown_again_on": again,
        "heuristic": (
            "after the reject click, a cookie with a consent-like name, or a first-party cookie first seen on "
            "the banner's page and absent before any choice, must be stored; the banner must not show again"
        ),
        **_notice_ev(notice, notice.refusal_cookie),
    }
    if not remembered:
        msg = ("The notice says a cookie records the refusal, but after clicking reject no cookie that could hold "
               "the choice was stored.")  # fmt: skip
        if again:
            msg += f" The banner showed again on {again[0]}."
    else:
        msg = f"The notice says the refusal is remembered, but the banner showed again on {again[0]} after rejecting."
    return [Finding("refusal-not-remembered", "medium", "reject", "banner", msg, ev)]
