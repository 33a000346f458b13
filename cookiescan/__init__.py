"""cookiescan: audit a website's cookies and trackers in three consent states, the way a privacy
regulator would.

Library first: ``cookiescan.scan(config)`` returns a :class:`~cookiescan.models.ScanResult`; the CLI
is a thin layer over it.
"""

from cookiescan.config import ScanConfig
from cookiescan.models import ScanResult
from cookiescan.version import __version__


async def scan(config: ScanConfig, **kwargs):  # type: ignore[no-untyped-def]
    """Run a scan (see :func:`cookiescan.scan.scan`)."""
    from cookiescan.scan import scan as _scan

    return await _scan(config, **kwargs)


__all__ = ["ScanConfig", "ScanResult", "__version__", "scan"]
