"""The probes' pages in a real browser: a host reads its services' recent checks and the last
failure in words on its dashboard, a moderator reads the drift page. Both pass axe-core.

The checks are real ones, run before the site is served against servers on 127.0.0.1 (one
working Nextcloud, one behind a proxy that answers 502 for the last 8 days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from browsing import assert_accessible, expect, serving
from pytest_httpserver import HTTPServer
from test_probe_runs import Clock, add_services, run

from directory.db import get_database
from directory.models import Service
from directory.probes import outages
from directory.timeutil import utcnow
from support import make_account

HOST = "hote@probed.example"
MODERATOR = "moderatrice@probed.example"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class LiveSite:
    app: object
    url: str
    organization_id: int


def _prepare(app, server: HTTPServer) -> int:
    server.expect_request("/status.php").respond_with_json(
        {"installed": True, "maintenance": False, "version": "29.0.3"}
    )
    server.expect_request("/broken/status.php").respond_with_data("Bad Gateway", status=502)
    working, broken = add_services(
        app,
        [
            f"http://cloud.probe.example:{server.port}/",
            f"http://cloud.probe.example:{server.port}/broken/",
        ],
        "nextcloud",
        software_version="28",
    )
    now = utcnow()
    for moment in (now - timedelta(days=8), now - timedelta(minutes=10), now):
        run(app, Clock(moment))
        with get_database(app).session_scope() as session:
            outages.follow(session)
            session.commit()
    with get_database(app).session_scope() as session:
        organization_id = session.get(Service, working).organization_id
        assert session.get(Service, broken).organization_id == organization_id
    make_account(app, HOST, organizations=(organization_id,))
    make_account(app, MODERATOR, role="moderator")
    return organization_id


@pytest.fixture(scope="module")
def live_site(sites, empty_template, tmp_path_factory):
    site = sites.copy(empty_template, tmp_path_factory.mktemp("browser-probes") / "site")
    app = sites.app(site)
    with HTTPServer(host="127.0.0.1", threaded=True) as server:
        organization_id = _prepare(app, server)
    with serving(app) as url:
        yield LiveSite(app, url, organization_id)
    sites.discard(site)


@pytest.fixture(scope="module")
def live_server(live_site):
    """Overrides browsing.live_server for this module: `new_page` opens pages on this site."""
    return live_site.url


def sign_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/"))


def test_the_host_reads_its_checks_and_a_moderator_the_drift(new_page, live_site):
    page = new_page("en-US")
    sign_in(page, HOST)
    page.goto(f"/dashboard/organizations/{live_site.organization_id}/services")
    expect(page.get_by_role("heading", name="Checks of your services")).to_be_visible()
    expect(page.get_by_role("table", name="Recent checks of Service 1")).to_be_visible()
    expect(page.get_by_text("Unreachable since").first).to_be_visible()
    expect(
        page.get_by_text(
            "the web server answered 502: the software behind it does not answer"
        ).first
    ).to_be_visible()
    assert_accessible(page)

    moderator = new_page("fr-FR")
    moderator.goto("/account/login")
    moderator.get_by_label("Adresse e-mail").fill(MODERATOR)
    moderator.get_by_label("Mot de passe").fill(PASSWORD)
    moderator.get_by_role("button", name="Se connecter").click()
    moderator.wait_for_url(re.compile(r"/dashboard/"))
    moderator.goto("/moderation/")
    moderator.get_by_role("navigation", name="Modération").get_by_role(
        "link", name="Écarts"
    ).click()
    moderator.wait_for_url(re.compile(r"/moderation/drift$"))
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Écarts")
    down = moderator.get_by_role("region", name="Injoignables depuis plus de 7 jours")
    expect(down.get_by_role("row", name=re.compile("Service 1"))).to_be_visible()
    differ = moderator.get_by_role("region", name="Déclaré et constaté diffèrent")
    expect(differ.get_by_role("row", name=re.compile("Service 0"))).to_be_visible()
    assert_accessible(moderator)
