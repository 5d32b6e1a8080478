"""What hosts and moderators see of the probes: the dashboard's recent checks, candidates probed
from the day they apply and shown on their application, the drift page, and domain proofs
checked again every month.

Real checks against servers on 127.0.0.1 (an https one with a certificate from a local CA that
ends in 3 days), a clock the test controls, a DNS resolver the test controls.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import pytest
import trustme
from pytest_httpserver import HTTPServer
from sqlmodel import select
from test_probe_runs import POLICY, SETTINGS, T0, Clock, add_services, run
from werkzeug import Response

from directory.db import get_database
from directory.models import Application, DomainClaim, Organization, ProbeState, Service
from directory.outbound.fetch import Fetcher
from directory.probes import drift, outages
from directory.probes.proofs import due_proofs, recheck_proofs
from directory.probes.runner import run_probes
from directory.timeutil import utcnow
from support import login, make_account

HOST = "host@probed.example"
MODERATOR = "moderator@probed.example"


@pytest.fixture
def server():
    with HTTPServer(host="127.0.0.1", threaded=True) as httpserver:
        yield httpserver


def nextcloud(server: HTTPServer, status: int = 200) -> None:
    if status == 200:
        server.expect_request("/status.php").respond_with_json(
            {"installed": True, "maintenance": False, "version": "29.0.3"}
        )
    else:
        server.expect_request("/status.php").respond_with_data("Bad Gateway", status=status)


def organization_of(app, service_id: int, **changes) -> int:
    with get_database(app).session_scope() as session:
        organization = session.get(Service, service_id).organization
        for key, value in changes.items():
            setattr(organization, key, value)
        session.add(organization)
        session.commit()
        return organization.id


def apply(app, organization_id: int, state: str) -> int:
    with get_database(app).session_scope() as session:
        application = Application(organization_id=organization_id, state=state)
        session.add(application)
        session.commit()
        return application.id


def follow(app) -> None:
    with get_database(app).session_scope() as session:
        outages.follow(session)
        session.commit()


# -- candidates -------------------------------------------------------------------------------


def test_candidates_are_probed_while_their_application_is_open(app, server):
    nextcloud(server)
    url = f"http://cloud.probe.example:{server.port}/"
    checked = {}
    for name, membership, state in (
        ("member", "member", None),
        ("applying", "candidate", "submitted"),
        ("questioned", "candidate", "questioned"),
        ("rejected", "candidate", "rejected"),
        ("withdrawn", "candidate", "withdrawn"),
        ("never applied", "candidate", None),
        ("suspended", "suspended", None),
    ):
        [service_id] = add_services(app, [url], "nextcloud")
        organization_id = organization_of(app, service_id, membership=membership)
        if state:
            apply(app, organization_id, state)
        checked[name] = service_id
    summary = run(app, Clock(T0))
    assert summary.checked == 3
    with get_database(app).session_scope() as session:
        probed = {state.service_id for state in session.exec(select(ProbeState))}
    assert probed == {checked["member"], checked["applying"], checked["questioned"]}


def test_the_application_page_shows_the_candidates_checks_before_the_vote(app, server):
    nextcloud(server, 502)
    [service_id] = add_services(app, [f"http://cloud.probe.example:{server.port}/"], "nextcloud")
    organization_id = organization_of(app, service_id, membership="candidate")
    application_id = apply(app, organization_id, "submitted")
    run(app, Clock(utcnow()))
    make_account(app, MODERATOR, role="moderator")
    client = app.test_client()
    login(client, MODERATOR)
    page = client.get(
        f"/moderation/applications/{application_id}", headers={"Accept-Language": "en"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Checks of its services" in html
    assert "Recent checks of Service 0" in html
    assert "Unreachable" in html
    assert "the web server answered 502: the software behind it does not answer" in html


# -- the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_shows_recent_checks_and_the_last_failure_in_words(app, server):
    state = {"broken": False}

    def answer(_request):
        if state["broken"]:
            return Response("Bad Gateway", status=502)
        return Response('{"installed": true, "version": "29"}', content_type="application/json")

    server.expect_request("/status.php").respond_with_handler(answer)
    [service_id] = add_services(app, [f"http://cloud.probe.example:{server.port}/"], "nextcloud")
    organization_id = organization_of(app, service_id)
    start = utcnow() - timedelta(hours=1)
    run(app, Clock(start))
    state["broken"] = True
    run(app, Clock(start + timedelta(minutes=5)))
    state["broken"] = False
    run(app, Clock(start + timedelta(minutes=10)))
    make_account(app, HOST, organizations=(organization_id,))
    client = app.test_client()
    login(client, HOST)
    path = f"/dashboard/organizations/{organization_id}/services"
    html = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Recent checks of Service 0" in html
    assert html.count("<td>Reachable</td>") == 2 and html.count("<td>Unreachable</td>") == 1
    assert " ms</td>" in html
    assert "Last failure, on " in html
    assert "the web server answered 502: the software behind it does not answer" in html
    french = client.get(path, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Dernier échec, le " in french
    assert "le serveur web a répondu 502" in french


def test_a_service_never_checked_says_so(app):
    [service_id] = add_services(app, ["https://cloud.probe.example/"], "nextcloud")
    organization_id = organization_of(app, service_id)
    make_account(app, HOST, organizations=(organization_id,))
    client = app.test_client()
    login(client, HOST)
    html = client.get(
        f"/dashboard/organizations/{organization_id}/services", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Not checked yet" in html


# -- drift ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def test_drift_lists_long_outages_close_certificates_and_other_versions(app, server, ca):
    now = datetime.now(UTC)
    # A Nextcloud over https whose certificate ends in 3 days, running 29.0.3 (28 declared).
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(
        "secure.probe.example", not_after=now + timedelta(days=3, hours=1)
    ).configure_cert(context)
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    with HTTPServer(host="127.0.0.1", ssl_context=context, threaded=True) as secure:
        nextcloud(secure)
        [drifting] = add_services(
            app,
            [f"https://secure.probe.example:{secure.port}/"],
            "nextcloud",
            software_version="28",
        )
        with Fetcher(policy=POLICY, deadline=2, ssl_context=trust) as fetcher:
            run_probes(get_database(app), fetcher, SETTINGS, clock=Clock(now))
    # One service down for 8 days, another for 2.
    nextcloud(server, 502)
    [long_down] = add_services(app, [f"http://down.probe.example:{server.port}/"], "nextcloud")
    run(app, Clock(now - timedelta(days=8)))
    follow(app)
    [short_down] = add_services(app, [f"http://short.probe.example:{server.port}/"], "nextcloud")
    run(app, Clock(now - timedelta(days=2)))
    follow(app)
    with get_database(app).session_scope() as session:
        found = drift.drift(session, now)
    assert [item.service.id for item in found.down] == [long_down]
    assert found.down[0].last_issue["code"] == "probe_gateway"
    assert [(item.service.id, item.days) for item in found.certificates] == [(drifting, 3)]
    assert [
        (item.service.id, item.declared_version, item.seen_software, item.seen_version)
        for item in found.mismatches
    ] == [(drifting, "28", "Nextcloud", "29.0.3")]
    assert short_down not in [item.service.id for item in found.down]


# -- domain proofs, checked again every month ----------------------------------------------


def claim(app, domain: str, checked_days_ago: float | None, proved: bool = True) -> int:
    with get_database(app).session_scope() as session:
        organization = Organization(
            slug=domain.replace(".", "-"),
            name=domain,
            website=f"https://{domain}/",
            membership="member",
        )
        session.add(organization)
        session.flush()
        moment = None if checked_days_ago is None else utcnow() - timedelta(days=checked_days_ago)
        item = DomainClaim(
            organization_id=organization.id,
            domain=domain,
            token=f"token-{domain}",
            method="dns" if proved else None,
            verified_at=moment if proved else None,
            confirmed_at=moment if proved else None,
            last_checked_at=moment,
        )
        session.add(item)
        session.commit()
        return item.id


def test_proofs_are_checked_again_after_30_days_and_lapses_are_recorded(app):
    old = claim(app, "old.probe.example", 40)
    recent = claim(app, "recent.probe.example", 10)
    claim(app, "unproved.probe.example", 40, proved=False)
    published = {"_portee-verification.old.probe.example": ["token-old.probe.example"]}

    def resolver(name: str) -> list[str]:
        return published.get(name, [])

    now = utcnow()
    with get_database(app).session_scope() as session:
        assert [item.id for item in due_proofs(session, now)] == [old]
    # The file is not on https://old.probe.example (nothing answers there), the DNS record is.
    with Fetcher(policy=POLICY, deadline=2) as fetcher, get_database(app).session_scope() as s:
        summary = recheck_proofs(s, fetcher, resolver, now)
        s.commit()
    assert (summary.checked, summary.lapsed) == (1, [])
    with get_database(app).session_scope() as session:
        item = session.get(DomainClaim, old)
        assert (item.confirmed_at, item.failing_since, item.last_checked_at) == (now, None, now)
        assert old not in [item.id for item in due_proofs(session, now + timedelta(days=29))]
    # A month later the record is gone: the proof no longer verifies (nor, now due too, the
    # other one, which never had a record).
    published.clear()
    later = now + timedelta(days=31)
    with Fetcher(policy=POLICY, deadline=2) as fetcher, get_database(app).session_scope() as s:
        summary = recheck_proofs(s, fetcher, resolver, later)
        s.commit()
    assert summary.lapsed == ["recent.probe.example", "old.probe.example"]  # oldest first
    with get_database(app).session_scope() as session:
        item = session.get(DomainClaim, old)
        assert (item.verified_at is not None, item.failing_since) == (True, later)
        assert item.last_error["dns"]["code"] == "dns_no_record"
        lapsed = drift.lapsed_proofs(session)
    assert sorted(item.claim.id for item in lapsed) == sorted([old, recent])


def test_the_drift_page_for_moderators(app):
    claim(app, "lapsed.probe.example", 40)
    with get_database(app).session_scope() as session:
        item = session.exec(select(DomainClaim)).one()
        item.failing_since = utcnow() - timedelta(days=1)
        item.last_error = {
            "code": "connect_failed",
            "params": {},
            "dns": {
                "code": "dns_no_record",
                "params": {"name": "_portee-verification.lapsed.probe.example"},
            },
        }
        session.add(item)
        session.commit()
    make_account(app, MODERATOR, role="moderator")
    client = app.test_client()
    login(client, MODERATOR)
    page = client.get("/moderation/drift", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/moderation/drift"' in html  # in the moderation menu
    assert "Domain proofs that no longer verify" in html
    assert "lapsed.probe.example" in html
    assert "Down for more than 7 days" in html


def test_the_cli_checks_due_proofs_through_the_apps_resolver(app):
    claim(app, "cli.probe.example", 45)
    app.extensions["portee.txt_resolver"] = lambda name: []
    result = app.test_cli_runner().invoke(args=["probes", "run"])
    assert result.exit_code == 0, result.output
    assert "Domain proofs: 1 checked again; no longer verified: cli.probe.example." in result.output
