"""Moderation in a real browser: a moderator signs in, opens the queue, approves an application
whose first approval is already recorded, and the public finds the new member in search.
Every page opened passes axe-core.

This module serves its own copy of the demo (the shared live server's app is out of reach), so
it can create the accounts and the application in the database the server reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from browsing import assert_accessible, expect, serving
from sqlmodel import select

from directory import membership, moderation
from directory.db import get_database
from directory.models import Account, Application, Service, Software
from support import make_account

MODERATOR = "moderatrice@portee.example"
OTHER_MODERATOR = "second@portee.example"
APPLICANT = "alice@zephyrin.example"
PASSWORD = "correct horse battery"
NAME = "Chaton Zéphyrin"


@dataclass(frozen=True)
class LiveSite:
    app: object
    url: str
    application_id: int


def _prepare(app) -> int:
    """An application with one approval already recorded, and the moderator who completes it."""
    make_account(app, MODERATOR, role="moderator")
    make_account(app, OTHER_MODERATOR, role="moderator")
    applicant_id = make_account(app, APPLICANT)
    with get_database(app).session_scope() as session:
        application = membership.submit_application(
            session,
            session.get(Account, applicant_id),
            {"name": NAME, "website": "https://zephyrin.invalid/", "description": "Au vent."},
            {key: True for key in membership.COMMITMENTS},
            "Nous hébergeons les associations du vallon.",
        )
        etherpad = session.exec(select(Software).where(Software.slug == "etherpad")).one()
        session.add(
            Service(
                organization_id=application.organization_id,
                name="Pad Zéphyrin",
                software_id=etherpad.id,
                registration="free",
            )
        )
        other = session.exec(select(Account).where(Account.email == OTHER_MODERATOR)).one()
        moderation.vote(session, other, application, "approve", "Known to the team.")
        session.commit()
        return application.id


@pytest.fixture(scope="module")
def live_site(sites, demo_template, tmp_path_factory):
    site = sites.copy(demo_template, tmp_path_factory.mktemp("browser-moderation") / "site")
    app = sites.app(site)
    application_id = _prepare(app)
    with serving(app) as url:
        yield LiveSite(app, url, application_id)
    sites.discard(site)


@pytest.fixture(scope="module")
def live_server(live_site):
    """Overrides browsing.live_server for this module: `new_page` opens pages on this site."""
    return live_site.url


def test_a_moderator_completes_the_quorum_and_the_public_finds_the_new_member(new_page, live_site):
    page = new_page("en-US")
    page.goto("/account/login")
    assert_accessible(page)
    page.get_by_label("E-mail address").fill(MODERATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/"))

    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Moderation"
    ).click()
    page.wait_for_url(re.compile(r"/moderation/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications to review")
    assert_accessible(page)

    page.get_by_role("link", name=NAME).click()
    page.wait_for_url(re.compile(rf"/moderation/applications/{live_site.application_id}$"))
    expect(page.get_by_text("Nous hébergeons les associations du vallon.")).to_be_visible()
    expect(page.get_by_text(f"{OTHER_MODERATOR} approved")).to_be_visible()
    assert_accessible(page)

    expect(
        page.get_by_text("zephyrin.invalid is not proved to belong to this applicant")
    ).to_be_visible()
    # the reason typed before asking a question is still there after it is sent
    reason = page.get_by_label(re.compile(r"^Reason"))
    reason.fill("Nous les avons rencontrés au dernier camp.")
    page.get_by_label("Your question to the applicant").fill("Où sont vos serveurs ?")
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_text("Your question was sent to the applicant.")).to_be_visible()
    expect(page.get_by_text("Où sont vos serveurs ?")).to_be_visible()
    expect(reason).to_have_value("Nous les avons rencontrés au dernier camp.")
    reason.fill("")

    page.get_by_role("radio", name="Approve").check()
    page.get_by_role("radio", name="Approve").press("Enter")  # Enter votes, it does not ask
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("the domain of this applicant is not proved")
    expect(summary).to_be_focused()
    expect(page.get_by_role("radio", name="Approve")).to_be_checked()  # nothing lost
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Reason")).fill("Nous les avons rencontrés au dernier camp.")
    page.get_by_role("button", name="Vote").click()
    page.wait_for_url(re.compile(r"/moderation/$"))
    expect(page.get_by_text("Your vote decided: the application is Approved.")).to_be_visible()
    expect(page.get_by_text("No application is waiting.")).to_be_visible()
    assert_accessible(page)

    with get_database(live_site.app).session_scope() as session:
        assert session.get(Application, live_site.application_id).state == "approved"

    public = new_page("en-US")
    public.goto("/search?q=zéphyrin")
    offers = public.locator("ol.offers > li.offer")
    expect(offers).to_have_count(1)
    expect(offers.first).to_contain_text("Pad Zéphyrin")
    assert_accessible(public)
    offers.first.get_by_role("link", name=NAME).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(NAME)
    assert_accessible(public)

    public.goto("/moderation/log")
    expect(public.get_by_role("link", name=NAME)).to_be_visible()
    assert_accessible(public)


def test_the_other_moderation_pages_are_accessible(new_page, live_site):
    """An admin walks through the members, a suspension, the audit trail, the failing files and
    the team; the suspended host's public page says so."""
    make_account(live_site.app, "admin@portee.example", role="admin")
    page = new_page("fr-FR")
    page.goto("/account/login")
    page.get_by_label("Adresse e-mail").fill("admin@portee.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/dashboard/"))
    for path in ("/moderation/organizations/", "/moderation/audit", "/moderation/sources"):
        page.goto(path)
        assert_accessible(page)
    page.goto("/moderation/organizations/")
    page.get_by_role("link", name="Le Chaton Libre").click()
    assert_accessible(page)
    page.locator("#suspend-reason").fill("Publicités sur le pad.")
    page.locator("form[action$='/suspend'] button").click()
    expect(page.locator(".flash")).to_be_visible()
    assert_accessible(page)
    page.goto("/moderation/team")
    assert_accessible(page)
    public = new_page("fr-FR")
    public.goto("/hosts/le-chaton-libre")
    expect(public.locator(".membership-notice")).to_contain_text("Publicités sur le pad.")
    assert_accessible(public)
