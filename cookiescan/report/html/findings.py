"""The findings section of the HTML report: active findings grouped by rule, worst first, each with its
compact evidence; and the worst severity per (subject, state) the tables mark their cells with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cookiescan.models import Finding, active, severity_rank
from cookiescan.report import view
from cookiescan.report.html.evidence import evidence_rows


@dataclass(slots=True)
class RuleGroup:
    """The findings of one rule, worst first, with the rule's title and explanation and each row's evidence."""

    info: view.RuleView
    severity: str
    findings: list[Finding]
    rows: list[dict[str, Any]] = field(default_factory=list)


def finding_index(findings: list[Finding]) -> dict[tuple[str, str], str]:
    """(subject, state) -> the worst severity of its active findings (what a table cell is marked with)."""
    worst: dict[tuple[str, str], str] = {}
    for f in active(findings):
        key = (f.subject, f.scenario)
        if key not in worst or severity_rank(f.severity) > severity_rank(worst[key]):
            worst[key] = f.severity
    return worst


def rule_groups(findings: Iterable[Finding], states: list[str], show_values: bool) -> list[RuleGroup]:
    """Active findings grouped by rule, worst rules first."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.rule].append(f)
    out = []
    for rule, fs in groups.items():
        worst = max((f.severity for f in fs), key=severity_rank)
        fs.sort(
            key=lambda f: (
                -severity_rank(f.severity),
                states.index(f.scenario) if f.scenario in states else 99,
                f.subject,
            )
        )
        g = RuleGroup(view.rule_info(rule, worst), worst, fs)
        g.rows = [{"f": f, "evidence": evidence_rows(f.evidence, show_values, f.subject, f.scenario)} for f in fs]
        out.append(g)
    out.sort(key=lambda g: (-severity_rank(g.severity), -len(g.findings), g.info.id))
    return out
