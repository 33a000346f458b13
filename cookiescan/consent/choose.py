"""Making the choice and checking it took: the engines are tried in turn until the site confirms the choice
(:mod:`cookiescan.consent.verify`), each try kept as an :class:`Attempt`.

The order (:func:`plan`): the config's selectors first when they name this choice (the user's instruction; a
selector that matches nothing is a config error and ends there), then autoconsent's rule for the consent
manager it recognised — the rule that acts, never one that only hides the banner — then the heuristic on the
visible first layer (and the second layer behind its settings), then the config's settings selector when it
was given alone. An engine that clicks without the site recording the choice does not count: the next one
gets its turn on what is left on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cookiescan.consent.autoconsent import hides_only
from cookiescan.consent.click import Run, SiteError
from cookiescan.consent.engines import act_autoconsent, act_config, act_heuristic
from cookiescan.consent.page import Layer, read_layer
from cookiescan.consent.verify import Verdict, confirm, read

if TYPE_CHECKING:
    from cookiescan.config import ConsentSelectors
    from cookiescan.consent.autoconsent import Autoconsent
    from cookiescan.consent.verify import Reading


@dataclass(frozen=True, slots=True)
class Attempt:
    """One engine's try: what it clicked, whether it believed it made the choice, what the site recorded."""

    engine: str  # "config" | "autoconsent" | "heuristic"
    name: str  # the engine, with autoconsent's rule: "autoconsent Cybotcookiebot"
    clicks: int = 0
    buttons: tuple[str, ...] = ()
    claimed: bool = False  # the engine says it made the choice
    verdict: Verdict | None = None  # None: not checked (the engine failed before clicking, or was not used)
    error: str | None = None
    skipped: str | None = None  # why the engine was not used
    api: bool = False  # the choice went through the consent manager's JavaScript API (clicks: what a visitor needs)

    @property
    def confirmed(self) -> bool:
        """The site recorded the choice this attempt made."""
        return self.verdict is not None and self.verdict.confirmed

    def line(self) -> str:
        """The attempt in one line, for ``BannerResult.attempts``."""
        if self.skipped:
            return f"{self.name}: not used ({self.skipped})"
        if self.api:
            did = f"applied through the consent manager's JavaScript API (a visitor needs {self.clicks} click(s))"
        elif self.buttons:
            did = "clicked " + ", ".join(repr(b) for b in self.buttons)
        else:
            did = f"{self.clicks} click(s)" if self.clicks else "no click"
        parts = [did]
        if self.error:
            parts.append(f"error: {self.error}")
        if self.verdict is not None:
            parts.append(("recorded: " if self.verdict.confirmed else "not recorded: ") + self.verdict.summary)
        return f"{self.name}: " + "; ".join(parts)


def plan(action: str, selectors: ConsentSelectors, autoconsent: bool) -> list[str]:
    """The engines to try for ``action``, in order."""
    own = selectors.accept if action == "accept" else selectors.reject
    config_first = bool(own) or (action == "reject" and bool(selectors.settings))
    out = ["config"] if config_first else []
    if autoconsent:
        out.append("autoconsent")
    out.append("heuristic")
    if not config_first and selectors.settings:
        out.append("config")
    return out


async def choose(run: Run, driver: Autoconsent, action: str, selectors: ConsentSelectors, layer: Layer,
                 engines: list[str]) -> list[Attempt]:
    """Try ``engines`` in turn until one's choice is confirmed; every attempt, in order."""
    attempts: list[Attempt] = []
    before = await read(run.page)
    for i, engine in enumerate(engines):
        if i:
            layer = await read_layer(run.page)
            if not layer.found and engine != "autoconsent":
                attempts.append(Attempt(engine, engine, skipped="no accept or reject control left on screen"))
                continue
        attempt = await _attempt(run, driver, action, selectors, layer, engine, before)
        attempts.append(attempt)
        if attempt.confirmed or (engine == "config" and attempt.verdict is None and attempt.error):
            break  # confirmed; or the config names a control the page does not have: the user's to fix
        before = await read(run.page) or before
    return attempts


async def _attempt(run: Run, driver: Autoconsent, action: str, selectors: ConsentSelectors, layer: Layer,
                   engine: str, before: Reading | None) -> Attempt:
    clicks0, buttons0 = run.clicks, len(run.buttons)
    name, claimed, error, test, api = engine, False, None, None, False
    popup: tuple[Any, str] | None = None
    if engine == "autoconsent":
        popup = driver.best(action)
        if popup is None:
            return Attempt(engine, engine, skipped="no consent manager recognised")
        name = f"autoconsent {popup[1]}"
        if hides_only(popup[1], action):
            return Attempt(engine, name, skipped="its rule only hides the banner, which records no choice")
    try:
        if engine == "config":
            claimed = await act_config(run, action, selectors, layer)
        elif engine == "autoconsent" and popup is not None:
            claimed, test, api = await act_autoconsent(run, driver, action, layer, popup)
        else:
            claimed = await act_heuristic(run, action, layer)
    except SiteError as exc:
        error = str(exc)
    clicks, buttons = run.clicks - clicks0, tuple(run.buttons[buttons0:])
    verdict = None
    if before is not None and (clicks or claimed):
        verdict = await confirm(run.page, action, before, self_test=test)
    elif before is None and (clicks or claimed):
        verdict = Verdict(False, False, ("the page could not be read before the choice",))
    return Attempt(engine, name, clicks, buttons, claimed, verdict, error, api=api)
