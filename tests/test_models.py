"""The vocabulary's gate and the verdict sentence: what counts against a site and what does not."""

from __future__ import annotations

from dataclasses import replace

from cookiescan.models import Finding, StateResult, confirmed, fails_gate, verdict
from tests.factories import make_result


def _result(*findings: Finding, applicable: bool = True):  # type: ignore[no-untyped-def]
    states = {"before": StateResult(state="before"),
              "accept": StateResult(state="accept", applicable=applicable),
              "reject": StateResult(state="reject", applicable=applicable)}
    return replace(make_result(), states=states, findings=findings)


HIGH = Finding("post-reject-cookie", "high", "reject", "_ga", "m")


def test_unconfirmed_findings_are_listed_but_never_fail_a_run() -> None:
    """Issue 14.5: a state whose choice the site never recorded must not accuse."""
    shaky = replace(HIGH, unconfirmed=True)
    assert fails_gate([HIGH], "high")
    assert not fails_gate([shaky], "high")
    assert confirmed([HIGH, shaky]) == (HIGH,)
    text = verdict(_result(shaky))
    assert text.startswith("No findings on")
    assert "1 unconfirmed (choice not confirmed)" in text


def test_verdict_says_when_accept_and_reject_were_not_applicable() -> None:
    text = verdict(_result(replace(HIGH, rule="no-consent-banner", scenario="all"), applicable=False))
    assert text.startswith("1 finding (1 high)")
    assert "accept and reject not applicable (no consent banner)" in text
