"""Consent fixture sites: real consent-manager libraries, home-made banners and broken ones.

The libraries are not vendored here: the test-suite installs pinned versions from npm
(``tests/fixtures/cmp/package.json``) and passes that ``node_modules`` folder to :func:`make_routes`,
which serves it under ``/vendor/`` on every consent site. Each site gates two trackers behind its
consent manager's own mechanism, so an accept shows them and a reject must not:

* ``fx_analytics_id`` — first-party analytics identifier written through ``document.cookie``;
* ``fx_ad_uid`` — a third-party ``SameSite=None; Secure`` cookie set by a pixel on
  ``cmp-tracker-fixture.net``.

Sites (``SITES`` maps name -> URL):

===================  ===========================================================================
cookieconsent        orestbida ``vanilla-cookieconsent`` v3, FR + EN (browser language), reject on
                     the first layer; hides itself from bots (``navigator.webdriver``)
klaro                ``klaro`` in German, decline hidden: reject only on the second layer
                     (untick the services and save)
tarteaucitron        ``tarteaucitronjs`` in French, "Tout refuser" on the first layer
bandeau (FR)         home-made: "J'accepte" / "Paramétrer", pre-ticked toggles + "Valider mes choix"
banner (DE)          home-made in an open shadow root: "Alle akzeptieren" / "Alle ablehnen"
odd                  home-made with icon-only buttons: only config selectors can operate it
throws               a banner whose "Accept all" handler throws (the click fails)
plain                no banner at all
===================  ===========================================================================
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cookiescan.demo.server import Request, Response

COOKIECONSENT = "cmp-cookieconsent.com"
KLARO = "cmp-klaro.com"
TARTEAUCITRON = "cmp-tarteaucitron.com"
HOMEMADE_FR = "bandeau-fixture.fr"
HOMEMADE_DE = "banner-fixture.de"
BROKEN = "consent-errors-fixture.com"
LATE = "late-banner-fixture.com"
TRACKER = "cmp-tracker-fixture.net"

ANALYTICS_COOKIE = "fx_analytics_id"
MARKETING_COOKIE = "fx_ad_uid"
TRACKING_COOKIES = (ANALYTICS_COOKIE, MARKETING_COOKIE)

SITES = {
    "cookieconsent": f"https://{COOKIECONSENT}/",
    "klaro": f"https://{KLARO}/",
    "tarteaucitron": f"https://{TARTEAUCITRON}/",
    "homemade-fr": f"https://{HOMEMADE_FR}/",
    "homemade-de": f"https://{HOMEMADE_DE}/",
    "odd": f"https://{HOMEMADE_FR}/odd",
    "throws": f"https://{BROKEN}/throws",
    "plain": f"https://{BROKEN}/plain",
    "late-timer": f"https://{LATE}/timer",
    "late-script": f"https://{LATE}/slow-script",
}

# Only these packages are served from node_modules (their licences allow it: MIT, BSD-3-Clause).
VENDOR_PACKAGES = ("vanilla-cookieconsent", "klaro", "tarteaucitronjs")

Handler = Callable[["Request"], "Response | None"]

# The two trackers every site gates. Analytics: 395 days = 13 months, the CNIL benchmark.
ANALYTICS_JS = f'document.cookie = "{ANALYTICS_COOKIE}=FX1." + Date.now() + "; max-age=34128000; path=/; SameSite=Lax";'
MARKETING_JS = f'new Image(1, 1).src = "https://{TRACKER}/pixel.gif?site=" + encodeURIComponent(location.hostname);'

GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def _resp(*args: object, **kwargs: object) -> Response:
    from cookiescan.demo.server import Response

    return Response(*args, **kwargs)  # type: ignore[arg-type]


def _page(title: str, body: str, *, lang: str = "en", head: str = "") -> Response:
    return _resp(f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#1d2330}}</style>{head}</head>
<body><h1>{title}</h1><p>A consent fixture page of the cookiescan test-suite.</p>
<p><a href="/about">About</a></p>
{body}
</body></html>""")


# -- vendor files -------------------------------------------------------------------------------------


def vendor_file(node_modules: Path, rel: str) -> Path | None:
    """The file ``rel`` (relative to ``node_modules``) if it is inside one of ``VENDOR_PACKAGES``
    and exists; ``None`` for anything else — ``..``, absolute paths, symlinks out, other packages."""
    root = node_modules.resolve()
    if not rel or rel.startswith(("/", "\\")) or "\\" in rel or "\x00" in rel:
        return None
    package = rel.split("/", 1)[0]
    if package not in VENDOR_PACKAGES:
        return None
    try:
        target = (root / rel).resolve()
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(root / package) or not target.is_file():
        return None
    return target


def _vendor(node_modules: Path, req: Request) -> Response | None:
    rel = req.path.removeprefix("/vendor/")
    target = vendor_file(node_modules, rel)
    if target is None:
        return None
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if ctype in ("text/javascript", "application/javascript", "text/css"):
        ctype += "; charset=utf-8"
    return _resp(target.read_bytes(), content_type=ctype)


def _common(node_modules: Path, req: Request) -> Response | None:
    if req.path.startswith("/vendor/"):
        return _vendor(node_modules, req)
    if req.path == "/favicon.ico":
        return _resp(b"", status=204, content_type="image/x-icon")
    return None


# -- vanilla-cookieconsent v3 ------------------------------------------------------------------------

CC_CONFIG = {
    "categories": {"necessary": {"enabled": True, "readOnly": True}, "analytics": {}, "marketing": {}},
    "guiOptions": {"consentModal": {"layout": "box", "position": "bottom right"}},
    "language": {
        "default": "en",
        "autoDetect": "browser",
        "translations": {
            "en": {
                "consentModal": {
                    "title": "We use cookies",
                    "description": "We use cookies for audience measurement and advertising.",
                    "acceptAllBtn": "Accept all",
                    "acceptNecessaryBtn": "Reject all",
                    "showPreferencesBtn": "Manage preferences",
                },
                "preferencesModal": {
                    "title": "Cookie preferences",
                    "acceptAllBtn": "Accept all",
                    "acceptNecessaryBtn": "Reject all",
                    "savePreferencesBtn": "Save preferences",
                    "sections": [
                        {"title": "Strictly necessary", "linkedCategory": "necessary"},
                        {"title": "Audience measurement", "linkedCategory": "analytics"},
                        {"title": "Advertising", "linkedCategory": "marketing"},
                    ],
                },
            },
            "fr": {
                "consentModal": {
                    "title": "Nous utilisons des cookies",
                    "description": "Nous utilisons des cookies pour la mesure d'audience et la publicité.",
                    "acceptAllBtn": "Tout accepter",
                    "acceptNecessaryBtn": "Tout refuser",
                    "showPreferencesBtn": "Gérer mes choix",
                },
                "preferencesModal": {
                    "title": "Préférences cookies",
                    "acceptAllBtn": "Tout accepter",
                    "acceptNecessaryBtn": "Tout refuser",
                    "savePreferencesBtn": "Enregistrer mes choix",
                    "sections": [
                        {"title": "Strictement nécessaires", "linkedCategory": "necessary"},
                        {"title": "Mesure d'audience", "linkedCategory": "analytics"},
                        {"title": "Publicité", "linkedCategory": "marketing"},
                    ],
                },
            },
        },
    },
}


def cookieconsent_site(node_modules: Path) -> Handler:
    def handler(req: Request) -> Response | None:
        common = _common(node_modules, req)
        if common is not None or req.path.startswith("/vendor/"):
            return common
        if req.path not in ("/", "/about"):
            return None
        body = f"""
<script type="text/plain" data-category="analytics">{ANALYTICS_JS}</script>
<script type="text/plain" data-category="marketing">{MARKETING_JS}</script>
<script src="/vendor/vanilla-cookieconsent/dist/cookieconsent.umd.js"></script>
<script>CookieConsent.run({json.dumps(CC_CONFIG)});</script>"""
        head = '<link rel="stylesheet" href="/vendor/vanilla-cookieconsent/dist/cookieconsent.css">'
        return _page("CookieConsent fixture", body, head=head)

    return handler


# -- klaro (German; decline hidden, so reject needs the second layer) --------------------------------

KLARO_CONFIG = {
    "version": 1,
    "elementID": "klaro",
    "storageMethod": "cookie",
    "cookieName": "klaro",
    "cookieExpiresAfterDays": 180,
    "default": False,
    "mustConsent": False,
    "acceptAll": True,
    "hideDeclineAll": True,
    "hideLearnMore": False,
    "noticeAsModal": False,
    "lang": "de",
    "translations": {
        "de": {
            "privacyPolicyUrl": "/datenschutz",
            "consentNotice": {"description": "Wir verwenden Cookies für Besuchermessung und Werbung. {purposes}"},
            "purposes": {"analytics": "Besuchermessung", "marketing": "Werbung"},
        },
    },
    "services": [
        {"name": "fxanalytics", "title": "Besuchermessung", "purposes": ["analytics"],
         "cookies": [ANALYTICS_COOKIE]},
        {"name": "fxads", "title": "Werbepartner", "purposes": ["marketing"], "cookies": []},
    ],
}


def klaro_site(node_modules: Path) -> Handler:
    def handler(req: Request) -> Response | None:
        common = _common(node_modules, req)
        if common is not None or req.path.startswith("/vendor/"):
            return common
        if req.path not in ("/", "/about", "/datenschutz"):
            return None
        body = f"""
<script type="text/plain" data-type="application/javascript" data-name="fxanalytics">{ANALYTICS_JS}</script>
<script type="text/plain" data-type="application/javascript" data-name="fxads">{MARKETING_JS}</script>
<script>var klaroConfig = {json.dumps(KLARO_CONFIG)};</script>
<script defer src="/vendor/klaro/dist/klaro.js"></script>"""
        return _page("Klaro Testseite", body, lang="de")

    return handler


# -- tarteaucitron.js (French) ------------------------------------------------------------------------

TAC_INIT = {
    "privacyUrl": "/confidentialite",
    "hashtag": "#tarteaucitron",
    "cookieName": "tarteaucitron",
    "orientation": "bottom",
    "groupServices": False,
    "showAlertSmall": False,
    "cookieslist": False,
    "showIcon": False,
    "adblocker": False,
    "DenyAllCta": True,
    "AcceptAllCta": True,
    "highPrivacy": True,
    "handleBrowserDNTRequest": False,
    "removeCredit": True,
    "moreInfoLink": False,
    "useExternalCss": False,
    "useExternalJs": False,
    "mandatory": True,
    "mandatoryCta": False,
    "googleConsentMode": False,
    "bingConsentMode": False,
    "pianoConsentMode": False,
    "softConsentMode": False,
    "partnersList": False,
}


def tarteaucitron_site(node_modules: Path) -> Handler:
    def handler(req: Request) -> Response | None:
        common = _common(node_modules, req)
        if common is not None or req.path.startswith("/vendor/"):
            return common
        if req.path not in ("/", "/about", "/confidentialite"):
            return None
        body = f"""
<script>var tarteaucitronForceLanguage = "fr";</script>
<script src="/vendor/tarteaucitronjs/tarteaucitron.js"></script>
<script>
tarteaucitron.services.fxanalytics = {{
  key: "fxanalytics", type: "analytic", name: "Mesure d'audience Fixture", needConsent: true,
  cookies: ["{ANALYTICS_COOKIE}"], uri: "https://{TARTEAUCITRON}/confidentialite", readmoreLink: "",
  js: function () {{ "use strict"; {ANALYTICS_JS} }}, fallback: function () {{ "use strict"; }}
}};
tarteaucitron.services.fxads = {{
  key: "fxads", type: "ads", name: "Régie publicitaire Fixture", needConsent: true,
  cookies: [], uri: "https://{TRACKER}/", readmoreLink: "",
  js: function () {{ "use strict"; {MARKETING_JS} }}, fallback: function () {{ "use strict"; }}
}};
tarteaucitron.init({json.dumps(TAC_INIT)});
(tarteaucitron.job = tarteaucitron.job || []).push("fxanalytics");
tarteaucitron.job.push("fxads");
</script>"""
        return _page("Tarteaucitron — site de test", body, lang="fr")

    return handler


# -- home-made banners (no library: only the heuristic or config selectors can operate them) ---------

HOMEMADE_JS = f"""
(function () {{
  function track(what) {{
    if (what.indexOf("analytics") >= 0) {{ {ANALYTICS_JS} }}
    if (what.indexOf("marketing") >= 0) {{ {MARKETING_JS} }}
  }}
  function choose(root, banner, choice) {{
    document.cookie = "fx_choice=" + encodeURIComponent(choice) + "; max-age=15768000; path=/; SameSite=Lax";
    banner.hidden = true;
    track(choice);
  }}
  window.fxBanner = function (root, ids) {{
    var m = document.cookie.match(/(?:^|; )fx_choice=([^;]*)/);
    var banner = root.getElementById(ids.banner);
    if (m) {{ track(decodeURIComponent(m[1])); return; }}
    banner.hidden = false;
    function on(id, fn) {{ var el = root.getElementById(id); if (el) el.addEventListener("click", fn); }}
    on(ids.accept, function () {{ choose(root, banner, "analytics+marketing"); }});
    on(ids.reject, function (e) {{ e.preventDefault(); choose(root, banner, "none"); }});
    on(ids.settings, function () {{ root.getElementById(ids.layer2).hidden = false; }});
    on(ids.save, function () {{
      var boxes = banner.querySelectorAll("input:checked:not([disabled])");
      var picked = Array.prototype.map.call(boxes, function (i) {{ return i.name; }});
      choose(root, banner, picked.join("+") || "none");
    }});
  }};
}})();
"""

BANNER_CSS = ("position:fixed;left:0;right:0;bottom:0;background:#fff;border-top:3px solid #234;"
              "padding:1rem 2rem;box-shadow:0 -4px 16px rgba(0,0,0,.15)")

# French: accept on the first layer, no reject there; the second layer has pre-ticked toggles.
FR_BANNER = f"""<div id="choix-traceurs" role="dialog" aria-label="Gestion des traceurs" hidden style="{BANNER_CSS}">
<p><strong>Vos choix</strong><br>Nous utilisons des traceurs pour mesurer l'audience et personnaliser la
publicité. <a href="/confidentialite">Politique de confidentialité</a></p>
<button id="fr-oui" type="button">J'accepte</button>
<button id="fr-param" type="button">Paramétrer</button>
<div id="fr-couche2" hidden>
<label><input type="checkbox" name="analytics" checked> Mesure d'audience</label>
<label><input type="checkbox" name="marketing" checked> Publicité personnalisée</label>
<label><input type="checkbox" name="necessary" checked disabled> Nécessaires</label>
<button id="fr-valider" type="button">Valider mes choix</button></div></div>"""

# Icon-only buttons: no lexicon can read them, config selectors must say which is which.
ODD_BANNER = f"""<div id="cookie-box" hidden style="{BANNER_CSS}">
<p>Cookies? <span aria-hidden="true">🍪</span></p>
<button id="thumb-up" type="button">👍</button> <button id="thumb-down" type="button">👎</button></div>"""

# German, inside an open shadow root (as web-component banners do).
DE_HOST = """<consent-box></consent-box>
<script>
(function () {
  var host = document.querySelector("consent-box");
  var root = host.attachShadow({mode: "open"});
  root.innerHTML = '<div id="hinweis" class="datenschutz-hinweis" hidden style="BANNER_CSS">' +
    '<p><strong>Datenschutz</strong><br>Wir verwenden Cookies, um die Nutzung zu messen und Werbung zu zeigen.</p>' +
    '<button id="de-ja" type="button">Alle akzeptieren</button> ' +
    '<button id="de-nein" type="button">Alle ablehnen</button> ' +
    '<button id="de-einst" type="button">Einstellungen</button>' +
    '<div id="de-ebene2" hidden><label><input type="checkbox" name="analytics"> Statistik</label>' +
    '<button id="de-speichern" type="button">Speichern</button></div></div>';
  fxBanner(root, {banner: "hinweis", accept: "de-ja", reject: "de-nein", settings: "de-einst",
                  layer2: "de-ebene2", save: "de-speichern"});
})();
</script>""".replace("BANNER_CSS", BANNER_CSS)


def homemade_fr_site(req: Request) -> Response | None:
    ids = {"banner": "choix-traceurs", "accept": "fr-oui", "settings": "fr-param", "layer2": "fr-couche2",
           "save": "fr-valider"}
    if req.path in ("/", "/about", "/confidentialite"):
        body = f"{FR_BANNER}<script>{HOMEMADE_JS}</script><script>fxBanner(document, {json.dumps(ids)});</script>"
        return _page("Bandeau maison", body, lang="fr")
    if req.path == "/odd":
        odd = {"banner": "cookie-box", "accept": "thumb-up", "reject": "thumb-down"}
        body = f"{ODD_BANNER}<script>{HOMEMADE_JS}</script><script>fxBanner(document, {json.dumps(odd)});</script>"
        return _page("Bandeau à icônes", body, lang="fr")
    return None


def homemade_de_site(req: Request) -> Response | None:
    if req.path in ("/", "/about"):
        return _page("Hausgemachtes Banner", f"<script>{HOMEMADE_JS}</script>{DE_HOST}", lang="de")
    return None


THROWS_BANNER = f"""<div id="consent-notice" class="cookie-notice" style="{BANNER_CSS}">
<p>This site uses cookies for analytics.</p>
<button id="ok" type="button">Accept all</button> <button id="no" type="button">Reject all</button></div>
<script>
document.getElementById("ok").addEventListener("click", function () {{
  throw new Error("consent storage unavailable");
}});
document.getElementById("no").addEventListener("click", function () {{
  throw new Error("consent storage unavailable");
}});
</script>"""


def broken_site(req: Request) -> Response | None:
    if req.path == "/throws":
        return _page("Broken banner", THROWS_BANNER)
    if req.path in ("/plain", "/about"):
        return _page("No banner here", "<p>No cookies, no banner.</p>")
    return None


# A banner that shows up late: built by a script, either after a timer or once a slow CMP script arrives.
LATE_JS = f"""
function showLateBanner() {{
  var box = document.createElement("div");
  box.id = "late-consent";
  box.setAttribute("role", "dialog");
  box.setAttribute("style", "{BANNER_CSS}");
  box.innerHTML = '<p>We use cookies to measure the audience.</p>' +
    '<button type="button" id="late-yes">Accept all</button> <button type="button" id="late-no">Reject all</button>';
  document.body.appendChild(box);
  function choose(v) {{ document.cookie = "late_choice=" + v + "; max-age=15552000; path=/"; box.remove(); }}
  document.getElementById("late-yes").onclick = function () {{ choose("all"); }};
  document.getElementById("late-no").onclick = function () {{ choose("none"); }};
}}
"""


def late_site(req: Request) -> Response | None:
    if req.path == "/timer":
        return _page("Late banner (timer)", f"<p>Banner in 3.5 s.</p><script>{LATE_JS}</script>"
                                            "<script>setTimeout(showLateBanner, 3500);</script>")
    if req.path == "/slow-script":
        return _page("Late banner (slow CMP)", '<p>The CMP script takes 3 s.</p><script src="/cmp.js" async></script>')
    if req.path == "/cmp.js":
        return _resp(LATE_JS + "showLateBanner();", content_type="application/javascript", delay=3.0)
    return None


def tracker_site(req: Request) -> Response | None:
    if req.path == "/pixel.gif":
        return _resp(GIF, content_type="image/gif", headers=[
            ("Set-Cookie", f"{MARKETING_COOKIE}=ad-1; Max-Age={390 * 86400}; Path=/; SameSite=None; Secure")])
    return None


def make_routes(node_modules: Path) -> dict[str, Handler]:
    """Routes for :class:`~cookiescan.demo.server.FixtureWeb`, serving the consent-manager libraries
    from ``node_modules`` (the folder ``npm ci`` made from ``tests/fixtures/cmp``). Combine with the
    shop: ``FixtureWeb({**sites.ROUTES, **make_routes(path)})``."""
    node_modules = Path(node_modules)
    return {
        COOKIECONSENT: cookieconsent_site(node_modules),
        KLARO: klaro_site(node_modules),
        TARTEAUCITRON: tarteaucitron_site(node_modules),
        HOMEMADE_FR: homemade_fr_site,
        HOMEMADE_DE: homemade_de_site,
        BROKEN: broken_site,
        LATE: late_site,
        TRACKER: tracker_site,
    }
