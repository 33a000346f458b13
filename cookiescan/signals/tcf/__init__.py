"""IAB TCF v2 (v2.2) TC strings: decode them, and read what ``__tcfapi('getTCData')`` reported.

    tc_string  the TC-string format: PublisherRestriction / PublisherTC / TCString records, decode_tc_string
    api        TCData and tc_data_from_api: the getTCData object, its string decoded, disagreements kept
    policy     purpose names and what the rules ask (granted_purposes, forbidden_li_purposes, …) of either

Every public name is importable from here (``from cookiescan.signals.tcf import decode_tc_string``).
"""

from cookiescan.signals.tcf.api import TCData, tc_data_from_api
from cookiescan.signals.tcf.policy import (
    LI_FORBIDDEN_V22,
    PURPOSE_NAMES,
    SPECIAL_FEATURE_NAMES,
    TRACKING_PURPOSES,
    HasTCSignals,
    forbidden_li_purposes,
    granted_purposes,
    granted_vendors,
    li_purposes,
    li_vendors,
    tracking_purposes_under_li,
)
from cookiescan.signals.tcf.tc_string import (
    MAX_TC_STRING_LENGTH,
    MAX_VENDOR_IDS,
    RESTRICTION_TYPES,
    PublisherRestriction,
    PublisherTC,
    TCString,
    decode_tc_string,
)

__all__ = [
    "LI_FORBIDDEN_V22",
    "MAX_TC_STRING_LENGTH",
    "MAX_VENDOR_IDS",
    "PURPOSE_NAMES",
    "RESTRICTION_TYPES",
    "SPECIAL_FEATURE_NAMES",
    "TRACKING_PURPOSES",
    "HasTCSignals",
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
