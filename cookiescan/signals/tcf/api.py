"""What a page's CMP reported through ``__tcfapi('getTCData')``: the API object read defensively (a website
wrote it), its TC string decoded and preferred, and every field where the API and the string disagree kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cookiescan.signals.tcf.tc_string import PublisherRestriction, TCString, decode_tc_string


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
