"""Which pages to visit: same-site links and sitemap entries, normalised and de-duplicated, within
``--max-pages`` / ``--depth`` / ``--include`` / ``--exclude`` and robots.txt. Everything not visited is
recorded as a :class:`~cookiescan.models.SkippedPage` with its reason.

The frontier is one ordered list shared by the consent states: the first state's visits add links, the
others follow the same list, so each state sees the same pages."""

from __future__ import annotations

import asyncio
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cookiescan.config import compile_patterns
from cookiescan.models import SkippedPage
from cookiescan.party import host_of, site_of

if TYPE_CHECKING:
    from cookiescan.config import ScanConfig
    from cookiescan.scan.discover import Discovery, RobotsRules

NON_HTML_EXT = re.compile(
    r"\.(pdf|zip|gz|tgz|rar|7z|docx?|xlsx?|pptx?|odt|ods|csv|jpe?g|png|gif|webp|svg|ico|mp[34]|m4a|webm|avi|mov|"
    r"wav|ogg|exe|dmg|apk|iso|bin|json|xml|txt|rss|atom|woff2?|ttf|css|js)$",
    re.I,
)
MAX_SKIPPED_PER_REASON = 200
_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|gclid|fbclid|msclkid|mc_eid|_ga)$", re.I)


def normalise(url: str, base: str | None = None) -> str | None:
    """Canonical form for de-duplication: lower-case scheme/host, no default port, no fragment,
    dot-segments resolved, query sorted with click-tracking parameters dropped. None if unusable."""
    from urllib.parse import urljoin

    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower()
        if not host:
            return None
        port = parts.port
        host = _ascii_host(host)
    except ValueError:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = parts.path or "/"
    if path != "/":
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        path = ("/" if not path.startswith("/") else "") + path
        if trailing and not path.endswith("/"):
            path += "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING_PARAMS.match(k)))
    return urlunsplit((scheme, netloc, path, query, ""))


def _ascii_host(host: str) -> str:
    """The host as Chromium sends it: IDN labels in punycode (UTS 46). ValueError when not encodable."""
    if host.isascii():
        return host
    import idna

    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class PageTask:
    """A page to visit in every consent state."""

    url: str
    depth: int
    source: str  # "seed" | "link" | "sitemap"


class Frontier:
    """The ordered list of pages every state visits. Links come from the discovery state's visits;
    other states follow the same list, so each state sees the same pages."""

    def __init__(self, seeds: Iterable[str], *, site_domains: Iterable[str], max_pages: int, max_depth: int,
                 include: Iterable[re.Pattern[str]] = (), exclude: Iterable[re.Pattern[str]] = (),
                 robots: RobotsRules | None = None) -> None:
        self.site_domains = {site_of(d) for d in site_domains}
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self.robots = robots
        self.items: list[PageTask] = []
        self._seen: set[str] = set()
        self._too_deep: set[str] = set()  # seen only deeper than --depth so far
        self._skipped: dict[str, SkippedPage] = {}
        self._skip_counts: dict[str, int] = {}
        self._cond = asyncio.Condition()
        self._discovering = 0
        self._closed = False
        for s in seeds:
            self.offer(s, 0, "seed")

    # -- adding ----------------------------------------------------------------------------------
    def offer(self, raw: str, depth: int, source: str, base: str | None = None) -> PageTask | None:
        """Consider a URL; returns the queued task, or None (and records why when it matters)."""
        text = raw.strip()
        low = text.lower()
        if low.startswith(("mailto:", "tel:", "javascript:", "data:", "blob:", "sms:", "ftp:", "file:")):
            self.skip(text.split("?")[0][:200], "scheme", "not a web page")
            return None
        if text.startswith("#") or not text:
            return None
        url = normalise(text, base)
        if url is None:
            self.skip(text[:300], "invalid", "not a valid http(s) URL")
            return None
        if url in self._seen and url not in self._too_deep:
            return None
        self._seen.add(url)
        host = host_of(url)
        if site_of(host) not in self.site_domains:
            self.skip(url, "off-site", f"{site_of(host)} is not the scanned site")
            return None
        path = urlsplit(url).path
        if NON_HTML_EXT.search(path):
            self.skip(url, "not-html", "file type is not a web page")
            return None
        if self.include and not any(p.search(url) for p in self.include):
            self.skip(url, "excluded", "does not match --include")
            return None
        if any(p.search(url) for p in self.exclude):
            self.skip(url, "excluded", "matches --exclude")
            return None
        if self.robots is not None and source != "seed" and not self.robots.allowed(url):
            self.skip(url, "robots", "disallowed by robots.txt")
            return None
        if depth > self.max_depth:
            if url not in self._too_deep:
                self._too_deep.add(url)
                self.skip(url, "depth", f"deeper than --depth {self.max_depth}")
            return None
        if url in self._too_deep:  # a shorter path reached it after all: parallel visits finish out of order
            self._too_deep.discard(url)
            self._skip_counts["depth"] -= 1
            self._skipped.pop(url, None)
        if len(self.items) >= self.max_pages:
            self.skip(url, "max-pages", f"beyond --max-pages {self.max_pages}")
            return None
        task = PageTask(url=url, depth=depth, source=source)
        self.items.append(task)
        return task

    def skip(self, url: str, reason: str, detail: str) -> None:
        """Record that ``url`` is not visited, and why (at most MAX_SKIPPED_PER_REASON listed per reason)."""
        self._skip_counts[reason] = self._skip_counts.get(reason, 0) + 1
        if url in self._skipped or self._skip_counts[reason] > MAX_SKIPPED_PER_REASON:
            return
        self._skipped[url] = SkippedPage(url=url, reason=reason, detail=detail)

    def skipped(self) -> tuple[SkippedPage, ...]:
        out = list(self._skipped.values())
        for reason, count in sorted(self._skip_counts.items()):
            if count > MAX_SKIPPED_PER_REASON:
                out.append(SkippedPage(url="", reason=reason,
                                       detail=f"{count - MAX_SKIPPED_PER_REASON} more not listed"))
        return tuple(out)

    # -- consuming -------------------------------------------------------------------------------
    async def add_links(self, links: Iterable[str], parent: PageTask, base: str) -> int:
        added = 0
        async with self._cond:
            for link in links:
                if self.offer(link, parent.depth + 1, "link", base=base) is not None:
                    added += 1
            self._cond.notify_all()
        return added

    async def begin_discovery(self) -> None:
        async with self._cond:
            self._discovering += 1

    async def end_discovery(self) -> None:
        async with self._cond:
            self._discovering -= 1
            self._cond.notify_all()

    async def get(self, index: int) -> PageTask | None:
        """The ``index``-th page, waiting while discovery may still add it; None when there is none."""
        async with self._cond:
            while True:
                if index < len(self.items):
                    return self.items[index]
                if self._closed or self._discovering == 0:
                    return None
                await self._cond.wait()

    async def close(self) -> None:
        async with self._cond:
            self._closed = True
            self._cond.notify_all()


def frontier_for(config: ScanConfig, first_party: Iterable[str], found: Discovery) -> Frontier:
    """The scan's frontier: the reachable start URLs, the unreachable ones recorded, the sitemap's pages queued."""
    frontier = Frontier(found.reachable, site_domains=first_party, max_pages=config.max_pages,
                        max_depth=config.depth, include=compile_patterns(config.include, "--include"),
                        exclude=compile_patterns(config.exclude, "--exclude"), robots=found.robots)
    for seed, error in found.failures:
        frontier.skip(seed, "error", error)
    for url in found.sitemap_pages:
        frontier.offer(url, 1, "sitemap")
    return frontier
