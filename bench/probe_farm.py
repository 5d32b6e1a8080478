"""Thousands of services on one port of 127.0.0.1, for the benchmark's probe run.

Each service has its own host name under `bench.example` (the probe run's resolver sends every
such name to 127.0.0.1, so no name is ever looked up), and the name says what the service is:
`<kind>-<id>-<software slug>.bench.example`. The kinds are those the issue lists:

- `w` a working install: the routes its functional check asks (bench/answers.py), a home page;
- `p` a parking page answering 200 to everything;
- `e` a 500 page, `g` a 502 page (a proxy whose software is down);
- `s` a slow install: the working answers after SLOW_SECONDS;
- `t` a server that accepts and never answers (the probe's deadline ends it);
- `d` a dead port: those services' addresses name another port, where nothing listens.

HTTPS with a certificate for `*.bench.example` from a local authority (trustme), HTTP/1.1
keep-alive, asyncio: one process serves them all without taking the probe run's GIL, as the
hosts' servers are other machines. `GET /__stats` (any name) answers the requests served by kind.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import sys
from collections import Counter

from bench.answers import nodeinfo, working
from directory.probes.checks import NODEINFO_NAMES

SLOW_SECONDS = 3.0
PARKING = b"<html><head><title>This domain is for sale</title></head><body>Buy it</body></html>"
HOME = b"<!doctype html><html><head><title>Service</title></head><body>Welcome</body></html>"
REASONS = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway"}


def host_name(kind: str, service_id: int, slug: str | None) -> str:
    return f"{kind}-{service_id}-{slug or 'none'}.bench.example"


def _routes(slug: str, base: str) -> dict[str, bytes]:
    try:
        routes, _found = working(slug, base)
    except KeyError:
        if slug not in NODEINFO_NAMES:  # no functional check: the generic check reads "/"
            return {}
        routes = nodeinfo(base, sorted(NODEINFO_NAMES[slug])[0], "1.0.0")
    answers = {}
    for path, body in routes:
        answers[path] = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return answers


def _content_type(body: bytes) -> str:
    if body[:1] in (b"{", b"[") or body in (b"true", b"false"):
        return "application/json"
    return "text/html" if body.startswith(b"<") else "application/javascript"


class Farm:
    def __init__(self, port: int, slow: float = SLOW_SECONDS) -> None:
        self.port = port
        self.slow = slow
        self.served: Counter = Counter()
        self._routes: dict[tuple[str, str], dict[str, bytes]] = {}

    def answer(self, host: str, path: str) -> tuple[int, bytes, str]:
        label = host.split(".", 1)[0]
        kind, _id, slug = (label.split("-", 2) + ["", ""])[:3]
        self.served[kind] += 1
        if kind == "p":
            return 200, PARKING, "text/html"
        if kind == "e":
            return 500, b"<html><body>Internal Server Error</body></html>", "text/html"
        if kind == "g":
            return 502, b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", "text/html"
        key = (host, slug)
        if key not in self._routes:
            self._routes[key] = _routes(slug, f"https://{host}:{self.port}/")
        routes = self._routes[key]
        if path in routes:
            body = routes[path]
            return 200, body, _content_type(body)
        if path == "/":
            return 200, HOME, "text/html"
        return 404, b"Not found", "text/plain"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                target = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 2 else "/"
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                host = headers.get("host", "").rsplit(":", 1)[0]
                path = target.split("?", 1)[0]
                if path == "/__stats":
                    status, body, kind = 200, json.dumps(self.served).encode(), "application/json"
                else:
                    label = host.split(".", 1)[0]
                    if label.startswith("t-"):
                        await asyncio.sleep(3600)  # never answers: the probe's deadline ends it
                    if label.startswith("s-"):
                        await asyncio.sleep(self.slow)
                    status, body, kind = self.answer(host, path)
                writer.write(
                    (
                        f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\n"
                        f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
                    ).encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        except asyncio.CancelledError:  # the farm is stopping: a never-answering wait ends
            pass
        finally:
            writer.close()


async def serve(port: int, certificate: str, key: str, slow: float) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    farm = Farm(port, slow)
    server = await asyncio.start_server(
        farm.handle, "127.0.0.1", port, ssl=context, backlog=1024, reuse_address=True
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str]) -> None:
    """`python -m bench.probe_farm PORT CERT KEY [SLOW_SECONDS [NICE]]`: serve until SIGTERM."""
    port, certificate, key = int(argv[0]), argv[1], argv[2]
    slow = float(argv[3]) if len(argv) > 3 else SLOW_SECONDS
    # The farm stands in for the hosts' own machines: it must not take the web worker's CPU
    # the way a real host's server never could.
    os.nice(int(argv[4]) if len(argv) > 4 else 15)
    asyncio.run(serve(port, certificate, key, slow))


if __name__ == "__main__":
    main(sys.argv[1:])
