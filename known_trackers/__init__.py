"""Known cookies and tracker domains, shipped as data (cookies.json, domains.json).

Built by scripts/build_known_trackers.py from upstream data and overrides.yaml; see SOURCES.md.
Read it through :mod:`cookiescan.known`.
"""
