"""The importer's fetcher against real HTTP servers on 127.0.0.1: limits and the SSRF guard.

127.0.0.2 stands in for the public Internet: the policy "trusts" it, and a fake resolver maps
test host names onto it, so the guard can be exercised without leaving this machine.
"""

from __future__ import annotations

import gzip
import ipaddress
import logging
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from directory.outbound.fetch import Fetcher
from directory.outbound.guard import AddressPolicy, Refused, address_problem

PUBLIC_STAND_IN = ipaddress.ip_network("127.0.0.2/32")


@pytest.fixture
def public_server():
    server = HTTPServer(host="127.0.0.2")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def resolver_for(mapping, calls=None):
    def resolve(host, port):
        if calls is not None:
            calls.append(host)
        return [ipaddress.ip_address(a) for a in mapping.get(host, [])]

    return resolve


def guarded(mapping, calls=None, **options) -> Fetcher:
    policy = AddressPolicy(
        trusted=(PUBLIC_STAND_IN,), any_port=True, resolver=resolver_for(mapping, calls)
    )
    return Fetcher(policy=policy, **options)


def open_fetcher(**options) -> Fetcher:
    return Fetcher(policy=AddressPolicy(allow_private=True), **options)


def test_conditional_get_turns_an_unchanged_file_into_a_304(httpserver):
    httpserver.expect_request(
        "/org.properties", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304)
    httpserver.expect_request("/org.properties").respond_with_data(
        "organization.name = X", headers={"ETag": '"v1"'}
    )
    with open_fetcher() as fetcher:
        first = fetcher.fetch(httpserver.url_for("/org.properties"))
        assert first.ok and first.content == b"organization.name = X" and first.etag == '"v1"'
        second = fetcher.fetch(httpserver.url_for("/org.properties"), etag=first.etag)
    assert second.not_modified and second.content is None


def test_errors_are_worded_for_hosts(httpserver):
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with open_fetcher() as fetcher:
        result = fetcher.fetch(httpserver.url_for("/gone"))
    assert result.error.message == "the server answered 404"


def test_declared_and_streamed_sizes_are_capped(httpserver):
    big = b"x" * 5000
    httpserver.expect_request("/declared").respond_with_data(big)
    httpserver.expect_request("/streamed").respond_with_handler(
        lambda _request: Response(big[i : i + 500] for i in range(0, len(big), 500))
    )
    with open_fetcher(max_bytes=1000) as fetcher:
        declared = fetcher.fetch(httpserver.url_for("/declared"))
        streamed = fetcher.fetch(httpserver.url_for("/streamed"))
    assert declared.error.code == streamed.error.code == "too_large"
    assert declared.error.message == "the file is larger than the limit of 1000 bytes"


def test_a_gzip_bomb_is_cut_off_at_the_limit(httpserver):
    bomb = gzip.compress(b"\0" * 10_000_000)
    assert len(bomb) < 20_000
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    httpserver.expect_request("/fine").respond_with_data(
        gzip.compress(b"organization.name = Y"), headers={"Content-Encoding": "gzip"}
    )
    with open_fetcher(max_bytes=100_000) as fetcher:
        assert fetcher.fetch(httpserver.url_for("/bomb")).error.code == "too_large"
        assert fetcher.fetch(httpserver.url_for("/fine")).content == b"organization.name = Y"


def test_unknown_content_encoding_is_refused(httpserver):
    httpserver.expect_request("/br").respond_with_data(b"\x00", headers={"Content-Encoding": "br"})
    with open_fetcher() as fetcher:
        assert fetcher.fetch(httpserver.url_for("/br")).error.code == "bad_encoding"


def test_a_trickling_server_hits_the_total_deadline(httpserver):
    done = threading.Event()  # set when the test is over: the server stops trickling then

    def trickle(_request):
        def body():
            # A byte every 0.2 s: each read comes in time, only the total deadline can stop it.
            while not done.wait(0.2):
                yield b"x"

        return Response(body())

    httpserver.expect_request("/slow").respond_with_handler(trickle)
    try:
        with open_fetcher(deadline=0.6) as fetcher:
            started = time.monotonic()
            result = fetcher.fetch(httpserver.url_for("/slow"))
            elapsed = time.monotonic() - started
    finally:
        done.set()
    assert result.error.code == "too_slow"
    assert 0.6 <= elapsed < 3


def test_a_server_that_never_answers_times_out(httpserver):
    import httpx

    asked, done = threading.Event(), threading.Event()

    def mute(_request):
        asked.set()
        done.wait(10)  # answers only once the test is over
        return Response("late")

    httpserver.expect_request("/mute").respond_with_handler(mute)
    try:
        with open_fetcher(timeout=httpx.Timeout(0.3)) as fetcher:
            result = fetcher.fetch(httpserver.url_for("/mute"))
        assert asked.is_set() and not done.is_set()  # the request came, and had no answer
    finally:
        done.set()
    assert result.error.code == "timeout"


def test_redirects_are_followed_up_to_five(httpserver):
    for hop in range(6):
        httpserver.expect_request(f"/r{hop}").respond_with_data(
            "", status=302, headers={"Location": f"/r{hop + 1}"}
        )
    httpserver.expect_request("/r6").respond_with_data("end")
    httpserver.expect_request("/r2-ok").respond_with_data(
        "", status=301, headers={"Location": "/r6"}
    )
    with open_fetcher() as fetcher:
        assert fetcher.fetch(httpserver.url_for("/r0")).error.code == "too_many_redirects"
        assert fetcher.fetch(httpserver.url_for("/r2")).content == b"end"


# -- the guard ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "reserved"),
        ("0.0.0.0", "private"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::127.0.0.1", "reserved"),
        ("64:ff9b::7f00:1", "reserved"),
        ("2002:7f00:1::", "reserved"),
        ("fec0::1", "reserved"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "private"),
    ],
)
def test_private_and_special_addresses_are_refused(address, problem):
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::6810:84e5", "1.1.1.1"])
def test_public_addresses_pass(address):
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme"),
        ("ftp://files.example/x", "scheme"),
        ("http://user:pw@host.example/", "userinfo"),
        ("http://host.example:6379/", "port"),
        ("http://127.0.0.1/", "ip_literal"),
        ("http://2130706433/", "ip_literal"),
        ("http://0177.0.0.1/", "ip_literal"),
        ("http://0x7f.1/", "ip_literal"),
        ("http://[::1]/", "ip_literal"),
        ("http://localhost/", "local_name"),
        ("http://intranet/", "local_name"),
        ("http://printer.local/", "local_name"),
        ("http://db.internal/", "local_name"),
    ],
)
def test_urls_are_refused_before_any_connection(url, reason):
    with pytest.raises(Refused) as caught:
        AddressPolicy().check_url(url)
    assert caught.value.params["reason"] == reason


def test_loopback_is_refused_in_production_without_a_request(httpserver):
    with Fetcher() as fetcher:
        result = fetcher.fetch(httpserver.url_for("/org.properties"))
    assert result.error.code == "blocked_url"
    assert "not allowed" in result.error.message
    assert httpserver.log == []


def test_a_name_resolving_to_a_private_address_is_refused(httpserver):
    for addresses in (["127.0.0.1"], ["::ffff:127.0.0.1"], ["127.0.0.2", "10.0.0.5"]):
        with guarded({"feeds.example": addresses}) as fetcher:
            port = httpserver.port
            result = fetcher.fetch(f"http://feeds.example:{port}/org.properties")
        assert result.error.code == "blocked_address", addresses
    assert httpserver.log == []


def test_a_public_name_is_fetched_from_the_address_that_was_checked(public_server):
    public_server.expect_request("/org.properties").respond_with_data("organization.name = Z")
    calls: list[str] = []
    with guarded({"feeds.example": ["127.0.0.2"]}, calls) as fetcher:
        result = fetcher.fetch(f"http://feeds.example:{public_server.port}/org.properties")
    assert result.ok and result.content == b"organization.name = Z"
    assert calls == ["feeds.example"], "resolved exactly once, then connected to that address"


def test_dns_rebinding_cannot_swap_the_address_after_the_check(public_server):
    """The resolver answers a public address, then a loopback one: only the first is used."""
    answers = iter([["127.0.0.2"], ["127.0.0.1"], ["127.0.0.1"]])

    def rebinding(host, port):
        return [ipaddress.ip_address(a) for a in next(answers)]

    public_server.expect_request("/org.properties").respond_with_data("public")
    policy = AddressPolicy(trusted=(PUBLIC_STAND_IN,), any_port=True, resolver=rebinding)
    with Fetcher(policy=policy) as fetcher:
        result = fetcher.fetch(f"http://feeds.example:{public_server.port}/org.properties")
    assert result.content == b"public"


def test_a_redirect_into_the_private_network_is_refused(public_server, httpserver):
    httpserver.expect_request("/secret").respond_with_data("internal data")
    public_server.expect_request("/org.properties").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/secret")}
    )
    public_server.expect_request("/file").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    with guarded({"feeds.example": ["127.0.0.2"]}) as fetcher:
        base = f"http://feeds.example:{public_server.port}"
        to_loopback = fetcher.fetch(f"{base}/org.properties")
        to_file = fetcher.fetch(f"{base}/file")
    assert to_loopback.error.code == to_file.error.code == "redirect_blocked"
    assert httpserver.log == []


def test_an_unknown_host_is_reported():
    with guarded({}) as fetcher:
        result = fetcher.fetch("http://nowhere.example/org.properties")
    assert result.error.code == "host_not_found"
    assert result.error.message == "we could not reach nowhere.example: the name does not exist"


def test_the_app_warns_when_the_guard_is_lifted(tmp_path, caplog):
    from support import make_app

    with caplog.at_level(logging.WARNING, logger="portee"):
        make_app(tmp_path, PORTEE_FETCH_ALLOW_PRIVATE=True)
    assert "PORTEE_FETCH_ALLOW_PRIVATE is on" in caplog.text


def test_a_truncated_body_is_reported(httpserver):
    def truncated(_request):
        return Response(iter([b"organization.name = cut"]), headers={"Content-Length": "500"})

    httpserver.expect_request("/cut").respond_with_handler(truncated)
    with open_fetcher() as fetcher:
        result = fetcher.fetch(httpserver.url_for("/cut"))
    assert result.error.code == "truncated" and result.content is None


def test_retry_after_is_kept(httpserver):
    httpserver.expect_request("/busy").respond_with_data(
        "busy", status=503, headers={"Retry-After": "3600"}
    )
    with open_fetcher() as fetcher:
        result = fetcher.fetch(httpserver.url_for("/busy"))
    assert result.error.message == "the server answered 503"
    assert result.retry_after == 3600


def resolve_while_the_name_server_hangs(monkeypatch) -> tuple[str | None, bool]:
    """Resolve a name while getaddrinfo hangs (until released), with DNS_TIMEOUT at 0.05 s:
    the resolver's refusal code, and whether the resolver answered while the lookup still hung.
    """
    from directory.outbound import guard

    released = threading.Event()

    def hanging(*_args, **_kwargs):
        released.wait(10)
        raise OSError("too late anyway")

    monkeypatch.setattr(guard, "DNS_TIMEOUT", 0.05)
    monkeypatch.setattr(guard.socket, "getaddrinfo", hanging)
    outcome: dict[str, str] = {}

    def resolve():
        try:
            guard.system_resolver("slow.example", 443)
        except guard.Refused as refused:
            outcome["code"] = refused.code

    thread = threading.Thread(target=resolve, name="resolve")
    thread.start()
    try:
        thread.join(timeout=1.0)  # twenty times DNS_TIMEOUT
        answered_in_time = not thread.is_alive()
    finally:
        released.set()
        thread.join()
    return outcome.get("code"), answered_in_time


def test_our_slow_name_server_is_told_apart_from_an_unknown_host(monkeypatch):
    code, _answered_in_time = resolve_while_the_name_server_hangs(monkeypatch)
    assert code == "resolver_timeout"


def test_a_hanging_name_server_is_given_up_after_the_dns_timeout(monkeypatch):
    _code, answered_in_time = resolve_while_the_name_server_hangs(monkeypatch)
    assert answered_in_time
