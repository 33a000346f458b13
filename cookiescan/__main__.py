"""``python -m cookiescan``."""

from cookiescan.cli import main

main()
