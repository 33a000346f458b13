"""The non-Python files cookiescan reads at run time, named in one place and read with
:mod:`importlib.resources` (so they are found in a wheel, a zip or an editable install alike, never
through a path built from ``__file__``).

``RUNTIME_FILES`` is what ``tests/test_packaging.py`` checks the built wheel and sdist for: a file read
here but left out of ``[tool.setuptools.package-data]`` fails that test, not a user's first scan.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

# (package, path inside the package) for every data file some module reads while running.
RUNTIME_FILES: tuple[tuple[str, str], ...] = (
    ("cookiescan.collect", "hooks.js"),
    ("cookiescan.consent", "scan.js"),
    ("cookiescan.consent", "visible.js"),
    ("cookiescan.consent", "element.js"),
    ("cookiescan.consent", "label.js"),
    ("cookiescan.consent", "gone.js"),
    ("cookiescan.consent", "script_click.js"),
    ("cookiescan.consent", "click_recorder.js"),
    ("cookiescan.consent", "autoconsent_relay.js"),
    ("cookiescan.consent", "autoconsent_send.js"),
    ("cookiescan.consent", "autoconsent_init.js"),
    ("cookiescan.consent", "autoconsent_eval.js"),
    ("cookiescan.consent", "verify.js"),
    ("cookiescan.consent", "way_back.js"),
    ("cookiescan.consent", "way_back_click.js"),
    ("cookiescan.consent", "reopen.js"),
    ("cookiescan.collect", "storage.js"),
    ("cookiescan.collect", "tcf.js"),
    ("cookiescan.scan", "fetch_base64.js"),
    ("cookiescan.scan", "shift_clock.js"),
    ("cookiescan.report", "templates/report.html.j2"),
    ("cookiescan.report", "templates/report.css"),
    ("cookiescan.report", "templates/report.js"),
    ("cookiescan.report", "templates/portfolio.html.j2"),
    ("cookiescan.report", "templates/portfolio.css"),
    ("known_trackers", "cookies.json"),
    ("known_trackers", "domains.json"),
)


@cache
def read_text(package: str, name: str) -> str:
    """The UTF-8 text of the data file ``name`` inside ``package`` (read once per process)."""
    if (package, name) not in RUNTIME_FILES:  # keeps RUNTIME_FILES complete: the packaging test relies on it
        raise KeyError(f"{package}/{name} is not listed in cookiescan.resources.RUNTIME_FILES")
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")
