"""The evidence records a scan produces, the versioned ``ScanResult`` that holds them, and the vocabulary
every stage speaks.

- :mod:`.vocabulary` — ``State``, ``Severity``, ``Gate``, ``Party``, ``Category`` and their order.
- :mod:`.records` — the frozen records (cookies, writes, storage, requests, pages, banners, findings…) and
  ``ScanResult``.
- :mod:`.findings` — which findings count (ignored, unconfirmed, seen in too few runs), the exit-code gate,
  the one ``Ignore`` record, the one ``verdict`` sentence.
- :mod:`.serial` — the canonical JSON form (``to_dict`` / ``from_dict``).
"""

from cookiescan.models.findings import (
    FAILED_VISIT_REASONS,
    Ignore,
    active,
    below_min_seen,
    confirmed,
    fails_gate,
    ignored,
    verdict,
    worst_severity,
)
from cookiescan.models.records import (
    REDACTED,
    SCHEMA_VERSION,
    BannerResult,
    BrowserEvidence,
    Cookie,
    CookieWrite,
    Finding,
    FrameRecord,
    LifetimeCap,
    PageVisit,
    RequestRecord,
    Revisit,
    ScanResult,
    SkippedPage,
    Span,
    StateResult,
    StorageItem,
    ThirdParty,
    ToolInfo,
)
from cookiescan.models.serial import from_dict, to_dict
from cookiescan.models.vocabulary import (
    CATEGORIES,
    CHOICE_STATES,
    DEFAULT_STATES,
    GATES,
    SEVERITIES,
    STATES,
    Category,
    Gate,
    Party,
    Severity,
    State,
    severity_at_least,
    severity_rank,
)

__all__ = [
    "CATEGORIES", "CHOICE_STATES", "DEFAULT_STATES", "FAILED_VISIT_REASONS", "GATES", "REDACTED", "SCHEMA_VERSION",
    "SEVERITIES", "STATES", "BannerResult", "BrowserEvidence", "Category", "Cookie", "CookieWrite", "Finding",
    "FrameRecord", "Gate", "Ignore", "LifetimeCap", "PageVisit", "Party", "RequestRecord", "Revisit", "ScanResult",
    "Severity", "SkippedPage", "Span", "State", "StateResult", "StorageItem", "ThirdParty", "ToolInfo", "active",
    "below_min_seen", "confirmed", "fails_gate", "from_dict", "ignored", "severity_at_least", "severity_rank",
    "to_dict", "verdict", "worst_severity",
]
