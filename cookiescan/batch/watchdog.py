"""The memory watchdog and process-tree helpers the batch engines share (Linux ``/proc``).

Chromium is started by the scan in a session of its own, so neither a process-group kill of the worker nor
Celery's ``max_memory_per_child`` (which measures the Python child only) reaches it. Everything here walks
the tree by parent pid instead: the browser's processes are the worker's descendants while it lives.

Memory is PSS (proportional set size, ``/proc/PID/smaps_rollup``): RSS counts every library and shared
mapping once per Chromium process and overstates a browser's use several times.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("cookiescan.batch")

PR_SET_CHILD_SUBREAPER = 36
SAMPLE_SECONDS = 1.0
OVER_SAMPLES = 2  # consecutive samples over the limit before acting: one spike is not a runaway


def supported() -> bool:
    """The watchdog needs Linux's /proc."""
    return os.path.isdir("/proc/self") and os.path.exists("/proc/self/stat")


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process now."""
    out: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            out[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return out


def children_of(pid: int) -> list[int]:
    """The living (or not yet reaped) children of ``pid``."""
    return [child for child, parent in _parents().items() if parent == pid]


def descendants(root: int) -> list[int]:
    """Every living descendant of ``root`` (children first), not ``root`` itself."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    out: list[int] = []
    stack = list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, ()))
    return out


def pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory(root: int, include_root: bool = False) -> int:
    """PSS of ``root``'s descendants (and of ``root`` with ``include_root``), in bytes."""
    pids = descendants(root) + ([root] if include_root else [])
    return sum(pss(p) for p in pids)


def kill_tree(root: int, include_root: bool = True) -> list[int]:
    """SIGKILL ``root`` (optionally) and every descendant, including process groups they lead (Chromium
    runs in its own); returns the pids signalled. The tree is read first, so a parent cannot re-parent
    its children away while they die."""
    pids = descendants(root)
    if include_root:
        pids.insert(0, root)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGSTOP)  # frozen: no new children, no respawn, while the rest is killed
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
    return pids


def comm(pid: int) -> str:
    """A process's command name ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def become_subreaper(on: bool = True) -> bool:
    """Make this process the child subreaper (Linux): the orphans of its descendants (the browser of a worker
    that was killed) become its children instead of init's. Not inherited by forked children."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def reap_orphans(keep: Callable[[int], bool]) -> list[int]:
    """Kill (with their trees) and reap this subreaper's children that ``keep`` does not accept: the browsers
    left by workers that died. Chromium's crash handler is left alone (it double-forks, so a live browser's
    lands here too, and it ends with its browser). Returns the pids killed."""
    killed = []
    for pid in children_of(os.getpid()):
        if keep(pid):
            continue
        name = comm(pid)
        if name and not name.startswith("chrome_crashpad"):
            kill_tree(pid)
            killed.append(pid)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap what has ended: zombies of re-parented processes are ours
    return killed


class OrphanReaper:
    """A daemon thread that makes this process a subreaper and calls :func:`reap_orphans` every ``interval``
    seconds (the Celery worker's main process: its pool processes are kept, a killed one's browser is not)."""

    def __init__(self, keep: Callable[[int], bool], interval: float = 5.0) -> None:
        self.keep = keep
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cookiescan-reaper", daemon=True)

    def start(self) -> bool:
        """Start when this system has subreapers; False otherwise."""
        if not become_subreaper(True):
            return False
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                for pid in reap_orphans(self.keep):
                    log.warning("killed process %d left behind by a worker that died", pid)
            except Exception:  # never let the reaper die silently: the worker goes on without it
                log.exception("orphan reaper failed")


class Watchdog:
    """Samples the PSS of ``root``'s descendants (the browser of a worker process) every
    :data:`SAMPLE_SECONDS` on a daemon thread; when it stays over ``limit`` bytes for
    :data:`OVER_SAMPLES` samples, calls ``on_exceeded(bytes used)`` once. ``peak`` is the largest sample."""

    def __init__(self, root: int, limit: int, on_exceeded: Callable[[int], None],
                 interval: float = SAMPLE_SECONDS) -> None:
        self.root = root
        self.limit = limit
        self.on_exceeded = on_exceeded
        self.interval = interval
        self.peak = 0
        self.fired = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cookiescan-watchdog", daemon=True)

    def start(self) -> Watchdog:
        if self.limit > 0 and supported():
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def __enter__(self) -> Watchdog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        over = 0
        while not self._stop.wait(self.interval):
            started = time.monotonic()
            used = tree_memory(self.root)
            self.peak = max(self.peak, used)
            over = over + 1 if used > self.limit else 0
            if over >= OVER_SAMPLES and not self.fired:
                self.fired = True
                try:
                    self.on_exceeded(used)
                except Exception:  # the watchdog must not die silently with the attempt running on
                    log.exception("memory watchdog callback failed")
            log.debug("watchdog: %d MB in %.3f s", used >> 20, time.monotonic() - started)
