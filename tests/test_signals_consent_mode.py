"""Google Consent Mode v2 (cookiescan.signals.consent_mode), GTM chains (cookiescan.signals.gtm) and the
fake Google hosts of tests/fixtures/google.py.

The fixture's gtag stand-in is run in node (a vm with a cookie jar and sendBeacon recorder) through each
consent journey; every hit it sends must decode, with the Python decoder, to the state the journey set.
A browser test then checks the same on the fixture web in Chromium.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio

from cookiescan.signals import consent_mode as cm
from cookiescan.signals import gtm
from cookiescan.signals.consent_mode import (
    any_granted,
    consent_mode_from_request,
    gcd_letter,
    google_tag_kind,
    is_google_tag_request,
    parse_gcd,
    parse_gcs,
)
from tests.fixtures import google

NODE = shutil.which("node")
STATES = ("granted", "denied", "unset")

# The published nine-letter table (module docstring): letter -> (default, update)
TABLE = {
    "l": ("unset", "unset"), "p": ("denied", "unset"), "q": ("denied", "denied"), "r": ("denied", "granted"),
    "t": ("granted", "unset"), "u": ("granted", "denied"), "v": ("granted", "granted"),
    "m": ("unset", "denied"), "n": ("unset", "granted"),
}


# -- gcs / gcd ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("letter", "pair"), sorted(TABLE.items()))
def test_gcd_letters_follow_the_published_table(letter: str, pair: tuple[str, str]) -> None:
    """Guards the letter table: decoding and encoding agree with the write-ups for all nine letters."""
    default, update = pair
    assert gcd_letter(default, update) == letter
    signal = parse_gcd(f"11{letter}1{letter}1{letter}1{letter}5")["ad_user_data"]
    assert (signal.default, signal.update, signal.letter) == (default, update, letter)
    assert signal.value == (update if update != "unset" else default)
    assert signal.source == ("update" if update != "unset" else "default" if default != "unset" else None)


@pytest.mark.parametrize(("gcd", "expected"), [
    ("11p1p1p1p5", {"ad_storage": ("denied", "default")}),
    ("13r3r3r2r5l1", {"ad_storage": ("granted", "update"), "ad_personalization": ("granted", "update")}),
    ("13l3l3l3l1", {"analytics_storage": ("unset", None), "ad_user_data": ("unset", None)}),
    ("11t1t1t1t5", {"analytics_storage": ("granted", "default")}),
    ("13q3u3n3m5", {"ad_storage": ("denied", "update"), "analytics_storage": ("denied", "update"),
                    "ad_user_data": ("granted", "update"), "ad_personalization": ("denied", "update")}),
])
def test_real_world_gcd_strings(gcd: str, expected: dict[str, tuple[str, str | None]]) -> None:
    """Guards the positions of the four letters in both published gcd layouts."""
    signals = parse_gcd(gcd)
    for name, (value, source) in expected.items():
        assert (signals[name].value, signals[name].source) == (value, source)


@pytest.mark.parametrize(("gcs", "ad", "analytics"), [
    ("G100", "denied", "denied"), ("G111", "granted", "granted"), ("G101", "denied", "granted"),
    ("G110", "granted", "denied"), ("G1--", "unset", "unset"), ("G1-1", "unset", "granted"),
])
def test_gcs(gcs: str, ad: str, analytics: str) -> None:
    """Guards gcs: G1, then ad_storage, then analytics_storage."""
    assert parse_gcs(gcs) == {"ad_storage": ad, "analytics_storage": analytics}


@pytest.mark.parametrize("bad", ["", "G1", "G2 00", "G1000", "G102", "g100", None])
def test_bad_gcs(bad: Any) -> None:
    """Guards gcs validation."""
    with pytest.raises(ValueError, match="gcs"):
        parse_gcs(bad)


@pytest.mark.parametrize("bad", ["", "11p1p", "11p1p1p1", "1101p1p1p5", "11p1p1p1é5", "1" + "p" * 300, None])
def test_bad_gcd(bad: Any) -> None:
    """Guards gcd validation: too short, a digit or non-letter where a state letter belongs, absurd length."""
    with pytest.raises(ValueError, match="gcd"):
        parse_gcd(bad)


def test_gcd_letter_refuses_unknown_states() -> None:
    with pytest.raises(ValueError, match="granted/denied/unset"):
        gcd_letter("yes", "no")


def test_request_record_from_a_ga4_hit() -> None:
    """Guards the per-request record: four signals, raw params, gcs/gcd agreement, any_granted."""
    url = ("https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&gtm=45je&gcs=G101"
           "&gcd=13p3r3p3p5l1&npa=1&dma=1&en=page_view")
    state = consent_mode_from_request(url)
    assert state is not None and state.kind == "ga4"
    assert state.params == {"gcs": "G101", "gcd": "13p3r3p3p5l1", "npa": "1", "dma": "1"}
    assert (state.gcs, state.gcd) == ("G101", "13p3r3p3p5l1")
    assert [(s.name, s.value, s.source) for s in state.signals] == [
        ("ad_storage", "denied", "default"), ("analytics_storage", "granted", "update"),
        ("ad_user_data", "denied", "default"), ("ad_personalization", "denied", "default")]
    assert state.granted() == ("analytics_storage",) and any_granted(state)
    assert state.conflicts == () and state.errors == ()
    as_json = json.loads(json.dumps(state.to_dict()))
    assert as_json["signals"]["analytics_storage"]["letter"] == "r"


def test_request_record_edge_cases() -> None:
    """Guards: no consent params -> None; gcs only; a gcs/gcd conflict; bad values recorded, not raised."""
    assert consent_mode_from_request("https://www.google-analytics.com/g/collect?v=2&tid=G-1") is None
    only_gcs = consent_mode_from_request("https://www.google-analytics.com/g/collect?gcs=G110")
    assert only_gcs is not None
    assert (only_gcs.ad_storage.value, only_gcs.ad_storage.source) == ("granted", None)
    assert only_gcs.ad_user_data.value == "unset" and any_granted(only_gcs)
    clash = consent_mode_from_request("https://www.google.com/pagead/1p-conversion/1/?gcs=G111&gcd=11p1p1p1p5")
    assert clash is not None and clash.conflicts == ("ad_storage", "analytics_storage") and clash.kind == "ads"
    assert not any_granted(clash)  # gcd decides; the conflict is kept as evidence
    broken = consent_mode_from_request("https://x.test/g/collect?gcs=<script>&gcd=zzz")
    assert broken is not None and len(broken.errors) == 2 and not any_granted(broken)
    assert all("\n" not in e for e in broken.errors)
    denied = consent_mode_from_request("https://www.google-analytics.com/g/collect?gcs=G100&gcd=11q1q1q1q5")
    assert denied is not None and not any_granted(denied)
    crowded = "https://www.google-analytics.com/g/collect?" + "&".join(f"p{i}=1" for i in range(2000)) + "&gcs=G111"
    assert consent_mode_from_request(crowded).granted() == ("ad_storage", "analytics_storage")  # type: ignore[union-attr]
    assert google_tag_kind("https://x.test/g/collect?" + "a=1&" * 2000 + "tid=G-ABC1") == "ga4"


def test_consent_params_in_a_post_body() -> None:
    """Guards GA4 batches: consent parameters may travel in the POST body."""
    body = b"en=page_view&_et=1\nen=scroll&gcs=G111&gcd=11r1r1r1r5\n"
    state = consent_mode_from_request("https://region1.google-analytics.com/g/collect?v=2&tid=G-1", body)
    assert state is not None and state.granted() == cm.SIGNALS


@pytest.mark.parametrize(("url", "kind"), [
    ("https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC", "ga4"),
    ("https://www.google-analytics.com/g/collect?v=2", "ga4"),
    ("https://analytics.google.com/g/collect?v=2", "ga4"),
    ("https://stats.g.doubleclick.net/g/collect?v=2", "ga4"),
    ("https://sgtm.shop.example/g/collect?v=2&tid=G-ABC123", "ga4"),
    ("https://www.google-analytics.com/collect?v=1&tid=UA-1-1", "ua"),
    ("https://www.google-analytics.com/j/collect?v=1", "ua"),
    ("https://www.google-analytics.com/analytics.js", "analytics-js"),
    ("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/123/?gcd=11p1p1p1p5", "ads"),
    ("https://www.google.com/pagead/1p-user-list/123/", "ads"),
    ("https://www.google.de/pagead/1p-conversion/123/", "ads"),
    ("https://www.googleadservices.com/pagead/conversion/123/", "ads"),
    ("https://www.google.com/ccm/collect?en=page_view", "ads"),
    ("https://ad.doubleclick.net/activity;src=123;type=x", "floodlight"),
    ("https://ad.doubleclick.net/ddm/activity/src=1", "floodlight"),
    ("https://123456.fls.doubleclick.net/activityi;src=1", "floodlight"),
    ("https://www.googletagmanager.com/gtag/js?id=G-ABC", "gtag-js"),
    ("https://www.googletagmanager.com/gtag/destination?id=AW-123&l=dataLayer", "gtag-js"),
    ("https://www.googletagmanager.com/gtm.js?id=GTM-ABC1", "gtm-js"),
    ("https://www.google.com/search?q=x", None),
    ("https://googleads.g.doubleclick.net/favicon.ico", None),
    ("https://google-analytics.com.evil.test/g/collect", None),
    ("https://evil.test/g/collect?tid=UA-1", None),
    ("https://www.notgoogle.com/pagead/x", None),
    ("javascript:alert(1)", None),
    ("not a url", None),
    ("https://[::1/g/collect", None),
])
def test_google_tag_kind(url: str, kind: str | None) -> None:
    """Guards the Google tag request recogniser (and that look-alike hosts are not taken for Google)."""
    assert google_tag_kind(url) == kind
    assert is_google_tag_request(url) is (kind is not None)


def test_state_table() -> None:
    """Guards the per-state evidence table (absent when a state sent no Google hit)."""
    s = consent_mode_from_request("https://www.google-analytics.com/g/collect?gcd=11t1p1l1r5")
    table = cm.state_table({"before": s, "reject": None})
    assert table["before"] == {"ad_storage": "granted", "analytics_storage": "denied",
                               "ad_user_data": "unset", "ad_personalization": "granted"}
    assert set(table["reject"].values()) == {"absent"}


# -- GTM ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "ident"), [
    ("https://www.googletagmanager.com/gtm.js?id=GTM-ABC1", "GTM-ABC1"),
    ("https://www.googletagmanager.com/gtm.js?id=GTM-ABC1&l=dataLayer2", "GTM-ABC1"),
    ("https://www.googletagmanager.com/gtag/js?id=G-XYZ9876&cx=c", "G-XYZ9876"),
    ("https://www.googletagmanager.com/gtag/js?id=AW-123456789", "AW-123456789"),
    ("https://www.googletagmanager.com/gtag/js?id=UA-1234-5", "UA-1234-5"),
    ("https://metrics.shop.example/gtm.js?id=GTM-SST1", "GTM-SST1"),
    ("https://www.googletagmanager.com/gtm.js?id=<script>", None),
    ("https://www.googletagmanager.com/gtm.js", None),
    ("https://www.googletagmanager.com/other.js?id=GTM-ABC1", None),
])
def test_container_id(url: str, ident: str | None) -> None:
    """Guards container id extraction (only well-formed ids, only from gtm.js / gtag/js paths)."""
    assert gtm.container_id(url) == ident


def test_initiator_urls_flattens_a_cdp_stack_outermost_first() -> None:
    """Guards the order: async parent (GTM) before the frames it started, innermost frame last."""
    initiator = {
        "type": "script",
        "stack": {
            "callFrames": [
                {"functionName": "send", "url": "https://www.google-analytics.com/analytics.js"},
                {"functionName": "hit", "url": "https://www.google-analytics.com/analytics.js"},
            ],
            "parent": {
                "description": "setTimeout",
                "callFrames": [{"functionName": "", "url": "https://www.googletagmanager.com/gtm.js?id=GTM-ABC1"},
                               {"functionName": "", "url": "https://shop.example/"}],
            },
        },
    }
    assert gtm.initiator_urls(initiator) == [
        "https://shop.example/", "https://www.googletagmanager.com/gtm.js?id=GTM-ABC1",
        "https://www.google-analytics.com/analytics.js"]
    assert gtm.initiator_urls({"type": "parser", "url": "https://shop.example/"}) == ["https://shop.example/"]
    assert gtm.initiator_urls({"type": "other"}) == []


def test_loading_chain_text_and_container() -> None:
    """Guards the evidence line and the GTM verdict."""
    page = "https://shop.example/"
    stack = [page, "https://www.googletagmanager.com/gtm.js?id=GTM-ABC1",
             "https://www.google-analytics.com/analytics.js"]
    chain = gtm.loading_chain(stack, "https://www.google-analytics.com/collect?v=1&t=pageview", page_url=page)
    assert chain.text == "page → gtm.js?id=GTM-ABC1 → analytics.js → collect"
    assert chain.via_gtm and chain.container == "GTM-ABC1" and chain.containers == ("GTM-ABC1",)
    direct = gtm.loading_chain([page], "https://www.google-analytics.com/g/collect?v=2", page_url=page)
    assert direct.text == "page → collect" and direct.via is None and not direct.via_gtm
    gtag_only = gtm.loading_chain(["https://www.googletagmanager.com/gtag/js?id=G-XYZ9"],
                                  "https://region1.google-analytics.com/g/collect")
    assert gtag_only.via == "gtag" and gtag_only.container == "G-XYZ9" and not gtag_only.via_gtm


def test_loading_chain_follows_who_loaded_each_script() -> None:
    """Guards chaining back through the scripts' own initiators, with a cycle in the map."""
    page = "https://shop.example/"
    gtm_js = "https://www.googletagmanager.com/gtm.js?id=GTM-ABC1"
    gtag_js = "https://www.googletagmanager.com/gtag/js?id=G-XYZ9"
    loaded_by = {gtag_js: [page, gtm_js], gtm_js: [page, gtag_js]}  # the cycle must not loop
    chain = gtm.loading_chain([gtag_js], "https://region1.google-analytics.com/g/collect?v=2",
                              page_url=page, loaded_by=loaded_by)
    assert chain.text == "page → gtm.js?id=GTM-ABC1 → gtag/js?id=G-XYZ9 → collect"
    assert chain.container == "GTM-ABC1" and chain.containers == ("GTM-ABC1", "G-XYZ9")
    assert chain.to_dict()["text"] == chain.text


def test_loading_chain_labels_are_tame() -> None:
    """Guards labels from hostile URLs: no control characters, bounded length."""
    assert len(gtm.step_label("https://evil.test/" + "a" * 500 + ".js")) <= 80
    assert gtm.step_label("https://evil.test/x\x1b[31m\x07.js") == "x[31m.js"
    crowded = "https://www.googletagmanager.com/gtm.js?id=GTM-ABC1&" + "a=1&" * 500
    assert gtm.loading_chain([crowded], "https://x.test/collect").container == "GTM-ABC1"


# -- the fixture hosts --------------------------------------------------------------------------------------
def _get(host: str, path: str, **query: str) -> Any:
    from cookiescan.demo.server import Request

    return google.ROUTES[host](Request("GET", host, path, {k: [v] for k, v in query.items()}, {}))


def test_fixture_routes() -> None:
    """Guards the fake Google hosts: known ids only, 204 collects, the two demo pages."""
    assert set(google.HOSTS) >= {"www.googletagmanager.com", "region1.google-analytics.com",
                                 "www.google-analytics.com", google.SITE, google.EARLY_SITE}
    container = _get(google.GTM_HOST, "/gtm.js", id=google.CONTAINER_ID)
    assert container.status == 200 and f"gtag/js?id={google.MEASUREMENT_ID}" in container.body
    tag = _get(google.GTM_HOST, "/gtag/js", id=google.MEASUREMENT_ID)
    assert google.GA_REGION_HOST in tag.body and "__" not in tag.body.replace("__fxGtag", "")
    assert _get(google.GTM_HOST, "/gtm.js", id="GTM-NOPE99") is None
    assert _get(google.GTM_HOST, "/gtag/js", id="</script><script>") is None
    assert _get(google.GA_HOST, "/g/collect").status == 204
    assert _get(google.GA_REGION_HOST, "/g/collect").status == 204
    assert _get(google.GA_HOST, "/elsewhere") is None
    page = _get(google.SITE, "/denied-then-granted").body
    assert '"ad_storage": "denied"' in page and f"gtm.js?id={google.CONTAINER_ID}" in page
    early = _get(google.EARLY_SITE, "/").body
    assert '"analytics_storage": "granted"' in early and "Reject all" in early
    assert gtm.container_id(f"https://{google.GTM_HOST}/gtm.js?id={google.CONTAINER_ID}") == google.CONTAINER_ID


# The node harness: one vm "page" per journey, with a cookie jar and a sendBeacon recorder.
HARNESS = r"""
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
const journeys = JSON.parse(readFileSync(0, 'utf8'));
const out = {};
for (const j of journeys) {
  const jar = new Map(Object.entries(j.cookies || {}));
  const beacons = [];
  const marks = [];
  const document = {
    get cookie() { return [...jar].map(([k, v]) => k + '=' + v).join('; '); },
    set cookie(text) {
      const [pair, ...attrs] = text.split(';');
      const at = pair.indexOf('=');
      const age = attrs.map(a => a.trim()).find(a => a.startsWith('max-age='));
      if (age && Number(age.slice(8)) <= 0) jar.delete(pair.slice(0, at).trim());
      else jar.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    },
    createElement() { return {}; },
    getElementById() { return null; },
    head: { appendChild() {} },
  };
  const page = { document, Date, Math, JSON, String, encodeURIComponent, Image: class { set src(u) { beacons.push(u); } },
                 navigator: { sendBeacon(u) { beacons.push(u); return true; } },
                 location: { href: j.url } };
  page.window = page;
  vm.createContext(page);
  let seen = 0;
  for (const step of j.steps) {
    if (step.mark) {
      marks.push({ mark: step.mark, hits: beacons.slice(seen), cookies: Object.fromEntries(jar) });
      seen = beacons.length;
    } else {
      vm.runInContext(step.js, page);
    }
  }
  out[j.id] = marks;
}
process.stdout.write(JSON.stringify(out));
"""


def _journeys() -> list[dict[str, Any]]:
    head_denied, head_granted = google.head_script("denied"), google.head_script("granted")
    container, early_container = google.gtm_js(google.CONTAINER_ID), google.gtm_js(google.EARLY_CONTAINER_ID)
    tag = google.gtag_js(google.MEASUREMENT_ID, f"https://{google.GA_REGION_HOST}")
    early_tag = google.gtag_js(google.EARLY_MEASUREMENT_ID, f"https://{google.GA_HOST}")
    choose = google.CHOOSE_JS
    load = [{"js": container}, {"js": tag}]
    return [
        {"id": "denied-accept", "url": google.URL, "steps": [
            {"js": head_denied}, *load, {"mark": "before"}, {"js": choose + 'fxChoose("accept");'},
            {"mark": "accept"}, {"js": 'gtag("event", "scroll");'}, {"mark": "later"}]},
        {"id": "denied-reject", "url": google.URL, "steps": [
            {"js": head_denied}, *load, {"mark": "before"}, {"js": choose + 'fxChoose("reject");'},
            {"mark": "reject"}]},
        {"id": "saved-accept", "url": google.URL, "cookies": {google.CHOICE_COOKIE: "accept"}, "steps": [
            {"js": head_denied}, *load, {"mark": "accept"}]},
        {"id": "saved-reject", "url": google.URL, "cookies": {google.CHOICE_COOKIE: "reject"}, "steps": [
            {"js": head_denied}, *load, {"mark": "reject"}]},
        {"id": "early", "url": google.EARLY_URL, "steps": [
            {"js": head_granted}, {"js": early_container}, {"js": early_tag}, {"mark": "before"},
            {"js": choose + 'fxChoose("reject");'}, {"mark": "reject"}]},
        {"id": "analytics-only", "url": google.URL, "steps": [
            {"js": head_denied}, *load, {"mark": "before"},
            {"js": 'gtag("consent", "update", {analytics_storage: "granted"}); gtag("event", "x");'},
            {"mark": "analytics"}]},
        {"id": "no-consent-mode", "url": google.URL, "steps": [
            {"js": "window.dataLayer = []; function gtag() { dataLayer.push(arguments); }"}, *load,
            {"mark": "none"}]},
    ]


@pytest.fixture(scope="module")
def gtag_runs() -> dict[str, list[dict[str, Any]]]:
    if NODE is None:
        pytest.skip("node is not installed: running the fixture gtag needs it")
    done = subprocess.run([NODE, "--input-type=module", "-e", HARNESS], input=json.dumps(_journeys()),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _states(hits: list[str]) -> list[cm.ConsentModeState]:
    states = [consent_mode_from_request(u) for u in hits]
    assert all(s is not None and s.kind == "ga4" and not s.errors and not s.conflicts for s in states), hits
    return states  # type: ignore[return-value]


def _all(states: list[cm.ConsentModeState], value: str, source: str | None) -> bool:
    return all((sig.value, sig.source) == (value, source) for s in states for sig in s.signals)


def _param(url: str, key: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(key)
    return values[0] if values else None


@pytest.mark.parametrize(("journey", "mark"), [
    ("denied-accept", "before"), ("denied-accept", "accept"), ("denied-reject", "reject"),
    ("saved-accept", "accept"), ("saved-reject", "reject"), ("early", "before"), ("early", "reject"),
])
def test_fixture_gtag_sends_the_state_it_was_given(journey: str, mark: str,
                                                   gtag_runs: dict[str, list[dict[str, Any]]]) -> None:
    """Guards the fixture against itself: its gcs/gcd decode to EXPECTED, and its cookies follow consent."""
    run = {m["mark"]: m for m in gtag_runs[journey]}[mark]
    url = google.EARLY_URL if journey == "early" else google.URL
    value, source = google.EXPECTED[url][mark]
    states = _states(run["hits"])
    assert states, f"no hit in {journey}/{mark}"
    assert _all(states, value, source)
    cookies = set(run["cookies"])
    analytics = google.EARLY_ANALYTICS_COOKIES if journey == "early" else google.ANALYTICS_COOKIES
    if value == "granted":
        assert set(analytics) | set(google.AD_COOKIES) <= cookies
        assert all(_param(u, "cid") for u in run["hits"])
    elif journey != "early":  # early granted first, so its reject keeps what was already written
        assert not (set(analytics) | set(google.AD_COOKIES)) & cookies
        assert not any(_param(u, "cid") for u in run["hits"])  # cookieless pings


def test_fixture_gtag_partial_and_absent_consent(gtag_runs: dict[str, list[dict[str, Any]]]) -> None:
    """Guards mixed signals (letters p/r) and a page with no Consent Mode at all (letters l, no gcs)."""
    partial = {m["mark"]: m for m in gtag_runs["analytics-only"]}["analytics"]
    (state,) = _states(partial["hits"])
    assert state.gcs == "G101" and state.granted() == ("analytics_storage",)
    assert (state.ad_storage.value, state.ad_storage.source) == ("denied", "default")
    assert set(partial["cookies"]) == set(google.ANALYTICS_COOKIES)  # no _gcl_au: ad_storage denied
    none = gtag_runs["no-consent-mode"][0]
    (bare,) = _states(none["hits"])
    assert bare.gcs is None and _all([bare], "unset", None) and none["cookies"] == {}


def test_fixture_gtag_hits_are_sequenced(gtag_runs: dict[str, list[dict[str, Any]]]) -> None:
    """Guards one page_view per load and one hit per later event (what the per-state tables count)."""
    marks = {m["mark"]: m for m in gtag_runs["denied-accept"]}
    assert [_param(u, "en") for u in marks["before"]["hits"]] == ["page_view"]
    assert [_param(u, "en") for u in marks["accept"]["hits"]] == ["cookie_choice"]
    assert [_param(u, "en") for u in marks["later"]["hits"]] == ["scroll"]
    assert [_param(u, "_s") for m in marks.values() for u in m["hits"]] == ["1", "2", "3"]
    assert _param(marks["before"]["hits"][0], "tid") == google.MEASUREMENT_ID


# -- the fixture in a real browser -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def google_web() -> Iterator[Any]:
    from cookiescan.demo import FixtureWeb

    with FixtureWeb(routes=google.ROUTES) as web:
        yield web


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gbrowser(google_web: Any, chromium_path: str) -> AsyncIterator[Any]:
    from cookiescan.browser import BrowserSession

    async with BrowserSession(chromium_path, extra_args=google_web.browser_args) as session:
        yield session


def _is_hit(event: str) -> Any:
    return lambda request: "/g/collect" in request.url and f"en={event}" in request.url


@pytest.mark.browser
@pytest.mark.parametrize(("url", "choice"), [(google.URL, "accept"), (google.URL, "reject"),
                                             (google.EARLY_URL, "reject")])
async def test_fixture_sites_in_chromium(gbrowser: Any, url: str, choice: str) -> None:
    """Guards the demo pages end to end: GTM loads gtag, hits carry the right state before and after a click."""
    ctx = await gbrowser.new_context()
    try:
        page = await ctx.new_page()
        async with page.expect_request(_is_hit("page_view"), timeout=15_000) as first:
            await page.goto(url, wait_until="load")
        before = consent_mode_from_request((await first.value).url)
        assert before is not None and _all([before], *google.EXPECTED[url]["before"])
        async with page.expect_request(_is_hit("cookie_choice"), timeout=15_000) as second:
            await page.click("#gcm-accept" if choice == "accept" else "#gcm-reject")
        after = consent_mode_from_request((await second.value).url)
        assert after is not None and _all([after], *google.EXPECTED[url][choice])
        names = {c["name"] for c in await ctx.cookies()}
        ga = google.ANALYTICS_COOKIES if url == google.URL else google.EARLY_ANALYTICS_COOKIES
        assert (set(ga) <= names) is (choice == "accept" or url == google.EARLY_URL)
        # a revisit applies the saved choice before the container loads: its page_view is already right
        async with page.expect_request(_is_hit("page_view"), timeout=15_000) as again:
            await page.reload(wait_until="load")
        revisit = consent_mode_from_request((await again.value).url)
        assert revisit is not None and _all([revisit], *google.EXPECTED[url][choice])
        assert await page.is_hidden("#gcm-banner")
    finally:
        await ctx.close()
