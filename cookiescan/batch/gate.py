"""``batch --fail-on-new SEV``: which sites of a run have findings at or above SEV that their previous stored
scan (from any earlier run) did not have. A site scanned for the first time has no baseline: every finding
it has is new."""

from __future__ import annotations

from dataclasses import dataclass

from cookiescan.batch.records import Run, ScanRow
from cookiescan.batch.store import Store
from cookiescan.diff import diff_results, gating_findings
from cookiescan.models import ScanResult, active, severity_at_least


@dataclass(frozen=True, slots=True)
class GateHit:
    """A site of the run that fails the gate: ``new`` findings at or above it; ``baseline`` is the scan it
    was compared with (None: first scan of the site)."""

    scan: ScanRow
    new: int
    baseline: ScanRow | None


def new_findings(store: Store, run: Run, severity: str) -> list[GateHit]:
    """The run's scanned sites with new findings at or above ``severity``, by URL (``never``: none)."""
    if severity == "never":
        return []
    hits = []
    for scan in store.latest_scans(run):
        result = ScanResult.from_dict(store.scan_result(scan.id))
        baseline = store.previous_scan(scan.site_id, scan.id)
        if baseline is None:
            new = sum(1 for f in active(result.findings) if severity_at_least(f.severity, severity))
        else:
            old = ScanResult.from_dict(store.scan_result(baseline.id))
            new = len(gating_findings(diff_results(old, result), severity))
        if new:
            hits.append(GateHit(scan=scan, new=new, baseline=baseline))
    return hits
