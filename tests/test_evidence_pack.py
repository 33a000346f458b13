"""The evidence pack (cookiescan.evidence.pack + sign): a zip whose manifest lists every file's SHA-256,
optionally Ed25519-signed. A verifier must name the file that changed, went missing or was added, tell a
right key from a wrong one, and turn a broken pack into one line — never a traceback. Pure data: no
browser."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from cookiescan.evidence import (
    EvidenceError,
    HarPage,
    HttpExchange,
    PackMeta,
    build_har,
    check_member_name,
    dump_har,
    fingerprint,
    generate_keypair,
    load_private_key,
    load_public_key,
    safe_name,
    verify_pack,
    write_pack,
)
from cookiescan.evidence.sign import PASSWORD_ENV

META = PackMeta(
    site="https://shop.test/", argv=("cookiescan", "scan", "https://shop.test/", "--evidence-pack", "audit.zip"),
    scan_started="2024-05-01T10:00:00.000Z", scan_finished="2024-05-01T10:02:30.000Z", config_hash="c0ffee12",
    browser_product="HeadlessChrome/130.0.6723.58", browser_version="130.0.6723.58",
    user_agent="Mozilla/5.0 HeadlessChrome/130", title="Shop audit", pack_created="2024-05-01T10:03:00.000Z",
    tool_version="0.1.0", python_version="3.11.7", playwright_version="1.47.0",
)
HTML = b"<!doctype html><title>Audit</title><p>3 findings</p>\n"


def _png() -> bytes:
    """A real 1x1 PNG, so the pack holds binary data as a screenshot would."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, bytes | Path]:
    shot = tmp_path / "in" / "accept.png"
    shot.parent.mkdir()
    shot.write_bytes(_png())
    har = dump_har(build_har(
        [HarPage(id="page_1", url="https://shop.test/", title="Shop", started_at="2024-05-01T10:00:00Z")],
        [HttpExchange(started_at="2024-05-01T10:00:00Z", page_url="https://shop.test/", method="GET",
                      url="https://shop.test/", status=200, response_headers=(("Set-Cookie", "sid=abc; Path=/"),))],
        browser_name="HeadlessChrome", browser_version="130", creator_version="0.1.0"))
    result = json.dumps({"schema_version": 1, "site": "https://shop.test/", "findings": [{"rule": "C1"}]}).encode()
    return {"result.json": result, "har/accept.har": har, "screenshots/accept.png": shot, "report.html": HTML}


def _rewrite(pack: Path, change: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None) -> None:
    """Rewrite the zip member by member (same names, same order), letting ``change`` edit or drop
    (return None) a member — what someone tampering with a pack would do."""
    members = []
    with zipfile.ZipFile(pack) as zf:
        for info in zf.infolist():
            members.append((info, zf.read(info)))
    with zipfile.ZipFile(pack, "w") as zf:
        for info, data in members:
            new = change(info.filename, data)
            if new is not None:
                zf.writestr(info, new)
        for name, data in (add or {}).items():
            zf.writestr(name, data)


def _flip_one_byte(target: str) -> Callable[[str, bytes], bytes | None]:
    def change(name: str, data: bytes) -> bytes:
        if name != target:
            return data
        i = data.index(b"3 findings")
        return data[:i] + b"0" + data[i + 1:]  # "3 findings" -> "0 findings": same size, one byte
    return change


def _one_line(messages: tuple[str, ...]) -> None:
    for m in messages:
        assert m and "\n" not in m and "Traceback" not in m


# -- writing and verifying ------------------------------------------------------------------------------
def test_pack_verifies_and_manifest_lists_every_file(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: a fresh pack verifies; the manifest holds the SHA-256 and size of exactly the given bytes
    and the evidence metadata. Mutation: ``digest.update`` dropped from the Path branch (a copied file
    hashed as empty) -> the screenshot shows up as changed."""
    pack = tmp_path / "out" / "audit.zip"
    manifest = write_pack(pack, inputs, meta=META)
    v = verify_pack(pack)
    assert v.ok, v.messages
    assert v.files_checked == ("har/accept.har", "report.html", "result.json", "screenshots/accept.png")
    assert (v.changed, v.missing, v.extra, v.signature) == ((), (), (), "not signed")
    assert v.messages == ("all 4 files match the manifest", "signature: the pack is not signed")
    doc = json.loads(manifest.data)
    expected = {name: (data if isinstance(data, bytes) else data.read_bytes()) for name, data in inputs.items()}
    assert {f["name"]: (f["sha256"], f["size"]) for f in doc["files"]} == {
        name: (hashlib.sha256(data).hexdigest(), len(data)) for name, data in expected.items()}
    assert doc["command"] == list(META.argv)
    assert doc["times"] == {"scan_started": META.scan_started, "scan_finished": META.scan_finished,
                            "pack_created": META.pack_created}
    assert doc["browser"]["product"] == "HeadlessChrome/130.0.6723.58"
    assert doc["runtime"] == {"python": "3.11.7", "playwright": "1.47.0"}
    assert (doc["site"], doc["config_hash"], doc["tool"]["name"]) == ("https://shop.test/", "c0ffee12", "cookiescan")
    assert "signature" not in doc
    with zipfile.ZipFile(pack) as zf:
        assert zf.read("manifest.json") == manifest.data
        assert zf.namelist() == [*sorted(inputs), "manifest.json"]
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
    assert v.manifest is not None and v.manifest.meta.site == "https://shop.test/"


def test_one_byte_changed_in_the_html_names_exactly_that_file(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: the per-file SHA-256 check names the changed file and only it. Mutation: _check_member
    compares sizes only (digest comparison removed) -> a same-size edit passes as ok."""
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META)
    _rewrite(pack, _flip_one_byte("report.html"))
    v = verify_pack(pack)
    assert not v.ok
    assert v.changed == ("report.html",)
    assert (v.missing, v.extra) == ((), ())
    assert "changed: 'report.html' has a different SHA-256 than the manifest says" in v.messages
    assert not any("result.json" in m or "accept.png" in m for m in v.messages)
    _one_line(v.messages)


def test_removed_and_added_files_are_named(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: a file taken out is "missing", a file slipped in is "extra", each by name. Mutation: extra
    computed as ``[]`` -> the added file goes unnoticed."""
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META)
    _rewrite(pack, lambda name, data: None if name == "screenshots/accept.png" else data,
             add={"screenshots/fake.png": _png()})
    v = verify_pack(pack)
    assert not v.ok
    assert v.missing == ("screenshots/accept.png",)
    assert v.extra == ("screenshots/fake.png",)
    assert v.changed == ()
    assert "missing: 'screenshots/accept.png' is listed in the manifest but not in the zip" in v.messages
    assert "extra: 'screenshots/fake.png' is in the zip but not in the manifest" in v.messages


def test_a_second_member_with_the_same_name_is_flagged(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: a zip holding report.html twice (the checker hashes one, a viewer may show the other) fails.
    Mutation: duplicates not collected (``duplicated = []``) -> ok."""
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META)
    with zipfile.ZipFile(pack, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("report.html", b"<p>0 findings</p>")
    v = verify_pack(pack)
    assert not v.ok
    assert any(m.startswith("duplicate: 'report.html'") for m in v.messages)


# -- signatures -----------------------------------------------------------------------------------------
def test_signed_pack_valid_with_the_right_key_invalid_with_a_wrong_one(tmp_path: Path,
                                                                      inputs: dict[str, bytes | Path]) -> None:
    """Guards: a key that is not the signer's is refused. Two checks stand in the way (the Ed25519
    verification and the fingerprint named in the manifest); mutation: the wrong-key branch returns
    "valid" -> assertion fails. The Ed25519 check alone is guarded by the re-hashed-manifest test."""
    right = generate_keypair(tmp_path / "right")
    wrong = generate_keypair(tmp_path / "wrong")
    pack = tmp_path / "audit.zip"
    manifest = write_pack(pack, inputs, meta=META, sign_key=right.private_key)
    assert manifest.signed_by == right.fingerprint
    assert json.loads(manifest.data)["signature"] == {
        "algorithm": "ed25519", "public_key_fingerprint": right.fingerprint, "file": "manifest.sig"}
    good = verify_pack(pack, right.public_key)
    assert good.ok and good.signature == "valid", good.messages
    assert good.messages[-1] == f"signature: valid, made with key {right.fingerprint}"
    bad = verify_pack(pack, wrong.public_key)
    assert not bad.ok and bad.signature == "invalid"
    assert bad.changed == ()  # the files are fine; the key is not the signer's
    assert wrong.fingerprint in bad.messages[-1] and right.fingerprint in bad.messages[-1]


def test_signed_pack_without_a_key_says_the_signature_was_not_checked(tmp_path: Path,
                                                                     inputs: dict[str, bytes | Path]) -> None:
    """Guards: hashes still checked, signature status "no key given", the signer named. Mutation: status
    "valid" returned when no key is given -> assertion fails."""
    keys = generate_keypair(tmp_path / "k")
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META, sign_key=keys.private_key)
    v = verify_pack(pack)
    assert v.ok and v.signature == "no key given"
    assert v.signed_by == keys.fingerprint
    assert "not checked" in v.messages[-1] and keys.fingerprint in v.messages[-1]


def test_a_re_hashed_manifest_breaks_the_signature(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: someone who edits the HTML *and* fixes its hash in the manifest still fails with the key.
    Mutation: verify_signature returns True unconditionally -> the forgery passes."""
    keys = generate_keypair(tmp_path / "k")
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META, sign_key=keys.private_key)
    forged_html = HTML.replace(b"3 findings", b"0 findings")

    def forge(name: str, data: bytes) -> bytes:
        if name == "report.html":
            return forged_html
        if name == "manifest.json":
            return data.replace(hashlib.sha256(HTML).hexdigest().encode(),
                                hashlib.sha256(forged_html).hexdigest().encode())
        return data
    _rewrite(pack, forge)
    assert verify_pack(pack).ok  # without a key the forgery is self-consistent…
    v = verify_pack(pack, keys.public_key)
    assert not v.ok and v.signature == "invalid"  # …with it, it is caught
    assert v.messages[-1] == "signature: invalid — manifest.json or manifest.sig was altered"


def test_a_removed_signature_or_an_unsigned_pack_fails_when_a_key_is_given(tmp_path: Path,
                                                                        inputs: dict[str, bytes | Path]) -> None:
    """Guards: dropping manifest.sig is "invalid"; a pack never signed cannot satisfy a key (no downgrade).
    Mutation: ok computed without the ``key given and not signed`` clause -> the unsigned pack passes."""
    keys = generate_keypair(tmp_path / "k")
    signed, unsigned = tmp_path / "signed.zip", tmp_path / "unsigned.zip"
    write_pack(signed, inputs, meta=META, sign_key=keys.private_key)
    _rewrite(signed, lambda name, data: None if name == "manifest.sig" else data)
    v = verify_pack(signed, keys.public_key)
    assert not v.ok and v.signature == "invalid" and "manifest.sig is missing" in v.messages[-1]
    write_pack(unsigned, inputs, meta=META)
    v = verify_pack(unsigned, keys.public_key)
    assert not v.ok and v.signature == "not signed"
    assert v.messages[-1] == "signature: the pack is not signed, so the key given cannot vouch for it"


# -- broken packs are one-line results ------------------------------------------------------------------
def test_a_corrupt_zip_is_one_line(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: not-a-zip and a truncated zip end in one message, no exception. Mutation: BadZipFile not
    caught in verify_pack -> the exception escapes the test."""
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip at all\n" * 10)
    v = verify_pack(junk)
    assert not v.ok and len(v.messages) == 1 and "not a readable zip file" in v.messages[0]
    _one_line(v.messages)
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META)
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2])
    v = verify_pack(pack)
    assert not v.ok and len(v.messages) == 1
    _one_line(v.messages)


def test_a_damaged_member_is_named(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: bytes flipped inside the compressed data (CRC or inflate error) name the member.
    Mutation: zlib.error/BadZipFile not caught in _check_member -> the exception escapes."""
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META)
    with zipfile.ZipFile(pack) as zf:
        info = zf.getinfo("result.json")
    data = bytearray(pack.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + info.compress_size):
        data[i] ^= 0x55
    pack.write_bytes(bytes(data))
    v = verify_pack(pack)
    assert not v.ok and v.changed == ("result.json",)
    assert any(m.startswith("changed: 'result.json' is damaged") for m in v.messages)
    _one_line(v.messages)


def test_a_missing_or_unreadable_manifest_is_one_line(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: no manifest, a manifest that is not JSON, a JSON that is not ours: one clear line each.
    Mutation: json.JSONDecodeError not caught in read_manifest -> the exception escapes."""
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META)
    _rewrite(pack, lambda name, data: None if name == "manifest.json" else data)
    v = verify_pack(pack)
    assert not v.ok and v.messages == (
        "no manifest.json in the pack: it is not an evidence pack, or the manifest was removed",)
    write_pack(pack, inputs, meta=META)
    _rewrite(pack, lambda name, data: data[:-20] if name == "manifest.json" else data)
    v = verify_pack(pack)
    assert not v.ok and len(v.messages) == 1 and v.messages[0].startswith("manifest.json is not valid JSON (line")
    write_pack(pack, inputs, meta=META)
    _rewrite(pack, lambda name, data: b'{"files": []}' if name == "manifest.json" else data)
    v = verify_pack(pack)
    assert v.messages == ("manifest.json is not a cookiescan evidence-pack manifest",)


def test_verify_a_path_that_is_not_there_raises_one_line(tmp_path: Path) -> None:
    """Guards: the CLI's "could not run" case. Mutation: the exists() check removed -> a
    Verification for a missing file instead of an EvidenceError."""
    with pytest.raises(EvidenceError, match="does not exist"):
        verify_pack(tmp_path / "nope.zip")


# -- determinism, atomic writes, hostile names ----------------------------------------------------------
def test_same_inputs_give_the_same_bytes(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: fixed timestamps, sorted members, stable manifest — and Ed25519 is deterministic, so signed
    packs match too. Mutation: members written in input order instead of sorted -> bytes differ."""
    keys = generate_keypair(tmp_path / "k")
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    write_pack(a, inputs, meta=META, sign_key=keys.private_key)
    os.utime(inputs["screenshots/accept.png"], (0, 0))  # the source file's mtime must not matter
    reordered = dict(reversed(list(inputs.items())))
    write_pack(b, reordered, meta=META, sign_key=keys.private_key)
    assert a.read_bytes() == b.read_bytes()


def test_the_pack_is_written_atomically(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: a failure half-way leaves the previous pack untouched and no temp file behind.
    Mutation: the zip written straight to ``path`` (no temp file) -> the old pack is destroyed."""
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META)
    before = pack.read_bytes()
    broken = {**inputs, "zz/late.png": tmp_path / "vanished.png"}  # sorted last: fails after others are written
    with pytest.raises(EvidenceError, match=r"vanished\.png.*does not exist"):
        write_pack(pack, broken, meta=META)
    assert pack.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.zip", "in"]
    assert stat.S_IMODE(pack.stat().st_mode) == 0o644


@pytest.mark.parametrize("name", [
    "../outside.html", "a/../../b.html", "/etc/passwd", "C:/evil.html", "c:evil.html", "a\\b.html",
    "a//b.html", "./a.html", ".hidden", "a/.git/config", "", "har/a b.har", "a\nb.html", "ä.html",
    "report.html.", "con.txt", "har/NUL", "manifest.json", "manifest.sig", "x" * 200, "/".join("a" * 9),
])
def test_hostile_archive_names_are_refused(tmp_path: Path, name: str) -> None:
    """Guards: traversal, absolute and drive paths, backslashes, hidden/odd names, reserved names. Nothing
    is written. Mutation: the segment regex check removed (``_SEGMENT.fullmatch`` -> always true) -> names
    like 'a b', '\\n', 'ä' and '..' pass."""
    pack = tmp_path / "audit.zip"
    with pytest.raises(EvidenceError) as err:
        write_pack(pack, {name: b"x", "ok.txt": b"y"}, meta=META)
    assert "\n" not in err.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("names", [("Report.html", "report.html"), ("har", "har/accept.har")])
def test_colliding_archive_names_are_refused(tmp_path: Path, names: tuple[str, str]) -> None:
    """Guards: names that overwrite each other when unzipped on Windows/macOS, or a file that is also a
    folder. Mutation: collision key ``name`` instead of ``name.casefold()`` -> Report/report accepted."""
    with pytest.raises(EvidenceError, match=r"collide|both a file and a folder"):
        write_pack(tmp_path / "p.zip", dict.fromkeys(names, b"x"), meta=META)


def test_safe_name_makes_site_text_usable() -> None:
    """Guards: the helper the scanner uses to build names from host names and titles always yields a name
    check_member_name accepts. Mutation: the Windows device-name prefix removed -> 'con' gives har/con.har,
    which check_member_name refuses."""
    for text in ("shop.test", "../../etc/passwd", "..", "", "ä ö", "con", "a\\b:c", "x" * 300, ".hidden."):
        slug = safe_name(text)
        assert check_member_name(f"har/{slug}.har")
    assert safe_name("www.shop-test.fr") == "www.shop-test.fr"


# -- keys -----------------------------------------------------------------------------------------------
def test_generated_keys_private_mode_0600_and_never_overwritten(tmp_path: Path) -> None:
    """Guards: the private key is created 0600 and a second keygen refuses to clobber it. Mutation: mode
    0o644 for the private key -> assertion fails."""
    keys = generate_keypair(tmp_path)
    assert stat.S_IMODE(keys.private_key.stat().st_mode) == 0o600
    assert keys.public_key.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert fingerprint(load_public_key(keys.public_key)) == keys.fingerprint
    with pytest.raises(EvidenceError, match="already exists"):
        generate_keypair(tmp_path)


def test_openssh_keys_and_their_fingerprint(tmp_path: Path, inputs: dict[str, bytes | Path]) -> None:
    """Guards: OpenSSH private keys and ``ssh-ed25519`` lines load; the fingerprint is OpenSSH's
    ``SHA256:`` of the key blob (what ``ssh-keygen -l`` prints). Mutation: fingerprint hashing the raw 32
    key bytes instead of the SSH blob -> mismatch."""
    key = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "id_ed25519").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()))
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    (tmp_path / "id_ed25519.pub").write_bytes(line + b" auditor@example\n")
    blob = base64.b64decode(line.split()[1])
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert fingerprint(load_private_key(tmp_path / "id_ed25519")) == expected
    assert fingerprint(load_public_key(tmp_path / "id_ed25519.pub")) == expected
    pack = tmp_path / "audit.zip"
    write_pack(pack, inputs, meta=META, sign_key=tmp_path / "id_ed25519")
    assert verify_pack(pack, tmp_path / "id_ed25519.pub").signature == "valid"


def test_encrypted_key_asks_for_the_password_via_the_environment(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards: an encrypted PKCS#8 key without a password names COOKIESCAN_SIGN_KEY_PASSWORD; with it the key
    loads; a wrong one says so. Mutation: the env var not read -> the second load fails."""
    keys = generate_keypair(tmp_path, password="correct horse")
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(EvidenceError, match=f"encrypted: set {PASSWORD_ENV}"):
        load_private_key(keys.private_key)
    monkeypatch.setenv(PASSWORD_ENV, "correct horse")
    assert fingerprint(load_private_key(keys.private_key)) == keys.fingerprint
    monkeypatch.setenv(PASSWORD_ENV, "battery staple")
    with pytest.raises(EvidenceError, match="wrong password"):
        load_private_key(keys.private_key)


def test_keys_that_are_not_ed25519_are_one_line_errors(tmp_path: Path) -> None:
    """Guards: RSA/ECDSA private keys, an ssh-rsa line, a private key given as public, garbage. Mutation:
    the isinstance(Ed25519PrivateKey) check removed -> the RSA key is accepted."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa.pem").write_bytes(rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ec_key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "ec.pem").write_bytes(ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    (tmp_path / "rsa.pub").write_bytes(rsa_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH) + b" me@host\n")
    (tmp_path / "junk").write_bytes(b"hello")
    cases: list[tuple[Callable[[Path], object], str, str]] = [
        (load_private_key, "rsa.pem", "is an RSA key; cookiescan signs with Ed25519 keys only"),
        (load_private_key, "ec.pem", "is an ECDSA key; cookiescan signs with Ed25519 keys only"),
        (load_public_key, "rsa.pub", "is an OpenSSH ssh-rsa key; cookiescan signs with Ed25519 keys only"),
        (load_public_key, "rsa.pem", "is a private key; verification needs the public key"),
        (load_private_key, "junk", "is not a PEM or OpenSSH private key"),
        (load_public_key, "missing.pub", "does not exist"),
    ]
    for loader, file, message in cases:
        with pytest.raises(EvidenceError) as err:
            loader(tmp_path / file)
        assert message in err.value.message and "\n" not in err.value.message


# A throwaway key made with `ssh-keygen -t ed25519 -N pw` for this test only (passphrase "pw").
ENCRYPTED_OPENSSH_KEY = b"""-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDjHm0lvU
39JRCbh6Yc5bN8AAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPtcVAGAfq/Ltj5N
fCZSnriZABrYPXl85k5urdOR2robAAAAkKjg3YsMVtfJaBgihP8afLVRsiRHvzg4cVRTN0
bOyk2go7ChLEipumTU894v+SlFkAtfDXnt9+PByQC7xW02/cGHvWmyniL1z4tDjkcWozKN
k3T57tAOOVADYdw9TYpFOYbpSwbd4PlfiZe4z8Cwaz0UhYn/W4HRKaZkiWEaaPra+6Wroo
FK9viBYjyRdVXvFw==
-----END OPENSSH PRIVATE KEY-----
"""


def test_encrypted_openssh_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards: an encrypted OpenSSH key (ssh-keygen's default when a passphrase is typed) asks for the
    password; with it, it loads when 'bcrypt' is installed and otherwise says bcrypt is needed — one line
    either way. Mutation: the "password-protected" test removed from the TypeError branch -> the raw
    cryptography message instead of the hint about COOKIESCAN_SIGN_KEY_PASSWORD."""
    key_file = tmp_path / "id_ed25519"
    key_file.write_bytes(ENCRYPTED_OPENSSH_KEY)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(EvidenceError, match=f"encrypted: set {PASSWORD_ENV}"):
        load_private_key(key_file)
    monkeypatch.setenv(PASSWORD_ENV, "pw")
    try:
        import bcrypt  # noqa: F401
    except ImportError:
        with pytest.raises(EvidenceError, match="needs the 'bcrypt' package"):
            load_private_key(key_file)
    else:
        assert fingerprint(load_private_key(key_file)) == "SHA256:g4vZNSNDFlNXfujeiF0tPHqWnToChuDGSvyHqyBR5+E"
