"""The IAB TCF v2 signal of each page: what the site's consent platform tells ad tech through
``__tcfapi('getTCData', 2, cb)`` once the page has settled, decoded (:mod:`cookiescan.signals.tcf`).

Where it is read, in this order, within :data:`TCF_TIMEOUT` seconds in all:

1. the top page's ``__tcfapi`` (``tcf.js``; a page with no ``__tcfapi`` and no ``__tcfapiLocator`` frame
   answers at once);
2. when the top page has none but a frame named ``__tcfapiLocator`` exists, the frame that holds it (the
   consent platform lives there): its ``__tcfapi``, or the ``__tcfapiCall`` message protocol;
3. when no API answered, the ``euconsent-v2`` cookie the page can see, decoded (``"source": "cookie"``).

The record (``PageVisit.tcf``) is a plain dict: ``source`` ("api" | "cookie"), ``frame`` (the URL of the
frame that answered, ``None`` for the top page or the cookie), ``page``, ``ok`` (the API's success flag),
``fields_from`` ("tcString" when the string decoded, else "api": where the consent fields come from), the
:class:`~cookiescan.signals.tcf.TCData` fields (``cmp_id``, ``cmp_version``, ``tcf_policy_version``,
``event_status``, ``purposes_consent``, ``purposes_li``, ``vendor_consents``, ``vendor_li``,
``special_feature_optins``, ``publisher_restrictions``, ``tc_string``, ``api_disagrees``, ``decode_error``…)
and, from the decoded string, ``created``, ``last_updated``, ``consent_language`` and
``vendor_list_version``. Vendor lists are cut at :data:`MAX_IDS` ids (``vendor_consents_count`` and
``vendor_li_count`` keep the full numbers): a hostile string may name a million vendors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cookiescan.collect.base import Collector, VisitRecorder, clip
from cookiescan.resources import read_text
from cookiescan.signals.tcf import MAX_TC_STRING_LENGTH, TCData, tc_data_from_api

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

TCF_TIMEOUT = 2.0  # seconds for the whole read: a consent platform that answers at all answers at once
LOCATOR = "__tcfapiLocator"
COOKIE = "euconsent-v2"
MAX_IDS = 5000  # ids kept per list (real vendor ids stay under 2,000)
_DECODED_KEEP = ("created", "last_updated", "consent_language", "vendor_list_version", "consent_screen")


def _capped(value: Any) -> Any:
    """Lists cut at MAX_IDS items, recursively (the record stays small whatever the string says)."""
    if isinstance(value, list):
        return [_capped(v) for v in value[:MAX_IDS]]
    if isinstance(value, dict):
        return {k: _capped(v) for k, v in value.items()}
    return value


def tcf_record(tc: TCData, *, source: str, page: str, frame: str | None = None,
               ok: bool | None = None) -> dict[str, Any]:
    """The JSON-ready record of one page's TCF signal (see the module docstring for its keys)."""
    data = tc.to_dict()
    decoded = data.pop("decoded") or {}
    fields_from = data.pop("source")
    if isinstance(data.get("tc_string"), str):
        data["tc_string"] = data["tc_string"][:MAX_TC_STRING_LENGTH]
    counts = {"vendor_consents_count": len(tc.vendor_consents), "vendor_li_count": len(tc.vendor_li)}
    return {"source": source, "frame": clip(frame) if frame else None, "page": clip(page), "ok": ok,
            "fields_from": fields_from, **_capped(data), **counts,
            **{k: decoded.get(k) for k in _DECODED_KEEP}}


def from_cookie(value: str, page: str) -> dict[str, Any]:
    """A record from the ``euconsent-v2`` cookie's value (a string that does not decode says why)."""
    return tcf_record(tc_data_from_api({"tcString": value[:MAX_TC_STRING_LENGTH + 1]}), source="cookie", page=page)


def from_answer(answer: object, page: str, frame: str | None) -> dict[str, Any] | None:
    """A record from what ``tcf.js`` resolved with; ``None`` when no API answered with an object."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("data"), Mapping):
        return None
    try:
        tc = tc_data_from_api(answer["data"])
    except ValueError:
        return None
    return tcf_record(tc, source="api", page=page, frame=frame, ok=answer.get("ok") is True)


class TCFCollector(Collector):
    """Reads the page's TCF signal after it has settled; :meth:`take` hands it to the visit's evidence."""

    name = "tcf"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._found: dict[int, dict[str, Any]] = {}  # id(visit recorder) -> record, until taken

    async def after_visit(self, page: Page, rec: VisitRecorder) -> None:
        record = await self._from_api(page, rec.page_url)
        if record is None:
            record = await self._from_cookie(page, rec.page_url)
        if record is not None:
            self._found[id(rec)] = record

    def take(self, rec: VisitRecorder) -> dict[str, Any] | None:
        """The record read for this visit (once)."""
        return self._found.pop(id(rec), None)

    async def _from_api(self, page: Page, page_url: str) -> dict[str, Any] | None:
        script = read_text("cookiescan.collect", "tcf.js")
        deadline = time.monotonic() + TCF_TIMEOUT
        frames: list[tuple[Frame, str | None]] = [(page.main_frame, None)]
        for frame in page.frames:
            parent = frame.parent_frame
            if frame.name == LOCATOR and parent is not None and parent is not page.main_frame:
                frames.append((parent, parent.url))  # the consent platform lives in the locator's parent
        for frame, frame_url in frames:
            left = deadline - time.monotonic()
            if left <= 0.05:
                return None
            try:
                answer = await asyncio.wait_for(frame.evaluate(script, int(left * 1000)), left + 0.5)
            except Exception:
                continue  # a detached or hung frame has nothing to say
            record = from_answer(answer, page_url, frame_url)
            if record is not None:
                return record
        return None

    async def _from_cookie(self, page: Page, page_url: str) -> dict[str, Any] | None:
        try:
            cookies = await asyncio.wait_for(page.context.cookies([page.url]), 3)
        except Exception:
            return None
        for c in cookies:
            if c.get("name") == COOKIE and c.get("value"):
                return from_cookie(str(c["value"]), page_url)
        return None
