"""Evidence that holds up: HAR 1.2 files of what the browser exchanged, and a zip "evidence pack" whose
manifest lists the SHA-256 of every file, optionally signed with Ed25519, with a verifier that names the
file that changed.

    har     HttpExchange / HarPage records -> HAR 1.2 dict -> deterministic bytes (cookie values redacted)
    pack    write_pack(path, files, meta=…, sign_key=…) -> Manifest; archive names; read_manifest
    verify  verify_pack(path, public_key) -> Verification (which file changed, went missing, was added)
    sign    Ed25519 keys from PEM or OpenSSH files, fingerprints, generate_keypair
    errors  EvidenceError, the one error these modules raise
"""

from cookiescan.evidence.errors import EvidenceError
from cookiescan.evidence.har import HarPage, HarTimings, HttpExchange, build_har, dump_har, headers_from_cdp
from cookiescan.evidence.pack import (
    Manifest,
    ManifestFile,
    PackMeta,
    check_member_name,
    read_manifest,
    safe_name,
    write_pack,
)
from cookiescan.evidence.sign import KeyPair, fingerprint, generate_keypair, load_private_key, load_public_key
from cookiescan.evidence.verify import Verification, verify_pack

__all__ = [
    "EvidenceError",
    "HarPage",
    "HarTimings",
    "HttpExchange",
    "KeyPair",
    "Manifest",
    "ManifestFile",
    "PackMeta",
    "Verification",
    "build_har",
    "check_member_name",
    "dump_har",
    "fingerprint",
    "generate_keypair",
    "headers_from_cdp",
    "load_private_key",
    "load_public_key",
    "read_manifest",
    "safe_name",
    "verify_pack",
    "write_pack",
]
