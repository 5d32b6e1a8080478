"""Fetching other people's files safely: Portée's only door to the network (the importer, domain
proofs and website checks all receive a `Fetcher`).

Conditional GET (ETag, Last-Modified), a size cap counted on the wire and after decompression,
per-operation timeouts plus one deadline over the whole fetch, redirects included (a server
trickling its headers or its body one byte every few seconds is cut off), at most 5 redirects
followed by hand so that each hop is checked again, and every connection through
guard.GuardedBackend. The demo plugs in `DirectoryTransport`, which serves a
folder of the repository as if each sub-folder were a web site.
"""

from __future__ import annotations

import hashlib
import mimetypes
import ssl
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import certifi
import httpcore
import httpx

from directory.feeds.issues import Issue
from directory.outbound.guard import AddressPolicy, GuardedBackend, Refused, deadline

USER_AGENT = "Portee/0.1 (directory of CHATONS-style hosts; +https://portee.example/about)"
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
DEADLINE = 30.0
# An answer whose body Portée does not use (304, redirect, error) is still read to its end when
# it is this small: httpcore closes a connection whose response was left unread, and a
# re-import is mostly 304s, which would then cost a new connection each.
DRAIN_BYTES = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
_TIMEOUTS = ("timeout", "connect_timeout")
MAX_ETAG, MAX_LAST_MODIFIED = 300, 100  # Source.etag and Source.last_modified columns
MAX_RETRY_AFTER = 48 * 3600  # the importer's longest backoff


@dataclass
class FetchResult:
    url: str
    status: int | None = None
    content: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: int | None = None  # seconds a 429 or 503 asked us to wait
    error: Issue | None = None
    # Seconds from the start of the fetch (redirects included) to the last answer's headers.
    first_byte: float | None = None
    # The end of validity of the certificate the last https answer came with (the probes).
    certificate_expires_at: datetime | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with a connection pool whose sockets go through the guard.

    httpx 0.28 has no public way to give HTTPTransport a network backend, so the pool is
    replaced (security.md §1, option a); tests/test_fetch.py proves the guard is in the path.
    """

    def __init__(self, policy: AddressPolicy, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(cafile=certifi.where()),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(policy),
        )


class Fetcher:
    """One HTTP client for a whole import run (httpx clients are thread-safe)."""

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        policy: AddressPolicy | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        deadline: float = DEADLINE,
        timeout: httpx.Timeout = TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context` replaces the certificates Portée trusts (certifi's): tests give the
        one of a local certificate authority."""
        self.policy = policy or AddressPolicy()
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.client = httpx.Client(
            transport=transport or GuardedTransport(self.policy, ssl_context),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # no proxies or .netrc from the environment
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    @classmethod
    def from_config(cls, config) -> Fetcher:
        return cls(policy=AddressPolicy.from_config(config))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        accept: str | None = None,
    ):
        """GET `url`; never raises for what a remote server does, it reports it in `error`.
        Ends within `deadline` seconds (plus a little), whatever the server does."""
        started = time.monotonic()
        with deadline(self.deadline):
            result = self._fetch(url, etag, last_modified, started, accept)
        timed_out = result.error is not None and result.error.code in _TIMEOUTS
        if timed_out and time.monotonic() - started >= self.deadline:
            result.error = Issue("too_slow", params={"limit": int(self.deadline)})
        return result

    def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        started: float,
        accept: str | None = None,
    ):
        headers = {"Accept": accept} if accept else {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                self.policy.check_url(current)
                with self.client.stream("GET", current, headers=headers) as response:
                    if response.status_code in _REDIRECTS and "Location" in response.headers:
                        self._drain(response, started)
                        try:
                            target = urljoin(current, response.headers["Location"])
                        except ValueError:
                            location = response.headers["Location"]
                            return _failed(url, "invalid_url", value=location)
                        if urlsplit(current).scheme == "https" and target.startswith("http:"):
                            return _failed(url, "insecure_redirect", value=target)
                        current = target
                        continue
                    return self._read(url, response, started)
            return _failed(url, "too_many_redirects", limit=MAX_REDIRECTS)
        except Refused as refused:
            code = refused.code
            if current != url and code in ("blocked_url", "blocked_address"):
                code = "redirect_blocked"
            return _failed(url, code, **refused.params)
        except httpx.ConnectTimeout:
            return _failed(url, "connect_timeout")
        except httpx.TimeoutException:
            return _failed(url, "timeout")
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, Refused):
                return _failed(url, exc.__cause__.code, **exc.__cause__.params)
            if "CERTIFICATE" in str(exc).upper():
                return _failed(url, "tls")
            return _failed(url, "connect_failed")
        except httpx.RemoteProtocolError:
            return _failed(url, "truncated")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return _failed(url, "invalid_url", value=current)
        except httpx.HTTPError as exc:
            return _failed(url, "network", detail=type(exc).__name__)
        except (httpx.StreamError, UnicodeError, ValueError) as exc:
            # What a server's bytes can still raise below httpx (an IDNA label, a header).
            return _failed(url, "network", detail=type(exc).__name__)

    def _drain(self, response: httpx.Response, started: float) -> None:
        """Read a small unused body to its end, so the connection can be reused."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > DRAIN_BYTES:
            return
        read = 0
        try:
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > DRAIN_BYTES or time.monotonic() - started > self.deadline:
                    return  # not worth it: the connection is closed instead
        except (httpx.HTTPError, httpx.StreamError):
            return  # the status is what counts; the connection is dropped

    def _read(self, url: str, response: httpx.Response, started: float) -> FetchResult:
        result = FetchResult(
            url=str(response.url),
            status=response.status_code,
            content_type=response.headers.get("Content-Type"),
            etag=_validator(response.headers.get("ETag"), MAX_ETAG),
            last_modified=_validator(response.headers.get("Last-Modified"), MAX_LAST_MODIFIED),
            first_byte=time.monotonic() - started,
            certificate_expires_at=_certificate_expiry(response),
        )
        if response.status_code == 304 or response.status_code >= 400:
            self._drain(response, started)
        if response.status_code == 304:
            return result
        if response.status_code >= 400:
            result.error = Issue("http_status", params={"status": response.status_code})
            retry_after = response.headers.get("Retry-After", "")
            if response.status_code in (429, 503) and retry_after.isdigit():
                # Capped: "999…9" would overflow a timedelta (and int() refuses huge strings).
                wait = int(retry_after[:9]) if len(retry_after) <= 9 else MAX_RETRY_AFTER
                result.retry_after = min(wait, MAX_RETRY_AFTER)
            return result
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            result.error = Issue("too_large", params={"limit": _size(self.max_bytes)})
            return result
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
            result.error = Issue("bad_encoding", params={"value": encoding})
            return result
        decoder = _Decoder(encoding, self.max_bytes)
        raw_total = 0
        for chunk in response.iter_raw():
            raw_total += len(chunk)
            try:
                too_large = raw_total > self.max_bytes or decoder.feed(chunk)
            except zlib.error:
                result.error = Issue("corrupt_body", params={"value": encoding})
                return result
            if too_large:
                result.error = Issue("too_large", params={"limit": _size(self.max_bytes)})
                return result
            if time.monotonic() - started > self.deadline:
                result.error = Issue("too_slow", params={"limit": int(self.deadline)})
                return result
        try:
            result.content = decoder.finish()
        except zlib.error:
            result.error = Issue("corrupt_body", params={"value": encoding})
            return result
        if not result.content:
            result.error = Issue("empty")
        return result


class _Decoder:
    """gzip/deflate decoded with a bound (httpx's decoders decompress without one)."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.zlib = None
        if encoding in ("gzip", "x-gzip"):
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.zlib = zlib.decompressobj()

    def feed(self, chunk: bytes) -> bool:
        """Add a chunk; True when the decoded size went over the limit."""
        if self.zlib is None:
            return self._keep(chunk)
        data = chunk
        while data:
            out = self.zlib.decompress(data, self.limit + 1 - self.size)
            if self._keep(out):
                return True
            data = self.zlib.unconsumed_tail
        return False

    def _keep(self, data: bytes) -> bool:
        self.size += len(data)
        self.parts.append(data)
        return self.size > self.limit

    def finish(self) -> bytes:
        if self.zlib is not None:
            self.parts.append(self.zlib.flush())
            if not self.zlib.eof and self.size:
                raise zlib.error("truncated compressed body")
        return b"".join(self.parts)


def _validator(value: str | None, limit: int) -> str | None:
    """An ETag or Last-Modified worth sending back: one longer than its column is dropped (the
    file is then read in full each time), never stored cut."""
    return value if value is not None and len(value) <= limit else None


def _certificate_expiry(response: httpx.Response) -> datetime | None:
    """When the peer certificate of an https answer stops being valid (None for http, or
    where the connection does not expose it). It was verified during the handshake."""
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    try:
        not_after = (ssl_object.getpeercert() or {}).get("notAfter")
        return datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
    except (ValueError, TypeError):
        return None


def _failed(url: str, code: str, **params) -> FetchResult:
    return FetchResult(url, error=Issue(code, params=params))


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
        # A stream, not content: the fetcher reads raw bytes, as from a network response.
        headers = {"ETag": etag, "Content-Type": kind, "Content-Length": str(len(body))}
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body), request=request)
