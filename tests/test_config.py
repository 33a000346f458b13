"""Config loading and precedence (issue 12, item 6), without a browser.

What a scan is asked to do is recorded in every result, so it must be what the user wrote: the file is
validated strictly (unknown keys with a "did you mean", bad YAML with its line, every ignore with a reason
and a real date), and values come from the command line, else ``COOKIESCAN_*`` variables, else the file,
else the defaults. The ``scan`` command is driven through click's CliRunner with the browser step
replaced by a recorder of the config it was given.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cookiescan import cli
from cookiescan.cli import scan as cli_scan
from cookiescan.config import (
    ScanConfig,
    ignores_from,
    load_config_file,
    parse_states,
    validate_url,
)
from cookiescan.errors import ConfigError, UsageError
from cookiescan.models import Ignore

# click derives a sub-command's variables from the group's prefix and the command name
ENV = "COOKIESCAN_"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No COOKIESCAN_* variable from the caller's shell, and a folder without a cookiescan.yml."""
    import os

    for key in list(os.environ):
        if key.startswith("COOKIESCAN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def write_config(text: str, name: str = "cookiescan.yml") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


# -- the file --------------------------------------------------------------------------------------

def config_error(text: str) -> str:
    write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config_file(None)
    assert info.value.exit_code == 2
    assert "\n" not in info.value.message  # one line
    return info.value.message


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("max_pags: 3\n", "unknown key 'max_pags' (did you mean 'max_pages'?)", id="typo"),
    pytest.param("consent_state: before\n", "unknown key 'consent_state' (did you mean 'consent_states'?)",
                 id="singular"),
    pytest.param("firstparty: [cdn.net]\n", "unknown key 'firstparty' (did you mean 'first_party'?)", id="no-underscore"),
    pytest.param("colour: blue\n", "unknown key 'colour'", id="no-suggestion"),
    pytest.param("consent: {acept: '#a'}\n", "unknown key consent.acept (did you mean 'accept'?)", id="consent-key"),
    pytest.param("ignore:\n  - {rule: x, reason: y, untill: 2030-01-01}\n",
                 "ignore entry 1: unknown key 'untill' (did you mean 'until'?)", id="ignore-key"),
])
def test_unknown_keys_are_errors_with_a_suggestion(text: str, expected: str) -> None:
    message = config_error(text)
    assert message.startswith("cookiescan.yml: ")
    assert expected in message


def test_no_suggestion_when_nothing_is_close() -> None:
    assert "did you mean" not in config_error("colour: blue\n")


@pytest.mark.parametrize(("text", "line"), [
    pytest.param("max_pages: 3\n  depth: 2\n", 2, id="bad-indent"),
    pytest.param("title: x\nmax_pages: 3\ndepth: 2\n  first_party: y\n", 4, id="line-4"),
    pytest.param("a: 1\nb:\n\t- x\n", 3, id="tab"),
    pytest.param("max_pages: 3\ntitle: \"unterminated\ndepth: 2\nfail_on: low\n", 2, id="unterminated-quote"),
])
def test_bad_yaml_names_the_line(text: str, line: int) -> None:
    message = config_error(text)
    assert message.startswith("cookiescan.yml line ") and "invalid YAML: " in message
    assert re.search(rf"\bline {line}\b", message), message


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("ignore:\n  - {rule: undeclared-cookie, subject: x}\n", "ignore entry 1 has no 'reason'",
                 id="no-reason"),
    pytest.param("ignore:\n  - {rule: a, reason: ok}\n  - {rule: b, reason: '   '}\n",
                 "ignore entry 2 has no 'reason'", id="blank-reason-second-entry"),
    pytest.param("ignore:\n  - {rule: a, reason: ok, until: next year}\n",
                 "ignore entry 1: 'until' must be a date YYYY-MM-DD, got 'next year'", id="until-words"),
    pytest.param("ignore:\n  - {rule: a, reason: ok, until: 31/12/2030}\n",
                 "'until' must be a date YYYY-MM-DD", id="until-day-first"),
    pytest.param("ignore:\n  - {rule: a, reason: ok, until: '2030-13-01'}\n",
                 "'until' must be a date YYYY-MM-DD", id="until-month-13-quoted"),
    pytest.param("ignore:\n  - {rule: a, reason: ok, until: 2030-02-30}\n", "'until'", id="until-feb-30"),
    pytest.param("ignore: {rule: a, reason: ok}\n", "'ignore' must be a list", id="ignore-not-a-list"),
    pytest.param("ignore:\n  - undeclared-cookie\n", "ignore entry 1 must be a mapping", id="entry-not-a-mapping"),
    pytest.param("consent: '#accept'\n", "'consent' must be a mapping", id="consent-not-a-mapping"),
    pytest.param("- https://www.shop.fr/\n", "expected a mapping of settings at the top level", id="top-level-list"),
])
def test_file_errors(text: str, expected: str) -> None:
    assert expected in config_error(text)


@pytest.mark.parametrize("until", ["2030-12-31", "'2030-12-31'", None])
def test_valid_ignore_entries_load(until: str | None) -> None:
    entry = "{rule: lifetime-over-cap, subject: _ga, reason: 'CNIL exemption, ticket 42'"
    entry += f", until: {until}}}" if until else "}"
    write_config(f"ignore:\n  - {entry}\n")
    data, path = load_config_file(None)
    assert path == "cookiescan.yml"
    assert ignores_from(data["ignore"]) == (
        Ignore(rule="lifetime-over-cap", subject="_ga", reason="CNIL exemption, ticket 42",
               until=date(2030, 12, 31) if until else None),)


def test_yaml_dates_become_ignore_dates() -> None:
    write_config("ignore:\n  - {rule: a, reason: ok, until: 2030-12-31}\n")
    data, _ = load_config_file(None)
    assert ignores_from(data["ignore"])[0].until == date(2030, 12, 31)


def test_missing_default_file_means_defaults_but_missing_explicit_file_is_an_error() -> None:
    assert load_config_file(None) == ({}, None)
    with pytest.raises(ConfigError, match=re.escape("config file not found: nowhere.yml")):
        load_config_file("nowhere.yml")


def test_empty_file_and_non_utf8_file() -> None:
    write_config("")
    assert load_config_file(None) == ({}, "cookiescan.yml")
    Path("latin1.yml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=re.escape("latin1.yml: not UTF-8 text")):
        load_config_file("latin1.yml")


# -- validate_url, parse_states ----------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("https://www.example.com/", "https://www.example.com/"),
    ("  https://www.example.com/  ", "https://www.example.com/"),
    ("http://www.example.com:8080/a?b=1", "http://www.example.com:8080/a?b=1"),
    ("example.com", "https://example.com"),
    ("www.example.co.uk/shop?x=1", "https://www.example.co.uk/shop?x=1"),
    ("example.com:8443", "https://example.com:8443"),
    ("localhost:8080", "http://localhost:8080"),
    ("localhost", "http://localhost"),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
    ("HTTPS://Example.COM/", "HTTPS://Example.COM/"),
    pytest.param("http://[::1]:8080/", "http://[::1]:8080/"),
])
def test_validate_url_accepts(raw: str, expected: str) -> None:
    assert validate_url(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("", "empty URL"),
    ("   ", "empty URL"),
    ("not-a-url", "only http:// and https://"),
    ("ftp://files.example.com/", "only http:// and https://"),
    ("javascript:alert(1)", "only http:// and https://"),
    ("file:///etc/passwd", "only http:// and https://"),
    ("mailto:dpo@example.com", "only http:// and https://"),
    ("https://exa mple.com/", "no host name"),
    ("https:///path", "no host name"),
    ("https://intranet/", "no host name"),
    ("https://example.com:99999/", "not a valid URL"),
    ("https://example.com:abc/", "not a valid URL"),
    ("https://example.com:0/", "port 0"),
])
def test_validate_url_refuses_with_one_line(raw: str, expected: str) -> None:
    with pytest.raises(UsageError) as info:
        validate_url(raw)
    assert expected in info.value.message
    assert "\n" not in info.value.message
    assert info.value.exit_code == 2


def test_validate_url_names_what_was_wrong() -> None:
    with pytest.raises(UsageError, match=re.escape("not a valid sitemap URL: 'ftp://x.com/sitemap.xml'")):
        validate_url("ftp://x.com/sitemap.xml", "sitemap URL")


@pytest.mark.parametrize(("given", "expected"), [
    ("before,accept,reject", ("before", "accept", "reject")),
    ("reject,before", ("before", "reject")),  # always in the canonical order
    ("reject, ACCEPT ,reject", ("accept", "reject")),  # case, spaces, duplicates
    (" ,before,,", ("before",)),
    (["reject", "before"], ("before", "reject")),  # a YAML list
    (("accept",), ("accept",)),
])
def test_parse_states(given: Any, expected: tuple[str, ...]) -> None:
    assert parse_states(given) == expected


@pytest.mark.parametrize(("given", "expected"), [
    ("before,maybe", "unknown consent state 'maybe': choose from before, accept, reject"),
    ("", "no consent state chosen"),
    (",", "no consent state chosen"),
    ([], "no consent state chosen"),
])
def test_parse_states_refuses(given: Any, expected: str) -> None:
    with pytest.raises(UsageError, match=expected):
        parse_states(given)


# -- precedence through the command line -----------------------------------------------------------

class Recorded:
    config: ScanConfig | None = None


def run_scan_cmd(monkeypatch: pytest.MonkeyPatch, *args: str, env: dict[str, str] | None = None
                 ) -> tuple[Result, ScanConfig | None]:
    """``cookiescan scan ARGS`` with the browser step replaced: returns the config it would scan with."""
    seen = Recorded()

    def fake_run_scan(config: ScanConfig, opts: dict[str, Any], **_: Any) -> int:
        seen.config = config
        return 0

    monkeypatch.setattr(cli_scan, "run_scan", fake_run_scan)
    result = CliRunner().invoke(cli.main, ["scan", *args], env=env or {})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result, seen.config


def scanned(monkeypatch: pytest.MonkeyPatch, *args: str, env: dict[str, str] | None = None) -> ScanConfig:
    result, config = run_scan_cmd(monkeypatch, *args, env=env)
    assert result.exit_code == 0, result.output
    assert config is not None
    return config


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    c = scanned(monkeypatch, "https://www.shop.fr/")
    assert (c.urls, c.max_pages, c.depth, c.states, c.fail_on, c.max_lifetime, c.respect_robots, c.use_sitemap) == (
        ("https://www.shop.fr/",), 20, 5, ("before", "accept", "reject"), "high", "13months", True, True)
    assert (c.include, c.exclude, c.first_party, c.ignores, c.show_values) == ((), (), (), (), False)


def test_file_beats_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config("urls: [https://www.shop.fr/]\nmax_pages: 7\ndepth: 2\nconsent_states: [before]\n"
                 "exclude: [/calendar]\nfirst_party: [shop-cdn.net]\nrespect_robots: false\nmax_lifetime: 6months\n"
                 "ignore:\n  - {rule: pre-consent-cookie, subject: lang, reason: functional, until: 2030-01-01}\n")
    c = scanned(monkeypatch)
    assert (c.urls, c.max_pages, c.depth, c.states) == (("https://www.shop.fr/",), 7, 2, ("before",))
    assert (c.exclude, c.first_party, c.respect_robots, c.max_lifetime) == (
        ("/calendar",), ("shop-cdn.net",), False, "6months")
    assert c.ignores == (Ignore("pre-consent-cookie", "lang", "functional", date(2030, 1, 1)),)


def test_environment_beats_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config("max_pages: 7\ndepth: 2\nconsent_states: [before]\n")
    c = scanned(monkeypatch, "https://www.shop.fr/",
                env={f"{ENV}MAX_PAGES": "9", f"{ENV}CONSENT_STATES": "reject", "COOKIESCAN_BROWSER": "/opt/chrome"})
    assert (c.max_pages, c.depth, c.states, c.browser) == (9, 2, ("reject",), "/opt/chrome")


def test_command_line_beats_environment_and_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config("max_pages: 7\nconsent_states: [before]\nbrowser: /from/file\n")
    c = scanned(monkeypatch, "https://www.shop.fr/", "--max-pages", "11", "--consent", "accept",
                "--browser", "/from/cli", env={f"{ENV}MAX_PAGES": "9", "COOKIESCAN_BROWSER": "/from/env"})
    assert (c.max_pages, c.states, c.browser) == (11, ("accept",), "/from/cli")


def test_explicit_config_path(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config("max_pages: 7\n")
    write_config("max_pages: 3\n", "other.yml")
    assert scanned(monkeypatch, "https://www.shop.fr/", "--config", "other.yml").max_pages == 3


def test_command_line_urls_replace_file_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config("urls: [https://www.file.fr/]\n")
    assert scanned(monkeypatch, "https://www.cli.fr/", "www.cli.fr").urls == ("https://www.cli.fr/", "https://www.cli.fr")
    Path("urls.txt").write_text("# start pages\nhttps://www.a.fr/\n\nhttps://www.a.fr/\nwww.b.fr\n", encoding="utf-8")
    assert scanned(monkeypatch, "--urls-file", "urls.txt").urls == ("https://www.a.fr/", "https://www.b.fr")


def test_documented_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    assert scanned(monkeypatch, "https://www.shop.fr/", env={"COOKIESCAN_MAX_PAGES": "9"}).max_pages == 9


def test_fail_on_from_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config("fail_on: low\n")
    assert scanned(monkeypatch, "https://www.shop.fr/").fail_on == "low"


@pytest.mark.parametrize(("key", "value"), [("exclude", "/calendar"), ("include", "/products/"),
                                            ("first_party", "shop-cdn.net"), ("browser_args", "--lang=fr")])
def test_a_single_value_where_a_list_is_expected(monkeypatch: pytest.MonkeyPatch, key: str, value: str) -> None:
    """Either fix is right: refuse it in one line, or read it as a list of one."""
    write_config(f"{key}: {value}\n")
    result, config = run_scan_cmd(monkeypatch, "https://www.shop.fr/")
    if result.exit_code == 2:
        assert key in result.stderr
    else:
        assert config is not None and getattr(config, key) == (value,)


@pytest.mark.parametrize("setting", ["concurrency: 0", "max_pages: 0", "scan_budget: soon"])
def test_file_numbers_are_checked_like_the_options(monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    write_config(setting + "\n")
    result, _ = run_scan_cmd(monkeypatch, "https://www.shop.fr/")
    assert result.exit_code == 2
    assert setting.split(":")[0] in result.stderr


@pytest.mark.parametrize(("args", "yml", "expected"), [
    pytest.param((), None, "no URL to scan", id="no-url"),
    pytest.param(("https://www.shop.fr/", "--consent", "before,maybe"), None, "unknown consent state 'maybe'",
                 id="bad-state"),
    pytest.param(("https://www.shop.fr/",), "consent_states: [nope]\n", "unknown consent state 'nope'",
                 id="bad-state-in-file"),
    pytest.param(("https://www.shop.fr/", "--exclude", "(["), None, "--exclude: invalid regular expression",
                 id="bad-regex"),
    pytest.param(("https://www.shop.fr/", "--max-lifetime", "forever"), None, "cannot read the lifetime cap",
                 id="bad-cap"),
    pytest.param(("https://www.shop.fr/",), "max_pages: many\n", "max_pages must be a number from 1 to 100000",
                 id="not-a-number-in-file"),
    pytest.param(("https://www.shop.fr/",), "fail_on: sometimes\n", "fail_on must be one of", id="bad-fail-on"),
    pytest.param(("https://www.shop.fr/", "--declared", "missing.csv"), None, "--declared: file not found",
                 id="missing-declared"),
    pytest.param(("https://www.shop.fr/", "--urls-file", "missing.txt"), None, "--urls-file: cannot read",
                 id="missing-urls-file"),
    pytest.param(("https://www.shop.fr/", "--notice", "nowhere.html"), None, "--notice: no such file or URL",
                 id="missing-notice"),
    pytest.param(("https://www.shop.fr/", "--config", "nowhere.yml"), None, "config file not found",
                 id="missing-config"),
])
def test_bad_settings_end_in_one_line_before_any_browser(monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                                                         yml: str | None, expected: str) -> None:
    if yml is not None:
        write_config(yml)
    result, config = run_scan_cmd(monkeypatch, *args)
    assert config is None  # stopped before the scan
    assert result.exit_code == 2
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert "Traceback" not in result.output
