"""Confirming a consent choice (issue 14, item 5), without a browser: :func:`cookiescan.consent.verify.judge`
on readings as each platform publishes them, the engine order, the attempt lines, and which autoconsent
rules only hide a banner. The browser side is in ``tests/test_platforms_engine.py``."""

from __future__ import annotations

from typing import Any

import pytest

from cookiescan.config import ConsentSelectors
from cookiescan.consent.autoconsent import hides_only
from cookiescan.consent.choose import Attempt, plan
from cookiescan.consent.verify import Reading, Verdict, judge

BEFORE = Reading(cookies=frozenset({"session"}), storage=frozenset({"localStorage:cart"}))

# (platform, what it says after an accept, after a reject, before any choice) as verify.js reports it
PLATFORM_STATES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "cookiebot": (
        {"recorded": True, "preferences": True, "statistics": True, "marketing": True},
        {"recorded": True, "preferences": False, "statistics": False, "marketing": False},
        {"recorded": False, "preferences": False, "statistics": False, "marketing": False},
    ),
    "onetrust": (
        {"recorded": True, "groups": {"C0001": True, "C0002": True, "C0003": True, "C0004": True}, "active": None},
        {"recorded": True, "groups": {"C0001": True, "C0002": False, "C0003": False, "C0004": False}, "active": None},
        {"recorded": False, "groups": {}, "active": ["C0001"]},
    ),
    "didomi": (
        {"recorded": True, "purposes_enabled": 12, "purposes_disabled": 0, "vendors_enabled": 5, "vendors_disabled": 0},
        {"recorded": True, "purposes_enabled": 0, "purposes_disabled": 12, "vendors_enabled": 0, "vendors_disabled": 5},
        {"recorded": False, "purposes_enabled": 0, "purposes_disabled": 0, "vendors_enabled": 0, "vendors_disabled": 0},
    ),
    "usercentrics": (
        {"recorded": True, "all_accepted": True, "optional": 2, "granted": 2},
        {"recorded": True, "all_accepted": False, "optional": 2, "granted": 0},
        {"recorded": False, "all_accepted": False, "optional": 2, "granted": 0},
    ),
    "axeptio": (
        {"recorded": True, "optional": 2, "granted": 2},
        {"recorded": True, "optional": 2, "granted": 0},
        {"recorded": False, "optional": 0, "granted": 0},
    ),
    "tcf": (
        {"eventStatus": "useractioncomplete", "cmpStatus": "loaded", "cmpId": 6, "has_string": True,
         "purposes": list(range(1, 12))},
        {"eventStatus": "useractioncomplete", "cmpStatus": "loaded", "cmpId": 6, "has_string": True, "purposes": []},
        {"eventStatus": "cmpuishown", "cmpStatus": "loaded", "cmpId": 6, "has_string": False, "purposes": []},
    ),
}


def _now(platform: str, data: dict[str, Any], *, shown: bool = False, cookies: frozenset[str] = frozenset()) -> Reading:
    return Reading({platform: data}, BEFORE.cookies | cookies, BEFORE.storage, shown)


@pytest.mark.parametrize("platform", list(PLATFORM_STATES))
def test_each_platform_confirms_the_right_choice_only(platform: str) -> None:
    """Guards every platform's reading: accept confirmed by an accept, reject by a reject; the other kind,
    no choice at all, or the banner still on screen is not a confirmation."""
    accepted, refused, nothing = PLATFORM_STATES[platform]
    assert judge("accept", BEFORE, _now(platform, accepted)).confirmed
    assert judge("reject", BEFORE, _now(platform, refused)).confirmed
    wrong = judge("accept", BEFORE, _now(platform, refused))
    assert not wrong.confirmed and wrong.recorded and "recorded a refusal, not an acceptance" in wrong.summary
    assert not judge("reject", BEFORE, _now(platform, accepted)).confirmed
    for action in ("accept", "reject"):
        v = judge(action, BEFORE, _now(platform, nothing, cookies=frozenset({"consent_x"})))
        assert not v.confirmed and not v.recorded, v  # a new cookie says nothing where a platform speaks
    shown = judge("accept", BEFORE, _now(platform, accepted, shown=True))
    assert not shown.confirmed and shown.lines[-1] == "banner still shown"


def test_cookiebot_selection_without_categories_is_a_refusal_not_an_accept() -> None:
    """The defect of issue 14: "Allow selection" with nothing ticked stores necessary only: an accept that
    recorded this is not confirmed, and the evidence says what was recorded."""
    v = judge("accept", BEFORE, _now("cookiebot", PLATFORM_STATES["cookiebot"][1]))
    assert not v.confirmed
    assert v.lines[0] == "Cookiebot.consent preferences=false, statistics=false, marketing=false"
    assert v.platforms == ("Cookiebot",)


def test_tcf_refusal_that_keeps_a_few_purposes_is_a_recorded_refusal() -> None:
    """A string granting purposes 1 and 3 after reject is the site's violation (the tcf-* rules report it),
    not a failed click: the refusal is confirmed. A string granting nearly everything is not a refusal."""
    keeps = dict(PLATFORM_STATES["tcf"][1], purposes=[1, 3])
    assert judge("reject", BEFORE, _now("tcf", keeps)).confirmed
    assert not judge("accept", BEFORE, _now("tcf", keeps)).confirmed
    assert not judge("reject", BEFORE, _now("tcf", dict(keeps, purposes=list(range(1, 9))))).confirmed
    loading = dict(PLATFORM_STATES["tcf"][0], cmpStatus="loading")
    assert not judge("accept", BEFORE, _now("tcf", loading)).recorded


def test_every_platform_present_must_agree() -> None:
    """Didomi says accepted but its TCF string has not been updated yet: not confirmed until both say so."""
    now = Reading({"didomi": PLATFORM_STATES["didomi"][0], "tcf": PLATFORM_STATES["tcf"][2]}, BEFORE.cookies,
                  BEFORE.storage)
    assert not judge("accept", BEFORE, now).confirmed
    both = Reading({"didomi": PLATFORM_STATES["didomi"][0], "tcf": PLATFORM_STATES["tcf"][0]}, BEFORE.cookies,
                   BEFORE.storage)
    v = judge("accept", BEFORE, both)
    assert v.confirmed and v.platforms == ("Didomi", "IAB TCF")


def test_home_made_banner_is_confirmed_by_a_new_first_party_cookie_or_key() -> None:
    """No platform: a cookie or storage key that was not there before the click, and the banner gone."""
    cookie = judge("reject", BEFORE, Reading({}, BEFORE.cookies | {"fx_choice", "late_visit"}, BEFORE.storage))
    assert cookie.confirmed and cookie.lines == ("new first-party cookie fx_choice", "banner gone")
    key = judge("accept", BEFORE, Reading({}, BEFORE.cookies, BEFORE.storage | {"localStorage:klaro"}))
    assert key.confirmed and key.lines[0] == "new storage key localStorage:klaro"
    nothing = judge("accept", BEFORE, Reading({}, BEFORE.cookies, BEFORE.storage))
    assert not nothing.confirmed and not nothing.recorded and nothing.lines[0] == "no new first-party cookie or storage key"
    kept = judge("accept", BEFORE, Reading({}, BEFORE.cookies | {"fx_choice"}, BEFORE.storage, banner_shown=True))
    assert not kept.confirmed and kept.recorded
    tracking = judge("accept", BEFORE, Reading({}, BEFORE.cookies | {"_ga", "_fbp"}, BEFORE.storage | {
        "localStorage:_hjSessionUser_1"}))
    assert not tracking.confirmed and not tracking.recorded, tracking  # a tracker writing records no choice
    assert tracking.lines[0] == "new tracker storage (records no choice): _fbp, _ga, localStorage:_hjSessionUser_1"
    with_choice = judge("accept", BEFORE, Reading({}, BEFORE.cookies | {"_ga", "shop_consent"}, BEFORE.storage))
    assert with_choice.lines == ("new first-party cookie shop_consent", "banner gone")  # trackers that follow: no news


def test_autoconsent_test_step_confirms_or_vetoes_where_no_platform_speaks() -> None:
    same = Reading({}, BEFORE.cookies, BEFORE.storage)
    assert judge("reject", BEFORE, same, self_test=True).confirmed
    vetoed = judge("reject", BEFORE, Reading({}, BEFORE.cookies | {"cc_cookie"}, BEFORE.storage), self_test=False)
    assert not vetoed.confirmed and "autoconsent test step failed" in vetoed.lines


def test_engine_order() -> None:
    """autoconsent, then the heuristic; the config's selectors first when they name the choice, last when only
    a settings selector is given for accept."""
    none = ConsentSelectors()
    assert plan("accept", none, True) == ["autoconsent", "heuristic"]
    assert plan("reject", none, False) == ["heuristic"]
    assert plan("accept", ConsentSelectors(accept="#yes"), True) == ["config", "autoconsent", "heuristic"]
    assert plan("reject", ConsentSelectors(settings="#more"), True) == ["config", "autoconsent", "heuristic"]
    assert plan("accept", ConsentSelectors(settings="#more"), True) == ["autoconsent", "heuristic", "config"]


def test_attempt_lines() -> None:
    v = Verdict(False, False, ("Cookiebot: no choice recorded (Cookiebot.hasResponse false)", "banner still shown"))
    a = Attempt("autoconsent", "autoconsent Cybotcookiebot", 3, ("Preferences", "Statistics", "Marketing"), True, v)
    assert a.line() == ("autoconsent Cybotcookiebot: clicked 'Preferences', 'Statistics', 'Marketing'; not recorded: "
                        "Cookiebot: no choice recorded (Cookiebot.hasResponse false); banner still shown")
    ok = Attempt("heuristic", "heuristic", 1, ("Allow all",), True, Verdict(True, True, ("banner gone",)))
    assert ok.confirmed and ok.line() == "heuristic: clicked 'Allow all'; recorded: banner gone"
    api = Attempt("autoconsent", "autoconsent usercentrics-api", 1, (), True, Verdict(True, True, ("x",)), api=True)
    assert "JavaScript API (a visitor needs 1 click(s))" in api.line()
    skipped = Attempt("autoconsent", "autoconsent sourcepoint-top", skipped="its rule only hides the banner")
    assert not skipped.confirmed and skipped.line() == "autoconsent sourcepoint-top: not used (its rule only hides the banner)"


def test_rules_that_only_hide_a_banner_never_make_the_choice() -> None:
    """Sourcepoint's top-frame companion hides the message container; the frame rule and the platforms'
    rules act."""
    assert hides_only("sourcepoint-top", "reject") and hides_only("sourcepoint-top", "accept")
    for rule in ("Sourcepoint-frame", "Cybotcookiebot", "Onetrust", "didomi", "quantcast", "axeptio",
                 "usercentrics-api", "cookieconsent3"):
        assert not hides_only(rule), rule
