"""``run_site``: one attempt at one job, the unit of work both engines run (the local supervisor in a child
process, Celery in a pool process).

It is idempotent by the store's claim: the claim takes the job and domain leases and counts the attempt in
the database before any browser starts, so a redelivered or duplicated job is refused (finished, leased by
someone else, its domain busy, its retry not due) instead of yielding a second scan. While the audit runs,
the lease is renewed; the attempt stops itself when

- the heartbeat answers that the claim is no longer the job's (another worker took it over): nothing is
  written;
- the site budget plus half the kill grace has passed, or the memory watchdog fires: the attempt is
  recorded failed (retried with backoff while attempts are left);
- the process is asked to stop (``stop_on_signals``: SIGTERM/SIGINT): the job is given back unfinished
  without counting the attempt.

An unreachable start URL ends the job ``unreachable`` at once; any other failure is recorded and retried.
A finished audit writes the site's JSON and HTML reports, then stores the scan (``Store.finish``).

``run_site`` must run in a process of its own: the watchdog measures, and ends, that process's descendants.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cookiescan.batch.records import Claim, Refusal, StoreError
from cookiescan.batch.settings import Limits, RunSettings, report_stem
from cookiescan.batch.store import Store
from cookiescan.batch.watchdog import Watchdog, kill_tree
from cookiescan.errors import CookiescanError
from cookiescan.models import ScanResult, active
from cookiescan.pipeline import Audit, AuditOutcome
from cookiescan.report import ReportOptions, render, write

log = logging.getLogger("cookiescan.batch")

# SiteOutcome.status values besides the store's (done, unreachable, failed, queued)
REFUSED, RELEASED, LOST = "refused", "released", "lost"


@dataclass(frozen=True, slots=True)
class SiteOutcome:
    """What one ``run_site`` call did. ``status``: the job's status afterwards (``done``, ``unreachable``,
    ``failed``, ``queued`` = failed and due again at ``retry_at``), or ``refused`` (no claim: ``reason``
    says why, ``final`` whether a later claim could succeed, ``retry_at`` when to try), ``released`` (asked
    to stop; the job is queued again, attempt not counted), ``lost`` (another worker took the job over)."""

    job_id: int
    status: str
    detail: str = ""
    reason: str = ""
    final: bool = True
    retry_at: datetime | None = None
    attempt: int = 0
    url: str = ""
    scan_id: int | None = None
    peak_memory: int = 0

    def to_json(self) -> str:
        """One line of JSON (the local child prints it for its supervisor)."""
        data: dict[str, Any] = {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]
        data["retry_at"] = self.retry_at.isoformat() if self.retry_at else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> SiteOutcome:
        data = json.loads(text)
        data["retry_at"] = datetime.fromisoformat(data["retry_at"]) if data.get("retry_at") else None
        return cls(**data)


def worker_name(pid: int | None = None) -> str:
    """The claim's worker name for a process: ``host:pid`` (unique among live processes)."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def run_site(store: Store, job_id: int, limits: Limits | None = None, *, worker: str | None = None,
             stop_on_signals: bool = False) -> SiteOutcome:
    """Claim job ``job_id`` and audit its site once (see the module docstring); returns what happened.
    Raises StoreError only when the database cannot be used at all (the caller retries later)."""
    limits = limits or Limits()
    worker = worker or worker_name()
    job = store.job(job_id)
    if job is None:
        return SiteOutcome(job_id, REFUSED, f"no job {job_id}", reason="unknown-job")
    run = store.get_run(job.run_id)
    if run is None:
        return SiteOutcome(job_id, REFUSED, f"no run {job.run_id}", reason="unknown-job")
    settings = RunSettings.from_options(run.options)
    claim = store.claim(job_id, worker, lease_seconds=limits.lease_seconds)
    if isinstance(claim, Refusal):
        return SiteOutcome(job_id, REFUSED, claim.detail, reason=claim.reason, final=claim.final,
                           retry_at=claim.retry_at, url=job.url)
    log.info("attempt %d/%d at %s", claim.attempt, claim.max_attempts, claim.url)
    attempt = _Attempt(store, claim, settings, run.label, limits)
    try:
        return asyncio.run(attempt.run(stop_on_signals))
    except StoreError:
        raise
    except BaseException as exc:  # a bug or a signal we do not handle: still end the attempt in the store
        detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        with contextlib.suppress(StoreError):
            status = store.fail(claim, detail, retry=True, backoff=limits.backoff(claim.attempt),
                                domain_delay=limits.per_domain_delay)
            if isinstance(exc, Exception):
                return SiteOutcome(job_id, status, detail, attempt=claim.attempt, url=claim.url)
        raise


class _Attempt:
    """One claimed attempt: the audit, its heartbeat, deadline and watchdog, and the ending in the store."""

    def __init__(self, store: Store, claim: Claim, settings: RunSettings, label: str, limits: Limits) -> None:
        self.store = store
        self.claim = claim
        self.settings = settings
        self.label = label
        self.limits = limits
        self.config = settings.site_config(claim.url)
        self.stem = report_stem(settings, label, claim.domain, claim.site_id)
        self.audit = Audit(self.config, evidence_dir=self.stem.parent / f"{self.stem.name}-evidence")
        self.stopped: tuple[str, str] | None = None  # (why, detail) of the first stop

    def stop(self, why: str, detail: str) -> None:
        if self.stopped is None:
            self.stopped = (why, detail)
            log.warning("stopping %s: %s", self.claim.url, detail)
        self.audit.stop()

    async def run(self, stop_on_signals: bool) -> SiteOutcome:
        loop = asyncio.get_running_loop()
        soft = self.limits.soft_limit(self.settings.site_timeout)
        deadline = loop.call_later(soft, self.stop, "timeout",
                                   f"still running {soft:.0f} s after it started (site budget "
                                   f"{self.settings.site_timeout:.0f} s + grace)")
        beat = asyncio.create_task(self._heartbeat())
        def over_memory(used: int) -> None:  # on the watchdog's thread: hand over to the loop
            loop.call_soon_threadsafe(self._over_memory, used)

        watchdog = Watchdog(os.getpid(), self.limits.max_browser_memory, over_memory)
        signals = (signal.SIGTERM, signal.SIGINT) if stop_on_signals else ()
        for sig in signals:
            loop.add_signal_handler(sig, self.stop, "interrupted", "interrupted")
        error: str | None = None
        outcome: AuditOutcome | None = None
        try:
            with watchdog:
                try:
                    outcome = await self.audit.run()
                except CookiescanError as exc:
                    error = exc.message
                except Exception as exc:
                    log.exception("audit of %s failed", self.claim.url)
                    error = f"{type(exc).__name__}: {exc}"
        finally:
            deadline.cancel()
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            for sig in signals:
                loop.remove_signal_handler(sig)
        peak = watchdog.peak
        return await loop.run_in_executor(None, self._end, outcome, error, peak)

    def _over_memory(self, used: int) -> None:
        limit = self.limits.max_browser_memory
        self.stop("memory", f"the browser used {used / 2**30:.2f} GB, over --max-browser-memory "
                            f"{limit / 2**30:.2f} GB")
        kill_tree(os.getpid(), include_root=False)  # a runaway browser may not answer the stop

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        every = max(self.claim.lease_seconds / 4, 0.5)
        while True:
            await asyncio.sleep(every)
            try:
                ok = await loop.run_in_executor(None, self.store.heartbeat, self.claim)
            except StoreError as exc:  # the database is away for a moment: keep scanning, the lease may hold
                log.warning("heartbeat failed: %s", exc.message)
                continue
            if not ok:
                self.stop("lost", "another worker took the job over (lease lost)")
                return

    # -- the ending, in the store ----------------------------------------------------------------
    def _end(self, outcome: AuditOutcome | None, error: str | None, peak: int) -> SiteOutcome:
        claim, limits = self.claim, self.limits
        base = dict(job_id=claim.job_id, attempt=claim.attempt, url=claim.url, peak_memory=peak)
        why, detail = self.stopped or ("", "")
        if why == "lost":
            return SiteOutcome(status=LOST, detail=detail, **base)  # type: ignore[arg-type]
        if why == "interrupted":
            status = self.store.release(claim, "interrupted")
            return SiteOutcome(status=RELEASED if status == "queued" else status, detail=detail,
                               **base)  # type: ignore[arg-type]
        if why in ("timeout", "memory"):
            error = detail
        elif error is None and outcome is not None and outcome.seed_error is not None:
            status = self.store.unreachable(claim, outcome.seed_error.message, domain_delay=limits.per_domain_delay)
            return SiteOutcome(status=status, detail=outcome.seed_error.message, **base)  # type: ignore[arg-type]
        if error is None and outcome is not None:
            try:
                scan_id = self._finish(outcome.result)
            except CookiescanError as exc:
                error = exc.message
            except OSError as exc:
                error = f"cannot write the reports: {exc.strerror or exc}"
            else:
                if scan_id is None:
                    return SiteOutcome(status=LOST, detail="lease lost before storing", **base)  # type: ignore[arg-type]
                return SiteOutcome(status="done", scan_id=scan_id, detail=_summary(outcome.result),
                                   **base)  # type: ignore[arg-type]
        error = error or "the audit ended without a result"
        status = self.store.fail(claim, error, retry=True, backoff=limits.backoff(claim.attempt),
                                 domain_delay=limits.per_domain_delay)
        job = self.store.job(claim.job_id) if status == "queued" else None
        return SiteOutcome(status=status, detail=error, retry_at=job.next_attempt_at if job else None,
                           **base)  # type: ignore[arg-type]

    def _finish(self, result: ScanResult) -> int | None:
        """Write the reports and store the scan; None when the claim is no longer the job's."""
        if not self.store.heartbeat(self.claim):
            return None  # another worker owns the job now: its reports, not ours
        config = self.config
        options = ReportOptions(show_values=config.show_values, fail_on=config.fail_on, base_dir=self.stem.parent,
                                title=config.title)
        paths = []
        for fmt in ("json", "html"):
            path = self.stem.with_name(f"{self.stem.name}.{fmt}")
            write(result, path, fmt, options)
            paths.append(str(path))
        stored = json.loads(render(result, "json", options))  # the JSON report: values redacted as there
        return self.store.finish(self.claim, stored, paths, domain_delay=self.limits.per_domain_delay)


def _summary(result: ScanResult) -> str:
    return f"{result.pages_scanned} pages, {len(active(result.findings))} findings"
