"""Compare two scans of a site and say what is new: the ``cookiescan diff`` / ``--baseline`` engine.

>>> from cookiescan import diff
>>> d = diff.diff_results(old_result, new_result)  # doctest: +SKIP
>>> print(diff.render(d, "md", "medium"), diff.should_fail(d, "medium"))  # doctest: +SKIP

What is where:

``records``  :class:`Change` and :class:`DiffResult`, and their JSON form
``compare``  what counts as a change (identities, compared fields, tolerances; see its docstring),
             :func:`diff_results`, and the ``--fail-on-new`` gate (:func:`should_fail`)
``render``   the verdict line and the text, Markdown and JSON forms (:func:`render`)
"""

from cookiescan.diff.compare import (
    COOKIE_FIELDS,
    FAIL_ON_NEW,
    FINDING_FIELDS,
    LIFETIME_FIELDS,
    LIFETIME_TOLERANCE_DAYS,
    LIFETIME_TOLERANCE_RATIO,
    TRACKER_FIELDS,
    diff_results,
    gating_findings,
    should_fail,
)
from cookiescan.diff.records import DIFF_VERSION, KINDS, WHATS, Change, DiffResult
from cookiescan.diff.render import (
    FORMATS,
    MAX_MARKDOWN_ROWS,
    render,
    render_json,
    render_markdown,
    render_text,
    verdict,
)

__all__ = [
    "COOKIE_FIELDS",
    "DIFF_VERSION",
    "FAIL_ON_NEW",
    "FINDING_FIELDS",
    "FORMATS",
    "KINDS",
    "LIFETIME_FIELDS",
    "LIFETIME_TOLERANCE_DAYS",
    "LIFETIME_TOLERANCE_RATIO",
    "MAX_MARKDOWN_ROWS",
    "TRACKER_FIELDS",
    "WHATS",
    "Change",
    "DiffResult",
    "diff_results",
    "gating_findings",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "should_fail",
    "verdict",
]
