"""Helpers for the consent tests: the real consent-manager libraries from npm, and one visit.

``tests/fixtures/cmp`` pins the libraries (package.json + package-lock.json); ``node_modules`` there is
git-ignored and installed by ``scripts/dev setup`` (``npm ci`` from the lockfile), never by the tests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from cookiescan.browser import BrowserSession
from cookiescan.config import ConsentSelectors
from cookiescan.consent import apply_consent
from cookiescan.models import BannerResult
from tests.fixtures import consent_sites

CMP_DIR = Path(__file__).parent / "fixtures" / "cmp"
NODE_MODULES = CMP_DIR / "node_modules"


def _installed_matches_pins() -> bool:
    pins = json.loads((CMP_DIR / "package.json").read_text())["dependencies"]
    for name, version in pins.items():
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text()).get("version") != version:
            return False
    return True


def ensure_node_modules() -> Path:
    """``tests/fixtures/cmp/node_modules`` with the pinned versions. The suite never installs them itself
    (``scripts/dev setup`` and so CI run ``npm ci`` from the lockfile): a missing install is one failure line."""
    if NODE_MODULES.is_dir() and _installed_matches_pins():
        return NODE_MODULES
    pytest.fail(f"the consent-manager fixtures are not installed in {NODE_MODULES} (or not at the pinned versions): "
                "run `scripts/dev setup` (it runs `npm ci` there from the lockfile)", pytrace=False)


@dataclass(frozen=True)
class Visit:
    """What one consent run on a fresh context produced."""

    banner: BannerResult
    cookies: frozenset[str]
    screenshot: Path | None


async def visit(browser: BrowserSession, site: str, state: str, *, selectors: ConsentSelectors | None = None,
                timeout: float = 10.0, shot_dir: Path | None = None, expect_tracking: bool | None = None,
                **context_options: object) -> Visit:
    """Open ``site`` (a key of ``consent_sites.SITES``) in a fresh context, run the consent step,
    and return the result with the cookie names in the jar. ``expect_tracking=True`` waits (≤ 5 s) for
    the tracking cookies to show up; otherwise the jar is read after a fixed 1 s (what a reject must
    not produce has had time to appear)."""
    ctx = await browser.new_context(**context_options)
    try:
        page = await ctx.new_page()
        await page.goto(consent_sites.SITES[site], wait_until="load")
        shot = shot_dir / f"banner-{site}-{state}.png" if shot_dir else None
        banner = await apply_consent(page, state, selectors or ConsentSelectors(), screenshot_path=shot,
                                     timeout=timeout)
        names: set[str] = set()
        for _ in range(25 if expect_tracking else 5):
            await asyncio.sleep(0.2)
            names = {c["name"] for c in await ctx.cookies()}
            if expect_tracking and set(consent_sites.TRACKING_COOKIES) <= names:
                break
        return Visit(banner, frozenset(names), shot)
    finally:
        await ctx.close()
