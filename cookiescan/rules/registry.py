"""The one registry of rules: :class:`RuleInfo` (id, plain-language texts, the function that checks it,
whether it needs a written notice) for every rule, :data:`RULE_INFO` and :data:`RULES` read from it, and
:func:`evaluate`, which runs them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cookiescan.models import Finding, ScanResult, Severity, severity_rank
from cookiescan.rules.banner import no_consent_banner, no_reject_first_layer
from cookiescan.rules.consent import post_reject_cookie, post_reject_tracker, pre_consent_cookie, pre_consent_tracker
from cookiescan.rules.context import RuleContext, RuleFn, RuleOptions, judged, mark_unconfirmed
from cookiescan.rules.declared import declared_not_found, undeclared_cookie
from cookiescan.rules.lifetime import declared_lifetime_over_cap, lifetime_over_cap, lifetime_over_declared
from cookiescan.rules.notice import (
    notice_lifetime_broken,
    notice_lifetime_over_cap,
    notice_vendor_unused,
    refusal_not_remembered,
    undeclared_vendor,
)
from cookiescan.rules.renewal import consent_kept_too_long, lifetime_renewed_on_visit
from cookiescan.rules.signals import (
    consent_mode_granted_after_reject,
    consent_mode_granted_before_choice,
    tcf_consent_after_reject,
    tcf_legitimate_interest,
)
from cookiescan.rules.withdrawal import tracking_after_withdrawal, withdrawal_not_found

if TYPE_CHECKING:
    from cookiescan.declared import DeclaredList
    from cookiescan.known import KnownTrackers
    from cookiescan.notice import Notice

__all__ = ["RULES", "RULE_INFO", "RuleInfo", "evaluate"]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One rule: what it checks, in plain language, the law or guidance behind it, and its function.

    Attributes:
        id: the rule id.
        title: a short title for a report.
        severity: the usual severity (some findings are raised or lowered, see the explanation).
        explanation: what it means and why it matters, for a non-specialist.
        legal_basis: the texts it rests on.
        check: the function that checks it (a family module's ``RuleContext -> findings``).
        needs_notice: it holds the site to a written cookie notice, so it runs only when one is given.
    """

    id: str
    title: str
    severity: Severity
    explanation: str
    legal_basis: str
    check: RuleFn = dataclasses.field(repr=False, compare=False)
    needs_notice: bool = False


_EPRIVACY = "ePrivacy Directive art. 5(3) (France: art. 82 Loi Informatique et Libertés)"
_CNIL = "CNIL délibérations 2020-091 (guidelines) and 2020-092 (recommendation) of 17 September 2020"
_GUIDELINES = "CNIL délibérations 2020-091 and 2020-092 of 17 September 2020"

# Every rule once, in the order they run (the findings are sorted afterwards).
_REGISTRY: tuple[RuleInfo, ...] = (
    RuleInfo(
        "pre-consent-cookie", "Cookie set before consent", "high",
        "A cookie or browser-storage item that is not strictly necessary is stored before the visitor "
        "has made any choice. Silence is refusal: nothing but strictly necessary trackers may be written "
        "until the visitor agrees. Unclassified items are reported at medium severity until the site "
        "declares what they are for.",
        f"{_EPRIVACY}; GDPR art. 4(11) and 7, recital 32; {_CNIL}; EDPB Guidelines 2/2023 (local storage "
        "is in scope).",
        check=pre_consent_cookie,
    ),
    RuleInfo(
        "pre-consent-tracker", "Tracker contacted before consent", "high",
        "The page contacts a known analytics or advertising service before the visitor has made any "
        "choice. Such requests typically read or write identifiers on the visitor's device, which needs "
        "prior consent.",
        f"{_EPRIVACY}; {_CNIL}; EDPB Guidelines 2/2023 (pixels and tracking URLs are in scope).",
        check=pre_consent_tracker,
    ),
    RuleInfo(
        "post-reject-cookie", "Cookie set after refusal", "high",
        "After the visitor clicked reject, a cookie or storage item that is not strictly necessary is "
        "still stored. A refusal must be respected exactly like an acceptance.",
        f"{_EPRIVACY}; GDPR art. 7; {_CNIL}; EDPB Guidelines 2/2023.",
        check=post_reject_cookie,
    ),
    RuleInfo(
        "post-reject-tracker", "Tracker contacted after refusal", "high",
        "After the visitor clicked reject, the page still contacts a known analytics or advertising "
        "service.",
        f"{_EPRIVACY}; {_CNIL}; EDPB Guidelines 2/2023.",
        check=post_reject_tracker,
    ),
    RuleInfo(
        "undeclared-cookie", "Cookie missing from the declared list", "medium",
        "The site sets a cookie its own cookie notice does not list. Visitors must be told, before "
        "they choose, which trackers are used and for what purpose.",
        f"GDPR art. 4(11) (informed consent) and 13; {_CNIL} (information to give before consent).",
        check=undeclared_cookie,
    ),
    RuleInfo(
        "declared-not-found", "Declared cookie not observed", "low",
        "A cookie (or pattern) listed in the site's declaration was never seen on the scanned pages in "
        "any consent state. The declaration may be stale, or the cookie is only set on pages or actions "
        "the scan did not reach.",
        f"{_CNIL} (the information given must be accurate and up to date).",
        check=declared_not_found,
    ),
    RuleInfo(
        "lifetime-over-cap", "Cookie lifetime over the cap", "medium",
        "The lifetime the site asked for is longer than the cap (13 months by default, counted in "
        "calendar months from the moment the cookie is set). The CNIL's benchmark is 13 months for any "
        "tracker; browsers may store less (Chromium keeps at most 400 days), but the requested lifetime "
        "is what the site chose. High severity for analytics cookies already set before consent.",
        f"{_CNIL} (13-month maximum for audience-measurement trackers, benchmark for all trackers).",
        check=lifetime_over_cap,
    ),
    RuleInfo(
        "lifetime-over-declared", "Cookie lives longer than declared", "medium",
        "The cookie asks to live longer than the site's own declaration says, beyond a small margin "
        "(5 % or 2 days). A cookie declared as a session cookie that persists is reported too.",
        f"GDPR art. 5(1)(a) and 13 (transparency, storage period); {_CNIL}.",
        check=lifetime_over_declared,
    ),
    RuleInfo(
        "declared-lifetime-over-cap", "Declared lifetime over the cap", "medium",
        "The site's declaration itself announces a lifetime longer than the cap can ever be "
        "(13 calendar months is at most 397 days).",
        f"{_CNIL} (13-month maximum lifetime benchmark).",
        check=declared_lifetime_over_cap,
    ),
    RuleInfo(
        "no-reject-first-layer", "No reject option next to accept", "high",
        "The first layer of the consent banner offers a way to accept but none to reject. Refusing must "
        "be as easy as accepting, with a control at the same level and in the same format.",
        f"GDPR art. 7(3) and 4(11); {_CNIL}; CNIL sanctions SAN-2021-023 (Google) and SAN-2021-024 "
        "(Facebook); EDPB Cookie Banner Taskforce report of 17 January 2023 (type A).",
        check=no_reject_first_layer,
    ),
    RuleInfo(
        "no-consent-banner", "No consent banner", "high",
        "Trackers or non-necessary cookies are present before any choice, and no consent banner was "
        "found to ask for consent. Medium severity when everything present is unclassified.",
        f"{_EPRIVACY}; GDPR art. 4(11) and 7; {_CNIL}.",
        check=no_consent_banner,
    ),
    # What the site tells ad tech: the IAB TCF string and Google Consent Mode.
    RuleInfo(
        "tcf-consent-after-reject", "TCF string still grants consent after refusal", "high",
        "After the visitor clicked reject, the consent platform's IAB TCF string (read from __tcfapi, or "
        "the euconsent-v2 cookie) still says the visitor consented to some purposes or vendors. Ad tech "
        "reads that string to decide whether it may track, so the refusal does not reach them.",
        f"{_EPRIVACY}; GDPR art. 4(11) and 7; {_CNIL}; IAB Europe TCF v2.2 policy (the signal must reflect "
        "the user's choice).",
        check=tcf_consent_after_reject,
    ),
    RuleInfo(
        "tcf-legitimate-interest", "Tracking purposes claimed under legitimate interest after refusal",
        "medium",
        "After the visitor clicked reject, the IAB TCF string still claims a legitimate interest for "
        "advertising, profiling or measurement purposes (TCF purposes 2 to 10), so vendors may go on "
        "processing on that basis. Reading or writing on the device for these purposes needs consent: a "
        "legitimate interest cannot replace it (TCF v2.2 itself no longer allows it for purposes 3 to 6).",
        f"{_EPRIVACY}; {_CNIL}; IAB Europe TCF v2.2 policy; Belgian DPA decision 21/2022 of 2 February "
        "2022 (IAB Europe, the TCF).",
        check=tcf_legitimate_interest,
    ),
    RuleInfo(
        "consent-mode-granted-before-choice", "Google Consent Mode granted before consent", "high",
        "Before the visitor made any choice, requests to Google's tags carry Google Consent Mode signals "
        "(gcs/gcd) saying ad_storage, analytics_storage, ad_user_data or ad_personalization is granted. "
        "Google then stores identifiers and uses the data for advertising as if the visitor had agreed.",
        f"{_EPRIVACY}; GDPR art. 4(11) and 7, recital 32; {_CNIL}; EU Digital Markets Act art. 5(2) "
        "(why Google asks for ad_user_data and ad_personalization).",
        check=consent_mode_granted_before_choice,
    ),
    RuleInfo(
        "consent-mode-granted-after-reject", "Google Consent Mode granted after refusal", "high",
        "After the visitor clicked reject, requests to Google's tags still carry Google Consent Mode "
        "signals saying a storage or advertising signal is granted: the refusal is not passed on to Google.",
        f"{_EPRIVACY}; GDPR art. 7; {_CNIL}.",
        check=consent_mode_granted_after_reject,
    ),
    # The notice rules: they run only when evaluate() is given a written notice.
    RuleInfo(
        "undeclared-vendor", "Vendor not named in the notice", "medium",
        "A tracking vendor was seen on the site (its cookies, its requests) but the written cookie notice "
        "never names it. Visitors must be told who reads or writes on their device before they consent; "
        "a notice that leaves a recipient out makes the consent uninformed.",
        f"GDPR art. 4(11), 7 and 13(1)(e) (recipients); ePrivacy Directive art. 5(3); {_GUIDELINES} "
        "(the list of controllers must be available before consent).",
        check=undeclared_vendor, needs_notice=True,
    ),
    RuleInfo(
        "notice-vendor-unused", "Vendor named in the notice but not seen", "low",
        "The notice names a vendor that was not seen on any scanned page in any consent state. The notice "
        "may be out of date, or the vendor appears only on pages that were not scanned.",
        "GDPR art. 5(1)(a) and 12 (transparent, accurate information).",
        check=notice_vendor_unused, needs_notice=True,
    ),
    RuleInfo(
        "notice-lifetime-broken", "Cookie outlives the notice's promise", "medium",
        "The notice promises that cookies — or the data collected via cookies — are kept no longer than a "
        "given time, but a cookie asks the browser to keep it longer (beyond a slack of 5 % or 2 days). The "
        "lifetime judged is the one the site requested; the stored one (Chromium caps it at 400 days) only when "
        "no write was seen. Medium against a cookie-lifetime promise, low against a promise about the data "
        "collected via cookies (the identifier outlives it on the device).",
        f"GDPR art. 5(1)(a) and (e); {_GUIDELINES} (13 months as the benchmark lifetime).",
        check=notice_lifetime_broken, needs_notice=True,
    ),
    RuleInfo(
        "notice-lifetime-over-cap", "The notice promises a lifetime over the cap", "medium",
        "The notice itself allows cookies to live longer than the lifetime cap (13 months by default).",
        f"{_GUIDELINES} (trackers should not live longer than 13 months).",
        check=notice_lifetime_over_cap, needs_notice=True,
    ),
    RuleInfo(
        "refusal-not-remembered", "Refusal not remembered despite the notice", "medium",
        "The notice says a cookie records the visitor's refusal, but after clicking reject no cookie that "
        "could hold the choice appeared, or the consent banner showed again on a later page. A refusal "
        "that is not remembered makes the visitor refuse again and again, which pushes towards accepting.",
        f"GDPR art. 7(3) (refusing as easy as consenting); {_GUIDELINES} (keep the choice, "
        "recommended 6 months); EDPB Cookie Banner Taskforce report (17 Jan 2023).",
        check=refusal_not_remembered, needs_notice=True,
    ),
    RuleInfo(
        "withdrawal-not-found", "No way to withdraw consent", "high",
        "After accepting, nothing on the page lets the visitor change their mind: no link or button to the "
        "cookie settings (\"Gérer mes cookies\", \"Cookie settings\", a floating button) and no consent-manager "
        "API that reopens the choice. Withdrawing must be as easy as giving consent, at any time.",
        f"GDPR art. 7(3); {_GUIDELINES} (withdrawal as easy as consent, reachable at any time).",
        check=withdrawal_not_found,
    ),
    RuleInfo(
        "tracking-after-withdrawal", "Tracking after consent was withdrawn", "high",
        "After the visitor withdrew consent (and the site recorded the refusal), analytics or marketing "
        "cookies are written again or trackers are contacted. The evidence lists the cookies set while consent "
        "stood and left in place.",
        f"GDPR art. 7(3) (withdrawal ends the processing it covered); {_EPRIVACY}; {_GUIDELINES}.",
        check=tracking_after_withdrawal,
    ),
    RuleInfo(
        "lifetime-renewed-on-visit", "Cookie lifetime renewed on each visit", "medium",
        "On later visits (the page visited again with the clock moved forward) the cookie is written again with "
        "a fresh expiry, so it keeps tracking beyond the lifetime cap counted from the first consent. Lifetimes "
        "must not be extended automatically on each visit.",
        f"{_CNIL} (audience measurement: 13 months, not extended on each visit).",
        check=lifetime_renewed_on_visit,
    ),
    RuleInfo(
        "consent-kept-too-long", "The choice is kept longer than the cap", "medium",
        "The consent platform stores the visitor's choice (consent or refusal) for longer than the lifetime cap. "
        "The choice should be asked again after about six months and never kept longer than 13.",
        f"{_CNIL} (keeping the choice: about 6 months recommended).",
        check=consent_kept_too_long,
    ),
)  # fmt: skip

#: Every rule's description, by id (the notice rules included).
RULE_INFO: dict[str, RuleInfo] = {r.id: r for r in _REGISTRY}
#: Every rule's function, by id.
RULES: dict[str, RuleFn] = {r.id: r.check for r in _REGISTRY}


_DEFAULT_OPTIONS = RuleOptions()  # frozen: safe as a default


def _sort_key(f: Finding) -> tuple[Any, ...]:
    return (
        -severity_rank(f.severity),
        f.rule,
        f.subject,
        f.scenario,
        json.dumps(f.evidence, sort_keys=True, default=str),
    )


def _apply_ignores(findings: Iterable[Finding], options: RuleOptions) -> list[Finding]:
    today = options.today or datetime.now(timezone.utc).date()
    out = []
    for f in findings:
        hit = next((ig for ig in options.ignores if ig.applies(f, today)), None)
        if hit is not None:
            f = dataclasses.replace(f, ignored=hit.reason or "ignored")
        else:
            expired = next((ig for ig in options.ignores if ig.matches(f)), None)
            if expired is not None:
                until = expired.until
                f = dataclasses.replace(
                    f, evidence={**f.evidence, "ignore_expired": until.isoformat() if until else None}
                )
        out.append(f)
    return out


def evaluate(
    result: ScanResult,
    declared: DeclaredList | None,
    options: RuleOptions = _DEFAULT_OPTIONS,
    *,
    known: KnownTrackers | None = None,
    notice: Notice | None = None,
) -> tuple[Finding, ...]:
    """Run every rule on a classified result (the notice rules only when a written notice is given).

    Findings matched by an unexpired ignore entry are kept with ``ignored`` set to its reason (use
    :func:`active` to gate on the rest); an expired entry leaves the finding active and adds
    ``ignore_expired`` to its evidence. Pass ``known`` to add ``known_category`` to the evidence of
    cookies whose declared category differs from what known_trackers says (the notice's vendor rules use
    the shipped known_trackers when it is not given). The order is deterministic: severity (high first),
    rule, subject, scenario.

    States that do not apply (``StateResult.applicable`` False: no banner, nothing to choose) are not judged;
    findings that come only from states whose choice is unconfirmed get ``unconfirmed`` set.
    """
    if options.max_lifetime_months < 1:
        raise ValueError(f"max_lifetime_months must be at least 1, got {options.max_lifetime_months}")
    ctx = RuleContext(judged(result), declared, options, known, notice)
    findings = [f for info in _REGISTRY if notice is not None or not info.needs_notice for f in info.check(ctx)]
    findings = mark_unconfirmed(findings, ctx.unconfirmed)
    return tuple(sorted(_apply_ignores(findings, options), key=_sort_key))
