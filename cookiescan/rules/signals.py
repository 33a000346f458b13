"""What the site tells ad tech: the IAB TCF string (``tcf-consent-after-reject``, ``tcf-legitimate-interest``)
and Google Consent Mode on Google's own requests (``consent-mode-granted-before-choice``,
``consent-mode-granted-after-reject``), and the helpers the reports and the tracker rules share to word them.

The TCF records are the pages' ``PageVisit.tcf`` (read once each page settled, so in the reject state every
one is after the refusal). Consent Mode is each request's ``RequestRecord.consent_mode`` (filled by
classify). On the page where the choice was clicked, the Google requests sent before the click still carry
the page's defaults: there, only requests that carry an ``update`` count as sent after the choice
(:func:`consent_mode_hits`); every request of the state's later pages counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cookiescan.models import Finding, PageVisit, RequestRecord, StateResult
from cookiescan.rules.context import RuleContext
from cookiescan.rules.evidence import SAMPLE
from cookiescan.signals.consent_mode import SIGNALS
from cookiescan.signals.tcf import (
    PURPOSE_NAMES,
    forbidden_li_purposes,
    granted_purposes,
    granted_vendors,
    li_vendors,
    tracking_purposes_under_li,
)

__all__ = [
    "TCSignals",
    "consent_mode_by_state",
    "consent_mode_evidence",
    "consent_mode_granted_after_reject",
    "consent_mode_granted_before_choice",
    "consent_mode_hits",
    "consent_mode_signals",
    "purpose_label",
    "signal_text",
    "tcf_consent_after_reject",
    "tcf_legitimate_interest",
]

TC_SUBJECT = "TC string"
MAX_URL = 300  # a request URL in evidence (Google hits are long; the host, path and consent params come first)
MAX_TC_STRING = 200


# -- TCF ------------------------------------------------------------------------------------------------
def _ids(value: object) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(sorted({v for v in value if isinstance(v, int) and not isinstance(v, bool) and v > 0}))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class TCSignals:
    """A page's TCF record (``PageVisit.tcf``) read defensively, as the TCF policy predicates want it."""

    purposes_consent: tuple[int, ...]
    purposes_li: tuple[int, ...]
    vendor_consents: tuple[int, ...]
    vendor_li: tuple[int, ...]
    tcf_policy_version: int | None
    vendor_consents_count: int
    vendor_li_count: int

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> TCSignals:
        """From a record; missing or odd fields read as empty."""
        vc, vl = _ids(record.get("vendor_consents")), _ids(record.get("vendor_li"))
        return cls(_ids(record.get("purposes_consent")), _ids(record.get("purposes_li")), vc, vl,
                   _int(record.get("tcf_policy_version")),
                   max(_int(record.get("vendor_consents_count")) or 0, len(vc)),
                   max(_int(record.get("vendor_li_count")) or 0, len(vl)))


def purpose_label(purpose: int) -> str:
    """``"3: Create profiles for personalised advertising"``."""
    return f"{purpose}: {PURPOSE_NAMES.get(purpose, 'unknown purpose')}"


def _tcf_pages(st: StateResult) -> list[tuple[str, Mapping[str, Any]]]:
    """(page URL, TCF record) of each page that had one; the state's own signal when no page did."""
    out: list[tuple[str, Mapping[str, Any]]] = [(p.url, p.tcf) for p in st.pages if isinstance(p.tcf, Mapping)]
    if not out and isinstance(st.tcf, Mapping):
        out.append((str(st.tcf.get("page") or ""), st.tcf))
    return out


def _tcf_base(record: Mapping[str, Any], page: str, pages: list[str]) -> dict[str, Any]:
    tc = record.get("tc_string")
    return {
        "state": "reject",
        "cmp_id": _int(record.get("cmp_id")),
        "cmp_version": _int(record.get("cmp_version")),
        "tcf_policy_version": _int(record.get("tcf_policy_version")),
        "source": record.get("source") if record.get("source") in ("api", "cookie") else None,
        "event_status": record.get("event_status") if isinstance(record.get("event_status"), str) else None,
        "page": page or None,
        "pages": sorted(set(pages))[:SAMPLE],
        "tc_string": tc[:MAX_TC_STRING] + ("…" if len(tc) > MAX_TC_STRING else "") if isinstance(tc, str) else None,
    }


def _cmp_words(record: Mapping[str, Any]) -> str:
    cmp_id = _int(record.get("cmp_id"))
    return f"the IAB TCF string (CMP {cmp_id})" if cmp_id else "the IAB TCF string"


def _numbers(ids: Iterable[int]) -> str:
    items = [str(i) for i in ids]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _violations(ctx: RuleContext, test: Any) -> tuple[Mapping[str, Any], str, list[str]] | None:
    """In the reject state, the record to show and its page, and every page whose record breaks ``test``;
    None when none does. The record shown is the state's own signal when it breaks the test, else the
    first breaking page's by URL (the same finding whatever order the pages were visited in)."""
    st = ctx.result.states.get("reject")
    if st is None or not st.applicable:
        return None
    bad = [(url, rec) for url, rec in _tcf_pages(st) if test(TCSignals.of(rec))]
    if not bad:
        return None
    own = next(((url, rec) for url, rec in bad if rec == st.tcf), None)
    url, record = own or min(bad, key=lambda b: b[0])
    return record, url, [u for u, _ in bad if u]


def tcf_consent_after_reject(ctx: RuleContext) -> list[Finding]:
    """After reject, the TC string still grants consent to a purpose or a vendor."""
    found = _violations(ctx, lambda tc: bool(granted_purposes(tc) or granted_vendors(tc)))
    if found is None:
        return []
    record, page, pages = found
    tc = TCSignals.of(record)
    purposes, vendors = granted_purposes(tc), granted_vendors(tc)
    ev = _tcf_base(record, page, pages)
    ev |= {"purposes": [purpose_label(p) for p in purposes], "vendors": list(vendors[:SAMPLE]),
           "vendor_count": tc.vendor_consents_count,
           "special_features": list(_ids(record.get("special_feature_optins")))}
    parts = []
    if purposes:
        parts.append(f"purpose{'s' if len(purposes) > 1 else ''} {_numbers(purposes)}")
    if vendors:
        n = tc.vendor_consents_count
        parts.append(f"{n} vendor{'s' if n > 1 else ''} ({_numbers(vendors[:3])}{', …' if n > 3 else ''})")
    msg = (f"After the visitor rejected, {_cmp_words(record)} still grants consent to "
           f"{' and to '.join(parts)}: ad tech reading it will act as if the visitor had agreed.")
    return [Finding("tcf-consent-after-reject", "high", "reject", TC_SUBJECT, msg, ev)]


def tcf_legitimate_interest(ctx: RuleContext) -> list[Finding]:
    """After reject, tracking purposes (2-10) are still claimed under legitimate interest."""
    found = _violations(ctx, lambda tc: bool(tracking_purposes_under_li(tc)))
    if found is None:
        return []
    record, page, pages = found
    tc = TCSignals.of(record)
    purposes = tracking_purposes_under_li(tc)
    vendors = li_vendors(tc)
    ev = _tcf_base(record, page, pages)
    ev |= {"purposes": [purpose_label(p) for p in purposes],
           "not_allowed_by_tcf": [purpose_label(p) for p in forbidden_li_purposes(tc)],
           "vendors": list(vendors[:SAMPLE]), "vendor_count": tc.vendor_li_count}
    msg = (f"After the visitor rejected, {_cmp_words(record)} still claims legitimate interest for "
           f"purpose{'s' if len(purposes) > 1 else ''} {_numbers(purposes)} (advertising, profiling or "
           "measurement), which trackers need consent for.")
    return [Finding("tcf-legitimate-interest", "medium", "reject", TC_SUBJECT, msg, ev)]


# -- Google Consent Mode ------------------------------------------------------------------------------------
def _signal(cm: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    signals = cm.get("signals")
    sig = signals.get(name) if isinstance(signals, Mapping) else None
    return sig if isinstance(sig, Mapping) else {}


def signal_text(sig: Mapping[str, Any]) -> str:
    """One signal in words: ``"granted (update)"``, ``"denied (default)"``, ``"unset"``."""
    value = sig.get("value") if isinstance(sig.get("value"), str) else "unset"
    source = sig.get("source")
    return f"{value} ({source})" if value != "unset" and source in ("default", "update") else str(value)


def consent_mode_signals(cm: Mapping[str, Any]) -> dict[str, str]:
    """The four signals of one request's ``consent_mode`` in words."""
    return {name: signal_text(_signal(cm, name)) for name in SIGNALS}


def _granted(cm: Mapping[str, Any]) -> list[str]:
    return [name for name in SIGNALS if _signal(cm, name).get("value") == "granted"]


def _has_update(cm: Mapping[str, Any]) -> bool:
    return any(_signal(cm, name).get("source") == "update" for name in SIGNALS)


def _choice_page(st: StateResult) -> PageVisit | None:
    """The page where the state's choice was clicked (the state's first visit), if a choice was made."""
    b = st.banner
    if b is None or not b.found or not b.action or not st.pages:
        return None
    return next((p for p in st.pages if b.page_url and b.page_url in (p.final_url, p.url)), st.pages[0])


def consent_mode_hits(st: StateResult) -> list[tuple[PageVisit, RequestRecord]]:
    """The requests of a state that carried Consent Mode and were sent in the state's condition: every one
    in a state without a choice; on the page where the choice was clicked, only those that carry an update."""
    choice = _choice_page(st)
    out = []
    for page in st.pages:
        for r in page.requests:
            cm = r.consent_mode
            if isinstance(cm, Mapping) and (page is not choice or _has_update(cm)):
                out.append((page, r))
    return out


def _distinct(values: Iterable[dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {name: [] for name in SIGNALS}
    for signals in values:
        for name, text in signals.items():
            if text not in out[name]:
                out[name].append(text)
    return out


def consent_mode_by_state(st: StateResult) -> tuple[dict[str, list[str]], int]:
    """Per signal, the distinct values (in words, first seen first) of the state's Consent Mode requests
    (:func:`consent_mode_hits`), and how many requests that is."""
    hits = consent_mode_hits(st)
    return _distinct(consent_mode_signals(r.consent_mode or {}) for _, r in hits), len(hits)


def consent_mode_evidence(requests: Iterable[RequestRecord]) -> dict[str, str] | None:
    """What the Consent Mode requests among ``requests`` said, per signal (distinct values joined), e.g.
    ``{"ad_storage": "denied (default)", …}``; None when none carried it."""
    said = [consent_mode_signals(r.consent_mode) for r in requests if isinstance(r.consent_mode, Mapping)]
    if not said:
        return None
    return {name: ", ".join(texts) for name, texts in _distinct(said).items()}


def _clip(url: str) -> str:
    return url if len(url) <= MAX_URL else url[:MAX_URL] + "…"


def _consent_mode_findings(ctx: RuleContext, rule: str, state: str, when: str) -> list[Finding]:
    st = ctx.result.states.get(state)
    if st is None or (state != "before" and not st.applicable):
        return []
    groups: dict[str, list[tuple[PageVisit, RequestRecord]]] = {}
    for page, r in consent_mode_hits(st):
        if _granted(r.consent_mode or {}):
            groups.setdefault(r.site or r.host, []).append((page, r))
    out = []
    for site, hits in sorted(groups.items()):
        page, first = min(hits, key=lambda h: (h[0].url, h[1].url))  # the same whatever the visiting order
        cm = first.consent_mode or {}
        raw = cm.get("params")
        params: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        granted = sorted({n for _, r in hits for n in _granted(r.consent_mode or {})}, key=SIGNALS.index)
        n = len(hits)
        ev = {
            "state": state, "site": site, "host": first.host, "kind": cm.get("kind"),
            "signals": consent_mode_signals(cm), "granted": granted, "url": _clip(first.url), "page": page.url,
            "gcs": params.get("gcs"), "gcd": params.get("gcd"), "count": n,
            "pages": sorted({p.url for p, _ in hits})[:SAMPLE],
        }
        msg = (f"Google Consent Mode on requests to {site} says {_words(granted)} "
               f"{'is' if len(granted) == 1 else 'are'} granted {when} ({n} request{'s' if n != 1 else ''}).")
        out.append(Finding(rule, "high", state, site, msg, ev))
    return out


def _words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def consent_mode_granted_before_choice(ctx: RuleContext) -> list[Finding]:
    """Google requests before any choice that say a storage or ad signal is granted."""
    return _consent_mode_findings(ctx, "consent-mode-granted-before-choice", "before", "before any consent choice")


def consent_mode_granted_after_reject(ctx: RuleContext) -> list[Finding]:
    """Google requests after the visitor rejected that say a storage or ad signal is granted."""
    return _consent_mode_findings(ctx, "consent-mode-granted-after-reject", "reject", "after the visitor rejected")
