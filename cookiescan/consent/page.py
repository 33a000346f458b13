"""Reading the page for consent controls: the page and its frames (open shadow roots included) scanned by
``scan.js``, each visible control read against the lexicon, and the result as one :class:`Layer`.

The scan keeps the elements it saw in the page (``window.__cookiescanScan``); a :class:`Control` or
:class:`Toggle` names one by its frame and index, and :func:`element_handle` fetches it back to click.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cookiescan.consent.lexicon import classify, mentions_cookies
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import ElementHandle, Frame, Page

log = logging.getLogger("cookiescan.consent")

MAX_FRAMES = 12  # frames scanned / injected per page (ad-heavy pages have dozens of iframes)
CLICK_TIMEOUT = 3.0  # seconds for one click
EVAL_TIMEOUT = 5.0  # seconds for one script in one frame



def page_script(name: str) -> str:
    """A page-reading script of this package with the shared ``visible.js`` helpers pasted in."""
    return read_text("cookiescan.consent", name).replace("  /* visible.js */\n",
                                                         read_text("cookiescan.consent", "visible.js"))


SCAN_JS = page_script("scan.js")
ELEMENT_JS = read_text("cookiescan.consent", "element.js")


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
    """A checkbox or switch inside a banner (a purpose or vendor on a second layer)."""

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
        """The controls of one role ("accept", "reject", "settings", "save"), in page order."""
        return [c for c in self.controls if c.kind == kind]

    def first(self, kind: str) -> Control | None:
        """The first control of one role, or None."""
        found = self.of(kind)
        return found[0] if found else None

    @property
    def found(self) -> bool:
        """A banner is shown: something offers to accept or reject."""
        return bool(self.of("accept") or self.of("reject"))


def frames(page: Page) -> list[Frame]:
    """The main frame, then the page's live http(s) frames, at most :data:`MAX_FRAMES` in all."""
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
    for frame in frames(page):
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


async def element_handle(frame: Frame, kind: str, index: int) -> ElementHandle | None:
    """The element the last scan of ``frame`` saw as ``kind`` ("controls" or "toggles") number ``index``."""
    handle = await asyncio.wait_for(frame.evaluate_handle(ELEMENT_JS, [kind, index]), EVAL_TIMEOUT)
    return handle.as_element()


async def visible_match(page: Page, selector: str) -> ElementHandle | None:
    """The first visible element matching a config selector in the page or its frames (open shadow roots
    are pierced), or None."""
    for frame in frames(page):
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
