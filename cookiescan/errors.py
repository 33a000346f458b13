"""Errors that end a run, each carrying the exit code the CLI maps it to.

Exit codes (documented in the README):
    0  nothing at or above ``--fail-on``
    1  findings at or above ``--fail-on``
    2  could not run: usage, config, browser, seed unreachable, bad input
    130 interrupted (Ctrl-C / SIGTERM); partial results are still written
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class CookiescanError(Exception):
    """Base error: printed as one ``Error: …`` line (plus an optional hint), never a traceback."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CookiescanError):
    """Bad command-line input: a malformed URL, an unknown option value."""


class ConfigError(CookiescanError):
    """A config file (cookiescan.yml) that cannot be read or validated."""


class DeclaredListError(CookiescanError):
    """A declared cookie list that cannot be parsed; the message names the file and line/row."""


class BrowserError(CookiescanError):
    """No usable Chromium, or it failed to start."""


class SeedUnreachableError(CookiescanError):
    """None of the start URLs could be loaded (DNS, connection refused, TLS error, timeout)."""


class OutputError(CookiescanError):
    """A report could not be written."""
