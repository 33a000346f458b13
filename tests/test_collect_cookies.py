"""collect/cookies: how a cookie write becomes evidence (issue 12, item 6), without a browser.

A Set-Cookie line or a ``document.cookie`` string is split into name, value and attributes, and the
lifetime the site *requested* is read from it the way RFC 6265 says a browser does: Max-Age wins over
Expires, a non-numeric Max-Age is ignored, a zero/negative Max-Age or a past Expires deletes, an Expires
the browser cannot read leaves a session cookie. These are the numbers the lifetime rules judge, so each
case below is one a site really sends.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cookiescan.collect.cookies import parse_expires, requested_lifetime, script_from_stack, split_cookie

NOW_DT = datetime(2024, 1, 31, 10, 0, 0, tzinfo=timezone.utc)
NOW = NOW_DT.timestamp()


def http_date(dt: datetime) -> str:
    """RFC 1123, as servers and ``Date.prototype.toUTCString()`` write it."""
    return dt.strftime("%a, %d %b %Y %H:%M:%S GMT")


IN_30_DAYS = http_date(NOW_DT + timedelta(days=30))
IN_2_YEARS = http_date(NOW_DT + timedelta(days=731))  # 2024 is a leap year: 2026-01-31
YESTERDAY = http_date(NOW_DT - timedelta(days=1))
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"  # the classic "delete this cookie" date


# -- split_cookie ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "name", "value", "attrs", "attr_text"), [
    pytest.param("a=b; Max-Age=3; Secure", "a", "b", {"max-age": "3", "secure": ""}, "Max-Age=3; Secure",
                 id="attributes"),
    pytest.param('id="abc"; Path=/', "id", '"abc"', {"path": "/"}, "Path=/",
                 id="quoted-value-keeps-quotes"),  # RFC 6265: the quotes are part of the value
    pytest.param("tok=a=b==; Path=/", "tok", "a=b==", {"path": "/"}, "Path=/", id="equals-in-value"),
    pytest.param("gone=; Max-Age=0", "gone", "", {"max-age": "0"}, "Max-Age=0", id="empty-value"),
    pytest.param("gone=", "gone", "", {}, "", id="empty-value-no-attributes"),
    pytest.param("a=b; MAX-AGE=5; SeCuRe; HttpOnly; samesite=None; DOMAIN=.Shop.FR", "a", "b",
                 {"max-age": "5", "secure": "", "httponly": "", "samesite": "None", "domain": ".Shop.FR"},
                 "MAX-AGE=5; SeCuRe; HttpOnly; samesite=None; DOMAIN=.Shop.FR",
                 id="attribute-names-any-case-values-kept"),
    pytest.param("a=b;; ;Secure;", "a", "b", {"secure": ""}, "; ;Secure;", id="stray-semicolons"),
    pytest.param("  a  =  b  ;  Path = /x ", "a", "b", {"path": "/x"}, "Path = /x", id="whitespace-trimmed"),
    pytest.param("a=b; Max-Age=10; Max-Age=20", "a", "b", {"max-age": "20"}, "Max-Age=10; Max-Age=20",
                 id="last-duplicate-attribute-wins"),  # RFC 6265 5.3: the last Max-Age counts
    pytest.param(f"cart=1; Expires={IN_30_DAYS}; Path=/", "cart", "1", {"expires": IN_30_DAYS, "path": "/"},
                 f"Expires={IN_30_DAYS}; Path=/", id="comma-inside-expires"),
    pytest.param("justavalue", "", "justavalue", {}, "", id="nameless-cookie"),
    pytest.param("a=b; Comment=x=y", "a", "b", {"comment": "x=y"}, "Comment=x=y", id="equals-in-attribute"),
])
def test_split_cookie(line: str, name: str, value: str, attrs: dict[str, str], attr_text: str) -> None:
    assert split_cookie(line) == (name, value, attrs, attr_text)


# -- requested_lifetime ----------------------------------------------------------------------------

@pytest.mark.parametrize(("attrs", "days", "raw", "deletes"), [
    pytest.param({}, None, None, False, id="session-no-lifetime"),
    pytest.param({"path": "/", "secure": ""}, None, None, False, id="session-other-attributes"),
    pytest.param({"max-age": "63072000"}, 730.0, "Max-Age=63072000", False, id="two-years-max-age"),
    pytest.param({"max-age": "3600"}, 1 / 24, "Max-Age=3600", False, id="one-hour"),
    pytest.param({"max-age": "86400", "expires": IN_2_YEARS}, 1.0, "Max-Age=86400", False,
                 id="max-age-beats-later-expires"),
    pytest.param({"max-age": "63072000", "expires": YESTERDAY}, 730.0, "Max-Age=63072000", False,
                 id="max-age-beats-past-expires"),
    pytest.param({"max-age": "0"}, 0.0, "Max-Age=0", True, id="zero-max-age-deletes"),
    pytest.param({"max-age": "-1"}, 0.0, "Max-Age=-1", True, id="negative-max-age-deletes"),
    pytest.param({"max-age": "0", "expires": IN_2_YEARS}, 0.0, "Max-Age=0", True,
                 id="zero-max-age-deletes-despite-expires"),
    pytest.param({"max-age": "abc", "expires": IN_30_DAYS}, 30.0, f"Expires={IN_30_DAYS}", False,
                 id="non-numeric-max-age-falls-back-to-expires"),
    pytest.param({"max-age": "1.5"}, None, None, False, id="decimal-max-age-ignored"),
    pytest.param({"max-age": ""}, None, None, False, id="empty-max-age-ignored"),
    pytest.param({"max-age": "abc"}, None, None, False, id="non-numeric-max-age-alone-is-session"),
    pytest.param({"expires": IN_30_DAYS}, 30.0, f"Expires={IN_30_DAYS}", False, id="expires-future"),
    pytest.param({"expires": IN_2_YEARS}, 731.0, f"Expires={IN_2_YEARS}", False, id="expires-two-years"),
    pytest.param({"expires": YESTERDAY}, 0.0, f"Expires={YESTERDAY}", True, id="expires-past-deletes"),
    pytest.param({"expires": EPOCH}, 0.0, f"Expires={EPOCH}", True, id="expires-epoch-deletes"),
    pytest.param({"expires": "never"}, None, None, False, id="invalid-expires-is-session"),
    pytest.param({"expires": ""}, None, None, False, id="empty-expires-is-session"),
    pytest.param({"expires": "Sunday, 31-Jan-27 10:00:00 GMT"}, 1096.0, "Expires=Sunday, 31-Jan-27 10:00:00 GMT",
                 False, id="rfc850-two-digit-year"),
])
def test_requested_lifetime(attrs: dict[str, str], days: float | None, raw: str | None, deletes: bool) -> None:
    got_days, got_raw, got_deletes = requested_lifetime(attrs, NOW)
    assert got_days == (None if days is None else pytest.approx(days, abs=1e-6))
    assert (got_raw, got_deletes) == (raw, deletes)


def test_requested_lifetime_is_counted_from_the_write_not_from_now() -> None:
    """Guards: the same Expires line read an hour later requests an hour less."""
    attrs = {"expires": IN_30_DAYS}
    early, _, _ = requested_lifetime(attrs, NOW)
    late, _, _ = requested_lifetime(attrs, NOW + 3600)
    assert early is not None and late is not None
    assert early - late == pytest.approx(1 / 24)


def test_split_then_lifetime_end_to_end() -> None:
    """The recorder's path: a raw line in, the requested lifetime out (attribute names in any case)."""
    _, _, attrs, _ = split_cookie("_ga=GA1.1.1; max-age=63072000; path=/; SameSite=Lax")
    assert requested_lifetime(attrs, NOW) == (pytest.approx(730.0), "Max-Age=63072000", False)


# -- parse_expires ---------------------------------------------------------------------------------

OCT_21_2015 = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("raw", "expected"), [
    pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", OCT_21_2015, id="rfc1123"),
    pytest.param("Wednesday, 21-Oct-15 07:28:00 GMT", OCT_21_2015, id="rfc850"),
    pytest.param("Wed Oct 21 07:28:00 2015", OCT_21_2015, id="asctime"),
    pytest.param("Sun Nov  6 08:49:37 1994", datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc),
                 id="asctime-padded-day"),
    pytest.param("Wed, 21-Oct-2015 07:28:00 GMT", OCT_21_2015, id="netscape-dashes-four-digit-year"),
    pytest.param("Wed, 21-Oct-15 07:28:00 GMT", OCT_21_2015, id="netscape-dashes-two-digit-year"),
    pytest.param("Wed, 21 Oct 2015 07:28:00 UTC", OCT_21_2015, id="utc-zone-name"),
    pytest.param("Wed, 21 Oct 2015 07:28:00", OCT_21_2015, id="no-zone-is-utc"),
    pytest.param('"Wed, 21 Oct 2015 07:28:00 GMT"', OCT_21_2015, id="quoted"),
    pytest.param("  Wed, 21 Oct 2015 07:28:00 GMT ", OCT_21_2015, id="padded"),
    pytest.param("Wed Oct 21 2015 07:28:00 GMT+0000 (Coordinated Universal Time)", OCT_21_2015,
                 id="javascript-date-toString"),
    pytest.param("Wed, 21 Oct 70 07:28:00 GMT", datetime(1970, 10, 21, 7, 28, tzinfo=timezone.utc),
                 id="two-digit-year-70-is-1970"),
    pytest.param("Wed, 21 Oct 99 07:28:00 GMT", datetime(1999, 10, 21, 7, 28, tzinfo=timezone.utc),
                 id="two-digit-year-99-is-1999"),
    pytest.param("Sat, 21 Oct 00 07:28:00 GMT", datetime(2000, 10, 21, 7, 28, tzinfo=timezone.utc),
                 id="two-digit-year-00-is-2000"),
    pytest.param("Thu, 21 Oct 38 07:28:00 GMT", datetime(2038, 10, 21, 7, 28, tzinfo=timezone.utc),
                 id="two-digit-year-38-is-2038"),
    pytest.param("Thu, 21 Oct 68 07:28:00 GMT", datetime(2068, 10, 21, 7, 28, tzinfo=timezone.utc),
                 id="two-digit-year-68-is-2068"),
    pytest.param("Mon, 21 Oct 69 07:28:00 GMT", datetime(2069, 10, 21, 7, 28, tzinfo=timezone.utc),
                 id="two-digit-year-69-is-2069"),
    pytest.param("tomorrow", None, id="words"),
    pytest.param("", None, id="empty"),
    pytest.param("0", None, id="a-number"),
    pytest.param("2015-10-21T07:28:00Z", None, id="iso-8601-is-not-a-cookie-date"),
    pytest.param("Wed, 32 Oct 2015 07:28:00 GMT", None, id="day-32"),
    pytest.param("Wed, 21 Oct 2015 25:28:00 GMT", None, id="hour-25"),
])
def test_parse_expires(raw: str, expected: datetime | None) -> None:
    got = parse_expires(raw)
    assert got == expected
    if got is not None:
        assert got.utcoffset() == timedelta(0)  # always an aware UTC time, comparable with time.time()


# -- script_from_stack -----------------------------------------------------------------------------

HOOK_FRAME = "    at HTMLDocument.set [as cookie] (<anonymous>:23:18)"


@pytest.mark.parametrize(("stack", "expected"), [
    pytest.param(f"Error\n{HOOK_FRAME}\n    at loadGA (https://www.shop.fr/static/site.js:12:3)\n"
                 "    at https://www.shop.fr/:5:1",
                 "https://www.shop.fr/static/site.js", id="first-script-frame-after-the-hook"),
    pytest.param(f"Error\n{HOOK_FRAME}\n    at https://cdn.tracker.net/t.js:1:200",
                 "https://cdn.tracker.net/t.js", id="anonymous-top-level-frame"),
    pytest.param(f"Error\n{HOOK_FRAME}\n    at eval (eval at run (https://tags.example.com/gtm.js:3:10), <anonymous>:1:5)",
                 "https://tags.example.com/gtm.js", id="eval-names-the-script-that-evaluated"),
    pytest.param(f"Error\n{HOOK_FRAME}\n    at f (https://www.shop.fr:8443/a.js:1:2)",
                 "https://www.shop.fr:8443/a.js", id="port-kept"),
    pytest.param(f"Error\n{HOOK_FRAME}\n    at f (https://www.shop.fr/a.js?v=3&x=y:10:2)",
                 "https://www.shop.fr/a.js?v=3&x=y", id="query-kept"),
    pytest.param(f"Error\n{HOOK_FRAME}\n    at http://www.shop.fr/products/1:20:5",
                 "http://www.shop.fr/products/1", id="inline-script-is-the-page"),
    pytest.param(f"Error\n{HOOK_FRAME}\n    at <anonymous>:1:1", None, id="no-url"),
    pytest.param("Error: https://evil.example/x.js:1:1\n    at <anonymous>:1:1", None, id="message-line-skipped"),
    pytest.param("", None, id="empty"),
    pytest.param(f"Error\n{HOOK_FRAME}\n    at f (chrome-extension://abc/x.js:1:2)", None, id="non-web-url-ignored"),
])
def test_script_from_stack(stack: str, expected: str | None) -> None:
    assert script_from_stack(stack) == expected
