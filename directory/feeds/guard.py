"""Where the importer may connect: the SSRF rules, in one place.

Following Mastodon and Discourse (see shared/reference/security.md §1): a URL is checked before
any request (scheme, port, user info, IP literals, local names), its host is resolved once,
every address is checked, and the socket connects only to a checked address, so a name cannot
resolve to something else between the check and the connection (DNS rebinding). The check runs
again on every redirect hop because each hop opens its own guarded connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore

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
_LOCAL_SUFFIXES = (".local", ".internal", ".onion", ".localhost", ".localdomain", ".home.arpa")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


class Refused(Exception):
    """The guard refused a URL or an address; `code` and `params` say why, for the host."""

    def __init__(self, code: str, **params) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")


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
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=DNS_TIMEOUT)
        except FutureTimeout as exc:
            # Our resolver was slow, not the host's name wrong (NXDOMAIN and SERVFAIL answer
            # fast): the importer does not count it against the host (fault matrix, row 3).
            raise Refused("resolver_timeout", host=host) from exc
        except OSError as exc:
            raise Refused("host_not_found", host=host) from exc
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

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused("blocked_url", reason="scheme", value=parts.scheme or url)
        if parts.username or parts.password or "@" in parts.netloc:
            raise Refused("blocked_url", reason="userinfo", value=url)
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise Refused("blocked_url", reason="host", value=url)
        try:
            port = parts.port
        except ValueError as exc:
            raise Refused("blocked_url", reason="port", value=url) from exc
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
                return super().connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error
