"""localStorage and sessionStorage keys of every frame of the page (values never kept, only their length)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from cookiescan.collect.base import Collector, VisitRecorder
from cookiescan.models import StorageItem
from cookiescan.party import host_of, site_of
from cookiescan.resources import read_text

if TYPE_CHECKING:
    from playwright.async_api import Page


class StorageCollector(Collector):
    """Reads storage once the page has settled (storage.js in each frame, 2 s each)."""

    name = "storage"

    async def after_visit(self, page: Page, rec: VisitRecorder) -> None:
        script = read_text("cookiescan.collect", "storage.js")
        seen: set[tuple[str, str, str]] = set()
        for frame in page.frames:
            try:
                data = await asyncio.wait_for(frame.evaluate(script), 2)
            except Exception:
                continue  # a detached or hung frame has nothing to say
            origin = str(data.get("origin") or "")
            if not origin.startswith("http"):
                continue
            host = host_of(origin)
            for kind, key, length in data.get("items") or []:
                if (kind, origin, key) in seen:
                    continue
                seen.add((kind, origin, key))
                rec.storage.append(StorageItem(kind=kind, key=str(key)[:300], origin=origin, site=site_of(host),
                                               party=self.resolver.party_of_host(host), value_length=int(length),
                                               first_seen_page=rec.page_url))
