"""Checking an evidence pack: recompute every member's SHA-256 and size against ``manifest.json``, name
each file that changed, went missing or was added, and check ``manifest.sig`` against a public key.

Everything here reads a zip someone handed over: a damaged or hostile pack ends in a failed
:class:`Verification` with one-line messages (names escaped), never a traceback, and no member is read
beyond the size the manifest gives it.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cookiescan.evidence import sign as signing
from cookiescan.evidence.errors import EvidenceError, one_line
from cookiescan.evidence.pack import (
    CHUNK,
    MANIFEST_NAME,
    RESERVED_NAMES,
    SIGNATURE_NAME,
    Manifest,
    ManifestFile,
    _show,
    read_manifest,
)

MAX_MANIFEST = 16 * 1024 * 1024

SignatureStatus = Literal["not signed", "valid", "invalid", "no key given"]


@dataclass(frozen=True, slots=True)
class Verification:
    """What :func:`verify_pack` found. ``ok`` only when every listed file is present and unchanged, nothing
    else is in the zip, and the signature (when a key was given) is valid.

    ``changed`` / ``missing`` / ``extra`` hold archive names exactly as stored (data; print ``messages``,
    whose names are escaped to one line each). ``signature`` is one of ``not signed``, ``valid``,
    ``invalid``, ``no key given``.
    """

    ok: bool
    files_checked: tuple[str, ...]
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    signature: SignatureStatus
    messages: tuple[str, ...]
    signed_by: str | None = None
    manifest: Manifest | None = None


def verify_pack(path: Path | str, public_key: Ed25519PublicKey | Path | str | bytes | None = None) -> Verification:
    """Check an evidence pack: recompute every file's SHA-256 and size against ``manifest.json``, name each
    file that changed, is missing or was added, and — with ``public_key`` — check ``manifest.sig``.

    Anything wrong with the pack's content (not a zip, no manifest, a manifest that is not JSON, a damaged
    member) is a failed :class:`Verification` with a one-line message. A signed pack checked without a
    key verifies its hashes and says the signature was not checked; an unsigned pack checked *with* a key
    fails (the key asks for proof of origin the pack cannot give). Raises :class:`EvidenceError` only when
    ``path`` or the key file cannot be read at all.
    """
    pack = Path(path)
    key = public_key if isinstance(public_key, Ed25519PublicKey) or public_key is None \
        else signing.load_public_key(public_key)
    if not pack.exists():
        raise EvidenceError(f"evidence pack {pack} does not exist")
    if pack.is_dir():
        raise EvidenceError(f"evidence pack {pack} is a folder, not a zip file")
    try:
        with zipfile.ZipFile(pack) as zf:
            return _verify_zip(zf, key)
    except zipfile.BadZipFile as exc:
        return _failed(f"{pack.name} is not a readable zip file ({one_line(exc)})")
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
        return _failed(f"{pack.name} could not be read as a zip file ({one_line(exc)})")


def _failed(message: str) -> Verification:
    return Verification(ok=False, files_checked=(), changed=(), missing=(), extra=(), signature="not signed",
                        messages=(message,))


def _verify_zip(zf: zipfile.ZipFile, key: Ed25519PublicKey | None) -> Verification:
    messages: list[str] = []
    infos = zf.infolist()
    counts: dict[str, int] = {}
    for info in infos:
        counts[info.filename] = counts.get(info.filename, 0) + 1
    # Two members with one name: a viewer may open one while a checker hashes the other.
    duplicated = sorted(n for n, c in counts.items() if c > 1)
    for name in duplicated:
        messages.append(f"duplicate: {_show(name)} appears {counts[name]} times in the zip")
    if MANIFEST_NAME not in counts:
        return _failed(f"no {MANIFEST_NAME} in the pack: it is not an evidence pack, or the manifest was removed")
    manifest_info = zf.getinfo(MANIFEST_NAME)
    if manifest_info.file_size > MAX_MANIFEST:
        return _failed(f"{MANIFEST_NAME} is larger than {MAX_MANIFEST // (1024 * 1024)} MiB")
    try:
        with zf.open(manifest_info) as fh:
            data = fh.read(MAX_MANIFEST + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return _failed(f"{MANIFEST_NAME} is damaged ({one_line(exc)})")
    try:
        manifest = read_manifest(data)
    except EvidenceError as exc:
        return _failed(exc.message)

    changed: list[str] = []
    missing: list[str] = []
    for item in manifest.files:
        if item.name not in counts:
            missing.append(item.name)
            messages.append(f"missing: {_show(item.name)} is listed in the manifest but not in the zip")
            continue
        problem = _check_member(zf, zf.getinfo(item.name), item)
        if problem:
            changed.append(item.name)
            messages.append(f"changed: {_show(item.name)} {problem}")
    listed = {f.name for f in manifest.files}
    extra = sorted(n for n in counts if n not in listed and n not in RESERVED_NAMES)
    for name in extra:
        messages.append(f"extra: {_show(name)} is in the zip but not in the manifest")

    status, sig_message = _check_signature(zf, counts, manifest, key)
    ok = not (changed or missing or extra or duplicated) and status != "invalid" \
        and not (key is not None and status == "not signed")
    checked = tuple(f.name for f in manifest.files if f.name in counts)
    if not (changed or missing or extra):
        messages.insert(0, f"all {len(checked)} files match the manifest")
    messages.append(sig_message)
    return Verification(ok=ok, files_checked=checked, changed=tuple(changed), missing=tuple(missing),
                        extra=tuple(extra), signature=status, messages=tuple(messages),
                        signed_by=manifest.signed_by, manifest=manifest)


def _check_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, item: ManifestFile) -> str:
    """'' when the member matches the manifest, else why not (one line)."""
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(info) as fh:
            # Read at most one byte more than the manifest says: a member inflated to gigabytes is "changed",
            # not a reason to hash gigabytes.
            while size <= item.size and (chunk := _read(fh, min(CHUNK, item.size + 1 - size))):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        return f"is damaged ({one_line(exc)})"
    if size != item.size:
        return f"has a different size than the manifest says ({item.size} bytes listed)"
    if digest.hexdigest() != item.sha256:
        return "has a different SHA-256 than the manifest says"
    return ""


def _read(fh: IO[bytes], n: int) -> bytes:
    return fh.read(n) if n > 0 else b""


def _check_signature(zf: zipfile.ZipFile, counts: Mapping[str, int], manifest: Manifest,
                     key: Ed25519PublicKey | None) -> tuple[SignatureStatus, str]:
    has_sig = SIGNATURE_NAME in counts
    signer = manifest.signed_by
    if not has_sig and signer is None:
        if key is not None:
            return "not signed", "signature: the pack is not signed, so the key given cannot vouch for it"
        return "not signed", "signature: the pack is not signed"
    if key is None:
        who = f" by key {_show(signer)}" if signer else ""
        return "no key given", f"signature: not checked — the pack is signed{who}; give the public key to check it"
    if not has_sig:
        return "invalid", f"signature: the manifest names a signing key but {SIGNATURE_NAME} is missing"
    try:
        with zf.open(SIGNATURE_NAME) as fh:
            signature = fh.read(4096)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return "invalid", f"signature: {SIGNATURE_NAME} is damaged ({one_line(exc)})"
    given = signing.fingerprint(key)
    if signing.verify_signature(key, manifest.data, signature):
        if signer is not None and signer != given:
            return "invalid", (f"signature: valid for key {given} but the manifest names {_show(signer)}")
        return "valid", f"signature: valid, made with key {given}"
    if signer is not None and signer != given:
        return "invalid", f"signature: invalid for key {given}; the pack says it was signed by {_show(signer)}"
    return "invalid", f"signature: invalid — {MANIFEST_NAME} or {SIGNATURE_NAME} was altered"
