"""A threaded HTTPS server that serves the fixture sites by ``Host`` header."""

from __future__ import annotations

import base64
import hashlib
import http.server
import socketserver
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

Handler = Callable[["Request"], "Response | None"]


@dataclass(slots=True)
class Request:
    """What a route handler sees of one request."""

    method: str
    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


@dataclass(slots=True)
class Response:
    """What a route handler answers. ``delay`` sleeps before answering; ``hang`` never answers."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    hang: bool = False


class _ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        # a client that hangs up or speaks plain HTTP to the TLS port is not the fixture's problem
        return


class FixtureWeb:
    """Start with ``start()`` (or as a context manager); ``browser_args`` point Chromium at it.

    ``routes`` maps hostname -> callable(Request) -> Response | None (the demo shop: ``sites.ROUTES``).
    """

    def __init__(self, routes: Mapping[str, Handler], extra_hosts: Iterable[str] = ()) -> None:
        self.routes = dict(routes)
        self.hosts = sorted(set(self.routes) | set(extra_hosts))
        self.port = 0
        self.spki = ""
        self.log: list[tuple[str, str, str]] = []  # (host, method, path) of every request served
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="cookiescan-fixture-")
        self._stop = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FixtureWeb:
        import trustme
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        ca = trustme.CA()
        names = [*self.hosts, *(f"*.{h}" for h in self.hosts), "localhost", "127.0.0.1"]
        cert = ca.issue_cert(*names)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        leaf = x509.load_pem_x509_certificate(cert.cert_chain_pems[0].bytes())
        der = leaf.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.spki = base64.b64encode(hashlib.sha256(der).digest()).decode()
        self.ca_pem_path = Path(self._tmp.name) / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_pem_path))

        web = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def _serve(self) -> None:
                web._dispatch(self)

            do_GET = do_POST = do_HEAD = _serve

        server = _ThreadingServer(("127.0.0.1", 0), _Handler)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, name="fixture-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._tmp.cleanup()

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what Chromium needs ----------------------------------------------------------------------
    @property
    def host_resolver_rules(self) -> str:
        # nowhere-fixture.com never resolves: the "unreachable host" case.
        return f"MAP nowhere-fixture.com ~NOTFOUND, MAP * 127.0.0.1:{self.port}"

    @property
    def browser_args(self) -> list[str]:
        """Chromium switches that send every hostname here and trust only this server's key."""
        return [
            f"--host-resolver-rules={self.host_resolver_rules}",
            f"--ignore-certificate-errors-spki-list={self.spki}",
        ]

    def url(self, host: str, path: str = "/") -> str:
        return f"https://{host}{path}"

    # -- dispatch ---------------------------------------------------------------------------------
    def _dispatch(self, h: http.server.BaseHTTPRequestHandler) -> None:
        host = (h.headers.get("Host") or "").split(":")[0].lower()
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        req = Request(h.command, host, parts.path or "/", parse_qs(parts.query), dict(h.headers.items()), body)
        self.log.append((host, h.command, h.path))
        handler = self.routes.get(host) or self.routes.get(host.removeprefix("www."))
        resp = handler(req) if handler else None
        if resp is None:
            resp = Response("<!doctype html><title>Not found</title><h1>404</h1>", status=404)
        if resp.hang:
            self._stop.wait(600)
            return
        if resp.delay:
            self._stop.wait(resp.delay)
        data = resp.body.encode() if isinstance(resp.body, str) else resp.body
        try:
            h.send_response(resp.status)
            h.send_header("Content-Type", resp.content_type)
            h.send_header("Content-Length", str(len(data)))
            h.send_header("Cache-Control", "no-store")
            for k, v in resp.headers:
                h.send_header(k, v)
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


def serve_forever(web: FixtureWeb) -> None:  # pragma: no cover - manual use
    """Keep a started fixture web up until Ctrl-C (for poking at it by hand)."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        web.stop()
