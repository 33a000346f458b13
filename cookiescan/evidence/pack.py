"""The evidence pack: one zip holding the audit's files, a ``manifest.json`` with the SHA-256 and size of
every file plus who/what/when made them, and optionally ``manifest.sig``, an Ed25519 signature over the
exact manifest bytes.

Anyone can recompute the hashes (``sha256sum`` after unzipping, or ``verify_pack`` in
:mod:`cookiescan.evidence.verify`); with the signer's public key they can also check that the manifest itself
is untouched. The zip is deterministic: members sorted by name, fixed timestamps and permissions, so the same
inputs give the same bytes.

Layout of a pack::

    report.html, result.json, har/accept.har, screenshots/…    the files, sorted by name
    manifest.json                                              hashes + metadata (UTF-8 JSON)
    manifest.sig                                               base64 Ed25519 signature (signed packs only)
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cookiescan.evidence import sign as signing
from cookiescan.evidence.errors import EvidenceError

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
RESERVED_NAMES = frozenset({MANIFEST_NAME, SIGNATURE_NAME})
PACK_FORMAT = "cookiescan-evidence-pack"
PACK_FORMAT_VERSION = 1
HASH_ALGORITHM = "sha256"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no clock in the bytes
CHUNK = 1024 * 1024

_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                              *(f"lpt{i}" for i in range(10))})
MAX_SEGMENT = 128
MAX_NAME = 512
MAX_DEPTH = 8


def _tool_version() -> str:
    from cookiescan.version import __version__

    return __version__


def _playwright_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("playwright")
    except PackageNotFoundError:
        return ""


def utc_now() -> str:
    """Now as ISO 8601 UTC with milliseconds, the form every time in a manifest takes."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class PackMeta:
    """Who made the evidence, with what, when, about which site — written into ``manifest.json``.

    ``argv`` is the command line as a list (``sys.argv``); times are ISO 8601 UTC; ``config_hash`` is the
    result's config hash; ``browser_product`` is CDP ``Browser.getVersion().product`` (``HeadlessChrome/…``).
    ``pack_created`` empty means "now" at write time; pass a fixed value to get byte-identical packs.
    """

    site: str
    argv: tuple[str, ...]
    scan_started: str
    scan_finished: str
    config_hash: str
    browser_product: str = ""
    browser_version: str = ""
    user_agent: str = ""
    title: str = ""
    pack_created: str = ""
    tool_name: str = "cookiescan"
    tool_version: str = field(default_factory=_tool_version)
    python_version: str = field(default_factory=platform.python_version)
    playwright_version: str = field(default_factory=_playwright_version)


@dataclass(frozen=True, slots=True)
class ManifestFile:
    """One file of the pack as the manifest lists it."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Manifest:
    """The manifest of a pack: its files, its metadata, the signing key's fingerprint (None when unsigned)
    and ``data``, the exact bytes stored (what the signature covers)."""

    files: tuple[ManifestFile, ...]
    meta: PackMeta
    signed_by: str | None
    data: bytes



# -- archive names --------------------------------------------------------------------------------------
def check_member_name(name: object) -> str:
    """Return ``name`` if it is a safe archive name, else raise :class:`EvidenceError`.

    Safe: ``/``-separated segments of ``A-Z a-z 0-9 . _ -`` that start with a letter, digit or ``_`` (no
    ``..``, no hidden files, no absolute paths, no backslashes, no drive letters, no control characters),
    not ending in a dot, no Windows device names (``con``, ``nul``…), at most 8 levels and 512 characters,
    and not ``manifest.json`` / ``manifest.sig``. Build names from site data with :func:`safe_name`.
    """
    if not isinstance(name, str):
        raise EvidenceError(f"archive name {name!r} is not a string")
    shown = _show(name)
    if not name or len(name) > MAX_NAME:
        raise EvidenceError(f"archive name {shown} is empty or longer than {MAX_NAME} characters")
    if name in RESERVED_NAMES:
        raise EvidenceError(f"archive name {shown} is reserved for the pack's own manifest")
    if "\\" in name:
        raise EvidenceError(f"archive name {shown} contains a backslash")
    if name.startswith("/"):
        raise EvidenceError(f"archive name {shown} is absolute")
    segments = name.split("/")
    if len(segments) > MAX_DEPTH:
        raise EvidenceError(f"archive name {shown} is nested deeper than {MAX_DEPTH} folders")
    for seg in segments:
        if seg in ("", ".", ".."):
            raise EvidenceError(f"archive name {shown} has an empty, '.' or '..' part")
        if not _SEGMENT.fullmatch(seg) or len(seg) > MAX_SEGMENT or seg.endswith("."):
            raise EvidenceError(f"archive name {shown}: use only letters, digits, '.', '_' and '-', starting "
                                "with a letter, digit or '_'")
        if seg.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
            raise EvidenceError(f"archive name {shown} is a Windows device name")
    return name


def safe_name(text: str, *, default: str = "file", max_length: int = 100) -> str:
    """Turn any text (a host name, a page title, a URL) into one safe archive-name segment: characters
    outside ``A-Z a-z 0-9 . _ -`` become ``_``; the result never starts with a dot or ends with one."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:max_length].strip(".")
    if not slug or not _SEGMENT.fullmatch(slug):
        slug = f"_{slug}" if slug else default
    if slug.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
        slug = f"_{slug}"
    return slug


def _check_names(names: list[str]) -> None:
    folded: dict[str, str] = {}
    for name in names:
        check_member_name(name)
        key = name.casefold()  # a.html and A.html overwrite each other on Windows and macOS
        if key in folded:
            raise EvidenceError(f"archive names {_show(folded[key])} and {_show(name)} collide")
        folded[key] = name
    dirs = {"/".join(n.casefold().split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}
    for name in names:
        if name.casefold() in dirs:
            raise EvidenceError(f"archive name {_show(name)} is both a file and a folder")


# -- writing --------------------------------------------------------------------------------------------
def write_pack(path: Path | str, files: Mapping[str, bytes | Path], *, meta: PackMeta,
               sign_key: Ed25519PrivateKey | Path | str | None = None) -> Manifest:
    """Write the evidence pack ``path`` (a zip) holding ``files`` (archive name -> content or a file to
    copy) plus ``manifest.json`` and, with ``sign_key``, ``manifest.sig``.

    Names are checked (:func:`check_member_name`), the key is loaded before anything is written, and the
    zip is written to a temporary file next to ``path`` and renamed into place, so a reader never sees half
    a pack. Returns the :class:`Manifest` written. Raises :class:`EvidenceError` (one line) on a bad name,
    an unreadable input file or key, or a write error.
    """
    target = Path(path)
    names = sorted(files)
    _check_names(names)
    key = sign_key if isinstance(sign_key, Ed25519PrivateKey) or sign_key is None \
        else signing.load_private_key(sign_key)
    if target.is_dir():
        raise EvidenceError(f"evidence pack {target} is a folder; give a file name such as audit.zip")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise EvidenceError(f"cannot write evidence pack {target}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as raw:
            with zipfile.ZipFile(raw, "w") as zf:
                listed = tuple(_add_member(zf, name, files[name]) for name in names)
                manifest = _manifest(listed, meta, key)
                _write_member(zf, MANIFEST_NAME, manifest.data)
                if key is not None:
                    _write_member(zf, SIGNATURE_NAME, signing.sign(key, manifest.data))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o644)  # mkstemp made it 0600; a pack is meant to be handed on
        os.replace(tmp, target)
    except EvidenceError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EvidenceError(f"cannot write evidence pack {target}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return manifest


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # "Unix" whatever the OS, so the bytes do not depend on where the pack was made
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    with zf.open(_zipinfo(name), "w") as out:
        out.write(data)


def _add_member(zf: zipfile.ZipFile, name: str, content: bytes | Path) -> ManifestFile:
    digest, size = hashlib.sha256(), 0
    with zf.open(_zipinfo(name), "w") as out:
        if isinstance(content, (bytes, bytearray, memoryview)):
            data = bytes(content)
            digest.update(data)
            out.write(data)
            size = len(data)
        elif isinstance(content, Path):
            # Hash what is written, in one pass: a file changing under us cannot give a manifest that
            # disagrees with the zip.
            try:
                with content.open("rb") as src:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            except FileNotFoundError:
                raise EvidenceError(f"cannot add {content} to the evidence pack: it does not exist") from None
            except OSError as exc:
                raise EvidenceError(f"cannot add {content} to the evidence pack: {exc.strerror or exc}") from None
        else:
            raise EvidenceError(f"content for {_show(name)} must be bytes or a Path, not {type(content).__name__}")
    return ManifestFile(name=name, sha256=digest.hexdigest(), size=size)


def _manifest(listed: tuple[ManifestFile, ...], meta: PackMeta, key: Ed25519PrivateKey | None) -> Manifest:
    created = meta.pack_created or utc_now()
    doc: dict[str, Any] = {
        "format": PACK_FORMAT,
        "format_version": PACK_FORMAT_VERSION,
        "tool": {"name": meta.tool_name, "version": meta.tool_version},
        "site": meta.site,
        "title": meta.title,
        "command": list(meta.argv),
        "config_hash": meta.config_hash,
        "times": {"scan_started": meta.scan_started, "scan_finished": meta.scan_finished,
                  "pack_created": created},
        "browser": {"product": meta.browser_product, "version": meta.browser_version,
                    "user_agent": meta.user_agent},
        "runtime": {"python": meta.python_version, "playwright": meta.playwright_version},
        "hash_algorithm": HASH_ALGORITHM,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in listed],
    }
    signed_by = signing.fingerprint(key) if key is not None else None
    if signed_by:
        doc["signature"] = {"algorithm": signing.SIGNATURE_ALGORITHM, "public_key_fingerprint": signed_by,
                            "file": SIGNATURE_NAME}
    data = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8", errors="backslashreplace")
    stored_meta = PackMeta(**{**_meta_fields(meta), "pack_created": created})
    return Manifest(files=listed, meta=stored_meta, signed_by=signed_by, data=data)


def _meta_fields(meta: PackMeta) -> dict[str, Any]:
    return {name: getattr(meta, name) for name in PackMeta.__dataclass_fields__}


# -- reading ----------------------------------------------------------------------------------------------
def read_manifest(data: bytes) -> Manifest:
    """Parse manifest bytes. Raises :class:`EvidenceError` with a one-line reason when they are not JSON
    or not a cookiescan manifest."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise EvidenceError(f"{MANIFEST_NAME} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"{MANIFEST_NAME} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})") from None
    if not isinstance(doc, dict) or doc.get("format") != PACK_FORMAT:
        raise EvidenceError(f"{MANIFEST_NAME} is not a cookiescan evidence-pack manifest")
    if doc.get("format_version") != PACK_FORMAT_VERSION:
        raise EvidenceError(f"{MANIFEST_NAME} has format version {_show(str(doc.get('format_version')))}; "
                            f"this cookiescan reads version {PACK_FORMAT_VERSION}")
    if doc.get("hash_algorithm") != HASH_ALGORITHM:
        raise EvidenceError(f"{MANIFEST_NAME} uses hash {_show(str(doc.get('hash_algorithm')))}, not sha256")
    entries = doc.get("files")
    if not isinstance(entries, list):
        raise EvidenceError(f"{MANIFEST_NAME} has no list of files")
    listed = []
    seen: set[str] = set()
    for i, item in enumerate(entries):
        if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                and isinstance(item.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", item["sha256"])
                and isinstance(item.get("size"), int) and not isinstance(item["size"], bool)
                and item["size"] >= 0):
            raise EvidenceError(f"{MANIFEST_NAME}: file entry {i + 1} needs a name, a sha256 (64 hex digits) "
                                "and a size")
        if item["name"] in seen:
            raise EvidenceError(f"{MANIFEST_NAME} lists {_show(item['name'])} twice")
        seen.add(item["name"])
        listed.append(ManifestFile(name=item["name"], sha256=item["sha256"], size=item["size"]))
    sig = doc.get("signature")
    signed_by = None
    if sig is not None:
        if not (isinstance(sig, dict) and sig.get("algorithm") == signing.SIGNATURE_ALGORITHM
                and isinstance(sig.get("public_key_fingerprint"), str)):
            raise EvidenceError(f"{MANIFEST_NAME}: the signature block is not an ed25519 key fingerprint")
        signed_by = sig["public_key_fingerprint"]

    def text(section: str, key: str) -> str:
        block = doc.get(section)
        value = block.get(key) if isinstance(block, dict) else None
        return value if isinstance(value, str) else ""

    command = doc.get("command")
    meta = PackMeta(
        site=doc["site"] if isinstance(doc.get("site"), str) else "",
        argv=tuple(a for a in command if isinstance(a, str)) if isinstance(command, list) else (),
        scan_started=text("times", "scan_started"), scan_finished=text("times", "scan_finished"),
        config_hash=doc["config_hash"] if isinstance(doc.get("config_hash"), str) else "",
        browser_product=text("browser", "product"), browser_version=text("browser", "version"),
        user_agent=text("browser", "user_agent"), title=doc["title"] if isinstance(doc.get("title"), str) else "",
        pack_created=text("times", "pack_created"), tool_name=text("tool", "name"),
        tool_version=text("tool", "version"), python_version=text("runtime", "python"),
        playwright_version=text("runtime", "playwright"),
    )
    return Manifest(files=tuple(listed), meta=meta, signed_by=signed_by, data=bytes(data))


# -- helpers --------------------------------------------------------------------------------------------
def _show(name: str, limit: int = 160) -> str:
    """A name safe to print on one line: control characters and non-ASCII escaped, long names cut."""
    text = name.encode("unicode_escape", errors="backslashreplace").decode("ascii")
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"'{text}'"
