"""crawl: which pages a scan visits and why the others are left out (issue 12, item 6), without a browser.

The report lists every page not visited with its reason; a regulator relies on that list to know what
the scan covered. These tests pin the URL canonical form (one page is never visited twice under two
spellings), every limit of the frontier, the sitemap reader and robots.txt.
"""

from __future__ import annotations

import asyncio
import gzip
import re

import pytest

from cookiescan.scan.discover import MAX_SITEMAP_BYTES, RobotsRules, parse_sitemap
from cookiescan.scan.frontier import MAX_SKIPPED_PER_REASON, Frontier, normalise

HOME = "https://www.shop.fr/"
BASE = "https://www.shop.fr/a/b/page"


# -- normalise -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "base", "expected"), [
    pytest.param("https://www.shop.fr/a#top", None, "https://www.shop.fr/a", id="fragment-dropped"),
    pytest.param("https://www.shop.fr:443/a", None, "https://www.shop.fr/a", id="https-default-port"),
    pytest.param("http://www.shop.fr:80/a", None, "http://www.shop.fr/a", id="http-default-port"),
    pytest.param("https://www.shop.fr:8443/a", None, "https://www.shop.fr:8443/a", id="other-port-kept"),
    pytest.param("https://www.shop.fr:80/", None, "https://www.shop.fr:80/", id="port-80-is-not-https-default"),
    pytest.param("HTTPS://WWW.Shop.FR/Path/Page", None, "https://www.shop.fr/Path/Page",
                 id="scheme-and-host-lower-path-kept"),
    pytest.param("https://www.shop.fr", None, "https://www.shop.fr/", id="empty-path-is-root"),
    pytest.param("https://www.shop.fr/a/../b/./c", None, "https://www.shop.fr/b/c", id="dot-segments"),
    pytest.param("https://www.shop.fr/a/b/", None, "https://www.shop.fr/a/b/", id="trailing-slash-kept"),
    pytest.param("https://www.shop.fr/p?b=2&a=1", None, "https://www.shop.fr/p?a=1&b=2", id="query-sorted"),
    pytest.param("https://www.shop.fr/p?utm_source=nl&utm_medium=mail&utm_campaign=x&gclid=1&fbclid=2"
                 "&msclkid=3&mc_eid=4&_ga=5&id=7", None, "https://www.shop.fr/p?id=7", id="tracking-params-dropped"),
    pytest.param("https://www.shop.fr/p?UTM_Source=nl&page=2", None, "https://www.shop.fr/p?page=2",
                 id="tracking-param-names-any-case"),
    pytest.param("https://www.shop.fr/p?utm=1&gclid_x=2", None, "https://www.shop.fr/p?gclid_x=2&utm=1",
                 id="look-alike-params-kept"),
    pytest.param("https://www.shop.fr/p?utm_source=nl", None, "https://www.shop.fr/p", id="only-tracking-params"),
    pytest.param("https://user:secret@www.shop.fr/", None, "https://www.shop.fr/", id="credentials-dropped"),
    pytest.param("  https://www.shop.fr/x  ", None, "https://www.shop.fr/x", id="whitespace"),
    pytest.param("../x", BASE, "https://www.shop.fr/a/x", id="relative-parent"),
    pytest.param("x", BASE, "https://www.shop.fr/a/b/x", id="relative-sibling"),
    pytest.param("/x?y=1", BASE, "https://www.shop.fr/x?y=1", id="root-relative"),
    pytest.param("?page=2", BASE, "https://www.shop.fr/a/b/page?page=2", id="query-only"),
    pytest.param("//cdn.shop.fr/x", BASE, "https://cdn.shop.fr/x", id="scheme-relative"),
    pytest.param("#reviews", BASE, "https://www.shop.fr/a/b/page", id="fragment-only-is-the-base"),
    pytest.param("https://other.fr/x", BASE, "https://other.fr/x", id="absolute-ignores-base"),
    pytest.param("x", None, None, id="relative-without-base"),
    pytest.param("javascript:void(0)", None, None, id="javascript"),
    pytest.param("javascript:alert(1)", BASE, None, id="javascript-with-base"),
    pytest.param("mailto:contact@shop.fr", BASE, None, id="mailto"),
    pytest.param("tel:+33100000000", BASE, None, id="tel"),
    pytest.param("data:text/html,<p>x</p>", BASE, None, id="data"),
    pytest.param("ftp://files.shop.fr/x", None, None, id="ftp"),
    pytest.param("https://www.shop.fr:99999/", None, None, id="bad-port"),
    pytest.param("https:///nohost", None, None, id="no-host"),
    pytest.param("https://BÜCHER.de/a", None, "https://xn--bcher-kva.de/a", id="idn-to-punycode"),
    pytest.param("https://[::1]:8443/x", None, "https://[::1]:8443/x", id="ipv6-literal-keeps-brackets"),
])
def test_normalise(raw: str, base: str | None, expected: str | None) -> None:
    assert normalise(raw, base) == expected
    if expected is not None:
        assert normalise(expected) == expected  # canonical: normalising twice changes nothing


@pytest.mark.parametrize("spelling", [
    "https://www.shop.fr/products/1",
    "HTTPS://WWW.SHOP.FR/products/1",
    "https://www.shop.fr:443/products/1",
    "https://www.shop.fr/products/1#specs",
    "https://www.shop.fr/products/./1",
    "https://www.shop.fr/products/1?utm_source=newsletter",
    "https://www.shop.fr/x/../products/1",
])
def test_spellings_of_one_page_normalise_alike(spelling: str) -> None:
    assert normalise(spelling) == "https://www.shop.fr/products/1"


# -- Frontier --------------------------------------------------------------------------------------

def frontier(*seeds: str, **kw: object) -> Frontier:
    options: dict[str, object] = dict(site_domains=["shop.fr"], max_pages=50, max_depth=5)
    options.update(kw)
    return Frontier(seeds or (HOME,), **options)  # type: ignore[arg-type]


def skipped(f: Frontier) -> dict[str, tuple[str, str]]:
    return {s.url: (s.reason, s.detail) for s in f.skipped()}


def test_seeds_are_queued_first_at_depth_zero() -> None:
    f = frontier(HOME, "https://www.shop.fr/contact")
    assert [(t.url, t.depth, t.source) for t in f.items] == [
        (HOME, 0, "seed"), ("https://www.shop.fr/contact", 0, "seed")]


@pytest.mark.parametrize(("link", "reason", "detail"), [
    pytest.param("https://partner.org/offer", "off-site", "partner.org is not the scanned site", id="off-site"),
    pytest.param("https://shop.fr.evil.com/", "off-site", "evil.com is not the scanned site", id="suffix-trick"),
    pytest.param("https://www.shop.fr/cgv.pdf", "not-html", "file type is not a web page", id="pdf"),
    pytest.param("https://www.shop.fr/IMG/Photo.JPG", "not-html", "file type is not a web page", id="image-any-case"),
    pytest.param("https://www.shop.fr/feed.xml", "not-html", "file type is not a web page", id="xml"),
    pytest.param("mailto:contact@shop.fr?subject=hi", "scheme", "not a web page", id="mailto"),
    pytest.param("javascript:void(0)", "scheme", "not a web page", id="javascript"),
    pytest.param("tel:+33100000000", "scheme", "not a web page", id="tel"),
    pytest.param("https://www.shop.fr:99999/", "invalid", "not a valid http(s) URL", id="invalid"),
])
def test_links_left_out_are_recorded_with_their_reason(link: str, reason: str, detail: str) -> None:
    f = frontier()
    assert f.offer(link, 1, "link", base=HOME) is None
    [(url, (got_reason, got_detail))] = skipped(f).items()
    assert (got_reason, got_detail) == (reason, detail)
    assert url == (normalise(link) or link.split("?")[0])  # mailto: recorded without its query
    assert [t.url for t in f.items] == [HOME]


@pytest.mark.parametrize("link", ["https://shop.fr/about", "https://blog.shop.fr/post", "/about", "about.html"])
def test_same_site_links_are_queued(link: str) -> None:
    f = frontier()
    task = f.offer(link, 1, "link", base=HOME)
    assert task is not None and task.depth == 1 and task.source == "link"
    assert task.url == normalise(link, HOME)
    assert f.skipped() == ()


def test_first_party_domains_are_on_site() -> None:
    f = frontier(site_domains=["www.shop.fr", "shop-cdn.net"])  # site_of() of each: shop.fr, shop-cdn.net
    assert f.offer("https://pages.shop-cdn.net/promo", 1, "link") is not None
    assert f.offer("https://www.shop.com/", 1, "link") is None
    assert skipped(f)["https://www.shop.com/"][0] == "off-site"


@pytest.mark.parametrize("ignored", ["#top", "", "   "])
def test_anchors_and_empty_links_are_not_pages_and_not_recorded(ignored: str) -> None:
    f = frontier()
    assert f.offer(ignored, 1, "link", base=HOME) is None
    assert f.skipped() == () and len(f.items) == 1


def test_duplicates_are_queued_once_and_not_recorded_as_skipped() -> None:
    f = frontier()
    first = f.offer("https://www.shop.fr/p/1", 1, "link")
    assert first is not None
    for again in ("https://WWW.shop.fr/p/1#x", "/p/1?utm_source=a", "https://www.shop.fr:443/p/1"):
        assert f.offer(again, 2, "link", base=HOME) is None
    assert f.offer(HOME, 1, "sitemap") is None  # the seed, offered again by the sitemap
    assert [t.url for t in f.items] == [HOME, "https://www.shop.fr/p/1"]
    assert f.skipped() == ()


def test_max_pages_counts_every_queued_page_and_records_the_rest() -> None:
    f = frontier(max_pages=3)
    queued = [f.offer(f"/p/{i}", 1, "link", base=HOME) for i in range(5)]
    assert [t is not None for t in queued] == [True, True, False, False, False]  # the seed is one of the 3
    assert len(f.items) == 3
    assert skipped(f) == {
        "https://www.shop.fr/p/2": ("max-pages", "beyond --max-pages 3"),
        "https://www.shop.fr/p/3": ("max-pages", "beyond --max-pages 3"),
        "https://www.shop.fr/p/4": ("max-pages", "beyond --max-pages 3"),
    }


def test_depth_limit_is_inclusive() -> None:
    f = frontier(max_depth=2)
    assert f.offer("/two", 2, "link", base=HOME) is not None
    assert f.offer("/three", 3, "link", base=HOME) is None
    assert skipped(f) == {"https://www.shop.fr/three": ("depth", "deeper than --depth 2")}


def test_depth_zero_visits_the_seeds_only() -> None:
    f = frontier(max_depth=0)
    assert f.offer("/one", 1, "link", base=HOME) is None
    assert [t.url for t in f.items] == [HOME]


def test_page_first_seen_too_deep_is_queued_when_reached_by_a_shorter_path() -> None:
    f = frontier(max_depth=2)
    assert f.offer("/faq", 3, "link", base=HOME) is None  # via a deep page that finished first
    task = f.offer("/faq", 1, "link", base=HOME)  # then from the home page
    assert task is not None and task.depth == 1
    assert "https://www.shop.fr/faq" not in skipped(f)


def test_include_and_exclude() -> None:
    f = frontier(include=[re.compile(r"/products/"), re.compile(r"/$")], exclude=[re.compile(r"/products/old")])
    assert f.offer("/products/1", 1, "link", base=HOME) is not None
    assert f.offer("/blog/1", 1, "link", base=HOME) is None
    assert f.offer("/products/old-1", 1, "link", base=HOME) is None  # exclude wins over include
    assert skipped(f) == {
        "https://www.shop.fr/blog/1": ("excluded", "does not match --include"),
        "https://www.shop.fr/products/old-1": ("excluded", "matches --exclude"),
    }


def test_patterns_see_the_normalised_url() -> None:
    """Guards: --exclude is matched against the canonical URL, so upper-case hosts or tracking
    parameters do not slip past it."""
    f = frontier(exclude=[re.compile(r"^https://www\.shop\.fr/cart$")])
    assert f.offer("HTTPS://WWW.SHOP.FR/cart?utm_source=x#top", 1, "link") is None
    assert skipped(f)["https://www.shop.fr/cart"][0] == "excluded"


ROBOTS = RobotsRules("User-agent: *\nDisallow: /private\nDisallow: /search?\n")


@pytest.mark.parametrize(("source", "queued"), [("link", False), ("sitemap", False), ("seed", True)])
def test_robots_applies_to_links_and_sitemap_not_to_the_urls_asked_for(source: str, queued: bool) -> None:
    f = frontier(robots=ROBOTS)
    task = f.offer("https://www.shop.fr/private/admin", 0 if source == "seed" else 1, source)
    assert (task is not None) == queued
    if not queued:
        assert skipped(f) == {"https://www.shop.fr/private/admin": ("robots", "disallowed by robots.txt")}


def test_robots_checks_the_query() -> None:
    f = frontier(robots=ROBOTS)
    assert f.offer("/search?q=shoes", 1, "link", base=HOME) is None
    assert f.offer("/search", 1, "link", base=HOME) is not None


def test_no_robots_means_everything_allowed() -> None:
    f = frontier(robots=None)
    assert f.offer("/private/admin", 1, "link", base=HOME) is not None


def test_skipped_list_is_capped_per_reason_with_a_count_of_the_rest() -> None:
    f = frontier(max_pages=1)
    extra = 7
    for i in range(MAX_SKIPPED_PER_REASON + extra):
        f.offer(f"https://partner{i}.org/", 1, "link")
        f.offer(f"/p/{i}", 1, "link", base=HOME)
    f.offer("https://www.shop.fr/one.pdf", 1, "link")
    out = f.skipped()
    by_reason: dict[str, list[str]] = {}
    for s in out:
        by_reason.setdefault(s.reason, []).append(s.url)
    assert len([u for u in by_reason["off-site"] if u]) == MAX_SKIPPED_PER_REASON
    assert len([u for u in by_reason["max-pages"] if u]) == MAX_SKIPPED_PER_REASON
    assert by_reason["not-html"] == ["https://www.shop.fr/one.pdf"]  # one reason's flood leaves the others alone
    summaries = {(s.reason, s.detail) for s in out if s.url == ""}
    assert summaries == {("off-site", f"{extra} more not listed"), ("max-pages", f"{extra} more not listed")}


def test_checks_happen_in_a_fixed_order() -> None:
    """An off-site PDF deeper than the limit is reported once, as off-site: the reason a reader can act on."""
    f = frontier(max_depth=1)
    f.offer("https://partner.org/doc.pdf", 9, "link")
    assert skipped(f) == {"https://partner.org/doc.pdf": ("off-site", "partner.org is not the scanned site")}


def test_idn_site_keeps_its_own_links() -> None:
    f = Frontier(["https://bücher.de/"], site_domains=["bücher.de"], max_pages=10, max_depth=3)
    assert f.offer("https://xn--bcher-kva.de/kontakt", 1, "link") is not None


async def test_get_waits_for_discovery_and_every_state_sees_the_same_list() -> None:
    f = frontier()
    await f.begin_discovery()
    waiting = asyncio.create_task(f.get(1))
    await asyncio.sleep(0)
    assert not waiting.done()  # page 1 may still be found
    home = await f.get(0)
    assert home is not None
    added = await f.add_links(["/a", "/a#x", "https://partner.org/"], home, base=HOME)
    assert added == 1
    task = await asyncio.wait_for(waiting, 5)
    assert task is not None and (task.url, task.depth) == ("https://www.shop.fr/a", 1)
    beyond = asyncio.create_task(f.get(2))
    await asyncio.sleep(0)
    assert not beyond.done()
    await f.end_discovery()
    assert await asyncio.wait_for(beyond, 5) is None  # discovery over: there is no page 2
    assert [t.url for t in f.items] == [HOME, "https://www.shop.fr/a"]  # what a later state reads


async def test_close_releases_waiters() -> None:
    f = frontier()
    await f.begin_discovery()
    waiting = asyncio.create_task(f.get(5))
    await asyncio.sleep(0)
    await f.close()
    assert await asyncio.wait_for(waiting, 5) is None


# -- RobotsRules -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("robots", "path", "allowed"), [
    pytest.param("User-agent: *\nDisallow: /private\n", "/private/x", False, id="disallow-prefix"),
    pytest.param("User-agent: *\nDisallow: /private\n", "/privacy", True, id="other-path"),
    pytest.param("User-agent: *\nDisallow: /private\n", "/PRIVATE/x", True, id="paths-are-case-sensitive"),
    pytest.param("User-agent: *\nDisallow: /private\nAllow: /private/ok\n", "/private/ok", True,
                 id="longest-match-allow-wins"),
    pytest.param("User-agent: *\nDisallow: /*.php$\n", "/a.php", False, id="wildcard-and-end-anchor"),
    pytest.param("User-agent: *\nDisallow: /*.php$\n", "/a.php?x=1", True, id="end-anchor-with-query"),
    pytest.param("User-agent: *\nDisallow: /\n", "/", False, id="disallow-all"),
    pytest.param("User-agent: *\nDisallow:\n", "/anything", True, id="empty-disallow-allows"),
    pytest.param("User-agent: googlebot\nDisallow: /\n", "/x", True, id="other-robots-group"),
    pytest.param("User-agent: cookiescan\nDisallow: /no-scanners\n", "/no-scanners", False, id="our-group"),
    pytest.param("User-agent: *\nDisallow: /private\n\nUser-agent: cookiescan\nDisallow: /no-scanners\n",
                 "/private/x", True, id="our-group-replaces-star-rfc9309"),
    pytest.param("", "/x", True, id="empty-file"),
    pytest.param("<html><body>Not found</body></html>", "/x", True, id="html-error-page"),
    pytest.param("garbage\x00\nDisallow /x\n", "/x", True, id="garbage"),
])
def test_robots_rules(robots: str, path: str, allowed: bool) -> None:
    assert RobotsRules(robots).allowed("https://www.shop.fr" + path) is allowed


# -- parse_sitemap ---------------------------------------------------------------------------------

URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>
    https://www.shop.fr/a
  </loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>https://www.shop.fr/b?x=1&amp;y=2</loc></url>
</urlset>"""

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.shop.fr/sitemap-products.xml</loc></sitemap>
  <sitemap><loc>https://www.shop.fr/sitemap-blog.xml.gz</loc><lastmod>2024-01-01</lastmod></sitemap>
</sitemapindex>"""

PAGES = ["https://www.shop.fr/a", "https://www.shop.fr/b?x=1&y=2"]


def as_the_scanner_reads(body: bytes) -> str:
    """What Scanner._fetch_text hands to parse_sitemap: the body decoded as UTF-8, bad bytes replaced."""
    return body[:10_000_000].decode("utf-8", errors="replace")


@pytest.mark.parametrize(("text", "pages", "nested"), [
    pytest.param(URLSET, PAGES, [], id="urlset"),
    pytest.param(INDEX, [], ["https://www.shop.fr/sitemap-products.xml", "https://www.shop.fr/sitemap-blog.xml.gz"],
                 id="sitemap-index"),
    pytest.param('<urlset><url><loc>https://www.shop.fr/n</loc></url></urlset>', ["https://www.shop.fr/n"], [],
                 id="no-namespace"),
    pytest.param("\ufeff" + URLSET, PAGES, [], id="byte-order-mark"),
    pytest.param('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', [], [], id="empty-urlset"),
    pytest.param('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc/></url></urlset>', [], [],
                 id="empty-loc"),
    pytest.param("<html><body>404</body></html>", [], [], id="html-error-page"),
    pytest.param("not xml <<<", [], [], id="junk"),
    pytest.param("", [], [], id="empty"),
    pytest.param('<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY e "https://www.shop.fr/entity">]>'
                 '<urlset><url><loc>&e;</loc></url></urlset>', [], [], id="doctype-refused"),
    pytest.param(as_the_scanner_reads(URLSET.encode()), PAGES, [], id="plain-bytes-as-scanned"),
    # the scanner hands over text decoded as UTF-8, which destroys gzip; parse_sitemap takes no bytes, and
    # Chromium turns an application/x-gzip sitemap into a download that page.goto reports as an error
    pytest.param(gzip.compress(URLSET.encode()), PAGES, [], id="gzip-bytes"),
    pytest.param('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"><url><loc>https://www.shop.fr/p</loc>'
                 '<image:image><image:loc>https://cdn.shop.fr/media/123</image:loc></image:image></url></urlset>',
                 ["https://www.shop.fr/p"], [], id="image-extension-loc-is-not-a-page"),
])
def test_parse_sitemap(text: str | bytes, pages: list[str], nested: list[str]) -> None:
    assert parse_sitemap(text) == (pages, nested)


def test_sitemap_over_the_size_limit_is_not_read() -> None:
    entry = "<url><loc>https://www.shop.fr/p</loc></url>"
    big = "<urlset>" + entry * (MAX_SITEMAP_BYTES // len(entry) + 1) + "</urlset>"
    assert parse_sitemap(big) == ([], [])
    assert parse_sitemap("<urlset>" + entry * 1000 + "</urlset>")[0] == ["https://www.shop.fr/p"] * 1000


def test_sitemap_entries_go_through_the_frontier_checks() -> None:
    """What the scanner does with the entries: offered at depth 1 as 'sitemap', same limits as links."""
    pages, _ = parse_sitemap(URLSET.replace("https://www.shop.fr/a", "https://partner.org/a"))
    f = frontier(robots=RobotsRules("User-agent: *\nDisallow: /b\n"))
    assert [f.offer(u, 1, "sitemap") for u in pages] == [None, None]
    assert skipped(f) == {"https://partner.org/a": ("off-site", "partner.org is not the scanned site"),
                          "https://www.shop.fr/b?x=1&y=2": ("robots", "disallowed by robots.txt")}
