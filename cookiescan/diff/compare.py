"""Compare two scans of a site and say what is new: the ``cookiescan diff`` / ``--baseline`` engine.

CI users run cookiescan after each deploy and want to fail the build on *new* problems only, so the
comparison keeps to identities and meaningful fields and ignores everything that changes from one
visit to the next.

What is compared (and only in the consent states both scans ran):

``cookie``  identity ``state|name|site|path``. Cookies that share an identity (a host-only and a
            domain cookie of the same name) are merged: the longest lifetimes, ``declared`` only if
            all are. *Changed* when ``party``, ``vendor``, ``category`` or ``declared`` differ, or a
            lifetime (``requested_lifetime_days``, ``stored_lifetime_days``) moves by more than
            :data:`LIFETIME_TOLERANCE_DAYS` and more than :data:`LIFETIME_TOLERANCE_RATIO` of the
            longer one, or turns from session to persistent (or back).
``tracker`` every third-party registrable domain contacted, identity ``state|site``. *Changed* when
            ``vendor``, ``category`` or ``sets_cookies`` differ.
``finding`` identity ``rule|scenario|subject``; ignored findings (``Finding.ignored``) are left out
            on both sides, so a finding whose ignore entry expires shows up as added. *Changed* when
            the severity differs (the highest one wins when several findings share an identity).

Never compared: cookie values and lengths, stored expiry dates, timestamps, page lists and their
order, first-seen pages, script URLs, hosts, request counts, resource types, durations, settle
times, banner screenshots, messages and evidence of findings. Those are still shown in a change's
``before``/``after`` records where they help a reader find the cookie.

Two scans of different sites, of different consent states, with different configurations or an
interrupted scan still give a diff, with a line in ``warnings`` saying why it may mislead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cookiescan.diff.records import KINDS, WHATS, Change, DiffResult
from cookiescan.errors import UsageError
from cookiescan.models import (
    SEVERITIES,
    STATES,
    Cookie,
    Finding,
    ScanResult,
    ThirdParty,
    active,
    severity_at_least,
    severity_rank,
)

FAIL_ON_NEW = ("low", "medium", "high", "never")
LIFETIME_TOLERANCE_DAYS = 1.0
LIFETIME_TOLERANCE_RATIO = 0.01

COOKIE_FIELDS = ("party", "vendor", "category", "declared", "requested_lifetime_days", "stored_lifetime_days")
TRACKER_FIELDS = ("vendor", "category", "sets_cookies")
FINDING_FIELDS = ("severity",)
LIFETIME_FIELDS = ("requested_lifetime_days", "stored_lifetime_days")


def _meta(result: ScanResult) -> dict[str, Any]:
    return {
        "site": result.site,
        "started_at": result.started_at,
        "tool_version": result.tool.version if result.tool else None,
        "config_hash": result.config_hash,
        "title": result.title,
        "states": sorted(result.states, key=_state_order),
        "pages": result.pages_scanned,
    }


def _state_order(state: str | None) -> tuple[int, str]:
    return (STATES.index(state), "") if state in STATES else (len(STATES), state or "")


def _longest(values: Sequence[float | None]) -> float | None:
    numbers = [v for v in values if v is not None]
    return max(numbers) if numbers else None


def _cookie_record(cookies: Sequence[Cookie]) -> dict[str, Any]:
    cs = sorted(cookies, key=lambda c: (c.domain, c.vendor or "", c.category))
    first = cs[0]
    return {
        "name": first.name,
        "site": first.site,
        "path": first.path,
        "party": "third" if any(c.party == "third" for c in cs) else first.party,
        "vendor": next((c.vendor for c in cs if c.vendor), None),
        "category": next((c.category for c in cs if c.category != "unknown"), first.category),
        "declared": all(c.declared for c in cs),
        "requested_lifetime_days": _longest([c.requested_lifetime_days for c in cs]),
        "stored_lifetime_days": _longest([c.stored_lifetime_days for c in cs]),
        # context only, never compared
        "domains": sorted({c.domain for c in cs}),
        "set_by": next((c.set_by for c in cs if c.set_by), None),
        "first_seen_page": first.first_seen_page,
    }


def _tracker_record(tps: Sequence[ThirdParty]) -> dict[str, Any]:
    first = sorted(tps, key=lambda t: (t.vendor or "", t.category))[0]
    return {
        "site": first.site,
        "vendor": next((t.vendor for t in tps if t.vendor), None),
        "category": next((t.category for t in tps if t.category != "unknown"), first.category),
        "sets_cookies": any(t.sets_cookies for t in tps),
        "hosts": sorted({h for t in tps for h in t.hosts}),  # context only
    }


def _finding_record(findings: Sequence[Finding]) -> dict[str, Any]:
    worst = sorted(findings, key=lambda f: (-severity_rank(f.severity), f.message))[0]
    return {
        "rule": worst.rule,
        "severity": worst.severity,
        "scenario": worst.scenario,
        "subject": worst.subject,
        "message": worst.message,  # context only
    }


def _lifetime_differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > max(LIFETIME_TOLERANCE_DAYS, LIFETIME_TOLERANCE_RATIO * max(abs(a), abs(b)))


def _differing(before: dict[str, Any], after: dict[str, Any], fields: Sequence[str]) -> tuple[str, ...]:
    out = []
    for name in fields:
        a, b = before.get(name), after.get(name)
        if name in LIFETIME_FIELDS:
            if _lifetime_differs(a, b):
                out.append(name)
        elif a != b:
            out.append(name)
    return tuple(out)


def _group(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _compare(
    what: str,
    old: dict[str, dict[str, Any]],
    new: dict[str, dict[str, Any]],
    fields: Sequence[str],
    state_of: Callable[[dict[str, Any]], str | None],
) -> list[Change]:
    changes: list[Change] = []
    severity_of: Callable[[dict[str, Any]], str | None] = (
        (lambda r: r.get("severity")) if what == "finding" else (lambda r: None)
    )
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            changes.append(Change("added", what, key, state_of(b), severity_of(b), None, b))
        elif b is None and a is not None:
            changes.append(Change("removed", what, key, state_of(a), severity_of(a), a, None))
        elif a is not None and b is not None:
            differing = _differing(a, b, fields)
            if differing:
                changes.append(Change("changed", what, key, state_of(b), severity_of(b), a, b, differing))
    return changes


def _cookies(result: ScanResult, states: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for state in states:
        groups = _group(result.states[state].cookies, lambda c: f"{c.name}|{c.site}|{c.path}")
        for key, cookies in groups.items():
            out[f"{state}|{key}"] = {"state": state, **_cookie_record(cookies)}
    return out


def _trackers(result: ScanResult, states: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for state in states:
        for site, tps in _group(result.states[state].third_parties, lambda t: t.site).items():
            out[f"{state}|{site}"] = {"state": state, **_tracker_record(tps)}
    return out


def _findings(result: ScanResult, states: Sequence[str]) -> dict[str, dict[str, Any]]:
    # a finding about a state only one scan ran would look new (or gone) for no reason
    compared = [f for f in active(result.findings) if f.scenario in states or f.scenario not in result.states]
    groups = _group(compared, lambda f: f"{f.rule}|{f.scenario}|{f.subject}")
    return {key: _finding_record(fs) for key, fs in groups.items()}


def _sort_key(change: Change) -> tuple[Any, ...]:
    severity = -severity_rank(change.severity or "") if change.what == "finding" else 0
    return (WHATS.index(change.what), severity, _state_order(change.state), KINDS.index(change.kind), change.key)


def _warnings(old: ScanResult, new: ScanResult, states: Sequence[str]) -> list[str]:
    warnings = []
    if old.site != new.site:
        warnings.append(f"the scans are of different sites ({old.site} and {new.site}): most changes will be noise")
    only = sorted(set(old.states) ^ set(new.states), key=_state_order)
    if only:
        warnings.append(
            f"consent state(s) {', '.join(only)} scanned in only one of the scans; compared only "
            f"{', '.join(states) or 'nothing'}"
        )
    if old.schema_version.split(".")[0] != new.schema_version.split(".")[0]:
        warnings.append(f"schema versions differ ({old.schema_version} and {new.schema_version})")
    if old.config_hash and new.config_hash and old.config_hash != new.config_hash:
        warnings.append("the scans used different configurations (config hash differs)")
    for label, result in (("old", old), ("new", new)):
        if result.interrupted:
            warnings.append(f"the {label} scan was interrupted: it may have missed cookies the other scan saw")
    if new.pages_scanned < old.pages_scanned:
        warnings.append(
            f"the new scan visited fewer pages ({new.pages_scanned} against {old.pages_scanned}): "
            "removed items may just not have been reached"
        )
    return warnings


def diff_results(old: ScanResult, new: ScanResult) -> DiffResult:
    """Compare two scans (see the module docstring for what counts as a change).

    Example::

        d = diff_results(load_result("baseline.json"), result)
        if should_fail(d, "medium"): ...
    """
    states = sorted(set(old.states) & set(new.states), key=_state_order)
    changes = [
        *_compare("cookie", _cookies(old, states), _cookies(new, states), COOKIE_FIELDS, lambda r: r["state"]),
        *_compare("tracker", _trackers(old, states), _trackers(new, states), TRACKER_FIELDS, lambda r: r["state"]),
        *_compare(
            "finding",
            _findings(old, states),
            _findings(new, states),
            FINDING_FIELDS,
            lambda r: r["scenario"] if r["scenario"] in STATES else None,
        ),
    ]
    return DiffResult(
        old=_meta(old),
        new=_meta(new),
        changes=tuple(sorted(changes, key=_sort_key)),
        warnings=tuple(_warnings(old, new, states)),
    )


def gating_findings(diff: DiffResult, fail_on_new: str) -> tuple[Change, ...]:
    """The added or escalated findings at or above ``fail_on_new`` (nothing for ``never``)."""
    if fail_on_new not in FAIL_ON_NEW:
        raise UsageError(f"--fail-on-new must be one of {', '.join(FAIL_ON_NEW)}, not {fail_on_new!r}")
    if fail_on_new == "never":
        return ()
    return tuple(
        c for c in diff.new_findings() + diff.escalated_findings()
        if c.severity in SEVERITIES and severity_at_least(c.severity, fail_on_new)
    )


def should_fail(diff: DiffResult, fail_on_new: str) -> bool:
    """True when the new scan has a finding at or above ``fail_on_new`` (low|medium|high|never) that
    the old one did not have, or had at a lower severity. Ignored findings never fail."""
    return bool(gating_findings(diff, fail_on_new))
