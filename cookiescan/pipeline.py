"""``audit(config) -> ScanResult``: the whole job in one library call — scan the site in each consent
state, load the declared list and the written notice, classify, evaluate the rules — as the CLI, the
benchmarks and the batch workers all run it.

>>> import asyncio, cookiescan
>>> result = asyncio.run(cookiescan.audit(cookiescan.ScanConfig(urls=("https://www.example.com/",))))  # doctest: +SKIP
>>> cookiescan.verdict(result)  # doctest: +SKIP
'5 findings (3 high, 2 medium) on 20 pages (3 consent states)'
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

from cookiescan.analyse import analyse, load_declared, load_notice
from cookiescan.browser import BrowserSession
from cookiescan.config import ScanConfig
from cookiescan.declared import DeclaredList
from cookiescan.errors import CookiescanError, SeedUnreachableError
from cookiescan.models import ScanResult
from cookiescan.progress import Progress
from cookiescan.repeat import merge
from cookiescan.scan import Scanner
from cookiescan.scan.discover import Discovery

# what a kept source file may be called: its kind's extension, never a name the user or the site chose
DECLARED_SUFFIXES = (".csv", ".yaml", ".yml", ".json")
NOTICE_SUFFIXES = (".html", ".htm", ".txt", ".text", ".md")


@dataclass(frozen=True)
class AuditOutcome:
    """An audit that ran, even partly: the result (always, so reports can be written) and what the caller
    must still know — the start URL could not be reached, the run was interrupted, inputs that could not
    be read."""

    result: ScanResult
    seed_error: SeedUnreachableError | None = None
    interrupted: bool = False
    warnings: tuple[str, ...] = ()


class Audit:
    """One audit run. :meth:`run` does the job; :meth:`stop` (from a signal handler, another task)
    ends the scan early — :meth:`run` then analyses what was seen and marks the result interrupted.
    With ``config.repeat`` N > 1 it runs N independent scans and merges them (:mod:`cookiescan.repeat`)."""

    def __init__(self, config: ScanConfig, *, progress: Progress | None = None, evidence_dir: Path | None = None,
                 session: BrowserSession | None = None) -> None:
        self.config = config
        self.progress = progress or Progress()
        self.evidence_dir = evidence_dir
        self.session = session
        self.scanner = Scanner(config, progress=self.progress, evidence_dir=evidence_dir, session=session)
        self._scan: asyncio.Future[ScanResult] | None = None
        self._stopped = False

    def stop(self) -> None:
        """Interrupt the scan (idempotent)."""
        self._stopped = True
        if self._scan is not None:
            self._scan.cancel()

    async def run(self) -> AuditOutcome:
        """Scan, then analyse (N times with ``--repeat``, merged). Raises only for input that makes the audit
        pointless before any browser starts (a declared-list file that cannot be read)."""
        declared_list = load_declared(self.config) if self.config.declared else None  # fail fast on a bad file
        outcomes = [await self._once(self.scanner, declared_list)]
        for n in range(2, self.config.repeat + 1):
            if self._stopped or outcomes[-1].seed_error is not None:
                break
            self.progress.message(f"run {n} of {self.config.repeat}")
            # an independent scan: fresh contexts, no screenshots (the first run's banners are the evidence)
            self.scanner = Scanner(self.config, progress=self.progress, session=self.session)
            outcomes.append(await self._once(self.scanner, declared_list))
        if len(outcomes) == 1:
            return outcomes[0]
        return replace(outcomes[0], result=merge([o.result for o in outcomes]),
                       interrupted=any(o.interrupted for o in outcomes),
                       warnings=tuple(dict.fromkeys(w for o in outcomes for w in o.warnings)))

    async def _once(self, scanner: Scanner, declared_list: DeclaredList | None) -> AuditOutcome:
        config = self.config
        seed_error, interrupted = None, False
        self._scan = asyncio.ensure_future(scanner.run())
        if self._stopped:
            self._scan.cancel()
        try:
            await self._scan
        except SeedUnreachableError as exc:
            seed_error = exc
            scanner.errors.append(exc.message)
        except asyncio.CancelledError:
            if not self._stopped:
                raise  # our caller cancelled us: not ours to swallow
            interrupted = True
        raw = scanner.result()
        warnings: list[str] = []
        found = scanner.discovery
        if scanner.evidence_dir is not None:
            warnings += save_sources(scanner.evidence_dir, config, found)
        if config.declared_from and declared_list is None and seed_error is None:
            if found.policy_html is None:
                warnings.append(f"could not load the cookie-policy page {config.declared_from}")
            else:
                try:
                    declared_list = load_declared(config, found.policy_html)
                except CookiescanError as exc:
                    warnings.append(exc.message)
        notice = None
        if config.notice and seed_error is None:
            try:
                notice = load_notice(config, found.notice_html)
            except CookiescanError as exc:
                warnings.append(exc.message)
            if notice is None:
                warnings.append(f"could not load the cookie notice {config.notice}")
        with scanner.timeline.span("analysis"):
            result = analyse(raw, config, declared_list, notice)
        result = replace(result, timings=scanner.timeline.result())
        if interrupted:
            result = replace(result, interrupted=True)
        return AuditOutcome(result, seed_error=seed_error, interrupted=interrupted, warnings=tuple(warnings))


def save_sources(folder: Path, config: ScanConfig, found: Discovery) -> list[str]:
    """Keep what the declared list and the notice were read from in the evidence folder:
    ``declared-source.html`` / ``notice-source.html`` (the page as the browser had it once loaded, the HTML
    the readers parsed), or the bytes of ``--declared FILE`` / ``--notice FILE`` as ``declared-source.<ext>``
    / ``notice-source.<ext>``. Returns warnings for what could not be kept."""
    sources: list[tuple[str, bytes | Path]] = []
    if config.declared:
        sources.append((_source_name("declared", config.declared, DECLARED_SUFFIXES), Path(config.declared)))
    elif found.policy_html is not None:
        sources.append(("declared-source.html", found.policy_html.encode("utf-8", errors="replace")))
    if config.notice and not config.notice.startswith(("http://", "https://")):
        sources.append((_source_name("notice", config.notice, NOTICE_SUFFIXES), Path(config.notice)))
    elif found.notice_html is not None:
        sources.append(("notice-source.html", found.notice_html.encode("utf-8", errors="replace")))
    warnings = []
    for name, content in sources:
        try:
            data = content.read_bytes() if isinstance(content, Path) else content
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        except OSError as exc:
            warnings.append(f"could not keep {name} in {folder}: {exc.strerror or exc}")
    return warnings


def _source_name(kind: str, path: str, allowed: tuple[str, ...]) -> str:
    suffix = Path(path).suffix.lower()
    return f"{kind}-source{suffix if suffix in allowed else '.txt'}"


async def audit(config: ScanConfig, *, progress: Progress | None = None, evidence_dir: Path | None = None,
                session: BrowserSession | None = None) -> ScanResult:
    """Audit ``config.urls``: the result with its findings (:func:`cookiescan.models.verdict` words it).

    Raises :class:`~cookiescan.errors.SeedUnreachableError` when no start URL can be reached, and the
    other :class:`~cookiescan.errors.CookiescanError` subclasses for unusable input. Use :class:`Audit`
    to keep the partial result of an unreachable site or an interrupted run."""
    outcome = await Audit(config, progress=progress, evidence_dir=evidence_dir, session=session).run()
    if outcome.seed_error is not None:
        raise outcome.seed_error
    return outcome.result
