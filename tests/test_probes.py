"""The probes' checks against real servers on 127.0.0.1 standing in for each software's
endpoints: a working install, a parking page answering 200, a 502, a slow server, a dead port,
and https with certificates from a local certificate authority (trustme).

Host names under .example resolve to 127.0.0.1 through a fake resolver: nothing else is ever
asked, and no request leaves this machine.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Response

from directory.feeds.issues import Issue
from directory.outbound.fetch import Fetcher
from directory.outbound.guard import AddressPolicy, Refused
from directory.probes.checks import (
    CHECKS,
    DOWN,
    FAILED,
    MAINTENANCE,
    RESTRICTED,
    UNKNOWN,
    UP,
    Gate,
    Probe,
    check_service,
    registrable,
)
from directory.web.issue_text import describe

# bench/ is not an installed package: the answer table is shared with the benchmark's probe run.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.answers import SLUGS, nodeinfo, working  # noqa: E402

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def resolver(host: str, _port: int):
    if host.endswith(".example"):
        return [LOOPBACK]
    raise Refused("host_not_found", host=host)


POLICY = AddressPolicy(
    trusted=(ipaddress.ip_network("127.0.0.1/32"),), any_port=True, resolver=resolver
)


def fetcher(**options) -> Fetcher:
    options.setdefault("deadline", 2.0)
    options.setdefault("max_bytes", 256 * 1024)
    return Fetcher(policy=POLICY, **options)


@pytest.fixture
def server():
    with HTTPServer(host="127.0.0.1", threaded=True) as httpserver:
        yield httpserver


def address(server: HTTPServer, name: str = "service.probe.example", scheme="http") -> str:
    return f"{scheme}://{name}:{server.port}/"


def serve(server: HTTPServer, routes: list) -> None:
    for path, body in routes:
        if isinstance(body, str):
            kind = "text/html" if body.startswith("<") else "application/javascript"
            server.expect_request(path).respond_with_data(body, content_type=kind)
        else:
            server.expect_request(path).respond_with_json(body)


def english(issue: Issue, app) -> str:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return describe(issue.as_dict())


PARKING = "<html><head><title>This domain is for sale</title></head><body>Buy it</body></html>"


@pytest.mark.parametrize("slug", SLUGS)
def test_a_working_install_is_up_and_says_what_it_runs(server, slug):
    routes, (software, version) = working(slug, address(server))
    serve(server, routes)
    with fetcher() as client:
        observation = check_service(client, address(server), slug, slug.title())
    assert observation.outcome == UP, observation.issues
    assert (observation.software, observation.version) == (software, version)
    assert observation.status == 200
    assert observation.latency_ms is not None and observation.latency_ms >= 0
    # Served over plain http: said, without failing the check.
    assert [issue.code for issue in observation.issues] == ["probe_plain_http"]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_parking_page_answering_200_is_never_the_software(server, slug, app):
    server.expect_request(re.compile(".*")).respond_with_data(PARKING, content_type="text/html")
    with fetcher() as client:
        observation = check_service(client, address(server), slug, "Nextcloud")
    assert observation.outcome == FAILED
    assert observation.status == 200
    assert observation.issues[0].code in ("probe_not_json", "probe_unexpected")
    text = english(observation.issues[0], app)
    assert "Nextcloud" in text and "/" in text


@pytest.mark.parametrize("slug", [*SLUGS, None])
def test_a_bad_gateway_page_means_the_software_is_down(server, slug, app):
    server.expect_request(re.compile(".*")).respond_with_data(
        "<html><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></html>",
        status=502,
        content_type="text/html",
    )
    with fetcher() as client:
        observation = check_service(client, address(server), slug)
    assert observation.outcome == DOWN
    assert observation.status == 502
    assert english(observation.issues[0], app) == (
        "the web server answered 502: the software behind it does not answer"
    )


def test_a_slow_server_is_cut_at_the_deadline(server, app):
    def slow(_request):
        time.sleep(3)
        return Response("{}", content_type="application/json")

    server.expect_request("/status.php").respond_with_handler(slow)
    started = time.monotonic()
    with fetcher(deadline=1.0) as client:
        observation = check_service(client, address(server), "nextcloud")
    assert time.monotonic() - started < 2.5
    assert observation.outcome == DOWN
    assert observation.issues[0].code in ("too_slow", "timeout")
    assert "in time" in english(observation.issues[0], app) or "longer than" in english(
        observation.issues[0], app
    )


def test_a_dead_port_is_down(app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with fetcher() as client:
        observation = check_service(client, f"http://dead.probe.example:{port}/", "nextcloud")
    assert observation.outcome == DOWN
    assert observation.status is None
    assert english(observation.issues[0], app) == (
        "the server refused the connection or could not be reached"
    )


def test_nextcloud_in_maintenance_and_not_installed(server, app):
    status = {"installed": True, "maintenance": True, "needsDbUpgrade": False}
    status.update(version="29.0.3.4", versionstring="29.0.3", productname="Nextcloud")
    server.expect_request("/status.php").respond_with_json(status)
    with fetcher() as client:
        observation = check_service(client, address(server), "nextcloud", "Nextcloud")
    assert observation.outcome == MAINTENANCE
    assert english(observation.issues[0], app) == "Nextcloud says it is in maintenance"
    server.clear()
    server.expect_request("/status.php").respond_with_json({"installed": False, "version": ""})
    with fetcher() as client:
        observation = check_service(client, address(server), "nextcloud", "Nextcloud")
    assert observation.outcome == FAILED
    assert english(observation.issues[0], app) == (
        "Nextcloud answers but reports a problem (installed: false)"
    )


def test_nodeinfo_naming_another_software_fails(server, app):
    serve(server, nodeinfo(address(server), "pleroma", "2.7.0"))
    with fetcher() as client:
        observation = check_service(client, address(server), "mastodon", "Mastodon")
    assert observation.outcome == FAILED
    assert english(observation.issues[0], app) == "the address runs pleroma, not Mastodon"


def test_nodeinfo_pointing_off_the_site_fails(server):
    serve(server, nodeinfo(f"http://elsewhere.example:{server.port}/", "mastodon", "4.3.2"))
    with fetcher() as client:
        observation = check_service(client, address(server), "mastodon", "Mastodon")
    assert observation.outcome == FAILED
    assert observation.issues[0] == Issue("probe_off_site", params={"value": "elsewhere.example"})


def test_old_etherpad_without_health_answers_its_api(server):
    server.expect_request("/health").respond_with_data("Not found", status=404)
    server.expect_request("/api").respond_with_json({"currentVersion": "1.2.15"})
    with fetcher() as client:
        observation = check_service(client, address(server), "etherpad", "Etherpad")
    assert observation.outcome == UP
    assert (observation.software, observation.version) == ("Etherpad", None)


def test_a_missing_status_route_is_not_a_working_install(server, app):
    server.expect_request("/status.php").respond_with_data("Not found", status=404)
    with fetcher() as client:
        observation = check_service(client, address(server), "nextcloud", "Nextcloud")
    assert observation.outcome == FAILED
    assert english(observation.issues[0], app) == (
        "/status.php is missing (404): this does not look like a working Nextcloud"
    )


def test_sign_in_on_a_public_route_is_restricted_but_alive(server, app):
    server.expect_request("/api/v1/version").respond_with_data("Unauthorized", status=401)
    with fetcher() as client:
        observation = check_service(client, address(server), "gitea", "Gitea")
    assert observation.outcome == RESTRICTED
    assert observation.available
    assert english(observation.issues[0], app) == (
        "/api/v1/version asks to sign in (401), though it normally answers anyone"
    )


def test_a_redirect_off_the_site_fails(server, app):
    parking = f"http://parking.elsewhere.example:{server.port}/lander"
    server.expect_request("/").respond_with_data("", status=302, headers={"Location": parking})
    server.expect_request("/lander").respond_with_data(PARKING, content_type="text/html")
    with fetcher() as client:
        observation = check_service(client, address(server), None)
    assert observation.outcome == FAILED
    assert english(observation.issues[0], app) == (
        "the address leads off the service's site, to parking.elsewhere.example"
    )


def test_a_redirect_on_the_site_is_followed(server):
    login = f"http://login.probe.example:{server.port}/login"
    server.expect_request("/").respond_with_data("", status=302, headers={"Location": login})
    server.expect_request("/login").respond_with_data("<html>Lufi</html>", content_type="text/html")
    with fetcher() as client:
        observation = check_service(client, address(server, "files.probe.example"), "lufi")
    assert observation.outcome == UP
    assert observation.url == login


def test_too_many_requests_is_unknown_and_keeps_the_wait(server, app):
    server.expect_request("/status.php").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    with fetcher() as client:
        observation = check_service(client, address(server), "nextcloud")
    assert observation.outcome == UNKNOWN
    assert observation.retry_after == 120
    assert english(observation.issues[0], app) == (
        "the server asked Portée to wait 120 seconds before checking again"
    )


def test_a_declared_version_that_differs_is_noted(server, app):
    routes, _found = working("gitea", address(server))
    serve(server, routes)
    with fetcher() as client:
        same = check_service(client, address(server), "gitea", "Gitea", "1.22")
        other = check_service(client, address(server), "gitea", "Gitea", "1.19.4")
    assert "probe_version_differs" not in [issue.code for issue in same.issues]
    assert other.outcome == UP
    assert english(other.issues[-1], app) == (
        "the host declares version 1.19.4; the server reports 1.22.3"
    )


def test_every_functional_check_cites_where_it_comes_from():
    import inspect

    import directory.probes.checks as checks

    source = inspect.getsource(checks)
    for slug, check in CHECKS.items():
        doc = check.__doc__ or ""
        cited = "probes.md" in doc or "docs" in doc
        if not cited:  # a json_keys check: the comment above its line cites it
            line = next(i for i, text in enumerate(source.splitlines()) if f'"{slug}": ' in text)
            cited = "probes.md" in source.splitlines()[line - 1]
        assert cited, slug


def test_registrable_hosts():
    assert registrable("cloud.chaton.example") == "chaton.example"
    assert registrable("pad.asso.co.uk") == "asso.co.uk"
    assert registrable("127.0.0.1") == "127.0.0.1"


# HTTPS with a local certificate authority.


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def https_server(certificate) -> HTTPServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    return HTTPServer(host="127.0.0.1", ssl_context=context, threaded=True)


def trusting(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_with_a_valid_certificate(ca):
    not_after = datetime.now(UTC).replace(microsecond=0) + timedelta(days=200)
    with https_server(ca.issue_cert("secure.probe.example", not_after=not_after)) as server:
        serve(server, working("nextcloud", "")[0])
        with fetcher(ssl_context=trusting(ca)) as client:
            url = address(server, "secure.probe.example", "https")
            observation = check_service(client, url, "nextcloud")
    assert observation.outcome == UP
    assert observation.issues == []  # https, certificate far from its end
    assert abs(observation.certificate_expires_at - not_after) < timedelta(seconds=2)


def test_https_with_a_certificate_ending_in_3_days(ca, app):
    not_after = datetime.now(UTC) + timedelta(days=3, hours=1)
    with https_server(ca.issue_cert("secure.probe.example", not_after=not_after)) as server:
        serve(server, working("nextcloud", "")[0])
        with fetcher(ssl_context=trusting(ca)) as client:
            url = address(server, "secure.probe.example", "https")
            observation = check_service(client, url, "nextcloud")
    assert observation.outcome == UP
    assert english(observation.issues[0], app) == "the certificate expires in 3 days"


def test_https_with_an_invalid_certificate_is_down(ca, app):
    stranger = trustme.CA()  # not trusted by the client
    with https_server(stranger.issue_cert("secure.probe.example")) as server:
        serve(server, working("nextcloud", "")[0])
        with fetcher(ssl_context=trusting(ca)) as client:
            url = address(server, "secure.probe.example", "https")
            observation = check_service(client, url, "nextcloud")
    assert observation.outcome == DOWN
    assert english(observation.issues[0], app) == "the server's certificate is invalid"


def test_probe_issues_read_in_french(app):
    issue = Issue("probe_missing", params={"path": "/status.php", "status": 404,
                                           "software": "Nextcloud"})  # fmt: skip
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert describe(issue.as_dict()) == (
            "/status.php est introuvable (404)\u00a0: cela ne ressemble pas à un Nextcloud qui "
            "fonctionne"
        )


def test_a_generic_check_of_a_missing_page_fails_with_its_status(server, app):
    server.expect_request("/").respond_with_data("Not found", status=404)
    with fetcher() as client:
        observation = check_service(client, address(server), None)
    assert observation.outcome == FAILED
    assert english(observation.issues[0], app) == "the server answered 404"


def test_a_generic_check_does_not_need_the_whole_page(server):
    server.expect_request("/").respond_with_data("x" * 300_000, content_type="text/html")
    with fetcher(max_bytes=256 * 1024) as client:
        observation = check_service(client, address(server), None)
    assert observation.outcome == UP


@pytest.mark.parametrize(
    ("url", "path", "expected"),
    [
        ("https://cloud.example/", "status.php", "https://cloud.example/status.php"),
        ("https://cloud.example/nextcloud", "status.php", "https://cloud.example/nextcloud/status.php"),
        ("https://cloud.example/nc/index.php", "status.php", "https://cloud.example/nc/status.php"),
        ("https://cloud.example/nc/?x=1", "/site.json", "https://cloud.example/site.json"),
        ("https://cloud.example/nc/?x=1", "", "https://cloud.example/nc/?x=1"),
    ],
)  # fmt: skip
def test_routes_are_found_under_the_services_address(url, path, expected):
    assert Probe(None, url, "", Gate()).address(path) == expected


def test_too_many_requests_without_retry_after_says_the_status(server, app):
    server.expect_request("/status.php").respond_with_data("slow down", status=429)
    with fetcher() as client:
        observation = check_service(client, address(server), "nextcloud")
    assert (observation.outcome, observation.retry_after) == (UNKNOWN, None)
    assert english(observation.issues[0], app) == "the server answered 429"


def test_a_declared_software_that_differs_is_noted(server, app):
    routes, _found = working("forgejo", address(server))
    serve(server, routes)
    with fetcher() as client:
        same = check_service(client, address(server), "forgejo", declared_software="forgejo")
        other = check_service(client, address(server), "gitea", declared_software="Gitea")
    assert "probe_software_differs" not in [issue.code for issue in same.issues]
    assert other.outcome == UP
    assert english(other.issues[-1], app) == (
        "the host declares Gitea; the server says it runs Forgejo"
    )
