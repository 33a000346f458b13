"""What a page does to the visitor's browser, recorded while it loads.

- :mod:`.base` — the :class:`Collector` protocol (methods named after browser events), the per-visit
  buffer :class:`VisitRecorder`, and the one error guard.
- :mod:`.requests` — requests, their status or failure, and iframes.
- :mod:`.writes` — cookie writes: Set-Cookie headers, ``document.cookie`` (``hooks.js``), refused cookies.
- :mod:`.cookies` — parsing a cookie line and its requested lifetime (pure functions).
- :mod:`.storage` — localStorage / sessionStorage keys (``storage.js``).
- :mod:`.popups` — pop-ups the page opened.
- :mod:`.recorder` — :class:`ContextRecorder`: attaches them to a context and routes events to them.

A new kind of evidence is a new :class:`Collector` subclass added to ``ContextRecorder.collectors``.
"""

from cookiescan.collect.base import Collector, VisitRecorder
from cookiescan.collect.recorder import ContextRecorder, VisitEvidence

__all__ = ["Collector", "ContextRecorder", "VisitEvidence", "VisitRecorder"]
