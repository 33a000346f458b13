"""The rules of the evidence no other scanner gives (issue 16), on hand-built results: the withdraw state
(``withdrawal-not-found``, ``tracking-after-withdrawal``), the revisits with the clock moved forward
(``lifetime-renewed-on-visit``) and the choice kept too long (``consent-kept-too-long``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from cookiescan.classify import classify
from cookiescan.models import Revisit
from cookiescan.rules import RuleOptions, evaluate
from tests.factories import (
    HOME,
    STARTED,
    make_banner,
    make_cookie,
    make_known,
    make_page,
    make_request,
    make_result,
    make_state,
    make_write,
)

KNOWN = make_known()
T0 = datetime.fromisoformat(STARTED)


def _iso(days: float = 0, seconds: float = 0) -> str:
    return (T0 + timedelta(days=days, seconds=seconds)).isoformat()


def run(result):  # type: ignore[no-untyped-def]
    return evaluate(classify(result, KNOWN, None), None, RuleOptions(), known=KNOWN)


def rules(result) -> dict[str, list]:  # type: ignore[no-untyped-def,type-arg]
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for f in run(result):
        out.setdefault(f.rule, []).append(f)
    return out


# -- withdrawal ----------------------------------------------------------------------------------------------


def _withdraw(*, found: bool | None = True, withdrawn: bool | None = True, succeeded: bool = True,
              writes=(), requests_after=()):  # type: ignore[no-untyped-def]
    banner = replace(make_banner("withdraw"), action="accept", succeeded=succeeded, clicks=1, withdraw_found=found,
                     withdraw_via="link 'Gérer mes cookies'" if found else None, withdraw_clicks=2 if found else None,
                     withdrawn=withdrawn, withdrawn_at=_iso(seconds=5) if withdrawn is not None else None)
    ga = make_cookie("_ga", requested_days=365, via="document.cookie")
    pages = [make_page(HOME, "withdraw", writes=list(writes)),
             make_page("https://www.shop.fr/next", "withdraw", requests=list(requests_after), started_at=_iso(seconds=8))]
    return make_result(states={"withdraw": make_state("withdraw", cookies=[ga], banner=banner, pages=pages)})


def test_no_way_back_after_an_accept_is_high() -> None:
    found = rules(_withdraw(found=False, withdrawn=None))
    assert [f.severity for f in found["withdrawal-not-found"]] == ["high"]
    assert "tracking-after-withdrawal" not in found


def test_a_way_back_or_no_accept_is_no_finding() -> None:
    assert "withdrawal-not-found" not in rules(_withdraw(found=True))
    assert "withdrawal-not-found" not in rules(_withdraw(found=False, withdrawn=None, succeeded=False))


def test_cookie_written_after_the_recorded_withdrawal() -> None:
    before = make_write("_ga", days=365, via="document.cookie", time=_iso(seconds=1))
    after = make_write("_ga", days=365, via="document.cookie", time=_iso(seconds=9))
    [f] = rules(_withdraw(writes=[before, after]))["tracking-after-withdrawal"]
    assert f.subject == "_ga" and f.evidence["writes_after"] == 1 and f.evidence["first_write_after"] == _iso(seconds=9)


def test_cookie_only_left_in_place_is_listed_not_a_finding() -> None:
    before = make_write("_ga", days=365, via="document.cookie", time=_iso(seconds=1))
    assert "tracking-after-withdrawal" not in rules(_withdraw(writes=[before]))


def test_tracker_contacted_on_a_later_page() -> None:
    ping = make_request("https://www.google-analytics.com/g/collect?v=2", resource_type="ping")
    found = rules(_withdraw(requests_after=[ping]))
    assert [f.subject for f in found["tracking-after-withdrawal"]] == ["google-analytics.com"]


def test_a_refusal_not_recorded_is_not_judged() -> None:
    after = make_write("_ga", days=365, via="document.cookie", time=_iso(seconds=9))
    assert "tracking-after-withdrawal" not in rules(_withdraw(writes=[after], withdrawn=False))


# -- renewal ------------------------------------------------------------------------------------------------


def _revisits(name: str, days: float, offsets: tuple[int, ...], *, via: str = "document.cookie",
              raw: str | None = None, first_days: float | None = None):  # type: ignore[no-untyped-def]
    first = make_write(name, days=first_days or days, via=via, time=_iso())
    revisits = tuple(Revisit(d, HOME, _iso(days=d), (replace(make_write(name, days=days, via=via, time=_iso(days=d)),
                                                             requested_raw=raw),)) for d in offsets)
    accept = replace(make_state("accept", cookies=[make_cookie(name, requested_days=first_days or days, via=via)],
                                writes=[first], banner=make_banner("accept")), revisits=revisits)
    return make_result(states={"accept": accept})


def test_a_year_renewed_on_each_visit_tracks_past_thirteen_months() -> None:
    [f] = rules(_revisits("_roll", 365, (30, 200, 390)))["lifetime-renewed-on-visit"]
    assert [v["day"] for v in f.evidence["visits"]] == [30, 200, 390]
    assert f.evidence["visits"][-1]["expires"] > f.evidence["cap_ends"]


def test_a_new_cookie_after_the_old_one_expired_is_not_a_renewal() -> None:
    assert "lifetime-renewed-on-visit" not in rules(_revisits("_short", 20, (30, 200, 390)))


def test_a_cookie_over_the_cap_on_its_own_is_lifetime_over_caps_finding() -> None:
    found = rules(_revisits("_long", 730, (30,)))
    assert "lifetime-renewed-on-visit" not in found and "lifetime-over-cap" in found


def test_a_server_expires_on_the_real_clock_is_not_judged() -> None:
    raw = "Expires=Wed, 30 Dec 2026 11:42:35 GMT"
    assert "lifetime-renewed-on-visit" not in rules(_revisits("srv", 365, (30, 200), via="header", raw=raw))
    assert "lifetime-renewed-on-visit" in rules(_revisits("srv", 365, (30, 200), via="header", raw="Max-Age=31536000"))


# -- the choice kept too long -----------------------------------------------------------------------------


def _choice(days: float):  # type: ignore[no-untyped-def]
    banner = replace(make_banner("accept"), choice_storage=("site_choice",))
    return make_result(states={"accept": make_state("accept", cookies=[make_cookie("site_choice", requested_days=days)],
                                                    banner=banner)})


def test_a_choice_kept_two_years() -> None:
    [f] = rules(_choice(730))["consent-kept-too-long"]
    assert f.subject == "site_choice" and f.severity == "medium"


def test_a_choice_kept_six_months_is_fine() -> None:
    assert "consent-kept-too-long" not in rules(_choice(182))
