"""What a written cookie notice says, as records: each fact with the sentence it comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cookiescan.models import to_dict

__all__ = ["NO_VENDORS", "Evidence", "LifetimePromise", "Notice", "VendorMention"]

#: The note a notice gets when no vendor in it is recognised (the reports show it as a warning).
NO_VENDORS = "no vendors recognised"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact comes from.

    Attributes:
        sentence: the notice's sentence, trimmed to at most 400 characters around the fact.
        position: the sentence's index in the notice (0-based).
    """

    sentence: str
    position: int


@dataclass(frozen=True, slots=True)
class VendorMention:
    """A vendor the notice names.

    Attributes:
        vendor: known_trackers' canonical vendor name ("Meta" for "Facebook pixel"), or a company name
            ("Google") when the notice names only the company; a company mention covers every vendor
            that company owns.
        matched: the text as written in the notice.
        evidence: the first sentence naming it.
    """

    vendor: str
    matched: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class LifetimePromise:
    """A duration the notice promises.

    Attributes:
        days: the duration in days (a month is 30.44 days).
        text: the promise as written, e.g. ``"ne sont pas conservés plus de 13 mois"``.
        scope: what it limits: ``"cookies"`` (every cookie's lifetime), ``"cookie-data"`` (retention of the
            data collected via cookies: a cookie keeping its identifier longer on the device breaks it too),
            ``"specific"`` (one named cookie or vendor), ``"data"`` (retention of other collected data),
            ``"consent"`` (the visitor's choice), ``"refusal"`` (the refusal choice). Only ``"cookies"``
            and ``"cookie-data"`` judge cookies.
        evidence: the sentence.
    """

    days: float
    text: str
    scope: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Notice:
    """What a written cookie notice says, each fact with its sentence.

    Attributes:
        source: where it was read from (a file path or URL).
        language: ``"fr"``, ``"en"``, ``"de"`` or ``"unknown"``.
        vendors: one mention per vendor or company named, in order of first appearance.
        lifetimes: the duration promises, in order of appearance.
        refusal_cookie: the sentence promising that a refusal / choice cookie is stored, if any.
        categories: the purposes listed (necessary / functional / analytics / marketing), first
            sentence for each.
        notes: what the reader could not do or chose to ignore, e.g. ``"no vendors recognised"``.
    """

    source: str
    language: str
    vendors: tuple[VendorMention, ...] = ()
    lifetimes: tuple[LifetimePromise, ...] = ()
    refusal_cookie: Evidence | None = None
    categories: tuple[tuple[str, Evidence], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def vendor_names(self) -> tuple[str, ...]:
        """The vendors (and companies) named, in order of first appearance."""
        return tuple(m.vendor for m in self.vendors)

    def cookie_promise(self) -> LifetimePromise | None:
        """The shortest promise that limits every cookie, the one ``notice-lifetime-broken`` judges by."""
        return self._shortest("cookies")

    def data_promise(self) -> LifetimePromise | None:
        """The shortest promise about data collected via cookies: ``notice-lifetime-broken`` (low) holds
        the cookies to it when they do not break a cookie-lifetime promise."""
        return self._shortest("cookie-data")

    def _shortest(self, scope: str) -> LifetimePromise | None:
        promises = [p for p in self.lifetimes if p.scope == scope and p.days > 0]
        return min(promises, key=lambda p: (p.days, p.evidence.position)) if promises else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (categories as ``{"category": ..., "evidence": ...}`` objects)."""
        d: dict[str, Any] = to_dict(self)
        d["categories"] = [{"category": c, "evidence": to_dict(e)} for c, e in self.categories]
        cp = self.cookie_promise()
        d["cookie_promise_days"] = None if cp is None else round(cp.days, 3)
        dp = self.data_promise()
        d["data_promise_days"] = None if dp is None else round(dp.days, 3)
        return d
