"""cookiescan: audit a website's cookies and trackers in three consent states, the way a privacy
regulator would.

Library first: ``await cookiescan.audit(config)`` does the whole job and returns a
:class:`~cookiescan.models.ScanResult` with its findings; the CLI, the benchmarks and the batch workers
call it. The README's "Architecture" section maps the packages.
"""

from cookiescan.config import ScanConfig
from cookiescan.models import ScanResult, verdict
from cookiescan.pipeline import Audit, AuditOutcome, audit
from cookiescan.version import __version__

__all__ = ["Audit", "AuditOutcome", "ScanConfig", "ScanResult", "__version__", "audit", "verdict"]
