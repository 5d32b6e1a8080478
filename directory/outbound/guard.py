"""Where the importer may connect: the SSRF rules, in one place.

Following Mastodon and Discourse (see shared/reference/security.md §1): a URL is checked before
any request (scheme, port, user info, IP literals, local names), its host is resolved once,
every address is checked, and the socket connects only to a checked address, so a name cannot
resolve to something else between the check and the connection (DNS rebinding). The check runs
again on every redirect hop because each hop opens its own guarded connection.

Every address a host gives Portée is first put in one canonical form (`canonical_url`), which
refuses, in words, what cannot be a web address (bad brackets, labels longer than 63
characters, names with characters no resolver takes): the same function serves the forms, the
command line, `subs` lines and the fetch itself, so one host's typo can never raise inside a run.

One deadline covers a whole fetch (`deadline`): name resolution, connection, TLS, headers, body
and every redirect. httpx's timeouts are per operation, so a server sending one header byte every
few seconds would never trip them; every socket operation here is given at most what is left.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[IPAddress]]
DNS_TIMEOUT = 5.0

# Ranges that `ipaddress.is_global` lets through or that embed another address (security.md).
_BLOCKED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "255.255.255.255/32", "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
        "2001::/23", "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10",
        "ff00::/8",
    )
]  # fmt: skip
MAX_URL_LENGTH = 1000  # Source.url's column
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOCAL_SUFFIXES = (".local", ".internal", ".onion", ".localhost", ".localdomain", ".home.arpa")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


class Refused(Exception):
    """The guard refused a URL or an address; `code` and `params` say why, for the host."""

    def __init__(self, code: str, **params) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")


def canonical_url(url: str) -> str:
    """The one written form of an http(s) address, or Refused with the reason in words.

    Scheme and host in lower case, the host in its ASCII (IDNA) form without a final dot, no
    default port, dot segments resolved, no fragment, no empty query: two ways of writing the
    same file give the same string, so a file is one source whatever way it is listed.
    """
    text = (url or "").strip()
    if len(text) > MAX_URL_LENGTH:
        raise Refused("invalid_url", value=text[:80] + "…")
    try:
        parsed = httpx.URL(text)
        host = parsed.raw_host.decode("ascii").lower().rstrip(".")
        port = parsed.port
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise _unreadable(text) from exc
    scheme = parsed.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise Refused("blocked_url", reason="scheme", value=scheme or text)
    if parsed.userinfo:
        raise Refused("blocked_url", reason="userinfo", value=text)
    if port is not None and not 0 < port < 65536:
        raise Refused("invalid_url", value=text)
    if not host:
        raise Refused("blocked_url", reason="host", value=text)
    if ":" in host:  # an IPv6 literal (httpx gives it without brackets)
        host = f"[{host}]"
    elif len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
        raise Refused("invalid_url", value=text)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parsed.raw_path.decode("ascii")  # path and query, dot segments already resolved
    path = path[:-1] if path.endswith("?") else path
    return f"{scheme}://{netloc}{path or '/'}"


def _unreadable(text: str) -> Refused:
    """Why httpx could not read `text`: a numeric host it rejects (0177.0.0.1) is still
    refused as a numeric address, anything else as no valid web address."""
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        host = ""
    if host and _is_ip_literal(host):
        return Refused("blocked_url", reason="ip_literal", value=host)
    return Refused("invalid_url", value=text)


# The end of the fetch in progress in this thread (time.monotonic()), if one is running.
_deadline: ContextVar[float | None] = ContextVar("portee_fetch_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every guarded socket operation in this block ends by `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to what is left of the deadline; `expired` raised when none is left."""
    end = _deadline.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise expired("the fetch deadline has passed")
    return left if timeout is None else min(timeout, left)


def address_problem(address: IPAddress) -> str | None:
    """Why an address must not be fetched ("loopback", "private"…), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private or any(address in network for network in _BLOCKED):
        return "private" if address.is_private else "reserved"
    if not address.is_global or address.is_unspecified or address.is_reserved:
        return "reserved"
    return None


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address of `host`, looked up once, within DNS_TIMEOUT seconds."""
    wait = _time_left(DNS_TIMEOUT, httpcore.ConnectTimeout)
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        try:
            infos = future.result(timeout=wait)
        except FutureTimeout as exc:
            if wait is not None and wait < DNS_TIMEOUT:
                raise httpcore.ConnectTimeout("the fetch deadline has passed") from exc
            # Our resolver was slow, not the host's name wrong (NXDOMAIN and SERVFAIL answer
            # fast): the importer does not count it against the host (fault matrix, row 3).
            raise Refused("resolver_timeout", host=host) from exc
        except (OSError, UnicodeError) as exc:
            raise Refused("host_not_found", host=host) from exc
    finally:
        pool.shutdown(wait=False)  # a hung look-up must not hold the fetch past its deadline
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class AddressPolicy:
    """What the importer may fetch. `allow_private` (PORTEE_FETCH_ALLOW_PRIVATE) lifts the
    address rules for development, the demo and tests; `trusted` networks count as public
    (tests use it to stand a loopback address in for the public Internet)."""

    allow_private: bool = False
    trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    any_port: bool = False
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_config(cls, config) -> AddressPolicy:
        """The app's policy: the rules above unless PORTEE_FETCH_ALLOW_PRIVATE lifts them."""
        return cls(allow_private=bool(config["PORTEE_FETCH_ALLOW_PRIVATE"]))

    def check_url(self, url: str) -> None:
        """Refuse, before any connection, what may not be fetched whatever it resolves to."""
        parts = urlsplit(canonical_url(url))
        host = parts.hostname or ""
        port = parts.port
        if self.allow_private:
            return
        if port not in (None, 80, 443) and not self.any_port:
            raise Refused("blocked_url", reason="port", value=str(port))
        if _is_ip_literal(host):
            try:
                if self._trusted(ipaddress.ip_address(host.strip("[]"))):
                    return
            except ValueError:  # 2130706433 and friends: never trusted
                pass
            raise Refused("blocked_url", reason="ip_literal", value=host)
        if host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
            raise Refused("blocked_url", reason="local_name", value=host)

    def check_entry(self, url: str) -> str:
        """The check every entry point runs on an address a person or a file gives (forms, the
        command line, `subs` lines): the fetch's own rules, and the name's addresses when it
        resolves. Returns the canonical form to store; raises Refused with the reason.

        A name that does not resolve yet passes: the first read says so to the host.
        """
        canonical = canonical_url(url)
        self.check_url(canonical)
        parts = urlsplit(canonical)
        host = parts.hostname or ""
        if self.allow_private or _is_ip_literal(host):
            return canonical
        try:
            addresses = self.resolver(host, parts.port or _DEFAULT_PORTS[parts.scheme])
        except Refused as refused:
            if refused.code in ("host_not_found", "resolver_timeout"):
                return canonical
            raise
        self.check_addresses(host, addresses)
        return canonical

    def _trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self.trusted)

    def check_addresses(self, host: str, addresses: Iterable[IPAddress]) -> None:
        """Refuse the whole name if any one of its addresses is not public."""
        if self.allow_private:
            return
        for address in addresses:
            if self._trusted(address):
                continue
            problem = address_problem(address)
            if problem:
                raise Refused("blocked_address", host=host, value=str(address), reason=problem)

    def connect_addresses(self, host: str, port: int) -> list[IPAddress]:
        """The checked addresses to connect to for host:port (resolved once)."""
        literal = host.strip("[]")
        if _is_ip_literal(literal):
            addresses = [ipaddress.ip_address(literal)]
        else:
            addresses = self.resolver(host, port)
        if not addresses:
            raise Refused("host_not_found", host=host)
        self.check_addresses(host, addresses)
        return addresses


def _is_ip_literal(host: str) -> bool:
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate)
        return True
    except ValueError:
        # 2130706433, 0177.0.0.1, 0x7f.1: forms that C resolvers read as addresses.
        return bool(_NUMERIC_HOST.match(candidate))


class GuardedBackend(httpcore.SyncBackend):
    """Opens TCP connections only to addresses the policy checked (TLS still uses the name)."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = self.policy.connect_addresses(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(
                    str(address),
                    port,
                    timeout=_time_left(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return DeadlineStream(stream)
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the fetch's deadline
    (pooled connections outlive one fetch: the deadline is read at each call)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        stream = self._stream.start_tls(
            ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout)
        )
        return DeadlineStream(stream)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)
