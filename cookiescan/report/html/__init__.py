"""The HTML audit report: one self-contained file for compliance teams and their clients.

Everything the browser needs is inside the file: inline CSS, banner screenshots as ``data:`` URIs and
one inline script whose SHA-256 goes into the page's Content-Security-Policy, so no other script
can run and nothing is ever fetched. All site-controlled text (cookie names and values, URLs, page
titles, button texts) goes through Jinja's autoescaping and is shown as text, never as a live link.
Without JavaScript every row is visible; with it, tables sort and filter.

What is where:

``renderer``     the Jinja environment, the inline script and its CSP hash, :func:`context` and :func:`render`
``inventory``    the cookie inventory: one row per cookie, a cell per state, lifetime bars against the cap
``findings``     findings grouped by rule; the worst severity per (subject, state) for table cells
``evidence``     a finding's evidence in compact form (labels, plain units, list previews)
``declared``     the declared-list section (the site's own cookie list against what was seen)
``notice``       the notice section (what the written notice promises against what the site does)
``tables``       third parties, frames, storage, pages and the glance figures
``screenshots``  banner screenshots read safely and inlined as ``data:`` URIs

The template, its CSS and script live in ``cookiescan/report/templates/``.
"""

from cookiescan.report.html.declared import declared_view
from cookiescan.report.html.evidence import EvidenceRow, evidence_row, evidence_rows, short_url
from cookiescan.report.html.findings import RuleGroup, rule_groups
from cookiescan.report.html.inventory import Bar, Cell, InventoryRow, inventory
from cookiescan.report.html.notice import notice_view
from cookiescan.report.html.renderer import context, render, script, script_hash
from cookiescan.report.html.screenshots import Screenshot, load_screenshot
from cookiescan.report.html.tables import frames, glance, pages, storage, third_parties

__all__ = [
    "Bar",
    "Cell",
    "EvidenceRow",
    "InventoryRow",
    "RuleGroup",
    "Screenshot",
    "context",
    "declared_view",
    "evidence_row",
    "evidence_rows",
    "frames",
    "glance",
    "inventory",
    "load_screenshot",
    "notice_view",
    "pages",
    "render",
    "rule_groups",
    "script",
    "script_hash",
    "short_url",
    "storage",
    "third_parties",
]
