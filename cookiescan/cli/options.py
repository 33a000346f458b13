"""The options of ``scan`` (and of the commands that scan: ``demo``, ``batch``) and how they become one
:class:`~cookiescan.config.ScanConfig`: CLI > ``COOKIESCAN_*`` environment > config file > defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cookiescan.cli.common import (
    browser_options,
    common_options,
    compose,
    gate_options,
    output_options,
    profile_option,
)
from cookiescan.config import (
    ConsentSelectors,
    ScanConfig,
    compile_patterns,
    ignores_from,
    load_config_file,
    parse_days,
    parse_states,
    validate_url,
)
from cookiescan.errors import ConfigError, UsageError
from cookiescan.models import GATES
from cookiescan.units import parse_cap

# the same ranges as the options, for values read from the file or the environment
FILE_RANGES = (("max_pages", 1, 100000), ("depth", 0, 1000), ("concurrency", 1, 64), ("page_timeout", 1, 600),
               ("settle_max", 0, 120), ("scan_budget", 1, float("inf")), ("repeat", 1, 20), ("min_seen", 1, 20))


def site_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options that shape one site's audit: ``scan`` has them, and ``batch`` applies them to every site."""
    return compose(
        click.option("--no-sitemap", is_flag=True, help="Do not read /sitemap.xml."),
        click.option("--consent", "consent_states", default=None, metavar="STATES", envvar="COOKIESCAN_CONSENT",
                     help="Consent states to scan, comma-separated: before,accept,reject (the default) and "
                          "withdraw (accept, then find the way back and refuse there)."),
        click.option("--revisit-days", default=None, metavar="DAYS",
                     help="After the accept state, visit its first page again with the clock moved forward by "
                          "these days, to see lifetimes renewed on each visit [30,200,390]; 'none' to skip."),
        click.option("--max-pages", type=click.IntRange(1, 100000), default=None, help="Pages per state [20]."),
        click.option("--depth", type=click.IntRange(0, 1000), default=None, help="Link depth from the start URLs [5]."),
        click.option("--include", multiple=True, metavar="REGEX", help="Only URLs matching this (repeatable)."),
        click.option("--exclude", multiple=True, metavar="REGEX", help="Skip URLs matching this (repeatable)."),
        click.option("--ignore-robots", is_flag=True, help="Visit pages robots.txt disallows."),
        click.option("--first-party", multiple=True, metavar="DOMAIN",
                     help="Another domain of the same site (repeatable)."),
        click.option("--concurrency", type=click.IntRange(1, 64), default=None,
                     help="Parallel page visits [4 per CPU, max 8]."),
        click.option("--page-timeout", type=click.FloatRange(1, 600), default=None, help="Seconds per page [30]."),
        click.option("--settle-max", type=click.FloatRange(0, 120), default=None,
                     help="Longest wait for late cookies after load, seconds [8]."),
        click.option("--declared", type=click.Path(dir_okay=False), help="Declared cookie list (CSV, YAML, JSON)."),
        click.option("--max-lifetime", default=None, metavar="DURATION", help="Lifetime cap [13months]."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Config file (default: ./cookiescan.yml if present)."),
        click.option("--old-waits", is_flag=True, hidden=True,
                     help="Wait as cookiescan did before its speed work (benchmarks and comparison tests)."),
    )(fn)


def evidence_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """HAR capture and the evidence pack (``scan`` and ``demo``)."""
    return compose(
        click.option("--har", is_flag=True,
                     help="Write a HAR file per consent state into the evidence folder (headers, no bodies; "
                          "cookie values redacted unless --show-values). Costs some time per request."),
        click.option("--evidence-pack", metavar="PATH.zip",
                     help="After the reports, write an evidence pack: result, HTML report, HARs, screenshots, "
                          "the declared list and notice as read, and a manifest of SHA-256 hashes (implies --har)."),
        click.option("--sign-key", metavar="KEY", type=click.Path(dir_okay=False),
                     help="Sign the evidence pack's manifest with this Ed25519 private key (cookiescan keygen)."),
    )(fn)


def scan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Every option of ``scan``: the site options, the start URLs, the budget, the notice, the outputs."""
    return compose(
        click.option("--urls-file", type=click.Path(dir_okay=False), help="File with one start URL per line."),
        click.option("--sitemap", metavar="URL", help="Sitemap to read pages from (default: /sitemap.xml)."),
        site_options,
        click.option("--repeat", type=click.IntRange(1, 20), default=None,
                     help="Run N independent scans and merge them: each cookie, tracker and finding says "
                          "in how many it was seen [1]."),
        click.option("--min-seen", type=click.IntRange(1, 20), default=None, metavar="K",
                     help="With --repeat: findings seen in fewer than K runs stay listed but do not fail the run."),
        click.option("--budget", "scan_budget", type=click.FloatRange(1, None), default=None,
                     help="Whole-scan time budget in seconds; pages after it are recorded as skipped."),
        click.option("--declared-from", metavar="URL",
                     help="Read the declared list from the site's cookie-policy page."),
        click.option("--notice", metavar="URL|FILE",
                     help="A written cookie notice (web page or local .html/.txt) to hold the site to."),
        click.option("--baseline", type=click.Path(dir_okay=False), metavar="OLD.json",
                     help="Compare with an earlier result; --fail-on then gates on new findings only."),
        evidence_options, output_options, gate_options, browser_options, profile_option, common_options,
    )(fn)


def build_config(urls: tuple[str, ...], opts: dict[str, Any]) -> ScanConfig:
    """CLI > COOKIESCAN_* env (click) > config file > defaults."""
    data, _path = load_config_file(opts.get("config_path"))

    def pick(key: str, file_key: str | None = None, default: Any = None) -> Any:
        value = opts.get(key)
        if value not in (None, (), False):
            return value
        if (file_key or key) in data:
            return data[file_key or key]
        return default

    raw_urls = list(urls)
    if opts.get("urls_file"):
        p = Path(opts["urls_file"])
        try:
            raw_urls += [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines()
                         if ln.strip() and not ln.lstrip().startswith("#")]
        except OSError as exc:
            raise UsageError(f"--urls-file: cannot read {p}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"--urls-file: {p} is not UTF-8 text") from None
    if not raw_urls:
        raw_urls = [str(u) for u in (data.get("urls") or [])]
    if not raw_urls:
        raise UsageError("no URL to scan", hint="cookiescan scan https://www.example.com/  (or cookiescan demo)")
    seeds = tuple(dict.fromkeys(validate_url(u) for u in raw_urls))
    sitemap = pick("sitemap")
    if sitemap:
        sitemap = validate_url(sitemap, "sitemap URL")
    declared_from = pick("declared_from")
    if declared_from:
        declared_from = validate_url(declared_from, "--declared-from URL")
    states = parse_states(pick("consent_states", "consent_states", "before,accept,reject"))
    revisit_days = pick("revisit_days")
    include = tuple(pick("include", default=()) or ())
    exclude = tuple(pick("exclude", default=()) or ())
    compile_patterns(include, "--include")
    compile_patterns(exclude, "--exclude")
    consent = data.get("consent") or {}
    declared = pick("declared")
    if declared and not Path(declared).is_file():
        raise UsageError(f"--declared: file not found: {declared}")
    kwargs: dict[str, Any] = dict(
        urls=seeds, sitemap=sitemap, states=states, include=include, exclude=exclude,
        **({"revisit_days": parse_days(revisit_days)} if revisit_days is not None else {}),
        respect_robots=not (opts.get("ignore_robots") or data.get("respect_robots") is False),
        use_sitemap=not opts.get("no_sitemap"),
        first_party=tuple(pick("first_party", default=()) or ()),
        browser=pick("browser"), browser_args=tuple(pick("browser_args", default=()) or ()),
        ignore_https_errors=bool(opts.get("ignore_https_errors")), headless=not opts.get("headful"),
        old_waits=bool(opts.get("old_waits")),
        show_values=bool(pick("show_values", default=False)),
        har=bool(opts.get("har") or opts.get("evidence_pack")),
        consent=ConsentSelectors(**{k: consent.get(k) for k in ("accept", "reject", "settings")}),
        declared=declared, declared_from=declared_from, notice=_notice_option(pick("notice")),
        max_lifetime=str(pick("max_lifetime", default="13months")),
        fail_on=opts.get("fail_on") or data.get("fail_on") or "high",
        ignores=ignores_from(data.get("ignore") or []),
        title=pick("title"), description=pick("description"), user_agent=data.get("user_agent"),
    )
    for key, low, high in FILE_RANGES:
        value = pick(key)
        if value is not None:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(f"{key} must be a number from {low:g} to {high:g}, got {value!r}")
            kwargs[key] = value
    if kwargs.get("min_seen") and kwargs["min_seen"] > kwargs.get("repeat", 1):
        raise UsageError(f"--min-seen {kwargs['min_seen']} is more than the {kwargs.get('repeat', 1)} run(s) "
                         "--repeat asks for", hint="e.g. --repeat 4 --min-seen 2")
    if kwargs["fail_on"] not in GATES:
        raise ConfigError(f"fail_on must be one of {', '.join(GATES)}, got {kwargs['fail_on']!r}")
    try:
        parse_cap(kwargs["max_lifetime"])  # before any browser starts
    except ValueError as exc:
        raise UsageError(f"--max-lifetime: {exc}") from None
    return ScanConfig(**kwargs)


def _notice_option(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return validate_url(value, "--notice URL")
    if not Path(value).is_file():
        raise UsageError(f"--notice: no such file or URL: {value}", hint="give https://… or a local .html/.txt file")
    return value
