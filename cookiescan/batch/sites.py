"""The sites a run is opened with: validated web addresses, their registrable domain and tags, and the
rows ``open_run`` adds for them (sites, jobs, domain lease rows) without duplicating existing ones."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from cookiescan.batch import schema as s
from cookiescan.batch.records import StoreError
from cookiescan.party import site_of

CHUNK = 500  # rows per IN (…) list: well under SQLite's bound-parameter limit


def site_entries(sites: Iterable[tuple[str, Iterable[str]] | str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``url -> (registrable domain, sorted tags)`` in the given order; a URL listed twice merges its tags.
    Raises StoreError naming the first entry that is not an http(s) address."""
    out: dict[str, tuple[str, set[str]]] = {}
    for item in sites:
        url, tags = (item, ()) if isinstance(item, str) else item
        url = str(url).strip()
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            host = None
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not host:
            raise StoreError(f"not a web address: {url[:200]!r}", hint="sites are http:// or https:// URLs")
        if isinstance(tags, str):
            tags = (tags,)
        _, have = out.setdefault(url, (site_of(host), set()))
        have.update(str(t).strip() for t in tags if str(t).strip())
    return {url: (domain, tuple(sorted(tags))) for url, (domain, tags) in out.items()}


def ensure_sites(conn: Connection, wanted: dict[str, tuple[str, tuple[str, ...]]]) -> dict[str, int]:
    """``url -> site id`` for every wanted site, adding missing ones and merging new tags into known ones."""
    ids: dict[str, int] = {}
    urls = list(wanted)
    for i in range(0, len(urls), CHUNK):
        for row in conn.execute(select(s.sites).where(s.sites.c.url.in_(urls[i:i + CHUNK]))):
            ids[row.url] = row.id
            tags = tuple(sorted(set(row.tags or ()) | set(wanted[row.url][1])))
            if list(tags) != list(row.tags or ()):
                conn.execute(update(s.sites).where(s.sites.c.id == row.id).values(tags=list(tags)))
    missing = [u for u in urls if u not in ids]
    for i in range(0, len(missing), CHUNK):
        chunk = missing[i:i + CHUNK]
        conn.execute(insert(s.sites), [dict(url=u, domain=wanted[u][0], tags=list(wanted[u][1])) for u in chunk])
        ids.update({r.url: r.id for r in conn.execute(select(s.sites.c.id, s.sites.c.url)
                                                      .where(s.sites.c.url.in_(chunk)))})
    return ids


def ensure_jobs(conn: Connection, run_id: int, site_ids: dict[str, int],
                wanted: dict[str, tuple[str, tuple[str, ...]]], max_attempts: int) -> None:
    """A queued job for each wanted site the run does not have yet."""
    have = set(conn.scalars(select(s.jobs.c.site_id).where(s.jobs.c.run_id == run_id)))
    rows = [dict(run_id=run_id, site_id=site_ids[url], status=s.QUEUED, attempts=0, max_attempts=max_attempts,
                 domain=domain) for url, (domain, _) in wanted.items() if site_ids[url] not in have]
    for i in range(0, len(rows), CHUNK):
        conn.execute(insert(s.jobs), rows[i:i + CHUNK])


def ensure_domains(conn: Connection, domains: set[str]) -> None:
    """A free lease row for each registrable domain that has none yet."""
    names = sorted(domains)
    for i in range(0, len(names), CHUNK):
        chunk = names[i:i + CHUNK]
        have = set(conn.scalars(select(s.domain_leases.c.domain).where(s.domain_leases.c.domain.in_(chunk))))
        rows = [dict(domain=d) for d in chunk if d not in have]
        if rows:
            conn.execute(insert(s.domain_leases), rows)
