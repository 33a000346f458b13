#!/usr/bin/env python3
"""Build known_trackers/cookies.json and known_trackers/domains.json from the upstream data.

Inputs: the Open Cookie Database CSV (Apache-2.0), third-party-web's entities.json (MIT), each with the
SOURCE.txt beside it that names its version, and the project's known_trackers/overrides.yaml. Only facts
are kept (names, prefix flag, platform, category, retention in days, domains, entity, company); upstream
prose (descriptions, privacy-portal links, homepages) is dropped. cookies.json also carries the project's
``roles`` (framework session/CSRF cookies, consent platforms' storage of the choice) from overrides.yaml.
The output is deterministic: same inputs, same bytes.

Usage (from the repository root, with the project's virtualenv):

    python scripts/build_known_trackers.py                 # rebuild known_trackers/*.json
    python scripts/build_known_trackers.py --check         # exit 1 if the shipped JSON is stale
    python scripts/build_known_trackers.py --ocd path/to/open-cookie-database.csv \\
        --tpw path/to/entities.json --out /tmp/kt
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
DEFAULT_OCD = DATA / "open-cookie-database" / "open-cookie-database.csv"
DEFAULT_TPW = DATA / "third-party-web" / "entities.json"
DEFAULT_OVERRIDES = REPO / "known_trackers" / "overrides.yaml"
DEFAULT_OUT = REPO / "known_trackers"

OCD = "open-cookie-database"
TPW = "third-party-web"
OVERRIDES = "overrides"
FORMAT = 1


sys.path.insert(0, str(REPO))  # the checkout's cookiescan, installed or not
from cookiescan import known  # noqa: E402
from cookiescan.units import longest_duration  # noqa: E402

CATEGORIES: tuple[str, ...] = known.CATEGORIES

# RULES.md, "Categories". Open Cookie Database "Functional" is split further by `necessary_platforms`.
OCD_CATEGORY = {
    "functional": "functional",
    "analytics": "analytics",
    "marketing": "marketing",
    "personalization": "functional",
    "preferences": "functional",
    "security": "necessary",
    "necessary": "necessary",
}
# RULES.md maps ad/marketing/social/video, analytics, tag-manager and cdn/hosting/consent-provider.
# The rest is this project's choice (SOURCES.md): utility, customer-success (chat, help desks) and content
# (embedded widgets) serve a feature the visitor sees, so functional; "other" stays unknown.
TPW_CATEGORY = {
    "ad": "marketing",
    "marketing": "marketing",
    "social": "marketing",
    "video": "marketing",
    "analytics": "analytics",
    "tag-manager": "functional",
    "utility": "functional",
    "customer-success": "functional",
    "content": "functional",
    "cdn": "necessary",
    "hosting": "necessary",
    "consent-provider": "necessary",
    "other": "unknown",
}
SEPARATORS = "_-.:"
# "pm_sess_NNN", "SSPR_*", "SCM*": upstream spelled a prefix in the name instead of the wildcard flag.
PLACEHOLDER = re.compile(r"(?:NNN|\*)$")
DOMAIN_IN_TEXT = re.compile(r"(?<![\w-])\.?((?:[a-z0-9-]+\.)+[a-z]{2,})(?![\w-])")


class BuildError(Exception):
    """The inputs are inconsistent; the message says what to fix."""


# ----------------------------------------------------------------------------------------- helpers


def source_version(data_file: Path, explicit: str | None) -> str:
    """The upstream version, from an explicit value or the SOURCE.txt beside the data file."""
    if explicit:
        return explicit
    note = data_file.with_name("SOURCE.txt")
    if not note.is_file():
        raise BuildError(f"{note} is missing; pass the version explicitly")
    text = note.read_text(encoding="utf-8")
    if m := re.search(r"github\.com/(\S+?),? commit ([0-9a-f]{40})(?: \(([\d-]+)\))?", text):
        repo, commit, date = m.groups()
        return f"{repo}@{commit}" + (f" ({date})" if date else "")
    if m := re.search(r"npm package (\S+) (\d[\w.+-]*)", text):
        return f"npm:{m[1]}@{m[2]}"
    raise BuildError(f"{note}: no commit or package version found")


def lifetime(text: str | None) -> float | None:
    return None if text is None else longest_duration(str(text))


def check_category(category: str, where: str) -> str:
    if category not in CATEGORIES:
        raise BuildError(f"{where}: category {category!r} is not one of {', '.join(CATEGORIES)}")
    return category


def loose_prefix(prefix: str) -> bool:
    """A wildcard too short to be a safe prefix (``_s``, ``tp``, ``cap``) would claim unrelated cookies
    (``_session``, ``captcha``); such entries are kept as exact names only."""
    return len(prefix) < 3 or (len(prefix) == 3 and prefix[-1] not in SEPARATORS)


def domains_in(text: str) -> list[str]:
    found = DOMAIN_IN_TEXT.findall(text.lower())
    return sorted(dict.fromkeys(found))


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------- entities


def build_entities(raw: list[dict[str, Any]], overrides: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """third-party-web entities → records with mapped category, aliases and override changes."""
    by_name: dict[str, dict[str, Any]] = {}
    for e in raw:
        upstream_category = e["category"]
        if upstream_category not in TPW_CATEGORY:
            raise BuildError(f"third-party-web: unknown category {upstream_category!r} ({e['name']})")
        by_name[e["name"]] = {
            "name": e["name"],
            "company": e.get("company"),
            "category": TPW_CATEGORY[upstream_category],
            "domains": list(e["domains"]),
            "extra_domains": [],
            "aliases": [e["name"]],
            "source": TPW,
        }

    for o in overrides:
        upstream = as_list(o.get("upstream"))
        where = f"overrides.yaml entities {upstream or o.get('name')}"
        missing = [u for u in upstream if u not in by_name]
        if missing:
            raise BuildError(f"{where}: no upstream entity named {missing}")
        merged = [by_name.pop(u) for u in upstream]
        if not merged and not o.get("name"):
            raise BuildError(f"{where}: a new entity needs a name")
        first = merged[0] if merged else {}
        domains = [d for m in merged for d in m["domains"]]
        extra = [d for d in as_list(o.get("domains")) if d not in domains]
        name = str(o.get("name") or first["name"])
        entity = {
            "name": name,
            "company": o.get("company", first.get("company")),
            "category": check_category(o.get("category", first.get("category", "unknown")), where),
            "domains": domains if merged else extra,
            "extra_domains": extra if merged else [],
            "aliases": [a for m in merged for a in m["aliases"]] + as_list(o.get("aliases")),
            "source": TPW if merged else OVERRIDES,
        }
        if name in by_name:
            raise BuildError(f"{where}: {name!r} already names another entity")
        by_name[name] = entity

    owners: dict[str, str] = {}
    domain_owner: dict[str, str] = {}
    for entity in by_name.values():
        keys = sorted({known.vendor_key(a) for a in [entity["name"], *entity["aliases"]]} - {""})
        entity["aliases"] = keys
        for key in keys:
            if owners.setdefault(key, entity["name"]) != entity["name"]:
                raise BuildError(f"alias {key!r} names both {owners[key]!r} and {entity['name']!r}")
        for d in entity["domains"] + entity["extra_domains"]:
            # "x.com" and "*.x.com" may belong to different entities (upstream: mediaplex.com); the
            # loader prefers the exact entry for the host itself.
            if domain_owner.setdefault(d.lower(), entity["name"]) != entity["name"]:
                raise BuildError(
                    f"domain {d!r} belongs to both {domain_owner[d.lower()]!r} and {entity['name']!r}"
                )
    return sorted(by_name.values(), key=lambda e: (e["name"].casefold(), e["name"]))


# ----------------------------------------------------------------------------------------- cookies


def build_cookies(
    rows: Sequence[dict[str, str]],
    overrides: dict[str, Any],
    vendor_names: dict[str, str],
    log: list[str],
) -> list[dict[str, Any]]:
    """Open Cookie Database rows → cookie records, then the per-name overrides on top."""

    def vendor_of(platform: str) -> str:
        return vendor_names.get(known.vendor_key(platform), platform)

    necessary_platforms = {
        p for group in (overrides.get("necessary_platforms") or {}).values() for p in group
    }
    platform_overrides: dict[str, dict[str, Any]] = overrides.get("platforms") or {}

    upstream: list[dict[str, Any]] = []
    for row in rows:
        name = row["Cookie / Data Key name"].strip()
        platform = row["Platform"].strip()
        if not name:
            continue
        pattern = row["Wildcard match"].strip() == "1"
        if PLACEHOLDER.search(name):
            name, pattern = PLACEHOLDER.sub("", name), True
        if pattern and loose_prefix(name):
            log.append(f"wildcard {name!r} ({platform}) kept as an exact name only")
            pattern = False
        raw_category = row["Category"].strip().casefold()
        category = OCD_CATEGORY.get(raw_category, "unknown")
        if raw_category == "functional" and platform in necessary_platforms:
            category = "necessary"
        source = OCD
        if platform in platform_overrides:
            forced = check_category(platform_overrides[platform]["category"], f"platforms {platform}")
            source = OVERRIDES if forced != category else source
            category = forced
        upstream.append(
            {
                "name": name,
                "vendor": vendor_of(platform or row["Data Controller"].strip() or "Generic"),
                "category": category,
                "lifetime_days": lifetime(row["Retention period"]),
                "pattern": pattern,
                "domains": domains_in(row["Domain"]),
                "source": source,
                # OCD marks cookies that only ever live on the vendor's own domain: a first-party
                # cookie that happens to share the name ("lang") is not that vendor's
                **({"third_party_only": True} if "3rd party" in row["Domain"].lower() else {}),
            }
        )
    used = set(necessary_platforms) | set(platform_overrides)
    seen_platforms = {row["Platform"].strip() for row in rows}
    for p in sorted(used - seen_platforms):
        log.append(f"overrides.yaml names platform {p!r}, which upstream does not have")

    by_name: dict[str, list[dict[str, Any]]] = {}
    for c in upstream:
        by_name.setdefault(c["name"], []).append(c)

    result: list[dict[str, Any]] = []
    for o in overrides.get("cookies") or []:
        name = str(o["name"])
        where = f"overrides.yaml cookies {name!r}"
        replaced = by_name.pop(name, [])
        first = replaced[0] if replaced else {}
        if not first and "vendor" not in o:
            raise BuildError(f"{where}: not upstream, so it needs a vendor")
        result.append(
            {
                "name": name,
                "vendor": vendor_of(o["vendor"]) if "vendor" in o else first["vendor"],
                "category": check_category(o.get("category", first.get("category", "unknown")), where),
                "lifetime_days": lifetime(o["lifetime"]) if "lifetime" in o else first.get("lifetime_days"),
                "pattern": bool(o.get("pattern", first.get("pattern", False))),
                "domains": sorted(as_list(o["domains"])) if "domains" in o else first.get("domains", []),
                "source": OVERRIDES,
                **({"third_party_only": True} if o.get("third_party_only") else {}),  # overrides say it themselves
            }
        )
    if len({(c["name"], c["vendor"]) for c in result}) != len(result):
        raise BuildError("overrides.yaml lists the same cookie twice")
    for entries in by_name.values():
        result.extend(entries)

    unique = {json.dumps(c, sort_keys=True): c for c in result}  # upstream has a few exact duplicates
    return sorted(
        unique.values(),
        key=lambda c: (
            c["name"],
            c["pattern"],
            c["source"] != OVERRIDES,
            c["vendor"],
            json.dumps(c, sort_keys=True),
        ),
    )


# ------------------------------------------------------------------------------------------- roles


def build_roles(overrides: dict[str, Any], vendor_names: dict[str, str]) -> list[dict[str, Any]]:
    """The names whose role the project knows whatever vendor upstream files them under: a web framework's
    own session/CSRF cookies (``frameworks``) and a consent platform's storage of the visitor's choice
    (``consent_platforms``). Exact names and prefixes; the sources stay in overrides.yaml."""
    roles: list[dict[str, Any]] = []
    for f in overrides.get("frameworks") or []:
        where = f"overrides.yaml frameworks {f.get('framework')!r}"
        if not f.get("framework") or not f.get("source"):
            raise BuildError(f"{where}: every framework needs a name and a source")
        for name, pattern in [(n, False) for n in as_list(f.get("names"))] + [(n, True) for n in
                                                                            as_list(f.get("prefixes"))]:
            roles.append({"name": str(name), "pattern": pattern, "role": "framework", "owner": str(f["framework"])})
    for c in overrides.get("consent_platforms") or []:
        where = f"overrides.yaml consent_platforms {c.get('platform')!r}"
        if not c.get("platform") or not c.get("source"):
            raise BuildError(f"{where}: every consent platform needs a name and a source")
        owner = vendor_names.get(known.vendor_key(str(c["platform"])), str(c["platform"]))
        for name, pattern in [(n, False) for n in as_list(c.get("names"))] + [(n, True) for n in
                                                                            as_list(c.get("prefixes"))]:
            roles.append({"name": str(name), "pattern": pattern, "role": "consent-platform", "owner": owner})
    seen: dict[tuple[str, bool], str] = {}
    for r in roles:
        if r["pattern"] and loose_prefix(r["name"]):
            raise BuildError(f"overrides.yaml: prefix {r['name']!r} is too short to be safe")
        key = (r["name"], r["pattern"])
        if seen.setdefault(key, r["role"] + ":" + r["owner"]) != r["role"] + ":" + r["owner"]:
            raise BuildError(f"overrides.yaml: {r['name']!r} is listed for both {seen[key]} and {r['owner']}")
    unique = {(r["name"], r["pattern"]): r for r in roles}
    return sorted(unique.values(), key=lambda r: (r["name"], r["pattern"]))


# ------------------------------------------------------------------------------------------- output


def render(list_key: str, items: Sequence[dict[str, Any]], sources: dict[str, str],
           extra: dict[str, Sequence[dict[str, Any]]] | None = None) -> str:
    """JSON with sorted keys and one entry per line, so upstream updates make readable diffs; ``extra``
    lists are written the same way after the main one."""

    def line(obj: Any) -> str:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False)

    def compact(item: dict[str, Any]) -> dict[str, Any]:
        # empty lists and unknown companies are left out; the loader reads them as empty / None
        return {k: v for k, v in item.items() if (v is not None and v != []) or k == "lifetime_days"}

    def block(key: str, rows: Sequence[dict[str, Any]]) -> str:
        body = ",\n".join(line(compact(i)) for i in rows)
        return f'"{key}": [\n{body}\n],\n'

    more = "".join(block(k, v) for k, v in sorted((extra or {}).items()))
    return f'{{\n{block(list_key, items)}"format": {FORMAT},\n{more}"sources": {line(sources)}\n}}\n'


def build(
    ocd_csv: Path,
    tpw_json: Path,
    overrides_yaml: Path,
    *,
    ocd_version: str | None = None,
    tpw_version: str | None = None,
    log: list[str] | None = None,
) -> dict[str, str]:
    """Build both files; returns file name → text."""
    log = [] if log is None else log
    overrides_bytes = overrides_yaml.read_bytes()
    overrides = yaml.safe_load(overrides_bytes) or {}
    unknown_keys = set(overrides) - {"necessary_platforms", "platforms", "cookies", "entities", "frameworks",
                                     "consent_platforms"}
    if unknown_keys:
        raise BuildError(f"{overrides_yaml}: unknown keys {sorted(unknown_keys)}")
    overrides_version = "sha256:" + hashlib.sha256(overrides_bytes).hexdigest()[:16]

    entities = build_entities(
        json.loads(tpw_json.read_text(encoding="utf-8")), overrides.get("entities") or []
    )
    vendor_names = {alias: e["name"] for e in entities for alias in e["aliases"]}
    with ocd_csv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cookies = build_cookies(rows, overrides, vendor_names, log)

    return {
        "cookies.json": render(
            "cookies", cookies, {OCD: source_version(ocd_csv, ocd_version), OVERRIDES: overrides_version},
            extra={"roles": build_roles(overrides, vendor_names)},
        ),
        "domains.json": render(
            "entities", entities, {TPW: source_version(tpw_json, tpw_version), OVERRIDES: overrides_version}
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rebuild known_trackers/*.json from the upstream data and overrides.yaml.",
        epilog="Example: python scripts/build_known_trackers.py --check",
    )
    parser.add_argument("--ocd", type=Path, default=DEFAULT_OCD, help="open-cookie-database.csv")
    parser.add_argument("--tpw", type=Path, default=DEFAULT_TPW, help="third-party-web entities.json")
    parser.add_argument("--overrides", type=Path, default=DEFAULT_OVERRIDES, help="overrides.yaml")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: known_trackers/)"
    )
    parser.add_argument("--ocd-version", help="version/commit of the CSV (default: read its SOURCE.txt)")
    parser.add_argument("--tpw-version", help="version of entities.json (default: read its SOURCE.txt)")
    parser.add_argument(
        "--check", action="store_true", help="compare with --out instead of writing; exit 1 if stale"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list the adjustments made to upstream data"
    )
    args = parser.parse_args(argv)

    log: list[str] = []
    try:
        outputs = build(
            args.ocd,
            args.tpw,
            args.overrides,
            ocd_version=args.ocd_version,
            tpw_version=args.tpw_version,
            log=log,
        )
    except (BuildError, OSError, KeyError, yaml.YAMLError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if args.verbose:
        for message in log:
            print(message, file=sys.stderr)

    stale = []
    for name, text in outputs.items():
        target = args.out / name
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {target} ({len(text.encode()):,} bytes)", file=sys.stderr)
    if stale:
        print(f"Stale: {', '.join(stale)}; run python scripts/build_known_trackers.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
