"""What the batch store hands out: frozen records of rows, the claim a worker holds, and its error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cookiescan.errors import CookiescanError


class StoreError(CookiescanError):
    """The store cannot be used: a bad URL, an unreachable server, a schema behind the code, bad input.
    The message is one line for the user (no traceback)."""


@dataclass(frozen=True, slots=True)
class Site:
    """A web site to audit; one row per URL, shared by every run that lists it."""

    id: int
    url: str
    domain: str  # registrable domain (eTLD+1), or the host for localhost/IPs/.test names
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Run:
    """A labelled batch: re-opening the label resumes it."""

    id: int
    label: str
    created_at: datetime
    options: dict[str, Any]
    config_hash: str  # sha256 of the options' canonical JSON


@dataclass(frozen=True, slots=True)
class Job:
    """One site in one run, with its queue state."""

    id: int
    run_id: int
    site_id: int
    url: str
    domain: str
    status: str  # queued | running | done | unreachable | failed
    attempts: int
    max_attempts: int
    worker: str | None
    lease_until: datetime | None
    next_attempt_at: datetime | None  # a retry waits until then (backoff)
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to scan one job, held by one worker until ``lease_until`` (extend it with
    ``Store.heartbeat``). ``attempt`` is the job's attempt counter after this claim (1 for the first)."""

    job_id: int
    run_id: int
    site_id: int
    url: str
    domain: str
    worker: str
    attempt: int
    max_attempts: int
    lease_seconds: float
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a claim was refused. Falsy, so ``if claim:`` reads as "got it".

    ``reason`` is one of: ``unknown-job``; ``finished`` (done, unreachable or failed: drop the message);
    ``gave-up`` (attempts reached max_attempts: the job has just been marked failed); ``leased`` (another
    worker holds a live lease); ``backoff`` (a retry not due yet); ``domain-busy`` (another job of the
    same registrable domain is running). For the last three, ``retry_at`` says when to try again."""

    job_id: int
    reason: str
    detail: str
    retry_at: datetime | None = None

    def __bool__(self) -> bool:
        return False

    @property
    def final(self) -> bool:
        """True when no later claim of this job can succeed."""
        return self.reason in ("unknown-job", "finished", "gave-up")


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One stored scan (the summary; ``Store.scan_result`` gives the full result)."""

    id: int
    job_id: int
    run_id: int
    site_id: int
    url: str
    domain: str
    tags: tuple[str, ...]
    started_at: datetime | None
    finished_at: datetime
    pages: int
    high: int  # findings that count (not ignored), by severity
    medium: int
    low: int
    findings_total: int  # findings that count (ignored ones are stored but not counted)
    tool_version: str
    config_hash: str
    report_paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands."""

    run_id: int
    counts: dict[str, int] = field(default_factory=dict)  # every status, zero included
    total: int = 0
    attempts: int = 0  # claims made, retries and reclaims included
    scans: int = 0

    @property
    def finished(self) -> bool:
        """No job is queued or running."""
        return self.counts.get("queued", 0) == 0 and self.counts.get("running", 0) == 0
