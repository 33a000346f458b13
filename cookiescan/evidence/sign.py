"""Ed25519 keys and signatures for evidence packs (the ``cryptography`` package does the cryptography).

Accepted keys:

* private: PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``, or ``ENCRYPTED PRIVATE KEY`` with the password in
  ``COOKIESCAN_SIGN_KEY_PASSWORD``) or OpenSSH (``-----BEGIN OPENSSH PRIVATE KEY-----``, as
  ``ssh-keygen -t ed25519`` writes it);
* public: PEM (``-----BEGIN PUBLIC KEY-----``) or one OpenSSH line (``ssh-ed25519 AAAA… comment``).

Fingerprints use OpenSSH's form, ``SHA256:`` + unpadded base64 of the SHA-256 of the key's SSH wire blob, so
the fingerprint in a manifest matches what ``ssh-keygen -lf key.pub`` prints.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cookiescan.evidence.errors import EvidenceError, one_line

PASSWORD_ENV = "COOKIESCAN_SIGN_KEY_PASSWORD"
SIGNATURE_ALGORITHM = "ed25519"
MAX_KEY_FILE = 64 * 1024  # a key file is a few hundred bytes; anything huge is not a key
_NOT_ED25519 = "cookiescan signs with Ed25519 keys only (make one with `ssh-keygen -t ed25519` or cookiescan keygen)"


@dataclass(frozen=True, slots=True)
class KeyPair:
    """Where :func:`generate_keypair` wrote the keys, and the public key's fingerprint."""

    private_key: Path
    public_key: Path
    fingerprint: str


def load_private_key(source: Path | str | bytes, *, password: str | bytes | None = None) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from a PEM (PKCS#8, optionally encrypted) or OpenSSH file, or from the
    key bytes themselves. The password comes from ``password`` or else ``$COOKIESCAN_SIGN_KEY_PASSWORD``.

    Raises :class:`EvidenceError` (one line) for a missing file, an encrypted key without a password, a
    wrong password, a key that is not Ed25519, or anything that is not a private key.
    """
    data, label = _read(source, "signing key")
    if password is None:
        password = os.environ.get(PASSWORD_ENV) or None
    pw = password.encode("utf-8") if isinstance(password, str) else password
    text = data.lstrip()
    key: object
    try:
        if text.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----"):
            key = serialization.load_ssh_private_key(data, pw)
        elif text.startswith(b"-----BEGIN") and b"PRIVATE KEY-----" in text[:64]:
            key = serialization.load_pem_private_key(data, pw)
        elif text.startswith((b"ssh-", b"-----BEGIN PUBLIC KEY-----")):
            raise EvidenceError(f"{label} is a public key; signing needs the private key")
        else:
            raise EvidenceError(f"{label} is not a PEM or OpenSSH private key")
    except TypeError as exc:
        if pw is None and ("encrypted" in str(exc) or "password-protected" in str(exc)):
            raise EvidenceError(f"{label} is encrypted: set {PASSWORD_ENV} to its password") from None
        if pw is not None and "not encrypted" in str(exc):
            # A password set in the environment for a plain key is harmless: load the key without it.
            return _load_plain(data, label)
        raise EvidenceError(f"{label} could not be read: {one_line(exc)}") from None
    except UnsupportedAlgorithm as exc:
        if "bcrypt" in str(exc):
            raise EvidenceError(
                f"{label} is an encrypted OpenSSH key, which needs the 'bcrypt' package: install it, or sign "
                "with a PKCS#8 key (cookiescan keygen)") from None
        raise EvidenceError(f"{label}: {_NOT_ED25519}") from None
    except ValueError as exc:
        message = str(exc)
        if pw is not None and ("password" in message.lower() or "decrypt" in message.lower()):
            raise EvidenceError(f"{label}: wrong password (check {PASSWORD_ENV})") from None
        raise EvidenceError(f"{label} could not be read: {one_line(exc)}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise EvidenceError(f"{label} is {_kind(key)} key; {_NOT_ED25519}")
    return key


def _load_plain(data: bytes, label: str) -> Ed25519PrivateKey:
    key: object = (serialization.load_ssh_private_key(data, None) if b"OPENSSH" in data[:64]
           else serialization.load_pem_private_key(data, None))
    if not isinstance(key, Ed25519PrivateKey):
        raise EvidenceError(f"{label} is {_kind(key)} key; {_NOT_ED25519}")
    return key


def load_public_key(source: Path | str | bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from a PEM file (``BEGIN PUBLIC KEY``) or an OpenSSH ``ssh-ed25519 …``
    line (a ``.pub`` file), given as a path or as the key bytes. Raises :class:`EvidenceError` otherwise."""
    data, label = _read(source, "public key")
    text = data.strip()
    key: object
    try:
        if text.startswith(b"-----BEGIN PUBLIC KEY-----"):
            key = serialization.load_pem_public_key(text)
        elif text.startswith(b"-----BEGIN") and b"PRIVATE KEY" in text[:64]:
            raise EvidenceError(f"{label} is a private key; verification needs the public key (never share "
                                "the private one)")
        elif text.startswith((b"ssh-", b"ecdsa-", b"sk-")):
            line = text.splitlines()[0]
            if not line.startswith(b"ssh-ed25519 "):
                raise EvidenceError(f"{label} is an OpenSSH {line.split(b' ')[0].decode('ascii', 'replace')} "
                                    f"key; {_NOT_ED25519}")
            key = serialization.load_ssh_public_key(line)
        else:
            raise EvidenceError(f"{label} is not a PEM or OpenSSH public key")
    except UnsupportedAlgorithm:
        raise EvidenceError(f"{label}: {_NOT_ED25519}") from None
    except ValueError as exc:
        raise EvidenceError(f"{label} could not be read: {one_line(exc)}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise EvidenceError(f"{label} is {_kind(key)} key; {_NOT_ED25519}")
    return key


def fingerprint(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """``SHA256:…``, the OpenSSH fingerprint of the (public half of the) key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    line = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    blob = base64.b64decode(line.split(b" ")[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The Ed25519 signature of ``data``, base64 with a final newline (the content of ``manifest.sig``)."""
    return base64.b64encode(key.sign(data)) + b"\n"


def verify_signature(key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` (base64, as :func:`sign` writes it) is ``key``'s signature of ``data``."""
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        key.verify(raw, data)
    except InvalidSignature:
        return False
    return True


def generate_keypair(directory: Path | str, *, name: str = "cookiescan-signing",
                     password: str | None = None) -> KeyPair:
    """Write a new Ed25519 key pair into ``directory``: ``NAME.pem`` (PKCS#8 private key, mode 0600,
    encrypted when ``password`` is given) and ``NAME.pub.pem`` (public key, to hand to whoever verifies).
    Existing files are never overwritten."""
    folder = Path(directory)
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise EvidenceError(f"key name {name!r} must be a plain file name")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvidenceError(f"cannot create {folder}: {exc.strerror or exc}") from None
    private_path, public_path = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    for p in (private_path, public_path):
        if p.exists():
            raise EvidenceError(f"{p} already exists; cookiescan never overwrites a key")
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode("utf-8")) if password
        else serialization.NoEncryption())
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_new(private_path, private_pem, 0o600)
    _write_new(public_path, public_pem, 0o644)
    return KeyPair(private_key=private_path, public_key=public_path, fingerprint=fingerprint(key))


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: never follow a planted symlink or clobber a key; the mode is set at creation, so the private
    # key is never readable by others, not even for an instant.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise EvidenceError(f"{path} already exists; cookiescan never overwrites a key") from None
    except OSError as exc:
        raise EvidenceError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)  # the umask may have narrowed the public key's mode; the private one stays 0600


def _read(source: Path | str | bytes, what: str) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, what
    path = Path(source)
    label = f"{what} {path}"
    try:
        if path.stat().st_size > MAX_KEY_FILE:
            raise EvidenceError(f"{label} is too large to be a key")
        return path.read_bytes(), label
    except FileNotFoundError:
        raise EvidenceError(f"{label} does not exist") from None
    except IsADirectoryError:
        raise EvidenceError(f"{label} is a folder, not a key file") from None
    except OSError as exc:
        raise EvidenceError(f"cannot read {label}: {exc.strerror or exc}") from None


def _kind(key: object) -> str:
    kinds = ((rsa.RSAPrivateKey, rsa.RSAPublicKey, "an RSA"), (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey,
             "an ECDSA"), (dsa.DSAPrivateKey, dsa.DSAPublicKey, "a DSA"), (ed448.Ed448PrivateKey,
             ed448.Ed448PublicKey, "an Ed448"))
    for private, public, article in kinds:
        if isinstance(key, (private, public)):
            return article
    return "not an Ed25519"
