"""Consent banners: find the banner, record what its first layer offers, and click accept or reject.

Three engines, in this order of authority:

1. **config** — CSS selectors from the scan config (``consent.accept/reject/settings``) override
   the others for the action they name (``settings`` opens the second layer).
2. **autoconsent** — DuckDuckGo's autoconsent rules (hundreds of consent managers). Its content
   script is injected into the page and its frames and driven from Python over its message protocol:
   the script sends ``init`` and we answer ``initResp`` with the config and rules; it reports
   ``cmpDetected`` / ``popupFound``; we send ``optIn`` / ``optOut`` and wait for
   ``optInResult`` / ``optOutResult`` / ``autoconsentDone``. Messages reach Python through one
   context binding (:data:`BINDING`).
3. **heuristic** — visible buttons, links and ``[role=button]`` in the page, its frames and open
   shadow roots, read against a lexicon (:data:`LEXICON`, FR EN DE ES IT NL), preferring controls
   inside something that looks like a consent banner.

Whatever engine acts, the heuristic reading of the first layer gives ``accept_on_first_layer`` /
``reject_on_first_layer`` (in every state, ``before`` included), and a screenshot is taken before
any click. Site behaviour (a click that fails, a consent manager that throws, no banner at all) is
recorded in the :class:`~cookiescan.models.BannerResult`, never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import unicodedata
import weakref
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cookiescan.config import ConsentSelectors
from cookiescan.models import BannerResult

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from playwright.async_api import BrowserContext, ElementHandle, Frame, Page

log = logging.getLogger("cookiescan.consent")

BINDING = "__cookiescan_autoconsent"
MAX_FRAMES = 12  # frames scanned / injected per page (ad-heavy pages have dozens of iframes)
CLICK_TIMEOUT = 3.0  # seconds for one click
MIN_BANNER_WAIT = 2.0  # seconds a banner is waited for even on a page that looks idle
SETTLE_TIMEOUT = 3.0  # seconds to wait for a banner or a second layer to change after a click
EVAL_TIMEOUT = 5.0
ACTION_TIMEOUT = 10.0  # seconds autoconsent may take to opt in / out

# -- the lexicon --------------------------------------------------------------------------------------
# Whole labels (after normalising case, accents kept, apostrophes and spaces unified). A label also
# matches when it starts with a phrase followed by a separator ("Accepter et fermer").
# Categories are tried in the order of ORDER, so "Accept selected" is a save and "Accept only
# necessary" a reject, not an accept.
LEXICON: dict[str, tuple[str, ...]] = {
    "save": (
        # fr
        "enregistrer", "enregistrer mes choix", "enregistrer et fermer", "enregistrer mes préférences",
        "valider", "valider mes choix", "valider la sélection", "confirmer mes choix", "confirmer",
        "accepter la sélection", "accepter sélectionné", "sauvegarder",
        # en
        "save", "save preferences", "save settings", "save my choices", "save my preferences", "save and close",
        "save & exit", "save choices", "confirm my choices", "confirm choices", "confirm selection",
        "confirm", "accept selected", "accept selection", "allow selection",
        # de
        "speichern", "auswahl speichern", "einstellungen speichern", "auswahl bestätigen",
        "ausgewählte akzeptieren", "auswahl erlauben", "speichern und schließen",
        # es
        "guardar", "guardar preferencias", "guardar configuración", "guardar y salir", "confirmar",
        "confirmar selección", "aceptar selección",
        # it
        "salva", "salva le preferenze", "salva e chiudi", "salva impostazioni", "conferma le scelte",
        "accetta selezionati",
        # nl
        "opslaan", "voorkeuren opslaan", "keuze opslaan", "instellingen opslaan", "selectie toestaan",
    ),
    "reject": (
        # fr
        "tout refuser", "refuser", "refuser tout", "je refuse", "refuser et fermer", "refuser les cookies",
        "continuer sans accepter", "non merci", "refuser tous les cookies", "uniquement les cookies nécessaires",
        "cookies nécessaires uniquement", "accepter uniquement les cookies nécessaires",
        # en
        "reject", "reject all", "reject all cookies", "reject cookies", "decline", "decline all",
        "i decline", "deny", "deny all", "refuse", "refuse all", "no thanks", "no, thanks", "disagree",
        "necessary only", "only necessary", "strictly necessary only", "accept only necessary",
        "accept necessary", "accept necessary cookies", "use necessary cookies only", "allow necessary only",
        "continue without accepting", "essential cookies only", "only essential cookies",
        # de
        "alle ablehnen", "ablehnen", "ich lehne ab", "cookies ablehnen", "nur notwendige",
        "nur notwendige cookies", "nur essenzielle cookies", "nur erforderliche cookies",
        "weiter ohne einwilligung", "nicht einverstanden",
        # es
        "rechazar", "rechazar todo", "rechazar todas", "rechazar cookies", "no acepto", "denegar",
        "solo necesarias", "continuar sin aceptar",
        # it
        "rifiuta", "rifiuta tutto", "rifiuta tutti", "rifiuto", "continua senza accettare", "solo necessari",
        "nega",
        # nl
        "alles weigeren", "weigeren", "alle cookies weigeren", "afwijzen", "alles afwijzen",
        "alleen noodzakelijke", "alleen noodzakelijke cookies", "niet akkoord",
    ),
    "settings": (
        # fr
        "personnaliser", "paramétrer", "paramètres", "paramètres des cookies", "gérer mes choix",
        "gérer les cookies", "gérer mes préférences", "gérer les préférences", "préférences",
        "laissez-moi choisir", "je choisis", "plus d'options", "choisir",
        # en
        "manage options", "manage preferences", "manage cookies", "manage settings", "manage choices",
        "cookie settings", "cookies settings", "cookie preferences", "customize", "customise",
        "preferences", "settings", "more options", "let me choose", "options", "show purposes",
        # de
        "einstellungen", "cookie-einstellungen", "anpassen", "lassen sie mich wählen", "mehr optionen",
        "optionen verwalten", "individuelle einstellungen", "details anzeigen", "auswählen",
        # es
        "configurar", "configuración", "personalizar", "preferencias", "gestionar cookies",
        "más opciones", "configurar cookies",
        # it
        "personalizza", "gestisci", "gestisci preferenze", "impostazioni", "preferenze", "più opzioni",
        # nl
        "instellingen", "aanpassen", "voorkeuren", "cookie-instellingen", "meer opties",
    ),
    "accept": (
        # fr
        "tout accepter", "accepter tout", "accepter", "j'accepte", "accepter et fermer", "accepter & fermer",
        "accepter les cookies", "accepter tous les cookies", "ok pour moi", "c'est bon", "d'accord",
        "accepter et continuer", "oui",
        # en
        "accept", "accept all", "accept all cookies", "accept cookies", "allow all", "allow all cookies",
        "allow cookies", "allow", "i accept", "i agree", "agree", "agree and close", "agree & close",
        "got it", "ok", "okay", "that's ok", "yes", "accept and close", "accept & close",
        "accept and continue",
        # de
        "alle akzeptieren", "akzeptieren", "alle cookies akzeptieren", "cookies akzeptieren", "zustimmen",
        "alle zulassen", "alle erlauben", "einverstanden", "ich stimme zu", "das ist ok", "annehmen",
        "alle annehmen", "akzeptieren und schließen",
        # es
        "aceptar", "aceptar todo", "aceptar todas", "aceptar todas las cookies", "acepto", "aceptar cookies",
        "permitir todas", "de acuerdo", "aceptar y cerrar",
        # it
        "accetta", "accetta tutto", "accetta tutti", "accetto", "accetta tutti i cookie", "consenti tutti",
        "accetta e chiudi", "acconsento",
        # nl
        "alles accepteren", "accepteren", "akkoord", "alle cookies accepteren", "toestaan", "alles toestaan",
        "cookies accepteren", "ik ga akkoord",
    ),
}
ORDER = ("save", "reject", "settings", "accept")
_SEPARATORS = " &+-–—,:;(/|!."


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and spaces, drop symbols at both ends (✓, ×, emoji, »)."""
    t = unicodedata.normalize("NFC", text or "").replace("’", "'").replace("`", "'").replace("\u00a0", " ")
    t = re.sub(r"\s+", " ", t).strip().lower()
    return t.strip(" \t\n.!»«›‹>→✓✔×✕·•*\"'").strip()


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[str, ...]]:
    # longest phrases first so "accept all cookies" wins its own category before "accept"
    return {k: tuple(sorted({normalise(p) for p in v}, key=len, reverse=True)) for k, v in LEXICON.items()}


def classify(text: str) -> str | None:
    """The role of a control from its label: "save" | "reject" | "settings" | "accept" | None."""
    t = normalise(text)
    if not t or len(t) > 60:
        return None
    lexicon = _lexicon()
    for kind in ORDER:
        for phrase in lexicon[kind]:
            if t == phrase or (t.startswith(phrase) and t[len(phrase)] in _SEPARATORS):
                return kind
    return None


def mentions_cookies(text: str) -> bool:
    return bool(re.search(r"cookie|traceur|tracker", text, re.I))


# -- page-side scripts ------------------------------------------------------------------------------

SCAN_JS = r"""
() => {
  const BANNER_ATTR = new RegExp(['cookie|consent|gdpr|rgpd|dsgvo|\\bcmp\\b|cmp[-_]|banner|bandeau|privacy',
    'datenschutz|tarteaucitron|klaro|didomi|onetrust|cookiebot|usercentrics|traceur|tracker|\\bcc[-_]'].join('|'), 'i');
  const BANNER_TEXT = new RegExp(['cookie|consent|traceur|tracker|datenschutz|privacy|confidentialit|vie priv|gdpr',
    'rgpd|dsgvo|privacidad|riservatezza|einwilligung|zustimmung|consentimiento|toestemming|consenso'].join('|'), 'i');
  const CONTROL = 'button, a, [role=button], [role=link], input[type=button], input[type=submit]';
  const TOGGLE = 'input[type=checkbox], [role=switch], [role=checkbox]';
  const roots = [document];
  const all = [];
  for (let r = 0; r < roots.length && all.length < 30000; r++) {
    for (const el of roots[r].querySelectorAll('*')) {
      all.push(el);
      if (el.shadowRoot) roots.push(el.shadowRoot);
    }
  }
  const parentOf = (el) => {
    if (el.parentElement) return el.parentElement;
    const root = el.getRootNode && el.getRootNode();
    return root instanceof ShadowRoot ? root.host : null;
  };
  const shown = (el) => {
    if (!el || !el.isConnected) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none';
  };
  const label = (el) => {
    let t = (el.innerText || el.value || '').replace(/\s+/g, ' ').trim();
    if (!t) t = (el.getAttribute('aria-label') || el.getAttribute('title') || '').trim();
    return t.slice(0, 100);
  };
  const attrs = (el) => [el.id || '', el.getAttribute('class') || '', el.getAttribute('aria-label') || '',
                         el.tagName.toLowerCase()].join(' ');
  const bannerOf = (el) => {
    let e = parentOf(el), depth = 0, byText = null;
    while (e && depth < 15 && e !== document.body && e !== document.documentElement) {
      if (BANNER_ATTR.test(attrs(e))) return e;
      if (!byText) {
        const role = e.getAttribute('role');
        const t = e.innerText || '';
        const dialog = role === 'dialog' || role === 'alertdialog' || e.tagName === 'DIALOG';
        if ((t.length < 4000 || dialog) && BANNER_TEXT.test(t)) byText = e;
      }
      e = parentOf(e); depth++;
    }
    return byText;
  };
  const controls = [], toggles = [], banners = [];
  const info = [], tinfo = [];
  for (const el of all) {
    if (controls.length >= 400) break;
    if (!el.matches(CONTROL) || !shown(el)) continue;
    const text = label(el);
    if (!text) continue;
    const banner = bannerOf(el);
    let b = -1;
    if (banner) { b = banners.indexOf(banner); if (b < 0) { banners.push(banner); b = banners.length - 1; } }
    controls.push(el);
    info.push({i: controls.length - 1, text, tag: el.tagName.toLowerCase(), link: el.tagName === 'A', banner: b});
  }
  for (const el of all) {
    if (toggles.length >= 100) break;
    if (!el.matches(TOGGLE)) continue;
    const lab = (el.labels && el.labels[0]) || el.closest('label') || parentOf(el);
    if (!shown(el) && !(lab && shown(lab))) continue;
    const banner = bannerOf(el);
    if (!banner) continue;
    const checked = el.matches('input') ? el.checked : el.getAttribute('aria-checked') === 'true';
    const disabled = el.disabled || el.getAttribute('aria-disabled') === 'true'
      || el.getAttribute('aria-readonly') === 'true';
    toggles.push(el);
    tinfo.push({i: toggles.length - 1, text: lab ? label(lab) : '', checked, disabled});
  }
  window.__cookiescanScan = {controls, toggles};
  return {controls: info, toggles: tinfo, banners: banners.length};
}
"""

# Record the label of every control that receives a click, whoever clicks it (autoconsent calls
# element.click(); the capture listener on document sees it before the page's own handlers).
CLICK_RECORDER_JS = r"""
() => {
  if (window.__cookiescanClicks) return true;
  window.__cookiescanClicks = [];
  document.addEventListener('click', (e) => {
    const path = e.composedPath ? e.composedPath() : [e.target];
    const CONTROL = 'button, a, [role=button], [role=switch], [role=checkbox], input, label';
    const el = path.find(n => n instanceof Element && n.matches(CONTROL)) || e.target;
    let t = '';
    if (el instanceof Element) {
      t = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim();
      const lab = el.labels && el.labels[0];
      if ((!t || el.matches('input')) && lab) t = lab.innerText.replace(/\s+/g, ' ').trim();
    }
    window.__cookiescanClicks.push(t.slice(0, 100));
  }, true);
  return true;
}
"""

LABEL_JS = """(e) => (e.innerText || e.value || e.getAttribute('aria-label') || '').replace(/\\s+/g, ' ').trim()"""

RELAY_JS = """
(binding) => {
  const ready = !!window.autoconsentReceiveMessage;
  window.autoconsentSendMessage = (message) => {
    try { window[binding](message); } catch (e) { /* binding gone with the frame */ }
  };
  return ready;
}
"""

SEND_JS = """(message) => { window.autoconsentReceiveMessage(message); return true; }"""
INIT_JS = """
([message, rules]) => {
  message.rules = {autoconsent: JSON.parse(rules)};
  window.autoconsentReceiveMessage(message);
  return true;
}
"""
EVAL_JS = """(code) => { try { return !!(0, eval)(code); } catch (e) { return false; } }"""


def autoconsent_config(detect_retries: int) -> dict[str, Any]:
    """Autoconsent waits for our signal (``autoAction: None``); prehide and cosmetic rules are off
    because hiding a banner is not a consent choice and the screenshot must show it."""
    return {
        "enabled": True,
        "autoAction": None,
        "disabledCmps": [],
        "enablePrehide": False,
        "enableCosmeticRules": False,
        "enableGeneratedRules": True,
        "enableHeuristicDetection": False,
        "enablePopupMutationObserver": False,
        "detectRetries": detect_retries,
        "isMainWorld": True,
        "prehideTimeout": 2000,
        "visualTest": False,
        "logs": {"lifecycle": False, "rulesteps": False, "detectionsteps": False, "evals": False,
                 "errors": False, "messages": False, "waits": False},
        "heuristicMode": "off",
    }


@lru_cache(maxsize=1)
def _all_rules() -> tuple[tuple[dict[str, Any], re.Pattern[str] | None], ...]:
    from duckduckgo_autoconsent import rules_json

    out = []
    for rule in json.loads(rules_json()):
        pattern = (rule.get("runContext") or {}).get("urlPattern")
        compiled = None
        if pattern:
            try:
                compiled = re.compile(pattern)
            except re.error:
                compiled = None  # JS-only syntax: keep the rule, autoconsent checks it itself
        out.append((rule, compiled))
    return tuple(out)


@lru_cache(maxsize=128)
def rules_for(url: str) -> str:
    """The declarative rules that can apply to ``url`` as JSON (site-specific rules for other sites
    are dropped: a fraction of the size to send into every frame)."""
    keep = []
    for rule, pattern in _all_rules():
        has_pattern = bool((rule.get("runContext") or {}).get("urlPattern"))
        if not has_pattern or pattern is None or pattern.search(url):
            keep.append(rule)
    return json.dumps(keep, separators=(",", ":"))


# -- autoconsent driver ------------------------------------------------------------------------------

_DRIVERS: dict[Any, _Autoconsent] = {}  # page -> driver of the apply_consent running on it
_BOUND: weakref.WeakSet[Any] = weakref.WeakSet()  # contexts that carry our binding


async def _on_binding(source: dict[str, Any], message: Any) -> None:
    driver = _DRIVERS.get(source.get("page"))
    if driver is not None and isinstance(message, dict):
        driver.receive(source.get("frame"), message)


async def _ensure_binding(context: BrowserContext) -> None:
    """One binding per context, whatever number of times apply_consent runs on its pages."""
    from playwright.async_api import Error as PlaywrightError

    if context in _BOUND:
        return
    try:
        await context.expose_binding(BINDING, _on_binding)
    except PlaywrightError as exc:
        if "already registered" not in str(exc):
            raise
    _BOUND.add(context)


@dataclass
class _Autoconsent:
    page: Page
    detect_retries: int
    injected: dict[Any, str] = field(default_factory=dict)  # frame -> url injected at
    detected: list[str] = field(default_factory=list)
    popup: tuple[Any, str] | None = None  # (frame, rule name)
    results: list[dict[str, Any]] = field(default_factory=list)
    done: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    lifecycle: dict[Any, str] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def receive(self, frame: Frame | None, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "init" and frame is not None:
            self._spawn(self._init(frame, str(message.get("url") or frame.url)))
        elif kind == "eval" and frame is not None:
            self._spawn(self._eval(frame, message))
        elif kind == "report":
            state = message.get("state") or {}
            self.lifecycle[frame] = str(state.get("lifecycle") or "")
        elif kind == "cmpDetected":
            name = str(message.get("cmp") or "")
            if name and name not in self.detected:
                self.detected.append(name)
        elif kind == "popupFound":
            if self.popup is None:
                self.popup = (frame, str(message.get("cmp") or ""))
        elif kind in ("optInResult", "optOutResult"):
            self.results.append(message)
        elif kind == "autoconsentDone":
            self.done = message
        elif kind == "autoconsentError":
            details = message.get("details") or {}
            self.errors.append(str(details.get("msg") or details)[:200])
        self.changed.set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _init(self, frame: Frame, url: str) -> None:
        message = {"type": "initResp", "config": autoconsent_config(self.detect_retries)}
        with contextlib.suppress(Exception):
            await asyncio.wait_for(frame.evaluate(INIT_JS, [message, rules_for(url)]), EVAL_TIMEOUT)

    async def _eval(self, frame: Frame, message: dict[str, Any]) -> None:
        result: Any = False
        with contextlib.suppress(Exception):
            result = await asyncio.wait_for(frame.evaluate(EVAL_JS, str(message.get("code") or "")), EVAL_TIMEOUT)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(frame.evaluate(SEND_JS, {"type": "evalResp", "id": message.get("id"),
                                                             "result": bool(result)}), EVAL_TIMEOUT)

    async def inject_new_frames(self) -> None:
        """Inject into frames not injected yet (or navigated since); main frame first."""
        from duckduckgo_autoconsent import bundle

        for frame in _frames(self.page):
            url = frame.url
            if self.injected.get(frame) == url:
                continue
            self.injected[frame] = url
            try:
                ready = await asyncio.wait_for(frame.evaluate(RELAY_JS, BINDING), EVAL_TIMEOUT)
                if not ready:
                    await asyncio.wait_for(frame.evaluate(bundle()), EVAL_TIMEOUT)
            except Exception as exc:  # a frame that went away, or a page that breaks the script
                log.debug("autoconsent not injected into %s: %s", url, exc)

    @property
    def gave_up(self) -> bool:
        """The main frame's autoconsent finished looking and found nothing."""
        main = self.page.main_frame
        return self.lifecycle.get(main) == "nothingDetected"

    async def act(self, action: str, timeout: float) -> dict[str, Any] | None:
        """Send optIn/optOut to the frame that showed the popup; the result message, or None."""
        assert self.popup is not None
        frame = self.popup[0]
        wanted = "optInResult" if action == "accept" else "optOutResult"
        self.results.clear()
        await asyncio.wait_for(frame.evaluate(SEND_JS, {"type": "optIn" if action == "accept" else "optOut"}),
                               EVAL_TIMEOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for r in self.results:
                if r.get("type") == wanted:
                    return r
            self.changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.changed.wait(), max(0.05, deadline - time.monotonic()))
        return None

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


# -- reading the page -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Control:
    """A visible clickable thing, where to find it again, and what the lexicon makes of it."""

    frame: Any
    index: int
    text: str
    kind: str | None
    link: bool
    in_banner: bool


@dataclass(frozen=True, slots=True)
class Toggle:
    frame: Any
    index: int
    text: str
    checked: bool
    disabled: bool


@dataclass
class Layer:
    """One reading of the page: the consent controls it shows."""

    controls: list[Control] = field(default_factory=list)
    toggles: list[Toggle] = field(default_factory=list)

    def of(self, kind: str) -> list[Control]:
        return [c for c in self.controls if c.kind == kind]

    def first(self, kind: str) -> Control | None:
        found = self.of(kind)
        return found[0] if found else None

    @property
    def found(self) -> bool:
        return bool(self.of("accept") or self.of("reject"))


def _frames(page: Page) -> list[Frame]:
    out = [page.main_frame]
    for frame in page.frames:
        if frame is page.main_frame or frame.is_detached():
            continue
        if frame.url.startswith(("http:", "https:")):
            out.append(frame)
        if len(out) >= MAX_FRAMES:
            break
    return out


async def read_layer(page: Page) -> Layer:
    """Scan the page and its frames for consent controls. Controls inside a banner-looking
    container win; outside one, only labels that name cookies count ("Accept cookies")."""
    layer = Layer()
    loose: list[Control] = []
    for frame in _frames(page):
        try:
            data = await asyncio.wait_for(frame.evaluate(SCAN_JS), EVAL_TIMEOUT)
        except Exception as exc:
            log.debug("scan failed in %s: %s", frame.url, exc)
            continue
        for c in data.get("controls", []):
            text = str(c.get("text") or "")[:100]
            control = Control(frame, int(c["i"]), text, classify(text), bool(c.get("link")), c.get("banner", -1) >= 0)
            if control.kind is None:
                continue
            if control.in_banner:
                layer.controls.append(control)
            elif mentions_cookies(text):
                loose.append(control)
        for t in data.get("toggles", []):
            layer.toggles.append(Toggle(frame, int(t["i"]), str(t.get("text") or "")[:100], bool(t.get("checked")),
                                        bool(t.get("disabled"))))
    if not layer.controls:
        layer.controls = loose
    return layer


async def _handle(frame: Frame, kind: str, index: int) -> ElementHandle | None:
    handle = await asyncio.wait_for(
        frame.evaluate_handle(f"(i) => (window.__cookiescanScan && window.__cookiescanScan.{kind}[i]) || null", index),
        EVAL_TIMEOUT)
    return handle.as_element()


async def _click(handle: ElementHandle, notes: list[str]) -> None:
    """A real (trusted) click; if something covers the control, a script click."""
    from playwright.async_api import Error as PlaywrightError

    try:
        await handle.click(timeout=CLICK_TIMEOUT * 1000)
    except PlaywrightError as exc:
        if "Target closed" in str(exc) or "detached" in str(exc).lower():
            raise
        notes.append("a control could not be clicked like a visitor would; clicked it by script")
        await asyncio.wait_for(handle.evaluate("(e) => e.click()"), EVAL_TIMEOUT)


async def _gone(handle: ElementHandle) -> bool:
    try:
        return bool(await asyncio.wait_for(handle.evaluate(
            "(e) => !e.isConnected || e.getClientRects().length === 0 || "
            "(e.checkVisibility && !e.checkVisibility({opacityProperty: true, visibilityProperty: true}))"),
            EVAL_TIMEOUT))
    except Exception:
        return True  # the page navigated or the frame went away: the banner is gone with it


async def _wait_gone(handle: ElementHandle, timeout: float = SETTLE_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if await _gone(handle):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.15)


# -- one run ------------------------------------------------------------------------------------------


@dataclass
class _Run:
    page: Page
    state: str
    notes: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    clicks: int = 0
    page_errors: list[str] = field(default_factory=list)

    async def click_control(self, control: Control, *, kind: str = "controls") -> ElementHandle | None:
        handle = await _handle(control.frame, kind, control.index)
        if handle is None:
            raise _SiteError(f"the control {control.text!r} disappeared before it could be clicked")
        await self._click_handle(handle, control.text)
        return handle

    async def _click_handle(self, handle: ElementHandle, text: str) -> None:
        from playwright.async_api import Error as PlaywrightError

        try:
            await _click(handle, self.notes)
        except (PlaywrightError, asyncio.TimeoutError) as exc:
            raise _SiteError(f"clicking {text!r} failed: {_first_line(exc)}") from None
        self.clicks += 1
        if text:
            self.buttons.append(text.strip()[:100])

    async def click_selector(self, selector: str, what: str, *, wait: float = 0.0) -> ElementHandle:
        """Click the first visible element matching a config selector (page or frames; open shadow
        roots are pierced)."""
        deadline = time.monotonic() + wait
        while True:
            handle = await _visible_match(self.page, selector)
            if handle is not None:
                text = ""
                with contextlib.suppress(Exception):
                    text = str(await handle.evaluate(LABEL_JS))
                await self._click_handle(handle, text[:100] or selector[:100])
                return handle
            if time.monotonic() >= deadline:
                raise _SiteError(f"config selector {what}={selector!r} matched no visible element")
            await asyncio.sleep(0.2)


class _SiteError(Exception):
    """Something the site did (or did not do): recorded in BannerResult.error."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


async def _visible_match(page: Page, selector: str) -> ElementHandle | None:
    for frame in _frames(page):
        try:
            loc = frame.locator(selector)
            count = await asyncio.wait_for(loc.count(), EVAL_TIMEOUT)
            for i in range(min(count, 20)):
                item = loc.nth(i)
                if await asyncio.wait_for(item.is_visible(), EVAL_TIMEOUT):
                    return await asyncio.wait_for(item.element_handle(timeout=CLICK_TIMEOUT * 1000), EVAL_TIMEOUT)
        except Exception as exc:  # invalid selector in this frame, or a frame gone
            log.debug("selector %r in %s: %s", selector, frame.url, exc)
    return None


async def apply_consent(page: Page, state: str, selectors: ConsentSelectors, *,
                        screenshot_path: Path | None = None, timeout: float = 10.0,
                        idle: Callable[[], Awaitable[bool]] | None = None) -> BannerResult:
    """Detect the banner on ``page`` and, for ``accept``/``reject``, operate it.

    Waits at most ``timeout`` seconds for a banner (returning as soon as one is found; and, after
    ``MIN_BANNER_WAIT`` s, as soon as ``idle()`` says nothing is pending in the page — no request, no
    short timer — that could still bring one, unless autoconsent recognised a consent manager whose
    popup has not opened yet), records what
    its first layer offers, screenshots the page before any click (to ``screenshot_path``), then
    accepts or rejects all — through the config selectors, autoconsent or the heuristic, in that
    order — counting the clicks. ``before`` only detects. Site behaviour never raises: it ends up
    in ``error`` / ``notes``."""
    from playwright.async_api import Error as PlaywrightError

    run = _Run(page, state)

    def on_page_error(err: Any) -> None:
        run.page_errors.append(_first_line(err) if isinstance(err, BaseException) else str(err)[:300])

    page.on("pageerror", on_page_error)
    driver = _Autoconsent(page, detect_retries=max(1, int(timeout * 2)))
    _DRIVERS[page] = driver
    try:
        return await _apply(run, driver, selectors, screenshot_path, timeout, idle)
    except (PlaywrightError, asyncio.TimeoutError, _SiteError) as exc:
        return BannerResult(state=state, found=False, page_url=_url(page), error=_first_line(exc),
                            notes=tuple(run.notes))
    finally:
        _DRIVERS.pop(page, None)
        with contextlib.suppress(Exception):
            page.remove_listener("pageerror", on_page_error)
        await driver.close()


def _url(page: Page) -> str:
    try:
        return page.url
    except Exception:
        return ""


async def _apply(run: _Run, driver: _Autoconsent, selectors: ConsentSelectors, screenshot_path: Path | None,
                 timeout: float, idle: Callable[[], Awaitable[bool]] | None = None) -> BannerResult:
    page, state = run.page, run.state
    t0 = time.monotonic()
    action = state if state in ("accept", "reject") else None
    config_selector = {"accept": selectors.accept, "reject": selectors.reject}.get(action or "")
    any_config = [s for s in (selectors.accept, selectors.reject, selectors.settings) if s]
    try:
        await _ensure_binding(page.context)
        autoconsent_ok = True
    except Exception as exc:  # a context that refuses bindings: heuristic only
        run.notes.append(f"autoconsent unavailable: {_first_line(exc)}")
        autoconsent_ok = False

    # -- wait for a banner ---------------------------------------------------------------------------
    layer = Layer()
    config_seen = False
    heuristic_since: float | None = None
    deadline = t0 + timeout
    while True:
        if autoconsent_ok:
            await driver.inject_new_frames()
        if driver.popup is not None:
            layer = await read_layer(page)
            break
        if any_config:
            config_seen = any([await _visible_match(page, s) is not None for s in any_config])
        layer = await read_layer(page)
        now = time.monotonic()
        if config_seen and (config_selector or state == "before"):
            break
        if layer.found or config_seen:
            heuristic_since = heuristic_since or now
            # give autoconsent a moment to name the consent manager; it is on it if it detected one
            grace = 3.0 if driver.detected else 1.0
            if driver.gave_up or not autoconsent_ok or now - heuristic_since >= grace:
                break
        if now >= deadline:
            break
        if idle is not None and now - t0 >= MIN_BANNER_WAIT and not driver.detected and not layer.found \
                and not config_seen and await idle():
            run.notes.append(f"the page was idle after {int((now - t0) * 1000)} ms with no banner")
            break
        driver.changed.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(driver.changed.wait(), min(0.5, max(0.05, deadline - now)))

    by_autoconsent = driver.popup is not None
    found = by_autoconsent or layer.found or config_seen
    cmp_name = driver.popup[1] if driver.popup else (driver.detected[0] if driver.detected else None)
    if driver.errors:
        run.notes.extend(f"autoconsent: {e}" for e in driver.errors[:3])
    if not found:
        notes = ["no banner found", *run.notes]
        if cmp_name:
            notes.append(f"autoconsent detected {cmp_name} but no open popup")
        return BannerResult(state=state, found=False, cmp=cmp_name, page_url=_url(page), notes=tuple(notes))
    run.notes.append(f"banner found after {int((time.monotonic() - t0) * 1000)} ms")

    accept_first = bool(layer.of("accept"))
    reject_first = bool(layer.of("reject"))
    if config_seen:
        if selectors.accept and await _visible_match(page, selectors.accept) is not None:
            accept_first = True
        if selectors.reject and await _visible_match(page, selectors.reject) is not None:
            reject_first = True
    accept_c, reject_c = layer.first("accept"), layer.first("reject")
    if accept_c and reject_c and reject_c.link and not accept_c.link:
        run.notes.append(f"reject {reject_c.text!r} is a link while accept {accept_c.text!r} is a button")
    if not layer.controls and by_autoconsent:
        run.notes.append("the banner's controls could not be read (first-layer facts unknown)")
    layer_known = bool(layer.controls) or config_seen

    shot_name = await _screenshot(page, screenshot_path, run.notes)

    method = "config" if config_selector else ("autoconsent" if by_autoconsent else "heuristic")
    if not config_selector and not by_autoconsent and action == "reject" and selectors.settings:
        method = "config"  # the second layer is opened through the config's settings selector
    base = BannerResult(state=state, found=True, page_url=_url(page), screenshot=shot_name,
                        accept_on_first_layer=accept_first if layer_known else None,
                        reject_on_first_layer=reject_first if layer_known else None)
    if action is None:
        return replace(base, cmp=cmp_name or method, method=method, notes=tuple(run.notes))

    error: str | None = None
    succeeded = False
    errors_before = len(run.page_errors)
    try:
        if method == "config":
            succeeded = await _act_config(run, action, selectors, layer)
        elif method == "autoconsent":
            succeeded = await _act_autoconsent(run, driver, action, layer)
            if not succeeded:
                fresh = await read_layer(page)
                if fresh.found:
                    run.notes.append("autoconsent did not finish; tried the heuristic")
                    method = "heuristic"
                    succeeded = await _act_heuristic(run, action, fresh)
        else:
            succeeded = await _act_heuristic(run, action, layer)
    except _SiteError as exc:
        error = str(exc)
    if not succeeded and error is None:
        last = f" after clicking {run.buttons[-1]!r}" if run.buttons else ""
        error = f"could not {action}: the banner was still shown{last}"
    new_errors = run.page_errors[errors_before:]
    if new_errors:
        what = f"page error: {new_errors[0]}"
        if succeeded:
            run.notes.append(what)
        else:
            error = f"{error} ({what})"
    return replace(base, cmp=cmp_name or method, method=method, action=action, succeeded=succeeded,
                   clicks=run.clicks, buttons=tuple(run.buttons), error=error, notes=tuple(run.notes))


async def _screenshot(page: Page, path: Path | None, notes: list[str]) -> str | None:
    if path is None:
        return None
    try:
        data = await page.screenshot(type="png", timeout=10_000)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.name
    except Exception as exc:
        notes.append(f"no screenshot: {_first_line(exc)}")
        return None


# -- acting --------------------------------------------------------------------------------------------


async def _act_autoconsent(run: _Run, driver: _Autoconsent, action: str, layer: Layer) -> bool:
    frames = list(driver.injected)
    for frame in frames:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(frame.evaluate(CLICK_RECORDER_JS), EVAL_TIMEOUT)
    try:
        result = await driver.act(action, ACTION_TIMEOUT)
    except Exception as exc:
        raise _SiteError(f"autoconsent could not {action}: {_first_line(exc)}") from None
    if result is None:
        run.notes.append(f"autoconsent gave no {action} result within {ACTION_TIMEOUT:g} s")
    if result is not None and result.get("result"):
        # wait for autoconsentDone (sent right after a final result) and for the banner to go
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_until(lambda: driver.done is not None, driver), 2.0)
        await _settle_banner(run.page, layer)
    clicked: list[str] = []
    for frame in frames:
        with contextlib.suppress(Exception):
            clicked += await asyncio.wait_for(frame.evaluate("() => window.__cookiescanClicks || []"), EVAL_TIMEOUT)
    run.clicks = len(clicked)
    run.buttons = [t for t in clicked if t]
    ok = bool(result and result.get("result"))
    if ok and run.clicks == 0:
        # the consent manager's own API was used (e.g. klaro): count what a visitor has to click
        first = layer.of(action)
        run.clicks = 1 if first else 2
        run.notes.append("autoconsent applied the choice through the consent manager's JavaScript API; "
                         f"clicks = {run.clicks}, the controls a visitor needs"
                         + ("" if first else " (settings, then the choice on the second layer)"))
    if not ok and result is not None:
        run.notes.append(f"autoconsent rule {result.get('cmp')!r} reported failure")
    return ok


async def _until(cond: Any, driver: _Autoconsent) -> None:
    while not cond():
        driver.changed.clear()
        await driver.changed.wait()


async def _settle_banner(page: Page, before: Layer, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait (bounded) until the accept/reject controls seen before have gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = await read_layer(page)
        if not now.found:
            return
        await asyncio.sleep(0.2)


async def _click_and_wait_gone(run: _Run, control: Control) -> bool:
    """Click ``control``; True once it has gone from the page (or when it could not be followed)."""
    handle = await run.click_control(control)
    return await _wait_gone(handle) if handle is not None else True


async def _act_heuristic(run: _Run, action: str, layer: Layer) -> bool:
    target = layer.first(action)
    if target is not None:
        return await _click_and_wait_gone(run, target)
    # not on the first layer: open the settings
    settings = layer.first("settings")
    if settings is None:
        raise _SiteError(f"no {action} control on the first layer and no settings control to find one")
    await run.click_control(settings)
    return await _second_layer(run, action, seen={c.text for c in layer.controls})


async def _second_layer(run: _Run, action: str, seen: set[str]) -> bool:
    """On the second layer: the all-button for the action; for reject, failing that, untick every
    optional toggle and save."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    layer = Layer()
    while time.monotonic() < deadline:
        layer = await read_layer(run.page)
        if layer.of(action) or layer.of("save"):
            break
        await asyncio.sleep(0.2)
    target = layer.first(action)
    if target is not None:
        return await _click_and_wait_gone(run, target)
    save = layer.first("save")
    if save is None:
        raise _SiteError(f"the second layer offers no {action} control and no save control")
    if action == "reject":
        unticked = 0
        for toggle in layer.toggles:
            if toggle.checked and not toggle.disabled:
                handle = await _handle(toggle.frame, "toggles", toggle.index)
                if handle is not None:
                    await run._click_handle(handle, toggle.text)
                    unticked += 1
        run.notes.append(f"reject on the second layer: unticked {unticked} option(s), then saved")
    else:
        for toggle in layer.toggles:
            if not toggle.checked and not toggle.disabled:
                handle = await _handle(toggle.frame, "toggles", toggle.index)
                if handle is not None:
                    await run._click_handle(handle, toggle.text)
    handle = await run.click_control(save)
    return await _wait_gone(handle) if handle is not None else True


async def _act_config(run: _Run, action: str, selectors: ConsentSelectors, layer: Layer) -> bool:
    own = selectors.accept if action == "accept" else selectors.reject
    if own and await _visible_match(run.page, own) is not None:
        handle = await run.click_selector(own, action)
        return await _wait_gone(handle)
    if selectors.settings:
        await run.click_selector(selectors.settings, "settings")
        if own:
            handle = await run.click_selector(own, action, wait=SETTLE_TIMEOUT)
            return await _wait_gone(handle)
        return await _second_layer(run, action, seen={c.text for c in layer.controls})
    if own:
        await run.click_selector(own, action)  # raises: matched nothing visible
    return await _act_heuristic(run, action, layer)
