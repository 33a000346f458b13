"""TC string decoder (cookiescan.signals.tcf) checked against IAB's own @iabtcf/core.

tests/fixtures/tcf/encode.mjs encodes each case below with @iabtcf/core (and builds the getTCData object
@iabtcf/cmpapi would hand a page), so the Python decoder is held to an implementation it shares no code
with. The npm packages come from tests/fixtures/cmp/node_modules; nothing is installed here.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cookiescan.signals import tcf
from cookiescan.signals.tcf import (
    PURPOSE_NAMES,
    SPECIAL_FEATURE_NAMES,
    decode_tc_string,
    forbidden_li_purposes,
    granted_purposes,
    granted_vendors,
    li_purposes,
    tc_data_from_api,
    tracking_purposes_under_li,
)

FIXTURES = Path(__file__).parent / "fixtures"
ENCODER = FIXTURES / "tcf" / "encode.mjs"
GVL = json.loads((FIXTURES / "tcf" / "vendor-list.json").read_text())
NODE = shutil.which("node")

WHEN = {"created": "2024-03-05T10:20:30.400Z", "lastUpdated": "2024-03-06T08:00:00.000Z"}
ALL_PURPOSES = list(range(1, 12))

CASES: list[dict[str, Any]] = [
    {"id": "reject-all", "cmpId": 300, "cmpVersion": 7, "consentScreen": 2, "language": "DE",
     "publisherCountryCode": "DE", **WHEN},
    {"id": "accept-all", "cmpId": 31, "cmpVersion": 2, "purposeConsents": ALL_PURPOSES,
     "purposeLegitimateInterests": [2, 7, 8, 9, 10, 11], "specialFeatureOptins": [1, 2],
     "vendorConsents": "all", "vendorLegitimateInterests": "all", "publisherCountryCode": "FR", **WHEN},
    {"id": "bitfield-low-ids", "purposeConsents": [1, 2], "vendorConsents": [1, 2, 4, 8, 10, 21, 25, 28, 32],
     "vendorLegitimateInterests": [2, 21], **WHEN},
    {"id": "bitfield-many", "purposeConsents": [1, 2, 7], "extraVendors": {"from": 101, "to": 401, "step": 2},
     "vendorConsents": list(range(101, 402, 2)), **WHEN},
    {"id": "range-sparse-high", "purposeConsents": [1], "vendorConsents": [1, 755, 1001, 2048],
     "vendorLegitimateInterests": [2, 1126], **WHEN},
    {"id": "range-contiguous", "purposeConsents": [1, 2, 3, 4], "extraVendors": {"from": 3001, "to": 3200},
     "vendorConsents": [1, 755, *range(3001, 3201)], **WHEN},
    {"id": "publisher-restrictions", "purposeConsents": [1, 2, 7], "vendorConsents": [1, 2, 755],
     "publisherRestrictions": [
         {"purposeId": 1, "restrictionType": 0, "vendors": [4, 8]},  # 5-7 are not on the list: one range
         {"purposeId": 2, "restrictionType": 0, "vendors": [1, 8, 21, 28, 755]},
         {"purposeId": 7, "restrictionType": 1, "vendors": [2, 21, 91, 1001]},
         {"purposeId": 9, "restrictionType": 2, "vendors": [32, 755]},
     ], **WHEN},
    {"id": "publisher-tc", "isServiceSpecific": True, "purposeConsents": [1, 2],
     "publisherConsents": [1, 2, 7], "publisherLegitimateInterests": [8], "numCustomPurposes": 5,
     "publisherCustomConsents": [1, 5], "publisherCustomLegitimateInterests": [3], **WHEN},
    {"id": "disclosed-and-publisher", "segments": ["core", "vendorsDisclosed", "publisherTC"],
     "purposeConsents": [1], "publisherConsents": [1], **WHEN},
    {"id": "core-only", "segments": ["core"], "purposeConsents": [1, 3], **WHEN},
    {"id": "allowed-vendors", "segments": ["core", "vendorsAllowed", "vendorsDisclosed"], "purposeConsents": [1],
     "vendorsAllowed": [2, 755, 1001], **WHEN},
    {"id": "flags-and-limits", "cmpId": 4095, "cmpVersion": 4095, "consentScreen": 63, "language": "FR",
     "publisherCountryCode": "FR", "purposeOneTreatment": True, "useNonStandardTexts": True,
     "specialFeatureOptins": [2], "created": "2020-01-01T00:00:00.100Z", "lastUpdated": "2099-12-31T23:59:59.900Z"},
    {"id": "li-tracking", "purposeConsents": [1], "purposeLegitimateInterests": [1, 2, 3, 4, 7, 9, 10],
     "vendorLegitimateInterests": [1, 2, 21], **WHEN},
]


def _live_vendors() -> dict[int, dict[str, Any]]:
    return {int(k): v for k, v in GVL["vendors"].items() if "deletedDate" not in v}


@pytest.fixture(scope="module")
def encoded() -> dict[str, dict[str, Any]]:
    """Every case, encoded (and decoded back) by @iabtcf/core in one node run."""
    if NODE is None:
        pytest.skip("node is not installed: the @iabtcf/core cross-check needs it")
    if not (FIXTURES / "cmp" / "node_modules" / "@iabtcf" / "core").is_dir():
        pytest.fail("@iabtcf/core is not installed in tests/fixtures/cmp/node_modules: run `scripts/dev setup`",
                    pytrace=False)
    done = subprocess.run([NODE, str(ENCODER)], input=json.dumps(CASES), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"encode.mjs failed: {done.stderr[-2000:]}"
    return {r["id"]: r for r in json.loads(done.stdout)}


def _same_as_iabtcf(mine: tcf.TCString, theirs: dict[str, Any]) -> None:
    """Field by field: our decode of the string == @iabtcf/core's decode of it."""
    assert mine.version == theirs["version"] == 2
    assert mine.created == theirs["created"]
    assert mine.last_updated == theirs["lastUpdated"]
    assert mine.cmp_id == theirs["cmpId"]
    assert mine.cmp_version == theirs["cmpVersion"]
    assert mine.consent_screen == theirs["consentScreen"]
    assert mine.consent_language == theirs["consentLanguage"]
    assert mine.vendor_list_version == theirs["vendorListVersion"] == GVL["vendorListVersion"]
    assert mine.tcf_policy_version == theirs["policyVersion"] == 4
    assert mine.is_service_specific is theirs["isServiceSpecific"]
    assert mine.use_non_standard_texts is theirs["useNonStandardTexts"]
    assert list(mine.special_feature_optins) == theirs["specialFeatureOptins"]
    assert list(mine.purposes_consent) == theirs["purposeConsents"]
    assert list(mine.purposes_li) == theirs["purposeLegitimateInterests"]
    assert mine.purpose_one_treatment is theirs["purposeOneTreatment"]
    assert mine.publisher_cc == theirs["publisherCountryCode"]
    assert list(mine.vendor_consents) == theirs["vendorConsents"]
    assert list(mine.vendor_li) == theirs["vendorLegitimateInterests"]
    assert sorted((r.purpose_id, r.restriction_type, list(r.vendor_ids)) for r in mine.publisher_restrictions) \
        == sorted((r["purposeId"], r["restrictionType"], r["vendors"]) for r in theirs["publisherRestrictions"])
    assert list(mine.disclosed_vendors or ()) == theirs["vendorsDisclosed"]
    assert list(mine.allowed_vendors or ()) == theirs["vendorsAllowed"]
    pub = mine.publisher_tc
    assert list(pub.purposes_consent if pub else ()) == theirs["publisherConsents"]
    assert list(pub.purposes_li if pub else ()) == theirs["publisherLegitimateInterests"]
    assert (pub.num_custom_purposes if pub else 0) == theirs["numCustomPurposes"]
    assert list(pub.custom_purposes_consent if pub else ()) == theirs["publisherCustomConsents"]
    assert list(pub.custom_purposes_li if pub else ()) == theirs["publisherCustomLegitimateInterests"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_decoder_reads_what_iabtcf_core_encoded(case: dict[str, Any], encoded: dict[str, dict[str, Any]]) -> None:
    """Guards every field of the core and optional segments against the reference implementation."""
    result = encoded[case["id"]]
    mine = decode_tc_string(result["tcString"])
    _same_as_iabtcf(mine, result["decoded"])
    assert mine.raw == result["tcString"]
    # and what the case asked for (where @iabtcf/core's encoder keeps it as given)
    if case.get("cmpId"):
        assert (mine.cmp_id, mine.cmp_version) == (case["cmpId"], case["cmpVersion"])
    assert mine.consent_language == case.get("language", "EN")
    assert mine.publisher_cc == case.get("publisherCountryCode", "AA")
    assert list(mine.purposes_consent) == case.get("purposeConsents", [])
    assert list(mine.special_feature_optins) == case.get("specialFeatureOptins", [])
    assert mine.created == case["created"] and mine.last_updated == case["lastUpdated"]
    wanted = case.get("vendorConsents", [])
    if wanted != "all":
        assert list(mine.vendor_consents) == sorted(wanted)


def test_reject_all_has_no_consent_at_all(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards empty sections: a reject-all string decodes to nothing granted, bitfields of length 0."""
    tc = decode_tc_string(encoded["reject-all"]["tcString"])
    assert granted_purposes(tc) == () and granted_vendors(tc) == () and li_purposes(tc) == ()
    assert tc.vendor_consents_encoding == "bitfield" and tc.vendor_li == ()
    assert tc.special_feature_optins == () and tc.publisher_restrictions == ()
    assert (tc.cmp_id, tc.cmp_version, tc.consent_screen) == (300, 7, 2)
    # the default segments for a globally-scoped string: core + disclosed vendors (every live vendor)
    assert tc.disclosed_vendors == tuple(sorted(_live_vendors())) and tc.publisher_tc is None


def test_accept_all_grants_every_purpose_and_vendor(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards the accept-all reading; the deleted vendor 3000 is never on it."""
    tc = decode_tc_string(encoded["accept-all"]["tcString"])
    live = _live_vendors()
    assert granted_purposes(tc) == tuple(ALL_PURPOSES)
    assert tc.special_feature_optins == (1, 2)
    assert granted_vendors(tc) == tuple(sorted(live))
    # @iabtcf/core keeps a vendor's LI signal only where the vendor declared an LI purpose
    assert tc.vendor_li == tuple(sorted(v for v, d in live.items() if d["legIntPurposes"]))
    assert 3000 not in tc.vendor_consents


@pytest.mark.parametrize(("case_id", "encoding"), [
    ("bitfield-low-ids", "bitfield"), ("bitfield-many", "bitfield"), ("range-sparse-high", "range"),
    ("range-contiguous", "range"), ("accept-all", "range"),
])
def test_both_vendor_encodings_are_exercised(case_id: str, encoding: str,
                                             encoded: dict[str, dict[str, Any]]) -> None:
    """Guards that the cases really cover bitfield and range sections (the encoder picks the shorter)."""
    tc = decode_tc_string(encoded[case_id]["tcString"])
    assert tc.vendor_consents_encoding == encoding


def test_contiguous_vendors_are_one_range(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards IsARange entries (start..end) as well as single ids."""
    tc = decode_tc_string(encoded["range-contiguous"]["tcString"])
    assert tc.vendor_consents == (1, 755, *range(3001, 3201))


def test_publisher_restrictions(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards purpose, type and vendor ranges of publisher restrictions."""
    tc = decode_tc_string(encoded["publisher-restrictions"]["tcString"])
    got = {(r.purpose_id, r.restriction): r.vendor_ids for r in tc.publisher_restrictions}
    assert got == {
        # @iabtcf/core writes 4..8 as one range because 5-7 are not on the vendor list
        (1, "not allowed"): (4, 5, 6, 7, 8),
        (2, "not allowed"): (1, 8, 21, 28, 755),
        (7, "require consent"): (2, 21, 91, 1001),
        (9, "require legitimate interest"): (32, 755),
    }


def test_publisher_tc_segment(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards the publisher TC segment with custom purposes (service-specific strings carry it)."""
    tc = decode_tc_string(encoded["publisher-tc"]["tcString"])
    assert tc.is_service_specific and tc.disclosed_vendors is None
    assert tc.publisher_tc == tcf.PublisherTC((1, 2, 7), (8,), 5, (1, 5), (3,))
    both = decode_tc_string(encoded["disclosed-and-publisher"]["tcString"])
    assert both.disclosed_vendors and both.publisher_tc == tcf.PublisherTC((1,), (), 0, (), ())
    allowed = decode_tc_string(encoded["allowed-vendors"]["tcString"])
    assert allowed.allowed_vendors == (2, 755, 1001) and allowed.disclosed_vendors and allowed.publisher_tc is None
    only = decode_tc_string(encoded["core-only"]["tcString"])
    assert "." not in only.raw and only.disclosed_vendors is None and only.publisher_tc is None


def test_flags_and_field_limits(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards the single-bit flags and the largest values of the 12/6-bit fields."""
    tc = decode_tc_string(encoded["flags-and-limits"]["tcString"])
    assert (tc.cmp_id, tc.cmp_version, tc.consent_screen) == (4095, 4095, 63)
    assert tc.purpose_one_treatment and tc.use_non_standard_texts and not tc.is_service_specific
    assert tc.special_feature_optins == (2,)
    assert (tc.created, tc.last_updated) == ("2020-01-01T00:00:00.100Z", "2099-12-31T23:59:59.900Z")


def test_li_predicates(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards the predicates the rules use for legitimate-interest claims."""
    tc = decode_tc_string(encoded["li-tracking"]["tcString"])
    # @iabtcf/core never writes LI for purpose 1; it does write v2.2-forbidden LI for 3 and 4
    assert li_purposes(tc) == (2, 3, 4, 7, 9, 10)
    assert tracking_purposes_under_li(tc) == (2, 3, 4, 7, 9, 10)
    assert forbidden_li_purposes(tc) == (3, 4)
    assert tcf.li_vendors(tc) == (1, 2, 21)
    older = tcf.TCData(**{**_tcdata_kwargs(tc), "tcf_policy_version": 2})
    assert forbidden_li_purposes(older) == ()  # 3-6 under LI were allowed before policy version 4


def _tcdata_kwargs(tc: tcf.TCString) -> dict[str, Any]:
    return dict(gdpr_applies=True, cmp_id=tc.cmp_id, cmp_version=tc.cmp_version,
                tcf_policy_version=tc.tcf_policy_version, event_status=None, cmp_status=None,
                tc_string=tc.raw, decoded=tc, source="tcString", is_service_specific=False,
                use_non_standard_texts=False, purpose_one_treatment=False, publisher_cc="AA",
                special_feature_optins=(), purposes_consent=tc.purposes_consent, purposes_li=tc.purposes_li,
                vendor_consents=tc.vendor_consents, vendor_li=tc.vendor_li, publisher_restrictions=())


def test_names() -> None:
    """Guards the purpose and special feature vocabulary (TCF v2.2 has 11 purposes, 2 special features)."""
    assert sorted(PURPOSE_NAMES) == list(range(1, 12)) and sorted(SPECIAL_FEATURE_NAMES) == [1, 2]
    assert PURPOSE_NAMES[11] == "Use limited data to select content"


# -- __tcfapi('getTCData') -------------------------------------------------------------------------------
@pytest.mark.parametrize("case_id", ["accept-all", "publisher-restrictions", "reject-all", "li-tracking"])
def test_tcdata_from_cmpapi_agrees_with_its_string(case_id: str, encoded: dict[str, dict[str, Any]]) -> None:
    """Guards reading @iabtcf/cmpapi's getTCData object: decoded string preferred, no false disagreement."""
    result = encoded[case_id]
    data = tc_data_from_api(result["tcData"])
    tc = decode_tc_string(result["tcString"])
    assert data.source == "tcString" and data.decoded == tc and data.decode_error is None
    assert data.api_disagrees == {}
    assert data.gdpr_applies is True and data.event_status == "tcloaded" and data.cmp_status == "loaded"
    assert (data.purposes_consent, data.vendor_consents, data.vendor_li, data.publisher_restrictions) \
        == (tc.purposes_consent, tc.vendor_consents, tc.vendor_li, tc.publisher_restrictions)


@pytest.mark.parametrize("case_id", ["accept-all", "publisher-restrictions", "li-tracking"])
def test_tcdata_without_string_reads_the_api_objects(case_id: str, encoded: dict[str, dict[str, Any]]) -> None:
    """Guards the API-object reading: with no tcString it must give what the string would have."""
    result = encoded[case_id]
    api = {k: v for k, v in result["tcData"].items() if k != "tcString"}
    data = tc_data_from_api(api)
    tc = decode_tc_string(result["tcString"])
    assert data.source == "api" and data.decoded is None and data.tc_string is None
    assert data.purposes_consent == tc.purposes_consent and data.purposes_li == tc.purposes_li
    assert data.vendor_consents == tc.vendor_consents and data.vendor_li == tc.vendor_li
    assert data.special_feature_optins == tc.special_feature_optins
    assert data.publisher_restrictions == tc.publisher_restrictions
    assert (data.cmp_id, data.cmp_version, data.tcf_policy_version) == (tc.cmp_id, tc.cmp_version, 4)
    assert data.use_non_standard_texts is False and data.publisher_cc == tc.publisher_cc


def test_tcdata_keeps_what_the_api_said_when_it_disagrees(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards disagreement tracking: the string wins, the API's claim is kept beside it."""
    result = encoded["reject-all"]
    api = json.loads(json.dumps(result["tcData"]))
    api["purpose"]["consents"] = {"1": True, "3": True, "4": False}
    api["vendor"]["consents"] = {"755": True}
    api["cmpId"] = 301
    data = tc_data_from_api(api)
    assert data.purposes_consent == () and data.vendor_consents == () and data.cmp_id == 300
    assert data.api_disagrees == {"purposes_consent": (1, 3), "vendor_consents": (755,), "cmp_id": 301}
    assert json.loads(json.dumps(data.to_dict()))["api_disagrees"]["purposes_consent"] == [1, 3]


def test_tcdata_for_a_subset_of_vendors_is_no_disagreement(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards getTCData(cb, [vendorIds]): a CMP answering for some vendors does not contradict the string."""
    api = json.loads(json.dumps(encoded["range-sparse-high"]["tcData"]))
    api["vendor"]["consents"] = {"755": True, "756": False}
    assert tc_data_from_api(api).api_disagrees == {}
    api["vendor"]["consents"] = {"755": False, "756": False}
    assert tc_data_from_api(api).api_disagrees == {"vendor_consents": ()}


def test_tcdata_with_a_broken_string_falls_back_to_the_api(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards a CMP that hands out an undecodable tcString: reason kept, API values used."""
    api = dict(encoded["accept-all"]["tcData"], tcString="!!not a tc string")
    data = tc_data_from_api(api)
    assert data.source == "api" and data.decode_error and "base64url" in data.decode_error
    assert data.purposes_consent == tuple(ALL_PURPOSES)
    with pytest.raises(ValueError, match="must be an object"):
        tc_data_from_api(["tcString"])  # type: ignore[arg-type]


def test_gdpr_does_not_apply() -> None:
    """Guards the shape a CMP returns outside the GDPR: no string, nothing granted."""
    data = tc_data_from_api({"gdprApplies": False, "cmpId": 10, "cmpVersion": 1, "tcfPolicyVersion": 4,
                             "eventStatus": "tcloaded", "cmpStatus": "loaded", "tcString": ""})
    assert data.gdpr_applies is False and data.source == "api" and data.decoded is None
    assert granted_purposes(data) == () and granted_vendors(data) == ()


# -- malformed input -------------------------------------------------------------------------------------
class _Writer:
    """A tiny bit writer for hand-made strings (what no real encoder would produce)."""

    def __init__(self) -> None:
        self.bits = ""

    def put(self, value: int, width: int) -> _Writer:
        self.bits += format(value, f"0{width}b")
        return self

    def text(self) -> str:
        bits = self.bits + "0" * (-len(self.bits) % 24)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(alphabet[int(bits[i:i + 6], 2)] for i in range(0, len(bits), 6))


def _core_until_vendors(language: int = 4 * 64 + 13) -> _Writer:
    w = _Writer().put(2, 6).put(1, 36).put(1, 36).put(10, 12).put(1, 12).put(1, 6).put(language, 12)
    return w.put(48, 12).put(4, 6).put(0, 1).put(0, 1).put(0, 12).put(0, 24).put(0, 24).put(0, 1).put(0, 12)


def test_hand_made_core_decodes() -> None:
    """The writer below is right: a minimal hand-made core string decodes."""
    w = _core_until_vendors().put(0, 16).put(0, 1).put(0, 16).put(0, 1).put(0, 12)
    tc = decode_tc_string(w.text())
    assert tc.consent_language == "EN" and tc.vendor_consents == () and tc.created == "1970-01-01T00:00:00.100Z"


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   ", "empty"),
    ("CPXxRfAPXxRfA!", "outside base64url"),
    ("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA+", "outside base64url"),
    ("CPXxRfA", "truncated"),
    ("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", "TCF v1"),
    ("DPXxRfAPXxRfAAfKABENB", "version 3"),
    ("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA..", "empty segment"),
])
def test_malformed_strings_raise_one_line_value_errors(text: str, reason: str) -> None:
    """Guards the error contract: ValueError with a one-line reason, nothing else."""
    with pytest.raises(ValueError, match=reason) as info:
        decode_tc_string(text)
    assert "\n" not in str(info.value)


def test_malformed_hand_made_strings() -> None:
    """Guards the checks a real encoder never trips: bad ranges, bad letters, odd segments, huge expansions."""
    base = _core_until_vendors()
    backwards = _Writer()
    backwards.bits = base.bits
    backwards.put(100, 16).put(1, 1).put(1, 12).put(1, 1).put(50, 16).put(40, 16)
    with pytest.raises(ValueError, match="ends before it starts"):
        decode_tc_string(backwards.text())
    zero = _Writer()
    zero.bits = base.bits
    zero.put(100, 16).put(1, 1).put(1, 12).put(0, 1).put(0, 16)
    with pytest.raises(ValueError, match="vendor id 0"):
        decode_tc_string(zero.text())
    overlapping = _Writer()
    overlapping.bits = base.bits
    overlapping.put(20, 16).put(1, 1).put(3, 12).put(1, 1).put(5, 16).put(12, 16).put(1, 1).put(1, 16).put(10, 16)
    overlapping.put(0, 1).put(7, 16).put(0, 16).put(0, 1).put(0, 12)
    assert decode_tc_string(overlapping.text()).vendor_consents == tuple(range(1, 13))  # merged, no repeats
    with pytest.raises(ValueError, match="not two letters"):
        decode_tc_string(_core_until_vendors(language=26 * 64).put(0, 16).put(0, 1).text())
    # 4095 publisher restrictions, each naming every vendor id: a 20 kB string that would be 268M ids
    bomb = _Writer()
    bomb.bits = base.bits
    bomb.put(0, 16).put(0, 1).put(0, 16).put(0, 1).put(4095, 12)
    for _ in range(4095):
        bomb.put(2, 6).put(0, 2).put(1, 12).put(1, 1).put(1, 16).put(65535, 16)
    with pytest.raises(ValueError, match="more than 1,000,000 vendor ids"):
        decode_tc_string(bomb.text())
    good = _core_until_vendors().put(0, 16).put(0, 1).put(0, 16).put(0, 1).put(0, 12).text()
    with pytest.raises(ValueError, match="unknown type 4"):
        decode_tc_string(good + ".gAAA")
    with pytest.raises(ValueError, match="two publisher TC segments"):
        decode_tc_string(good + ".YAAAAAAAAAA.YAAAAAAAAAA")
    with pytest.raises(ValueError, match="truncated: the publisher TC segment"):
        decode_tc_string(good + ".YAAA")
    with pytest.raises(ValueError, match="must be text"):
        decode_tc_string(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="longer than"):
        decode_tc_string("C" * (tcf.MAX_TC_STRING_LENGTH + 1))


def test_every_prefix_and_mutation_is_a_value_error_or_a_record(encoded: dict[str, dict[str, Any]]) -> None:
    """Guards against IndexError/KeyError from deep inside: cut and scramble real strings."""
    rng = random.Random(14)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    for result in encoded.values():
        text = result["tcString"]
        variants = [text[:n] for n in range(len(text))]
        for _ in range(60):
            chars = list(text)
            for _ in range(rng.randint(1, 4)):
                chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            variants.append("".join(chars))
        for variant in variants:
            try:
                decode_tc_string(variant)
            except ValueError as exc:
                assert str(exc) and "\n" not in str(exc)
