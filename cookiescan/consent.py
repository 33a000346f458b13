"""Consent banners: find the consent manager and click accept or reject (placeholder: detection
only, being replaced by the banner engine of issue #3)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cookiescan.config import ConsentSelectors
from cookiescan.models import BannerResult

if TYPE_CHECKING:
    from playwright.async_api import Page


async def apply_consent(page: Page, state: str, selectors: ConsentSelectors, *,
                        screenshot_path: Path | None = None, timeout: float = 10.0) -> BannerResult:
    """Detect the banner on ``page`` and, for ``accept``/``reject``, operate it."""
    return BannerResult(state=state, found=False, page_url=page.url, notes=("banner engine not available",))
