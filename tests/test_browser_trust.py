"""The trust card in a real browser: a region with its heading at the top of a host's page,
each fact's kind written out, readable without scripts, and no axe-core violation."""

from __future__ import annotations

import pytest
from browsing import assert_accessible, expect

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
    assert card.locator(".fact-checked").count() == 1
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
