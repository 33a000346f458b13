"""Report writers, tested on hand-built results (no browser)."""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from markupsafe import escape
from report_factory import (
    LONG_PAGES,
    SECRET_VALUE,
    XSS_BUTTON,
    XSS_NAME,
    XSS_NOTICE,
    XSS_TITLE,
    XSS_URL,
    XSS_VALUE,
    big_result,
    make_notice_result,
    make_result,
    tiny_png,
)

from cookiescan.errors import UsageError
from cookiescan.models import Finding, ScanResult, verdict
from cookiescan.report import (
    FORMATS,
    ReportOptions,
    format_for_path,
    parse_output_spec,
    render,
    write,
)
from cookiescan.report import html as html_writer
from cookiescan.report import markdown as md_writer


@pytest.fixture
def result(tmp_path: Path) -> ScanResult:
    return make_result(tmp_path)


@pytest.fixture
def result_with_values(tmp_path: Path) -> ScanResult:
    return make_result(tmp_path, show_values=True)


def html_of(result: ScanResult, tmp_path: Path, **kw: object) -> str:
    return render(result, "html", ReportOptions(base_dir=tmp_path, **kw))  # type: ignore[arg-type]


# -- registry and paths ----------------------------------------------------------------------------


def test_every_format_has_a_working_writer(result_with_values: ScanResult, tmp_path: Path) -> None:
    """Guards the registry: each member renders non-empty text and can be written."""
    assert set(FORMATS) == {"json", "html", "md", "junit"}
    for name, writer in FORMATS.items():
        assert writer.name == name and writer.suffixes
        text = writer.render(result_with_values, ReportOptions(base_dir=tmp_path))
        assert isinstance(text, str) and text.strip()
        out = write(
            result_with_values,
            tmp_path / "out" / f"report{writer.suffixes[0]}",
            options=ReportOptions(base_dir=tmp_path),
        )
        assert out.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("a.json", "json"), ("a.HTML", "html"), ("a.htm", "html"), ("a.md", "md"), ("junit.xml", "junit")],
)
def test_format_for_path_by_suffix(path: str, fmt: str) -> None:
    assert format_for_path(path) == fmt


def test_format_for_path_errors() -> None:
    with pytest.raises(UsageError):
        format_for_path("report.pdf")
    with pytest.raises(UsageError):
        format_for_path("report.html", "pdf")
    assert format_for_path("report.txt", "markdown") == "md"


@pytest.mark.parametrize(
    ("spec", "path", "fmt"),
    [
        ("out.html", "out.html", "html"),
        ("out.txt:md", "out.txt", "md"),
        ("reports/r:json", "reports/r", "json"),
        ("out.xml:junit", "out.xml", "junit"),
        (r"C:\reports\a.json", r"C:\reports\a.json", "json"),
    ],
)
def test_parse_output_spec(spec: str, path: str, fmt: str) -> None:
    parsed = parse_output_spec(spec)
    assert (str(parsed.path), parsed.format) == (str(Path(path)), fmt)


def test_parse_output_spec_unknown_format() -> None:
    with pytest.raises(UsageError):
        parse_output_spec("out.html:pdf")


def test_atomic_write_creates_folder_and_leaves_no_temp_files(result: ScanResult, tmp_path: Path) -> None:
    """Guards the atomic write: temp file in the same folder, replaced into place, nothing left over."""
    target = tmp_path / "deep" / "er" / "report.html"
    write(result, target, options=ReportOptions(base_dir=tmp_path))
    write(result, target, options=ReportOptions(base_dir=tmp_path))  # overwrite
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_failed_render_leaves_no_temp_file(
    result: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")

    def boom(*a: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(FORMATS, "json", replace(FORMATS["json"], render=boom))
    with pytest.raises(RuntimeError):
        write(result, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# -- JSON ----------------------------------------------------------------------------------------------


def test_json_redacts_values_unless_asked(result_with_values: ScanResult) -> None:
    """Guards redaction in the canonical output: every cookie and cookie-write value is null."""
    text = render(result_with_values, "json")
    data = json.loads(text)
    assert SECRET_VALUE not in text and XSS_VALUE not in text
    for state in data["states"].values():
        assert all(c["value"] is None for c in state["cookies"])
        assert all(w["value"] is None for p in state["pages"] for w in p["cookie_writes"])
    shown = render(result_with_values, "json", ReportOptions(show_values=True))
    assert SECRET_VALUE in shown
    assert ScanResult.from_dict(json.loads(shown)).to_dict() == result_with_values.to_dict()


# -- HTML ----------------------------------------------------------------------------------------------

SECTIONS = [
    "Summary",
    "Consent banner",
    "Findings",
    "Ignored findings",
    "Cookie inventory",
    "Declared vs observed",
    "What the notice promises vs what the site does",
    "Third parties",
    "Iframes",
    "Local and session storage",
    "Pages scanned",
    "Skipped pages",
    "Evidence and method",
]


def test_html_has_every_section_and_the_verdict(result: ScanResult, tmp_path: Path) -> None:
    page = html_of(result, tmp_path)
    for heading in SECTIONS:
        assert re.search(r"<h[234][^>]*>(?:<span[^>]*>\d+</span>)?" + re.escape(heading), page), heading
    v = verdict(result)
    assert v == "12 findings (5 high, 6 medium, 1 low) on 4 pages (3 consent states); 1 ignored; 1 page visit failed"
    assert htmllib.escape(v, quote=False) in page
    assert "Language preference, exempt (ticket PRIV-12)" in page  # ignored with its reason
    assert "2025-03-14 09:30:00 UTC" in page
    assert "Chromium 131.0.6778.33" in page and "sha256:9f2c4e1d7b3a" in page


def test_verdict_without_findings(result: ScanResult) -> None:
    clean = replace(result, findings=(), skipped=())
    assert verdict(clean) == "No findings on 4 pages (3 consent states)"


def test_html_redacts_values_by_default(result_with_values: ScanResult, tmp_path: Path) -> None:
    """Guards redaction: values only appear with show_values, escaped."""
    page = html_of(result_with_values, tmp_path)
    assert SECRET_VALUE not in page
    assert f"redacted ({len(SECRET_VALUE)} chars)" in page
    assert "alert(1)&lt;/script&gt;" not in page  # the hostile value is not shown at all
    shown = html_of(result_with_values, tmp_path, show_values=True)
    assert SECRET_VALUE in shown
    assert htmllib.escape(XSS_VALUE) in shown.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")


@pytest.mark.parametrize("hostile", [XSS_NAME, XSS_VALUE, XSS_TITLE, XSS_URL, XSS_BUTTON])
def test_html_escapes_site_controlled_text(
    result_with_values: ScanResult, tmp_path: Path, hostile: str
) -> None:
    """Guards against stored XSS: site text appears only escaped, never raw."""
    page = html_of(result_with_values, tmp_path, show_values=True)
    assert hostile not in page
    escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    assert escaped in page


def test_html_has_exactly_our_script_and_its_hash_in_the_csp(result: ScanResult, tmp_path: Path) -> None:
    """Guards the CSP: one inline script, allowed by hash; nothing else can load or run."""
    page = html_of(result, tmp_path)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp is not None
    policy = csp.group(1)
    assert "default-src 'none'" in policy and "img-src data:" in policy
    assert f"script-src 'sha256-{digest}'" in policy
    assert page.index("Content-Security-Policy") < page.index("<style>")


def test_html_makes_no_external_requests(result: ScanResult, tmp_path: Path) -> None:
    """Guards self-containment: no src/href/url() pointing at a network resource."""
    page = html_of(result, tmp_path)
    assert not re.search(r"""(?:src|href|action|poster)\s*=\s*["']?\s*(?:https?:)?//""", page, flags=re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", page, flags=re.I)
    assert "@import" not in page
    for attr in re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)""", page):
        assert attr.startswith(("#", "data:")), attr


def test_html_inlines_screenshots(result: ScanResult, tmp_path: Path) -> None:
    page = html_of(result, tmp_path)
    expected = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    assert page.count(f'src="{expected}"') == 3


def test_html_refuses_screenshot_path_traversal(tmp_path: Path) -> None:
    """Guards file reads: a result cannot make the report embed files outside its folder."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(tiny_png(rgb=(1, 2, 3)))
    base = tmp_path / "run"
    result = make_result(
        base,
        screenshot_paths={"before": "../../etc/passwd", "accept": "/etc/passwd", "reject": "../secret.png"},
    )
    page = html_of(result, base)
    assert page.count("Screenshot path refused") == 3
    assert base64.b64encode(tiny_png(rgb=(1, 2, 3))).decode() not in page
    assert "root:" not in page


def test_missing_or_bad_screenshot_is_a_note(tmp_path: Path) -> None:
    result = make_result(
        tmp_path, screenshot_paths={"before": "screenshots/nope.png", "accept": "screenshots/fake.png"}
    )
    (tmp_path / "screenshots" / "fake.png").write_text("not a png", encoding="utf-8")
    page = html_of(result, tmp_path)
    assert "Screenshot missing: screenshots/nope.png" in page
    assert "not a PNG image" in page
    assert html_writer.load_screenshot("screenshots/before.png", None).uri is None


def test_symlink_out_of_base_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(tiny_png())
    base = tmp_path / "run"
    base.mkdir()
    (base / "link.png").symlink_to(outside)
    assert html_writer.load_screenshot("link.png", base).uri is None


def test_html_inventory_rows_and_markers(result: ScanResult, tmp_path: Path) -> None:
    page = html_of(result, tmp_path)
    rows = re.findall(r'<tr data-category="[^"]*" data-states="[^"]*" data-party', page)
    assert len(rows) == 9  # name + domain + path, merged across states
    assert "2 y (730 d)" in page and "13 mo (400 d)" in page and "over cap" in page
    assert "refused (accept): ThirdPartyPhaseout" in page and "deleted (reject)" in page


def test_html_renders_without_states_or_browser(result: ScanResult, tmp_path: Path) -> None:
    empty = replace(result, states={}, findings=(), skipped=(), browser=None, errors=(), declared=None)
    page = html_of(empty, tmp_path)
    assert "No findings on 0 pages (0 consent states)" in page


# -- JUnit ---------------------------------------------------------------------------------------------


def _counts(el: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(el.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped"))  # type: ignore[return-value]


@pytest.mark.parametrize("fail_on", ["high", "medium", "low"])
def test_junit_counts_are_consistent(result: ScanResult, fail_on: str) -> None:
    root = ET.fromstring(render(result, "junit", ReportOptions(fail_on=fail_on)))
    assert root.tag == "testsuites"
    total = [0, 0, 0, 0]
    for suite in root.findall("testsuite"):
        assert suite.get("name", "").startswith("cookiescan.")
        cases = suite.findall("testcase")
        counted = (
            len(cases),
            sum(1 for c in cases if c.find("failure") is not None),
            0,
            sum(1 for c in cases if c.find("skipped") is not None),
        )
        assert _counts(suite) == counted
        total = [a + b for a, b in zip(total, counted, strict=True)]
        for case in cases:
            assert case.get("classname") == suite.get("name")
            failure = case.find("failure")
            if failure is not None:
                order = ["low", "medium", "high"]
                assert order.index(failure.get("type", "")) >= order.index(fail_on)
    assert _counts(root) == tuple(total)
    expected_failures = {"high": 5, "medium": 11, "low": 12}[fail_on]  # rule × subject × scenario groups
    assert total[1] == expected_failures
    assert total[3] == 1  # the ignored finding


def test_junit_names_and_below_threshold_output(result: ScanResult) -> None:
    root = ET.fromstring(render(result, "junit", ReportOptions(fail_on="high")))
    suite = root.find("testsuite[@name='cookiescan.undeclared-cookie']")
    assert suite is not None
    case = suite.find("testcase[@name='_fbp [accept]']")
    assert case is not None and case.find("failure") is None
    assert "_fbp (Meta Pixel" in (case.findtext("system-out") or "")
    skipped = suite.find("testcase[@name='lang [before]']/skipped")
    assert skipped is not None and skipped.get("message") == "Language preference, exempt (ticket PRIV-12)"
    hostile = suite.find(f"testcase[@name='{XSS_NAME} [accept]']")
    assert hostile is not None
    assert XSS_VALUE not in render(result, "junit")


def test_junit_without_findings_has_one_passing_case(result: ScanResult) -> None:
    root = ET.fromstring(render(replace(result, findings=()), "junit"))
    cases = root.findall("testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [("cookiescan.scan", "no findings")]
    assert _counts(root) == (1, 0, 0, 0)


def test_junit_survives_control_characters(result: ScanResult) -> None:
    odd = replace(
        result, findings=(Finding("undeclared-cookie", "high", "before", "bad\x00\x1bname", "m\x07sg"),)
    )
    ET.fromstring(render(odd, "junit"))


# -- Markdown ------------------------------------------------------------------------------------------


def test_markdown_summary(result: ScanResult) -> None:
    text = render(result, "md")
    assert "**12 findings (5 high, 6 medium, 1 low) on 4 pages (3 consent states)" in text
    assert "### Consent banner" in text and "### Findings" in text
    assert "**Skipped pages:** 3" in text
    assert XSS_NAME not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert XSS_BUTTON not in text


def test_markdown_escapes_pipes_and_backticks() -> None:
    assert md_writer.esc("a|b`c") == "a\\|b\\`c"
    assert md_writer.esc("<b>x</b>\nnext") == "&lt;b&gt;x&lt;/b&gt; next"
    assert md_writer.esc("[link](javascript:x)") == "\\[link\\](javascript:x)"


def test_markdown_stays_under_one_mib_for_a_huge_scan() -> None:
    """Guards GitHub's step-summary limit: 200 pages, 5000 cookies and findings stay under 1 MiB."""
    big = big_result()
    text = render(big, "md")
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert "…and 4950 more findings" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| 🔴 High | ") and "pre-consent-cookie" in line]
    assert len(table_rows) == md_writer.MAX_FINDINGS
    for line in table_rows:  # escaped pipes never add cells
        assert len(re.findall(r"(?<!\\)\|", line)) == 6


def test_markdown_hard_cap_truncates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(md_writer, "MAX_FINDINGS", 10_000)
    text = render(big_result(n_pages=10, n_cookies=5000), "md")
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert "Summary truncated" in text


def test_big_html_renders(tmp_path: Path) -> None:
    page = render(big_result(n_pages=50, n_cookies=500), "html", ReportOptions(base_dir=tmp_path))
    assert page.count('<tr data-category="marketing"') == 500


def _real_findings_result(scenario: str) -> tuple[ScanResult, set[str]]:
    """A small hand-built scan classified and judged by the real rules (no stubs): the ``many`` scenario
    fires every scan rule but ``no-consent-banner``, which the ``no-banner`` scenario fires; the ``notice``
    scenario fires the five notice rules."""
    from cookiescan.classify import classify
    from cookiescan.notice import read_notice
    from cookiescan.rules import RuleOptions, evaluate
    from tests import factories as fx

    known = fx.make_known()
    notice = None
    # Consent Mode says granted (by an update), before the choice and after reject
    ga = [fx.make_request("https://www.google-analytics.com/g/collect?gcs=G111&gcd=11r1r1r1r5", resource_type="ping")]
    if scenario == "many":
        kept = {"source": "api", "cmp_id": 10, "purposes_consent": [1], "purposes_li": [7], "vendor_consents": [755]}
        result = fx.make_result(
            before=fx.make_state(cookies=[fx.make_cookie("_ga", requested_days=730)],
                                 writes=[fx.make_write("_ga", days=730)], requests=ga,
                                 banner=fx.make_banner("before", reject_first=False)),
            reject=replace(fx.make_state("reject", cookies=[fx.make_cookie("_fbp", requested_days=90)], requests=ga),
                           tcf=kept),
        )
        declared = fx.make_declared(fx.declared_cookie("_fbp", category="marketing", lifetime="30 jours"),
                                    fx.declared_cookie("old_tracker", lifetime="3 ans"))
    elif scenario == "notice":
        # written by Meta's own script: a vendor a regulator can sign (issue 14), unnamed in the notice
        fbp = fx.make_cookie("_fbp", requested_days=90, via="document.cookie",
                             set_by="https://connect.facebook.net/en_US/fbevents.js")
        result = fx.make_result(
            before=fx.make_state(cookies=[fx.make_cookie("_ga", requested_days=730), fbp]),
            reject=fx.make_state("reject", cookies=[fbp], banner=fx.make_banner("reject")),
        )
        declared = None
        notice = read_notice("Nous utilisons Google Analytics et Hotjar. Nos cookies ne sont pas conservés plus de "
                             "13 mois. Le cookie _ga est conservé pendant 2 ans. Un cookie de refus est déposé.",
                             "notice.html", known)
    elif scenario == "withdraw":
        result, declared = _withdraw_result(fx, way_back=True), None
    elif scenario == "no-way-back":
        result, declared = _withdraw_result(fx, way_back=False), None
    else:
        result = fx.make_result(before=fx.make_state(cookies=[fx.make_cookie("_ga", requested_days=30)],
                                                     with_banner=False))
        declared = None
    findings = evaluate(classify(result, known, declared), declared, RuleOptions(), known=known, notice=notice)
    return replace(result, findings=findings), {f.rule for f in findings}


def _withdraw_result(fx, *, way_back: bool) -> ScanResult:  # type: ignore[no-untyped-def]
    """Issue 16: an accept state whose _ga renews itself on later visits and whose choice cookie lives 2 years;
    a withdraw state where _ga is written again after the refusal (or where no way back exists)."""
    from datetime import datetime, timedelta

    from cookiescan.models import Revisit

    set_at = datetime.fromisoformat(fx.STARTED)
    later = (set_at + timedelta(days=200)).isoformat()
    ga = fx.make_cookie("_ga", requested_days=365, via="document.cookie")
    choice = fx.make_cookie("site_choice", requested_days=730)
    accept = replace(fx.make_state("accept", cookies=[ga, choice], writes=[fx.make_write("_ga", days=365,
                                                                                         via="document.cookie")],
                                   banner=replace(fx.make_banner("accept"), choice_storage=("site_choice",))),
                     revisits=(Revisit(200, fx.HOME, later, (fx.make_write("_ga", days=365, via="document.cookie",
                                                                              time=later),)),))
    withdrawn_at = (set_at + timedelta(seconds=5)).isoformat()
    banner = replace(fx.make_banner("withdraw"), action="accept", withdraw_found=way_back,
                     withdraw_via="link 'Gérer mes cookies'" if way_back else None, withdraw_clicks=2 if way_back else None,
                     withdrawn=True if way_back else None, withdrawn_at=withdrawn_at if way_back else None)
    after = (set_at + timedelta(seconds=9)).isoformat()
    withdraw = fx.make_state("withdraw", cookies=[ga], banner=banner,
                             writes=[fx.make_write("_ga", days=365, via="document.cookie", time=after)])
    return fx.make_result(accept=accept, states={"accept": accept, "withdraw": withdraw})


@pytest.mark.parametrize("scenario", ["many", "no-banner", "notice", "withdraw", "no-way-back"])
def test_real_rule_texts_reach_the_report(scenario: str, tmp_path: Path) -> None:
    """Guards the lazy RULE_INFO lookup through the real rules module: for every rule that fired, its
    title, explanation and legal basis from ``cookiescan.rules.RULE_INFO`` are in the HTML (escaped),
    and its title in the Markdown and JUnit reports."""
    from cookiescan.rules import RULE_INFO

    result, fired = _real_findings_result(scenario)
    assert fired and fired <= set(RULE_INFO)
    page = html_of(result, tmp_path)
    md = render(result, "md")
    junit = render(result, "junit")
    suites = {el.get("name"): el for el in ET.fromstring(junit).iter("testsuite")}
    for rule in sorted(fired):
        info = RULE_INFO[rule]
        assert info.title and info.explanation and info.legal_basis, rule
        group = _section_of_rule(page, rule)
        assert f"<h3>{escape(info.title)}</h3>" in group, rule
        assert f'<p class="explain">{escape(info.explanation)}</p>' in group, rule
        assert f"<strong>Legal basis:</strong> {escape(info.legal_basis)}</p>" in group, rule
        assert f"| {info.title} (`{rule}`) |" in md, rule
        titles = [p.get("value") for p in suites[f"cookiescan.{rule}"].iter("property") if p.get("name") == "title"]
        assert titles == [info.title], rule


def test_every_rule_text_is_exercised_by_the_real_rules_test() -> None:
    """A new rule must fire in one of the scenarios above, so its text is checked in a report too."""
    from cookiescan.rules import RULE_INFO

    fired = set().union(*(_real_findings_result(s)[1] for s in ("many", "no-banner", "notice", "withdraw",
                                                                 "no-way-back")))
    assert fired == set(RULE_INFO)


def _section_of_rule(page: str, rule: str) -> str:
    m = re.search(rf'<details[^>]*id="rule-{re.escape(rule)}".*?</details>', page, flags=re.S)
    assert m is not None, f"no rule group for {rule}"
    return m.group(0)


# -- the written notice ----------------------------------------------------------------------------


def _section(page: str, section_id: str) -> str:
    m = re.search(rf'<section class="block" id="{section_id}".*?</section>', page, flags=re.S)
    assert m is not None, section_id
    return m.group(0)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


def test_notice_section_sentence_by_sentence(tmp_path: Path) -> None:
    """Guards the notice section: each vendor, promise and the refusal sentence with its verdict, escaped."""
    page = html_of(make_notice_result(tmp_path), tmp_path)
    assert '<a href="#notice">' in page
    sec = _section(page, "notice")
    assert XSS_NOTICE not in page  # the hostile sentence never appears raw
    assert _esc(XSS_NOTICE) in sec
    # vendors named, with the words matched and the verdict
    assert "Google Analytics" in sec and "Hotjar" in sec
    assert re.search(r"Criteo</strong>.*?Never observed", sec, flags=re.S)
    assert re.search(r"Hotjar</strong>.*?Observed</span>\s*<span class=\"states\">in After accept all", sec, flags=re.S)
    # the cookie-wide lifetime promise, broken by _ga; the data promise is not judged
    assert "ne sont pas conservés plus de 13 mois" in sec and "Broken by 1 cookie" in sec
    assert re.search(r'class="cname">_ga</span> 2 y \(730 d\)', sec)
    assert "Not judged: it limits how long the collected data is kept" in sec
    # the refusal promise and its verdict
    assert "un cookie de refus est déposé" in sec and "✗ Broken" in sec
    # vendors seen but never named, with compact evidence; purposes listed
    assert "Meta Pixel" in sec and "_fbp" in sec and "and 7 more" in sec
    assert "cat-functional" in sec and "cat-analytics" in sec
    assert "No vendor recognised" not in sec
    # the notice rules' titles and legal basis come from the one registry, rules.RULE_INFO
    assert "Cookie outlives the notice&#39;s promise" in page or "Cookie outlives the notice's promise" in page
    assert "Vendor not named in the notice" in page and "GDPR art. 4(11), 7 and 13(1)(e)" in page


def test_notice_without_recognised_vendors_says_so(tmp_path: Path) -> None:
    """Guards the "no vendors recognised" note: an explicit callout, never silence."""
    result = make_notice_result(tmp_path, vendors=False)
    sec = _section(html_of(result, tmp_path), "notice")
    assert 'class="callout warn"' in sec and "No vendor recognised in the notice." in sec
    assert "no vendors recognised" in sec
    assert "Seen, never named: not checked" in sec
    md = render(result, "md")
    assert "**No vendor recognised in the notice:**" in md
    assert "| Tracking vendors seen but not named | not checked |" in md


def test_no_notice_is_one_line(result: ScanResult, tmp_path: Path) -> None:
    assert getattr(result, "notice", None) is None
    sec = _section(html_of(result, tmp_path), "notice")
    assert "No written cookie notice was given" in sec
    assert "<table" not in sec and "callout" not in sec
    assert "### Cookie notice" not in render(result, "md")


def test_markdown_notice_block(tmp_path: Path) -> None:
    md = render(make_notice_result(tmp_path), "md")
    block = md.split("### Cookie notice", 1)[1].split("###", 1)[0]
    assert "| Vendors named | 3 (1 never seen) |" in block
    assert "| Tracking vendors seen but not named | 1 |" in block
    assert "**broken by 1 cookie**" in block and "| Refusal remembered by a cookie | **broken** |" in block
    assert "<img" not in md


def test_long_evidence_lists_collapse(tmp_path: Path) -> None:
    """Guards compact evidence: 19 pages show as 3 + "and 16 more", the full list kept in a <details>."""
    page = html_of(make_notice_result(tmp_path), tmp_path)
    findings = _section(page, "findings")
    m = re.search(r'<span class="preview">(.*?)</span>\s*<details class="more"><summary>and 16 more</summary>(.*?)</details>',
                  findings, flags=re.S)
    assert m is not None
    assert m.group(1).count('class="item"') == 3
    full = re.findall(r"<li>(.*?)</li>", m.group(2))
    assert full == list(LONG_PAGES)


def test_declared_entry_is_a_short_key_value_list() -> None:
    rows = html_writer.evidence_rows(
        {
            "declared": {
                "name": "_ga", "pattern": False, "domain": None, "category": "analytics",
                "category_text": "Mesure d'audience", "lifetime_days": 395.72, "lifetime_text": "13 mois",
                "provider": "Google", "source": "https://shop.example/cookies#table 2 row 1",
                "extra": {"Finalité": "Mesure d'audience"},
            },
            "name": "_ga",
            "in_jar": True,
            "vendor": None,
            "pages": ["https://a.example/1", "https://a.example/2"],
        },
        show_values=False,
        subject="_ga",
    )
    assert [r.label for r in rows] == ["Declared entry", "Pages"]
    assert rows[0].pairs == [
        ("name", "_ga"),
        ("category", "analytics (Mesure d'audience)"),
        ("lifetime", "13 mois (396 d)"),
        ("provider", "Google"),
        ("source", "https://shop.example/cookies#table 2 row 1"),
    ]
    assert rows[1].more == 0 and rows[1].text == "https://a.example/1, https://a.example/2"


def test_compact_evidence_stays_escaped(tmp_path: Path) -> None:
    hostile = [f"https://www.shop.example/{i}?q=<script>x</script>" for i in range(6)]
    result = make_result(tmp_path)
    result = replace(
        result,
        findings=(
            Finding("pre-consent-cookie", "high", "before", "x", "m",
                    {"pages": hostile, "declared": {"name": XSS_NAME, "provider": XSS_TITLE}}),
        ),
    )
    page = html_of(result, tmp_path)
    assert "<script>x</script>" not in page and XSS_NAME not in page
    assert page.count("&lt;script&gt;x&lt;/script&gt;") >= 6
    assert _esc(XSS_NAME) in page


def test_a_result_analysed_before_the_cap_was_recorded_draws_its_max_lifetime(result: ScanResult) -> None:
    """Results written before lifetime_cap existed still say which cap they were judged against."""
    from cookiescan.report.view import cap_days

    old = replace(result, lifetime_cap=None, config={**result.config, "max_lifetime": "6months"})
    assert cap_days(old) == 182.64
    assert cap_days(replace(old, config={})) == 395.72
