"""Following a run from the database, whichever engine runs it: the jobs that changed since the last look
(a site finished, an attempt failed and will be retried) and an estimate of the time left."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cookiescan.batch.records import Job, Progress, Run
from cookiescan.batch.store import Store

FINAL = ("done", "unreachable", "failed")


@dataclass(frozen=True, slots=True)
class JobEvent:
    """A job that moved: ``kind`` is its final status (``done``, ``unreachable``, ``failed``), or ``retry``
    (an attempt failed; the job is queued again), ``released`` (given back unfinished), ``started``."""

    job: Job
    kind: str


class Monitor:
    """Compares snapshots of a run's jobs. The first :meth:`poll` only records where the run stands; later
    polls return what changed. :meth:`eta` extrapolates from the sites finished since this monitor started."""

    def __init__(self, store: Store, run: Run) -> None:
        self.store = store
        self.run = run
        self.started = time.monotonic()
        self._seen: dict[int, tuple[str, int]] | None = None
        self.finished_here = 0

    def poll(self) -> tuple[list[JobEvent], Progress]:
        """The events since the previous poll and the run's progress now."""
        jobs = self.store.jobs(self.run)
        events: list[JobEvent] = []
        first = self._seen is None
        seen = self._seen or {}
        for job in jobs:
            before = seen.get(job.id)
            now = (job.status, job.attempts)
            if first or before == now:
                continue
            status, attempts = before or ("queued", 0)
            if job.status in FINAL and status not in FINAL:
                events.append(JobEvent(job, job.status))
                self.finished_here += 1
            elif job.status == "queued" and status == "running":
                events.append(JobEvent(job, "released" if job.attempts < attempts else "retry"))
            elif job.status == "running" and (status != "running" or job.attempts > attempts):
                events.append(JobEvent(job, "started"))
        self._seen = {j.id: (j.status, j.attempts) for j in jobs}
        return events, self.store.run_progress(self.run)

    def eta(self, progress: Progress) -> float | None:
        """Seconds until every job is final at the pace seen so far; None before the first site finishes."""
        left = progress.counts.get("queued", 0) + progress.counts.get("running", 0)
        if not self.finished_here:
            return None
        if not left:
            return 0.0
        return (time.monotonic() - self.started) / self.finished_here * left
