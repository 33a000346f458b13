"""Parse cookie writes (Set-Cookie lines and document.cookie strings) into the lifetime the site
*requested* — the browser's own jar caps it (Chromium: 400 days), so this is what rules judge."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

DAY = 86400.0
_URL_IN_STACK = re.compile(r"(https?://[^\s()]+?):\d+:\d+")


def split_cookie(line: str) -> tuple[str, str, dict[str, str], str]:
    """``'a=b; Max-Age=3; Secure'`` -> ``('a', 'b', {'max-age': '3', 'secure': ''}, 'Max-Age=3; Secure')``."""
    head, _, rest = line.partition(";")
    name, eq, value = head.partition("=")
    if not eq:  # a nameless cookie: "value" alone
        name, value = "", head
    attrs: dict[str, str] = {}
    for part in rest.split(";"):
        key, _, val = part.strip().partition("=")
        if key:
            attrs[key.strip().lower()] = val.strip()
    return name.strip(), value.strip(), attrs, rest.strip()


def requested_lifetime(attrs: dict[str, str], now: float) -> tuple[float | None, str | None, bool]:
    """(lifetime in days or None for session, the attribute as written, deletes?) per RFC 6265:
    Max-Age wins over Expires."""
    if "max-age" in attrs:
        raw = attrs["max-age"]
        try:
            seconds = int(raw)
        except ValueError:
            seconds = None
        if seconds is not None:
            return (max(seconds, 0) / DAY, f"Max-Age={raw}", seconds <= 0)
    if "expires" in attrs:
        raw = attrs["expires"]
        when = parse_expires(raw)
        if when is not None:
            delta = when.timestamp() - now
            return (max(delta, 0) / DAY, f"Expires={raw}", delta <= 0)
    return None, None, False


def parse_expires(raw: str) -> datetime | None:
    """An Expires date in the forms servers actually send (RFC 1123, RFC 850, asctime, dashes)."""
    text = raw.strip().strip('"')
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        dt = None
    if dt is None:
        for fmt in ("%a, %d-%b-%Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a, %d-%b-%y %H:%M:%S GMT"):
            try:
                dt = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if dt is None:
        return None
    if dt.year == 1969 and not re.search(r"\b1969\b", text):
        # a two-digit "69": Python reads 1969, RFC 6265 5.1.1 (and Chromium) read 2069
        dt = dt.replace(year=2069)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def script_from_stack(stack: str) -> str | None:
    """The first script URL in a JS stack trace: who wrote to document.cookie."""
    for line in stack.splitlines()[1:]:
        m = _URL_IN_STACK.search(line)
        if m:
            return m.group(1)
    return None
