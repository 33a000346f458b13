"""What a state stands for when its choice was not made (issue 14, items 5 and 6), without a browser: the
end-of-scan decision (:func:`cookiescan.scan.choices.decide`), the rules on unconfirmed and not-applicable
states, and how the HTML report and the Markdown summary show them. The browser side is in
``tests/test_platforms_engine.py``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from factories import (
    declared_cookie,
    make_banner,
    make_cookie,
    make_declared,
    make_request,
    make_result,
    make_state,
)

from cookiescan.models import Finding, ScanResult, StateResult
from cookiescan.report import ReportOptions, render
from cookiescan.rules import evaluate
from cookiescan.rules.context import mark_unconfirmed
from cookiescan.scan.choices import NO_BANNER, decide

TRACKER = "https://www.google-analytics.com/g/collect?v=2"


def _state(name: str, *, banner: bool = True, confirmed: bool | None = None) -> StateResult:
    """A state that saw an analytics cookie and a tracker request (whatever the choice: a site that ignores it)."""
    b = make_banner(name) if banner else make_banner(name, found=False)
    if confirmed is not None:
        b = replace(b, confirmed=confirmed, succeeded=confirmed, confirmation=("banner gone",) if confirmed else (
            "Cookiebot: no choice recorded (Cookiebot.hasResponse false)", "banner still shown"))
    return make_state(name, cookies=[make_cookie("_ga", category="analytics", requested_days=390)],
                      requests=[make_request(TRACKER, category="analytics", vendor="Google Analytics")], banner=b)


def _no_banner_result() -> ScanResult:
    return make_result(states=decide({s: _state(s, banner=False) for s in ("before", "accept", "reject")}))


def _rules(result: ScanResult) -> list[str]:
    return sorted(f"{f.rule}@{f.scenario}" for f in evaluate(result, None))


# -- the end-of-scan decision -------------------------------------------------------------------------------


def test_no_banner_anywhere_makes_accept_and_reject_not_applicable() -> None:
    result = _no_banner_result()
    assert result.states["before"].applicable is True and result.states["before"].not_applicable is None
    for s in ("accept", "reject"):
        assert (result.states[s].applicable, result.states[s].not_applicable) == (False, NO_BANNER)
        assert result.states[s].cookies, "the observations stay as evidence"


def test_a_state_whose_consent_step_found_no_banner_while_another_did_is_unconfirmed() -> None:
    states = decide({"before": _state("before"), "accept": _state("accept", confirmed=True),
                     "reject": _state("reject", banner=False)})
    reject = states["reject"]
    assert reject.applicable and reject.banner is not None
    assert (reject.banner.confirmed, reject.banner.succeeded, reject.banner.action) == (False, False, "reject")
    assert reject.banner.confirmation[0].startswith("no banner was found in this state's consent step, while the "
                                                    "before, accept state showed one")
    assert states["accept"].banner is not None and states["accept"].banner.confirmed is True
    assert decide({"before": _state("before")}) == {"before": _state("before")}


# -- the rules -----------------------------------------------------------------------------------------------


def test_no_banner_gives_no_post_reject_finding_only_no_consent_banner_and_the_before_state() -> None:
    """Issue 14 item 6: a site with no banner had nothing to reject; its before-state findings are not
    repeated as post-reject-* (and nothing is judged in accept either)."""
    rules = _rules(_no_banner_result())
    assert "no-consent-banner@before" in rules
    assert not [r for r in rules if r.startswith("post-reject")], rules
    assert {r.split("@")[1] for r in rules} <= {"before", "all"}, rules
    # the same observations, the states applicable (as a scan before this issue recorded them): repeated
    repeated = make_result(states={s: _state(s, banner=False) for s in ("before", "accept", "reject")})
    assert "post-reject-cookie@reject" in _rules(repeated)


def test_findings_of_an_unconfirmed_state_are_marked_and_no_declared_not_found_comes_from_it() -> None:
    """Issue 14 item 5: the reject state's choice was not confirmed: its post-reject-* findings stay (what was
    seen is real) but are marked unconfirmed; an accept whose choice is unconfirmed cannot tell that a
    declared cookie never appears."""
    declared = make_declared(declared_cookie("_ga"), declared_cookie("_gcl_au", category="marketing"))
    states = {"before": _state("before"), "accept": _state("accept", confirmed=True),
              "reject": _state("reject", confirmed=False)}
    findings = evaluate(make_result(states=states), declared)
    post = [f for f in findings if f.rule.startswith("post-reject")]
    assert post and all(f.unconfirmed for f in post), post
    assert all(not f.unconfirmed for f in findings if f.scenario == "before")
    assert [f.subject for f in findings if f.rule == "declared-not-found"] == ["_gcl_au"]

    states["accept"] = _state("accept", confirmed=False)
    findings = evaluate(make_result(states=states), declared)
    assert not [f for f in findings if f.rule == "declared-not-found"], findings
    assert not [f for f in findings if f.scenario in ("accept", "reject") and not f.unconfirmed]


def test_a_finding_seen_in_a_confirmed_state_too_is_not_unconfirmed() -> None:
    """undeclared-cookie ("all" states): confirmed as soon as one state it was seen in is."""
    states = {"before": _state("before"), "reject": _state("reject", confirmed=False)}
    undeclared = [f for f in evaluate(make_result(states=states), make_declared(declared_cookie("other")))
                  if f.rule == "undeclared-cookie"]
    assert [(f.subject, f.unconfirmed) for f in undeclared] == [("_ga", False)]
    only_reject = {"before": make_state("before"), "reject": _state("reject", confirmed=False)}
    undeclared = [f for f in evaluate(make_result(states=only_reject), make_declared(declared_cookie("other")))
                  if f.rule == "undeclared-cookie"]
    assert [(f.subject, f.unconfirmed) for f in undeclared] == [("_ga", True)]


def test_a_refusal_the_site_does_not_record_is_the_evidence_of_refusal_not_remembered() -> None:
    """refusal-not-remembered is about the choice not being recorded: never marked unconfirmed for it."""
    findings = [Finding("refusal-not-remembered", "medium", "reject", "banner", "m"),
                Finding("post-reject-cookie", "high", "reject", "_ga", "m", {"state": "reject"})]
    marked = mark_unconfirmed(findings, frozenset({"reject"}))
    assert [(f.rule, f.unconfirmed) for f in marked] == [("refusal-not-remembered", False), ("post-reject-cookie", True)]
    assert mark_unconfirmed(findings, frozenset()) == findings


# -- the reports ---------------------------------------------------------------------------------------------


def _analysed(result: ScanResult) -> ScanResult:
    return replace(result, findings=evaluate(result, None))


def test_html_banner_cards_say_not_applicable_and_choice_not_confirmed(tmp_path: Path) -> None:
    na = render(_analysed(_no_banner_result()), "html", ReportOptions(base_dir=tmp_path))
    assert na.count("not applicable: no consent banner</span>") == 2
    assert "choice not confirmed" not in na
    states = {"before": _state("before"), "accept": _state("accept", confirmed=True),
              "reject": _state("reject", confirmed=False)}
    page = render(_analysed(make_result(states=states)), "html", ReportOptions(base_dir=tmp_path))
    assert page.count("✗ choice not confirmed</span>") == 1 and "✓ accept confirmed</span>" in page
    assert "Cookiebot: no choice recorded (Cookiebot.hasResponse false)" in page
    assert "not applicable: no consent banner" not in page
    assert page.count('">unconfirmed</span>') == sum(1 for f in evaluate(make_result(states=states), None)
                                                       if f.unconfirmed)


def test_markdown_summary_says_not_applicable_and_marks_unconfirmed_findings() -> None:
    na = render(_analysed(_no_banner_result()), "md")
    assert na.count("| not applicable: no consent banner |") == 2
    assert "*Accept, Reject: not applicable — no consent banner was found in any state" in na
    states = {"before": _state("before"), "reject": _state("reject", confirmed=False)}
    result = _analysed(make_result(states=states))
    md = render(result, "md")
    assert "| reject ✗ choice not confirmed |" in md
    assert "*Reject: choice not confirmed: Cookiebot: no choice recorded (Cookiebot.hasResponse false). Its " \
           "findings are marked (unconfirmed).*" in md
    marked = [f for f in result.findings if f.unconfirmed]
    assert marked and md.count("| Reject (unconfirmed) |") == len(marked)


def test_unconfirmed_is_kept_in_the_json_result() -> None:
    f = Finding("post-reject-cookie", "high", "reject", "_ga", "m", unconfirmed=True)
    result = replace(make_result(before=make_state()), findings=(f,))
    assert ScanResult.from_dict(result.to_dict()).findings[0].unconfirmed is True
