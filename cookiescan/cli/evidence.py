"""Evidence packs on the command line: ``pack`` a saved result with everything recorded beside it, ``verify`` a
pack (which file changed; the signature with ``--public-key``), ``keygen`` an Ed25519 key pair to sign with,
and the packing step of ``scan --evidence-pack``.

A pack mirrors the files on disk, so an unzipped pack re-renders as it was: ``<stem>.json`` (the result),
``<stem>.html`` (the report), ``<stem>-evidence/…`` (HAR per consent state, banner screenshots, the declared list
and notice as read), plus ``manifest.json`` (SHA-256 of every file, versions, command line, UTC times) and, when
signed, ``manifest.sig``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cookiescan.cli.common import common_options, handle_errors, load_result
from cookiescan.errors import EXIT_OK, UsageError
from cookiescan.evidence import (
    EvidenceError,
    PackMeta,
    check_member_name,
    generate_keypair,
    load_private_key,
    safe_name,
    verify_pack,
    write_pack,
)
from cookiescan.models import ScanResult
from cookiescan.report import ReportOptions, render

Files = dict[str, bytes | Path]
NO_HAR = "no HAR recorded: scan with --har or --evidence-pack"
EXIT_NOT_VERIFIED = 1  # verify: a file changed, went missing or was added, or the signature does not hold


def evidence_dir_of(first_output: Path) -> Path:
    """Where a scan keeps the evidence of the result written to ``first_output`` (as ``run_scan`` names it)."""
    return first_output.parent / f"{first_output.stem}-evidence"


def sign_key_option(opts: dict[str, Any]) -> Ed25519PrivateKey | None:
    """The ``--sign-key`` of a scan, loaded before any browser starts (a bad key fails in a second, not
    after the scan). Refuses ``--sign-key`` without ``--evidence-pack``."""
    if not opts.get("sign_key"):
        return None
    if not opts.get("evidence_pack"):
        raise UsageError("--sign-key signs an evidence pack: add --evidence-pack PATH.zip")
    return load_private_key(opts["sign_key"])


def check_pack_target(target: Path, inputs: Sequence[Path]) -> None:
    """A pack never replaces one of the files it holds, nor a folder."""
    if target.is_dir():
        raise UsageError(f"evidence pack {target} is a folder; give a file name such as audit.zip")
    resolved = target.resolve()
    for path in inputs:
        if path.resolve() == resolved:
            raise UsageError(f"evidence pack {target} would overwrite {path}, which goes into it")


def pack_files(result: ScanResult, *, stem: str, json_file: Path | None, html_file: Path | None,
               evidence_dir: Path, ropts: ReportOptions) -> tuple[Files, list[str]]:
    """The files of a pack (archive name -> bytes or a file) and one line for each thing that is missing.
    The result and report are the files written (rendered from ``result`` when there is none)."""
    stem = safe_name(stem, default="result")
    notes: list[str] = []
    files: Files = {}
    files[f"{stem}.json"] = json_file if json_file is not None and json_file.is_file() else \
        render(result, "json", ropts).encode("utf-8")
    if html_file is not None and html_file.is_file():
        files[f"{stem}.html"] = html_file
    else:
        files[f"{stem}.html"] = render(result, "html", ropts).encode("utf-8")
        notes.append("no HTML report beside the result: packed one rendered from it")
    found = _evidence_files(evidence_dir, notes)
    for name, path in found.items():
        files[f"{stem}-evidence/{name}"] = path
    states = list(result.states)
    hars = [n for n in found if n.startswith("har-") and n.endswith(".har")]
    if not hars:
        notes.append(NO_HAR)
    else:
        notes += [f"no HAR for the {s} state" for s in states if f"har-{s}.har" not in found]
    for s in states:
        banner = result.states[s].banner
        shot = banner.screenshot if banner is not None else None
        if shot and Path(shot).name not in found:
            notes.append(f"banner screenshot of the {s} state missing: {Path(shot).name}")
    config = result.config or {}
    if (config.get("declared") or config.get("declared_from")) and not _has(found, "declared-source."):
        notes.append("the declared list's source was not kept (scanned before cookiescan kept it, or not loaded)")
    if config.get("notice") and not _has(found, "notice-source."):
        notes.append("the notice's source was not kept (scanned before cookiescan kept it, or not loaded)")
    return files, notes


def _has(found: dict[str, Path], prefix: str) -> bool:
    return any(n.startswith(prefix) for n in found)


def _evidence_files(folder: Path, notes: list[str]) -> dict[str, Path]:
    """Regular files directly in the evidence folder (symbolic links and hidden files are left out: a pack
    holds what the scan wrote, never what a link points at)."""
    if not folder.is_dir():
        notes.append(f"no evidence folder {folder}: packing the result and the report only")
        return {}
    out: dict[str, Path] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        notes.append(f"cannot read the evidence folder {folder}: {exc.strerror or exc}")
        return {}
    for path in entries:
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        try:
            check_member_name(path.name)
        except EvidenceError:
            notes.append(f"left out {path.name!r}: not a file name a pack can hold")
            continue
        out[path.name] = path
    return out


def pack_meta(result: ScanResult) -> PackMeta:
    """Who made the evidence, with what, when: the command line, the scan's UTC times and its browser."""
    product = result.browser.product if result.browser else ""
    return PackMeta(site=result.site, argv=("cookiescan", *sys.argv[1:]), scan_started=result.started_at,
                    scan_finished=result.finished_at, config_hash=result.config_hash, browser_product=product,
                    browser_version=product.partition("/")[2], user_agent=result.browser.user_agent
                    if result.browser else "", title=result.title or "")


def make_pack(result: ScanResult, target: Path, *, stem: str, json_file: Path | None, html_file: Path | None,
              evidence_dir: Path, ropts: ReportOptions, key: Ed25519PrivateKey | None) -> None:
    """Write the pack and say on stderr what went in and what is missing."""
    files, notes = pack_files(result, stem=stem, json_file=json_file, html_file=html_file,
                              evidence_dir=evidence_dir, ropts=ropts)
    check_pack_target(target, [p for p in files.values() if isinstance(p, Path)])
    manifest = write_pack(target, files, meta=pack_meta(result), sign_key=key)
    for note in notes:
        click.echo(f"Warning: {note}", err=True)
    signed = f", signed by {manifest.signed_by}" if manifest.signed_by else ", not signed"
    click.echo(f"Wrote {target} ({len(manifest.files)} files{signed})", err=True)


def pack_scan(result: ScanResult, outputs: Sequence[tuple[Path, str]], target: Path, ropts: ReportOptions,
              key: Ed25519PrivateKey | None) -> None:
    """``scan --evidence-pack``: pack the reports just written and the evidence folder beside them."""
    first = next((p for p, f in outputs if f == "json"), outputs[0][0])
    make_pack(result, target, stem=first.stem, json_file=next((p for p, f in outputs if f == "json"), None),
              html_file=next((p for p, f in outputs if f == "html"), None), evidence_dir=evidence_dir_of(first),
              ropts=ropts, key=key)


@click.command()
@click.argument("result_json", metavar="RESULT.json", type=click.Path(dir_okay=False))
@click.option("-o", "--output", metavar="PACK.zip", help="Where to write the pack [RESULT.zip beside the result].")
@click.option("--sign-key", metavar="KEY", type=click.Path(dir_okay=False),
              help="Sign the manifest with this Ed25519 private key (PEM or OpenSSH; cookiescan keygen makes one).")
@click.option("--show-values", is_flag=True, help="When a report must be rendered, print the values the result has.")
@common_options
@handle_errors
def pack(result_json: str, output: str | None, sign_key: str | None, show_values: bool, **opts: Any) -> None:
    """Pack a saved result into a verifiable evidence zip: the result, its HTML report (rendered when there is
    none beside it), every HAR, screenshot and source file in RESULT-evidence/, and a manifest with the
    SHA-256 of each file.

    \b
    Examples:
      cookiescan pack reports/shop-20261123T101500Z.json -o audit.zip
      cookiescan pack audit.json --sign-key keys/cookiescan-signing.pem
    """
    path = Path(result_json)
    result = load_result(path)
    key = load_private_key(sign_key) if sign_key else None
    target = Path(output) if output else path.with_suffix(".zip")
    html = path.with_suffix(".html")
    make_pack(result, target, stem=path.stem, json_file=path, html_file=html if html.is_file() else None,
              evidence_dir=evidence_dir_of(path), ropts=ReportOptions(show_values=show_values, base_dir=path.parent),
              key=key)


@click.command()
@click.argument("pack_zip", metavar="PACK.zip", type=click.Path(dir_okay=False))
@click.option("--public-key", metavar="KEY", type=click.Path(dir_okay=False),
              help="Check the signature with this Ed25519 public key (PEM or an ssh-ed25519 line).")
@common_options
@handle_errors
def verify(pack_zip: str, public_key: str | None, **opts: Any) -> None:
    """Recompute the SHA-256 of every file of an evidence pack and name each one that changed, went missing
    or was added; with --public-key, check the manifest's signature. Exit 0 verified, 1 not, 2 could not run.

    \b
    Examples:
      cookiescan verify audit.zip
      cookiescan verify audit.zip --public-key cookiescan-signing.pub.pem
    """
    outcome = verify_pack(pack_zip, public_key)
    for message in outcome.messages:
        click.echo(message)
    click.echo(f"{'verified' if outcome.ok else 'NOT verified'}: {pack_zip}", err=True)
    sys.exit(EXIT_OK if outcome.ok else EXIT_NOT_VERIFIED)


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--name", default="cookiescan-signing", show_default=True, help="File name of the keys.")
@common_options
@handle_errors
def keygen(directory: str, name: str, **opts: Any) -> None:
    """Make an Ed25519 key pair to sign evidence packs: NAME.pem (private, mode 0600: keep it) and NAME.pub.pem
    (public: hand it to whoever verifies). Existing keys are never overwritten.

    \b
    Example:
      cookiescan keygen keys/ && cookiescan scan https://shop.example/ --evidence-pack audit.zip \\
          --sign-key keys/cookiescan-signing.pem
    """
    pair = generate_keypair(directory, name=name)
    click.echo(f"private key: {pair.private_key} (keep it secret)")
    click.echo(f"public key:  {pair.public_key}")
    click.echo(f"fingerprint: {pair.fingerprint}")
