"""What a diff is made of: one :class:`Change` per difference and the :class:`DiffResult` holding them,
with their JSON form (``diff_version`` :data:`DIFF_VERSION`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cookiescan.models import severity_rank

DIFF_VERSION = "1.0"
KINDS = ("added", "changed", "removed")
WHATS = ("finding", "tracker", "cookie")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the old and the new scan.

    ``kind`` is "added", "removed" or "changed"; ``what`` is "cookie", "tracker" or "finding";
    ``key`` the stable identity (``state|name|site|path`` for cookies, ``state|site`` for trackers,
    ``rule|scenario|subject`` for findings); ``state`` the consent state (``None`` for a finding on
    every state); ``severity`` the finding's severity (new one, or old one when removed); ``before`` /
    ``after`` the compared record on each side (``None`` when absent); ``fields`` the names of the
    compared fields that differ (``changed`` only).
    """

    kind: str
    what: str
    key: str
    state: str | None
    severity: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: tuple[str, ...] = ()

    @property
    def escalated(self) -> bool:
        """A finding still present whose severity went up."""
        return (
            self.what == "finding"
            and self.kind == "changed"
            and self.before is not None
            and self.after is not None
            and severity_rank(self.after.get("severity") or "") > severity_rank(self.before.get("severity") or "")
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "what": self.what,
            "key": self.key,
            "state": self.state,
            "severity": self.severity,
            "fields": list(self.fields),
            "before": self.before,
            "after": self.after,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        """Reverse of :meth:`to_dict`."""
        return cls(
            kind=data["kind"],
            what=data["what"],
            key=data["key"],
            state=data.get("state"),
            severity=data.get("severity"),
            before=data.get("before"),
            after=data.get("after"),
            fields=tuple(data.get("fields") or ()),
        )


@dataclass(frozen=True, slots=True)
class DiffResult:
    """The changes from an old scan to a new one.

    ``old`` / ``new`` describe each scan (site, started_at, tool_version, config_hash, title, states,
    pages); ``changes`` are sorted findings first (highest severity first), then trackers, then
    cookies, each by state, kind and key; ``warnings`` say why the comparison may mislead.
    """

    old: dict[str, Any]
    new: dict[str, Any]
    changes: tuple[Change, ...]
    warnings: tuple[str, ...] = ()

    def new_findings(self) -> tuple[Change, ...]:
        """Findings in the new scan that the old one did not have (ignored findings never count)."""
        return tuple(c for c in self.changes if c.what == "finding" and c.kind == "added")

    def escalated_findings(self) -> tuple[Change, ...]:
        """Findings present in both scans whose severity went up."""
        return tuple(c for c in self.changes if c.escalated)

    def count(self, what: str, kind: str) -> int:
        """How many changes of one sort, e.g. ``count("cookie", "added")``."""
        return sum(1 for c in self.changes if c.what == what and c.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what :func:`render_json` writes)."""
        return {
            "diff_version": DIFF_VERSION,
            "old": dict(self.old),
            "new": dict(self.new),
            "warnings": list(self.warnings),
            "summary": {w: {k: self.count(w, k) for k in KINDS} for w in WHATS},
            "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiffResult:
        """Reverse of :meth:`to_dict` (``summary`` is derived, so it is not read back)."""
        return cls(
            old=dict(data.get("old") or {}),
            new=dict(data.get("new") or {}),
            changes=tuple(Change.from_dict(c) for c in data.get("changes") or ()),
            warnings=tuple(data.get("warnings") or ()),
        )
