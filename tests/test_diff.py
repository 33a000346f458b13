"""cookiescan.diff: what counts as a change between two scans (pure, no browser)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from cookiescan.diff import (
    FORMATS,
    Change,
    DiffResult,
    diff_results,
    render,
    render_json,
    render_markdown,
    render_text,
    should_fail,
    verdict,
)
from cookiescan.errors import UsageError
from cookiescan.models import (
    Cookie,
    Finding,
    PageVisit,
    ScanResult,
    StateResult,
    ThirdParty,
    ToolInfo,
)

SITE = "shop.example"
HOME = "https://www.shop.example/"
PRODUCTS = "https://www.shop.example/products"


def cookie(name: str, domain: str = ".shop.example", **kw: object) -> Cookie:
    site = domain.lstrip(".")
    site = site.split(".", 1)[1] if site.count(".") > 1 else site
    fields: dict[str, object] = dict(
        name=name, domain=domain, path="/", site=site, party="first", http_only=False, secure=True,
        same_site="Lax", partition_key=None, stored_expires="2026-04-18T09:30:00Z", stored_lifetime_days=390.0,
        requested_lifetime_days=390.0, requested_raw="Max-Age=33696000", via="header", set_by=HOME,
        first_seen_page=HOME, pages=(HOME, PRODUCTS), in_jar=True, deleted=False, value_length=10,
        value="abc", vendor=None, category="necessary",
    )
    fields.update(kw)
    return Cookie(**fields)  # type: ignore[arg-type]


def tp(site: str, **kw: object) -> ThirdParty:
    fields: dict[str, object] = dict(
        site=site, hosts=(f"www.{site}",), requests=3, first_seen_page=HOME, resource_types=("script",),
        vendor=None, category="unknown",
    )
    fields.update(kw)
    return ThirdParty(**fields)  # type: ignore[arg-type]


def page(url: str, state: str, started: str = "2025-03-14T09:30:05Z") -> PageVisit:
    return PageVisit(url=url, final_url=url, state=state, status=200, title="Shop", depth=0, started_at=started,
                     duration_ms=1800, settle_ms=1200, settled=True)


def finding(rule: str, severity: str = "medium", scenario: str = "before", subject: str = "_ga", **kw: object) -> Finding:
    return Finding(rule=rule, severity=severity, scenario=scenario, subject=subject,
                   message=f"{subject} broke {rule}", **kw)  # type: ignore[arg-type]


def result(
    cookies: dict[str, tuple[Cookie, ...]] | None = None,
    third_parties: dict[str, tuple[ThirdParty, ...]] | None = None,
    findings: tuple[Finding, ...] = (),
    *,
    site: str = SITE,
    started: str = "2025-03-14T09:30:00Z",
    pages: tuple[str, ...] = (HOME, PRODUCTS),
    states: tuple[str, ...] = ("before", "accept", "reject"),
) -> ScanResult:
    cookies = cookies or {}
    third_parties = third_parties or {}
    return ScanResult(
        schema_version="1.0",
        tool=ToolInfo("cookiescan", "0.1.0", "3.12", "1.50"),
        browser=None,
        started_at=started,
        finished_at=started,
        seeds=(f"https://www.{site}/",),
        site=site,
        first_party=(site,),
        states={
            s: StateResult(
                s,
                pages=tuple(page(u, s, started) for u in pages),
                cookies=cookies.get(s, ()),
                third_parties=third_parties.get(s, ()),
            )
            for s in states
        },
        findings=findings,
        config_hash="abc",
    )


def baseline() -> ScanResult:
    """A before/accept/reject audit: a session cookie everywhere, GA after accept, a CDN everywhere."""
    session = cookie("PHPSESSID", "www.shop.example", requested_lifetime_days=None, stored_lifetime_days=None,
                     stored_expires=None)
    ga = cookie("_ga", category="analytics", vendor="Google Analytics", requested_lifetime_days=390.0,
                stored_lifetime_days=390.0)
    cdn = tp("jsdelivr.net", vendor="jsDelivr", category="necessary")
    gtm = tp("google-analytics.com", vendor="Google Analytics", category="analytics")
    return result(
        cookies={"before": (session,), "accept": (session, ga), "reject": (session,)},
        third_parties={"before": (cdn,), "accept": (cdn, gtm), "reject": (cdn,)},
        findings=(finding("banner-reject-missing", "medium", "all", "banner"),),
    )


def test_identical_scans_have_no_changes() -> None:
    d = diff_results(baseline(), baseline())
    assert d.changes == ()
    assert d.warnings == ()
    assert not should_fail(d, "low")
    assert "No new findings" in verdict(d)


def test_new_tracker_cookie_and_high_finding_are_exactly_three_additions() -> None:
    """Guards the CI gate: the build fails on a new high finding, and only on that."""
    old = baseline()
    px = tp("doubleclick.net", vendor="Google Ads", category="marketing", sets_cookies=True)
    ide = cookie("IDE", ".doubleclick.net", party="third", category="marketing", vendor="Google Ads")
    high = finding("cookie-before-consent", "high", "before", "IDE")
    new = dataclasses.replace(
        old,
        states={
            **old.states,
            "before": dataclasses.replace(
                old.states["before"],
                cookies=(*old.states["before"].cookies, ide),
                third_parties=(*old.states["before"].third_parties, px),
            ),
        },
        findings=(*old.findings, high),
    )
    d = diff_results(old, new)
    assert [(c.kind, c.what, c.key) for c in d.changes] == [
        ("added", "finding", "cookie-before-consent|before|IDE"),
        ("added", "tracker", "before|doubleclick.net"),
        ("added", "cookie", "before|IDE|doubleclick.net|/"),
    ]
    assert d.changes[0].severity == "high" and d.changes[0].state == "before"
    assert d.changes[1].after is not None and d.changes[1].after["vendor"] == "Google Ads"
    assert [c.key for c in d.new_findings()] == ["cookie-before-consent|before|IDE"]
    assert should_fail(d, "high")
    assert should_fail(d, "low")
    assert not should_fail(d, "never")
    assert "1 new finding" in verdict(d, "high")


def test_new_medium_finding_does_not_fail_a_high_gate() -> None:
    new = dataclasses.replace(baseline(), findings=(*baseline().findings, finding("x", "medium")))
    d = diff_results(baseline(), new)
    assert should_fail(d, "medium")
    assert not should_fail(d, "high")


def test_volatile_values_are_not_changes() -> None:
    """Guards against noisy diffs: values, times, expiry dates, request counts, page order differ every run."""
    old = baseline()
    state = old.states["accept"]
    shuffled_cookies = tuple(
        dataclasses.replace(
            c, value="zzz-other", value_length=99, stored_expires="2026-05-01T00:00:00Z",
            requested_raw="expires=Fri, 01 May 2026 00:00:00 GMT", pages=(PRODUCTS, HOME), first_seen_page=PRODUCTS,
            set_by=f"{HOME}?v=123",
            stored_lifetime_days=None if c.stored_lifetime_days is None else c.stored_lifetime_days - 0.4,
        )
        for c in reversed(state.cookies)
    )
    busy = tuple(dataclasses.replace(t, requests=t.requests * 7, hosts=(*t.hosts, "cdn2." + t.site))
                 for t in reversed(state.third_parties))
    new = result(
        cookies={"before": old.states["before"].cookies, "accept": shuffled_cookies,
                 "reject": old.states["reject"].cookies},
        third_parties={"before": old.states["before"].third_parties, "accept": busy,
                       "reject": old.states["reject"].third_parties},
        findings=tuple(dataclasses.replace(f, message="reworded", evidence={"pages": 7}) for f in old.findings),
        started="2025-04-01T12:00:00Z",
        pages=(PRODUCTS, HOME),
    )
    d = diff_results(old, new)
    assert d.changes == ()
    assert d.new["started_at"] == "2025-04-01T12:00:00Z"


def test_lifetime_change_is_one_changed_cookie() -> None:
    old = baseline()
    ga_old = old.states["accept"].cookies[1]
    # stored stays at Chromium's 400-day cap: only what was requested changed
    old = _with_accept_cookies(old, (old.states["accept"].cookies[0], dataclasses.replace(ga_old, stored_lifetime_days=400.0)))
    new = _with_accept_cookies(
        old,
        (old.states["accept"].cookies[0],
         dataclasses.replace(ga_old, stored_lifetime_days=400.0, requested_lifetime_days=730.0)),
    )
    d = diff_results(old, new)
    assert len(d.changes) == 1
    (c,) = d.changes
    assert (c.kind, c.what, c.key, c.state) == ("changed", "cookie", "accept|_ga|shop.example|/", "accept")
    assert c.fields == ("requested_lifetime_days",)
    assert c.before is not None and c.before["requested_lifetime_days"] == 390.0
    assert c.after is not None and c.after["requested_lifetime_days"] == 730.0
    assert "390 d → 730 d" in render_text(d)
    assert not should_fail(d, "low")


def test_small_lifetime_drift_is_not_a_change() -> None:
    """An Expires date fixed in the cookie's code shrinks the lifetime a little every day."""
    old = baseline()
    ga = old.states["accept"].cookies[1]
    new = _with_accept_cookies(
        old, (old.states["accept"].cookies[0], dataclasses.replace(ga, requested_lifetime_days=386.5)))
    assert diff_results(old, new).changes == ()


def test_session_to_persistent_is_a_change() -> None:
    old = baseline()
    session = old.states["accept"].cookies[0]
    new = _with_accept_cookies(old, (dataclasses.replace(session, requested_lifetime_days=30.0),
                                     old.states["accept"].cookies[1]))
    (c,) = diff_results(old, new).changes
    assert c.fields == ("requested_lifetime_days",)


def test_category_and_vendor_changes() -> None:
    old = baseline()
    ga = old.states["accept"].cookies[1]
    new = _with_accept_cookies(
        old, (old.states["accept"].cookies[0], dataclasses.replace(ga, category="marketing", declared=True)))
    (c,) = diff_results(old, new).changes
    assert c.fields == ("category", "declared")


def test_removed_cookie() -> None:
    old = baseline()
    new = _with_accept_cookies(old, old.states["accept"].cookies[:1])
    d = diff_results(old, new)
    assert [(c.kind, c.what, c.key) for c in d.changes] == [("removed", "cookie", "accept|_ga|shop.example|/")]
    assert d.changes[0].after is None and d.changes[0].before is not None
    assert not should_fail(d, "low")


def test_ignored_findings_are_not_new() -> None:
    new = dataclasses.replace(
        baseline(), findings=(*baseline().findings, finding("cookie-before-consent", "high", ignored="agreed with DPO")))
    d = diff_results(baseline(), new)
    assert d.new_findings() == ()
    assert not should_fail(d, "low")


def test_escalated_finding_fails_the_gate() -> None:
    old = dataclasses.replace(baseline(), findings=(finding("long-lifetime", "low"),))
    new = dataclasses.replace(baseline(), findings=(finding("long-lifetime", "high"),))
    d = diff_results(old, new)
    (c,) = d.changes
    assert (c.kind, c.fields, c.severity) == ("changed", ("severity",), "high")
    assert d.new_findings() == ()
    assert should_fail(d, "high")


def test_different_sites_still_diff_with_a_warning() -> None:
    d = diff_results(baseline(), result(site="other.example"))
    assert any("different sites" in w for w in d.warnings)
    assert d.changes  # everything from the baseline is gone
    assert "warning: the scans are of different sites" in render_text(d)


def test_state_missing_from_one_scan_is_not_compared() -> None:
    """Guards against a new consent state making every cookie in it look 'added'."""
    old = result(states=("before",), cookies={"before": baseline().states["before"].cookies},
                 third_parties={"before": baseline().states["before"].third_parties}, findings=baseline().findings)
    d = diff_results(old, baseline())
    assert d.changes == ()
    assert any("accept, reject" in w for w in d.warnings)


def test_ordering_is_deterministic() -> None:
    old = result()
    new = baseline()
    a, b = diff_results(old, new), diff_results(old, dataclasses.replace(new, findings=tuple(reversed(new.findings))))
    assert a.changes == b.changes
    whats = [c.what for c in a.changes]
    assert whats == sorted(whats, key=["finding", "tracker", "cookie"].index)
    assert [c.state for c in a.changes if c.what == "cookie"] == ["before", "accept", "accept", "reject"]


def test_markdown_escapes_site_controlled_text() -> None:
    """Guards the step summary: a cookie name can't close a cell, open a code span or inject HTML."""
    evil = "<img src=x onerror=alert(1)>|`x`"
    new = _with_accept_cookies(baseline(), (*baseline().states["accept"].cookies, cookie(evil)))
    md = render_markdown(diff_results(baseline(), new))
    row = next(line for line in md.splitlines() if "added" in line)
    assert "<img" not in md and "&lt;img" in row
    assert "\\|" in row and "\\`x\\`" in row
    assert row.count(" | ") == 4  # five cells, the name's pipe did not add one


def test_text_strips_terminal_escapes() -> None:
    new = _with_accept_cookies(baseline(), (*baseline().states["accept"].cookies, cookie("a\x1b[31mred\nb")))
    text = render_text(diff_results(baseline(), new))
    assert "\x1b" not in text and "a [31mred b" in text


def test_json_round_trip() -> None:
    old = baseline()
    new = _with_accept_cookies(old, old.states["accept"].cookies[:1])
    d = diff_results(old, new)
    data = json.loads(render_json(d))
    assert data["diff_version"] == "1.0"
    assert data["summary"]["cookie"]["removed"] == 1
    assert data["changes"][0]["key"] == "accept|_ga|shop.example|/"
    assert DiffResult.from_dict(data) == d
    assert json.loads(render_json(d, "high"))["failed"] is False


def test_every_format_renders() -> None:
    d = diff_results(baseline(), result())
    for fmt in FORMATS:
        assert render(d, fmt).endswith("\n")
    with pytest.raises(UsageError):
        render(d, "pdf")
    with pytest.raises(UsageError):
        should_fail(d, "critical")


def test_change_round_trip() -> None:
    c = Change("changed", "tracker", "before|x.com", "before", None, {"a": 1}, {"a": 2}, ("a",))
    assert Change.from_dict(c.to_dict()) == c


def _with_accept_cookies(r: ScanResult, cookies: tuple[Cookie, ...]) -> ScanResult:
    return dataclasses.replace(
        r, states={**r.states, "accept": dataclasses.replace(r.states["accept"], cookies=cookies)})
