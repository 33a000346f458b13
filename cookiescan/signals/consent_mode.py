"""Google Consent Mode v2: read the consent state Google tags put on their own requests.

Google Analytics 4 (``/g/collect``), Google Ads / DoubleClick (``/pagead/…``, Floodlight) and gtag hits carry
the page's consent state in two query parameters. Neither is documented by Google; what follows is the
reading of the public write-ups and the one public decoder listed under *Sources*.

``gcs`` — ``G1`` then one character for ``ad_storage`` and one for ``analytics_storage``:
``1`` granted, ``0`` denied, ``-`` not set (``G100``: both denied, ``G111``: both granted).

``gcd`` — e.g. ``11p1p1p1p5`` (early 2024) or ``13r3r3r2r5l1`` (later): a leading ``1``, then one
(digit, letter) pair per signal in the order ``ad_storage``, ``analytics_storage``, ``ad_user_data``,
``ad_personalization``, then trailing characters (other flags, not decoded here). The **letter** is a value
in gtag's base-64 alphabet ``0-9 a-z A-Z - _`` whose bits 2-3 hold the *default* state and bits 0-1 the
*update* state, each 1 = not set, 2 = denied, 3 = granted (bit 4 is always set). That gives nine letters:

======  =============  ==============  ==========  ================
letter  default        update          value       source
======  =============  ==============  ==========  ================
``l``   not set        not set         unset       —
``p``   denied         not set         denied      default
``q``   denied         denied          denied      update
``r``   denied         granted         granted     update
``t``   granted        not set         granted     default
``u``   granted        denied          denied      update
``v``   granted        granted         granted     update
``m``   not set        denied          denied      update
``n``   not set        granted         granted     update
======  =============  ==============  ==========  ================

The digit before each letter is not needed for the state and is kept only in the raw value.

Sources (as read for this module): David Vallejo (Analytics Debugger), "Google Consent Parser", a
server-side GTM variable template (MIT) — its code reads each letter as a base-64 index with the default in
bits 2-3 and the update in bits 0-1 (1 not set, 2 denied, 3 granted) at positions 2/4/6/8, tested on
``13r3r3r3r5``; giancampo.com (crediting Markus Baersch's Consent Mode v2 guide on simoahava.com) and
pietromingotti.com "Consent Mode Parameters" — the ``11p1p1p1p5`` layout, nine possible letters, and the
``gcs`` values; adriennevermorel.com "Consent Mode Debugging Network Parameters" — ``gcs`` as ``G1`` +
ad_storage + analytics_storage.
Some write-ups contradict each other on single letters (one calls ``l`` "default denied", another ``q``
"granted"); the bit layout, which reproduces the nine-letter set exactly, decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "CONSENT_PARAMS",
    "SIGNALS",
    "ConsentModeState",
    "ConsentSignal",
    "any_granted",
    "consent_mode_from_request",
    "gcd_letter",
    "google_tag_kind",
    "is_google_tag_request",
    "parse_gcd",
    "parse_gcs",
]

SIGNALS = ("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization")
"""The four Consent Mode v2 signals, in ``gcd`` order."""
CONSENT_PARAMS = ("gcs", "gcd", "gcu", "gcut", "npa", "dma", "dma_cps")
"""Consent-related parameters kept verbatim on the record (raw evidence)."""

GRANTED, DENIED, UNSET = "granted", "denied", "unset"
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
_STATE_BITS = {0: UNSET, 1: UNSET, 2: DENIED, 3: GRANTED}
_BITS_FOR = {UNSET: 1, DENIED: 2, GRANTED: 3}
_GCS_CHAR = {"1": GRANTED, "0": DENIED, "-": UNSET}
_MAX_PARAM = 200  # real gcs/gcd are a dozen characters; longer is not a consent value
_MAX_QUERY = 65_536  # a query string or body line read past this is not a tag hit worth parsing


@dataclass(frozen=True, slots=True)
class ConsentSignal:
    """One signal on one request: its effective ``value`` and where it came from.

    ``value`` is granted / denied / unset; ``source`` is "update" (a ``consent update`` decided it),
    "default" (only the default was set) or ``None`` (not set, or known from ``gcs`` alone, which does
    not say). ``default`` / ``update`` are the two halves as read from ``gcd``; ``letter`` is its letter.
    """

    name: str
    value: str
    source: str | None
    default: str = UNSET
    update: str = UNSET
    letter: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "value": self.value, "source": self.source, "default": self.default,
                "update": self.update, "letter": self.letter}


def _signal(name: str, default: str, update: str, letter: str | None) -> ConsentSignal:
    if update != UNSET:
        return ConsentSignal(name, update, "update", default, update, letter)
    if default != UNSET:
        return ConsentSignal(name, default, "default", default, update, letter)
    return ConsentSignal(name, UNSET, None, default, update, letter)


def gcd_letter(default: str, update: str) -> str:
    """The ``gcd`` letter for a (default, update) pair, e.g. ``gcd_letter("denied", "granted") == "r"``."""
    try:
        return _ALPHABET[16 + 4 * _BITS_FOR[default] + _BITS_FOR[update]]
    except KeyError:
        raise ValueError(f"consent states are granted/denied/unset, not {default!r}/{update!r}") from None


def parse_gcs(value: str) -> dict[str, str]:
    """``G1xy`` -> ``{"ad_storage": …, "analytics_storage": …}``; ValueError if it is not that shape."""
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"G1[01\-][01\-]", text):
        raise ValueError(f"gcs {_show(value)} is not G1 followed by two of 1/0/-")
    return {"ad_storage": _GCS_CHAR[text[2]], "analytics_storage": _GCS_CHAR[text[3]]}


def parse_gcd(value: str) -> dict[str, ConsentSignal]:
    """``gcd`` -> one :class:`ConsentSignal` per v2 signal (see the module docstring for the layout)."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) < 9 or len(text) > _MAX_PARAM or not text.isascii():
        raise ValueError(f"gcd {_show(value)} is too short or too long to hold four consent letters")
    out: dict[str, ConsentSignal] = {}
    for i, name in enumerate(SIGNALS):
        letter = text[2 + 2 * i]
        index = _ALPHABET.find(letter)
        if index < 16:  # not in the alphabet, or a digit/early letter: not a state letter
            raise ValueError(f"gcd {_show(value)} has {letter!r} where the {name} letter belongs")
        out[name] = _signal(name, _STATE_BITS[(index >> 2) & 3], _STATE_BITS[index & 3], letter)
    return out


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…'"


@dataclass(frozen=True, slots=True)
class ConsentModeState:
    """The Consent Mode state one Google request carried.

    ``signals`` come from ``gcd`` when it parses, else ``gcs`` (ad_storage/analytics_storage only).
    ``conflicts`` names signals where ``gcs`` and ``gcd`` say different things; ``errors`` holds the
    one-line reason for a malformed ``gcs``/``gcd``; ``params`` keeps every consent parameter verbatim.
    """

    url: str
    kind: str | None
    params: dict[str, str]
    ad_storage: ConsentSignal
    analytics_storage: ConsentSignal
    ad_user_data: ConsentSignal
    ad_personalization: ConsentSignal
    conflicts: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def gcs(self) -> str | None:
        """The raw ``gcs`` value, if any."""
        return self.params.get("gcs")

    @property
    def gcd(self) -> str | None:
        """The raw ``gcd`` value, if any."""
        return self.params.get("gcd")

    @property
    def signals(self) -> tuple[ConsentSignal, ...]:
        """The four signals in ``gcd`` order."""
        return (self.ad_storage, self.analytics_storage, self.ad_user_data, self.ad_personalization)

    def granted(self) -> tuple[str, ...]:
        """Names of the signals that are granted."""
        return tuple(s.name for s in self.signals if s.value == GRANTED)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"url": self.url, "kind": self.kind, "params": dict(self.params),
                "signals": {s.name: s.to_dict() for s in self.signals},
                "conflicts": list(self.conflicts), "errors": list(self.errors)}


def any_granted(state: ConsentModeState) -> bool:
    """True when the request says any storage or ad signal is granted (what a pre-consent hit must not)."""
    return bool(state.granted())


def _params(url: str, post_data: str | bytes | None) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        query = urlsplit(url).query
    except ValueError:
        query = ""
    sources = [query]
    if post_data:
        body = post_data.decode("utf-8", "replace") if isinstance(post_data, bytes) else post_data
        sources.extend(body.splitlines()[:50])  # GA4 batches one hit a line; shared params are in the URL
    for source in sources:
        parsed = parse_qs(source[:_MAX_QUERY], keep_blank_values=True)
        for key in CONSENT_PARAMS:
            if key not in found and parsed.get(key):
                found[key] = parsed[key][0][:_MAX_PARAM]
    return found


def consent_mode_from_request(url: str, post_data: str | bytes | None = None) -> ConsentModeState | None:
    """The Consent Mode state of one request, or ``None`` when it carries neither ``gcs`` nor ``gcd``.

    Looks in the query string, then in a POST body (GA4 batches). Never raises for bad values: a
    malformed ``gcs``/``gcd`` is recorded in ``errors`` and its signals are left unset.
    """
    params = _params(url, post_data)
    if "gcs" not in params and "gcd" not in params:
        return None
    errors: list[str] = []
    from_gcs: dict[str, str] = {}
    from_gcd: dict[str, ConsentSignal] = {}
    if "gcs" in params:
        try:
            from_gcs = parse_gcs(params["gcs"])
        except ValueError as exc:
            errors.append(str(exc))
    if "gcd" in params:
        try:
            from_gcd = parse_gcd(params["gcd"])
        except ValueError as exc:
            errors.append(str(exc))
    signals: dict[str, ConsentSignal] = {}
    conflicts: list[str] = []
    for name in SIGNALS:
        if name in from_gcd:
            signals[name] = from_gcd[name]
            said = from_gcs.get(name)
            if said is not None and said != from_gcd[name].value:
                conflicts.append(name)
        elif name in from_gcs:
            signals[name] = ConsentSignal(name, from_gcs[name], None)
        else:
            signals[name] = ConsentSignal(name, UNSET, None)
    return ConsentModeState(url=url, kind=google_tag_kind(url), params=params, conflicts=tuple(conflicts),
                            errors=tuple(errors), **signals)


# -- which requests are Google tag requests ----------------------------------------------------------------
_GOOGLE_SEARCH_HOST = re.compile(r"(www\.)?google(\.com?)?(\.[a-z]{2,3})$")


def google_tag_kind(url: str) -> str | None:
    """What kind of Google tag request ``url`` is, or ``None``.

    Kinds: ``ga4`` (``/g/collect``), ``ua`` (Universal Analytics ``/collect``, ``/r/collect``,
    ``/j/collect``), ``ads`` (Google Ads conversion/remarketing: ``/pagead/…``, ``/ccm/collect``,
    ``/ads/ga-audiences``), ``floodlight`` (``ad.doubleclick.net/activity``, ``*.fls.doubleclick.net``),
    ``gtag-js`` (``googletagmanager.com/gtag/js``, ``/gtag/destination``), ``gtm-js`` (``googletagmanager.com/gtm.js``),
    ``analytics-js`` (``analytics.js`` / ``ga.js``). A ``/g/collect`` hit for a ``G-`` id on any host (a
    first-party server-side tagging endpoint) also counts as ``ga4``.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    path = parts.path or "/"
    analytics_host = host == "google-analytics.com" or host.endswith(".google-analytics.com") \
        or host in ("analytics.google.com", "stats.g.doubleclick.net")
    if analytics_host:
        if path.endswith("/g/collect"):
            return "ga4"
        if path in ("/collect", "/r/collect", "/j/collect", "/__utm.gif"):
            return "ua"
        if path in ("/analytics.js", "/ga.js", "/urchin.js") or path.startswith("/plugins/"):
            return "analytics-js"
    if host in ("googletagmanager.com", "www.googletagmanager.com"):
        if path.startswith("/gtag/js") or path.startswith("/gtag/destination"):
            return "gtag-js"
        if path in ("/gtm.js", "/ns.html"):
            return "gtm-js"
        if path.endswith("/g/collect"):
            return "ga4"
    if host == "ad.doubleclick.net" and (path.startswith("/activity") or path.startswith("/ddm/activity")):
        return "floodlight"
    if host.endswith(".fls.doubleclick.net"):
        return "floodlight"
    if host in ("googleads.g.doubleclick.net", "www.googleadservices.com", "googleadservices.com") \
            and path.startswith("/pagead/"):
        return "ads"
    if _GOOGLE_SEARCH_HOST.fullmatch(host) and (
            path.startswith("/pagead/") or path.startswith("/ccm/collect") or path.startswith("/ads/ga-audiences")
            or path.startswith("/rmkt/collect")):
        return "ads"
    if path.endswith("/g/collect") and _query_value(parts.query, "tid").startswith("G-"):
        return "ga4"
    return None


def _query_value(query: str, key: str) -> str:
    values = parse_qs(query[:_MAX_QUERY]).get(key)
    return values[0] if values else ""


def is_google_tag_request(url: str) -> bool:
    """True for the Google tag requests :func:`google_tag_kind` knows."""
    return google_tag_kind(url) is not None


def state_table(states: Mapping[str, ConsentModeState | None]) -> dict[str, dict[str, str]]:
    """``{label: state}`` -> ``{label: {signal: value}}`` for evidence tables (``"absent"`` when no state)."""
    return {label: ({s.name: s.value for s in st.signals} if st else dict.fromkeys(SIGNALS, "absent"))
            for label, st in states.items()}
