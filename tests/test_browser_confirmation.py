"""Stale and paused hosts in a real browser: their result cards say so in the reader's
language, and the pages stay free of axe-core violations.

The module serves its own copy of the demo, where Le Chaton Libre was last confirmed 40 days
ago (Ghjattu Liberu and Moutarde are paused in the demo's files).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from browsing import assert_accessible, expect, serving
from sqlmodel import select

from directory.db import get_database
from directory.models import Organization
from directory.timeutil import utcnow
from support import make_account


@pytest.fixture(scope="module")
def stale_site(sites, demo_template, tmp_path_factory):
    """The demo app with one stale host, served for real: (base URL, app)."""
    site = sites.copy(demo_template, tmp_path_factory.mktemp("browser-stale") / "site")
    app = sites.app(site)
    with get_database(app).session_scope() as session:
        host = session.exec(select(Organization).where(Organization.slug == "le-chaton-libre"))
        organization = host.one()
        organization.confirmed_at = utcnow() - timedelta(days=40)
        session.add(organization)
        session.commit()
    with serving(app) as url:
        yield url, app
    sites.discard(site)


@pytest.fixture(scope="module")
def live_server(stale_site):
    """Overrides browsing.live_server: new_page opens this module's site."""
    return stale_site[0]


LABELS = {
    "fr-FR": ("Non confirmé depuis le", "En pause"),
    "en-US": ("Not confirmed since", "Paused"),
}


@pytest.mark.parametrize("locale", LABELS)
def test_result_cards_say_stale_and_paused(new_page, locale):
    stale_words, paused_word = LABELS[locale]
    page = new_page(locale=locale)
    page.goto("/search?q=paste")
    stale_card = page.locator("li.offer").filter(has_text="Le Chaton Libre")
    expect(stale_card.locator(".tag-stale")).to_contain_text(stale_words)
    paused_card = page.locator("li.offer").filter(has_text="Ghjattu Liberu")
    expect(paused_card.locator(".tag-paused")).to_have_text(paused_word)
    assert page.locator(".tag-stale").count() == stale_card.count()
    assert_accessible(page)


def test_match_results_say_stale_and_paused(new_page):
    page = new_page(locale="en-US")
    # needs Le Chaton Libre covers in full: it comes before the hosts that cover fewer
    needs = ("audio-conferencing", "calendar-contacts", "cloud-storage", "events")
    page.goto("/match?" + "&".join(f"needs={need}" for need in needs))
    stale = page.locator("li.host-match").filter(has_text="Le Chaton Libre")
    expect(stale.locator(".why")).to_contain_text("not confirmed since")
    assert_accessible(page)
    # what Ghjattu Liberu (paused) offers: a pad, a poll, a pastebin
    page.goto("/match?needs=collaborative-writing&needs=polls&needs=pastebin")
    paused = page.locator("li.host-match").filter(has_text="Ghjattu Liberu")
    expect(paused.locator(".why")).to_contain_text("; paused")
    assert_accessible(page)


def test_the_host_confirms_its_listing_from_the_dashboard(new_page, stale_site):
    _url, app = stale_site
    with get_database(app).session_scope() as session:
        host = session.exec(select(Organization).where(Organization.slug == "le-chaton-libre"))
        organization_id = host.one().id
    make_account(app, "libre@chatonlibre.example", organizations=(organization_id,))
    page = new_page(locale="en-US")
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill("libre@chatonlibre.example")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/"))
    page.goto(f"/dashboard/organizations/{organization_id}/sources")
    expect(page.locator(".confirmation .notice")).to_contain_text("not confirmed since")
    assert_accessible(page)
    page.get_by_role("button", name="My listing is still right").click()
    expect(page.locator(".flash")).to_contain_text("your listing is confirmed")
    expect(page.locator(".confirmation .notice")).to_have_count(0)
    assert page.url.endswith(f"/dashboard/organizations/{organization_id}/sources")
    assert_accessible(page)
    page.goto(f"/dashboard/organizations/{organization_id}")
    expect(page.get_by_role("button", name="My listing is still right")).to_be_visible()
    assert_accessible(page)
    with get_database(app).session_scope() as session:  # stale again for the other tests
        organization = session.get(Organization, organization_id)
        organization.confirmed_at = utcnow() - timedelta(days=40)
        session.add(organization)
        session.commit()
