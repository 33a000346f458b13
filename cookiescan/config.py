"""Scan configuration: one frozen ``ScanConfig`` built from CLI > ``COOKIESCAN_*`` env > file > defaults.

The file (``cookiescan.yml`` in the current folder, or ``--config PATH``) is validated strictly:
unknown keys are errors with a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cookiescan.errors import ConfigError, UsageError
from cookiescan.models import DEFAULT_STATES, STATES, Ignore

DEFAULT_CONFIG_FILE = "cookiescan.yml"


def default_concurrency() -> int:
    """Parallel page visits: settle waits leave a core idle, so a few visits per core."""
    return max(2, min(8, (os.cpu_count() or 2) * 4))


@dataclass(frozen=True, slots=True)
class ConsentSelectors:
    accept: str | None = None
    reject: str | None = None
    settings: str | None = None


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Everything a scan needs. Build with :func:`make_config`; all fields have defaults."""

    urls: tuple[str, ...] = ()
    sitemap: str | None = None
    states: tuple[str, ...] = DEFAULT_STATES
    max_pages: int = 20
    depth: int = 5
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    respect_robots: bool = True
    use_sitemap: bool = True
    first_party: tuple[str, ...] = ()
    concurrency: int = field(default_factory=default_concurrency)
    page_timeout: float = 30.0
    settle_quiet: float = 0.5
    settle_max: float = 8.0
    scan_budget: float | None = None  # whole-scan time budget in seconds
    browser: str | None = None
    browser_args: tuple[str, ...] = ()
    ignore_https_errors: bool = False
    headless: bool = True
    show_values: bool = False
    screenshots: bool = True
    har: bool = False  # a HAR file per consent state in the evidence folder (--har, --evidence-pack)
    consent: ConsentSelectors = ConsentSelectors()
    declared: str | None = None  # file path
    declared_from: str | None = None  # URL of a cookie-policy page
    notice: str | None = None  # URL or local file of a written cookie notice
    max_lifetime: str = "13months"
    fail_on: str = "high"
    ignores: tuple[Ignore, ...] = ()
    title: str | None = None
    description: str | None = None
    user_agent: str | None = None
    repeat: int = 1  # independent scans merged into one result ("seen in k of N")
    revisit_days: tuple[int, ...] = (30, 200, 390)  # accept state: the first page again, the clock moved forward
    old_waits: bool = False  # the waits before issue 17 (benchmarks and the test that the fast path finds the same)
    min_seen: int | None = None  # findings seen in fewer runs do not gate the exit code

    def public_dict(self) -> dict[str, Any]:
        """The config as recorded in results (browser args kept; they are evidence)."""
        d = asdict(self)
        if not d["har"]:  # said only when on: results of scans without it keep the shape they always had
            del d["har"]
        return json.loads(json.dumps(d, default=str))

    def hash(self) -> str:
        """A stable hash of what changes the observations (not titles)."""
        d = self.public_dict()
        for k in ("title", "description", "fail_on", "har"):
            d.pop(k, None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


# -- validation -----------------------------------------------------------------------------------

_SCHEMES = ("http", "https")


def validate_url(raw: str, what: str = "URL") -> str:
    """A scannable http(s) URL, or a one-line :class:`UsageError`. A bare host gets ``https://``."""
    text = (raw or "").strip()
    if not text:
        raise UsageError(f"empty {what}")
    if "://" not in text and re.match(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(/.*)?$", text):
        text = "https://" + text
    if "://" not in text and text.split(":", 1)[0] in ("localhost",):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a bad port
    except ValueError as exc:
        raise UsageError(f"not a valid {what}: {raw!r} ({exc})") from None
    if parts.scheme not in _SCHEMES:
        raise UsageError(f"not a valid {what}: {raw!r} (only http:// and https:// can be scanned)",
                         hint="example: cookiescan scan https://www.example.com/")
    host = parts.hostname or ""
    if not host or " " in host or (("." not in host) and host != "localhost" and ":" not in host):
        raise UsageError(f"not a valid {what}: {raw!r} (no host name)",
                         hint="example: cookiescan scan https://www.example.com/")
    if port == 0:
        raise UsageError(f"not a valid {what}: {raw!r} (port 0)")
    return text


def parse_states(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for item in (s.strip().lower() for s in items):
        if not item:
            continue
        if item not in STATES:
            raise UsageError(f"unknown consent state {item!r}: choose from {', '.join(STATES)}")
        if item not in out:
            out.append(item)
    if not out:
        raise UsageError("no consent state chosen: use --consent before,accept,reject[,withdraw]")
    return tuple(s for s in STATES if s in out)


def parse_days(text: str | int | list[int] | tuple[int, ...], option: str = "--revisit-days") -> tuple[int, ...]:
    """Day offsets such as ``"30,200,390"`` (a list in the config file), or ``none`` / ``""`` for none."""
    items = str(text).split(",") if isinstance(text, (str, int)) else list(text)
    if len(items) == 1 and str(items[0]).strip().lower() in ("", "none", "0"):
        return ()
    out = []
    for item in items:
        try:
            days = int(str(item).strip())
        except ValueError:
            raise UsageError(f"{option}: {item!r} is not a number of days (e.g. 30,200,390 or none)") from None
        if not 1 <= days <= 3650:
            raise UsageError(f"{option}: {days} days is out of range (1 to 3650)")
        out.append(days)
    return tuple(sorted(set(out)))


def compile_patterns(patterns: tuple[str, ...], option: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p))
        except re.error as exc:
            raise UsageError(f"{option}: invalid regular expression {p!r}: {exc}") from None
    return tuple(out)


# -- the config file ------------------------------------------------------------------------------

FILE_KEYS = {
    "urls", "sitemap", "consent_states", "max_pages", "depth", "include", "exclude", "respect_robots",
    "first_party", "concurrency", "page_timeout", "settle_max", "scan_budget", "browser", "browser_args",
    "show_values", "consent", "declared", "declared_from", "max_lifetime", "fail_on", "ignore", "title",
    "description", "user_agent", "output", "notice", "repeat", "min_seen", "revisit_days",
}
LIST_KEYS = ("urls", "include", "exclude", "first_party", "browser_args")
CONSENT_KEYS = {"accept", "reject", "settings"}
IGNORE_KEYS = {"rule", "subject", "reason", "until"}


def _did_you_mean(key: str, choices: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _yaml_loader() -> Any:
    """yaml.SafeLoader without implicit dates: 'until: 2030-02-30' reaches the check below as text
    instead of escaping yaml as a ValueError."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def load_config_file(path: str | Path | None) -> tuple[dict[str, Any], str | None]:
    """Read and validate the config file. ``path=None`` looks for ./cookiescan.yml (absent = {})."""
    import yaml

    _Loader = _yaml_loader()
    explicit = path is not None
    p = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    if not p.exists():
        if explicit:
            raise ConfigError(f"config file not found: {p}")
        return {}, None
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        opened = getattr(exc, "context_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        if mark and opened and opened.line != mark.line:  # an unclosed quote or bracket: say where it opened
            where += f" (opened on line {opened.line + 1})"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{p}{where}: invalid YAML: {problem}") from None
    if data is None:
        return {}, str(p)
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of settings at the top level")
    for key in data:
        if key not in FILE_KEYS:
            raise ConfigError(f"{p}: unknown key {key!r}{_did_you_mean(str(key), FILE_KEYS)}")
    for key in LIST_KEYS:  # "exclude: /calendar" is a list of one, never a list of characters
        value = data.get(key)
        if isinstance(value, str):
            data[key] = [value]
        elif value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{p}: '{key}' must be a list of strings")
    consent = data.get("consent")
    if consent is not None:
        if not isinstance(consent, dict):
            raise ConfigError(f"{p}: 'consent' must be a mapping with accept/reject/settings selectors")
        for key in consent:
            if key not in CONSENT_KEYS:
                raise ConfigError(f"{p}: unknown key consent.{key}{_did_you_mean(str(key), CONSENT_KEYS)}")
    ignores = data.get("ignore") or []
    if not isinstance(ignores, list):
        raise ConfigError(f"{p}: 'ignore' must be a list of {{rule, subject, reason, until}}")
    for i, entry in enumerate(ignores, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{p}: ignore entry {i} must be a mapping")
        for key in entry:
            if key not in IGNORE_KEYS:
                raise ConfigError(f"{p}: ignore entry {i}: unknown key {key!r}{_did_you_mean(str(key), IGNORE_KEYS)}")
        if not str(entry.get("reason") or "").strip():
            raise ConfigError(f"{p}: ignore entry {i} has no 'reason' (every ignore must say why)")
        until = entry.get("until")
        if until is not None and not isinstance(until, date):
            try:
                date.fromisoformat(str(until))
            except ValueError:
                raise ConfigError(f"{p}: ignore entry {i}: 'until' must be a date YYYY-MM-DD, got {until!r}") from None
    return data, str(p)


def ignores_from(data: list[dict[str, Any]]) -> tuple[Ignore, ...]:
    """The ignore entries of a validated config file (:func:`load_config_file` checked reasons and dates)."""
    return tuple(Ignore.from_mapping(e) for e in data)
