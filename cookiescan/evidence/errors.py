"""The one error the evidence modules raise: printed by the CLI as one ``Error: …`` line, exit code 2."""

from __future__ import annotations

from cookiescan.errors import CookiescanError


class EvidenceError(CookiescanError):
    """Evidence could not be written or read: a bad archive name, an unreadable key, a pack that is not a
    zip. The message is one line that names the file or key concerned."""


def one_line(exc: BaseException) -> str:
    """An exception's text on one line, at most 200 characters (its type name when it has no text), to
    quote inside an :class:`EvidenceError` or a verification message."""
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__
