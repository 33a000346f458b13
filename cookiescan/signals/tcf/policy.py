"""What TCF v2.2 policy says about the purposes, and the questions the rules ask of a TC string or a
``getTCData`` result: which purposes and vendors are granted, which are claimed under legitimate interest,
and which of those claims the policy forbids.
"""

from __future__ import annotations

from typing import Protocol

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
# Purposes that profile or target people; legitimate interest for them is what regulators object to.
TRACKING_PURPOSES = frozenset(range(2, 11))
# TCF v2.2 (policy version 4) allows only consent for purposes 3-6; purpose 1 never had a LI basis.
LI_FORBIDDEN_V22 = frozenset({1, 3, 4, 5, 6})


# -- what the rules ask ------------------------------------------------------------------------------------
class HasTCSignals(Protocol):
    """Either a :class:`~cookiescan.signals.tcf.tc_string.TCString` or a
    :class:`~cookiescan.signals.tcf.api.TCData`."""

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
