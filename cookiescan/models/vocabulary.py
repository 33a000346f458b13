"""The vocabulary: one spelling and one order for each concept — consent states, severities and the
``--fail-on`` gate, parties, categories."""

from __future__ import annotations

from typing import Literal, get_args

#: A consent state: a fresh browser context each, in this order. ``withdraw`` accepts, then finds the way
#: back and refuses there (opt-in: ``--consent before,accept,reject,withdraw``).
State = Literal["before", "accept", "reject", "withdraw"]
STATES: tuple[State, ...] = get_args(State)
DEFAULT_STATES: tuple[State, ...] = ("before", "accept", "reject")
#: The states that make a choice on their first page (and make it again after a browser restart).
CHOICE_STATES: tuple[State, ...] = ("accept", "reject", "withdraw")
#: How bad a finding is, lowest first; a gate (``--fail-on``) may also be "never".
Severity = Literal["low", "medium", "high"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
Gate = Literal["low", "medium", "high", "never"]
GATES: tuple[Gate, ...] = get_args(Gate)
#: Whose registrable domain something belongs to, from the scanned site's point of view.
Party = Literal["first", "third"]
#: What a cookie, storage key or tracker is for (RULES.md "Categories"), most exempt first.
Category = Literal["necessary", "functional", "analytics", "marketing", "unknown"]
CATEGORIES: tuple[Category, ...] = get_args(Category)


def severity_rank(severity: str) -> int:
    """Sort key: low 0, medium 1, high 2; -1 for anything else."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1  # type: ignore[arg-type]


def severity_at_least(severity: str, gate: str) -> bool:
    """True when ``severity`` (low|medium|high) is at or above ``gate`` (low|medium|high|never).

    >>> severity_at_least("high", "medium"), severity_at_least("low", "never")
    (True, False)
    """
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}; expected one of {', '.join(SEVERITIES)}")
    if gate not in GATES:
        raise ValueError(f"unknown severity {gate!r}; expected one of {', '.join(GATES)}")
    return gate != "never" and severity_rank(severity) >= severity_rank(gate)
