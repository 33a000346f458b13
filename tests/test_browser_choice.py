"""Which Chromium a scan runs: the one asked for, else — headless — Chromium's headless shell (Playwright's,
then the system's), else the full browser (Playwright's, then the system's). No browser is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from cookiescan.browser import resolve_executable
from cookiescan.errors import BrowserError


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with no browser at all: empty HOME, PATH and Playwright cache, no system headless shell."""
    for var in ("COOKIESCAN_BROWSER", "PLAYWRIGHT_BROWSERS_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    return tmp_path


def test_playwrights_headless_shell_for_a_headless_scan_its_chromium_for_a_headed_one(machine: Path) -> None:
    cache = machine / "home" / ".cache" / "ms-playwright"
    chrome = executable(cache / "chromium-1200" / "chrome-linux64" / "chrome")
    shell = executable(cache / "chromium_headless_shell-1200" / "chrome-headless-shell-linux64" / "chrome-headless-shell")
    executable(machine / "bin" / "chromium")
    assert resolve_executable(headless=True) == (str(shell), "playwright")
    assert resolve_executable(headless=False) == (str(chrome), "playwright")


def test_older_playwright_layout_of_the_shell(machine: Path) -> None:
    shell = executable(machine / "home" / ".cache" / "ms-playwright" / "chromium_headless_shell-1148" / "chrome-linux"
                       / "headless_shell")
    assert resolve_executable() == (str(shell), "playwright")


def test_the_systems_headless_shell_before_its_full_browser(machine: Path) -> None:
    chromium = executable(machine / "bin" / "chromium")
    shell = executable(machine / "bin" / "chromium-headless-shell")
    assert resolve_executable() == (str(shell), "system")
    assert resolve_executable(headless=False) == (str(chromium), "system")


def test_a_launcher_script_that_does_not_exec_is_looked_through(machine: Path) -> None:
    """Debian's /usr/bin/chromium-headless-shell runs the browser as its child: cookiescan starts the browser
    itself instead (else its parent-death signal, memory watchdog and restart would reach only the script)."""
    binary = executable(machine / "lib" / "chromium-headless-shell")
    launcher = machine / "bin" / "chromium-headless-shell"
    launcher.write_text(f'#!/bin/sh -e\n\n{binary} "$@"\n')
    launcher.chmod(0o755)
    assert resolve_executable() == (str(binary), "system")
    assert resolve_executable(str(launcher)) == (str(binary), "option")
    execs = machine / "bin" / "chromium"  # a launcher that execs the browser is the browser's own process
    execs.write_text(f'#!/bin/sh\nexec {binary} "$@"\n')
    execs.chmod(0o755)
    assert resolve_executable(str(execs)) == (str(execs), "option")


def test_the_browser_asked_for_wins(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    executable(machine / "bin" / "chromium-headless-shell")
    chromium = executable(machine / "bin" / "chromium")
    assert resolve_executable(str(chromium)) == (str(chromium), "option")
    monkeypatch.setenv("COOKIESCAN_BROWSER", str(chromium))
    assert resolve_executable() == (str(chromium), "env")


def test_no_browser_at_all_is_one_clear_error(machine: Path) -> None:
    with pytest.raises(BrowserError, match="no Chromium found"):
        resolve_executable()
