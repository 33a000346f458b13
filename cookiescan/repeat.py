"""``--repeat N``: N independent audits of one site merged into one result. A site that loads a tracker on
some visits only (A/B tests, ad rotation, sampling) shows it in some runs and not others; the merged result
keeps everything any run saw, and each cookie, storage key, third party and finding says in how many of the
N runs it was seen (``seen_in``), so the report can mark the flaky ones and ``--min-seen K`` can keep them
out of the exit-code gate."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from cookiescan.models import Cookie, Finding, ScanResult, StateResult, StorageItem, ThirdParty, severity_rank

T = TypeVar("T")


def _union(runs: Sequence[Sequence[T]], key: Callable[[T], Hashable]) -> list[T]:
    """Every distinct item of the runs (the first run's record for each), with ``seen_in`` set."""
    first: dict[Hashable, T] = {}
    counts: dict[Hashable, int] = {}
    for items in runs:
        for k in dict.fromkeys(key(item) for item in items):
            counts[k] = counts.get(k, 0) + 1
        for item in items:
            first.setdefault(key(item), item)
    return [replace(item, seen_in=counts[k]) for k, item in first.items()]  # type: ignore[type-var]


def _cookie_key(c: Cookie) -> Hashable:
    return c.name, c.domain.lstrip("."), c.path


def _storage_key(s: StorageItem) -> Hashable:
    return s.kind, s.origin, s.key


def _tp_key(t: ThirdParty) -> Hashable:
    return t.site


def _finding_key(f: Finding) -> Hashable:
    return f.rule, f.scenario, f.subject


def _merge_state(states: Sequence[StateResult]) -> StateResult:
    first = states[0]
    seen_pages = {p.url for p in first.pages}
    pages = list(first.pages) + [p for st in states[1:] for p in st.pages if p.url not in seen_pages]
    frames: dict[str, Any] = {}
    for st in states:
        for fr in st.frames:
            frames.setdefault(fr.url, fr)
    return replace(
        first, pages=tuple(dict((p.url, p) for p in pages).values()),
        cookies=tuple(_union([st.cookies for st in states], _cookie_key)),
        storage=tuple(_union([st.storage for st in states], _storage_key)),
        third_parties=tuple(_union([st.third_parties for st in states], _tp_key)),
        frames=tuple(frames.values()),
    )


def merge(results: Sequence[ScanResult]) -> ScanResult:
    """One result from N analysed results of the same site: the union of what they saw, each record with
    ``seen_in``; the first run's banner, evidence and metadata; times spanning all runs."""
    if len(results) == 1:
        return results[0]
    first, last = results[0], results[-1]
    names = list(dict.fromkeys(s for r in results for s in r.states))
    states = {s: _merge_state([r.states[s] for r in results if s in r.states]) for s in names}
    skipped = {(s.url, s.reason, s.state): s for r in results for s in r.skipped}
    return replace(
        first, finished_at=last.finished_at, states=states, skipped=tuple(skipped.values()),
        findings=tuple(sorted(_union([r.findings for r in results], _finding_key),
                              key=lambda f: (-severity_rank(f.severity), f.rule, f.subject, f.scenario))),
        errors=tuple(dict.fromkeys(e for r in results for e in r.errors)),
        interrupted=any(r.interrupted for r in results), runs=len(results),
    )
