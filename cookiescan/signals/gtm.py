"""Google Tag Manager and gtag: container ids, and how a request came to be sent (its loading chain).

``container_id`` reads ``GTM-…`` / ``G-…`` / ``AW-…`` (and ``DC-``, ``GT-``, ``UA-``) ids from
``googletagmanager.com/gtm.js?id=`` and ``/gtag/js?id=`` URLs, including first-party (server-side
tagging) copies of those paths. ``initiator_urls`` flattens a CDP ``Network.requestWillBeSent``
``initiator`` into script URLs, outermost first; ``loading_chain`` turns such a list into the evidence
line "page → gtm.js?id=GTM-ABC1 → analytics.js → collect" and says whether GTM (or a bare gtag) loaded it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["LoadingChain", "container_id", "initiator_urls", "loading_chain", "step_label"]

_ID = re.compile(r"(GTM|G|AW|DC|GT|UA|MC)-[A-Z0-9]{2,20}(-[0-9]{1,4})?")
_MAX_DEPTH = 20
_MAX_LABEL = 80
ARROW = " → "


def _script_kind(url: str) -> tuple[str, str] | None:
    """("gtm" | "gtag", id) for a GTM container or gtag library URL, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = parts.path or ""
    if path.endswith("/gtm.js") or path.endswith("/ns.html"):
        kind = "gtm"
    elif path.endswith("/gtag/js") or path.endswith("/gtag/destination"):
        kind = "gtag"
    else:
        return None
    values = parse_qs(parts.query[:4096]).get("id") or []
    value = values[0].strip() if values else ""
    if not _ID.fullmatch(value):
        return None
    return kind, value


def container_id(url: str) -> str | None:
    """The container or tag id a ``gtm.js?id=`` / ``gtag/js?id=`` URL loads (``GTM-…``, ``G-…``, ``AW-…``)."""
    found = _script_kind(url)
    return found[1] if found else None


def _clean(text: str) -> str:
    text = "".join(c for c in text if c.isprintable())
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def step_label(url: str) -> str:
    """A short label for one URL of a chain: ``gtm.js?id=GTM-X``, ``gtag/js?id=G-X`` or the file name."""
    found = _script_kind(url)
    if found:
        kind, value = found
        return f"gtm.js?id={value}" if kind == "gtm" else f"gtag/js?id={value}"
    try:
        parts = urlsplit(url)
    except ValueError:
        return _clean(url)
    name = (parts.path or "").rstrip("/").rsplit("/", 1)[-1]
    return _clean(name or parts.hostname or url)


@dataclass(frozen=True, slots=True)
class LoadingChain:
    """How one request came to be: ``steps`` are script URLs, outermost first, ending with the request.

    ``via`` is "gtm" when a GTM container script is on the chain, "gtag" when only a gtag library is,
    else ``None``; ``container`` is the outermost such id, ``containers`` all of them in order.
    """

    steps: tuple[str, ...]
    via: str | None
    container: str | None
    containers: tuple[str, ...]

    @property
    def via_gtm(self) -> bool:
        """True when a GTM container (``gtm.js``) loaded it, directly or through other scripts."""
        return self.via == "gtm"

    @property
    def text(self) -> str:
        """The evidence line: ``page → gtm.js?id=GTM-ABC1 → analytics.js → collect``."""
        return ARROW.join(["page", *(step_label(u) for u in self.steps)])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"steps": list(self.steps), "via": self.via, "container": self.container,
                "containers": list(self.containers), "text": self.text}


def initiator_urls(initiator: Mapping[str, Any]) -> list[str]:
    """Script URLs of a CDP ``Initiator``, outermost first (async parents before the frames they started).

    CDP lists ``stack.callFrames`` innermost first and chains async causes through ``stack.parent``;
    a parser-inserted request has only ``initiator.url``. Consecutive repeats are dropped.
    """
    stacks: list[Mapping[str, Any]] = []
    stack = initiator.get("stack") if isinstance(initiator, Mapping) else None
    while isinstance(stack, Mapping) and len(stacks) < _MAX_DEPTH:
        stacks.append(stack)
        stack = stack.get("parent")
    urls: list[str] = []
    for one in reversed(stacks):
        frames = one.get("callFrames")
        for frame in reversed(frames if isinstance(frames, list) else []):
            url = frame.get("url") if isinstance(frame, Mapping) else None
            if isinstance(url, str) and url and (not urls or urls[-1] != url):
                urls.append(url)
    direct = initiator.get("url") if isinstance(initiator, Mapping) else None
    if not urls and isinstance(direct, str) and direct:
        urls.append(direct)
    return urls


def loading_chain(stack_urls: Sequence[str], request_url: str | None = None, *, page_url: str | None = None,
                  loaded_by: Mapping[str, Sequence[str]] | None = None) -> LoadingChain:
    """The loading chain of a request from its initiator's script URLs (outermost first).

    ``page_url`` frames (inline scripts of the page itself) are left out: the chain starts at "page".
    ``loaded_by`` maps a script URL to *its* initiator URLs, so the chain can be followed back past the
    request's own stack (collect ← analytics.js ← gtm.js ← page); cycles and depth are bounded.
    """
    chain = [u for u in stack_urls if isinstance(u, str) and u and u != page_url]
    if loaded_by:
        seen = set(chain)
        for _ in range(_MAX_DEPTH):
            if not chain:
                break
            parents = [u for u in loaded_by.get(chain[0], ()) if u and u != page_url and u not in seen]
            if not parents:
                break
            seen.update(parents)
            chain = [*parents, *chain]
    if request_url and (not chain or chain[-1] != request_url):
        chain.append(request_url)
    steps = tuple(u for i, u in enumerate(chain) if i == 0 or chain[i - 1] != u)
    kinds = [found for found in (_script_kind(u) for u in steps) if found]
    via = "gtm" if any(k == "gtm" for k, _ in kinds) else ("gtag" if kinds else None)
    ids = tuple(dict.fromkeys(value for _, value in kinds))
    return LoadingChain(steps=steps, via=via, container=ids[0] if ids else None, containers=ids)
