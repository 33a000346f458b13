"""The evidence records a scan produces, and the versioned ``ScanResult`` that holds them.

All records are frozen dataclasses: what the browser saw is never edited afterwards; classification
and rules make new records with :func:`dataclasses.replace`. ``to_dict`` / ``from_dict`` give the
canonical JSON form (see ``cookiescan schema`` for its JSON Schema).

Lifetimes are in days (float). ``None`` for a lifetime means a session cookie (no expiry asked /
stored); ``requested_lifetime_days`` is what the site asked for in ``Max-Age``/``Expires`` or in the
string written to ``document.cookie``; ``stored_lifetime_days`` is what the browser kept (Chromium
caps it at 400 days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cookiescan.models.serial import from_dict, to_dict

SCHEMA_VERSION = "1.0"
REDACTED = None  # a redacted value is stored as None, with its length kept


@dataclass(frozen=True, slots=True)
class CookieWrite:
    """One attempt to write a cookie, seen by a hook (a Set-Cookie header or a document.cookie write)."""

    name: str
    domain: str  # Domain attribute or the host that set it, without a leading dot
    path: str
    via: str  # "header" | "document.cookie"
    set_by: str  # response URL (header) or script URL (document.cookie) when known, else the frame URL
    frame_url: str
    page_url: str
    requested_lifetime_days: float | None  # None: session cookie
    requested_raw: str | None  # the Max-Age / Expires attribute as written
    deletes: bool  # the write removes the cookie (Max-Age<=0 or Expires in the past)
    blocked_reasons: tuple[str, ...] = ()  # Chromium refused it (CDP blockedCookies)
    value_length: int = 0
    value: str | None = REDACTED
    attributes: str = ""  # the attributes after the value, e.g. "Path=/; Secure; SameSite=None"
    time: str = ""  # UTC ISO time


@dataclass(frozen=True, slots=True)
class Cookie:
    """One cookie as the report shows it: the jar's view merged with the writes that produced it."""

    name: str
    domain: str  # as stored ("shop.com" host-only, ".shop.com" domain cookie)
    path: str
    site: str  # registrable domain (eTLD+1) of the cookie's domain, or the host itself
    party: str  # "first" | "third"
    http_only: bool | None
    secure: bool | None
    same_site: str | None
    partition_key: str | None
    stored_expires: str | None  # UTC ISO time; None: session
    stored_lifetime_days: float | None
    requested_lifetime_days: float | None
    requested_raw: str | None
    via: str  # "header" | "document.cookie" | "unknown" (in the jar, no write seen)
    set_by: str | None
    first_seen_page: str
    pages: tuple[str, ...]
    in_jar: bool  # still stored at the end of the visit
    deleted: bool  # written then deleted (seen only by the hooks)
    blocked_reasons: tuple[str, ...] = ()  # refused by the browser
    value_length: int = 0
    value: str | None = REDACTED
    # classification (filled by classify)
    vendor: str | None = None
    # "declared" | "known_trackers" | "framework" (a web framework's own session/CSRF cookie) |
    # "consent-platform" (the consent manager storing the choice) | "unknown"
    category: str = "unknown"
    category_source: str = "unknown"
    declared: bool = False
    # why ``vendor``: "domain" (the cookie's is the vendor's) | "script" (the vendor's script or response wrote
    # it) | "declared" (the provider the site's declared list names; not evidence of the vendor)
    vendor_basis: str | None = None
    seen_in: int | None = None  # with --repeat N: in how many of the N runs it was seen (None: one run)


@dataclass(frozen=True, slots=True)
class StorageItem:
    """A localStorage / sessionStorage key (values are never kept, only their length)."""

    kind: str  # "localStorage" | "sessionStorage"
    key: str
    origin: str
    site: str
    party: str
    value_length: int
    first_seen_page: str
    vendor: str | None = None
    category: str = "unknown"
    category_source: str = "unknown"
    seen_in: int | None = None  # with --repeat N: in how many of the N runs


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One network request made while a page loaded."""

    url: str
    method: str
    resource_type: str
    host: str
    site: str
    party: str
    frame_url: str
    status: int | None
    failure: str | None = None
    vendor: str | None = None
    category: str = "unknown"
    initiator: tuple[str, ...] = ()  # script URLs that led to this request, outermost first (CDP initiator)
    consent_mode: dict[str, Any] | None = None  # Google Consent Mode signals it carried (gcs/gcd), decoded


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """An iframe present on the page (the main frame is not listed)."""

    url: str
    name: str
    site: str
    party: str
    parent_url: str


@dataclass(frozen=True, slots=True)
class PageVisit:
    """One page visited in one consent state."""

    url: str  # as queued (normalised)
    final_url: str  # after redirects
    state: str
    status: int | None
    title: str
    depth: int
    started_at: str
    duration_ms: int
    settle_ms: int  # time spent waiting for late cookies/requests after load
    settled: bool  # False: the settle bound was reached with activity still going on
    requests: tuple[RequestRecord, ...] = ()
    frames: tuple[FrameRecord, ...] = ()
    cookie_writes: tuple[CookieWrite, ...] = ()
    storage: tuple[StorageItem, ...] = ()
    links_found: int = 0
    notes: tuple[str, ...] = ()
    banner_shown_again: bool = False  # accept/reject: the consent banner came back after the choice
    tcf: dict[str, Any] | None = None  # IAB TCF getTCData on this page once settled (decoded), when the site has it


@dataclass(frozen=True, slots=True)
class SkippedPage:
    """A page not visited or lost, with the reason (failed work is data, never a silent gap)."""

    url: str
    # short code: robots | not-html | excluded | off-site | max-pages | depth | error | timeout | scheme |
    # invalid | crashed | budget | interrupted
    reason: str
    detail: str = ""
    state: str | None = None


@dataclass(frozen=True, slots=True)
class ThirdParty:
    """A third-party registrable domain contacted in a state."""

    site: str
    hosts: tuple[str, ...]
    requests: int
    first_seen_page: str
    resource_types: tuple[str, ...]
    vendor: str | None = None
    category: str = "unknown"
    sets_cookies: bool = False
    tag_managers: tuple[str, ...] = ()  # containers (GTM-XXXX…) that loaded it
    loading_chain: str | None = None  # e.g. "page → gtm.js?id=GTM-ABC1 → analytics.js → collect"
    seen_in: int | None = None  # with --repeat N: in how many of the N runs


@dataclass(frozen=True, slots=True)
class BannerResult:
    """What the consent step found and did in one state."""

    state: str
    found: bool
    cmp: str | None = None  # consent manager name when known
    method: str | None = None  # "autoconsent" | "heuristic" | "config" | None
    action: str | None = None  # "accept" | "reject" | None (before)
    succeeded: bool = False
    clicks: int = 0
    buttons: tuple[str, ...] = ()  # text of the controls clicked
    reject_on_first_layer: bool | None = None
    accept_on_first_layer: bool | None = None
    screenshot: str | None = None  # path relative to the result file, PNG
    page_url: str = ""
    error: str | None = None
    notes: tuple[str, ...] = ()
    wait_ms: int | None = None  # how long the banner was waited for (until found, or given up)
    # accept/reject: did the site record the choice? True verified, False checked and not recorded (the
    # state's findings are then unconfirmed), None not checked (before, no banner)
    confirmed: bool | None = None
    confirmation: tuple[str, ...] = ()  # how it was verified, or what was checked and missing
    attempts: tuple[str, ...] = ()  # the engines tried, in order, each with its outcome
    choice_storage: tuple[str, ...] = ()  # cookies / storage keys ("localStorage:key") that recorded the choice
    # withdraw state (after the accept above): the way back to the choice and the refusal made there
    withdraw_found: bool | None = None  # a way back was found (a visible control, or the consent manager's API)
    withdraw_via: str | None = None  # e.g. "link 'Gérer mes cookies'", "floating button", "consent manager API"
    withdraw_clicks: int | None = None  # clicks from the accepted page to the recorded refusal
    withdraw_buttons: tuple[str, ...] = ()
    withdrawn: bool | None = None  # the refusal was recorded (True), tried and not recorded (False)
    withdrawn_at: str | None = None  # UTC time of the refusal: what follows is "after withdrawal"


@dataclass(frozen=True, slots=True)
class Revisit:
    """A later visit with the browser clock moved forward (accept state): which cookies the page wrote again
    and the lifetime each asked for then, counted from that (simulated) day."""

    offset_days: int  # how far the clock was moved
    url: str
    at: str  # the simulated UTC time of the visit
    writes: tuple[CookieWrite, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StateResult:
    """Everything observed in one consent state (one fresh browser context)."""

    state: str
    pages: tuple[PageVisit, ...] = ()
    cookies: tuple[Cookie, ...] = ()
    storage: tuple[StorageItem, ...] = ()
    third_parties: tuple[ThirdParty, ...] = ()
    frames: tuple[FrameRecord, ...] = ()
    banner: BannerResult | None = None
    applicable: bool = True  # False: accept/reject on a site with no consent banner (nothing to choose)
    not_applicable: str | None = None  # why, when not applicable
    tcf: dict[str, Any] | None = None  # the state's IAB TCF signal (the last page's getTCData), decoded
    revisits: tuple[Revisit, ...] = ()  # accept: the clock moved forward (lifetime renewed on each visit?)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that fired, with the evidence a reader can trace."""

    rule: str
    severity: str  # low | medium | high
    scenario: str  # consent state, or "all"
    subject: str  # cookie name, registrable domain, or "banner"
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    ignored: str | None = None  # reason when an ignore entry matched
    unconfirmed: bool = False  # seen in a state whose choice the site did not confirm recording
    seen_in: int | None = None  # with --repeat N: in how many of the N runs it fired (None: one run)


@dataclass(frozen=True, slots=True)
class ToolInfo:
    name: str
    version: str
    python: str
    playwright: str
    known_trackers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BrowserEvidence:
    product: str
    user_agent: str
    executable: str
    source: str
    third_party_cookies: str
    storage_partitioning: str
    headless: bool


@dataclass(frozen=True, slots=True)
class LifetimeCap:
    """The lifetime cap the rules judged against (``--max-lifetime``), recorded so every report draws the
    same cap the findings used."""

    text: str  # as asked, e.g. "13months", "6m", "395d"
    months: int  # whole calendar months, counted from the moment each cookie was set
    days: float  # months x 30.44: the nominal length reports draw and label
    max_days: int  # the longest N calendar months can be (13 -> 397): a declared lifetime over it is over the cap


@dataclass(frozen=True, slots=True)
class Span:
    """One phase of the run on its timeline (``--profile``, the report's Pages section): milliseconds from the
    start of the scan, and how long it took."""

    phase: str  # "browser start", "discovery", "load", "banner wait", "choice", "settle", "collect", "analysis"…
    start_ms: int
    ms: int
    state: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The canonical, versioned output of one scan."""

    schema_version: str
    tool: ToolInfo
    browser: BrowserEvidence | None
    started_at: str
    finished_at: str
    seeds: tuple[str, ...]
    site: str  # registrable domain of the first seed
    first_party: tuple[str, ...]  # registrable domains treated as first party
    states: dict[str, StateResult]
    skipped: tuple[SkippedPage, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    config_hash: str = ""
    title: str | None = None
    description: str | None = None
    interrupted: bool = False
    declared: dict[str, Any] | None = None  # the declared list used, in its dict form
    notice: dict[str, Any] | None = None  # what the written cookie notice promises (cookiescan.notice)
    lifetime_cap: LifetimeCap | None = None  # the cap the rules judged against (set by the analysis)
    runs: int = 1  # --repeat N: the result merges N independent scans; records carry ``seen_in``
    timings: tuple[Span, ...] = ()  # where the time went (browser start, discovery, each page's phases, analysis)

    # -- convenience ---------------------------------------------------------------------------
    @property
    def pages_scanned(self) -> int:
        """Distinct URLs visited in at least one state."""
        return len({p.url for s in self.states.values() for p in s.pages})

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanResult:
        return from_dict(cls, data)
