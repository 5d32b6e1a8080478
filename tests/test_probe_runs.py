"""Probe runs and their history: what is due, backoff, the per-host cap, the time budget,
uptime over a clock the test controls, folding into hourly buckets, and the CLI's summary.

Services live on real servers on 127.0.0.1 (names under .example resolve there through a fake
resolver); nothing is fetched elsewhere.
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import select
from werkzeug import Response

from directory.db import get_database
from directory.models import Organization, ProbeCheck, ProbeHour, ProbeState, Service, Software
from directory.outbound.fetch import Fetcher
from directory.outbound.guard import AddressPolicy, Refused
from directory.probes import history
from directory.probes.runner import OutOfTime, PoliteGate, ProbeSettings, run_probes

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
_ORGANIZATIONS = itertools.count()


def resolver(host: str, _port: int):
    if host.endswith(".example"):
        return [ipaddress.ip_address("127.0.0.1")]
    raise Refused("host_not_found", host=host)


POLICY = AddressPolicy(
    trusted=(ipaddress.ip_network("127.0.0.1/32"),), any_port=True, resolver=resolver
)
SETTINGS = ProbeSettings(interval=300, concurrency=8, per_host=2, jitter=0, deadline=2)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server():
    with HTTPServer(host="127.0.0.1", threaded=True) as httpserver:
        yield httpserver


def add_services(app, urls: list[str], slug: str | None = None, **extra) -> list[int]:
    with get_database(app).session_scope() as session:
        software = session.exec(select(Software).where(Software.slug == slug)).first()
        slug_ = f"probed-{next(_ORGANIZATIONS)}"
        organization = Organization(slug=slug_, name="Probed", membership="member")
        session.add(organization)
        session.flush()
        services = [
            Service(
                organization_id=organization.id,
                name=f"Service {n}",
                website=url,
                software_id=software.id if software else None,
                **extra,
            )
            for n, url in enumerate(urls)
        ]
        session.add_all(services)
        session.commit()
        return [service.id for service in services]


def run(app, clock, settings=SETTINGS):
    with Fetcher(policy=POLICY, deadline=settings.deadline) as fetcher:
        return run_probes(get_database(app), fetcher, settings, clock=clock)


def state_of(app, service_id: int) -> ProbeState:
    with get_database(app).session_scope() as session:
        return session.get(ProbeState, service_id)


def test_a_run_checks_what_is_due_and_records_each_check(app, server):
    server.expect_request("/status.php").respond_with_json(
        {"installed": True, "maintenance": False, "version": "29.0.3.4", "versionstring": "29.0.3"}
    )
    url = f"http://cloud.probe.example:{server.port}/"
    [service_id] = add_services(app, [url], "nextcloud", software_version="28")
    add_services_elsewhere = add_services(app, [url], "nextcloud", retired_at=T0)
    clock = Clock(T0)
    summary = run(app, clock)
    assert (summary.due, summary.checked, dict(summary.outcomes)) == (1, 1, {"up": 1})
    state = state_of(app, service_id)
    assert (state.observed_software, state.observed_version) == ("Nextcloud", "29.0.3")
    assert state.next_check_at == T0 + timedelta(minutes=5)
    with get_database(app).session_scope() as session:
        [check] = session.exec(select(ProbeCheck)).all()
    assert (check.service_id, check.outcome, check.http_status) == (service_id, "up", 200)
    codes = [issue["code"] for issue in check.issues]
    assert codes == ["probe_plain_http", "probe_version_differs"]
    assert state_of(app, add_services_elsewhere[0]) is None  # retired: never checked
    # Not due again before its time.
    clock.now = T0 + timedelta(minutes=2)
    assert run(app, clock).due == 0


def test_backoff_grows_while_failing_and_resets_at_the_first_success(app, server):
    broken = {"on": True}

    def status(_request):
        if broken["on"]:
            return Response("Bad Gateway", status=502)
        return Response('{"installed": true, "version": "29"}', content_type="application/json")

    server.expect_request("/status.php").respond_with_handler(status)
    [service_id] = add_services(app, [f"http://cloud.probe.example:{server.port}/"], "nextcloud")
    clock = Clock(T0)
    waits = []
    for _ in range(4):
        run(app, clock)
        state = state_of(app, service_id)
        waits.append((state.consecutive_failures, state.next_check_at - clock.now))
        clock.now = state.next_check_at
    assert waits == [
        (1, timedelta(minutes=5)),
        (2, timedelta(minutes=15)),
        (3, timedelta(hours=1)),
        (4, timedelta(hours=1)),
    ]
    broken["on"] = False
    summary = run(app, clock)
    assert dict(summary.outcomes) == {"up": 1}
    state = state_of(app, service_id)
    assert (state.consecutive_failures, state.next_check_at) == (
        0,
        clock.now + timedelta(minutes=5),
    )


def test_retry_after_postpones_the_next_check(app, server):
    server.expect_request("/status.php").respond_with_data(
        "wait", status=429, headers={"Retry-After": "3600"}
    )
    [service_id] = add_services(app, [f"http://cloud.probe.example:{server.port}/"], "nextcloud")
    summary = run(app, Clock(T0))
    assert dict(summary.outcomes) == {"unknown": 1}
    state = state_of(app, service_id)
    assert state.next_check_at == T0 + timedelta(hours=1)
    assert state.consecutive_failures == 0  # being asked to wait is not a failure


def test_a_hosts_retry_after_holds_its_other_services_in_the_same_run(app, server):
    server.expect_request("/").respond_with_data("wait", status=429, headers={"Retry-After": "600"})
    urls = [f"http://busy.probe.example:{server.port}/?n={n}" for n in range(3)]
    ids = add_services(app, urls)
    settings = ProbeSettings(interval=300, concurrency=1, per_host=1, jitter=0, deadline=2)
    summary = run(app, Clock(T0), settings)
    assert dict(summary.outcomes) == {"unknown": 3}
    assert len(server.log) == 1  # the others were not asked
    for service_id in ids:
        assert state_of(app, service_id).next_check_at >= T0 + timedelta(seconds=599)


def test_only_offered_services_are_checked(app, server):
    server.expect_request("/").respond_with_data("<html>ok</html>", content_type="text/html")
    url = f"http://site.probe.example:{server.port}/"
    [offered] = add_services(app, [url])
    [ended] = add_services(app, [url], status="over")
    [candidate] = add_services(app, [url])
    with get_database(app).session_scope() as session:
        session.get(Service, candidate).organization.membership = "candidate"
        session.commit()
    summary = run(app, Clock(T0))
    assert (summary.due, summary.checked) == (1, 1)
    assert state_of(app, offered).last_outcome == "up"
    assert state_of(app, ended) is None and state_of(app, candidate) is None


def test_at_most_two_requests_at_a_time_per_host_name(app, server):
    lock = threading.Lock()
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}

    def slow(request):
        host = request.headers["Host"].split(":")[0]
        with lock:
            in_flight[host] = in_flight.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), in_flight[host])
        time.sleep(0.3)
        with lock:
            in_flight[host] -= 1
        return Response("<html>ok</html>", content_type="text/html")

    server.expect_request("/").respond_with_handler(slow)
    busy = [f"http://busy.probe.example:{server.port}/?n={n}" for n in range(6)]
    other = [f"http://other{n}.probe.example:{server.port}/" for n in range(3)]
    add_services(app, busy + other)
    summary = run(app, Clock(T0))
    assert dict(summary.outcomes) == {"up": 9}
    assert peak["busy.probe.example"] == 2


def test_a_run_stops_starting_checks_when_its_budget_is_spent(app, server):
    def slow(_request):
        time.sleep(0.5)
        return Response("<html>ok</html>", content_type="text/html")

    server.expect_request("/").respond_with_handler(slow)
    add_services(app, [f"http://one.probe.example:{server.port}/?n={n}" for n in range(8)])
    settings = ProbeSettings(interval=2, concurrency=1, per_host=1, jitter=0, deadline=1)
    assert settings.budget == 1
    started = time.monotonic()
    summary = run(app, Clock(T0), settings)
    assert time.monotonic() - started < settings.interval + settings.deadline
    assert summary.checked >= 1 and summary.left >= 1
    assert summary.checked + summary.left == 8


def add_checks(session, service_id: int, checks: list[tuple[datetime, str]]) -> None:
    for moment, outcome in checks:
        session.add(ProbeCheck(service_id=service_id, checked_at=moment, outcome=outcome))
    session.commit()


def test_uptime_over_7_30_and_90_days(app):
    [service_id] = add_services(app, ["https://cloud.probe.example/"])
    now = T0
    with get_database(app).session_scope() as session:
        assert history.uptime(session, service_id, 7, now) is None
        add_checks(
            session,
            service_id,
            [(now - timedelta(days=1, minutes=n), "up") for n in range(3)]
            + [(now - timedelta(days=2), "down")]
            + [(now - timedelta(days=3), "unknown")]  # not counted
            + [(now - timedelta(days=3, hours=1), "restricted")]  # the software answered
            + [(now - timedelta(days=20), "failed"), (now - timedelta(days=20, hours=1), "up")]
            + [(now - timedelta(days=60), "down")]
            + [(now - timedelta(days=100), "down")]  # outside every window
            + [(now + timedelta(hours=1), "down")],  # after `now`: not counted
        )
        assert history.uptimes(session, service_id, now) == {
            7: 4 / 5,
            30: 5 / 7,
            90: 5 / 8,
        }


def test_folding_keeps_uptime_and_bounds_the_tables(app):
    [service_id] = add_services(app, ["https://cloud.probe.example/"])
    now = T0
    old = now - timedelta(days=10)
    with get_database(app).session_scope() as session:
        checks = [(old + timedelta(minutes=5 * n), "up") for n in range(12)]  # 10:00-10:55
        checks += [(old + timedelta(hours=1, minutes=5), "down")]
        checks += [(old + timedelta(hours=1, minutes=10), "unknown")]
        checks += [(now - timedelta(days=1), "up")]  # recent: stays raw
        add_checks(session, service_id, checks)
        session.add(ProbeHour(service_id=service_id, hour=now - timedelta(days=95), counted=3))
        session.commit()
        before = history.uptimes(session, service_id, now)
        folded = history.fold(session, now, raw_days=7)
        session.commit()
        assert folded == 14
        assert history.uptimes(session, service_id, now) == before
        assert len(session.exec(select(ProbeCheck)).all()) == 1
        buckets = session.exec(select(ProbeHour).order_by(ProbeHour.hour)).all()
        assert [(b.hour, b.counted, b.up) for b in buckets] == [
            (old, 12, 12),
            (old + timedelta(hours=1), 1, 0),  # the "unknown" check is not counted
        ]
        # Folding again adds to the same buckets.
        add_checks(session, service_id, [(old + timedelta(minutes=59), "down")])
        history.fold(session, now, raw_days=7)
        session.commit()
        bucket = session.get(ProbeHour, (service_id, old))
        assert (bucket.counted, bucket.up) == (13, 12)


def test_the_cli_shows_progress_and_a_summary(app, server):
    server.expect_request("/status.php").respond_with_json({"installed": True, "version": "29"})
    server.expect_request("/broken/status.php").respond_with_data("Bad Gateway", status=502)
    # The command uses the app's policy: private addresses only with PORTEE_FETCH_ALLOW_PRIVATE,
    # and the system resolver, so the services are given by address here.
    app.config.update(PORTEE_FETCH_ALLOW_PRIVATE=True, PORTEE_PROBE_JITTER_SECONDS=0)
    add_services(
        app,
        [f"http://127.0.0.1:{server.port}/", f"http://127.0.0.1:{server.port}/broken/"],
        "nextcloud",
    )
    result = app.test_cli_runner().invoke(args=["probes", "run"])
    assert result.exit_code == 0, result.output
    assert "Probes: 2 services due, 2 checked (1 down, 1 up); 0 older checks folded" in (
        result.output
    )
    assert (
        f"  down: Service 1 <http://127.0.0.1:{server.port}/broken/>: the web server answered "
        "502: the software behind it does not answer"
    ) in result.output


def test_each_check_starts_at_a_random_moment_of_the_first_seconds():
    pauses: list[float] = []
    settings = ProbeSettings(jitter=2.0)
    started = time.monotonic()
    gate = PoliteGate(settings, started + 60, sleep=pauses.append)
    for _ in range(20):
        gate.start_check(started)
    assert 10 <= len(pauses) <= 20  # a moment already past is not waited for
    assert all(0 < pause <= 2.0 for pause in pauses)
    assert len(set(pauses)) > 1
    # Once the jitter's window is over, a check starts at once: no worker sleeps its slot away.
    pauses.clear()
    gate.start_check(started - 2.5)
    assert pauses == []


def test_no_request_starts_once_the_budget_is_spent():
    gate = PoliteGate(ProbeSettings(jitter=0), time.monotonic() - 1)
    with pytest.raises(OutOfTime), gate.request("host.probe.example"):
        pass


def test_the_cli_with_nothing_due(app):
    result = app.test_cli_runner().invoke(args=["probes", "run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Probes: 0 services due, 0 checked; 0 older checks folded")
