"""IAB TCF v2 (v2.2) TC strings: decode them, and read what ``__tcfapi('getTCData')`` reported.

The format is IAB Tech Lab's "Consent string and vendor list formats v2": dot-separated segments, each
base64url without padding (6 bits a character, most significant bit first). The core segment has no
segment type (its first 6 bits are the version, 2); every other segment starts with a 3-bit type:
1 disclosed vendors, 2 allowed vendors (out-of-band, gone from TCF v2.2 but still decoded), 3 publisher TC.

A vendor section is ``MaxVendorId`` (16 bits), ``IsRangeEncoding`` (1 bit), then either a bitfield of
``MaxVendorId`` bits or ``NumEntries`` (12 bits) range entries (``IsARange`` 1 bit, a 16-bit id and, for a
range, a 16-bit end id). Publisher restrictions are ``NumPubRestrictions`` (12 bits) of (purpose 6 bits,
restriction type 2 bits, range entries as above).

Everything here reads a string a website chose: a malformed one raises :class:`ValueError` with a one-line
reason, and the decoder bounds what it expands (see :data:`MAX_VENDOR_IDS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

__all__ = [
    "MAX_TC_STRING_LENGTH",
    "MAX_VENDOR_IDS",
    "PURPOSE_NAMES",
    "RESTRICTION_TYPES",
    "SPECIAL_FEATURE_NAMES",
    "PublisherRestriction",
    "PublisherTC",
    "TCData",
    "TCString",
    "decode_tc_string",
    "forbidden_li_purposes",
    "granted_purposes",
    "granted_vendors",
    "li_purposes",
    "li_vendors",
    "tc_data_from_api",
    "tracking_purposes_under_li",
]

# TCF v2.2 policy, Appendix A, short names.
PURPOSE_NAMES: dict[int, str] = {
    1: "Store and/or access information on a device",
    2: "Use limited data to select advertising",
    3: "Create profiles for personalised advertising",
    4: "Use profiles to select personalised advertising",
    5: "Create profiles to personalise content",
    6: "Use profiles to select personalised content",
    7: "Measure advertising performance",
    8: "Measure content performance",
    9: "Understand audiences through statistics or combinations of data from different sources",
    10: "Develop and improve services",
    11: "Use limited data to select content",
}
SPECIAL_FEATURE_NAMES: dict[int, str] = {
    1: "Use precise geolocation data",
    2: "Actively scan device characteristics for identification",
}
RESTRICTION_TYPES: dict[int, str] = {
    0: "not allowed",
    1: "require consent",
    2: "require legitimate interest",
    3: "undefined",
}

# Purposes that profile or target people; legitimate interest for them is what regulators object to.
TRACKING_PURPOSES = frozenset(range(2, 11))
# TCF v2.2 (policy version 4) allows only consent for purposes 3-6; purpose 1 never had a LI basis.
LI_FORBIDDEN_V22 = frozenset({1, 3, 4, 5, 6})

MAX_TC_STRING_LENGTH = 100_000
"""Longer input is refused outright (real strings with thousands of vendors stay well under 10 kB)."""
MAX_VENDOR_IDS = 1_000_000
"""Range entries can name 65,535 vendors in 33 bits; a string that expands past this many ids is refused."""

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64URL_INDEX = {c: i for i, c in enumerate(_B64URL)}
_SEGMENT_NAMES = {0: "core", 1: "disclosed vendors", 2: "allowed vendors", 3: "publisher TC"}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# -- records ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PublisherRestriction:
    """One publisher restriction: for ``purpose_id``, these vendors are restricted as ``restriction_type``.

    ``restriction_type`` is 0 (purpose not allowed), 1 (require consent), 2 (require legitimate interest)
    or 3 (undefined by the spec, kept as read).
    """

    purpose_id: int
    restriction_type: int
    vendor_ids: tuple[int, ...]

    @property
    def restriction(self) -> str:
        """The restriction type in words."""
        return RESTRICTION_TYPES.get(self.restriction_type, "undefined")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "purpose_id": self.purpose_id,
            "restriction_type": self.restriction_type,
            "restriction": self.restriction,
            "vendor_ids": list(self.vendor_ids),
        }


@dataclass(frozen=True, slots=True)
class PublisherTC:
    """The optional publisher TC segment: the publisher's own purposes and its custom purposes."""

    purposes_consent: tuple[int, ...]
    purposes_li: tuple[int, ...]
    num_custom_purposes: int
    custom_purposes_consent: tuple[int, ...]
    custom_purposes_li: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "purposes_consent": list(self.purposes_consent),
            "purposes_li": list(self.purposes_li),
            "num_custom_purposes": self.num_custom_purposes,
            "custom_purposes_consent": list(self.custom_purposes_consent),
            "custom_purposes_li": list(self.custom_purposes_li),
        }


@dataclass(frozen=True, slots=True)
class TCString:
    """A decoded TC string. Id lists are sorted tuples; times are ISO 8601 UTC strings (0.1 s precision).

    ``vendor_consents_encoding`` / ``vendor_li_encoding`` say how the section was written ("bitfield" or
    "range"); ``disclosed_vendors``, ``allowed_vendors`` and ``publisher_tc`` are ``None`` when the string
    has no such segment.
    """

    raw: str
    version: int
    created: str
    last_updated: str
    cmp_id: int
    cmp_version: int
    consent_screen: int
    consent_language: str
    vendor_list_version: int
    tcf_policy_version: int
    is_service_specific: bool
    use_non_standard_texts: bool
    special_feature_optins: tuple[int, ...]
    purposes_consent: tuple[int, ...]
    purposes_li: tuple[int, ...]
    purpose_one_treatment: bool
    publisher_cc: str
    vendor_consents: tuple[int, ...]
    vendor_li: tuple[int, ...]
    vendor_consents_encoding: str
    vendor_li_encoding: str
    publisher_restrictions: tuple[PublisherRestriction, ...]
    disclosed_vendors: tuple[int, ...] | None = None
    allowed_vendors: tuple[int, ...] | None = None
    publisher_tc: PublisherTC | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists, nested records dicts)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = [v.to_dict() if isinstance(v, PublisherRestriction) else v for v in value]
            elif isinstance(value, PublisherTC):
                value = value.to_dict()
            out[name] = value
        return out


# -- bit reading -----------------------------------------------------------------------------------------
class _Bits:
    """Reads big-endian unsigned fields from one base64url segment; running out is a ValueError."""

    __slots__ = ("pos", "segment", "size", "value")

    def __init__(self, text: str, segment: str) -> None:
        value = 0
        for ch in text:
            index = _B64URL_INDEX.get(ch)
            if index is None:
                raise ValueError(f"TC string has a character outside base64url: {ch!r}")
            value = (value << 6) | index
        self.value = value
        self.size = 6 * len(text)
        self.pos = 0
        self.segment = segment

    def read(self, bits: int, what: str) -> int:
        if self.pos + bits > self.size:
            raise ValueError(f"TC string is truncated: the {self.segment} segment ends inside {what}")
        shift = self.size - self.pos - bits
        self.pos += bits
        return (self.value >> shift) & ((1 << bits) - 1)

    def flag(self, what: str) -> bool:
        return self.read(1, what) == 1

    def bitfield(self, bits: int, what: str) -> tuple[int, ...]:
        """The 1-based positions of the set bits in the next ``bits`` bits."""
        if bits == 0:
            return ()
        chunk = self.read(bits, what)
        text = format(chunk, f"0{bits}b")
        return tuple(i + 1 for i, c in enumerate(text) if c == "1")


class _Budget:
    """Counts expanded vendor ids so a hostile string cannot make us build millions of them."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_VENDOR_IDS

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ValueError(f"TC string names more than {MAX_VENDOR_IDS:,} vendor ids")


def _ranges(bits: _Bits, what: str, budget: _Budget) -> tuple[int, ...]:
    """``NumEntries`` range entries -> the sorted ids they name (overlaps merged before expanding)."""
    count = bits.read(12, f"{what} (number of entries)")
    spans: list[tuple[int, int]] = []
    for _ in range(count):
        is_range = bits.flag(f"{what} (range entry)")
        start = bits.read(16, f"{what} (vendor id)")
        end = bits.read(16, f"{what} (end vendor id)") if is_range else start
        if start == 0:
            raise ValueError(f"TC string has vendor id 0 in {what}")
        if end < start:
            raise ValueError(f"TC string has a range {start}-{end} that ends before it starts in {what}")
        spans.append((start, end))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    budget.spend(sum(end - start + 1 for start, end in merged))
    return tuple(i for start, end in merged for i in range(start, end + 1))


def _vendor_section(bits: _Bits, what: str, budget: _Budget) -> tuple[tuple[int, ...], str]:
    max_id = bits.read(16, f"{what} (max vendor id)")
    if bits.flag(f"{what} (encoding type)"):
        return _ranges(bits, what, budget), "range"
    budget.spend(max_id)
    return bits.bitfield(max_id, what), "bitfield"


def _letters(value: int, what: str) -> str:
    first, second = value >> 6, value & 0x3F
    if first > 25 or second > 25:
        raise ValueError(f"TC string has a {what} that is not two letters A-Z")
    return chr(65 + first) + chr(65 + second)


def _timestamp(deciseconds: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=deciseconds * 100)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- decoding --------------------------------------------------------------------------------------------
def decode_tc_string(tc_string: str) -> TCString:
    """Decode an IAB TCF v2 TC string (core segment plus any optional segments).

    Raises ``ValueError`` with a one-line reason for anything that is not a well-formed v2 string.

    >>> decode_tc_string("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA").version
    2
    """
    if not isinstance(tc_string, str):
        raise ValueError(f"TC string must be text, not {type(tc_string).__name__}")
    text = tc_string.strip()
    if not text:
        raise ValueError("TC string is empty")
    if len(text) > MAX_TC_STRING_LENGTH:
        raise ValueError(f"TC string is longer than {MAX_TC_STRING_LENGTH:,} characters")
    parts = text.split(".")
    if any(not p.rstrip("=") for p in parts):
        raise ValueError("TC string has an empty segment")
    budget = _Budget()
    core = _Bits(parts[0].rstrip("="), "core")
    version = core.read(6, "the version")
    if version != 2:
        if version == 1:
            raise ValueError("TC string is TCF v1 (version 1); only v2 strings are decoded")
        raise ValueError(f"TC string has version {version}, expected 2 (does it start with the core segment?)")
    created = core.read(36, "the created time")
    last_updated = core.read(36, "the last-updated time")
    cmp_id = core.read(12, "the CMP id")
    cmp_version = core.read(12, "the CMP version")
    consent_screen = core.read(6, "the consent screen")
    consent_language = _letters(core.read(12, "the consent language"), "consent language")
    vendor_list_version = core.read(12, "the vendor list version")
    tcf_policy_version = core.read(6, "the TCF policy version")
    is_service_specific = core.flag("isServiceSpecific")
    use_non_standard_texts = core.flag("useNonStandardTexts")
    special_features = core.bitfield(12, "the special feature opt-ins")
    purposes_consent = core.bitfield(24, "the purpose consents")
    purposes_li = core.bitfield(24, "the purpose legitimate interests")
    purpose_one_treatment = core.flag("purposeOneTreatment")
    publisher_cc = _letters(core.read(12, "the publisher country code"), "publisher country code")
    vendor_consents, consents_encoding = _vendor_section(core, "vendor consents", budget)
    vendor_li, li_encoding = _vendor_section(core, "vendor legitimate interests", budget)
    restrictions: list[PublisherRestriction] = []
    for _ in range(core.read(12, "the number of publisher restrictions")):
        purpose_id = core.read(6, "a publisher restriction's purpose")
        restriction_type = core.read(2, "a publisher restriction's type")
        vendors = _ranges(core, "publisher restrictions", budget)
        restrictions.append(PublisherRestriction(purpose_id, restriction_type, vendors))

    optional: dict[int, Any] = {}
    for part in parts[1:]:
        probe = _Bits(part.rstrip("=")[:1], "optional")
        seg_type = probe.read(3, "the segment type")
        name = _SEGMENT_NAMES.get(seg_type)
        if seg_type == 0 or name is None:
            raise ValueError(f"TC string has an optional segment of unknown type {seg_type}")
        if seg_type in optional:
            raise ValueError(f"TC string has two {name} segments")
        bits = _Bits(part.rstrip("="), name)
        bits.read(3, "the segment type")
        if seg_type in (1, 2):
            optional[seg_type] = _vendor_section(bits, f"{name}", budget)[0]
        else:
            pub_consent = bits.bitfield(24, "the publisher purpose consents")
            pub_li = bits.bitfield(24, "the publisher purpose legitimate interests")
            num_custom = bits.read(6, "the number of custom purposes")
            optional[3] = PublisherTC(
                purposes_consent=pub_consent,
                purposes_li=pub_li,
                num_custom_purposes=num_custom,
                custom_purposes_consent=bits.bitfield(num_custom, "the custom purpose consents"),
                custom_purposes_li=bits.bitfield(num_custom, "the custom purpose legitimate interests"),
            )

    return TCString(
        raw=text,
        version=version,
        created=_timestamp(created),
        last_updated=_timestamp(last_updated),
        cmp_id=cmp_id,
        cmp_version=cmp_version,
        consent_screen=consent_screen,
        consent_language=consent_language,
        vendor_list_version=vendor_list_version,
        tcf_policy_version=tcf_policy_version,
        is_service_specific=is_service_specific,
        use_non_standard_texts=use_non_standard_texts,
        special_feature_optins=special_features,
        purposes_consent=purposes_consent,
        purposes_li=purposes_li,
        purpose_one_treatment=purpose_one_treatment,
        publisher_cc=publisher_cc,
        vendor_consents=vendor_consents,
        vendor_li=vendor_li,
        vendor_consents_encoding=consents_encoding,
        vendor_li_encoding=li_encoding,
        publisher_restrictions=tuple(restrictions),
        disclosed_vendors=optional.get(1),
        allowed_vendors=optional.get(2),
        publisher_tc=optional.get(3),
    )


# -- what __tcfapi('getTCData') said -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TCData:
    """What a page's CMP reported through ``__tcfapi('getTCData')``, with its TC string decoded.

    The consent fields (``purposes_consent`` … ``publisher_restrictions``) come from the decoded
    ``tcString`` when it decodes, otherwise from the API's own objects (``source`` says which).
    ``api_disagrees`` maps a field name to what the API said when that differs from the string, and
    ``decode_error`` holds the one-line reason when a ``tcString`` was given but did not decode.
    """

    gdpr_applies: bool | None
    cmp_id: int | None
    cmp_version: int | None
    tcf_policy_version: int | None
    event_status: str | None
    cmp_status: str | None
    tc_string: str | None
    decoded: TCString | None
    source: str  # "tcString" or "api"
    is_service_specific: bool | None
    use_non_standard_texts: bool | None
    purpose_one_treatment: bool | None
    publisher_cc: str | None
    special_feature_optins: tuple[int, ...]
    purposes_consent: tuple[int, ...]
    purposes_li: tuple[int, ...]
    vendor_consents: tuple[int, ...]
    vendor_li: tuple[int, ...]
    publisher_restrictions: tuple[PublisherRestriction, ...]
    api_disagrees: dict[str, Any] = field(default_factory=dict)
    decode_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``decoded`` as :meth:`TCString.to_dict`)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, TCString):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = [v.to_dict() if isinstance(v, PublisherRestriction) else v for v in value]
            elif isinstance(value, dict):
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            out[name] = value
        return out


def _true_ids(obj: object) -> tuple[int, ...] | None:
    """``{"1": true, "2": false}`` (or a list of ids) -> the sorted ids set to true; None if absent/odd."""
    if isinstance(obj, Mapping):
        ids = []
        for key, value in obj.items():
            try:
                n = int(key)
            except (TypeError, ValueError):
                continue
            if value is True and n > 0:
                ids.append(n)
        return tuple(sorted(set(ids)))
    if isinstance(obj, (list, tuple)):
        return tuple(sorted({n for n in obj if isinstance(n, int) and not isinstance(n, bool) and n > 0}))
    return None


def _restrictions_from_api(obj: object) -> tuple[PublisherRestriction, ...] | None:
    """``publisher.restrictions`` (``{purposeId: {vendorId: type}}``) -> restriction records."""
    if not isinstance(obj, Mapping):
        return None
    groups: dict[tuple[int, int], set[int]] = {}
    for purpose, vendors in obj.items():
        if not isinstance(vendors, Mapping):
            continue
        for vendor, kind in vendors.items():
            try:
                p, v = int(purpose), int(vendor)
            except (TypeError, ValueError):
                continue
            if isinstance(kind, int) and not isinstance(kind, bool) and 0 <= kind <= 3 and v > 0:
                groups.setdefault((p, kind), set()).add(v)
    return tuple(PublisherRestriction(p, k, tuple(sorted(vs))) for (p, k), vs in sorted(groups.items()))


def _mapping(value: object) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool_or_none(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _restriction_map(rs: Iterable[PublisherRestriction]) -> set[tuple[int, int, int]]:
    return {(r.purpose_id, r.restriction_type, v) for r in rs for v in r.vendor_ids}


def tc_data_from_api(data: Mapping[str, Any]) -> TCData:
    """Build a :class:`TCData` from the object ``__tcfapi('getTCData', 2, cb)`` passed to ``cb``.

    The ``tcString`` is decoded and preferred; the API's ``purpose``/``vendor``/``specialFeatureOptins``/
    ``publisher.restrictions`` objects fill in when there is no decodable string, and are kept in
    ``api_disagrees`` when they say something else. Vendor maps compare only on the vendors the API
    listed (a CMP may answer for a subset). Raises ``ValueError`` if ``data`` is not a mapping.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"getTCData result must be an object, not {type(data).__name__}")
    raw = data.get("tcString")
    tc_string = raw if isinstance(raw, str) and raw.strip() else None
    decoded: TCString | None = None
    error: str | None = None
    if tc_string is not None:
        try:
            decoded = decode_tc_string(tc_string)
        except ValueError as exc:
            error = str(exc)

    purpose, vendor, publisher = (_mapping(data.get(k)) for k in ("purpose", "vendor", "publisher"))
    api: dict[str, Any] = {
        "cmp_id": _int_or_none(data.get("cmpId")),
        "cmp_version": _int_or_none(data.get("cmpVersion")),
        "tcf_policy_version": _int_or_none(data.get("tcfPolicyVersion")),
        "is_service_specific": _bool_or_none(data.get("isServiceSpecific")),
        # TCF v2.2 renamed useNonStandardStacks to useNonStandardTexts; CMPs send either
        "use_non_standard_texts": _bool_or_none(
            data.get("useNonStandardTexts", data.get("useNonStandardStacks"))),
        "purpose_one_treatment": _bool_or_none(data.get("purposeOneTreatment")),
        "publisher_cc": _str_or_none(data.get("publisherCC")),
        "special_feature_optins": _true_ids(data.get("specialFeatureOptins")),
        "purposes_consent": _true_ids(purpose.get("consents")),
        "purposes_li": _true_ids(purpose.get("legitimateInterests")),
        "vendor_consents": _true_ids(vendor.get("consents")),
        "vendor_li": _true_ids(vendor.get("legitimateInterests")),
        "publisher_restrictions": _restrictions_from_api(publisher.get("restrictions")),
    }
    listed_vendors = {
        key: {int(k) for k in obj if str(k).isdigit()} if isinstance(obj, Mapping) else None
        for key, obj in (("vendor_consents", vendor.get("consents")), ("vendor_li", vendor.get("legitimateInterests")))
    }

    disagrees: dict[str, Any] = {}
    effective: dict[str, Any] = {}
    for name, said in api.items():
        if decoded is None:
            effective[name] = said
            continue
        mine = getattr(decoded, name)
        effective[name] = mine
        if said is None:
            continue
        scope = listed_vendors.get(name)
        if scope is not None:
            differs = {v for v in mine if v in scope} != set(said)
        elif name == "publisher_restrictions":
            differs = _restriction_map(mine) != _restriction_map(said)
        else:
            differs = mine != said
        if differs:
            disagrees[name] = said

    def ids(name: str) -> tuple[int, ...]:
        return effective[name] or ()

    return TCData(
        gdpr_applies=_bool_or_none(data.get("gdprApplies")),
        cmp_id=effective["cmp_id"],
        cmp_version=effective["cmp_version"],
        tcf_policy_version=effective["tcf_policy_version"],
        event_status=_str_or_none(data.get("eventStatus")),
        cmp_status=_str_or_none(data.get("cmpStatus")),
        tc_string=tc_string,
        decoded=decoded,
        source="tcString" if decoded is not None else "api",
        is_service_specific=effective["is_service_specific"],
        use_non_standard_texts=effective["use_non_standard_texts"],
        purpose_one_treatment=effective["purpose_one_treatment"],
        publisher_cc=effective["publisher_cc"],
        special_feature_optins=ids("special_feature_optins"),
        purposes_consent=ids("purposes_consent"),
        purposes_li=ids("purposes_li"),
        vendor_consents=ids("vendor_consents"),
        vendor_li=ids("vendor_li"),
        publisher_restrictions=effective["publisher_restrictions"] or (),
        api_disagrees=disagrees,
        decode_error=error,
    )


# -- what the rules ask ------------------------------------------------------------------------------------
class HasTCSignals(Protocol):
    """Either a :class:`TCString` or a :class:`TCData`."""

    @property
    def purposes_consent(self) -> tuple[int, ...]: ...
    @property
    def purposes_li(self) -> tuple[int, ...]: ...
    @property
    def vendor_consents(self) -> tuple[int, ...]: ...
    @property
    def vendor_li(self) -> tuple[int, ...]: ...
    @property
    def tcf_policy_version(self) -> int | None: ...


def granted_purposes(tc: HasTCSignals) -> tuple[int, ...]:
    """Purposes the user consented to."""
    return tuple(tc.purposes_consent)


def granted_vendors(tc: HasTCSignals) -> tuple[int, ...]:
    """Vendors the user consented to."""
    return tuple(tc.vendor_consents)


def li_purposes(tc: HasTCSignals) -> tuple[int, ...]:
    """Purposes the CMP signals as established under legitimate interest (no objection recorded)."""
    return tuple(tc.purposes_li)


def li_vendors(tc: HasTCSignals) -> tuple[int, ...]:
    """Vendors whose legitimate interest the CMP signals as established."""
    return tuple(tc.vendor_li)


def tracking_purposes_under_li(tc: HasTCSignals) -> tuple[int, ...]:
    """Purposes 2-10 (advertising, profiling, measurement, product development) claimed under LI."""
    return tuple(p for p in tc.purposes_li if p in TRACKING_PURPOSES)


def forbidden_li_purposes(tc: HasTCSignals) -> tuple[int, ...]:
    """LI purposes the policy does not allow: 1 always; 3-6 from TCF v2.2 (policy version 4) on."""
    version = tc.tcf_policy_version or 0
    forbidden = LI_FORBIDDEN_V22 if version >= 4 else frozenset({1})
    return tuple(p for p in tc.purposes_li if p in forbidden)
