"""A real HTTP server on 127.0.0.1 for importer tests: serves files, and misbehaves on demand.

pytest-httpserver answers through Werkzeug, which cannot trickle headers or lie about its
compression; this server writes to the socket itself. Files live in a dict (path → bytes) that
a test edits between runs; `misbehave(path, how)` swaps a path's answer for a hostile one.
Each behaviour is bounded in time, so a test never leaves a thread writing forever.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Behaviour = Callable[[BaseHTTPRequestHandler], None]
GIVE_UP = 60.0  # seconds after which a hostile answer stops by itself


class HostileServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.files: dict[str, bytes] = {}
        self.types: dict[str, str] = {}
        self.behaviours: dict[str, Behaviour] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                path = urlsplit(self.path).path  # ?copy=N serves the same file
                behaviour = server.behaviours.get(self.path) or server.behaviours.get(path)
                try:
                    if behaviour is not None:
                        behaviour(self)
                    else:
                        server.serve_file(self, path)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the importer gave up: what we test

            def log_message(self, *_args) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def put(self, path: str, text: str | bytes, content_type: str = "text/plain") -> None:
        self.files[path] = text.encode("utf-8") if isinstance(text, str) else text
        self.types[path] = content_type
        self.behaviours.pop(path, None)

    def misbehave(self, path: str, behaviour: Behaviour) -> None:
        self.behaviours[path] = behaviour

    def behave(self, path: str) -> None:
        self.behaviours.pop(path, None)

    def serve_file(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        body = self.files.get(path)
        if body is None:
            answer(handler, 404, b"not found")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if handler.headers.get("If-None-Match") == etag:
            answer(handler, 304, b"", {"ETag": etag})
            return
        kind = self.types.get(path, "text/plain")
        answer(handler, 200, body, {"ETag": etag, "Content-Type": f"{kind}; charset=utf-8"})


def answer(handler, status: int, body: bytes, headers: dict | None = None) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if status != 304:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if status != 304:
        handler.wfile.write(body)


# -- hostile behaviours ----------------------------------------------------------------------


def trickle_headers(every: float = 0.5) -> Behaviour:
    """The status line, then one header byte every `every` seconds, never ending the headers."""

    def behave(handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        handler.wfile.flush()
        end = time.monotonic() + GIVE_UP
        while time.monotonic() < end:
            time.sleep(every)
            handler.wfile.write(b"a")
            handler.wfile.flush()

    return behave


def trickle_body(every: float = 0.5) -> Behaviour:
    """Headers at once, then the body one byte every `every` seconds."""

    def behave(handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        end = time.monotonic() + GIVE_UP
        while time.monotonic() < end:
            time.sleep(every)
            handler.wfile.write(b"a")
            handler.wfile.flush()

    return behave


def never_answer(handler) -> None:
    """Accepts the connection, reads the request, says nothing."""
    time.sleep(GIVE_UP)


def corrupt_gzip(handler) -> None:
    """`Content-Encoding: gzip` over bytes that are not gzip (a real gzip header, then junk)."""
    body = gzip.compress(b"file.class = organization\n")[:12] + b"\xff" * 4000
    answer(handler, 200, body, {"Content-Encoding": "gzip", "Content-Type": "text/plain"})


def status(code: int, body: bytes = b"error", headers: dict | None = None) -> Behaviour:
    return lambda handler: answer(handler, code, body, headers)


def truncated(handler) -> None:
    """Announces 5,000 bytes, sends 100, closes."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 100)
    handler.wfile.flush()
    handler.close_connection = True


def declares_50_mb(handler) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n" + b"x" * 1000)
    handler.wfile.flush()
    handler.close_connection = True


def streams_50_mb(handler) -> None:
    """Chunked, no length: 50 MB if nobody stops reading."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"organization.name = x\n" * 3000
    for _ in range(52428800 // len(chunk)):
        handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    handler.wfile.write(b"0\r\n\r\n")


def redirect_to(location: str) -> Behaviour:
    return status(302, b"", {"Location": location})
