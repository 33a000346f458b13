"""What a batch run scans and how each attempt is bounded.

:class:`RunSettings` is stored with the run (``Run.options``): the scan configuration every site gets, the
site budget and the reports folder. Re-opening a label with other settings is refused by the store (their
hash differs), so a resumed run scans exactly as it started. :class:`Limits` travel with each job instead
(the local supervisor passes them to its children, the Celery message carries them): memory cap, kill
grace, politeness delay, retry delay and lease — knobs of the engine that may change between invocations.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from cookiescan.batch.records import StoreError
from cookiescan.config import ScanConfig, default_concurrency
from cookiescan.models import Ignore, from_dict, to_dict

DEFAULT_SITE_TIMEOUT = 600.0  # seconds of scanning per site (the audit's scan budget)
DEFAULT_KILL_GRACE = 120.0  # the engine kills an attempt this long after the site budget
DEFAULT_MAX_BROWSER_MEMORY = 2 * 1024**3
DEFAULT_RETRY_DELAY = 60.0  # first retry after a failure; doubles per attempt, at most an hour
DEFAULT_LEASE_SECONDS = 60.0  # heartbeats every quarter of it; a dead worker's job is free after it
MAX_BACKOFF = 3600.0


@dataclass(frozen=True, slots=True)
class RunSettings:
    """The run's scan: ``config`` without start URLs (each job supplies its site), ``site_timeout`` the
    per-site scan budget in seconds, ``reports_dir`` the absolute folder the run's reports go under (one
    sub-folder per label)."""

    config: ScanConfig
    site_timeout: float = DEFAULT_SITE_TIMEOUT
    reports_dir: str = "reports"

    def to_options(self) -> dict[str, Any]:
        """Plain JSON for ``Store.open_run(options=…)``."""
        cfg = to_dict(replace(self.config, urls=()))
        if self.config.concurrency == default_concurrency():
            del cfg["concurrency"]  # the default follows each worker's cores: resuming elsewhere keeps the hash
        cfg["ignores"] = [{**i, "until": i["until"].isoformat() if isinstance(i.get("until"), date) else i["until"]}
                          for i in cfg.get("ignores", [])]
        return {"config": cfg, "site_timeout": float(self.site_timeout),
                "reports_dir": os.path.abspath(self.reports_dir)}

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> RunSettings:
        """The settings stored with a run; a StoreError when they are not a batch run's."""
        try:
            data = dict(options["config"])
            ignores = tuple(Ignore.from_mapping(i) for i in data.pop("ignores", []) or [])
            config = replace(from_dict(ScanConfig, data), ignores=ignores)
            return cls(config=config, site_timeout=float(options["site_timeout"]),
                       reports_dir=str(options["reports_dir"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"the run's options are not a batch run's settings ({exc})") from None

    def site_config(self, url: str) -> ScanConfig:
        """The configuration of one site's audit: its URL, and the site budget as the scan budget."""
        return replace(self.config, urls=(url,), scan_budget=self.site_timeout)


@dataclass(frozen=True, slots=True)
class Limits:
    """How one attempt is bounded. ``max_browser_memory`` (bytes): the watchdog ends an attempt whose
    browser process tree uses more (PSS); ``kill_grace`` (s): the engine kills an attempt that runs that
    long past the site budget (the task stops itself at half of it); ``per_domain_delay`` (s): a
    registrable domain stays leased that long after a scan of it ends; ``retry_delay`` (s): the first
    retry's backoff (doubling); ``lease_seconds``: the job and domain lease, renewed every quarter."""

    max_browser_memory: int = DEFAULT_MAX_BROWSER_MEMORY
    kill_grace: float = DEFAULT_KILL_GRACE
    per_domain_delay: float = 0.0
    retry_delay: float = DEFAULT_RETRY_DELAY
    lease_seconds: float = DEFAULT_LEASE_SECONDS

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (a Celery message, a child's environment)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Limits:
        """Limits from :meth:`to_dict`; unknown keys are ignored, missing ones take the default."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def backoff(self, attempt: int) -> float:
        """Seconds before the retry that follows attempt number ``attempt``."""
        return float(min(self.retry_delay * 2 ** max(attempt - 1, 0), MAX_BACKOFF))

    def hard_limit(self, site_timeout: float) -> float:
        """When the engine kills an attempt, in seconds after it started."""
        return site_timeout + self.kill_grace

    def soft_limit(self, site_timeout: float) -> float:
        """When the task stops its own audit and records the attempt failed."""
        return site_timeout + self.kill_grace / 2


def safe_name(text: str) -> str:
    """A file-name fragment from site-controlled text: [a-z0-9.-] only, bounded."""
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.")[:60] or "site"


def report_stem(settings: RunSettings, label: str, domain: str, site_id: int) -> Path:
    """Where a site's reports go, without suffix: ``<reports>/<label>/<registrable domain>-<site id>``. The
    site id keeps two sites of one domain apart; nothing of the site's own text reaches the path unsanitised."""
    return Path(settings.reports_dir) / safe_name(label) / f"{safe_name(domain)}-{site_id}"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])i?)?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """Bytes from ``2GB``, ``1.5G``, ``800MiB``, ``500m`` (binary units); ValueError otherwise."""
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 2GB, 1500MB)")
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])
