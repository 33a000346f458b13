"""The built-in demo web: a local HTTPS server that answers for many hostnames.

It stands in for a first-party shop and its third parties, so ``cookiescan demo`` and the test-suite
run with no internet. Chromium is pointed at it with ``--host-resolver-rules`` and trusts its
certificate through ``--ignore-certificate-errors-spki-list`` (only that one key is trusted).
"""

from cookiescan.demo import sites
from cookiescan.demo.server import FixtureWeb

__all__ = ["FixtureWeb", "sites"]
