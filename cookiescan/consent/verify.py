"""Did the site record the choice? After an engine has clicked accept or reject, :func:`confirm` reads the page
(``verify.js``) until the choice shows, for at most :data:`VERIFY_TIMEOUT` seconds:

* a **consent platform** the page runs answers through its own API or choice storage — Cookiebot
  (``Cookiebot.hasResponse`` / ``Cookiebot.consent``), OneTrust (``OptanonAlertBoxClosed`` and the groups of
  ``OptanonConsent`` or ``OnetrustActiveGroups``), Didomi (``Didomi.getUserStatus()``), Usercentrics
  (``uc_user_interaction`` and ``UC_UI``), Axeptio (``axeptio_cookies``) and IAB TCF (``__tcfapi`` getTCData:
  ``useractioncomplete``/``tcloaded`` with ``cmpStatus`` loaded). Every platform present must say a choice
  was recorded, and of the right kind: an accept grants the optional categories (Cookiebot statistics and
  marketing, OneTrust's groups after C0001, TCF storage and most purposes), a reject grants none of them (a
  TCF string that still grants a few purposes after a refusal is a recorded refusal: the TCF rules judge it);
* **no platform** (a home-made or open-source banner): a first-party cookie or storage key that was not there
  before the click — not one known_trackers files as analytics or marketing: a tracker that starts writing
  records no choice — or autoconsent's own test step passing (a failing test step vetoes);
* and in both cases the banner has gone and stays away.

:func:`judge` is the pure decision (tested without a browser); :func:`read` and :func:`confirm` do the reading.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cookiescan import known
from cookiescan.consent.page import EVAL_TIMEOUT, read_layer
from cookiescan.party import host_of, site_of
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import Page

VERIFY_JS = read_text("cookiescan.consent", "verify.js")

VERIFY_TIMEOUT = 5.0  # seconds a choice may take to show after the engine is done
GIVE_UP_SHOWN = 2.0  # seconds the banner may stay on screen, nothing recorded, before the attempt is given up
STABLE = 0.6  # seconds the banner must stay away once the choice shows ("and not coming back")
POLL = 0.3

PLATFORM_NAMES = {"cookiebot": "Cookiebot", "onetrust": "OneTrust", "didomi": "Didomi",
                  "usercentrics": "Usercentrics", "axeptio": "Axeptio", "tcf": "IAB TCF"}
STRICTLY_NECESSARY = "C0001"  # OneTrust's always-active group
TCF_PURPOSES = range(1, 11)  # the consent purposes weighed (11, added in TCF 2.2, is often absent)
TCF_MAJORITY = 6


@dataclass(frozen=True, slots=True)
class Reading:
    """One look at the page: what each platform present says, the first-party cookies and storage keys, and
    whether the banner's accept/reject controls are on screen."""

    platforms: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    cookies: frozenset[str] = frozenset()
    storage: frozenset[str] = frozenset()
    banner_shown: bool = False
    digests: Mapping[str, str] = field(default_factory=dict)  # cookie or storage name -> digest of its value

    def changed(self, before: Reading) -> tuple[frozenset[str], frozenset[str]]:
        """(cookies, storage keys) that are new since ``before`` or hold another value (a choice made again)."""
        def moved(name: str) -> bool:
            return before.digests.get(name) != self.digests.get(name)

        return (frozenset(n for n in self.cookies if n not in before.cookies or moved(n)),
                frozenset(n for n in self.storage if n not in before.storage or moved(n)))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the choice is confirmed, whether some choice was recorded at all, and the evidence lines."""

    confirmed: bool
    recorded: bool
    lines: tuple[str, ...]
    platforms: tuple[str, ...] = ()
    stored: tuple[str, ...] = ()  # the cookies / storage keys ("localStorage:key") that hold the choice

    @property
    def summary(self) -> str:
        """The evidence in one line (the attempts list shows it)."""
        return "; ".join(self.lines)


@dataclass(frozen=True, slots=True)
class _Said:
    recorded: bool  # the platform stored some choice
    right_kind: bool  # ... of the kind asked for
    line: str


def _flag(value: Any) -> str:
    return "true" if value else "false"


def _kind(action: str, accepted: bool, refused: bool) -> bool:
    return accepted if action == "accept" else refused


def _cookiebot(action: str, d: Mapping[str, Any]) -> _Said:
    if not d.get("recorded"):
        return _Said(False, False, "Cookiebot: no choice recorded (Cookiebot.hasResponse false)")
    cats = ("preferences", "statistics", "marketing")
    line = "Cookiebot.consent " + ", ".join(f"{c}={_flag(d.get(c))}" for c in cats)
    return _Said(True, _kind(action, bool(d.get("statistics") and d.get("marketing")),
                             not any(d.get(c) for c in cats)), line)


def _onetrust(action: str, d: Mapping[str, Any]) -> _Said:
    groups: Mapping[str, bool] = d.get("groups") or {}
    optional = {g: on for g, on in groups.items() if g != STRICTLY_NECESSARY}
    if optional:
        on = [g for g, v in optional.items() if v]
        line = "OneTrust OptanonConsent groups " + ", ".join(f"{g}:{int(v)}" for g, v in sorted(groups.items()))
        accepted, refused = len(on) == len(optional), not on
    else:
        active = [g for g in d.get("active") or () if g != STRICTLY_NECESSARY]
        line = "OneTrust OnetrustActiveGroups " + (",".join(sorted(d.get("active") or ())) or "none")
        accepted, refused = bool(active), not active
    if not d.get("recorded"):
        return _Said(False, False, "OneTrust: no choice recorded (no OptanonAlertBoxClosed, no interaction)")
    return _Said(True, _kind(action, accepted, refused), line)


def _didomi(action: str, d: Mapping[str, Any]) -> _Said:
    line = (f"Didomi.getUserStatus() purposes {d.get('purposes_enabled', 0)} enabled, "
            f"{d.get('purposes_disabled', 0)} disabled; vendors {d.get('vendors_enabled', 0)} enabled, "
            f"{d.get('vendors_disabled', 0)} disabled")
    if not d.get("recorded"):
        return _Said(False, False, "Didomi: no choice recorded (shouldConsentBeCollected true)")
    accepted = bool(d.get("purposes_enabled")) and not d.get("purposes_disabled")
    return _Said(True, _kind(action, accepted, not d.get("purposes_enabled")), line)


def _granted(name: str, d: Mapping[str, Any], unit: str) -> tuple[bool, bool, str]:
    optional, granted = d.get("optional"), d.get("granted")
    if optional is None or granted is None:
        return bool(d.get("all_accepted")), not d.get("all_accepted"), f"{name}: all consents accepted " \
            f"{_flag(d.get('all_accepted'))}"
    return (optional > 0 and granted == optional, granted == 0,
            f"{name}: {granted} of {optional} optional {unit} granted")


def _usercentrics(action: str, d: Mapping[str, Any]) -> _Said:
    if not d.get("recorded"):
        return _Said(False, False, "Usercentrics: no choice recorded (uc_user_interaction not set)")
    accepted, refused, line = _granted("Usercentrics uc_user_interaction=true", d, "services")
    return _Said(True, _kind(action, accepted and bool(d.get("all_accepted", True)), refused), line)


def _axeptio(action: str, d: Mapping[str, Any]) -> _Said:
    if not d.get("recorded"):
        return _Said(False, False, "Axeptio: no choice recorded (axeptio_cookies not $$completed)")
    accepted, refused, line = _granted("Axeptio axeptio_cookies $$completed", d, "vendors")
    return _Said(True, _kind(action, accepted, refused), line)


def _tcf(action: str, d: Mapping[str, Any]) -> _Said:
    status, cmp = d.get("eventStatus") or "", d.get("cmpStatus") or ""
    purposes = [int(p) for p in d.get("purposes") or () if isinstance(p, int)]
    line = (f"__tcfapi getTCData eventStatus {status or '—'}, cmpStatus {cmp or '—'}, CMP {d.get('cmpId') or '—'}, "
            f"purposes with consent {','.join(map(str, purposes)) or 'none'}")
    if status not in ("useractioncomplete", "tcloaded") or cmp != "loaded" or not d.get("has_string"):
        return _Said(False, False, line)
    weighed = sum(1 for p in purposes if p in TCF_PURPOSES)
    return _Said(True, _kind(action, 1 in purposes and weighed >= TCF_MAJORITY, weighed < TCF_MAJORITY), line)


_JUDGES = {"cookiebot": _cookiebot, "onetrust": _onetrust, "didomi": _didomi, "usercentrics": _usercentrics,
           "axeptio": _axeptio, "tcf": _tcf}


def _sample(names: frozenset[str], limit: int = 5) -> str:
    items = sorted(names)
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit})" if len(items) > limit else "")


def judge(action: str, before: Reading, now: Reading, self_test: bool | None = None) -> Verdict:
    """The decision on one reading ``now`` (``before``: the reading just before the engine acted; ``self_test``:
    autoconsent's test step, None when it has none)."""
    lines: list[str] = []
    present = [name for name in _JUDGES if name in now.platforms]
    if present:
        said = [_JUDGES[name](action, now.platforms[name]) for name in present]
        lines += [s.line for s in said]
        cookies, keys = now.changed(before)
        stored = _consentish(frozenset(n for n in cookies | keys if not _tracker(n)))
        recorded = all(s.recorded for s in said)
        wrong = [PLATFORM_NAMES[n] for n, s in zip(present, said, strict=True) if s.recorded and not s.right_kind]
        if wrong:
            lines.append(f"{', '.join(wrong)} recorded {'a refusal' if action == 'accept' else 'consent'}, "
                         f"not {'an acceptance' if action == 'accept' else 'a refusal'}")
        kind_ok = recorded and not wrong
    else:
        new_cookies, new_storage = now.changed(before)
        trackers = frozenset(n for n in new_cookies | new_storage if _tracker(n))
        new_cookies, new_storage = new_cookies - trackers, new_storage - trackers
        stored = _consentish(new_cookies | new_storage)
        if trackers and not (new_cookies or new_storage):  # (trackers that follow a recorded choice: no news)
            lines.append(f"new tracker storage (records no choice): {_sample(trackers)}")
        fresh = now.cookies - before.cookies
        if new_cookies:
            lines.append(f"{'new' if new_cookies & fresh else 'rewritten'} first-party cookie "
                         f"{_sample(_consentish(new_cookies))}")
        if new_storage:
            lines.append(f"{'new' if new_storage - before.storage else 'rewritten'} storage key "
                         f"{_sample(_consentish(new_storage))}")
        if not (new_cookies or new_storage):
            lines.append("no new first-party cookie or storage key")
        recorded = bool(new_cookies or new_storage) or self_test is True
        kind_ok = recorded and self_test is not False
    if self_test is not None:
        lines.append(f"autoconsent test step {'passed' if self_test else 'failed'}")
    lines.append("banner still shown" if now.banner_shown else "banner gone")
    return Verdict(kind_ok and not now.banner_shown, recorded, tuple(lines),
                   tuple(PLATFORM_NAMES[n] for n in present), tuple(sorted(stored)))


def _tracker(name: str) -> bool:
    """A cookie or storage key (``localStorage:key``) known_trackers files as analytics or marketing."""
    info = known.load().cookie(name.split(":", 1)[1] if name.startswith(("localStorage:", "sessionStorage:"))
                               else name)
    return info is not None and info.category in ("analytics", "marketing")


_CONSENTISH = ("consent", "cookie", "choice", "gdpr", "rgpd", "privacy", "cmp", "accept", "optin", "tarteaucitron",
               "klaro", "cc_")


def _consentish(names: frozenset[str]) -> frozenset[str]:
    """The names that look like a stored choice when there are any (a late analytics cookie written in the
    same moment says nothing), else all."""
    picked = frozenset(n for n in names if any(w in n.lower() for w in _CONSENTISH))
    return picked or names


async def read(page: Page) -> Reading | None:
    """One :class:`Reading` of ``page`` (None while it navigates or its main frame does not answer)."""
    try:
        data = await asyncio.wait_for(page.main_frame.evaluate(VERIFY_JS), EVAL_TIMEOUT)
        jar = await asyncio.wait_for(page.context.cookies(), EVAL_TIMEOUT)
        layer = await read_layer(page)
    except Exception:
        return None
    if not isinstance(data, dict):
        return None
    site = site_of(host_of(page.url))
    own = [c for c in jar if site and site_of(str(c.get("domain") or "").lstrip(".").lower()) == site]
    digests = {str(c.get("name")): hashlib.sha256(str(c.get("value") or "").encode()).hexdigest()[:12] for c in own}
    digests.update({str(k): str(v) for k, v in (data.get("digests") or {}).items()})
    platforms = {str(k): v for k, v in (data.get("platforms") or {}).items() if isinstance(v, dict)}
    return Reading(platforms, frozenset(str(c.get("name")) for c in own),
                   frozenset(str(s) for s in data.get("storage") or ()), layer.found, digests)


async def confirm(page: Page, action: str, before: Reading, *, self_test: bool | None = None,
                  timeout: float = VERIFY_TIMEOUT) -> Verdict:
    """Read ``page`` until the ``action`` choice is confirmed (and the banner stays away for :data:`STABLE` s),
    at most ``timeout`` s; given up early when the banner stays on screen :data:`GIVE_UP_SHOWN` s with nothing
    recorded. The last verdict either way."""
    start = time.monotonic()
    shown_since: float | None = None
    last = Verdict(False, False, ("the page could not be read",))
    while True:
        now = await read(page)
        t = time.monotonic()
        if now is not None:
            last = judge(action, before, now, self_test)
            if last.confirmed:
                await asyncio.sleep(STABLE)
                again = await read(page)
                if again is not None:
                    settled = judge(action, before, again, self_test)
                    if settled.confirmed:
                        return settled
                    last = settled
            shown_since = (shown_since or t) if now.banner_shown else None
            if shown_since is not None and not last.recorded and t - shown_since >= GIVE_UP_SHOWN:
                return last
        if t - start >= timeout:
            return last
        await asyncio.sleep(POLL)
