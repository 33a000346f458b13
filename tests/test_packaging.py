"""The wheel and the sdist carry every file the package reads at run time.

Guards the round-1 defect: the wheel left out ``cookiescan/collect/hooks.js`` (the package-data globs only
matched top-level ``*.js``), so every scan from ``pip install`` / ``pipx install`` died before the first
page while editable installs hid it. Builds both artefacts from this checkout, as a user's pip would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from cookiescan import resources

ROOT = Path(__file__).resolve().parent.parent


def _tracked_data_files() -> list[str]:
    """Non-Python files under the shipped packages, as git tracks them (empty outside a git checkout)."""
    try:
        out = subprocess.run(["git", "ls-files", "cookiescan", "known_trackers"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return []
    return [f for f in out if not f.endswith((".py", ".pyc"))]


def _runtime_paths() -> list[str]:
    return [f"{package.replace('.', '/')}/{name}" for package, name in resources.RUNTIME_FILES]


def _clean_copy(dest: Path) -> Path:
    """The checkout's files (tracked and new, not ignored) copied to ``dest``: a build there sees what a
    fresh clone has, not a stale ``*.egg-info`` or ``build/`` left by an editable install."""
    try:
        names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return ROOT
    for name in names:
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], set[str]]:
    """(names in the wheel, names in the sdist relative to its top folder), built from this tree."""
    out = tmp_path_factory.mktemp("dist")
    src = _clean_copy(tmp_path_factory.mktemp("src"))
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, f"building the wheel and sdist failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    wheel = next(out.glob("*.whl"))
    sdist = next(out.glob("*.tar.gz"))
    wheel_names = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        sdist_names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    return wheel_names, sdist_names


def test_runtime_files_exist_in_the_source_tree() -> None:
    for package, name in resources.RUNTIME_FILES:
        assert resources.read_text(package, name), f"{package}/{name} is empty"


@pytest.mark.parametrize("path", _runtime_paths())
def test_wheel_carries_every_runtime_file(artefacts: tuple[set[str], set[str]], path: str) -> None:
    wheel, _ = artefacts
    assert path in wheel, f"the wheel leaves out {path}: add it to [tool.setuptools.package-data]"


@pytest.mark.parametrize("path", _runtime_paths())
def test_sdist_carries_every_runtime_file(artefacts: tuple[set[str], set[str]], path: str) -> None:
    _, sdist = artefacts
    assert path in sdist, f"the sdist leaves out {path}"


def test_wheel_carries_every_tracked_data_file(artefacts: tuple[set[str], set[str]]) -> None:
    """Licences, sources and anything else shipped beside the code (not only what is read)."""
    wheel, _ = artefacts
    missing = [f for f in _tracked_data_files() if f not in wheel]
    assert not missing, f"the wheel leaves out: {missing}"


def test_unlisted_data_file_is_refused() -> None:
    """Reading a file not in RUNTIME_FILES fails at once, so the list the packaging test checks stays complete."""
    with pytest.raises(KeyError):
        resources.read_text("cookiescan.collect", "not-listed.js")
