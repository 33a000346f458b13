"""Turn observations into findings: declared list + known_trackers -> classify -> rules.

Plain functions of data (no browser), so a saved result can be re-analysed.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from cookiescan.config import ScanConfig
from cookiescan.errors import UsageError
from cookiescan.models import LifetimeCap, ScanResult
from cookiescan.units import DAYS_PER_MONTH, max_month_span_days, parse_cap

log = logging.getLogger("cookiescan.analyse")


def load_declared(config: ScanConfig, policy_html: str | None = None):  # type: ignore[no-untyped-def]
    """The declared list from ``--declared FILE`` or the policy page's HTML (``--declared-from``)."""
    from cookiescan import declared

    if config.declared:
        return declared.load_declared_file(config.declared)
    if config.declared_from and policy_html is not None:
        return declared.extract_from_html(policy_html, config.declared_from)
    return None


def rule_options(config: ScanConfig):  # type: ignore[no-untyped-def]
    from cookiescan import rules

    try:
        months = parse_cap(config.max_lifetime)
    except ValueError as exc:
        raise UsageError(f"--max-lifetime: {exc}") from None
    return rules.RuleOptions(max_lifetime_months=months, ignores=config.ignores)


def load_notice(config: ScanConfig, notice_html: str | None = None):  # type: ignore[no-untyped-def]
    """The written notice from ``--notice FILE`` or the fetched HTML of ``--notice URL``."""
    from cookiescan import notice

    if not config.notice:
        return None
    if config.notice.startswith(("http://", "https://")):
        return notice.read_notice(notice_html, config.notice) if notice_html is not None else None
    return notice.load_notice(config.notice)


def analyse(result: ScanResult, config: ScanConfig, declared_list=None, notice_obj=None) -> ScanResult:  # type: ignore[no-untyped-def]
    """Classify every observation and evaluate every rule (and, with a written notice, check the site
    against its promises); returns a new result with findings."""
    from cookiescan import classify, known, rules

    trackers = known.load()
    options = rule_options(config)
    classified = classify.classify(result, trackers, declared_list)
    findings = rules.evaluate(classified, declared_list, options, known=trackers, notice=notice_obj)
    cap = LifetimeCap(text=config.max_lifetime, months=options.max_lifetime_months,
                      days=round(options.max_lifetime_months * DAYS_PER_MONTH, 2),
                      max_days=max_month_span_days(options.max_lifetime_months))
    return replace(classified, findings=findings, lifetime_cap=cap,
                   declared=declared_list.to_dict() if declared_list is not None else None,
                   notice=notice_obj.to_dict() if notice_obj is not None else None)
