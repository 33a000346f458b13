"""Scanning a site: discover its pages, visit them in each consent state, record what happens.

- :mod:`.discover` — reachability of the start URLs, robots.txt, sitemaps, the policy/notice pages as text.
- :mod:`.frontier` — which pages to visit (normalised URLs, limits, skipped pages with their reasons).
- :mod:`.state` — one state's observations accumulated into a ``StateResult`` (pure, no browser).
- :mod:`.settle` — when a page is done (quiet network, no cookie written, no short timer pending).
- :mod:`.visit` — one page visit (navigate, consent, settle, collect).
- :mod:`.lanes` — each state's browser context and its warm tabs.
- :mod:`.keeper` — restarting a browser that died.
- :mod:`.scanner` — the loop that ties them together (:class:`Scanner`).

The whole audit (scan → declared list and notice → classify → rules) is :func:`cookiescan.audit`.
"""

from cookiescan.scan.scanner import Scanner, scan, tool_info
from cookiescan.scan.settle import page_quiet, settle
from cookiescan.scan.state import StateRun

__all__ = ["Scanner", "StateRun", "page_quiet", "scan", "settle", "tool_info"]
