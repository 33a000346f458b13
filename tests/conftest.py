"""Shared fixtures: the fixture web (one local HTTPS server, many hostnames) and one Chromium for the
whole session. Nothing here talks to anything but 127.0.0.1."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from cookiescan.browser import BrowserSession, resolve_executable
from cookiescan.config import ScanConfig
from cookiescan.demo import FixtureWeb
from cookiescan.models import ScanResult
from cookiescan.scan import Scanner


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-baselines", action="store_true",
                     help="rewrite tests/baselines/*.json from this run (see tests/baseline_support.py)")


@pytest.fixture(autouse=True, scope="session")
def _no_network_beyond_loopback() -> Iterator[None]:
    """Python-side guard: any connection attempt to a non-loopback address fails the test run."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6) \
                and not (host.startswith("127.") or host in ("::1", "localhost")):
            raise AssertionError(f"test tried to reach {host}: only 127.0.0.1 is allowed")
        return real_connect(self, address)  # type: ignore[arg-type]

    socket.socket.connect = guarded  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def web() -> Iterator[FixtureWeb]:
    """The demo shop and its third parties, plus the hostile site."""
    from cookiescan.demo import sites
    from tests.fixtures import deploy, hostile

    with FixtureWeb(routes={**sites.ROUTES, **hostile.ROUTES, **deploy.ROUTES}) as w:
        yield w


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path, _ = resolve_executable(os.environ.get("COOKIESCAN_BROWSER"))
    return path


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(web: FixtureWeb, chromium_path: str) -> AsyncIterator[BrowserSession]:
    async with BrowserSession(chromium_path, extra_args=web.browser_args) as session:
        yield session


def fixture_config(web: FixtureWeb, chromium_path: str, **overrides: object) -> ScanConfig:
    """A ScanConfig pointed at the fixture web (resolver rules + the fixture's TLS key)."""
    base: dict[str, object] = dict(urls=("https://shop-fixture.com/",), browser=chromium_path,
                                   browser_args=tuple(web.browser_args), settle_max=6.0)
    base.update(overrides)
    return ScanConfig(**base)  # type: ignore[arg-type]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shop_before(web: FixtureWeb, chromium_path: str, browser: BrowserSession) -> ScanResult:
    """One 'before' scan of the shop, shared by the collection and crawl tests."""
    config = fixture_config(web, chromium_path, states=("before",), max_pages=20, depth=4)
    return await Scanner(config, session=browser).run()
