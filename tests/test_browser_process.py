"""The browser never outlives the process that started it: a worker killed with SIGKILL (no ``finally``, no
``atexit``) takes its Chromium with it, although Chromium runs in its own session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.browser

STARTER = """
import asyncio, sys
from cookiescan.browser import BrowserSession

async def main():
    async with BrowserSession(sys.argv[1]) as session:
        print(session.pid, flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie is gone, only not reaped yet
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_chromium_dies_with_a_killed_parent(chromium_path: str) -> None:
    proc = subprocess.Popen([sys.executable, "-c", STARTER, chromium_path], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        pid = int(proc.stdout.readline())
        assert _alive(pid), "Chromium did not start"
        assert os.getsid(pid) != os.getsid(proc.pid), "Chromium is expected in its own session"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _alive(pid)
    finally:
        if proc.poll() is None:
            proc.kill()
    if left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "Chromium outlived the process that started it"
