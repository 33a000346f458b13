"""Reading stored scans back across runs: the newest scan of each site, a scan's predecessor (a diff's
baseline), a full result, a run's progress, a site by URL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from cookiescan.batch import schema as s
from cookiescan.batch.database import Database
from cookiescan.batch.records import Progress, Run, ScanRow, Site, StoreError
from cookiescan.batch.results import undigest
from cookiescan.batch.statements import RunRef, run_id_of, scan_query, to_scan


class Queries(Database):
    """The read-only queries of :class:`~cookiescan.batch.store.Store`."""

    def latest_scans(self, run: RunRef | None = None, tags: Iterable[str] | None = None,
                     since: datetime | None = None) -> list[ScanRow]:
        """The newest stored scan of each site, optionally within one run, for sites carrying every one
        of ``tags``, finished at or after ``since``; ordered by URL."""
        wanted = set(tags or ())
        with self._tx(write=False) as conn:
            newest = select(func.max(s.scans.c.id)).group_by(s.scans.c.site_id)
            if run is not None:
                newest = newest.where(s.scans.c.run_id == run_id_of(conn, run))
            if since is not None:
                newest = newest.where(s.scans.c.finished_at >= since)
            rows = conn.execute(scan_query().where(s.scans.c.id.in_(newest)).order_by(s.sites.c.url)).all()
        return [r for r in map(to_scan, rows) if wanted <= set(r.tags)]

    def previous_scan(self, site_id: int, before_scan_id: int) -> ScanRow | None:
        """The site's newest scan stored before scan ``before_scan_id`` (the baseline for a diff)."""
        with self._tx(write=False) as conn:
            row = conn.execute(scan_query().where(s.scans.c.site_id == site_id, s.scans.c.id < before_scan_id)
                               .order_by(s.scans.c.id.desc()).limit(1)).first()
        return None if row is None else to_scan(row)

    def scan_result(self, scan_id: int) -> dict[str, Any]:
        """The full canonical result dict of a stored scan."""
        with self._tx(write=False) as conn:
            blob = conn.scalar(select(s.scans.c.result_gz).where(s.scans.c.id == scan_id))
        if blob is None:
            raise StoreError(f"no scan {scan_id}")
        return undigest(bytes(blob))

    def run_progress(self, run: RunRef) -> Progress:
        """Jobs of a run by status, with the attempts made and the scans stored."""
        with self._tx(write=False) as conn:
            run_id = run_id_of(conn, run)
            counts = dict.fromkeys(s.STATUSES, 0)
            attempts = 0
            for status, n, tried in conn.execute(
                    select(s.jobs.c.status, func.count(), func.coalesce(func.sum(s.jobs.c.attempts), 0))
                    .where(s.jobs.c.run_id == run_id).group_by(s.jobs.c.status)):
                counts[status] = int(n)
                attempts += int(tried)
            scans = conn.scalar(select(func.count()).select_from(s.scans).where(s.scans.c.run_id == run_id))
        return Progress(run_id=run_id, counts=counts, total=sum(counts.values()), attempts=attempts,
                        scans=int(scans or 0))

    def runs(self) -> list[Run]:
        """Every run, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(select(s.runs).order_by(s.runs.c.id)).all()
        return [Run(id=r.id, label=r.label, created_at=r.created_at, options=dict(r.options or {}),
                    config_hash=r.config_hash) for r in rows]

    def site_by_url(self, url: str) -> Site | None:
        """The site stored under exactly this URL, or None."""
        with self._tx(write=False) as conn:
            row = conn.execute(select(s.sites).where(s.sites.c.url == url)).first()
        return None if row is None else Site(id=row.id, url=row.url, domain=row.domain, tags=tuple(row.tags or ()))
