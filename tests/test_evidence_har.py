"""HAR 1.2 evidence files (cookiescan.evidence.har): valid HAR 1.2, readable by haralyzer and by what
Chromium DevTools' importer demands, cookie values redacted with every Set-Cookie attribute intact, and the
same bytes for the same input. Pure data: no browser."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import jsonschema
import pytest
from haralyzer import HarParser

from cookiescan.evidence import EvidenceError, HarPage, HarTimings, HttpExchange, build_har, dump_har
from cookiescan.evidence.har import headers_from_cdp, http_version_from_protocol, redact_set_cookie

SHOP = "https://shop.test/"
SESSION = "s3ss10n-abcdef0123456789"  # 24 chars
SET_COOKIES = (
    f"session_id={SESSION}; Path=/; HttpOnly; Secure; SameSite=Lax",
    "lang=fr; Max-Age=31536000; Path=/",
    "cart_id=c-42; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Domain=shop.test; Path=/; Secure",
)
PIXEL_COOKIE = "trk_uid=u-1234567; trk_seen=1"

PAGES = (
    HarPage(id="page_1", url=SHOP, title="Shop — home", started_at="2024-05-01T10:00:00.000Z",
            on_content_load_ms=412.5, on_load_ms=980),
)


def _exchanges() -> list[HttpExchange]:
    return [
        HttpExchange(
            started_at="2024-05-01T10:00:00.010Z", page_url=SHOP, method="GET", url=SHOP + "#top",
            http_version="HTTP/1.1",
            request_headers=(("Host", "shop.test"), ("User-Agent", "HeadlessChrome/130"), ("Accept", "text/html")),
            status=200, status_text="OK",
            response_headers=(("Content-Type", "text/html"), *(("Set-Cookie", line) for line in SET_COOKIES)),
            mime_type="text/html", resource_type="Document",
            timings=HarTimings(blocked=1.5, dns=2, connect=10, ssl=6, send=0.25, wait=30, receive=4.125),
            time_ms=-1, server_ip="127.0.0.1", response_body_size=5120,
        ),
        # Third-party pixel over HTTP/2: raw headers include the Cookie header and h2 pseudo-headers, and
        # CDP's Headers object folds the two Set-Cookie lines into one value joined with "\n".
        HttpExchange(
            started_at="2024-05-01T10:00:00.300Z", page_url=SHOP, method="GET",
            url="https://tracker.test/px.gif?uid=u-1234567&ev=pageview&ev=load", http_version="h2",
            request_headers=((":authority", "tracker.test"), (":method", "GET"), (":path", "/px.gif"),
                             ("cookie", PIXEL_COOKIE), ("referer", SHOP)),
            status=200, status_text="",
            response_headers=headers_from_cdp({
                "content-type": "image/gif",
                "set-cookie": "trk_uid=u-1234567; Max-Age=63072000; Path=/; SameSite=None; Secure\n"
                              "trk_seen=1; Max-Age=86400; Path=/",
            }),
            mime_type="image/gif", resource_type="Image",
            timings=HarTimings(send=0.1, wait=12, receive=0.4), time_ms=15.75, server_ip="[::1]",
        ),
        # A redirect and a blocked request: no response, a failure text.
        HttpExchange(
            started_at="2024-05-01T10:00:00.200Z", page_url=SHOP, method="GET", url="https://ads.test/r",
            status=302, status_text="Found", response_headers=(("Location", "https://ads.test/final"),),
            resource_type="Script", timings=HarTimings(send=0, wait=5, receive=0),
        ),
        HttpExchange(
            started_at="2024-05-01T10:00:00.200Z", page_url=SHOP, method="POST", url="https://beacon.test/collect",
            http_version="", status=0, resource_type="Ping", failure="net::ERR_BLOCKED_BY_CLIENT",
        ),
    ]


def _har(**kwargs: Any) -> dict[str, Any]:
    return build_har(PAGES, _exchanges(), browser_name="HeadlessChrome", browser_version="130.0.6723.58",
                     creator_version="0.1.0", **kwargs)


# -- (a) HAR 1.2 schema ---------------------------------------------------------------------------------
_DATE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
_NV = {"type": "object", "required": ["name", "value"],
       "properties": {"name": {"type": "string"}, "value": {"type": "string"}, "comment": {"type": "string"}}}
_COOKIE = {"type": "object", "required": ["name", "value"],
           "properties": {"name": {"type": "string"}, "value": {"type": "string"}, "path": {"type": "string"},
                          "domain": {"type": "string"}, "expires": {"type": "string", "pattern": _DATE},
                          "httpOnly": {"type": "boolean"}, "secure": {"type": "boolean"},
                          "comment": {"type": "string"}}}
_OPT_TIME = {"type": "number", "minimum": -1}
_TIME = {"type": "number", "minimum": 0}
# Written from the HAR 1.2 spec's tables (http://www.softwareishard.com/blog/har-12-spec/): every field the
# spec marks required, with its type; "-1 when unknown" where the spec allows it.
HAR12_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "required": ["log"],
    "properties": {"log": {
        "type": "object", "required": ["version", "creator", "entries"],
        "properties": {
            "version": {"const": "1.2"},
            "creator": {"type": "object", "required": ["name", "version"],
                        "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
            "browser": {"type": "object", "required": ["name", "version"],
                        "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
            "comment": {"type": "string"},
            "pages": {"type": "array", "items": {
                "type": "object", "required": ["startedDateTime", "id", "title", "pageTimings"],
                "properties": {
                    "startedDateTime": {"type": "string", "pattern": _DATE}, "id": {"type": "string"},
                    "title": {"type": "string"},
                    "pageTimings": {"type": "object", "properties": {"onContentLoad": _OPT_TIME,
                                                                     "onLoad": _OPT_TIME}}}}},
            "entries": {"type": "array", "items": {
                "type": "object", "required": ["startedDateTime", "time", "request", "response", "cache", "timings"],
                "properties": {
                    "pageref": {"type": "string"},
                    "startedDateTime": {"type": "string", "pattern": _DATE},
                    "time": _TIME,
                    "serverIPAddress": {"type": "string"},
                    "connection": {"type": "string"},
                    "request": {
                        "type": "object",
                        "required": ["method", "url", "httpVersion", "cookies", "headers", "queryString",
                                     "headersSize", "bodySize"],
                        "properties": {
                            "method": {"type": "string"}, "url": {"type": "string", "pattern": "^[^#]*$"},
                            "httpVersion": {"type": "string"},
                            "cookies": {"type": "array", "items": _COOKIE},
                            "headers": {"type": "array", "items": _NV},
                            "queryString": {"type": "array", "items": _NV},
                            "headersSize": {"type": "integer", "minimum": -1},
                            "bodySize": {"type": "integer", "minimum": -1}}},
                    "response": {
                        "type": "object",
                        "required": ["status", "statusText", "httpVersion", "cookies", "headers", "content",
                                     "redirectURL", "headersSize", "bodySize"],
                        "properties": {
                            "status": {"type": "integer"}, "statusText": {"type": "string"},
                            "httpVersion": {"type": "string"},
                            "cookies": {"type": "array", "items": _COOKIE},
                            "headers": {"type": "array", "items": _NV},
                            "content": {"type": "object", "required": ["size", "mimeType"],
                                        "properties": {"size": {"type": "integer"},
                                                       "mimeType": {"type": "string"}},
                                        "not": {"required": ["text"]}},  # bodies are left out
                            "redirectURL": {"type": "string"},
                            "headersSize": {"type": "integer", "minimum": -1},
                            "bodySize": {"type": "integer", "minimum": -1}}},
                    "cache": {"type": "object"},
                    "timings": {
                        "type": "object", "required": ["send", "wait", "receive"],
                        "properties": {"blocked": _OPT_TIME, "dns": _OPT_TIME, "connect": _OPT_TIME,
                                       "ssl": _OPT_TIME, "send": _TIME, "wait": _TIME, "receive": _TIME}}}}}}}},
}


def test_har_is_valid_har_1_2() -> None:
    """Guards: every field HAR 1.2 requires, with its type. Mutation: dropped "queryString" from the
    request dict -> schema error "'queryString' is a required property"."""
    har = json.loads(dump_har(_har()))
    jsonschema.Draft202012Validator.check_schema(HAR12_SCHEMA)
    jsonschema.validate(har, HAR12_SCHEMA, cls=jsonschema.Draft202012Validator)
    log = har["log"]
    assert log["creator"] == {"name": "cookiescan", "version": "0.1.0"}
    assert log["browser"] == {"name": "HeadlessChrome", "version": "130.0.6723.58"}
    page_ids = {p["id"] for p in log["pages"]}
    assert all(e["pageref"] in page_ids for e in log["entries"])
    assert len(log["entries"]) == 4


def test_har_meets_devtools_importer_expectations() -> None:
    """What Chromium DevTools' HAR importer (front_end/models/har/HARFormat.ts) insists on beyond the spec:
    objects where it builds sub-records, parseable dates, numbers that are not NaN, its own lower-case
    ``_resourceType`` names, the failure in ``response._error``, and IPv6 without brackets.
    Mutation: _resource_type returned the CDP name unchanged ("Document") -> assertion on the names."""
    har = json.loads(dump_har(_har()))
    log = har["log"]
    assert isinstance(log["entries"], list) and isinstance(log["creator"], dict)
    for page in log["pages"]:
        assert isinstance(page["pageTimings"], dict)
    for e in log["entries"]:
        for key in ("request", "response", "timings"):
            assert isinstance(e[key], dict)
        assert isinstance(e["response"]["content"], dict)
        for number in (e["time"], e["request"]["headersSize"], e["request"]["bodySize"], e["response"]["status"],
                       e["response"]["headersSize"], e["response"]["bodySize"], e["response"]["content"]["size"],
                       e["timings"]["send"], e["timings"]["wait"], e["timings"]["receive"]):
            assert isinstance(number, (int, float)) and number == number
        for c in e["request"]["cookies"] + e["response"]["cookies"]:
            if "expires" in c:
                assert re.match(_DATE, c["expires"])
    by_url = {e["request"]["url"]: e for e in log["entries"]}
    assert [by_url[u]["_resourceType"] for u in (SHOP, "https://ads.test/r", "https://beacon.test/collect")] == \
        ["document", "script", "ping"]
    assert by_url["https://beacon.test/collect"]["response"]["_error"] == "net::ERR_BLOCKED_BY_CLIENT"
    assert "_error" not in by_url[SHOP]["response"]
    pixel = next(e for e in log["entries"] if e["request"]["url"].startswith("https://tracker.test/"))
    assert pixel["serverIPAddress"] == "::1"
    assert by_url["https://ads.test/r"]["response"]["redirectURL"] == "https://ads.test/final"


# -- (b) haralyzer ------------------------------------------------------------------------------------------
def test_har_round_trips_through_haralyzer() -> None:
    """Guards: pages, entries, pageref, headers, timings read back by an independent HAR reader.
    Mutation: pageref left out of entries -> haralyzer puts them on an "unknown" page and the count fails."""
    parser = HarParser(json.loads(dump_har(_har())))
    assert parser.version == "1.2"
    assert parser.creator["name"] == "cookiescan"
    pages = parser.pages
    assert [p.page_id for p in pages] == ["page_1"]
    page = pages[0]
    assert page.title == "Shop — home"
    assert page.pageTimings == {"onContentLoad": 412.5, "onLoad": 980}
    entries = page.entries
    assert len(entries) == 4
    doc = next(e for e in entries if e.url == SHOP)
    assert doc.status == 200
    assert doc.request.method == "GET"
    assert doc.request.get_header_value("User-Agent") == "HeadlessChrome/130"
    assert doc.response.get_header_value("Content-Type") == "text/html"
    assert doc.timings == {"blocked": 1.5, "dns": 2, "ssl": 6, "connect": 10, "send": 0.25, "wait": 30,
                           "receive": 4.125}
    assert doc.time == 47.875  # the spec's sum of the known phases (ssl is inside connect)
    assert doc.serverAddress == "127.0.0.1"
    pixel = next(e for e in entries if e.url.startswith("https://tracker.test/"))
    assert pixel.time == 15.75
    assert pixel.request.httpVersion == "h2"
    assert pixel.request.get_header_value(":authority") == "tracker.test"
    assert pixel.request.queryString == [{"name": "uid", "value": "u-1234567"}, {"name": "ev", "value": "pageview"},
                                         {"name": "ev", "value": "load"}]
    assert len([h for h in doc.response.headers if h["name"] == "Set-Cookie"]) == 3


# -- (c) Set-Cookie kept with every attribute, value redacted -------------------------------------------------
def test_set_cookie_headers_redacted_with_attributes_intact() -> None:
    """Guards: each Set-Cookie line given in is in the HAR as its own header, name and attributes byte for
    byte, value replaced by its length; no cookie value appears anywhere in the file. Mutation: redact the
    whole line (``return redact_value(line)``) -> attributes gone, assertion fails; Set-Cookie redaction
    skipped -> the value is found in the bytes."""
    raw = dump_har(_har())
    entries = json.loads(raw)["log"]["entries"]
    doc = next(e for e in entries if e["request"]["url"] == SHOP)
    got = [h["value"] for h in doc["response"]["headers"] if h["name"] == "Set-Cookie"]
    expected = []
    for line in SET_COOKIES:
        name, _, rest = line.partition("=")
        value, sep, attrs = rest.partition(";")
        expected.append(f"{name}=<redacted {len(value)} chars>{sep}{attrs}")
    assert got == expected
    assert got[0] == "session_id=<redacted 24 chars>; Path=/; HttpOnly; Secure; SameSite=Lax"
    for secret in (SESSION, "c-42", "u-1234567; Max", "trk_seen=1;"):
        assert secret.encode() not in raw
    # CDP's "\n"-joined Set-Cookie value became two headers, each redacted with its Max-Age.
    pixel = next(e for e in entries if e["request"]["url"].startswith("https://tracker.test/"))
    assert [h["value"] for h in pixel["response"]["headers"] if h["name"] == "set-cookie"] == [
        "trk_uid=<redacted 9 chars>; Max-Age=63072000; Path=/; SameSite=None; Secure",
        "trk_seen=<redacted 1 chars>; Max-Age=86400; Path=/",
    ]
    # The Cookie request header and the parsed arrays are redacted too.
    assert [h["value"] for h in pixel["request"]["headers"] if h["name"] == "cookie"] == [
        "trk_uid=<redacted 9 chars>; trk_seen=<redacted 1 chars>"]
    assert pixel["request"]["cookies"] == [{"name": "trk_uid", "value": "<redacted 9 chars>"},
                                           {"name": "trk_seen", "value": "<redacted 1 chars>"}]


def test_parsed_response_cookies_carry_the_requested_lifetime() -> None:
    """Guards: the cookies array keeps what the site asked for (expiry from Max-Age relative to the request
    start, or Expires; Domain, Path, flags, SameSite). Mutation: the Max-Age branch disabled (``if False``)
    -> the lang cookie has no expiry and the assertion fails."""
    entries = _har()["log"]["entries"]
    doc = next(e for e in entries if e["request"]["url"] == SHOP)
    session, lang, cart = doc["response"]["cookies"]
    assert session == {"name": "session_id", "value": "<redacted 24 chars>", "path": "/", "httpOnly": True,
                       "secure": True, "sameSite": "Lax"}
    assert lang["expires"] == "2025-05-01T10:00:00.010Z"  # request start + 365 days
    assert cart == {"name": "cart_id", "value": "<redacted 4 chars>", "path": "/", "domain": "shop.test",
                    "expires": "2037-10-21T07:28:00.000Z", "httpOnly": False, "secure": True}


def test_redaction_keeps_odd_lines_honest() -> None:
    """Guards: a nameless cookie, an empty value and a huge Max-Age are redacted without losing attributes
    or crashing. Mutation: ``head.partition`` replaced by ``line.partition`` in redact_set_cookie ->
    attributes swallowed into the redacted value."""
    assert redact_set_cookie("justavalue; Path=/") == "<redacted 10 chars>; Path=/"
    assert redact_set_cookie("gone=; Max-Age=0; Path=/") == "gone=<redacted 0 chars>; Max-Age=0; Path=/"
    assert redact_set_cookie("a=b=c; Secure") == "a=<redacted 3 chars>; Secure"
    ex = HttpExchange(started_at="2024-05-01T10:00:00Z", page_url=SHOP, method="GET", url=SHOP, status=200,
                      response_headers=(("Set-Cookie", "forever=1; Max-Age=999999999999; Path=/"),))
    har = build_har(PAGES, [ex], browser_name="b", browser_version="1")
    cookie = har["log"]["entries"][0]["response"]["cookies"][0]
    assert cookie["name"] == "forever" and "expires" not in cookie  # past year 9999: no date, no crash
    assert har["log"]["entries"][0]["response"]["headers"][0]["value"] == \
        "forever=<redacted 1 chars>; Max-Age=999999999999; Path=/"


# -- (d) show_values ------------------------------------------------------------------------------------------
def test_show_values_keeps_cookie_values() -> None:
    """Guards: --show-values writes the real values everywhere. Mutation: ``show`` ignored in
    _response_cookie -> the cookies array is still redacted."""
    raw = dump_har(_har(show_values=True))
    assert b"<redacted" not in raw
    entries = json.loads(raw)["log"]["entries"]
    doc = next(e for e in entries if e["request"]["url"] == SHOP)
    assert [h["value"] for h in doc["response"]["headers"] if h["name"] == "Set-Cookie"] == list(SET_COOKIES)
    assert doc["response"]["cookies"][0]["value"] == SESSION
    pixel = next(e for e in entries if e["request"]["url"].startswith("https://tracker.test/"))
    assert [h["value"] for h in pixel["request"]["headers"] if h["name"] == "cookie"] == [PIXEL_COOKIE]
    assert pixel["request"]["cookies"][0] == {"name": "trk_uid", "value": "u-1234567"}


# -- bodies, order, determinism, bad input ---------------------------------------------------------------
def test_bodies_are_left_out() -> None:
    """Guards: no response body in the evidence, sizes honest. Mutation: content.size set from
    response_body_size -> the size assertion fails."""
    for e in _har()["log"]["entries"]:
        content = e["response"]["content"]
        assert content["size"] == 0 and "text" not in content and "encoding" not in content
        assert "postData" not in e["request"]
    doc = next(e for e in _har()["log"]["entries"] if e["request"]["url"] == SHOP)
    assert doc["response"]["bodySize"] == 5120


def test_same_input_same_bytes_and_sorted_entries() -> None:
    """Guards: the HAR's hash is reproducible, and entries are in start order with ties kept in input order
    (the redirect before the ping, both at .200). Mutations: entries sorted by URL -> order differs; the
    build time written into ``log.comment`` -> bytes differ between two builds."""
    first, second = dump_har(_har()), dump_har(_har())
    assert first == second
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    urls = [e["request"]["url"] for e in json.loads(first)["log"]["entries"]]
    assert urls == [SHOP, "https://ads.test/r", "https://beacon.test/collect",
                    "https://tracker.test/px.gif?uid=u-1234567&ev=pageview&ev=load"]
    assert first.endswith(b"\n") and first.decode("utf-8")


def test_hostile_header_text_still_gives_valid_json() -> None:
    """Guards: a header value with a lone surrogate or quotes/newline-like text cannot break the file.
    Mutation: the ensure_ascii fallback disabled (``except ZeroDivisionError``) -> UnicodeEncodeError."""
    ex = HttpExchange(started_at="2024-05-01T10:00:00Z", page_url=SHOP, method="GET", url=SHOP, status=200,
                      response_headers=(("X-Evil", '"}]}\ud800'),))
    raw = dump_har(build_har(PAGES, [ex], browser_name="b", browser_version="1"))
    assert json.loads(raw)["log"]["entries"][0]["response"]["headers"][0]["value"] == '"}]}\ud800'


def test_bad_records_are_one_line_errors() -> None:
    """Guards: a malformed time or a duplicate page id is an EvidenceError, not a traceback deep in json.
    Mutation: _iso catching nothing (``except ZeroDivisionError``) -> ValueError escapes."""
    bad = HttpExchange(started_at="yesterday", page_url=SHOP, method="GET", url=SHOP)
    with pytest.raises(EvidenceError, match="not an ISO 8601 time"):
        build_har(PAGES, [bad], browser_name="b", browser_version="1")
    with pytest.raises(EvidenceError, match="two pages"):
        build_har(PAGES * 2, [], browser_name="b", browser_version="1")


def test_cdp_helpers() -> None:
    """Guards: the CDP mapping helpers the scanner uses. Mutation: headers_from_cdp without the split ->
    one header holding both lines."""
    assert headers_from_cdp({"set-cookie": "a=1\nb=2", "x": "y"}) == (("set-cookie", "a=1"), ("set-cookie", "b=2"),
                                                                        ("x", "y"))
    assert headers_from_cdp(None) == ()
    assert [http_version_from_protocol(p) for p in ("http/1.1", "h2", "h3", "")] == \
        ["HTTP/1.1", "http/2.0", "h3", "unknown"]
