"""The reading of a query in a real browser, without JavaScript: each part removed by a link,
and an empty page's way out followed; every page checked with axe-core."""

from __future__ import annotations

import re

from browsing import assert_accessible, expect


def offer_count(page) -> int:
    return int(re.search(r"\d+", page.locator("#results-heading").inner_text()).group())


def checked(new_page, url: str) -> None:
    # axe-core needs timers, which do not run when scripts are disabled: check the same address
    # in a page with scripts on (the site sends no script).
    page = new_page("fr-FR")
    page.goto(url)
    assert_accessible(page)


def test_each_part_of_the_reading_is_removed_by_a_link(new_page):
    page = new_page("fr-FR", java_script_enabled=False)
    page.goto("/search?q=une+visio+sans+compte+pour+30+personnes")
    page.wait_for_url(re.compile(r"registration=none"))
    reading = page.get_by_role("list", name=re.compile(r"^Lu comme"))
    for part in ("Visioconférence", "Sans compte", "pour 30 personnes"):
        expect(reading).to_contain_text(part)
    expect(page.locator(".group-note")).to_contain_text("les offres sans compte d’abord")
    before = offer_count(page)
    checked(new_page, page.url)
    reading.get_by_role("link", name=re.compile(r"^Sans compte")).click()
    page.wait_for_url(lambda url: "registration" not in url)
    expect(page.get_by_role("list", name=re.compile(r"^Lu comme"))).not_to_contain_text(
        "Sans compte"
    )
    assert offer_count(page) > before


def test_an_empty_page_leads_to_the_nearest_reading(new_page):
    page = new_page("en-US", java_script_enabled=False)
    page.goto("/search?q=forum&price=paid")
    assert offer_count(page) == 0
    ways = page.get_by_role("list", name="Nearest searches that find offers:")
    expect(ways).to_contain_text("without “Paid”")
    checked(new_page, page.url)
    ways.get_by_role("link").first.click()
    page.wait_for_url(lambda url: "price" not in url)
    assert offer_count(page) > 0
