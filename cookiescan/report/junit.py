"""JUnit XML for CI test tabs: one suite per rule, one test case per rule × subject × scenario.

Findings at or above ``fail_on`` are failures; findings below it pass with their text in
``<system-out>``; ignored findings are skipped with the ignore reason. With no findings at all the
report holds a single passing case ``cookiescan.scan / no findings`` so CI shows a green run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from cookiescan.models import Finding, ScanResult, below_min_seen, severity_at_least, severity_rank, verdict
from cookiescan.report import view
from cookiescan.report.interface import ReportOptions


def _seconds(result: ScanResult) -> str:
    from datetime import datetime

    try:
        start = datetime.fromisoformat(result.started_at.replace("Z", "+00:00"))
        end = datetime.fromisoformat(result.finished_at.replace("Z", "+00:00"))
        return f"{max(0.0, (end - start).total_seconds()):.3f}"
    except (ValueError, AttributeError, TypeError):
        return "0"


def _xml_text(text: str) -> str:
    # XML 1.0 cannot carry most control characters, which site-controlled strings may contain.
    return "".join(
        ch
        if ch in "\t\n\r"
        or (0x20 <= ord(ch) <= 0xD7FF)
        or (0xE000 <= ord(ch) <= 0xFFFD)
        or 0x10000 <= ord(ch) <= 0x10FFFF
        else "\ufffd"
        for ch in text
    )


def _evidence_text(f: Finding, show_values: bool) -> str:
    lines = [f"{f.severity.upper()} {f.rule} [{f.scenario}] {f.subject}: {f.message}"]
    for key, value in f.evidence.items():
        if key in ("value", "cookie_value", "values") and not show_values:
            continue
        shown: Any = value
        if isinstance(value, (dict, list, tuple)):
            shown = json.dumps(value, ensure_ascii=False, default=str)
        elif key.endswith("_days") and isinstance(value, (int, float)):
            shown = f"{view.human_days(float(value))} ({value})"
        lines.append(f"  {key}: {shown}")
    if f.ignored:
        lines.append(f"  ignored: {f.ignored}")
    return "\n".join(lines)


def _counts(el: ET.Element, tests: int, failures: int, skipped: int) -> None:
    el.set("tests", str(tests))
    el.set("failures", str(failures))
    el.set("errors", "0")
    el.set("skipped", str(skipped))


def build(result: ScanResult, options: ReportOptions) -> ET.Element:
    """The ``<testsuites>`` element for a result."""
    root = ET.Element("testsuites", name="cookiescan")
    root.set("time", _seconds(result))
    groups: dict[str, dict[tuple[str, str], list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in result.findings:
        groups[f.rule][(f.subject, f.scenario)].append(f)

    if not groups:
        suite = ET.SubElement(root, "testsuite", name="cookiescan.scan", timestamp=result.started_at)
        _counts(suite, 1, 0, 0)
        suite.set("time", _seconds(result))
        case = ET.SubElement(suite, "testcase", classname="cookiescan.scan", name="no findings")
        case.set("time", "0")
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text(verdict(result))
        _counts(root, 1, 0, 0)
        return root

    total = [0, 0, 0]
    for rule in sorted(
        groups,
        key=lambda r: (-max(severity_rank(f.severity) for fs in groups[r].values() for f in fs), r),
    ):
        info = view.rule_info(rule)
        suite = ET.SubElement(root, "testsuite", name=f"cookiescan.{rule}", timestamp=result.started_at)
        suite.set("time", "0")
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("site", result.site),
            ("title", info.title),
            ("fail_on", options.fail_on),
            ("tool", f"{result.tool.name} {result.tool.version}"),
        ):
            ET.SubElement(props, "property", name=name, value=_xml_text(value))
        tests = failures = skipped = 0
        for (subject, scenario), found in sorted(groups[rule].items()):
            case = ET.SubElement(
                suite, "testcase", classname=f"cookiescan.{rule}", name=_xml_text(f"{subject} [{scenario}]")
            )
            case.set("time", "0")
            tests += 1
            live = [f for f in found if not f.ignored]
            failing = [f for f in live if severity_at_least(f.severity, options.fail_on) and not f.unconfirmed
                       and not below_min_seen(f, result.config.get("min_seen"))]
            text = "\n\n".join(_evidence_text(f, options.show_values) for f in found)
            if failing:
                worst = max(failing, key=lambda f: severity_rank(f.severity))
                msg = worst.message if len(failing) == 1 else f"{worst.message} (+{len(failing) - 1} more)"
                fail = ET.SubElement(case, "failure", message=_xml_text(msg), type=worst.severity)
                fail.text = _xml_text(text)
                failures += 1
            elif live:
                out = ET.SubElement(case, "system-out")
                out.text = _xml_text(text)
            else:
                ET.SubElement(
                    case, "skipped", message=_xml_text("; ".join(sorted({f.ignored or "" for f in found})))
                )
                skipped += 1
        _counts(suite, tests, failures, skipped)
        total = [total[0] + tests, total[1] + failures, total[2] + skipped]
    _counts(root, *total)
    return root


def render(result: ScanResult, options: ReportOptions) -> str:
    """The JUnit XML document as text (UTF-8 declaration included)."""
    root = build(result, options)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
