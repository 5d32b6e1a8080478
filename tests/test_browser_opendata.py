"""Open data pages in a real browser: the API page in both languages and the public validator
(form, then a preview with its problems), each with no axe-core violation."""

from __future__ import annotations

import pytest
from browsing import assert_accessible, expect

HEADINGS = {"fr-FR": "L’API de Portée", "en-US": "The Portée API"}


@pytest.mark.parametrize("locale", HEADINGS)
def test_the_api_page(new_page, locale):
    page = new_page(locale)
    page.goto("/api/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[locale])
    expect(page.get_by_role("heading", name="GET /search")).to_be_visible()
    assert_accessible(page)


def test_the_validator_shows_what_it_reads(new_page, live_server):
    page = new_page("en-US")
    page.goto("/validate")
    assert_accessible(page)
    page.get_by_label("Address of the file").fill(
        f"{live_server}/export/chatonsinfos/cigogne-libre/organization.properties"
    )
    page.get_by_role("button", name="Check this file").click()
    preview = page.get_by_role("region", name="What Portée reads in this file")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Cigogne")
    assert_accessible(page)
