"""Tests for cookiescan.declared.records: name patterns, domain matching, to_dict/from_dict.

Pure tests: no browser, no network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cookiescan.declared import DeclaredCookie, DeclaredList, load_declared_file
from cookiescan.errors import DeclaredListError

# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


def _cookie(name: str, domain: str | None = None, source: str = "test") -> DeclaredCookie:
    from cookiescan.declared.records import _is_pattern

    return DeclaredCookie(name, _is_pattern(name), domain, None, None, None, None, None, source)


def test_match_exact_beats_pattern_and_longest_pattern_wins() -> None:
    declared = DeclaredList(
        entries=(
            _cookie("_hj*", source="short"),
            _cookie("_hjSessionUser_*", source="long"),
            _cookie("_hjSessionUser_123", source="exact"),
        ),
        source="test",
    )
    assert declared.match("_hjSessionUser_123").source == "exact"  # type: ignore[union-attr]
    assert declared.match("_hjSessionUser_999").source == "long"  # type: ignore[union-attr]
    assert declared.match("_hjFirstSeen").source == "short"  # type: ignore[union-attr]
    assert declared.match("_ga") is None
    assert declared.match("_HJSESSIONUSER_123") is None  # cookie names are case-sensitive


def test_match_domain_tolerance() -> None:
    declared = DeclaredList(
        entries=(
            _cookie("_ga", ".example.com", source="ga"),
            _cookie("sid", "www.example.com", source="sid"),
            _cookie("any", None, source="any"),
        ),
        source="test",
    )
    for observed in ("example.com", ".example.com", "www.example.com", "shop.example.com", None):
        assert declared.match("_ga", observed) is not None, observed
    assert declared.match("_ga", "example.org") is None
    assert declared.match("_ga", "notexample.com") is None
    assert declared.match("sid", ".example.com") is not None  # set by www on the parent domain
    assert declared.match("sid", "api.example.com") is None
    assert declared.match("any", "tracker.example.net") is not None


def test_exact_with_matching_domain_beats_exact_without() -> None:
    declared = DeclaredList(
        entries=(_cookie("lang", source="generic"), _cookie("lang", ".linkedin.com", source="linkedin")),
        source="test",
    )
    assert declared.match("lang", "www.linkedin.com").source == "linkedin"  # type: ignore[union-attr]
    assert declared.match("lang", "example.com").source == "generic"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("declared", "observed", "expected"),
    [
        ("_ga_*", "_ga_ABC123", True),
        ("_ga_*", "_gat", False),
        ("_ga_<container-id>", "_ga_ABC123", True),
        ("_ga_<container-id>", "_ga_", False),  # a placeholder stands for at least one character
        ("_hjSession_[site id]", "_hjSession_12345", True),
        ("_pk_id.{id}", "_pk_id.1.ab12", True),
        ("_ga_XXXXXXXXXX", "_ga_1A2B3C", True),
        ("_gat_UA-XXXXX-1", "_gat_UA-1234567-1", True),
        ("_gat_UA-XXXXX-1", "_gat_UA-1234567", False),
        ("_pk_id.xxx.xxx", "_pk_id.1.f00d", True),
        ("taxxx", "taxxx", True),  # no separator before the x's: a literal name
        ("taxxx", "ta123", False),
        ("a.b*", "a.bc", True),
        ("a.b*", "axbc", False),  # the dot is literal
    ],
)
def test_name_patterns(declared: str, observed: str, expected: bool) -> None:
    assert _cookie(declared).matches(observed) is expected


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_to_dict_round_trips_through_json(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.csv",
        "name,domain,category,lifetime,provider,notes\n_ga_*,.example.com,analytics,13 mois,Google,GA4\n"
        "x,,Autres,forever,,\n",
    )
    declared = load_declared_file(path)
    data = json.loads(json.dumps(declared.to_dict()))
    assert data["entries"][0]["extra"] == {"notes": "GA4"}
    assert DeclaredList.from_dict(data) == declared


def test_from_dict_rejects_garbage() -> None:
    with pytest.raises(DeclaredListError):
        DeclaredList.from_dict({"entries": [{}], "source": "x"})
