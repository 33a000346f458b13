"""The fixture sites: a first-party shop and the third parties it embeds.

Every cookie here exists to exercise one collection path; the table in ``EXPECTED_COOKIES`` says what
a scan of the shop must find (tests assert against it, the demo shows it). Hostnames are real-looking
(``shop-fixture.com``) so the public-suffix list gives them a registrable domain; a few well-known
tracker hostnames (``www.google-analytics.com``…) are answered locally too so the demo shows how
known trackers are recognised. Nothing here ever leaves 127.0.0.1.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from cookiescan.demo.server import Request, Response

SHOP = "shop-fixture.com"
WWW = "www.shop-fixture.com"
TRACKER = "tracker-fixture.net"
ADS = "ads-fixture.com"
WIDGET = "widget-fixture.net"
CDN = "cdn-fixture.org"
EXTERNAL = "external-fixture.org"

DAY = 86400


def _resp(*args: object, **kwargs: object) -> Response:
    return Response(*args, **kwargs)  # type: ignore[arg-type]


def _expires(days: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(days=days), usegmt=True)


# -- the shop -------------------------------------------------------------------------------------

NAV = [
    ("/", "Accueil"),
    ("/products", "Produits"),
    ("/about", "À propos"),
    ("/contact", "Contact"),
    ("/calendar?month=2026-01", "Calendrier"),
    ("/cookies", "Politique cookies"),
]

CSS = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fbfaf7}
header{background:#17324d;color:#fff;padding:1rem 2rem}header a{color:#fff;margin-right:1rem}
main{padding:1.5rem 2rem;max-width:60rem}footer{padding:1rem 2rem;color:#667;font-size:.9rem}
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.3rem .6rem;text-align:left}
"""


def page(title: str, body: str, head: str = "") -> str:
    """A full shop page with the shared header (links) and footer (PDF, mailto, external)."""
    nav = "".join(f'<a href="{href}">{html.escape(label)}</a>' for href, label in NAV)
    banner = BANNER
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)} · Boutique Fixture</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}</style>{head}</head>
<body><header><strong>Boutique Fixture</strong> · <nav>{nav}</nav></header>
<main><h1>{html.escape(title)}</h1>{body}</main>
<footer><a href="/brochure.pdf">Brochure (PDF)</a> · <a href="mailto:contact@shop-fixture.com">Écrire</a> ·
<a href="https://{EXTERNAL}/partner">Partenaire</a> · <a href="/private/admin">Admin</a> ·
<a href="/redirect">Offre du jour</a></footer>
{banner}
<script src="https://{CDN}/lib.js"></script>
<script src="/static/site.js"></script>
<script src="/static/consent.js"></script>
<script src="https://{TRACKER}/t.js" async></script>
<img src="https://{ADS}/pixel.gif?p=1" width="1" height="1" alt="">
</body></html>"""


# A home-made banner (no consent-manager library, so no autoconsent rule knows it): accept on the
# first layer, reject only as a discreet "Continuer sans accepter" link, a second layer with toggles.
BANNER = """<div id="consent-banner" role="dialog" aria-label="Cookies" hidden
 style="position:fixed;left:0;right:0;bottom:0;background:#fff;border-top:3px solid #17324d;padding:1rem 2rem;
 box-shadow:0 -4px 16px rgba(0,0,0,.15);font-size:15px">
<p><strong>Vos choix en matière de cookies</strong><br>Nous et nos partenaires utilisons des cookies pour mesurer
l'audience et vous proposer des publicités personnalisées. <a href="/cookies">En savoir plus</a></p>
<button id="cb-accept" style="background:#17324d;color:#fff;border:0;padding:.6rem 1.2rem">Tout accepter</button>
<button id="cb-settings" style="padding:.6rem 1.2rem">Personnaliser</button>
<a href="#" id="cb-reject" style="font-size:12px;color:#889;margin-left:1rem">Continuer sans accepter</a>
<div id="cb-layer2" hidden style="margin-top:.8rem">
<label><input type="checkbox" name="analytics" checked> Mesure d'audience</label>
<label><input type="checkbox" name="marketing" checked> Publicité personnalisée</label>
<button id="cb-save">Enregistrer mes choix</button></div></div>"""

CONSENT_JS = """
(function () {
  var m = document.cookie.match(/(?:^|; )shop_consent=([^;]*)/);
  var banner = document.getElementById("consent-banner");
  function load(src) {
    var s = document.createElement("script"); s.src = src; s.async = true; document.head.appendChild(s);
  }
  function pixel(src) { var i = new Image(1, 1); i.src = src; }
  function apply(choice) {
    if (choice === "accept" || choice.indexOf("marketing") >= 0) {
      load("https://connect.facebook.net/en_US/fbevents.js");
      load("https://static.hotjar.com/c/hotjar-1.js");
    } else {
      // the bug a regulator finds: the Meta pixel still fires after the visitor refused
      pixel("https://www.facebook.com/tr/?id=1&ev=PageView&noscript=1");
    }
  }
  function choose(choice) {
    document.cookie = "shop_consent=" + choice + "; max-age=15768000; path=/; SameSite=Lax";  // 6 months
    banner.hidden = true;
    apply(choice);
  }
  if (m) { apply(decodeURIComponent(m[1])); return; }
  banner.hidden = false;
  document.getElementById("cb-accept").onclick = function () { choose("accept"); };
  document.getElementById("cb-reject").onclick = function (e) { e.preventDefault(); choose("reject"); };
  document.getElementById("cb-settings").onclick = function () { document.getElementById("cb-layer2").hidden = false; };
  document.getElementById("cb-save").onclick = function () {
    var picked = Array.prototype.filter.call(banner.querySelectorAll("input:checked"), function (i) { return true; })
      .map(function (i) { return i.name; });
    choose(picked.length ? picked.join("+") : "reject");
  };
})();
"""

SITE_JS = """
// First-party analytics in the style of gtag: it writes its identifiers through document.cookie.
(function () {
  document.cookie = "_ga=GA1.1.1234567890.1700000000; max-age=63072000; path=/; SameSite=Lax";  // 2 years
  document.cookie = "_ga_FIXTURE=GS1.1.1700000000.1.0; max-age=33696000; path=/";  // 390 days
  // a probe written then deleted at once: only the write hook can see it
  document.cookie = "cs_probe=1; path=/";
  document.cookie = "cs_probe=; max-age=0; path=/";
  localStorage.setItem("shop_recent", JSON.stringify(["p1"]));
  navigator.sendBeacon("https://www.google-analytics.com/g/collect?v=2&tid=G-FIXTURE&en=page_view");
  sessionStorage.setItem("shop_tab", "1");
  setTimeout(function () {
    document.cookie = "late_visit=1; max-age=3600; path=/";   // 2 s after load
  }, 2000);
})();
"""

TRACKER_JS = f"""
(function () {{
  navigator.sendBeacon("https://{TRACKER}/collect", JSON.stringify({{page: location.pathname}}));
  // real trackers fire-and-forget: the body of this fetch is never read
  fetch("https://{TRACKER}/ping?u=" + encodeURIComponent(location.href), {{mode: "no-cors", credentials: "include"}});
}})();
"""


def shop(req: Request) -> Response | None:
    p = req.path
    if p == "/":
        body = f"""<p>Bienvenue dans la boutique de démonstration de cookiescan.</p>
<p><a href="/products">Voir les produits</a></p>
<iframe src="https://{WIDGET}/embed" title="Avis clients" width="420" height="120"></iframe>"""
        return _resp(
            page("Accueil", body),
            headers=[
                ("Set-Cookie", "session_id=s3ss10n; Path=/; HttpOnly; Secure; SameSite=Lax"),
                ("Set-Cookie", f"lang=fr; Max-Age={365 * DAY}; Path=/"),
                ("Set-Cookie", f"cart_id=c-42; Expires={_expires(30)}; Path=/; Secure"),
                ("Set-Cookie", f"shop_pref=grid; Domain={SHOP}; Max-Age={180 * DAY}; Path=/"),
            ],
        )
    if p == "/products":
        items = "".join(f'<li><a href="/products/{i}">Produit {i}</a></li>' for i in (1, 2, 3))
        return _resp(page("Produits", f"<ul>{items}</ul>"))
    if p.startswith("/products/"):
        pid = p.rsplit("/", 1)[-1]
        if not pid.isdigit():
            return None
        return _resp(page(f"Produit {pid}", '<p>Un bel article.</p><p><a href="/products">Retour</a></p>'))
    if p == "/about":
        return _resp(page("À propos", "<p>Une boutique qui n'existe pas.</p>"))
    if p == "/contact":
        return _resp(page("Contact", '<p>Écrivez-nous : <a href="mailto:contact@shop-fixture.com">contact</a></p>'))
    if p == "/cookies":
        return _resp(page("Politique cookies", COOKIE_POLICY))
    if p == "/mentions":
        return _resp(page("Confidentialité", NOTICE_FR))
    if p == "/en/notice":
        return _resp(page("Privacy notice", NOTICE_EN))
    if p == "/sitemap-only":
        return _resp(page("Page du plan de site", "<p>Aucun lien ne mène ici : seul sitemap.xml la cite.</p>"))
    if p == "/calendar":
        month = (req.query.get("month") or ["2026-01"])[0]
        try:
            y, m = (int(x) for x in month.split("-"))
        except ValueError:
            y, m = 2026, 1
        nxt = f"{y + (m // 12)}-{m % 12 + 1:02d}"
        prv = f"{y - (1 if m == 1 else 0)}-{(m - 2) % 12 + 1:02d}"
        body = (f'<p>Mois {html.escape(month)}</p><a href="/calendar?month={nxt}">Suivant</a> '
                f'<a href="/calendar?month={prv}">Précédent</a>')
        return _resp(page("Calendrier", body))
    if p == "/redirect":
        return _resp(
            "",
            status=302,
            headers=[
                ("Location", "/landing"),
                ("Set-Cookie", f"promo_src=redirect; Max-Age={7 * DAY}; Path=/"),
            ],
        )
    if p == "/landing":
        return _resp(page("Offre du jour", "<p>Vous arrivez d'une redirection.</p>"))
    if p == "/private/admin":
        return _resp(page("Admin", "<p>Interdit aux robots.</p>"))
    if p == "/brochure.pdf":
        return _resp(b"%PDF-1.4\n%fixture\n", content_type="application/pdf")
    if p == "/static/site.js":
        return _resp(SITE_JS, content_type="application/javascript")
    if p == "/static/consent.js":
        return _resp(CONSENT_JS, content_type="application/javascript")
    if p == "/robots.txt":
        return _resp("User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    if p == "/sitemap.xml":
        urls = ["/", "/products", "/sitemap-only", "/about"]
        locs = "".join(f"<url><loc>https://{SHOP}{u}</loc></url>" for u in urls)
        return _resp(
            f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>',
            content_type="application/xml",
        )
    if p == "/favicon.ico":
        return _resp(b"", status=204, content_type="image/x-icon")
    return None


COOKIE_POLICY = """<p>Nous utilisons les cookies suivants.</p>
<h2>Cookies strictement nécessaires</h2>
<table><tr><th>Nom du cookie</th><th>Finalité</th><th>Durée de conservation</th><th>Émetteur</th></tr>
<tr><td>session_id</td><td>Session</td><td>Session</td><td>Boutique Fixture</td></tr>
<tr><td>cart_id</td><td>Panier</td><td>30 jours</td><td>Boutique Fixture</td></tr>
<tr><td>lang</td><td>Langue</td><td>12 mois</td><td>Boutique Fixture</td></tr>
<tr><td>shop_consent</td><td>Mémorise votre choix sur les cookies</td><td>6 mois</td><td>Boutique Fixture</td></tr>
<tr><td>shop_pref</td><td>Affichage en grille ou en liste</td><td>6 mois</td><td>Boutique Fixture</td></tr></table>
<h2>Mesure d'audience</h2>
<table><tr><th>Nom du cookie</th><th>Finalité</th><th>Durée de conservation</th><th>Émetteur</th></tr>
<tr><td>_ga</td><td>Mesure d'audience</td><td>13 mois</td><td>Google</td></tr>
<tr><td>_ga_*</td><td>Mesure d'audience</td><td>13 mois</td><td>Google</td></tr>
<tr><td>_hjSessionUser_*</td><td>Mesure d'audience</td><td>1 an</td><td>Hotjar</td></tr></table>"""

# Written notices (prose, no table), in the style of real French notices: what the site promises.
NOTICE_FR = """<h2>1. Qui traite vos données ?</h2>
<p>La Boutique Fixture est responsable des traitements décrits ci-dessous.</p>
<h2>2. Mesure d'audience</h2>
<p>Pour comprendre comment notre site est utilisé, nous faisons appel à des sous-traitants de mesure
d'audience : Google Analytics et Hotjar. Nous utilisons aussi New Relic pour surveiller les performances.</p>
<h2>3. Durée de conservation</h2>
<p>Les cookies déposés sur votre terminal ne sont jamais conservés plus de 13 mois.
Les données collectées sont conservées 25 mois au maximum.</p>
<h2>4. Vos choix</h2>
<p>Si vous refusez, un cookie de refus est déposé pour mémoriser votre choix pendant 6 mois.
Vous pouvez modifier vos choix à tout moment depuis le lien « Cookies » en bas de page.</p>"""

NOTICE_EN = """<h2>Cookies and similar technologies</h2>
<p>We use advertising cookies from Meta (Facebook pixel) to measure our campaigns, and Google to measure
our audience.</p>
<p>No cookie is kept for longer than 12 months.</p>
<p>When you decline, we store your choice so that we do not ask again.</p>"""

# -- third parties ----------------------------------------------------------------------------------


def tracker(req: Request) -> Response | None:
    sn = "; SameSite=None; Secure"
    if req.path == "/t.js":
        return _resp(
            TRACKER_JS,
            content_type="application/javascript",
            headers=[("Set-Cookie", f"trk_uid=u-1; Max-Age={2 * 365 * DAY}; Path=/{sn}")],
        )
    if req.path == "/collect":
        return _resp("", status=204, headers=[("Set-Cookie", f"trk_seen=1; Max-Age={DAY}; Path=/{sn}")])
    if req.path == "/ping":
        # a large body the page never reads: Chromium does not report such fetches finished
        return _resp("x" * 262144, content_type="text/plain")
    return None


PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def ads(req: Request) -> Response | None:
    if req.path == "/pixel.gif":
        return _resp(
            PIXEL,
            content_type="image/gif",
            headers=[
                ("Set-Cookie", f"ad_uid=a-9; Max-Age={390 * DAY}; Path=/; SameSite=None; Secure"),
                # SameSite=None without Secure: Chromium refuses it; the scan must still report it
                ("Set-Cookie", f"ad_legacy=1; Max-Age={30 * DAY}; Path=/; SameSite=None"),
            ],
        )
    return None


WIDGET_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Avis</title></head>
<body style="font:14px system-ui;margin:.5rem">★★★★☆ « Très bien » — 128 avis
<script>document.cookie = "widget_seen=1; max-age=86400; path=/; SameSite=None; Secure";</script>
</body></html>"""


def widget(req: Request) -> Response | None:
    if req.path == "/embed":
        return _resp(
            WIDGET_HTML,
            headers=[("Set-Cookie", f"widget_uid=w-7; Max-Age={2 * 365 * DAY}; Path=/; SameSite=None; Secure")],
        )
    return None


FBEVENTS_JS = """document.cookie = "_fbp=fb.1.1700000000000.1234567890; max-age=7776000; path=/; SameSite=Lax";
(new Image(1, 1)).src = "https://www.facebook.com/tr/?id=1&ev=PageView";"""
HOTJAR_JS = """document.cookie = "_hjSessionUser_1=eyJpZCI6IjEifQ; max-age=31536000; path=/; SameSite=Lax";
document.cookie = "_hjSession_1=eyJpZCI6IjIifQ; max-age=1800; path=/; SameSite=Lax";"""


def google_analytics(req: Request) -> Response | None:
    if req.path.startswith("/g/collect"):
        return _resp("", status=204)
    return None


def facebook_connect(req: Request) -> Response | None:
    if req.path == "/en_US/fbevents.js":
        return _resp(FBEVENTS_JS, content_type="application/javascript")
    return None


def facebook(req: Request) -> Response | None:
    if req.path.startswith("/tr"):
        return _resp(PIXEL, content_type="image/gif", headers=[
            ("Set-Cookie",
             f"fr=0abc.1700000000; Max-Age={90 * DAY}; Domain=facebook.com; Path=/; SameSite=None; Secure")])
    return None


def hotjar(req: Request) -> Response | None:
    if req.path == "/c/hotjar-1.js":
        return _resp(HOTJAR_JS, content_type="application/javascript")
    return None


def cdn(req: Request) -> Response | None:
    if req.path == "/lib.js":
        return _resp("window.fixtureLib = {version: '1.0'};", content_type="application/javascript")
    return None


def external(req: Request) -> Response | None:
    return _resp("<!doctype html><title>Partenaire</title><p>Un autre site.</p>")


ROUTES: dict[str, Callable[[Request], Response | None]] = {
    SHOP: shop,
    TRACKER: tracker,
    ADS: ads,
    WIDGET: widget,
    CDN: cdn,
    EXTERNAL: external,
    "www.google-analytics.com": google_analytics,
    "connect.facebook.net": facebook_connect,
    "www.facebook.com": facebook,
    "static.hotjar.com": hotjar,
}

# Cookies that appear only after the visitor accepted (the banner's consent-gated scripts), and the
# tracker the shop wrongly still calls after a refusal (its pixel sets ``fr`` in every state).
ACCEPT_ONLY_COOKIES = ("_fbp", "_hjSessionUser_1", "_hjSession_1")
REJECT_STILL_CONTACTS = "facebook.com"

# What a "before" scan of the shop home page must find: name -> (registrable domain, party,
# requested lifetime in days or None for a session cookie, how it was set).
EXPECTED_COOKIES: dict[str, tuple[str, str, float | None, str]] = {
    "session_id": (SHOP, "first", None, "header"),
    "lang": (SHOP, "first", 365, "header"),
    "cart_id": (SHOP, "first", 30, "header"),
    "shop_pref": (SHOP, "first", 180, "header"),
    "_ga": (SHOP, "first", 730, "document.cookie"),
    "_ga_FIXTURE": (SHOP, "first", 390, "document.cookie"),
    "cs_probe": (SHOP, "first", None, "document.cookie"),
    "late_visit": (SHOP, "first", 3600 / DAY, "document.cookie"),
    "trk_uid": (TRACKER, "third", 730, "header"),
    "trk_seen": (TRACKER, "third", 1, "header"),
    "ad_uid": (ADS, "third", 390, "header"),
    "ad_legacy": (ADS, "third", 30, "header"),
    "widget_uid": (WIDGET, "third", 730, "header"),
    "widget_seen": (WIDGET, "third", 1, "document.cookie"),
}
