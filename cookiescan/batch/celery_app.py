"""The Celery engine: a Redis broker carries job ids; each worker's pool process runs :func:`run_site`.

Messages are only hints, the database is the truth: a job's claim decides whether a delivery scans, so a
message delivered twice never scans twice. What makes a killed worker's site come back:

- ``task_acks_late``: a message is acknowledged when its task ends, not when a worker takes it;
- ``task_reject_on_worker_lost``: a pool process that dies (killed, OOM) puts its message back at once;
- ``task_acks_on_failure_or_timeout=False``: a task killed at its hard time limit is put back too (its claim
  already counted the attempt; the store fails the job after the last one);
- Redis' ``visibility_timeout`` (longer than any task's hard limit): a message a whole dead worker held is
  delivered again after it; a sweep every few seconds (``unacked_restore_interval``) looks for such messages.

Each task runs in a fresh pool process (``worker_max_tasks_per_child=1``: memory comes back after every
site), a worker takes one message at a time per process (``worker_prefetch_multiplier=1``), and each
message carries its hard time limit (site budget + kill grace). Celery's ``max_memory_per_child`` is not
used: it measures the Python process only; :mod:`cookiescan.batch.watchdog` measures the browser. The
worker's main process is a child subreaper: the browser of a pool process killed from outside (the OOM
killer, the hard time limit) is adopted and ended (:class:`~cookiescan.batch.watchdog.OrphanReaper`).

A refusal that may pass later (the domain is busy, a retry is not due, a live lease) retries the message
with a countdown; a final refusal (done, gave up) drops it.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timezone
from typing import Any

from celery import Celery, Task

from cookiescan.batch.records import Run, StoreError
from cookiescan.batch.settings import Limits
from cookiescan.batch.store import Store
from cookiescan.batch.task import REFUSED, run_site
from cookiescan.batch.watchdog import OrphanReaper, comm
from cookiescan.errors import UsageError

log = logging.getLogger("cookiescan.batch")

QUEUE = "cookiescan"
TASK_NAME = "cookiescan.scan_site"
DEFAULT_VISIBILITY_TIMEOUT = 3600.0  # Celery's own default for Redis
DB_RETRY_SECONDS = 30.0  # the database is away: try the message again after this


def make_app(broker: str, db_url: str | None = None, *,
             visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT) -> Celery:
    """The Celery app for ``broker`` (``redis://host:port/db``); workers also need ``db_url``."""
    if not broker.startswith(("redis://", "rediss://", "redis+socket://")):
        raise UsageError(f"unsupported broker {broker.split('://')[0]!r}: the batch engine uses Redis",
                         hint="--broker redis://HOST:6379/0")
    app = Celery("cookiescan", broker=broker, set_as_current=False)
    restore_every = max(1, min(10, int(visibility_timeout // 6)))
    app.conf.update(
        broker_transport_options={"visibility_timeout": visibility_timeout,
                                  "unacked_restore_interval": restore_every, "unacked_restore_throttle": 1},
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=False,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=1,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
    )
    app.conf.update(cookiescan_db=db_url, cookiescan_visibility_timeout=visibility_timeout)
    app.task(name=TASK_NAME, bind=True, max_retries=None)(scan_site)
    return app


def scan_site(task: Task, job_id: int, limits: dict[str, Any] | None = None) -> str:
    """The Celery task: one :func:`run_site` attempt; retried with a countdown when the claim may pass later
    or the failed attempt is due again."""
    app = task.app
    lim = Limits.from_dict(limits)
    visibility = float(app.conf.cookiescan_visibility_timeout)
    hard = (task.request.timelimit or (None, None))[0]
    if hard and hard >= visibility:
        log.error("job %s: hard time limit %.0f s is not below the visibility timeout %.0f s: a slow site may be "
                  "delivered twice (the claim still prevents a second scan)", job_id, hard, visibility)
    try:
        with Store(app.conf.cookiescan_db) as store:
            outcome = run_site(store, int(job_id), lim)
    except StoreError as exc:
        log.warning("job %s: %s; retrying in %.0f s", job_id, exc.message, DB_RETRY_SECONDS)
        raise task.retry(countdown=DB_RETRY_SECONDS) from None
    log.info("job %s: %s %s", job_id, outcome.status, outcome.detail)
    again = (outcome.status == REFUSED and not outcome.final) or outcome.status == "queued"
    if again:
        wait = (outcome.retry_at - datetime.now(timezone.utc)).total_seconds() if outcome.retry_at else 5.0
        if outcome.status == REFUSED:  # a lease: look again well before it could run out
            wait = min(wait, lim.lease_seconds / 2)
        # an ETA message is held unacknowledged: it must come due before Redis would deliver it again
        raise task.retry(countdown=max(1.0, min(wait, visibility / 2)))
    return outcome.status


def enqueue(app: Celery, store: Store, run: Run, limits: Limits, site_timeout: float) -> int:
    """Send a message for every pending job of ``run`` (queued ones, and running ones whose lease ran out);
    returns how many. Each message carries the hard time limit, which must stay below the visibility timeout."""
    hard = limits.hard_limit(site_timeout)
    visibility = float(app.conf.cookiescan_visibility_timeout)
    if hard >= visibility:
        raise UsageError(f"the site time limit ({site_timeout:.0f} s + kill grace {limits.kill_grace:.0f} s) must "
                         f"stay below the Redis visibility timeout ({visibility:.0f} s)",
                         hint="lower --site-timeout, or raise --visibility-timeout here and on every worker")
    now = datetime.now(timezone.utc)
    sent = 0
    with app.producer_or_acquire() as producer:  # one connection for every message
        for job in store.pending_jobs(run):
            due = (job.next_attempt_at - now).total_seconds() if job.next_attempt_at and job.status == "queued" else 0
            app.send_task(TASK_NAME, args=[job.id], kwargs={"limits": limits.to_dict()}, queue=QUEUE,
                          time_limit=hard, countdown=max(0.0, min(due, visibility / 2)) or None, producer=producer)
            sent += 1
    return sent


def run_worker(broker: str, db_url: str, *, concurrency: int, visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
               loglevel: str = "INFO") -> None:
    """Run a Celery worker in this process until it is stopped (SIGTERM: finish the running sites first)."""
    with Store(db_url) as store:
        store.get_run("")  # fail now, in one line, if the database cannot be used
    app = make_app(broker, db_url, visibility_timeout=visibility_timeout)
    # a pool process killed from outside (OOM killer, hard time limit) leaves its Chromium (in a session of its
    # own) behind: this process adopts such orphans and ends them; the pool processes share its name
    me = comm(os.getpid())
    reaper = OrphanReaper(keep=lambda pid: comm(pid) == me)
    reaper.start()
    app.worker_main(["worker", f"--concurrency={concurrency}", "--pool=prefork", f"--queues={QUEUE}",
                     "--without-gossip", "--without-mingle", "--without-heartbeat", f"--loglevel={loglevel}",
                     f"--hostname=cookiescan-{os.getpid()}@{socket.gethostname()}"])
