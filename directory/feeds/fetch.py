"""Fetching published files: conditional GET, size cap, redirect cap, bounded time.

`Fetcher` speaks HTTP through an httpx transport. The demo plugs in `DirectoryTransport`,
which serves a folder of the repository as if each sub-folder were a web site, so the demo
goes through the same importer as any host.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx

from directory.feeds.issues import Issue

USER_AGENT = "Portee/0.1 (+https://portee.example/about; directory of CHATONS-style hosts)"
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class FetchResult:
    url: str
    status: int | None = None
    content: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: Issue | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400


class Fetcher:
    """One HTTP client shared by every fetch of an import run (httpx clients are thread-safe)."""

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = 10.0,
        max_redirects: int = 5,
    ) -> None:
        self.max_bytes = max_bytes
        self.client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=5.0),
            follow_redirects=True,
            max_redirects=max_redirects,
            headers={"User-Agent": USER_AGENT},
        )
        self.max_redirects = max_redirects

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None):
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                result = FetchResult(
                    url=str(response.url),
                    status=response.status_code,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
                if response.status_code == 304:
                    return result
                if response.status_code >= 400:
                    result.error = Issue("http_status", params={"status": response.status_code})
                    return result
                result.content = self._read_capped(response, result)
                return result
        except httpx.TooManyRedirects:
            return FetchResult(url, error=Issue("too_many_redirects", params={"limit": 5}))
        except httpx.TimeoutException:
            return FetchResult(url, error=Issue("timeout"))
        except httpx.HTTPError as exc:
            return FetchResult(url, error=Issue("network", params={"detail": type(exc).__name__}))

    def _read_capped(self, response: httpx.Response, result: FetchResult) -> bytes | None:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            result.error = Issue("too_large", params={"limit": _size(self.max_bytes)})
            return None
        chunks, total = [], 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > self.max_bytes:
                result.error = Issue("too_large", params={"limit": _size(self.max_bytes)})
                return None
            chunks.append(chunk)
        return b"".join(chunks)


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.0f} MB" if count >= 1024 * 1024 else f"{count} bytes"


class DirectoryTransport(httpx.BaseTransport):
    """Serves `root/<host>/<path>` for `https://<host>/<path>`, with ETags for conditional GET."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        relative = PurePosixPath(request.url.host, request.url.path.lstrip("/"))
        if ".." in relative.parts:
            return httpx.Response(404, request=request)
        path = self.root.joinpath(*relative.parts)
        if not path.is_file():
            return httpx.Response(404, request=request, text="Not found")
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag}, request=request)
        kind = "text/plain; charset=utf-8"
        if path.suffix != ".properties":
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return httpx.Response(
            200, headers={"ETag": etag, "Content-Type": kind}, content=body, request=request
        )
