"""Banner screenshots for the HTML report: a PNG named by a result, read safely and inlined as a ``data:`` URI.

The path comes from a result file (which may come from anyone), so absolute paths, ``..`` segments and
symlinks leading out of the result's folder are refused, and anything that is not a PNG is not embedded.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A banner screenshot ready to inline, or the reason it is not shown."""

    uri: str | None
    note: str


def _unsafe_relative(rel: str) -> bool:
    if "\x00" in rel or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return True
    parts = re.split(r"[\\/]+", rel)
    return any(p == ".." for p in parts) or PurePosixPath(rel).is_absolute()


def load_screenshot(rel: str | None, base_dir: Path | None) -> Screenshot:
    """Read a PNG named by a result (a path relative to the result file) and return it as a data URI.

    Absolute paths, ``..`` segments and symlinks leading out of ``base_dir`` are refused; a missing or
    unreadable file gives a note, never an exception.
    """
    if not rel:
        return Screenshot(None, "No screenshot was taken.")
    if _unsafe_relative(rel):
        return Screenshot(
            None, "Screenshot path refused: it must be relative to the result file, without '..'."
        )
    if base_dir is None:
        return Screenshot(None, "Screenshot not embedded: the result file's folder is unknown.")
    try:
        base = base_dir.resolve()
        target = base.joinpath(*[p for p in re.split(r"[\\/]+", rel) if p not in ("", ".")]).resolve()
        if not target.is_relative_to(base):
            return Screenshot(None, "Screenshot path refused: it leads outside the result folder.")
        if not target.is_file():
            return Screenshot(None, f"Screenshot missing: {rel}")
        if target.stat().st_size > MAX_SCREENSHOT_BYTES:
            return Screenshot(None, "Screenshot too large to embed.")
        data = target.read_bytes()
    except OSError:
        return Screenshot(None, f"Screenshot missing: {rel}")
    if not data.startswith(PNG_SIGNATURE):
        return Screenshot(None, "Screenshot not embedded: the file is not a PNG image.")
    return Screenshot("data:image/png;base64," + base64.b64encode(data).decode("ascii"), "")
