"""Issue 17: the fast path finds what the old waits found.

Each fixture site is scanned twice in a real Chromium — once as cookiescan scans today, once with
``old_waits`` (the waits before issue 17: discovery before the crawl, pages depth by depth, a fixed 2.2 s
banner wait, settles cut off at a fixed time) — and the two results must hold the same cookies, storage,
third parties, pages, banners and findings in every state. Times, dates and wording are left out; nothing
else is.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from consent_support import ensure_node_modules

from cookiescan.analyse import analyse
from cookiescan.browser import resolve_executable
from cookiescan.demo import FixtureWeb, sites
from cookiescan.scan import Scanner
from tests.conftest import fixture_config
from tests.fixtures import consent_sites, platforms, unrecorded

pytestmark = pytest.mark.browser

# the demo shop (sitemap, several depths, trackers after consent), a home-made French banner, an open-source
# consent library from npm, a late banner, two consent platforms, a site without a banner and one whose
# banner records nothing. Not the banner drawn by a 3.5 s timer (``late-timer``): the old fixed wait races it —
# under load it missed that banner in one state where the fast path, which follows the page's timers, found it
# (tests/test_consent.py covers that banner).
SITES = {
    "demo-shop": ("https://shop-fixture.com/", dict(max_pages=8, depth=2)),
    "homemade-fr": (consent_sites.SITES["homemade-fr"], dict(max_pages=3, depth=1, use_sitemap=False)),
    "klaro": (consent_sites.SITES["klaro"], dict(max_pages=2, depth=1, use_sitemap=False)),
    "late-script": (consent_sites.SITES["late-script"], dict(max_pages=2, depth=1, use_sitemap=False)),
    "onetrust": (platforms.SITES["onetrust"], dict(max_pages=2, depth=1, use_sitemap=False)),
    "didomi": (platforms.SITES["didomi"], dict(max_pages=2, depth=1, use_sitemap=False)),
    "no-banner": (unrecorded.SITES["no-banner"], dict(max_pages=2, depth=1, use_sitemap=False)),
    "hollow-banner": (unrecorded.SITES["hollow"], dict(max_pages=2, depth=1, use_sitemap=False)),
}


def observed(result: dict[str, Any]) -> dict[str, Any]:
    """What a scan found, without times, dates or wording."""
    out: dict[str, Any] = {}
    for name, state in sorted(result["states"].items()):
        banner = state.get("banner") or {}
        out[name] = {
            "pages": sorted((p["url"], p["status"]) for p in state["pages"]),
            # what each page wrote and contacted: a visit cut short shows here even when another page of the
            # state made up for it in the state's totals
            "per_page": sorted((p["url"], w["name"], w["domain"], w["via"] or "") for p in state["pages"]
                               for w in p["cookie_writes"]),
            "per_page_third_parties": sorted({(p["url"], r["site"]) for p in state["pages"] for r in p["requests"]
                                              if r["party"] == "third"}),
            "cookies": sorted((c["name"], c["domain"], c["path"], c["party"], c["category"], c["vendor"] or "",
                               c["via"] or "", round(c["requested_lifetime_days"] or 0)) for c in state["cookies"]),
            "storage": sorted((s["origin"], s["kind"], s["key"], s["category"]) for s in state["storage"]),
            "third_parties": sorted((t["site"], t["category"], bool(t["sets_cookies"]))
                                    for t in state["third_parties"]),
            "banner": (banner.get("found"), banner.get("cmp"), banner.get("succeeded"), banner.get("confirmed"),
                       tuple(banner.get("choice_storage") or ())),
            "applicable": state.get("applicable"),
        }
    out["findings"] = sorted((f["rule"], f["subject"] or "", f["scenario"] or "", f["severity"], bool(f["unconfirmed"]))
                             for f in result["findings"])
    out["skipped"] = sorted((s["url"], s["reason"]) for s in result["skipped"])
    return out


def differences(old: dict[str, Any], new: dict[str, Any],
                names: tuple[str, str] = ("with the old waits", "on the fast path")) -> list[str]:
    diffs = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            diffs += [f"{key}/{d}" for d in differences(a, b, names)]
        elif a != b:
            if isinstance(a, list) and isinstance(b, list):
                diffs.append(f"{key}: only {names[0]} {sorted(set(a) - set(b))}, "
                             f"only {names[1]} {sorted(set(b) - set(a))}")
            else:
                diffs.append(f"{key}: {a!r} -> {b!r}")
    return diffs


def test_observed_tells_two_results_apart() -> None:
    """The comparison itself: a cookie, a finding or a third party more on one side is a difference."""
    base = {"states": {"accept": {
        "pages": [{"url": "https://a.test/", "status": 200, "cookie_writes": [], "requests": []}],
        "cookies": [{"name": "_ga", "domain": "a.test", "path": "/", "party": "first", "category": "analytics",
                     "vendor": "Google", "via": "document.cookie", "requested_lifetime_days": 395.0}],
        "storage": [], "third_parties": [{"site": "t.test", "category": "ad", "sets_cookies": True}],
        "banner": {"found": True, "cmp": "heuristic", "succeeded": True, "confirmed": True}, "applicable": True}},
        "findings": [{"rule": "cookie-lifetime-over-cap", "subject": "_ga", "scenario": "accept", "severity": "medium",
                      "unconfirmed": False}], "skipped": []}
    assert differences(observed(base), observed(base)) == []
    for path, value in ((("states", "accept", "cookies"), []), (("findings",), []),
                        (("states", "accept", "third_parties"), []), (("skipped",), [{"url": "x", "reason": "y"}])):
        other: Any = {**base, "states": {"accept": dict(base["states"]["accept"])}}
        target = other
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert differences(observed(base), observed(other)), path


def routes() -> dict[str, Any]:
    return {**sites.ROUTES, **consent_sites.make_routes(ensure_node_modules()), **platforms.ROUTES, **unrecorded.ROUTES}


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("site", sorted(SITES))
async def test_the_fast_path_finds_what_the_old_waits_found(site: str, chromium_path: str) -> None:
    url, overrides = SITES[site]
    results = {}
    with FixtureWeb(routes()) as web:
        for old in (True, False):
            config = fixture_config(web, chromium_path, urls=(url,), old_waits=old, **overrides)
            results[old] = observed(analyse(await Scanner(config).run(), config).to_dict())
    found = results[False]
    assert any(found[s]["cookies"] for s in ("before", "accept", "reject")), "the scan found no cookie at all"
    assert differences(results[True], found) == [], "\n".join(differences(results[True], found))


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("site", sorted(SITES))
async def test_the_headless_shell_finds_what_the_full_browser_found(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Headless scans run in Chromium's headless shell when one is installed (half the CPU): it must find what
    the full browser finds — the same cookies (third-party ones included), storage, requests, banners, choices
    and findings."""
    monkeypatch.delenv("COOKIESCAN_BROWSER", raising=False)  # the two builds this machine has, whatever is chosen
    shell, _ = resolve_executable(None, headless=True)
    full, _ = resolve_executable(None, headless=False)
    if shell == full:
        if os.environ.get("CI"):
            pytest.fail("no Chromium headless shell installed (scripts/dev setup installs one)")
        pytest.skip("no Chromium headless shell installed: scans use the full browser")
    url, overrides = SITES[site]
    results = {}
    with FixtureWeb(routes()) as web:
        for exe in (full, shell):
            config = fixture_config(web, exe, urls=(url,), **overrides)
            results[exe] = observed(analyse(await Scanner(config).run(), config).to_dict())
    assert any(results[shell][s]["cookies"] for s in ("before", "accept", "reject")), "no cookie at all"
    diffs = differences(results[full], results[shell], ("in the full browser", "in the headless shell"))
    assert diffs == [], "\n".join(diffs)
