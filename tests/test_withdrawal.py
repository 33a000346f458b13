"""The checks no other scanner makes (issue 16, items 2 and 3), on fixture sites in a real Chromium:
withdrawing consent (the way back found or not, tracking after it), cookies whose lifetime renews itself on
each visit (the page's clock moved forward), and the choice kept longer than the cap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cookiescan import audit
from cookiescan.demo import FixtureWeb, sites
from cookiescan.models import ScanResult
from tests.conftest import fixture_config
from tests.fixtures import evidence_sites as ev

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
def evidence_web() -> Iterator[FixtureWeb]:
    with FixtureWeb({**sites.ROUTES, **ev.ROUTES}) as web:
        yield web


async def _audit(web: FixtureWeb, chromium_path: str, host: str, states: tuple[str, ...], **kw: object) -> ScanResult:
    config = fixture_config(web, chromium_path, urls=(f"https://{host}/",), states=states, max_pages=3, depth=1,
                            use_sitemap=False, settle_max=4.0, **kw)
    return await audit(config)


def _rules(result: ScanResult) -> dict[str, list]:  # type: ignore[type-arg]
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for f in result.findings:
        out.setdefault(f.rule, []).append(f)
    return out


async def test_withdrawal_through_the_settings_link_and_tracking_after_it(evidence_web, chromium_path) -> None:
    result = await _audit(evidence_web, chromium_path, ev.WITHDRAW, ("before", "withdraw"), revisit_days=())
    b = result.states["withdraw"].banner
    assert b is not None and b.succeeded and b.clicks == 1
    assert b.withdraw_found and "Gérer mes cookies" in (b.withdraw_via or "")
    assert b.withdrawn is True and b.withdrawn_at
    assert b.withdraw_clicks == 2 and b.withdraw_buttons[-1] == "Tout refuser"
    found = _rules(result)
    assert "withdrawal-not-found" not in found
    after = {f.subject: f for f in found.get("tracking-after-withdrawal", [])}
    assert "_ga" in after, found.keys()  # GA keeps writing _ga on the next pages
    assert after["_ga"].evidence["writes_after"] >= 1 and after["_ga"].evidence["first_write_after"] > b.withdrawn_at
    assert "google-analytics.com" in after  # and keeps being contacted
    # the 6-month choice cookie is within the cap
    assert "consent-kept-too-long" not in found


async def test_no_way_back_is_a_finding(evidence_web, chromium_path) -> None:
    result = await _audit(evidence_web, chromium_path, ev.NO_WAY_BACK, ("withdraw",), revisit_days=())
    b = result.states["withdraw"].banner
    assert b is not None and b.succeeded and b.withdraw_found is False
    found = _rules(result)
    assert [f.severity for f in found["withdrawal-not-found"]] == ["high"]
    assert "tracking-after-withdrawal" not in found


async def test_lifetime_renewed_on_each_visit_and_choice_kept_two_years(evidence_web, chromium_path) -> None:
    result = await _audit(evidence_web, chromium_path, ev.ROLLING, ("accept",))
    accept = result.states["accept"]
    assert [r.offset_days for r in accept.revisits] == [30, 200, 390]
    assert all(r.error is None for r in accept.revisits)
    later = next(r for r in accept.revisits if r.offset_days == 390)
    roll = next(w for w in later.writes if w.name == "_roll_id")
    assert 364 <= (roll.requested_lifetime_days or 0) <= 366  # one year from the (simulated) visit
    # _once_id is written only when missing: not while it lives (+30, +200), anew once expired (+390)
    assert [any(w.name == "_once_id" for w in r.writes) for r in accept.revisits] == [False, False, True]
    found = _rules(result)
    renewed = {f.subject: f for f in found.get("lifetime-renewed-on-visit", [])}
    assert set(renewed) == {"_roll_id"}, renewed.keys()
    visits = renewed["_roll_id"].evidence["visits"]
    assert [v["day"] for v in visits] == [30, 200, 390]
    assert visits[-1]["expires"] > renewed["_roll_id"].evidence["cap_ends"]
    kept = {f.subject: f for f in found.get("consent-kept-too-long", [])}
    assert set(kept) == {"rc_consent"} and kept["rc_consent"].evidence["judged_lifetime_days"] >= 729
