"""IAB TCF v2 (v2.2) TC strings: the records and the decoder.

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

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

RESTRICTION_TYPES: dict[int, str] = {
    0: "not allowed",
    1: "require consent",
    2: "require legitimate interest",
    3: "undefined",
}

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
