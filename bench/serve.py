"""A real threaded HTTP server for a folder of published files, on 127.0.0.1 only.

Like a host's web server: `ETag` (a hash of the bytes) and `Last-Modified` on every answer,
`If-None-Match` → 304 Not Modified (conditional GET, so an unchanged re-import reads nothing),
HTTP/1.1 keep-alive, 404 for a missing file. `GET /__stats` answers the counts of statuses sent.

It runs in its own process (`FileServer`), so that serving does not take the importer's GIL:
a host's web server is another machine. `python -m bench.serve FOLDER` runs it by hand.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the importer's client reuses connections
    server_version = "PorteeBenchFiles/1.0"
    root: Path
    counts: Counter
    lock: threading.Lock

    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass

    def _count(self, status: int) -> None:
        with self.lock:
            self.counts[status] += 1

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self._count(status)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == "/__stats":
            with self.lock:
                body = json.dumps({str(k): v for k, v in self.counts.items()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            self._send(404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"})
            return
        data = target.read_bytes()
        etag = '"' + hashlib.sha1(data).hexdigest() + '"'
        modified = email.utils.formatdate(target.stat().st_mtime, usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=0"}
        wanted = [tag.strip() for tag in self.headers.get("If-None-Match", "").split(",")]
        if etag in wanted or "*" in wanted:
            self._send(304, headers=headers)
            return
        headers["Content-Type"] = "text/plain; charset=utf-8"
        self._send(200, data, headers)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that drops a kept-alive connection is not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(root: Path, port: int = 0) -> ThreadingHTTPServer:
    handler = type(
        "Handler",
        (_Handler,),
        {"root": Path(root).resolve(), "counts": Counter(), "lock": threading.Lock()},
    )
    return _Server(("127.0.0.1", port), handler)


class FileServer:
    """`python -m bench.serve FOLDER` in a child process; `base_url`, `stats()`, `stop()`."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", str(root)],
            stdout=subprocess.PIPE,
            stdin=subprocess.PIPE,
            text=True,
            cwd=str(Path(__file__).resolve().parent.parent),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        line = self.process.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"the file server did not start: {line!r}")
        self.port = int(line)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stats(self) -> Counter:
        response = httpx.get(f"{self.base_url}/__stats", timeout=10, trust_env=False)
        return Counter({int(k): v for k, v in response.json().items()})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # the child stops when its stdin closes
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()

    def __enter__(self) -> FileServer:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def main(argv: list[str]) -> None:
    server = make_server(Path(argv[0]), int(argv[1]) if len(argv) > 1 else 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(server.server_address[1], flush=True)
    # Serve until the parent closes our stdin (or goes away); bounded by a day at most.
    deadline = time.monotonic() + 86400
    while time.monotonic() < deadline and sys.stdin.readline():
        pass
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
