"""A host's whole path in a real browser: sign up, verify by the mailed link, apply, add a
service, switch it to full, and see the public page change. Every page opened passes axe.

The module serves its own copy of the demo with mail going to a real SMTP server on
127.0.0.1, so the verification link is read from the mail the site really sent.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from browsing import assert_accessible, expect, serving
from sqlmodel import select

from directory import moderation
from directory.db import get_database
from directory.models import Account, Application
from support import make_account

EMAIL = "camille@chaton-des-pres.example"
PASSWORD = "une phrase de passe assez longue"
NAME = "Chaton des Prés"


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@dataclass(frozen=True)
class Site:
    app: object
    url: str
    inbox: Inbox


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site(sites, demo_template, tmp_path_factory):
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    copy = sites.copy(demo_template, tmp_path_factory.mktemp("browser-host") / "site")
    web_port = free_port()
    app = sites.app(
        copy,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        PORTEE_BASE_URL=f"http://127.0.0.1:{web_port}",
    )
    try:
        with serving(app, web_port) as url:
            yield Site(app, url, inbox)
    finally:
        controller.stop()
        sites.discard(copy)


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site.url, locale="en-GB")
    context.set_default_timeout(10_000)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(site.url)
            else route.abort("blockedbyclient")
        ),
    )
    yield context.new_page()
    context.close()


def approve(app) -> str:
    """Two moderators approve the application (the moderation path has its own browser test)."""
    for address in ("m1@portee.example", "m2@portee.example"):
        make_account(app, address, role="moderator")
    with get_database(app).session_scope() as session:
        application = session.exec(select(Application)).all()[-1]
        for address in ("m1@portee.example", "m2@portee.example"):
            moderator = session.exec(select(Account).where(Account.email == address)).one()
            moderation.vote(session, moderator, application, "approve", "Known to the team.")
        session.commit()
        return application.organization_id


def test_a_host_joins_and_switches_its_service_to_full(site, page):
    page.goto("/account/signup")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    assert_accessible(page)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    mail = site.inbox.messages[-1]
    assert mail["To"] == EMAIL
    link = re.search(r"http://127\.0\.0\.1:\d+/account/verify/\S+", mail.get_content()).group(0)
    page.goto(link)
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()

    page.goto("/apply/new")
    page.get_by_label("Name of your organization").fill(NAME)
    page.locator("textarea#description").fill("Un petit hébergeur associatif du Finistère.")
    page.locator("select#legal_type").select_option("association")
    page.locator("select#country_code").select_option("FR")
    page.get_by_label("City or address").fill("Quimper")
    page.locator("input#website").fill("https://chaton-des-pres.example/")
    page.locator("input#contact_email").fill(EMAIL)
    for name in ("free_software", "no_ads_tracking", "transparency", "open_neutral", "solidarity"):
        page.locator(f"input#{name}").check()
    assert_accessible(page)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/apply/\d+$"))
    assert_accessible(page)

    organization_id = approve(site.app)
    page.goto(f"/dashboard/organizations/{organization_id}/services/new")
    page.get_by_label("Name", exact=True).fill("Pad des Prés")
    page.locator("select#software_id").select_option(label="Etherpad")
    page.locator("select#registration").select_option("none")
    page.locator("input#website").fill("https://pad.chaton-des-pres.example/")
    assert_accessible(page)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    expect(page.get_by_role("button", name="We are full")).to_be_visible()

    page.goto("/search?q=Pad des Prés")
    host_link = page.get_by_role("link", name=NAME).first
    expect(host_link).to_be_visible()
    host_link.click()
    expect(page.get_by_text("Open to newcomers")).to_be_visible()
    slug = page.url.rsplit("/", 1)[-1]

    page.goto(f"/dashboard/organizations/{organization_id}/services")
    page.get_by_role("button", name="We are full").click()
    expect(page.get_by_role("button", name="Open again to newcomers")).to_be_visible()
    page.goto(f"/hosts/{slug}")
    expect(page.get_by_text("Full: at capacity for now")).to_be_visible()
    assert_accessible(page)
