"""HAR 1.2 files from what the scanner recorded: one HAR per consent state, loadable in Chromium DevTools'
importer (Network panel > Import HAR) and in any HAR 1.2 reader.

What goes in and what stays out:

* every request with its raw headers (Chromium's ``requestWillBeSentExtraInfo`` /
  ``responseReceivedExtraInfo`` give the headers as sent and received, ``Cookie`` and ``Set-Cookie``
  included), status, timings, server IP and failure text;
* **no bodies**: ``content.size`` is 0 and there is no ``content.text``;
* **cookie values redacted** unless ``show_values``: in ``Cookie`` request headers, in ``Set-Cookie``
  response headers (name and every attribute kept — Max-Age, Expires, Domain, Path, SameSite are the
  evidence — only the value becomes ``<redacted 24 chars>``), and in the parsed ``cookies`` arrays.

The output is a plain dict in a fixed key order and :func:`dump_har` turns it into the same bytes for the
same input, so the hash of a HAR is reproducible.

Field names follow the HAR 1.2 spec (http://www.softwareishard.com/blog/har-12-spec/) plus the custom
fields Chromium DevTools writes and reads back: ``_resourceType`` on the entry and ``_error`` (the failure
text) on the response.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from cookiescan.evidence.errors import EvidenceError

HAR_VERSION = "1.2"
CREATOR_NAME = "cookiescan"
REDACTED = "<redacted {n} chars>"
BODY_COMMENT = "body not recorded by cookiescan"

Header = tuple[str, str]

# CDP's Network.ResourceType is CamelCase ("XHR", "CSPViolationReport"); DevTools writes and reads its own
# lower-case names in ``_resourceType`` and falls back to guessing from the MIME type on an unknown name.
_DEVTOOLS_RESOURCE_TYPES = {
    "signedexchange": "signed-exchange",
    "cspviolationreport": "csp-violation-report",
}


@dataclass(frozen=True, slots=True)
class HarTimings:
    """Phases of one request in milliseconds, -1 when unknown or not applicable (HAR 1.2 ``timings``).

    ``ssl`` is part of ``connect``, as in the spec and in CDP's ResourceTiming. ``send``, ``wait`` and
    ``receive`` are required by HAR 1.2 and written as 0 when unknown (as DevTools does).
    """

    blocked: float = -1
    dns: float = -1
    connect: float = -1
    ssl: float = -1
    send: float = -1
    wait: float = -1
    receive: float = -1


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and its response (or failure), as recorded in one consent state.

    Fields:
        started_at: ISO 8601 UTC time the request was issued (CDP ``requestWillBeSent.wallTime``).
        page_url: URL of the page visit that caused it; links the entry to its :class:`HarPage`.
        method, url: the request line; a ``#fragment`` is dropped from ``url`` as the spec asks.
        http_version: e.g. ``"HTTP/1.1"``, ``"h2"``, ``"h3"`` (see :func:`http_version_from_protocol`).
        request_headers: raw headers as sent, in order, ``Cookie`` included.
        status, status_text: 0 and ``""`` when no response arrived.
        response_headers: raw headers as received, one tuple per line: several ``Set-Cookie`` lines stay
            separate (a value holding CDP's ``\\n``-joined lines is split here as well).
        mime_type, resource_type: CDP ``response.mimeType`` and ``requestWillBeSent.type``.
        timings: per-phase milliseconds; time_ms: total (-1: the sum of the known phases is used).
        server_ip: CDP ``response.remoteIPAddress``; failure: CDP ``loadingFailed.errorText``.
        request_body_size, response_body_size: bytes on the wire, -1 when unknown (bodies themselves are
            never written).
        page_id: the :class:`HarPage` id, when the page URL alone is ambiguous (same URL visited twice).
    """

    started_at: str
    page_url: str
    method: str
    url: str
    http_version: str = "HTTP/1.1"
    request_headers: tuple[Header, ...] = ()
    status: int = 0
    status_text: str = ""
    response_headers: tuple[Header, ...] = ()
    mime_type: str = ""
    resource_type: str = ""
    timings: HarTimings = field(default_factory=HarTimings)
    time_ms: float = -1
    server_ip: str = ""
    failure: str = ""
    request_body_size: int = -1
    response_body_size: int = -1
    page_id: str = ""


@dataclass(frozen=True, slots=True)
class HarPage:
    """One page visit: HAR ``pages[]``. ``on_content_load_ms`` / ``on_load_ms`` are milliseconds since
    ``started_at`` (-1 when the event never fired)."""

    id: str
    url: str
    title: str
    started_at: str
    on_content_load_ms: float = -1
    on_load_ms: float = -1


def build_har(
    pages: Sequence[HarPage],
    exchanges: Iterable[HttpExchange],
    *,
    browser_name: str,
    browser_version: str,
    show_values: bool = False,
    creator_version: str | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """Build a HAR 1.2 document (a dict ready for :func:`dump_har`) for one consent state.

    Entries are sorted by start time (ties keep the input order), as the spec prefers. Cookie values are
    redacted unless ``show_values``. Raises :class:`EvidenceError` on a malformed record (a bad time, a
    duplicate page id): the scanner produced it, so it is a bug worth one clear line.
    """
    if creator_version is None:
        from cookiescan.version import __version__ as creator_version
    by_id: dict[str, HarPage] = {}
    by_url: dict[str, str] = {}
    for page in pages:
        if page.id in by_id:
            raise EvidenceError(f"HAR: two pages with the id {page.id!r}")
        by_id[page.id] = page
        by_url.setdefault(page.url, page.id)
    entries = [_entry(ex, by_id, by_url, show_values) for ex in exchanges]
    entries.sort(key=lambda e: e["startedDateTime"])  # ISO UTC strings of one format sort as times
    log: dict[str, Any] = {
        "version": HAR_VERSION,
        "creator": {"name": CREATOR_NAME, "version": str(creator_version)},
        "browser": {"name": browser_name, "version": browser_version},
        "pages": [_page(p) for p in pages],
        "entries": entries,
    }
    if comment:
        log["comment"] = comment
    return {"log": log}


def dump_har(har: Mapping[str, Any]) -> bytes:
    """The HAR as UTF-8 JSON bytes: same document, same bytes (fixed key order, fixed separators)."""
    try:
        text = json.dumps(har, ensure_ascii=False, indent=1, allow_nan=False)
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate from a hostile header: escaped JSON is still valid UTF-8 and still deterministic.
        return (json.dumps(har, ensure_ascii=True, indent=1, allow_nan=False) + "\n").encode("ascii")
    except ValueError as exc:  # NaN/inf slipped into a number
        raise EvidenceError(f"HAR: cannot write a non-finite number ({exc})") from None


def http_version_from_protocol(protocol: str) -> str:
    """CDP ``response.protocol`` (``"http/1.1"``, ``"h2"``, ``"h3"``) -> the HAR ``httpVersion`` DevTools
    writes and reads back (``"HTTP/1.1"``, ``"http/2.0"``, ``"h3"``)."""
    p = (protocol or "").strip().lower()
    if p in ("h2", "http/2", "http/2.0"):
        return "http/2.0"
    if p.startswith("http/1"):
        return p.upper()
    return p or "unknown"


def headers_from_cdp(headers: Mapping[str, Any] | None) -> tuple[Header, ...]:
    """A CDP ``Network.Headers`` object -> header tuples. CDP folds repeated headers into one value
    joined with ``\\n`` (several ``Set-Cookie`` lines arrive that way); each line becomes its own header."""
    out: list[Header] = []
    for name, value in (headers or {}).items():
        for line in str(value).split("\n"):
            out.append((str(name), line))
    return tuple(out)


# -- redaction ------------------------------------------------------------------------------------------
def redact_value(value: str) -> str:
    """``<redacted N chars>``: the length stays (a 24-char ID is evidence), the value goes."""
    return REDACTED.format(n=len(value))


def redact_set_cookie(line: str) -> str:
    """``id=abc; Max-Age=60; Path=/`` -> ``id=<redacted 3 chars>; Max-Age=60; Path=/``: name and every
    attribute kept byte for byte, only the value replaced."""
    head, sep, rest = line.partition(";")
    name, eq, value = head.partition("=")
    if not eq:  # a nameless cookie: the whole head is the value
        lead = head[: len(head) - len(head.lstrip())]
        return f"{lead}{redact_value(head.strip())}{sep}{rest}"
    stripped = value.strip()
    lead = value[: len(value) - len(value.lstrip())]
    trail = value[len(value.rstrip()):] if stripped else ""
    return f"{name}={lead}{redact_value(stripped)}{trail}{sep}{rest}"


def redact_cookie_header(value: str) -> str:
    """``a=1; b=22`` -> ``a=<redacted 1 chars>; b=<redacted 2 chars>`` (a ``Cookie`` request header)."""
    parts = []
    for crumb in value.split(";"):
        name, eq, val = crumb.partition("=")
        if eq:
            parts.append(f"{name}={redact_value(val.strip())}")
        elif crumb.strip():
            lead = crumb[: len(crumb) - len(crumb.lstrip())]
            parts.append(f"{lead}{redact_value(crumb.strip())}")
        else:
            parts.append(crumb)
    return ";".join(parts)


# -- building blocks ------------------------------------------------------------------------------------
def _iso(text: str, what: str) -> str:
    """Normalise an ISO 8601 time to UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (what DevTools writes)."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise EvidenceError(f"HAR: {what} is not an ISO 8601 time: {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return _fmt(dt)


def _fmt(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _num(value: float) -> float | int:
    """Milliseconds rounded to 3 decimals (µs), written as an int when whole, so the JSON is stable."""
    if not math.isfinite(value):
        return -1
    v = round(float(value), 3)
    return int(v) if v.is_integer() else v


def _page(p: HarPage) -> dict[str, Any]:
    return {
        "startedDateTime": _iso(p.started_at, f"page {p.id} start"),
        "id": p.id,
        "title": p.title or p.url,
        "pageTimings": {"onContentLoad": _num(p.on_content_load_ms), "onLoad": _num(p.on_load_ms)},
    }


def _split_lines(headers: Iterable[Header]) -> list[Header]:
    out: list[Header] = []
    for name, value in headers:
        for line in str(value).split("\n"):
            out.append((str(name), line))
    return out


def _request_cookies(headers: Sequence[Header], show: bool) -> list[dict[str, Any]]:
    cookies = []
    for name, value in headers:
        if name.lower() != "cookie":
            continue
        for crumb in value.split(";"):
            cname, eq, cval = crumb.strip().partition("=")
            if not eq:
                cname, cval = "", cname
            if cname or cval:
                cookies.append({"name": cname, "value": cval if show else redact_value(cval)})
    return cookies


def _response_cookie(line: str, started: datetime, show: bool) -> dict[str, Any]:
    head, _, rest = line.partition(";")
    name, eq, value = head.partition("=")
    if not eq:
        name, value = "", head
    value = value.strip()
    attrs: dict[str, str] = {}
    for part in rest.split(";"):
        key, _, val = part.strip().partition("=")
        if key:
            attrs.setdefault(key.strip().lower(), val.strip())  # RFC 6265: the first of a repeated attribute
    cookie: dict[str, Any] = {"name": name.strip(), "value": value if show else redact_value(value)}
    if "path" in attrs:
        cookie["path"] = attrs["path"]
    if "domain" in attrs:
        cookie["domain"] = attrs["domain"]
    expires = _cookie_expiry(attrs, started)
    if expires:
        cookie["expires"] = expires
    cookie["httpOnly"] = "httponly" in attrs
    cookie["secure"] = "secure" in attrs
    if attrs.get("samesite"):
        cookie["sameSite"] = attrs["samesite"]  # DevTools' custom field; the raw header keeps the spelling
    return cookie


def _cookie_expiry(attrs: Mapping[str, str], started: datetime) -> str | None:
    """The expiry the site asked for, as an ISO time (Max-Age wins over Expires, RFC 6265 5.3). The raw
    attribute stays in the Set-Cookie header; this is the reader-friendly copy. None for a session cookie."""
    if "max-age" in attrs:
        try:
            seconds = int(attrs["max-age"])
        except ValueError:
            seconds = None
        if seconds is not None:
            try:
                return _fmt(started + timedelta(seconds=max(seconds, 0)))
            except OverflowError:  # Max-Age=99999999999: past year 9999, say so without a date
                return None
    if "expires" in attrs:
        try:
            when = parsedate_to_datetime(attrs["expires"].strip().strip('"'))
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return _fmt(when)
    return None


def _query_string(url: str) -> list[dict[str, str]]:
    query = urlsplit(url).query
    return [{"name": k, "value": v} for k, v in parse_qsl(query, keep_blank_values=True)]


def _strip_fragment(url: str) -> str:
    try:
        return urlunsplit(urlsplit(url)._replace(fragment=""))
    except ValueError:  # a URL urlsplit refuses (bad IPv6 literal): keep it as given, minus any '#...'
        return url.split("#", 1)[0]


def _resource_type(value: str) -> str:
    key = value.strip().lower()
    return _DEVTOOLS_RESOURCE_TYPES.get(key, key) or "other"


def _timings(t: HarTimings) -> dict[str, float | int]:
    return {
        "blocked": _num(t.blocked) if t.blocked >= 0 else -1,
        "dns": _num(t.dns) if t.dns >= 0 else -1,
        "ssl": _num(t.ssl) if t.ssl >= 0 else -1,
        "connect": _num(t.connect) if t.connect >= 0 else -1,
        "send": _num(max(t.send, 0)),
        "wait": _num(max(t.wait, 0)),
        "receive": _num(max(t.receive, 0)),
    }


def _total(t: HarTimings, given: float) -> float | int:
    if given >= 0 and math.isfinite(given):
        return _num(given)
    # The spec's definition: the sum of the known phases; ssl is already inside connect.
    return _num(sum(max(v, 0) for v in (t.blocked, t.dns, t.connect, t.send, t.wait, t.receive)))


def _entry(ex: HttpExchange, by_id: Mapping[str, HarPage], by_url: Mapping[str, str],
           show: bool) -> dict[str, Any]:
    started_text = _iso(ex.started_at, f"request start of {ex.url[:200]}")
    started = datetime.fromisoformat(started_text.replace("Z", "+00:00"))
    req_headers = _split_lines(ex.request_headers)
    resp_headers = _split_lines(ex.response_headers)
    set_cookies = [v for n, v in resp_headers if n.lower() == "set-cookie"]
    location = next((v for n, v in resp_headers if n.lower() == "location"), "")
    if not show:
        req_headers = [(n, redact_cookie_header(v) if n.lower() == "cookie" else v) for n, v in req_headers]
        resp_headers = [(n, redact_set_cookie(v) if n.lower() == "set-cookie" else v) for n, v in resp_headers]
    http_version = ex.http_version or "unknown"
    entry: dict[str, Any] = {}
    pageref = ex.page_id if ex.page_id in by_id else by_url.get(ex.page_url)
    if pageref:
        entry["pageref"] = pageref
    entry["startedDateTime"] = started_text
    entry["time"] = _total(ex.timings, ex.time_ms)
    entry["request"] = {
        "method": ex.method,
        "url": _strip_fragment(ex.url),
        "httpVersion": http_version,
        "cookies": _request_cookies(_split_lines(ex.request_headers), show),
        "headers": [{"name": n, "value": v} for n, v in req_headers],
        "queryString": _query_string(ex.url),
        "headersSize": -1,
        "bodySize": ex.request_body_size if ex.request_body_size >= 0 else -1,
    }
    response: dict[str, Any] = {
        "status": int(ex.status),
        "statusText": ex.status_text,
        "httpVersion": http_version if ex.status else "",
        "cookies": [_response_cookie(line, started, show) for line in set_cookies if line.strip()],
        "headers": [{"name": n, "value": v} for n, v in resp_headers],
        "content": {"size": 0, "mimeType": ex.mime_type or "x-unknown", "comment": BODY_COMMENT},
        "redirectURL": location,
        "headersSize": -1,
        "bodySize": ex.response_body_size if ex.response_body_size >= 0 else -1,
    }
    if ex.failure:
        response["_error"] = ex.failure
    entry["response"] = response
    entry["cache"] = {}
    entry["timings"] = _timings(ex.timings)
    if ex.server_ip:
        entry["serverIPAddress"] = ex.server_ip.strip("[]")  # DevTools drops IPv6 brackets (RFC 2373 2.2)
    entry["_resourceType"] = _resource_type(ex.resource_type)
    return entry
