"""Evidence that holds up: HAR 1.2 files of what the browser exchanged (cookie values redacted)."""

from cookiescan.evidence.errors import EvidenceError
from cookiescan.evidence.har import HarPage, HarTimings, HttpExchange, build_har, dump_har, headers_from_cdp

__all__ = ["EvidenceError", "HarPage", "HarTimings", "HttpExchange", "build_har", "dump_har", "headers_from_cdp"]
