"""Before any page is visited: are the start URLs reachable, what do robots.txt and the sitemaps say,
and the text of the cookie-policy and notice pages the analysis will read. Everything is fetched by the
browser (the site sees the same client as for the visits) in one throw-away context."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cookiescan.errors import SeedUnreachableError
from cookiescan.resources import read_text
from cookiescan.scan.timeline import Timeline

if TYPE_CHECKING:
    from playwright.async_api import Page

    from cookiescan.browser import BrowserSession
    from cookiescan.config import ScanConfig

MAX_SITEMAP_BYTES = 10 * 1024 * 1024
MAX_SITEMAPS = 10
# Network errors that mean "this host cannot be reached at all".
UNREACHABLE = ("ERR_NAME_NOT_RESOLVED", "ERR_CONNECTION_REFUSED", "ERR_ADDRESS_UNREACHABLE",
               "ERR_CONNECTION_TIMED_OUT", "ERR_CERT_", "ERR_SSL_", "ERR_BAD_SSL", "ERR_INTERNET_DISCONNECTED",
               "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED", "ERR_EMPTY_RESPONSE", "ERR_TIMED_OUT")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text (Playwright's carry call logs below it), bounded."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def net_error(message: str) -> str | None:
    """``net::ERR_…`` from a navigation error when it means the host cannot be reached, else None."""
    for code in UNREACHABLE:
        idx = message.find("net::" + code)
        if idx >= 0:
            return message[idx:].split()[0]
    return None


class RobotsRules:
    """robots.txt rules for one site (protego), for the ``*`` user agent and ours."""

    def __init__(self, text: str, user_agent: str = "cookiescan") -> None:
        from protego import Protego

        self._rp = Protego.parse(text)
        self.user_agent = user_agent

    def allowed(self, url: str) -> bool:
        try:
            return bool(self._rp.can_fetch(url, self.user_agent))
        except Exception:
            return True


def _gunzip(data: bytes, limit: int) -> bytes | None:
    """Decompress at most ``limit`` bytes (a gzip bomb stops there); None when corrupt or too big."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        return None
    return None if len(out) > limit else out


def parse_sitemap(data: str | bytes) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) from a sitemap or sitemap index, as text or as the bytes served
    (gzipped ``sitemap.xml.gz`` included); tolerant of junk."""
    if isinstance(data, bytes):
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data, MAX_SITEMAP_BYTES) or b""
        data = data.decode("utf-8", errors="replace")
    text = data
    if len(text) > MAX_SITEMAP_BYTES or "<!DOCTYPE" in text[:2000].upper():
        return [], []  # no DTDs: never expand entities from a site-controlled document
    try:
        root = ET.fromstring(text.encode("utf-8", errors="replace"))
    except ET.ParseError:
        return [], []
    ns, _, kind = root.tag.rpartition("}")
    entry = "sitemap" if kind == "sitemapindex" else "url"
    out: list[str] = []
    for item in root:
        if item.tag != f"{ns}}}{entry}" if ns else item.tag != entry:
            continue
        # only the entry's own <loc>: image:loc and other extensions are not pages
        loc = item.find(f"{ns}}}loc" if ns else "loc")
        if loc is not None and loc.text and loc.text.strip():
            out.append(loc.text.strip())
    return ([], out) if kind == "sitemapindex" else (out, [])


@dataclass
class Discovery:
    """What was learnt before the visits."""

    reachable: list[str] = field(default_factory=list)  # start URLs that answered
    failures: list[tuple[str, str]] = field(default_factory=list)  # (start URL, network error)
    robots: RobotsRules | None = None
    sitemap_pages: list[str] = field(default_factory=list)
    policy_html: str | None = None  # --declared-from, as the browser rendered it
    notice_html: str | None = None  # --notice URL
    errors: list[str] = field(default_factory=list)


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


class _Fetcher:
    """One tab of a throw-away context; each method answers None instead of raising."""

    def __init__(self, page: Page, page_timeout: float) -> None:
        self.page = page
        self.page_timeout = page_timeout

    async def probe(self, url: str) -> str | None:
        """None when the seed's host answers at all (any HTTP status), else the network error."""
        from playwright.async_api import Error as PlaywrightError

        try:
            await self.page.goto(url, wait_until="commit", timeout=self.page_timeout * 1000)
            return None
        except PlaywrightError as exc:
            msg = first_line(exc)
            if "Timeout" in msg:
                return f"no answer within {self.page_timeout:g} s"
            if "net::ERR_ABORTED" in msg:  # a download or a navigation cancelled by the page
                return None
            return net_error(msg) or msg

    async def text(self, url: str) -> str | None:
        body = await self.body(url)
        return None if body is None else body.decode("utf-8", errors="replace")

    async def body(self, url: str) -> bytes | None:
        """The body as served. Chromium turns gzip files (sitemap.xml.gz) into downloads, which ``goto``
        reports as an error: those are fetched from the page instead (same origin only)."""
        from playwright.async_api import Error as PlaywrightError

        try:
            resp = await self.page.goto(url, wait_until="commit", timeout=15000)
            if resp is None or resp.status != 200:
                return None
            return (await resp.body())[:MAX_SITEMAP_BYTES]
        except PlaywrightError as exc:
            if "Download is starting" not in str(exc):
                return None
        try:  # fetch_base64.js: the body as base64, read in chunks (fromCharCode takes a bounded argument list)
            b64 = await self.page.evaluate(read_text("cookiescan.scan", "fetch_base64.js"), url)
        except PlaywrightError:
            return None
        return base64.b64decode(b64)[:MAX_SITEMAP_BYTES] if isinstance(b64, str) else None

    async def html(self, url: str) -> str | None:
        """The page's HTML once loaded (scripts that build tables have run), None on an error status."""
        from playwright.async_api import Error as PlaywrightError

        try:
            resp = await self.page.goto(url, wait_until="load", timeout=self.page_timeout * 1000)
            if resp is None or resp.status >= 400:
                return None
            return await self.page.content()
        except PlaywrightError:
            return None


async def _sitemaps(fetch: _Fetcher, url: str, errors: list[str]) -> list[str]:
    pages: list[str] = []
    queue, seen = [url], set[str]()
    while queue and len(seen) < MAX_SITEMAPS:
        sm = queue.pop(0)
        if sm in seen:
            continue
        seen.add(sm)
        body = await fetch.body(sm)
        if body is None:
            errors.append(f"sitemap not read: {sm}")
            continue
        found, nested = parse_sitemap(body)
        pages.extend(found)
        queue.extend(nested)
    return pages


async def discover(session: BrowserSession, config: ScanConfig, timeline: Timeline | None = None, *,
                   sources: bool = True) -> Discovery:
    """Probe the start URLs, read robots.txt and the sitemaps (at the same time, in tabs of one throw-away
    context), and with ``sources`` the policy and notice pages too (else :func:`fetch_sources` reads them
    beside the crawl). ``config.old_waits``: one after the other, as before.

    Raises :class:`SeedUnreachableError` when no start URL answers."""
    found = Discovery()
    clock = timeline or Timeline()
    ctx = await session.new_context()
    try:
        async def fetcher() -> _Fetcher:
            return _Fetcher(await ctx.new_page(), config.page_timeout)

        async def probe() -> None:
            fetch = await fetcher()
            for seed in config.urls:
                with clock.span("probe", url=seed):
                    error = await fetch.probe(seed)
                if error:
                    found.failures.append((seed, error))
                else:
                    found.reachable.append(seed)

        origin = _origin(config.urls[0])

        async def robots() -> None:
            if config.respect_robots:
                with clock.span("robots.txt"):
                    text = await (await fetcher()).text(origin + "/robots.txt")
                if text is not None:
                    found.robots = RobotsRules(text)

        async def sitemaps() -> None:
            if config.use_sitemap or config.sitemap:
                with clock.span("sitemap"):
                    found.sitemap_pages = await _sitemaps(await fetcher(), config.sitemap or origin + "/sitemap.xml",
                                                          found.errors)

        if config.old_waits:
            for step in (probe, robots, sitemaps):
                await step()
        else:
            await asyncio.gather(probe(), robots(), sitemaps())
        found.reachable = [u for u in config.urls if u in found.reachable]  # in the order given
        if not found.reachable:
            first = f"{found.failures[0][0]}: {found.failures[0][1]}"
            raise SeedUnreachableError(
                f"cannot reach {first}" if len(found.failures) == 1 else
                f"none of the {len(found.failures)} start URLs can be reached (first: {first})",
                hint="check the URL, your network/proxy, or the site's TLS certificate")
        if _origin(found.reachable[0]) != origin:  # the first start URL did not answer: read the first reachable one's
            found.robots, found.sitemap_pages = None, []
            await robots_and_sitemaps_of(found, _origin(found.reachable[0]), fetcher, config, clock)
        found.errors += [f"start URL unreachable: {seed}: {error}" for seed, error in found.failures]
        if sources:
            await _sources(await fetcher(), config, found, clock)
    finally:
        with contextlib.suppress(Exception):
            await ctx.close()
    return found


async def robots_and_sitemaps_of(found: Discovery, origin: str, fetcher: Any, config: ScanConfig,
                                 clock: Timeline) -> None:
    """robots.txt and the sitemap of ``origin`` (when the first start URL was not the one that answered)."""
    fetch = await fetcher()
    if config.respect_robots:
        with clock.span("robots.txt"):
            text = await fetch.text(origin + "/robots.txt")
        if text is not None:
            found.robots = RobotsRules(text)
    if config.use_sitemap or config.sitemap:
        with clock.span("sitemap"):
            found.sitemap_pages = await _sitemaps(fetch, config.sitemap or origin + "/sitemap.xml", found.errors)


async def _sources(fetch: _Fetcher, config: ScanConfig, found: Discovery, clock: Timeline) -> None:
    if config.declared_from:
        with clock.span("policy page", url=config.declared_from):
            found.policy_html = await fetch.html(config.declared_from)
    if config.notice and config.notice.startswith(("http://", "https://")):
        with clock.span("notice page", url=config.notice):
            found.notice_html = await fetch.html(config.notice)


async def fetch_sources(session: BrowserSession, config: ScanConfig, found: Discovery,
                        timeline: Timeline | None = None) -> None:
    """The cookie-policy and notice pages the analysis reads (into ``found``), in a context of their own."""
    if not config.declared_from and not (config.notice or "").startswith(("http://", "https://")):
        return
    ctx = await session.new_context()
    try:
        await _sources(_Fetcher(await ctx.new_page(), config.page_timeout), config, found, timeline or Timeline())
    finally:
        with contextlib.suppress(Exception):
            await ctx.close()
