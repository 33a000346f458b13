"""Developer sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s demo``, ``nox -s bench``, ``nox -s bench_batch``."""

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The test-suite in a real Chromium (needs chromium on PATH or COOKIESCAN_BROWSER)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", "cookiescan", "tests", "scripts")
    session.run("mypy", "cookiescan", success_codes=[0, 1] if "--lenient" in session.posargs else [0])


@nox.session
def demo(session: nox.Session) -> None:
    """Scan the built-in demo shop and write reports/ (no internet needed)."""
    session.install("-e", ".")
    session.run("cookiescan", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark: time to the report on fixture sites of 3, 9, 13 and 100 pages x 3 states, at --concurrency 1
    and the default, this checkout against the revision before issue 17 (a git worktree, same run), with the
    peak memory of the whole process tree and a check that both found the same; this checkout also in the full
    browser (it runs Chromium's headless shell when one is installed)."""
    session.install("-e", ".")
    session.run("python", "bench/bench_speed.py", *(session.posargs or ["--full-browser"]))


@nox.session
def bench_batch(session: nox.Session) -> None:
    """Benchmark: cookiescan batch on 12 fixture sites x 10 pages, 1 vs 2 workers, local and Celery (needs
    redis-server): sites/hour, seconds per site, cores busy, peak memory of the process tree, idle worker memory."""
    session.install("-e", ".[celery]")
    session.run("python", "bench/bench_batch.py", *session.posargs)
