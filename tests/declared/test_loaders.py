"""Tests for cookiescan.declared.loaders: CSV, YAML and JSON declared lists, and malformed files.

Pure tests: no browser, no network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cookiescan.declared import LOADERS, DeclaredCookie, load_declared_file
from cookiescan.errors import DeclaredListError
from cookiescan.units import DAYS_PER_MONTH, DAYS_PER_YEAR

MONTH = DAYS_PER_MONTH
YEAR = DAYS_PER_YEAR


# --------------------------------------------------------------------------------------------
# Files: happy paths
# --------------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_happy_path_with_patterns_and_extra_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cookies.csv",
        "Name,Domain,Category,Lifetime,Provider,Notes\n"
        "_ga,.example.com,Mesure d'audience,13 mois,Google,\n"
        "_ga_*,.example.com,analytics,13 months,Google,GA4 container\n"
        'cart,shop.example.com,Strictement nécessaire,"1,5 an",,\n'
        "\n"
        "_hjSessionUser_<site id>,,statistiques,1 year,Hotjar,heatmaps\n",
    )
    declared = load_declared_file(path)
    assert declared.source == str(path)
    assert declared.warnings == ()
    assert [e.name for e in declared.entries] == ["_ga", "_ga_*", "cart", "_hjSessionUser_<site id>"]
    ga, ga4, cart, hotjar = declared.entries
    assert ga == DeclaredCookie(
        name="_ga",
        pattern=False,
        domain=".example.com",
        category="analytics",
        category_text="Mesure d'audience",
        lifetime_days=pytest.approx(13 * MONTH),  # type: ignore[arg-type]
        lifetime_text="13 mois",
        provider="Google",
        source=f"{path}:row 2",
    )
    assert ga4.pattern is True
    assert ga4.extra == (("Notes", "GA4 container"),)
    assert cart.category == "necessary"
    assert cart.domain == "shop.example.com"
    assert cart.lifetime_days == pytest.approx(1.5 * YEAR)
    assert cart.provider is None
    assert hotjar.pattern is True
    assert hotjar.domain is None
    assert hotjar.source == f"{path}:row 6"  # rows count lines, header included, blank lines too


def test_csv_accepts_synonyms_semicolons_and_bom(tmp_path: Path) -> None:
    # A French spreadsheet export: ";" separator, BOM, French/other headers.
    path = _write(
        tmp_path,
        "export.csv",
        "\ufeffCookie;Expiry;Vendor;Purpose;Host\n"
        "_fbp;3 mois;Meta;Publicité ciblée;.example.fr\n"
        "PHPSESSID;Session;;Panier;\n",
    )
    fbp, session = load_declared_file(path).entries
    assert (fbp.name, fbp.lifetime_days, fbp.provider, fbp.category, fbp.domain) == (
        "_fbp",
        pytest.approx(3 * MONTH),
        "Meta",
        "marketing",
        ".example.fr",
    )
    assert session.lifetime_days == 0
    assert session.category == "unknown"  # "Panier" names no category
    assert session.category_text == "Panier"


def test_csv_days_column_reads_plain_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "days.csv", "name,lifetime_days\n_ga,400\n")
    (ga,) = load_declared_file(path).entries
    assert ga.lifetime_days == 400
    assert ga.lifetime_text == "400"


def test_csv_unparseable_duration_is_kept_as_text_with_a_warning(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.csv",
        "name,category,lifetime\n_ga,analytics,13 months\ntracker,Autres catégories,jusqu’à la fin des temps\n",
    )
    declared = load_declared_file(path)
    tracker = declared.entries[1]
    assert tracker.lifetime_days is None
    assert tracker.lifetime_text == "jusqu’à la fin des temps"
    assert declared.warnings == (
        'row 3: unknown category "Autres catégories" — kept as unknown',
        'row 3: cannot parse duration "jusqu’à la fin des temps" — kept as text',
    )


def test_yaml_happy_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cookies.yml",
        "# our cookies\n"
        "cookies:\n"
        "  - name: _ga\n"
        "    domain: .example.com\n"
        "    category: analytics\n"
        "    lifetime: 13 months\n"
        "    provider: Google\n"
        "  - name: _hjSession_*\n"
        "    category: Statistiques\n"
        "    lifetime: 0.02\n"  # a number is days
        "    owner_team: growth\n"
        "  - cookie_consent\n"
        "  - name: _pk_id.\n"
        "    pattern: true\n"
        "    duration: 395\n",
    )
    declared = load_declared_file(path)
    ga, hj, consent, pk = declared.entries
    assert (ga.name, ga.domain, ga.category, ga.lifetime_text, ga.provider, ga.source) == (
        "_ga",
        ".example.com",
        "analytics",
        "13 months",
        "Google",
        f"{path}:line 3",
    )
    assert hj.pattern is True
    assert hj.lifetime_days == 0.02
    assert hj.lifetime_text == "0.02"
    assert hj.extra == (("owner_team", "growth"),)
    assert hj.source == f"{path}:line 8"
    assert (consent.name, consent.category, consent.lifetime_text) == ("cookie_consent", None, None)
    assert pk.pattern is True  # flagged: a prefix
    assert pk.lifetime_days == 395
    assert pk.matches("_pk_id.1.a1b2")
    assert declared.warnings == ()


def test_json_happy_path_with_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "cookies.json",
        json.dumps(
            [
                {"name": "_ga", "lifetime": "2 years", "category": "Analytics", "provider": "Google"},
                {"name": "_gat_UA-XXXXX-1", "lifetime": 0.0007, "purpose": "throttling"},
            ],
            indent=2,
        ),
    )
    ga, gat = load_declared_file(path).entries
    assert ga.lifetime_days == pytest.approx(2 * YEAR)
    assert ga.source == f"{path}:line 2"
    assert gat.pattern is True
    assert gat.matches("_gat_UA-123456-1")
    assert gat.category == "unknown"
    assert gat.source == f"{path}:line 8"


def test_json_mapping_with_cookies_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.json", '{"cookies": [{"Name": "a", "Expiry": "1 day", "Vendor": "V"}]}')
    (a,) = load_declared_file(path).entries
    assert (a.name, a.lifetime_days, a.provider) == ("a", 1, "V")


# --------------------------------------------------------------------------------------------
# Files: malformed input names the file and the row/line
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("nohead.csv", "_ga,.example.com,analytics,13 months,Google\n", ["row 1", "no header row"]),
        (
            "noname.csv",
            "domain,category,lifetime\n.example.com,analytics,1 day\n",
            ["row 1", "'name' column"],
        ),
        (
            "short.csv",
            "name,domain,category,lifetime,provider\n_ga,.example.com,analytics,13 months,Google\n"
            "_gid,.example.com,analytics\n",
            ["row 3", "expected 5 fields", "found 3"],
        ),
        (
            "comma.csv",  # an unquoted "1,5 an" splits into two fields
            "name,category,lifetime\nx,analytics,1,5 an\n",
            ["row 2", "expected 3 fields", "found 4"],
        ),
        ("blankname.csv", "name,category\n_ga,analytics\n,analytics\n", ["row 3", "no cookie name"]),
        ("headeronly.csv", "name,domain,category,lifetime,provider\n", ["declares no cookies"]),
        ("empty.csv", "", ["declares no cookies"]),
        (
            "bad.yaml",
            "cookies:\n  - name: _ga\n    lifetime: 13 months\n   - name: _gid\n",
            ["line 4", "YAML syntax error"],
        ),
        ("tab.yml", "cookies:\n  - name: [_ga\n", ["line 3", "YAML syntax error"]),
        (
            "noname.yaml",
            "cookies:\n  - name: _ga\n  - domain: .example.com\n    lifetime: 1 day\n",
            ["line 3", "entry has no name"],
        ),
        ("nullname.yml", "- name:\n  lifetime: 1 day\n", ["line 1", "entry has no name"]),
        ("empty.yaml", "cookies: []\n", ["declares no cookies"]),
        ("nothing.yaml", "# nothing yet\n", ["declares no cookies"]),
        ("wrongkey.yaml", "cookie_list:\n  - name: a\n", ["'cookies' key"]),
        ("scalar.yaml", "cookies:\n  - _ga\n  - [a, b]\n", ["line 3", "expected a mapping"]),
        (
            "bad.json",
            '[\n  {"name": "_ga"},\n  {"name": "_gid",}\n]\n',
            ["line 3, column 19", "JSON syntax error"],
        ),
        (
            "noname.json",
            '[\n  {"name": "_ga"},\n  {"lifetime": "1 day"}\n]\n',
            ["line 3", "entry has no name"],
        ),
        ("empty.json", "[]", ["declares no cookies"]),
        ("list.txt", "_ga\n", ["unsupported file type", "'.txt'"]),
    ],
)
def test_malformed_files_raise_with_file_and_position(
    tmp_path: Path, filename: str, content: str, expected: list[str]
) -> None:
    path = _write(tmp_path, filename, content)
    with pytest.raises(DeclaredListError) as info:
        load_declared_file(path)
    message = info.value.message
    assert filename in message
    assert "\n" not in message
    for part in expected:
        assert part in message
    if not filename.endswith(".txt"):
        assert info.value.hint


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DeclaredListError, match=r"nope\.csv: file not found") as info:
        load_declared_file(tmp_path / "nope.csv")
    assert info.value.hint


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "latin.csv", "name,category\n_ga,analytics\nprefs,préférences\n", "latin-1")
    with pytest.raises(DeclaredListError, match=r"latin\.csv: line 3: not UTF-8") as info:
        load_declared_file(path)
    assert "UTF-8" in (info.value.hint or "")


# --------------------------------------------------------------------------------------------
# Misc
# --------------------------------------------------------------------------------------------


def test_duplicate_declarations_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "name,domain\n_ga,.example.com\n_gid,\n_ga,example.com\n")
    assert load_declared_file(path).warnings == ("row 4: _ga already declared at row 2",)


def test_every_registered_loader_reads_its_format(tmp_path: Path) -> None:
    samples = {
        ".csv": "name,lifetime\n_ga,1 day\n",
        ".yaml": "- name: _ga\n  lifetime: 1 day\n",
        ".yml": "- name: _ga\n  lifetime: 1 day\n",
        ".json": '[{"name": "_ga", "lifetime": "1 day"}]',
    }
    assert set(LOADERS) == set(samples)
    for ext, text in samples.items():
        (entry,) = load_declared_file(_write(tmp_path, f"list{ext}", text)).entries
        assert (entry.name, entry.lifetime_days) == ("_ga", 1)
