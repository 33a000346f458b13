"""First or third party: the registrable domain (eTLD+1) of a host, from the bundled public-suffix
list (never fetched)."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=8192)
def site_of(host: str) -> str:
    """Registrable domain of ``host`` (``www.shop.co.uk`` -> ``shop.co.uk``). Falls back to the host
    itself where there is none: ``localhost``, IP addresses, ``.test``/``.example`` names."""
    host = (host or "").strip().lower().lstrip(".").rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        return host
    if not host.isascii():  # the browser's jar and links use punycode: compare in it
        import idna

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return host
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    reg = _EXTRACT(host).top_domain_under_public_suffix
    return reg or host


def host_of(url: str) -> str:
    """Lower-case host of a URL ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def site_of_url(url: str) -> str:
    """Registrable domain of a URL's host."""
    return site_of(host_of(url))


class PartyResolver:
    """Decides first vs third party against the scanned site plus ``--first-party`` domains."""

    def __init__(self, first_party: Iterable[str]) -> None:
        self.first_party = tuple(dict.fromkeys(site_of(d) for d in first_party if d))

    def party_of_host(self, host: str) -> str:
        return "first" if site_of(host) in self.first_party else "third"

    def party_of_url(self, url: str) -> str:
        return self.party_of_host(host_of(url))
