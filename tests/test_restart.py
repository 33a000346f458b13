"""The browser process dies mid-scan (issue #7): it is restarted, the pages it was showing are recorded as
lost, the consent choice is made again in the new browser, and the rest of the scan goes on."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from cookiescan.analyse import analyse
from cookiescan.demo import FixtureWeb, sites
from cookiescan.demo.server import Request, Response
from cookiescan.scan import Scanner
from tests.conftest import fixture_config

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

KILL_PATH = "/contact"


class Killer:
    """Kills the scan's browser process (SIGKILL, like the OOM killer) the first time KILL_PATH is served."""

    def __init__(self) -> None:
        self.scanner: Scanner | None = None
        self.killed_at: float | None = None  # time.time()
        self._lock = threading.Lock()

    def shop(self, req: Request) -> Response | None:
        if req.path == KILL_PATH:
            with self._lock:
                pid = self.scanner.session.pid if self.scanner and self.scanner.session else None
                if self.killed_at is None and pid is not None:
                    self.killed_at = time.time()
                    os.kill(pid, signal.SIGKILL)
        return sites.shop(req)


@pytest.fixture(scope="module")
def killer_web() -> Iterator[tuple[FixtureWeb, Killer]]:
    killer = Killer()
    with FixtureWeb(routes={**sites.ROUTES, sites.SHOP: killer.shop}) as web:
        yield web, killer


def _started(visit) -> float:
    from datetime import datetime

    return datetime.fromisoformat(visit.started_at.replace("Z", "+00:00")).timestamp()


async def test_browser_death_is_survived(killer_web, chromium_path) -> None:
    web, killer = killer_web
    config = fixture_config(web, chromium_path, max_pages=12, depth=3, concurrency=2, settle_max=3.0,
                            page_timeout=10.0)
    scanner = Scanner(config)
    killer.scanner = scanner
    t0 = time.monotonic()
    result = await scanner.run()
    elapsed = time.monotonic() - t0
    assert killer.killed_at is not None, "the fixture never killed the browser"
    assert elapsed < 120

    # restarted once, and said so
    assert scanner.restarts == 1
    assert any("browser died and was restarted" in e for e in result.errors)
    # the page being shown when it died is recorded as lost, with the reason
    lost = [s for s in result.skipped if "browser process died" in s.detail]
    assert lost and all(s.reason == "crashed" for s in lost)
    assert any(s.url.endswith(KILL_PATH) for s in lost), [(s.url, s.state, s.reason, s.detail) for s in result.skipped if s.state]

    # the scan went on: pages started after the death were measured in every state
    after = {state: [p for p in sr.pages if _started(p) > killer.killed_at] for state, sr in result.states.items()}
    for state, pages in after.items():
        assert pages, f"no page measured in {state!r} after the restart"
    # the choice was made again in the new browser: accept-only cookies after accept, none after reject
    for page in after["accept"]:
        assert "_fbp" in {w.name for w in page.cookie_writes}, page.url
    for page in after["reject"]:
        assert not {w.name for w in page.cookie_writes} & set(sites.ACCEPT_ONLY_COOKIES), page.url
    assert any("consent made again after a browser restart" in n for p in after["accept"] for n in p.notes)
    # the first banner stays the evidence
    assert result.states["accept"].banner is not None and result.states["accept"].banner.succeeded

    # nothing is lost from the report: every page the crawl planned is, in every state, either measured
    # or listed as skipped in that state with a reason
    assert scanner.frontier is not None
    planned = {t.url for t in scanner.frontier.items}
    assert len(planned) > 2
    assert set(result.states) == {"before", "accept", "reject"}
    for state, sr in result.states.items():
        measured = {p.url for p in sr.pages}
        skipped = {s.url for s in result.skipped if s.state == state}
        assert planned <= measured | skipped, (state, sorted(planned - measured - skipped))
        assert all(s.reason for s in result.skipped if s.state == state)
    assert analyse(result, config).findings  # the rules still run on the merged result
