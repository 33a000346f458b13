"""The "What the site told ad tech" section: per consent state, the IAB TCF signal (the consent platform,
purposes with consent, purposes under legitimate interest, vendors with consent) and Google Consent Mode
(each signal's value and whether it came from the default or an update, from the Google requests seen).

:func:`signals_view` returns ``None`` when no state has either signal: the section is then left out.
The Markdown report reads the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cookiescan.models import ScanResult
from cookiescan.rules.signals import TCSignals, consent_mode_by_state
from cookiescan.signals.consent_mode import SIGNALS
from cookiescan.signals.tcf import PURPOSE_NAMES

VENDOR_SAMPLE = 8  # vendor ids shown per state


def _tcf_row(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(record, Mapping):
        return None
    tc = TCSignals.of(record)

    def text(key: str) -> str | None:
        value = record.get(key)
        return value if isinstance(value, str) and value else None

    def number(key: str) -> int | None:
        value = record.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return {
        "cmp_id": number("cmp_id"),
        "cmp_version": number("cmp_version"),
        "policy": number("tcf_policy_version"),
        "source": text("source"),
        "event_status": text("event_status"),
        "page": text("page"),
        "decode_error": text("decode_error"),
        "consent": [(p, PURPOSE_NAMES.get(p, "unknown purpose")) for p in tc.purposes_consent],
        "li": [(p, PURPOSE_NAMES.get(p, "unknown purpose")) for p in tc.purposes_li],
        "vendor_count": tc.vendor_consents_count,
        "vendors": list(tc.vendor_consents[:VENDOR_SAMPLE]),
        "vendor_li_count": tc.vendor_li_count,
    }


def _cell(state: str, texts: list[str]) -> dict[str, Any]:
    granted = any(t.startswith("granted") for t in texts)
    # granted is what a visitor who has not agreed (before, reject) must never be reported as
    return {"texts": texts, "bad": granted and state in ("before", "reject")}


def signals_view(result: ScanResult, states: list[str]) -> dict[str, Any] | None:
    """The section's data, or ``None`` when no state has a TCF signal or a Consent Mode request."""
    tcf = {s: _tcf_row(result.states[s].tcf) for s in states}
    by_state = {s: consent_mode_by_state(result.states[s]) for s in states}
    counts = {s: n for s, (_, n) in by_state.items()}
    has_tcf = any(row is not None for row in tcf.values())
    has_cm = any(counts.values())
    if not has_tcf and not has_cm:
        return None
    rows = [{"signal": name, "cells": [_cell(s, by_state[s][0][name]) for s in states]} for name in SIGNALS]
    return {"tcf": tcf, "has_tcf": has_tcf, "consent_mode": rows, "cm_counts": counts, "has_consent_mode": has_cm}
