"""What the platform tests share (issue 14): the fixture web of the platform sites (and the two sites where
no choice can be made, :mod:`tests.fixtures.unrecorded`), one Chromium, each platform's own selectors, waiting
on conditions, reading the jar, and what each platform's choice storage must look like."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
import pytest_asyncio

from cookiescan.browser import BrowserSession
from cookiescan.demo import FixtureWeb
from tests.fixtures import platforms, unrecorded
from tests.fixtures.platforms import common

TRACKERS = set(platforms.TRACKER_COOKIES)
WAIT = 15.0  # seconds any condition may take on a loaded machine
SP_FRAME = "iframe[id^=sp_message_iframe_]"
TCF_READY = "new Promise(r => __tcfapi('ping', 2, p => r(!!(p && p.cmpLoaded))))"


@pytest.fixture(scope="module")
def pweb() -> Iterator[FixtureWeb]:
    if common.iabtcf_file(common.NODE_MODULES, "@iabtcf/core/lib/mjs/index.js") is None:
        pytest.fail(f"@iabtcf/* is not installed in {common.NODE_MODULES}: run `scripts/dev setup` "
                    "(npm ci in tests/fixtures/cmp)")
    routes: dict[str, Any] = {**platforms.ROUTES, **unrecorded.ROUTES}  # handlers may answer None (404)
    with FixtureWeb(routes=routes) as web:
        yield web


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pbrowser(pweb: FixtureWeb, chromium_path: str) -> AsyncIterator[BrowserSession]:
    async with BrowserSession(chromium_path, extra_args=pweb.browser_args) as session:
        yield session


# -- what a visitor clicks on each platform --------------------------------------------------------------


@dataclass(frozen=True)
class Clicks:
    """Selectors of one platform (Playwright CSS pierces open shadow roots; ``sp:`` = inside the
    Sourcepoint message iframe) and a page expression that is true once its SDK has run."""

    banner: str
    accept: tuple[str, ...]
    reject: tuple[str, ...]
    ready: str


CLICKS = {
    "onetrust": Clicks("#onetrust-banner-sdk", ("#onetrust-accept-btn-handler",), ("#onetrust-reject-all-handler",),
                       "!!window.OnetrustActiveGroups"),
    "cookiebot": Clicks("#CybotCookiebotDialog", ("#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll",),
                        ("#CybotCookiebotDialogBodyButtonDecline",), "!!(window.Cookiebot && Cookiebot.hasResponse)"),
    "cookiebot-selection": Clicks(
        "#CybotCookiebotDialog",
        ("#CybotCookiebotDialogBodyEdgeMoreDetailsLink", "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll"),
        ("#CybotCookiebotDialogBodyButtonDecline",), "!!(window.Cookiebot && Cookiebot.hasResponse)"),
    "didomi": Clicks("#didomi-notice", ("#didomi-notice-agree-button",), (".didomi-continue-without-agreeing",),
                     "!!(window.Didomi && Didomi.isReady)"),
    "usercentrics": Clicks("#usercentrics-root [data-testid=uc-default-banner]", ("[data-testid=uc-accept-all-button]",),
                           ("[data-testid=uc-deny-all-button]",), "!!(window.UC_UI && UC_UI.isInitialized())"),
    "sourcepoint": Clicks(SP_FRAME, ("sp:.sp_choice_type_11",), ("sp:.sp_choice_type_13",), TCF_READY),
    "quantcast": Clicks("#qc-cmp2-ui", (".qc-cmp2-summary-buttons button[mode=primary]",),
                        (".qc-cmp2-summary-buttons button[mode=secondary]", "#qc-cmp2-ui button:text-is('REJECT ALL')",
                         ".qc-cmp2-buttons-desktop button[mode=primary]"), TCF_READY),
    "axeptio": Clicks("#axeptio_overlay", ("#axeptio_btn_acceptAll",), ("#axeptio_btn_dismiss",),
                      "!!window.axeptioSDK"),
}


def locator(page: Any, selector: str) -> Any:
    if selector.startswith("sp:"):
        return page.frame_locator(SP_FRAME).locator(selector[3:])
    return page.locator(selector)


async def until(what: str, check: Any, timeout: float = WAIT) -> Any:
    """Poll ``check()`` (async) until truthy; fail naming ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() >= deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def within(awaitable: Any, what: str) -> Any:
    """``awaitable`` (a page promise that may never settle), failing the test after ``WAIT`` s."""
    try:
        return await asyncio.wait_for(awaitable, WAIT)
    except asyncio.TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


@dataclass(frozen=True)
class Jar:
    """Cookie values by name (site and tracker hosts) and localStorage of the page's origin."""

    cookies: dict[str, str]
    storage: dict[str, str]


async def jar_of(ctx: Any, page: Any) -> Jar:
    cookies = {c["name"]: c["value"] for c in await ctx.cookies()}
    storage = await page.evaluate("() => Object.assign({}, localStorage)")
    return Jar(cookies, storage)


def choice_made(name: str, jar: Jar) -> bool:
    """The platform's marker of a choice is stored (every choice cookie, for cookie-based platforms)."""
    p = platforms.PLATFORMS[name]
    if p.choice_storage:
        return p.marker in jar.storage
    return all(c in jar.cookies for c in p.choice_cookies)


async def choose(ctx: Any, page: Any, name: str, action: str) -> Jar:
    """Load the home page, wait for the banner, click through ``action``, wait for the stored choice
    (and, for accept, the trackers)."""
    clicks = CLICKS[name]
    await page.goto(platforms.SITES[name], wait_until="load")
    await locator(page, clicks.banner).first.wait_for(state="visible", timeout=WAIT * 1000)
    before = await jar_of(ctx, page)
    assert not TRACKERS & set(before.cookies), f"{name}: trackers before any choice: {before.cookies}"
    assert not choice_made(name, before), f"{name}: a choice is stored before any click"
    for selector in getattr(clicks, action):
        await locator(page, selector).first.click(timeout=WAIT * 1000)
    await until(f"{name}: the {action} choice to be stored", lambda: jar_if(ctx, page, lambda j: choice_made(name, j)))
    if action == "accept":
        await until(f"{name}: the tracker cookies", lambda: jar_if(ctx, page, lambda j: set(j.cookies) >= TRACKERS))
    return await jar_of(ctx, page)


async def jar_if(ctx: Any, page: Any, cond: Any) -> Jar | None:
    jar = await jar_of(ctx, page)
    return jar if cond(jar) else None


class Quiet:
    """Requests in flight on a page (its frames included): ``wait()`` returns once none has been for
    ``QUIET`` s. Playwright's "networkidle" does not settle with a request from a cross-origin frame."""

    QUIET = 0.6

    def __init__(self, page: Any) -> None:
        self.inflight: set[Any] = set()
        self.changed = asyncio.get_running_loop().time()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: Any) -> None:
        self.inflight.add(request)
        self.changed = asyncio.get_running_loop().time()

    def _end(self, request: Any) -> None:
        self.inflight.discard(request)
        self.changed = asyncio.get_running_loop().time()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()

        async def quiet() -> bool:
            return not self.inflight and loop.time() - self.changed >= self.QUIET

        await until("the network to go quiet", quiet)


async def next_page(ctx: Any, page: Any, name: str, path: str = "/news") -> list[str]:
    """Open another page of the site with the stored choice; the tracker hosts' requests it made."""
    requests: list[str] = []
    trackers = (common.ANALYTICS_HOST, common.AD_HOST)
    page.on("request", lambda r: requests.append(r.url) if any(h in r.url for h in trackers) else None)
    quiet = Quiet(page)
    await page.goto(platforms.SITES[name].rstrip("/") + path, wait_until="load")
    await until(f"{name}: the SDK on {path}", lambda: within(page.evaluate(CLICKS[name].ready), "the SDK"))
    await quiet.wait()
    assert await locator(page, CLICKS[name].banner).count() == 0 or \
        not await locator(page, CLICKS[name].banner).first.is_visible(), f"{name}: banner shown again on {path}"
    return [u for u in requests if "adframe.html" not in u]


# -- what each platform's choice storage must look like -----------------------------------------------------


def check_choice(name: str, jar: Jar, accepted: bool) -> None:
    c, s = jar.cookies, jar.storage
    yes = "1" if accepted else "0"
    if name == "onetrust":
        assert f"groups=C0001%3A1%2CC0002%3A{yes}%2CC0003%3A{yes}%2CC0004%3A{yes}" in c["OptanonConsent"]
        assert "interactionCount=1" in c["OptanonConsent"] and "isGpcEnabled=0" in c["OptanonConsent"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", c["OptanonAlertBoxClosed"])
    elif name.startswith("cookiebot"):
        value = unquote(c["CookieConsent"])
        flag = str(accepted).lower()
        assert re.fullmatch(r"\{stamp:'[A-Za-z0-9+/=]+',necessary:true,preferences:" + flag + ",statistics:" + flag
                            + ",marketing:" + flag + r",method:'explicit',ver:1,utc:\d{13},region:'fr'\}", value), value
    elif name == "didomi":
        token = json.loads(base64.b64decode(unquote(c["didomi_token"])))
        assert (len(token["purposes"]["enabled"]) > 10) is accepted and (755 in token["vendors"]["enabled"]) is accepted
        assert token["version"] == 2 and re.fullmatch(r"[0-9a-f-]{36}", token["user_id"])
    elif name == "usercentrics":
        services = {x["id"]: x for x in json.loads(s["uc_settings"])["services"]}
        assert services["HkocEodjb7"]["status"] is accepted and services["S1_9Vsuj-Q"]["status"] is accepted
        assert services["HkocEodjb7"]["history"][-1]["type"] == "explicit"
        assert s["uc_user_interaction"] == "true" and s["uc_ui_version"] == "3.52.0"
    elif name == "sourcepoint":
        assert re.fullmatch(r"[0-9a-f-]{36}_\d+", c["consentUUID"]) and c["euconsent-v2"].startswith("C")
    elif name == "quantcast":
        assert (c["addtl_consent"] == "1~") is not accepted and c["euconsent-v2"].startswith("C")
    elif name == "axeptio":
        record = json.loads(unquote(c["axeptio_cookies"]))
        assert record["$$completed"] is True and record["google_analytics"] is accepted
        assert c["axeptio_authorized_vendors"] == ("%2Cgoogle_analytics%2Cfixture_ads%2C" if accepted else "%2C%2C")
        assert c["axeptio_all_vendors"] == "%2Cgoogle_analytics%2Cfixture_ads%2C"
    else:  # pragma: no cover - a platform added without its storage check
        pytest.fail(f"no choice check for {name}")
