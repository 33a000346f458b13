"""Find a Chromium, start it so that it records what a real visitor's browser would, and hand out
fresh isolated contexts.

Why we start Chromium ourselves and attach over CDP rather than ``chromium.launch()``:
contexts made by ``launch()`` are incognito-like and block third-party cookies
(``blockedReasons: ["UserPreferences"]``); a profile whose ``Preferences`` hold
``cookie_controls_mode: 0`` does not, and ``new_context()`` on a CDP-attached browser inherits it —
so every visit plan still gets its own empty, isolated context, cheaply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cookiescan.errors import BrowserError

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Playwright

ENV_BROWSER = "COOKIESCAN_BROWSER"
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = (
    "install one with `playwright install chromium`, or your system's chromium package "
    "(Debian/Ubuntu: apt-get install chromium), or point --browser / COOKIESCAN_BROWSER at a Chrome/Chromium"
)

# Features we turn off: browser chatter that would pollute the scan, UI we do not want, and process-model
# work that costs a scan CPU for nothing. ThirdPartyStoragePartitioning stays on (as in a visitor's Chrome);
# the result records that.
DISABLED_FEATURES = (
    # a spare renderer is kept warm for the next navigation, but for one browser context only: with a context
    # per consent state it is mostly thrown away and started again (measured: 61 renderer processes for a
    # 9-page scan, 22 without; a sixth less CPU, on 2 cores a second less to the report)
    "SpareRendererForSitePerProcess",
    # a page left for about:blank stays frozen in memory, ready for "back", which a scan never uses
    "BackForwardCache",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "Translate",
    "InterestFeedContentSuggestions",
    "AutofillServerCommunication",
)


@dataclass(frozen=True, slots=True)
class BrowserInfo:
    """Evidence about the browser that made the observations (kept in every result)."""

    executable: str
    source: str  # "option" | "env" | "playwright" | "system"
    product: str  # e.g. "Chrome/156.0.8078.79"
    user_agent: str
    third_party_cookies: str  # "allowed" (cookie_controls_mode=0)
    storage_partitioning: str  # "enabled" | "disabled"
    headless: bool


def resolve_executable(explicit: str | None = None, *, headless: bool = True) -> tuple[str, str]:
    """Return ``(path, source)`` of the Chromium to use, in this order: ``explicit`` (the
    ``--browser`` option), ``$COOKIESCAN_BROWSER``, then — for a headless scan — Chromium's headless shell
    (Playwright's, then the system's), then Playwright's managed Chromium, then a system chromium/chrome on
    ``PATH``. Raises :class:`BrowserError` with the fix when none is found.

    The headless shell is the same Blink, V8 and network stack without the browser's UI layer (what
    Playwright itself runs for headless pages): on a 2-core machine a scan costs it about half the CPU of
    the full browser, for the same cookies, requests and banners (tests/test_fast_path.py compares the two)."""
    for value, source in ((explicit, "option"), (os.environ.get(ENV_BROWSER), "env")):
        if value:
            path = shutil.which(value) or value
            if not Path(path).is_file() or not os.access(path, os.X_OK):
                raise BrowserError(f"browser not found or not executable: {value} (from {source})",
                                   hint=INSTALL_HINT)
            return unwrap(path), source
    if headless:
        found = _playwright_build(SHELL_PATTERNS) or _system_shell()
        if found:
            return found
    managed = _playwright_build(CHROMIUM_PATTERNS)
    if managed:
        return managed
    for name in SYSTEM_NAMES:
        found_path = shutil.which(name)
        if found_path:
            return found_path, "system"
    raise BrowserError("no Chromium found", hint=INSTALL_HINT)


CHROMIUM_PATTERNS = ("chromium-*/chrome-linux*/chrome",
                     "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
                     "chromium-*/chrome-mac*/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
                     "chromium-*/chrome-win*/chrome.exe")
SHELL_PATTERNS = ("chromium_headless_shell-*/chrome-headless-shell-*/chrome-headless-shell",
                  "chromium_headless_shell-*/chrome-linux*/headless_shell",
                  "chromium_headless_shell-*/chrome-mac*/headless_shell",
                  "chromium_headless_shell-*/chrome-headless-shell-win*/chrome-headless-shell.exe")
SHELL_NAMES = ("chromium-headless-shell", "chrome-headless-shell", "headless_shell")
# a launcher script that runs the browser without exec'ing it ("/usr/lib/chromium/chromium-headless-shell "$@"", as
# Debian's /usr/bin/chromium-headless-shell does): the browser would not be the process cookiescan started, so
# neither its parent-death signal, nor the memory watchdog, nor the restart after its death would reach it
_LAUNCHER = re.compile(r'^\s*(/[^\s"\']+)\s+"\$@"\s*$', re.M)


def unwrap(path: str) -> str:
    """The browser a tiny launcher script runs (when it does not ``exec`` it), else ``path`` itself."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1025)
    except OSError:
        return path
    if not head.startswith(b"#!") or len(head) > 1024:
        return path
    m = _LAUNCHER.search(head.decode(errors="replace"))
    if m and Path(m.group(1)).is_file() and os.access(m.group(1), os.X_OK):
        return m.group(1)
    return path


def _system_shell() -> tuple[str, str] | None:
    for name in SHELL_NAMES:
        found = shutil.which(name)
        if found:
            return unwrap(found), "system"
    return None


def _playwright_build(patterns: tuple[str, ...]) -> tuple[str, str] | None:
    """A browser Playwright installed (``playwright install chromium``), newest first."""
    base = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    roots = [Path(base)] if base and base != "0" else []
    roots.append(Path.home() / ".cache" / "ms-playwright")
    for root in roots:
        if not root.is_dir():
            continue
        for pattern in patterns:
            hits = sorted(root.glob(pattern), reverse=True)
            if hits:
                return str(hits[0]), "playwright"
    return None


def build_args(user_data_dir: str, extra_args: list[str] | tuple[str, ...] = (), headless: bool = True) -> list[str]:
    """Command-line switches for Chromium. ``--disable-features`` given in ``extra_args`` is merged
    with ours rather than replacing it."""
    disabled = list(DISABLED_FEATURES)
    rest: list[str] = []
    for arg in extra_args:
        if arg.startswith("--disable-features="):
            disabled += [f for f in arg.split("=", 1)[1].split(",") if f]
        else:
            rest.append(arg)
    args = [
        f"--user-data-dir={user_data_dir}",
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--mute-audio",
        "--metrics-recording-only",
        "--password-store=basic",
        "--use-mock-keychain",
        "--disable-blink-features=AutomationControlled",
        "--disable-features=" + ",".join(dict.fromkeys(disabled)),
        "--disable-quic",
    ]
    if headless:
        args += ["--headless=new", "--hide-scrollbars"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return [*args, *rest, "about:blank"]


def write_profile(user_data_dir: str) -> None:
    """An empty profile that allows (and so records) third-party cookies."""
    default = Path(user_data_dir) / "Default"
    default.mkdir(parents=True, exist_ok=True)
    prefs = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False},
             "translate": {"enabled": False}}
    (default / "Preferences").write_text(json.dumps(prefs))


def _die_with_parent() -> Callable[[], None] | None:
    """What the forked child runs before Chromium starts (Linux): SIGKILL when the process that started it dies,
    however it dies. Chromium runs in its own session (a Ctrl-C meant for the CLI must not reach it first), so a
    worker killed with SIGKILL would otherwise leave its browser running. ``prctl`` is looked up here, in the
    parent: the child between fork and exec must not import (another thread may hold the import lock)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def in_child() -> None:
        prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG

    return in_child


def reduced_user_agent(ua: str) -> str:
    """Chrome's reduced user agent: ``Chrome/156.0.8078.114`` says ``Chrome/156.0.0.0``."""
    return re.sub(r"\b((?:Headless)?Chrome)/(\d+)(?:\.\d+){3}\b", r"\1/\2.0.0.0", ua)


def build_name(executable: str) -> str:
    """"Chromium headless shell" or "Chromium", for the evidence: the two builds differ in what a page can see
    (the shell has no ``window.chrome`` and no plugins)."""
    name = Path(executable).name.lower()
    return "Chromium headless shell" if "headless" in name and "shell" in name else "Chromium"


class BrowserSession:
    """One Chromium for one scan. Use as ``async with BrowserSession(...) as session:``.

    ``new_context()`` gives a fresh isolated context (own cookies, storage, cache)."""

    def __init__(self, executable: str | None = None, extra_args: list[str] | tuple[str, ...] = (),
                 headless: bool = True, ignore_https_errors: bool = False, source: str | None = None,
                 launch_timeout: float = 30.0) -> None:
        if executable is None:
            executable, source = resolve_executable(headless=headless)
        self.executable = executable
        self.source = source or "option"
        self.extra_args = list(extra_args)
        self.headless = headless
        self.ignore_https_errors = ignore_https_errors
        self.launch_timeout = launch_timeout
        self.info: BrowserInfo | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._pw_cm: Any = None
        self._pw: Playwright | None = None
        self.browser: Browser | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.generation = 0  # grows by one on every restart: contexts of an older generation are dead

    async def __aenter__(self) -> BrowserSession:
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        self._tmp = tempfile.TemporaryDirectory(prefix="cookiescan-profile-", ignore_cleanup_errors=True)
        write_profile(self._tmp.name)
        args = build_args(self._tmp.name, self.extra_args, self.headless)
        if self.shell and not any(a.startswith("--accept-lang") for a in self.extra_args):
            args.insert(0, "--accept-lang=en-US,en")  # the full browser's default (the shell's is en-US alone)
        try:
            self._proc = subprocess.Popen(
                [self.executable, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_die_with_parent(),
            )
        except OSError as exc:
            raise BrowserError(f"cannot start {self.executable}: {exc.strerror or exc}", hint=INSTALL_HINT) from None
        # Playwright's driver starts while Chromium does
        endpoint = asyncio.get_running_loop().run_in_executor(None, self._read_ws_endpoint)
        self._pw_cm = async_playwright()
        try:
            self._pw = await self._pw_cm.__aenter__()
        finally:
            ws = await endpoint
        try:
            self.browser = await self._pw.chromium.connect_over_cdp(ws, timeout=self.launch_timeout * 1000)
            cdp = await self.browser.new_browser_cdp_session()
            ua = str((await cdp.send("Browser.getVersion")).get("userAgent", ""))  # what navigator.userAgent says
            if self.shell:  # the shell does not reduce its user agent as Chrome does (MAJOR.0.0.0): its pages will
                ua = reduced_user_agent(ua)
            with contextlib.suppress(PlaywrightError):
                await cdp.detach()
        except PlaywrightError as exc:
            raise BrowserError(f"cannot attach to {self.executable}: {str(exc).splitlines()[0]}") from None
        self.info = BrowserInfo(
            executable=self.executable, source=self.source,
            product=f"{build_name(self.executable)}/{self.browser.version}",
            user_agent=ua, third_party_cookies="allowed", headless=self.headless,
            storage_partitioning="disabled" if "ThirdPartyStoragePartitioning" in " ".join(args) else "enabled",
        )

    def _read_ws_endpoint(self) -> str:
        assert self._proc is not None and self._proc.stderr is not None
        lines: list[str] = []
        import time

        deadline = time.monotonic() + self.launch_timeout
        while time.monotonic() < deadline:
            raw = self._proc.stderr.readline()
            if not raw:
                break
            line = raw.decode(errors="replace").strip()
            lines.append(line)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                # keep draining stderr so Chromium never blocks on a full pipe
                import threading

                threading.Thread(target=self._drain, daemon=True).start()
                return m.group(1)
        code = self._proc.poll()
        tail = next((ln for ln in reversed(lines) if ln), "no output")
        raise BrowserError(
            f"{self.executable} did not start (exit {code}): {tail[:200]}",
            hint="run `cookiescan doctor`; on a server without a sandbox run as a normal user or as root",
        )

    def _drain(self) -> None:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return
        with contextlib.suppress(Exception):
            for _ in iter(proc.stderr.readline, b""):
                pass

    async def new_context(self, **kwargs: Any) -> BrowserContext:
        """A fresh isolated context: empty cookie jar, storage and cache."""
        if self.browser is None:
            raise BrowserError("browser is not running")
        kwargs.setdefault("ignore_https_errors", self.ignore_https_errors)
        if self.shell and self.info is not None:
            kwargs.setdefault("user_agent", self.info.user_agent)
        kwargs.setdefault("viewport", {"width": 1280, "height": 800})
        kwargs.setdefault("accept_downloads", False)
        return await self.browser.new_context(**kwargs)

    async def restart(self) -> None:
        """Replace a dead (or wedged) browser with a fresh one on a fresh empty profile."""
        await self.close()
        await self.start()
        self.generation += 1

    @property
    def shell(self) -> bool:
        """Chromium's headless shell (not the full browser)."""
        return build_name(self.executable) != "Chromium"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self.browser is not None \
            and self.browser.is_connected()

    async def close(self) -> None:
        """Close everything; safe to call twice and after a crash or Ctrl-C."""
        if self.browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.browser.close(), 5)
            self.browser = None
        if self._pw_cm is not None:
            with contextlib.suppress(Exception):
                await self._pw_cm.__aexit__(None, None, None)
            self._pw_cm = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(Exception):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.get_running_loop().run_in_executor(None, proc.wait, 5)
            except Exception:
                with contextlib.suppress(Exception):
                    os.killpg(proc.pid, signal.SIGKILL)
        elif proc is not None:
            # the browser died on its own: its renderers and helpers may still be running
            with contextlib.suppress(Exception):
                os.killpg(proc.pid, signal.SIGKILL)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
