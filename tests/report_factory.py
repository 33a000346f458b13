"""Hand-built ScanResults for the report tests (no browser): a realistic small shop audit with
hostile site-controlled text, and a synthetic large scan for size limits."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from cookiescan.models import (
    BannerResult,
    BrowserEvidence,
    Cookie,
    CookieWrite,
    Finding,
    FrameRecord,
    PageVisit,
    RequestRecord,
    ScanResult,
    SkippedPage,
    StateResult,
    StorageItem,
    ThirdParty,
    ToolInfo,
)

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_VALUE = '"><script>alert(1)</script>'
XSS_TITLE = '<b>Contact</b> & "us" <script>alert("title")</script>'
XSS_URL = "https://www.shop.example/search?q=<svg/onload=alert(1)>"
XSS_BUTTON = "Tout refuser <img src=y onerror=alert(2)>"
SECRET_VALUE = "GA1.1.1234567890.1700000000"
SITE = "shop.example"
HOME = "https://www.shop.example/"


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (40, 86, 163)) -> bytes:
    """A valid PNG of one colour (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _cookie(
    name: str,
    domain: str,
    *,
    party: str = "first",
    category: str = "unknown",
    vendor: str | None = None,
    source: str = "known_trackers",
    declared: bool = False,
    requested: float | None = None,
    stored: float | None = None,
    set_by: str | None = None,
    via: str = "header",
    in_jar: bool = True,
    deleted: bool = False,
    blocked: tuple[str, ...] = (),
    value: str | None = None,
    length: int = 26,
    raw: str | None = None,
    pages: tuple[str, ...] = (HOME,),
) -> Cookie:
    site = domain.lstrip(".").split(".", 1)[-1] if domain.count(".") > 1 else domain.lstrip(".")
    return Cookie(
        name=name,
        domain=domain,
        path="/",
        site=site,
        party=party,
        http_only=via == "header",
        secure=True,
        same_site="Lax",
        partition_key=None,
        stored_expires=None if stored is None else "2026-04-18T09:30:00Z",
        stored_lifetime_days=stored,
        requested_lifetime_days=requested,
        requested_raw=raw,
        via=via,
        set_by=set_by,
        first_seen_page=pages[0],
        pages=pages,
        in_jar=in_jar,
        deleted=deleted,
        blocked_reasons=blocked,
        value_length=length,
        value=value,
        vendor=vendor,
        category=category,
        category_source=source if category != "unknown" else "unknown",
        declared=declared,
    )


def _page(
    url: str,
    state: str,
    title: str,
    *,
    status: int | None = 200,
    writes: tuple[CookieWrite, ...] = (),
    requests: tuple[RequestRecord, ...] = (),
    settled: bool = True,
    final: str | None = None,
) -> PageVisit:
    return PageVisit(
        url=url,
        final_url=final or url,
        state=state,
        status=status,
        title=title,
        depth=0 if url == HOME else 1,
        started_at="2025-03-14T09:30:05Z",
        duration_ms=1840,
        settle_ms=1200 if settled else 5000,
        settled=settled,
        requests=requests,
        cookie_writes=writes,
        links_found=12,
    )


def _req(
    url: str, host: str, site: str, party: str, category: str = "unknown", vendor: str | None = None
) -> RequestRecord:
    return RequestRecord(
        url=url,
        method="GET",
        resource_type="script",
        host=host,
        site=site,
        party=party,
        frame_url=HOME,
        status=200,
        vendor=vendor,
        category=category,
    )


GA_JS = "https://www.googletagmanager.com/gtag/js?id=G-XYZ"


def make_result(
    base_dir: Path,
    *,
    png: bytes | None = None,
    screenshot_paths: dict[str, str] | None = None,
    show_values: bool = False,
) -> ScanResult:
    """A realistic three-state audit of shop.example; banner screenshots are written under base_dir."""
    shots = {
        "before": "screenshots/before.png",
        "accept": "screenshots/accept.png",
        "reject": "screenshots/reject.png",
    }
    shots.update(screenshot_paths or {})
    (base_dir / "screenshots").mkdir(parents=True, exist_ok=True)
    for s in ("before", "accept", "reject"):
        (base_dir / "screenshots" / f"{s}.png").write_bytes(png or tiny_png())
    val = (lambda v: v) if show_values else (lambda v: None)

    session = _cookie(
        "PHPSESSID",
        "www.shop.example",
        category="necessary",
        source="declared",
        declared=True,
        set_by=HOME,
        length=32,
        value=val("abc123sessionvalue"),
    )
    consent = _cookie(
        "didomi_token",
        ".shop.example",
        category="necessary",
        vendor="Didomi",
        declared=True,
        requested=182.0,
        stored=182.0,
        raw="Max-Age=15724800",
        via="document.cookie",
        set_by="https://sdk.privacy-center.org/loader.js",
    )
    ga = _cookie(
        "_ga",
        ".shop.example",
        category="analytics",
        vendor="Google Analytics",
        declared=True,
        requested=730.0,
        stored=400.0,
        raw="expires=Sun, 14 Mar 2027 09:30:06 GMT",
        via="document.cookie",
        set_by=GA_JS,
        value=val(SECRET_VALUE),
        length=len(SECRET_VALUE),
        pages=(HOME, "https://www.shop.example/products"),
    )
    ide = _cookie(
        "IDE",
        ".doubleclick.net",
        party="third",
        category="marketing",
        vendor="Google Ads",
        requested=390.0,
        stored=390.0,
        raw="Max-Age=33696000",
        set_by="https://ad.doubleclick.net/ddm/activity/src=1",
    )
    fbp = _cookie(
        "_fbp",
        ".shop.example",
        category="marketing",
        vendor="Meta Pixel",
        requested=90.0,
        stored=90.0,
        via="document.cookie",
        set_by="https://connect.facebook.net/en_US/fbevents.js",
    )
    hj = _cookie(
        "_hjSessionUser_3412",
        ".shop.example",
        category="analytics",
        vendor="Hotjar",
        declared=True,
        source="declared",
        requested=365.0,
        stored=365.0,
        via="document.cookie",
        set_by="https://static.hotjar.com/c/hotjar-3412.js",
    )
    xss = _cookie(
        XSS_NAME,
        "www.shop.example",
        set_by=XSS_URL,
        value=val(XSS_VALUE),
        length=len(XSS_VALUE),
        requested=30.0,
        stored=30.0,
    )
    lang = _cookie(
        "lang", "www.shop.example", category="functional", source="declared", requested=365.0, stored=365.0
    )
    lang_deleted = _cookie(
        "lang",
        "www.shop.example",
        category="functional",
        source="declared",
        requested=365.0,
        in_jar=False,
        deleted=True,
    )
    refused = _cookie(
        "uid",
        ".tracker.example",
        party="third",
        category="marketing",
        vendor="Tracker Inc",
        requested=400.0,
        in_jar=False,
        blocked=("ThirdPartyPhaseout",),
        set_by="https://tracker.example/px",
    )

    def pages(state: str) -> tuple[PageVisit, ...]:
        reqs = (
            _req(
                GA_JS,
                "www.googletagmanager.com",
                "googletagmanager.com",
                "third",
                "functional",
                "Google Tag Manager",
            ),
            _req(
                "https://www.google-analytics.com/g/collect?v=2",
                "www.google-analytics.com",
                "google-analytics.com",
                "third",
                "analytics",
                "Google Analytics",
            ),
        )
        writes = (
            CookieWrite(
                name="_ga",
                domain="shop.example",
                path="/",
                via="document.cookie",
                set_by=GA_JS,
                frame_url=HOME,
                page_url=HOME,
                requested_lifetime_days=730.0,
                requested_raw="expires=Sun, 14 Mar 2027 09:30:06 GMT",
                deletes=False,
                value_length=len(SECRET_VALUE),
                value=val(SECRET_VALUE),
            ),
        )
        return (
            _page(HOME, state, "Shop Example — Home", writes=writes, requests=reqs),
            _page("https://www.shop.example/products", state, "Products", requests=reqs[:1]),
            _page("https://www.shop.example/contact", state, XSS_TITLE, settled=state != "accept"),
            _page(XSS_URL, state, "Search", status=404 if state == "reject" else 200),
        )

    tps = {
        "gtm": ThirdParty(
            "googletagmanager.com",
            ("www.googletagmanager.com",),
            4,
            HOME,
            ("script",),
            "Google Tag Manager",
            "functional",
        ),
        "ga": ThirdParty(
            "google-analytics.com",
            ("www.google-analytics.com", "region1.google-analytics.com"),
            7,
            HOME,
            ("ping", "script"),
            "Google Analytics",
            "analytics",
        ),
        "dc": ThirdParty(
            "doubleclick.net",
            ("ad.doubleclick.net", "stats.g.doubleclick.net"),
            3,
            HOME,
            ("image",),
            "Google Ads",
            "marketing",
            sets_cookies=True,
        ),
        "fb": ThirdParty(
            "facebook.net", ("connect.facebook.net",), 2, HOME, ("script",), "Meta Pixel", "marketing"
        ),
        "hj": ThirdParty(
            "hotjar.com",
            ("static.hotjar.com", "vc.hotjar.io"),
            5,
            HOME,
            ("script", "websocket"),
            "Hotjar",
            "analytics",
        ),
        "cdn": ThirdParty(
            "jsdelivr.net", ("cdn.jsdelivr.net",), 2, HOME, ("script", "stylesheet"), "jsDelivr", "necessary"
        ),
        "px": ThirdParty(
            "privacy-center.org", ("sdk.privacy-center.org",), 3, HOME, ("script",), "Didomi", "necessary"
        ),
    }
    yt = FrameRecord("https://www.youtube-nocookie.com/embed/xyz", "", "youtube-nocookie.com", "third", HOME)
    hjid = StorageItem(
        "localStorage",
        "_hjid",
        "https://www.shop.example",
        SITE,
        "first",
        36,
        HOME,
        "Hotjar",
        "analytics",
        "known_trackers",
    )
    cart = StorageItem(
        "sessionStorage", "cart", "https://www.shop.example", SITE, "first", 120, HOME, None, "unknown"
    )
    xss_store = StorageItem("localStorage", XSS_NAME, "https://www.shop.example", SITE, "first", 5, XSS_URL)

    states = {
        "before": StateResult(
            "before",
            pages=pages("before"),
            cookies=(session, ga, ide, lang),
            storage=(cart,),
            third_parties=(tps["gtm"], tps["ga"], tps["dc"], tps["cdn"], tps["px"]),
            banner=BannerResult(
                "before",
                True,
                cmp="Didomi",
                method="autoconsent",
                screenshot=shots["before"],
                page_url=HOME,
                accept_on_first_layer=True,
                reject_on_first_layer=False,
                notes=("Banner visible after 640 ms",),
            ),
        ),
        "accept": StateResult(
            "accept",
            pages=pages("accept"),
            cookies=(session, consent, ga, fbp, hj, xss, lang, refused),
            storage=(hjid, cart, xss_store),
            third_parties=tuple(tps.values()),
            frames=(yt,),
            banner=BannerResult(
                "accept",
                True,
                cmp="Didomi",
                method="autoconsent",
                action="accept",
                succeeded=True,
                clicks=1,
                buttons=("Accepter & fermer",),
                accept_on_first_layer=True,
                reject_on_first_layer=False,
                screenshot=shots["accept"],
                page_url=HOME,
            ),
        ),
        "reject": StateResult(
            "reject",
            pages=pages("reject"),
            cookies=(session, consent, ide, lang_deleted),
            storage=(cart,),
            third_parties=(tps["gtm"], tps["dc"], tps["cdn"], tps["px"]),
            banner=BannerResult(
                "reject",
                True,
                cmp="Didomi",
                method="autoconsent",
                action="reject",
                succeeded=True,
                clicks=2,
                buttons=("Paramétrer", XSS_BUTTON),
                accept_on_first_layer=True,
                reject_on_first_layer=False,
                screenshot=shots["reject"],
                page_url=HOME,
            ),
        ),
    }
    ga_ev = {
        "page": HOME,
        "set_by": GA_JS,
        "domain": ".shop.example",
        "requested_lifetime_days": 730.0,
        "stored_lifetime_days": 400.0,
        "requested_raw": "expires=Sun, 14 Mar 2027 09:30:06 GMT",
        "category": "analytics",
        "vendor": "Google Analytics",
    }
    findings = (
        Finding(
            "pre-consent-cookie",
            "high",
            "before",
            "_ga",
            "Analytics cookie _ga (Google Analytics) was set before any consent choice.",
            ga_ev,
        ),
        Finding(
            "pre-consent-cookie",
            "high",
            "before",
            "IDE",
            "Marketing cookie IDE (Google Ads) was set on .doubleclick.net before any consent choice.",
            {
                "page": HOME,
                "set_by": "https://ad.doubleclick.net/ddm/activity/src=1",
                "domain": ".doubleclick.net",
                "requested_lifetime_days": 390.0,
                "stored_lifetime_days": 390.0,
            },
        ),
        Finding(
            "pre-consent-tracker",
            "high",
            "before",
            "google-analytics.com",
            "7 requests to google-analytics.com (Google Analytics) before any consent choice.",
            {"page": HOME, "url": "https://www.google-analytics.com/g/collect?v=2", "requests": 7},
        ),
        Finding(
            "post-reject-cookie",
            "high",
            "reject",
            "IDE",
            "Marketing cookie IDE (Google Ads) is still set after the visitor rejected all.",
            {
                "page": HOME,
                "set_by": "https://ad.doubleclick.net/ddm/activity/src=1",
                "domain": ".doubleclick.net",
            },
        ),
        Finding(
            "no-reject-first-layer",
            "high",
            "reject",
            "banner",
            "The banner's first layer offers “Accepter & fermer” but no reject button; "
            "refusing took 2 clicks.",
            {"page": HOME, "buttons": ["Paramétrer", XSS_BUTTON], "clicks_accept": 1, "clicks_reject": 2},
        ),
        Finding(
            "lifetime-over-cap",
            "medium",
            "accept",
            "_ga",
            "_ga asks for a 24-month lifetime, over the 13-month cap.",
            ga_ev,
        ),
        Finding(
            "undeclared-cookie",
            "medium",
            "accept",
            "_fbp",
            "_fbp (Meta Pixel, marketing) is not in the declared cookie list.",
            {"domain": ".shop.example", "set_by": "https://connect.facebook.net/en_US/fbevents.js"},
        ),
        Finding(
            "undeclared-cookie",
            "medium",
            "accept",
            XSS_NAME,
            f"{XSS_NAME} is not in the declared cookie list.",
            {"domain": "www.shop.example", "set_by": XSS_URL, "value": XSS_VALUE},
        ),
        Finding(
            "undeclared-cookie",
            "medium",
            "before",
            "IDE",
            "IDE (Google Ads) is not in the declared cookie list.",
            {"domain": ".doubleclick.net"},
        ),
        Finding(
            "undeclared-cookie",
            "medium",
            "reject",
            "IDE",
            "IDE (Google Ads) is not in the declared cookie list.",
            {"domain": ".doubleclick.net"},
        ),
        Finding(
            "lifetime-over-declared",
            "medium",
            "accept",
            "_hjSessionUser_3412",
            "_hjSessionUser_3412 asks for 12 months but is declared for 6 months.",
            {
                "domain": ".shop.example",
                "requested_lifetime_days": 365.0,
                "declared_lifetime_days": 182.0,
                "declared": {"name": "_hjSessionUser_*", "lifetime": "6 months", "category": "analytics"},
            },
        ),
        Finding(
            "declared-not-found",
            "low",
            "all",
            "_gid",
            "_gid is declared (Google Analytics, 24 hours) but was never observed.",
            {"declared": {"name": "_gid", "provider": "Google Analytics", "lifetime": "24 hours"}},
        ),
        Finding(
            "undeclared-cookie",
            "medium",
            "before",
            "lang",
            "lang is not in the declared cookie list.",
            {"domain": "www.shop.example"},
            ignored="Language preference, exempt (ticket PRIV-12)",
        ),
    )
    return ScanResult(
        schema_version="1.0",
        tool=ToolInfo(
            "cookiescan",
            "0.1.0",
            "3.11.9",
            "1.49.0",
            {"open-cookie-database": "2025-02-01 (a1b2c3d)", "third-party-web": "0.26.2"},
        ),
        browser=BrowserEvidence(
            "Chromium 131.0.6778.33",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "/usr/bin/chromium",
            "system",
            "allowed",
            "enabled",
            True,
        ),
        started_at="2025-03-14T09:30:00Z",
        finished_at="2025-03-14T09:34:12Z",
        seeds=(HOME,),
        site=SITE,
        first_party=(SITE,),
        states=states,
        skipped=(
            SkippedPage("https://www.shop.example/terms.pdf", "not-html", "application/pdf"),
            SkippedPage("https://www.shop.example/admin/", "robots", "Disallow: /admin/"),
            SkippedPage("https://www.shop.example/slow", "timeout", "navigation took over 30 s", "reject"),
        ),
        findings=findings,
        errors=("reject: https://www.shop.example/slow: Timeout 30000ms exceeded",),
        config={"max_pages": 20, "consent": ["before", "accept", "reject"]},
        config_hash="sha256:9f2c4e1d7b3a",
        title="Shop Example — cookie audit Q1 2025",
        description="Audit of www.shop.example against the CNIL guidelines, before consent, after accept all "
        "and after reject all.",
        declared={
            "source": "cookies.yml",
            "cookies": [{"name": "PHPSESSID"}, {"name": "_ga"}, {"name": "_gid"}, {"name": "didomi_token"}],
        },
    )


def big_result(n_pages: int = 200, n_cookies: int = 5000) -> ScanResult:
    """A synthetic large scan: many pages, thousands of cookies and findings, pipes in names."""
    pages = tuple(
        _page(f"https://www.shop.example/p/{i}|x", "before", f"Page {i} | `tick`") for i in range(n_pages)
    )
    cookies = tuple(
        _cookie(
            f"c{i}|pipe`tick`",
            f"t{i % 50}.example",
            party="third",
            category="marketing",
            requested=800.0,
            stored=400.0,
        )
        for i in range(n_cookies)
    )
    findings = tuple(
        Finding(
            "pre-consent-cookie",
            "high",
            "before",
            c.name,
            f"{c.name} | set before consent " + "x" * 300,
            {"page": pages[i % n_pages].url},
        )
        for i, c in enumerate(cookies)
    )
    state = StateResult("before", pages=pages, cookies=cookies)
    return ScanResult(
        schema_version="1.0",
        tool=ToolInfo("cookiescan", "0.1.0", "3.11", "1.49"),
        browser=None,
        started_at="2025-03-14T09:30:00Z",
        finished_at="2025-03-14T10:30:00Z",
        seeds=(HOME,),
        site=SITE,
        first_party=(SITE,),
        states={
            "before": state,
            "accept": StateResult("accept", pages=pages),
            "reject": StateResult("reject", pages=pages),
        },
        skipped=tuple(SkippedPage(f"https://www.shop.example/s/{i}", "max-pages") for i in range(500)),
        findings=findings,
    )


XSS_NOTICE = 'Nous utilisons Google Analytics et Hotjar <img src=z onerror=alert("notice")> pour la mesure.'
NOTICE_SOURCE = "https://www.shop.example/cookies"
LONG_PAGES = tuple(f"https://www.shop.example/p/{i}" for i in range(19))


def _notice_ev(sentence: str | None, position: int | None) -> dict[str, object]:
    return {"notice_source": NOTICE_SOURCE, "notice_sentence": sentence, "notice_position": position}


def notice_dict(*, vendors: bool = True) -> dict[str, object]:
    """A ``Notice.to_dict()`` of the shop's written notice (French), or one naming no vendor."""
    lifetime = "Les cookies ne sont pas conservés plus de 13 mois à compter de leur dépôt."
    data = "Les données statistiques sont conservées pendant 25 mois au maximum."
    refusal = "Si vous refusez, un cookie de refus est déposé afin de ne pas vous reposer la question."
    criteo = "Nos partenaires publicitaires, dont Criteo, peuvent déposer des cookies."
    named = [
        {"vendor": "Google Analytics", "matched": "Google Analytics", "evidence": {"sentence": XSS_NOTICE, "position": 4}},
        {"vendor": "Hotjar", "matched": "Hotjar", "evidence": {"sentence": XSS_NOTICE, "position": 4}},
        {"vendor": "Criteo", "matched": "Criteo", "evidence": {"sentence": criteo, "position": 7}},
    ]
    return {
        "source": NOTICE_SOURCE,
        "language": "fr",
        "vendors": named if vendors else [],
        "lifetimes": [
            {"days": 395.72, "text": "plus de 13 mois", "scope": "cookies", "evidence": {"sentence": lifetime, "position": 9}},
            {"days": 761.0, "text": "pendant 25 mois au maximum", "scope": "data", "evidence": {"sentence": data, "position": 10}},
        ],
        "refusal_cookie": {"sentence": refusal, "position": 12},
        "categories": [
            {"category": "functional", "evidence": {"sentence": "Certains cookies conservent votre panier.", "position": 2}},
            {"category": "analytics", "evidence": {"sentence": XSS_NOTICE, "position": 4}},
        ],
        "notes": [] if vendors else ["no vendors recognised"],
        "cookie_promise_days": 395.72,
    }


def notice_findings(*, vendors: bool = True) -> tuple[Finding, ...]:
    """What cookiescan.rules.evaluate(notice=...) would say about the shop against :func:`notice_dict`."""
    n = notice_dict(vendors=vendors)
    lifetime = n["lifetimes"][0]["evidence"]  # type: ignore[index]
    refusal = n["refusal_cookie"]
    out = [
        Finding(
            "notice-lifetime-broken",
            "medium",
            "all",
            "_ga",
            "Cookie _ga asks to live 730 days but the notice promises “plus de 13 mois” (395.72 days).",
            {
                "name": "_ga",
                "domain": ".shop.example",
                "party": "first",
                "vendor": "Google Analytics",
                "category": "analytics",
                "states": ["before", "accept"],
                "pages": list(LONG_PAGES),
                "requested_lifetime_days": 730.0,
                "judged_lifetime_days": 730.0,
                "promised_days": 395.72,
                "promise_text": "plus de 13 mois",
                "allowed_days": 415.506,
                **_notice_ev(lifetime["sentence"], lifetime["position"]),
            },
        ),
        Finding(
            "refusal-not-remembered",
            "medium",
            "reject",
            "banner",
            "The notice says a cookie records the refusal, but after clicking reject no cookie that could hold "
            f"the choice was stored. The banner showed again on {HOME}products.",
            {
                "banner_page": HOME,
                "cmp": "Didomi",
                "reject_state_cookies": ["IDE", "PHPSESSID"],
                "banner_shown_again_on": [f"{HOME}products"],
                **_notice_ev(refusal["sentence"], refusal["position"]),  # type: ignore[index]
            },
        ),
    ]
    if vendors:
        out += [
            Finding(
                "undeclared-vendor",
                "medium",
                "all",
                "Meta Pixel",
                "Meta Pixel (marketing) was seen in the accept state(s) but the cookie notice never names it; "
                "it names Google Analytics, Hotjar, Criteo.",
                {
                    "vendor": "Meta Pixel",
                    "company": "Meta",
                    "category": "marketing",
                    "states": ["accept"],
                    "domains": ["facebook.net", "shop.example"],
                    "cookies": ["_fbp"],
                    "pages": list(LONG_PAGES[:10]),
                    "named_vendors": ["Google Analytics", "Hotjar", "Criteo"],
                    **_notice_ev(XSS_NOTICE, 4),
                },
            ),
            Finding(
                "notice-vendor-unused",
                "low",
                "all",
                "Criteo",
                "The cookie notice names Criteo but no vendor Criteo was seen on any scanned page in any state.",
                {"vendor": "Criteo", "kind": "vendor", "matched": "Criteo", **_notice_ev(n["vendors"][2]["evidence"]["sentence"], 7)},  # type: ignore[index]
            ),
        ]
    return tuple(out)


def make_notice_result(base_dir: Path, *, vendors: bool = True) -> ScanResult:
    """:func:`make_result` checked against a written notice (with its findings); ``vendors=False`` gives
    a notice naming no recognisable vendor."""
    from dataclasses import replace

    result = make_result(base_dir)
    return replace(result, findings=result.findings + notice_findings(vendors=vendors), notice=notice_dict(vendors=vendors))
