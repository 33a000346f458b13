"""The benchmarks' fixture site: ``pages`` pages, each linking to a few others, with realistic third parties —
a first-party analytics cookie and hit, a tracker script whose fetch is never read, an ad pixel, and an
iframe on every tenth page. No consent banner (the fixed costs of a site without one are what a small CI
scan pays most)."""

from __future__ import annotations

from cookiescan.demo import sites
from cookiescan.demo.server import Request, Response

HOST = "bench-fixture.com"


def bench_routes(pages: int, host: str = HOST) -> dict:
    """The demo's third parties plus ``host`` serving a site of ``pages`` pages."""

    def handler(req: Request) -> Response | None:
        if req.path == "/robots.txt":
            return Response("User-agent: *\nAllow: /\n", content_type="text/plain")
        if req.path == "/sitemap.xml":
            return None
        if req.path == "/" or req.path.startswith("/p/"):
            n = 0 if req.path == "/" else int(req.path.rsplit("/", 1)[-1] or 0)
            if n >= pages:
                return None
            links = "".join(f'<a href="/p/{(n * 3 + k) % pages}">page {(n * 3 + k) % pages}</a> ' for k in (1, 2, 3))
            body = f"""<!doctype html><html><head><meta charset="utf-8"><title>Page {n}</title></head><body>
<h1>Page {n}</h1><nav>{links}</nav>
<script>document.cookie = "_ga=GA1.1.42.1700000000; max-age=63072000; path=/";
navigator.sendBeacon("https://www.google-analytics.com/g/collect?v=2&en=page_view");</script>
<script src="https://{sites.TRACKER}/t.js" async></script>
<img src="https://{sites.ADS}/pixel.gif?p={n}" width="1" height="1" alt="">
{f'<iframe src="https://{sites.WIDGET}/embed" width="300" height="80"></iframe>' if n % 10 == 0 else ''}
</body></html>"""
            return Response(body, headers=[("Set-Cookie", f"sid=s{n}; Path=/; HttpOnly; Secure")])
        return None

    return {**sites.ROUTES, host: handler}
