"""The one place the version is written (pyproject reads it; results and evidence packs record it)."""

__version__ = "0.1.0"
