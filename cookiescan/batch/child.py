"""The local engine's child process: ``python -m cookiescan.batch.child JOB_ID`` runs :func:`run_site` once
and prints its :class:`SiteOutcome` as one JSON line on stdout.

The database URL and the limits come from the environment (``COOKIESCAN_BATCH_DB``, ``COOKIESCAN_BATCH_LIMITS``),
not the command line, so a password never shows in ``ps``. SIGTERM or SIGINT stops the audit and gives the
job back (the attempt is not counted). Exit status: 0 when the attempt ended in the store, 2 when the
database could not be used.
"""

from __future__ import annotations

import json
import logging
import os
import sys

from cookiescan.batch.records import StoreError
from cookiescan.batch.settings import Limits
from cookiescan.batch.store import Store
from cookiescan.batch.task import run_site

DB_ENV = "COOKIESCAN_BATCH_DB"
LIMITS_ENV = "COOKIESCAN_BATCH_LIMITS"


def main(argv: list[str] | None = None) -> int:
    """Run one attempt at the job named on the command line."""
    args = sys.argv[1:] if argv is None else argv
    debug = os.environ.get("COOKIESCAN_DEBUG") == "1"
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if len(args) != 1 or not args[0].isdigit() or not os.environ.get(DB_ENV):
        print(f"usage: {DB_ENV}=URL python -m cookiescan.batch.child JOB_ID", file=sys.stderr)
        return 2
    try:
        limits = Limits.from_dict(json.loads(os.environ.get(LIMITS_ENV) or "{}"))
        with Store(os.environ[DB_ENV]) as store:
            outcome = run_site(store, int(args[0]), limits, stop_on_signals=True)
    except StoreError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 2
    print(outcome.to_json(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
