"""DuckDuckGo's autoconsent (PyPI ``duckduckgo-autoconsent-py``), driven from Python over its message protocol.

Its content script is injected into the page and its frames; the script sends ``init`` and we answer
``initResp`` with :func:`autoconsent_config` and the rules that can apply (:func:`rules_for`); it reports
``cmpDetected`` / ``popupFound``; we send ``optIn`` / ``optOut`` and wait for ``optInResult`` /
``optOutResult`` / ``autoconsentDone``, then ``selfTest`` / ``selfTestResult`` where the rule has a test step.
Messages reach Python through one context binding (:data:`BINDING`), routed to the :class:`Autoconsent` driver
listening on that page; the clicks a rule makes are reported through the same binding (``click_recorder.js``).

Several rules may report a popup for one page (Sourcepoint: a top-frame companion and the rule inside the
message iframe). A rule whose opt-in or opt-out only hides the banner (:func:`hides_only`: autoconsent's
cosmetic rules, or steps with no click and no API call) never makes a choice: the driver prefers the rule
that acts (:meth:`Autoconsent.best`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cookiescan.consent.page import EVAL_TIMEOUT, frames
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.async_api import BrowserContext, Frame, Page

log = logging.getLogger("cookiescan.consent")

BINDING = "__cookiescan_autoconsent"

RELAY_JS = read_text("cookiescan.consent", "autoconsent_relay.js")
SEND_JS = read_text("cookiescan.consent", "autoconsent_send.js")
INIT_JS = read_text("cookiescan.consent", "autoconsent_init.js")
EVAL_JS = read_text("cookiescan.consent", "autoconsent_eval.js")


_WINDOW_TIMERS = re.compile(r"\b(?:window|globalThis|self)\.(setTimeout|clearTimeout)\b")


@lru_cache(maxsize=1)
def content_script() -> str:
    """Autoconsent's content script, run with the browser's own timers (``hooks.js`` keeps them as
    ``__cookiescanNativeTimers``): its detection loop waits with ``setTimeout``, and those waits are not the
    page's — counted as the page's pending timers they would keep a page with no banner from looking idle."""
    from duckduckgo_autoconsent import bundle

    body = _WINDOW_TIMERS.sub(r"\1", bundle())
    return ("((setTimeout, clearTimeout) => {\n" + body + "\n})("
            "(window.__cookiescanNativeTimers || window).setTimeout, "
            "(window.__cookiescanNativeTimers || window).clearTimeout);")


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


_ACTION_STEPS = ("click", "waitForThenClick")


def _acts(steps: Any) -> bool:
    """True when autoconsent steps click something or call the page (a required ``eval``)."""
    if isinstance(steps, list):
        return any(_acts(s) for s in steps)
    if not isinstance(steps, dict):
        return False
    if any(k in steps for k in _ACTION_STEPS) or ("eval" in steps and not steps.get("optional")):
        return True
    return any(_acts(steps.get(k)) for k in ("then", "else", "any", "all") if k in steps)


@lru_cache(maxsize=1)
def _hiding_rules() -> dict[str, frozenset[str]]:
    """Declarative rule name -> the actions ("accept", "reject") for which it only hides the banner."""
    out: dict[str, frozenset[str]] = {}
    for rule, _ in _all_rules():
        hides = frozenset(action for action, key in (("accept", "optIn"), ("reject", "optOut"))
                          if rule.get("cosmetic") or not _acts(rule.get(key) or []))
        if hides:
            out[str(rule.get("name") or "")] = hides
    return out


def hides_only(rule: str, action: str | None = None) -> bool:
    """Whether autoconsent's rule ``rule`` only hides the banner for ``action`` (for both when None): such a
    rule names the platform but never makes the choice."""
    hides = _hiding_rules().get(rule, frozenset())
    return bool(hides) if action is None else action in hides


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


_DRIVERS: dict[Any, Autoconsent] = {}  # page -> driver of the apply_consent running on it
_BOUND: weakref.WeakSet[Any] = weakref.WeakSet()  # contexts that carry our binding


async def _on_binding(source: dict[str, Any], message: Any) -> None:
    driver = _DRIVERS.get(source.get("page"))
    if driver is not None and isinstance(message, dict):
        driver.receive(source.get("frame"), message)


async def ensure_binding(context: BrowserContext) -> None:
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
class Autoconsent:
    """Autoconsent on one page during one consent step: what its scripts reported, and how to make it act.

    :meth:`listen` routes the page's messages here; :meth:`close` stops that and its pending replies."""

    page: Page
    detect_retries: int
    injected: dict[Any, str] = field(default_factory=dict)  # frame -> url injected at
    detected: list[str] = field(default_factory=list)
    popups: list[tuple[Any, str]] = field(default_factory=list)  # (frame, rule name), in the order reported
    results: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)  # selfTestResult messages
    clicks: list[str] = field(default_factory=list)  # labels of the controls clicked in the page, in order
    done: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    lifecycle: dict[Any, str] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def listen(self) -> None:
        """Receive the messages autoconsent sends from this page (through the context's binding)."""
        _DRIVERS[self.page] = self

    def receive(self, frame: Frame | None, message: dict[str, Any]) -> None:
        """Take one message from autoconsent's script in ``frame``."""
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
            popup = (frame, str(message.get("cmp") or ""))
            if popup not in self.popups:
                self.popups.append(popup)
        elif kind in ("optInResult", "optOutResult"):
            self.results.append(message)
        elif kind == "selfTestResult":
            self.tests.append(message)
        elif kind == "cookiescanClick":
            self.clicks.append(str(message.get("text") or "")[:100])
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
        for frame in frames(self.page):
            url = frame.url
            if self.injected.get(frame) == url:
                continue
            self.injected[frame] = url
            try:
                ready = await asyncio.wait_for(frame.evaluate(RELAY_JS, BINDING), EVAL_TIMEOUT)
                if not ready:
                    await asyncio.wait_for(frame.evaluate(content_script()), EVAL_TIMEOUT)
            except Exception as exc:  # a frame that went away, or a page that breaks the script
                log.debug("autoconsent not injected into %s: %s", url, exc)

    @property
    def popup(self) -> tuple[Any, str] | None:
        """The popup to act on: the first reported by a rule that does more than hide the banner, else the
        first reported."""
        return self.best()

    def best(self, action: str | None = None) -> tuple[Any, str] | None:
        """The first popup whose rule acts for ``action`` (any action when None), else the first popup."""
        for popup in self.popups:
            if not hides_only(popup[1], action):
                return popup
        return self.popups[0] if self.popups else None

    @property
    def gave_up(self) -> bool:
        """The main frame's autoconsent finished looking and found nothing."""
        main = self.page.main_frame
        return self.lifecycle.get(main) == "nothingDetected"

    async def act(self, action: str, timeout: float, popup: tuple[Any, str]) -> dict[str, Any] | None:
        """Send optIn/optOut to the frame of ``popup``; the result message, or None (no answer within ``timeout``
        s, or the frame went away — a message iframe the choice removes may not get to answer)."""
        frame = popup[0]
        wanted = "optInResult" if action == "accept" else "optOutResult"
        self.results.clear()
        await asyncio.wait_for(frame.evaluate(SEND_JS, {"type": "optIn" if action == "accept" else "optOut"}),
                               EVAL_TIMEOUT)
        return await self._answer(frame, wanted, self.results, timeout)

    async def self_test(self, popup: tuple[Any, str], timeout: float) -> bool | None:
        """Run the rule's own test step in the frame of ``popup``: True / False, None when it did not answer."""
        frame = popup[0]
        self.tests.clear()
        try:
            await asyncio.wait_for(frame.evaluate(SEND_JS, {"type": "selfTest"}), EVAL_TIMEOUT)
        except Exception:
            return None
        answer = await self._answer(frame, "selfTestResult", self.tests, timeout)
        return None if answer is None else bool(answer.get("result"))

    async def _answer(self, frame: Any, wanted: str, box: list[dict[str, Any]],
                      timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for r in box:
                if r.get("type") == wanted:
                    return r
            if frame.is_detached():
                return None
            self.changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(0.25, max(0.05, deadline - time.monotonic())))
        return None

    async def until(self, cond: Callable[[], bool]) -> None:
        """Return once ``cond()`` holds, checking after every message (unbounded: wrap it in a timeout)."""
        while not cond():
            self.changed.clear()
            await self.changed.wait()

    async def close(self) -> None:
        """Stop receiving this page's messages and cancel the replies still pending."""
        _DRIVERS.pop(self.page, None)
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
