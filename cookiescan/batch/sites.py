"""The sites a run is opened with: validated web addresses, their registrable domain and tags."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from cookiescan.batch.records import StoreError
from cookiescan.party import site_of


def site_entries(sites: Iterable[tuple[str, Iterable[str]] | str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``url -> (registrable domain, sorted tags)`` in the given order; a URL listed twice merges its tags.
    Raises StoreError naming the first entry that is not an http(s) address."""
    out: dict[str, tuple[str, set[str]]] = {}
    for item in sites:
        url, tags = (item, ()) if isinstance(item, str) else item
        url = str(url).strip()
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            host = None
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not host:
            raise StoreError(f"not a web address: {url[:200]!r}", hint="sites are http:// or https:// URLs")
        if isinstance(tags, str):
            tags = (tags,)
        _, have = out.setdefault(url, (site_of(host), set()))
        have.update(str(t).strip() for t in tags if str(t).strip())
    return {url: (domain, tuple(sorted(tags))) for url, (domain, tags) in out.items()}
