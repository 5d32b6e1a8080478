"""The trust card in a real browser: a region with its heading at the top of a host's page,
each fact's kind written out, readable without scripts, and no axe-core violation; what the
probes found of each service (words and a 30-day bar), and /go/'s page for a service whose last
check failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browsing import assert_accessible, expect, serving
from sqlmodel import select

from directory import public
from directory.db import get_database
from directory.models import Organization, ProbeCheck, ProbeState, Service
from directory.timeutil import utcnow

PROBED: dict[str, int] = {}
SOFTWARE_DOWN: list[str] = []  # the catalogue slug of the down service's software


@pytest.fixture(scope="module")
def live_server(sites, demo_template, tmp_path_factory):
    """The demo app, with probe history for cigogne-libre: its first service checked every
    two hours for a week, up; its second one down for 3 hours."""
    site = sites.copy(demo_template, tmp_path_factory.mktemp("browser") / "site")
    app = sites.app(site)
    now = utcnow()
    with get_database(app).session_scope() as session:
        organization = session.exec(
            select(Organization).where(Organization.slug == "cigogne-libre")
        ).one()
        up, down = sorted(
            (s for s in organization.services if s.website and not public.has_ended(s)),
            key=lambda s: s.id,
        )[:2]
        for hours in range(2, 7 * 24, 2):
            session.add(
                ProbeCheck(service_id=up.id, checked_at=now - timedelta(hours=hours), outcome="up")
            )
        session.add(ProbeState(service_id=up.id, last_checked_at=now, last_outcome="up"))
        session.add(ProbeCheck(service_id=up.id, checked_at=now, outcome="up"))
        for moment, outcome in (
            (now - timedelta(hours=4), "up"),
            (now - timedelta(hours=3), "down"),
        ):
            session.add(ProbeCheck(service_id=down.id, checked_at=moment, outcome=outcome))
        session.add(
            ProbeState(
                service_id=down.id, last_checked_at=now - timedelta(hours=3), last_outcome="down"
            )
        )
        session.commit()
        PROBED.update(up=up.id, down=down.id)
        PROBED["software"] = session.get(Service, down.id).software_id or 0
        SOFTWARE_DOWN.append(session.get(Service, down.id).software.slug)
    with serving(app) as url:
        yield url
    sites.discard(site)


CARD = {
    "fr-FR": (
        "Fiche de confiance",
        "Administrateurs et administratrices",
        "Déclaré par l’hébergeur",
    ),
    "en-US": ("Trust card", "Administrators", "Declared by the host"),
}


@pytest.mark.parametrize("locale", CARD)
def test_the_trust_card_of_a_host_page(new_page, locale):
    heading, fact, kind = CARD[locale]
    page = new_page(locale)
    page.goto("/hosts/cigogne-libre")
    card = page.get_by_role("region", name=heading)
    expect(card).to_be_visible()
    # The card comes before the host's services.
    assert page.evaluate(
        "() => document.querySelector('.trust-card').compareDocumentPosition("
        "document.querySelector('#services-heading')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    term = card.locator("dt", has_text=fact)
    expect(term).to_have_count(1)
    definition = term.locator("xpath=following-sibling::dd[1]")
    expect(definition.locator(".fact-kind")).to_contain_text(kind)
    expect(definition).to_contain_text("4")
    assert card.locator(".fact-decided").count() == 1
    # The domain (not proven), the availability of its services and their certificates.
    assert card.locator(".fact-checked").count() == 3
    assert_accessible(page)


def test_the_trust_card_without_javascript(new_page):
    page = new_page("en-US", java_script_enabled=False)
    page.goto("/hosts/le-chaton-libre")
    card = page.get_by_role("region", name="Trust card")
    expect(card).to_be_visible()
    unsaid = card.locator("dt", has_text="Administrators").locator("xpath=following-sibling::dd[1]")
    expect(unsaid).to_have_text("Declared by the host: not said")
    # axe-core needs timers (see test_browser.py): the same address with scripts on.
    checked = new_page("en-US")
    checked.goto(page.url)
    assert_accessible(checked)


HEALTH = {
    "fr-FR": ("joignable ·", "injoignable depuis 3 heures", "Disponibilité par jour"),
    "en-US": ("reachable ·", "unreachable for 3 hours", "Availability per day"),
}


@pytest.mark.parametrize("locale", HEALTH)
def test_each_service_says_what_the_probes_found(new_page, locale):
    reachable, unreachable, bar = HEALTH[locale]
    page = new_page(locale)
    page.goto("/hosts/cigogne-libre")
    expect(page.locator(".health-line", has_text=reachable).first).to_be_visible()
    expect(page.locator(".health-line", has_text=unreachable)).to_have_count(1)
    # The bar is an image with a name (its title) and a description in words.
    chart = page.get_by_role("img", name=bar).first
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() == 30
    assert_accessible(page)


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_go_to_a_down_service_shows_alternatives(new_page, locale):
    page = new_page(locale)
    response = page.goto(f"/go/{PROBED['down']}")
    assert response.status == 200 and response.url.endswith(f"/go/{PROBED['down']}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    alternatives = page.locator(".offers .offer-title a")
    assert 1 <= alternatives.count() <= 3
    for n in range(alternatives.count()):
        assert alternatives.nth(n).get_attribute("href").startswith("/go/")
        assert alternatives.nth(n).get_attribute("href") != f"/go/{PROBED['down']}"
    assert_accessible(page)


@pytest.mark.parametrize("locale", HEALTH)
def test_the_match_page_labels_the_unreachable_offer(new_page, locale):
    """Cigogne Libre alone offers Funkwhale: it comes first for Framadate and Funkwhale, its
    Framadate (down for 3 hours) labelled as the result cards label it, and the reason said."""
    unreachable = HEALTH[locale][1]
    page = new_page(locale)
    page.goto(f"/match?software={SOFTWARE_DOWN[0]}&software=funkwhale")
    assert SOFTWARE_DOWN[0] == "framadate"
    first = page.locator(".host-match").first
    expect(first.locator("h3")).to_have_text("Cigogne Libre")
    label = page.locator(".need-offers .tag-unreachable")
    expect(label).to_have_count(1)
    # A string in has_text matches without case, whatever the spaces.
    expect(first.locator(".need-offers .tag-unreachable", has_text=unreachable)).to_be_visible()
    expect(first.locator(".preference-effects .unmet")).to_have_count(1)
    assert_accessible(page)
