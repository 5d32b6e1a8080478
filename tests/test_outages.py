"""Outage e-mails: one when a service has been unreachable for 6 hours, one when it is back,
none in between, none again for the same outage, none for a short one; in the host's language.

Real probe runs against a server on 127.0.0.1 that the test breaks and mends, a clock the test
controls, and a real SMTP server (aiosmtpd) receiving the mail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import select
from test_probe_runs import T0, Clock, add_services, run
from werkzeug import Response

from directory import listings
from directory.db import get_database
from directory.models import Organization, ProbeCheck, ProbeOutage, ProbeState, Service
from directory.probes.mails import notify_outages
from directory.probes.outages import open_outage
from directory.timeutil import utcnow
from support import make_account

EDITOR = "editor@probed.example"


@pytest.fixture
def server():
    with HTTPServer(host="127.0.0.1", threaded=True) as httpserver:
        yield httpserver


@pytest.fixture
def mailing_app(sites, empty_template, tmp_path, smtp_server):
    """An app with no organization but the test's, sending its mail to the SMTP server."""
    with sites.open_copy(
        empty_template,
        tmp_path / "site",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        PORTEE_BASE_URL="http://portee.test",
    ) as application:
        yield application


class Switch:
    """A Nextcloud that answers, or a proxy whose Nextcloud is gone (502)."""

    def __init__(self, server: HTTPServer) -> None:
        self.broken = False
        server.expect_request("/status.php").respond_with_handler(self)

    def __call__(self, _request):
        if self.broken:
            return Response("<h1>502 Bad Gateway</h1>", status=502, content_type="text/html")
        return Response(
            '{"installed": true, "maintenance": false, "version": "29.0.3"}',
            content_type="application/json",
        )


def hosted_service(app, server, languages=()) -> int:
    url = f"http://cloud.probe.example:{server.port}/"
    [service_id] = add_services(app, [url], "nextcloud")
    with get_database(app).session_scope() as session:
        organization = session.get(Service, service_id).organization
        organization.languages = list(languages)
        session.add(organization)
        session.commit()
        organization_id = organization.id
    make_account(app, EDITOR, organizations=(organization_id,))
    return service_id


def run_and_notify(app, clock) -> str:
    """One probe run at the clock's time, then what `flask probes run` does after it."""
    run(app, clock)
    with app.app_context(), get_database(app).session_scope() as session:
        line = notify_outages(session, clock.now)
        session.commit()
    return line


def step(app, clock, until) -> None:
    """Runs at each due time up to `until` (as the timer would)."""
    while True:
        with get_database(app).session_scope() as session:
            due = min(state.next_check_at for state in session.exec(select(ProbeState)))
        if due > until:
            break
        clock.now = due
        run_and_notify(app, clock)
    clock.now = until
    run_and_notify(app, clock)


def test_one_mail_after_6_hours_one_when_back_none_between(mailing_app, server, smtp_server):
    switch = Switch(server)
    service_id = hosted_service(mailing_app, server, languages=["en"])
    clock = Clock(T0)
    run_and_notify(mailing_app, clock)  # up
    switch.broken = True
    clock.now = T0 + timedelta(minutes=5)
    assert "1 began" in run_and_notify(mailing_app, clock)
    step(mailing_app, clock, T0 + timedelta(hours=6))
    assert smtp_server.messages == []  # 5 h 55 min down: not yet
    step(mailing_app, clock, T0 + timedelta(hours=6, minutes=5))
    [down] = smtp_server.messages
    assert down["To"] == EDITOR
    assert down["Subject"] == "Portée: Service 0 has been unreachable for 6 hours"
    body = down.get_content()
    assert "the web server answered 502: the software behind it does not answer" in body
    assert "http://portee.test/dashboard/organizations/" in body
    step(mailing_app, clock, T0 + timedelta(hours=11))
    assert len(smtp_server.messages) == 1  # none in between
    switch.broken = False
    step(mailing_app, clock, T0 + timedelta(hours=12))
    assert len(smtp_server.messages) == 2
    back = smtp_server.messages[1]
    assert back["Subject"] == "Portée: Service 0 is reachable again"
    assert "answers again since" in back.get_content()
    step(mailing_app, clock, T0 + timedelta(hours=20))
    assert len(smtp_server.messages) == 2  # never again for this outage
    with get_database(mailing_app).session_scope() as session:
        [outage] = session.exec(select(ProbeOutage)).all()
    assert outage.service_id == service_id
    assert outage.started_at == T0 + timedelta(minutes=5)  # the first failed check
    assert T0 + timedelta(hours=11) < outage.ended_at <= T0 + timedelta(hours=12)
    assert outage.down_notified_at is not None and outage.back_notified_at is not None


def test_a_short_outage_sends_nothing_and_a_new_one_is_told_again(mailing_app, server, smtp_server):
    switch = Switch(server)
    hosted_service(mailing_app, server)
    clock = Clock(T0)
    switch.broken = True
    run_and_notify(mailing_app, clock)
    step(mailing_app, clock, T0 + timedelta(hours=5))
    switch.broken = False
    step(mailing_app, clock, T0 + timedelta(hours=7))
    assert smtp_server.messages == []  # down 5 hours: neither mail
    switch.broken = True
    step(mailing_app, clock, T0 + timedelta(hours=14))
    [down] = smtp_server.messages  # a new outage, told once
    # No language of its own that Portée speaks: the site's default, French.
    assert down["Subject"] == "Portée\u00a0: Service 0 est injoignable depuis 6 heures"
    assert "le serveur web a répondu 502" in down.get_content()


def test_checks_that_cannot_conclude_neither_open_nor_close_an_outage(mailing_app, server):
    server.expect_request("/status.php").respond_with_data(
        "wait", status=429, headers={"Retry-After": "60"}
    )
    service_id = hosted_service(mailing_app, server)
    clock = Clock(T0)
    run_and_notify(mailing_app, clock)
    with get_database(mailing_app).session_scope() as session:
        assert session.exec(select(ProbeCheck.outcome)).all() == ["unknown"]
        assert session.exec(select(ProbeOutage)).all() == []
        # A failed check kept from before, then the unknown one: the outage counts from it.
        session.add(
            ProbeCheck(service_id=service_id, checked_at=T0 - timedelta(hours=7), outcome="down")
        )
        state = session.get(ProbeState, service_id)
        state.last_outcome = "down"
        session.add(state)
        session.commit()
    with mailing_app.app_context(), get_database(mailing_app).session_scope() as session:
        notify_outages(session, T0)
        session.commit()
        [outage] = session.exec(select(ProbeOutage)).all()
    assert outage.started_at == T0 - timedelta(hours=7)


def test_the_cli_sends_the_mail_at_the_end_of_a_run(mailing_app, server, smtp_server):
    server.expect_request("/").respond_with_data("Bad Gateway", status=502)
    mailing_app.config.update(PORTEE_PROBE_JITTER_SECONDS=0)
    [service_id] = add_services(mailing_app, [f"http://127.0.0.1:{server.port}/"])
    with get_database(mailing_app).session_scope() as session:
        organization = session.exec(select(Organization)).one()
        organization_id = organization.id
        # Down since a check 7 hours ago (kept from an earlier run).
        session.add(
            ProbeCheck(
                service_id=service_id,
                checked_at=utcnow() - timedelta(hours=7),
                outcome="down",
                issues=[{"code": "connect_failed", "params": {}}],
            )
        )
        session.commit()
    make_account(mailing_app, EDITOR, organizations=(organization_id,))
    result = mailing_app.test_cli_runner().invoke(args=["probes", "run"])
    assert result.exit_code == 0, result.output
    assert "Outages: 1 began, 0 ended; 1 down and 0 back notices sent." in result.output
    [message] = smtp_server.messages
    assert message["To"] == EDITOR
    result = mailing_app.test_cli_runner().invoke(args=["probes", "run"])
    assert "0 down and 0 back notices sent" in result.output
    assert len(smtp_server.messages) == 1


def stop_checking(session, service: Service, how: str) -> None:
    """Each way a service leaves the probes' list, and the way back."""
    if how == "retired":
        listings.retire_service(session, service, at=T0)
    elif how == "ended":
        service.enddate = (T0 - timedelta(days=1)).date()
    elif how == "gone":  # its address removed
        service.website = None
    else:
        service.organization.membership = how  # suspended, former
        session.add(service.organization)
    session.add(service)


def check_again(session, service: Service, how: str, url: str) -> None:
    if how == "retired":
        listings.restore_service(session, service)
    elif how == "ended":
        service.enddate = None
    elif how == "gone":
        service.website = url
    else:
        service.organization.membership = "member"
        session.add(service.organization)
    session.add(service)


@pytest.mark.parametrize("how", ["retired", "ended", "gone", "suspended", "former"])
def test_the_outage_of_a_service_no_longer_checked_is_closed_without_a_mail(
    mailing_app, server, smtp_server, how
):
    """A service down and told so, then retired (or ended, its address gone, its host
    suspended or gone): the next run closes its outage as no longer checked, at the run's
    time, and sends no "back" mail, for it is not back. Checked again later and still down, it
    begins a new outage from its first failure after the closing."""
    switch = Switch(server)
    service_id = hosted_service(mailing_app, server, languages=["en"])
    clock = Clock(T0)
    switch.broken = True
    run_and_notify(mailing_app, clock)
    step(mailing_app, clock, T0 + timedelta(hours=6, minutes=5))
    assert len(smtp_server.messages) == 1  # "down"
    with get_database(mailing_app).session_scope() as session:
        service = session.get(Service, service_id)
        url = service.website
        stop_checking(session, service, how)
        session.commit()
    clock.now = stopped = T0 + timedelta(hours=7)
    line = run_and_notify(mailing_app, clock)
    assert "Outages: 0 began, 1 ended (1 no longer checked); 0 down and 0 back" in line
    with get_database(mailing_app).session_scope() as session:
        [outage] = session.exec(select(ProbeOutage)).all()
        assert (outage.ended_at, outage.ended_because) == (stopped, "unchecked")
        assert outage.back_notified_at is None  # nobody was told it is back: it is not
        assert open_outage(session, service_id) is None
    clock.now = T0 + timedelta(hours=30)  # a day later: still nothing, nothing reopened
    assert "0 began, 0 ended; 0 down and 0 back" in run_and_notify(mailing_app, clock)
    assert len(smtp_server.messages) == 1
    with get_database(mailing_app).session_scope() as session:
        assert len(session.exec(select(ProbeOutage)).all()) == 1

    # Back on the list, still broken: a new outage, from its first failure since then.
    with get_database(mailing_app).session_scope() as session:
        check_again(session, session.get(Service, service_id), how, url)
        session.commit()
    clock.now = again = T0 + timedelta(hours=31)
    assert "1 began" in run_and_notify(mailing_app, clock)
    with get_database(mailing_app).session_scope() as session:
        assert open_outage(session, service_id).started_at == again


def test_an_outage_that_ended_because_the_service_is_back_says_so(mailing_app, server):
    switch = Switch(server)
    hosted_service(mailing_app, server)
    clock = Clock(T0)
    switch.broken = True
    run_and_notify(mailing_app, clock)
    switch.broken = False
    step(mailing_app, clock, T0 + timedelta(minutes=10))
    with get_database(mailing_app).session_scope() as session:
        [outage] = session.exec(select(ProbeOutage)).all()
    assert (outage.ended_at, outage.ended_because) == (T0 + timedelta(minutes=5), "back")
