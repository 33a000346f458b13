"""The checks a privacy regulator would make, as plain functions of a classified scan result.

Every rule has one :class:`RuleInfo` in the registry (:mod:`cookiescan.rules.registry`): its id (from
RULES.md), title, usual severity, plain-language explanation, legal basis, the function that checks it,
and whether it needs a written notice. :data:`RULE_INFO` (id -> RuleInfo) and :data:`RULES` (id ->
function) are read from it. :func:`evaluate` runs every rule (the notice rules only when it is given a
:class:`cookiescan.notice.Notice`), applies the ``ignore`` entries and returns the findings in a
deterministic order (severity, rule, subject, scenario).

Run :func:`cookiescan.classify.classify` first: the rules judge the ``category`` fields it fills.

What is where:

* :mod:`~cookiescan.rules.registry` — :class:`RuleInfo`, the registry, :func:`evaluate` and the ignores.
* :mod:`~cookiescan.rules.context` — :class:`RuleContext` (what a rule reads), :class:`RuleOptions`.
* :mod:`~cookiescan.rules.evidence` — the evidence helpers every family shares.
* one module per family: :mod:`~cookiescan.rules.consent` (``pre-consent-*``, ``post-reject-*``),
  :mod:`~cookiescan.rules.declared` (``undeclared-cookie``, ``declared-not-found``),
  :mod:`~cookiescan.rules.lifetime` (``lifetime-over-cap``, ``lifetime-over-declared``,
  ``declared-lifetime-over-cap``), :mod:`~cookiescan.rules.banner` (``no-reject-first-layer``,
  ``no-consent-banner``), :mod:`~cookiescan.rules.notice` (``undeclared-vendor``, ``notice-vendor-unused``,
  ``notice-lifetime-broken``, ``notice-lifetime-over-cap``, ``refusal-not-remembered``).

To add a rule: write one function ``RuleContext -> list[Finding]`` in its family module (a new family is a
new module), using :mod:`~cookiescan.rules.evidence` for the evidence, and add one :class:`RuleInfo` with
``check=`` that function to ``_REGISTRY`` in :mod:`~cookiescan.rules.registry` (``needs_notice=True`` if it
reads ``ctx.notice``). The reports pick up its texts from :data:`RULE_INFO`; the tests check that every rule
has its texts and fires in a report scenario.

Decisions worth knowing (see the README for the user-facing version):

* **Non-necessary** means ``category != "necessary"``. An ``unknown`` (unclassified) cookie, storage
  key or tracker still fires, with severity ``medium`` instead of ``high`` and a message asking for it
  to be declared: a regulator would ask what it is.
* **The 13-month cap** is counted in calendar months from the moment the cookie was set
  (``CookieWrite.time``, else the page's or the scan's start): the cap ends on the same day N months
  later, or on the last day of that month when it has no such day (Jan 31 + 13 months = Feb 28/29),
  as EU Regulation 1182/71 art. 3(2)(c) and French procedure (CPC art. 641) count month periods. 13
  months is therefore 393 to 397 days depending on the start date. One hour of tolerance absorbs
  clock skew between a server computing ``Expires`` and the browser. The lifetime judged is the one
  the site *requested*; the stored one (capped at 400 days by Chromium) only when no write was seen.
* **A declared lifetime** has no start date, so ``declared-lifetime-over-cap`` fires only when it is
  longer than N calendar months can ever be (397 days for 13), i.e. "13 mois" or "396 days" pass.
* Cookies the browser **refused** still count (the site tried to set them), with
  ``"in_jar": false`` and ``"blocked_reasons"`` in the evidence. A cookie whose only writes were
  **deletions** (the site cleared it, no value was ever stored) is still listed by the consent rules,
  with ``"deletion_only": true`` and severity ``low``: clearing trackers on refusal is what the CNIL
  asks for, so it must not gate a build.
* Tracker rules look at third-party requests only: the scanned site may itself be a listed entity.
"""

from __future__ import annotations

from cookiescan.rules.context import RuleContext, RuleFn, RuleOptions
from cookiescan.rules.lifetime import CAP_TOLERANCE, cap_end
from cookiescan.rules.registry import RULE_INFO, RULES, RuleInfo, evaluate

__all__ = [
    "CAP_TOLERANCE",
    "RULES",
    "RULE_INFO",
    "RuleContext",
    "RuleFn",
    "RuleInfo",
    "RuleOptions",
    "cap_end",
    "evaluate",
]
