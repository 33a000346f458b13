"""Collectors attached to a browser context before the first navigation (see :mod:`.recorder`)."""

from cookiescan.collect.recorder import ContextRecorder, VisitRecorder

__all__ = ["ContextRecorder", "VisitRecorder"]
