"""The hosts' map in a real browser: drawn by Leaflet (vendored) with scripts, a list of the
hosts by country and region without them, the results' map near a place, and no axe-core violation.
Tiles are answered by the test (a blank image): no request ever reaches the tile server."""

from __future__ import annotations

import base64
import json

import pytest
from browsing import assert_accessible, expect

TILES = "https://tile.openstreetmap.org/**"
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
LABELS = {
    "fr-FR": ("Carte des hébergeurs", "Belgique", "Pays non précisé"),
    "en-US": ("Map of the hosts", "Belgium", "Country not said"),
}
# Region headings: Brussels, Geneva, Montréal's province, and France's hosts of no region.
REGIONS = {
    "fr-FR": ("Région de Bruxelles-Capitale", "Genève", "Québec", "France", "Région non précisée"),
    "en-US": ("Brussels-Capital Region", "Geneva", "Quebec", "France", "Region not said"),
}
# Public demo hosts with a point or a town (Les Ronrons de Seine say only their country).
PINNED = 34


def answer_tiles(page) -> list[str]:
    """Tile requests are answered here with a blank image; returns the list of their URLs."""
    asked: list[str] = []

    def blank(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)

    page.route(TILES, blank)
    return asked


@pytest.mark.parametrize("locale", LABELS)
def test_the_map_of_all_hosts(new_page, locale):
    label, belgium, _nowhere = LABELS[locale]
    page = new_page(locale)
    asked = answer_tiles(page)
    page.goto("/map")
    region = page.get_by_role("region", name=label)
    expect(region).to_be_visible()
    points = json.loads(page.locator(".map-box").get_attribute("data-map-points"))
    assert len(points) >= PINNED
    expect(region.locator(".leaflet-marker-icon")).to_have_count(len(points))
    expect(region.locator(".leaflet-tile-loaded").first).to_be_attached()
    assert asked and all(url.startswith("https://tile.openstreetmap.org/") for url in asked)
    # A marker opens, from the keyboard, a popup linking to the host's page.
    region.get_by_role("button", name="Le Chaton Libre").focus()
    page.keyboard.press("Enter")
    expect(
        region.locator(".leaflet-popup").get_by_role("link", name="Le Chaton Libre")
    ).to_be_visible()
    # The list is still there, under the map.
    expect(page.get_by_role("heading", name=belgium, level=2)).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("locale", LABELS)
def test_the_map_page_without_javascript_is_a_list_by_region(new_page, locale):
    label, belgium, nowhere = LABELS[locale]
    brussels, geneva, quebec, france, no_region = REGIONS[locale]
    page = new_page(locale, java_script_enabled=False)
    asked = answer_tiles(page)
    page.goto("/map")
    expect(page.get_by_role("region", name=label)).to_have_count(0)
    expect(page.locator(".map-box")).to_be_hidden()
    country = page.get_by_role("region", name=belgium)  # a named section: a landmark
    expect(country.get_by_role("heading", level=2)).to_contain_text(belgium)
    region = country.get_by_role("region", name=brussels)
    expect(region.get_by_role("heading", level=3)).to_contain_text(brussels)
    expect(region.get_by_role("listitem").filter(has_text="Zinneke Numérique")).to_contain_text(
        "Bruxelles"
    )
    expect(region.get_by_role("link", name="Zinneke Numérique")).to_be_visible()
    for name in (geneva, quebec):
        expect(page.get_by_role("heading", name=name, level=3)).to_be_visible()
    # A host located only by its country is under its country, after its regions.
    elsewhere = page.get_by_role("region", name=france).get_by_role("region", name=no_region)
    expect(elsewhere.get_by_role("link", name="Les Ronrons de Seine")).to_be_visible()
    expect(page.get_by_role("heading", level=2)).not_to_have_count(0)
    expect(page.get_by_role("heading", name=nowhere)).to_have_count(0)  # all say a country
    assert asked == []
    checked = new_page(locale)  # axe-core needs scripts: the same address with them on
    answer_tiles(checked)
    checked.goto(page.url)
    assert_accessible(checked)


def test_results_near_a_place_with_their_map(new_page):
    page = new_page("fr-FR")
    answer_tiles(page)
    page.goto("/search?q=pad+%C3%A0+Lyon")
    assert page.url.endswith("/search?q=pad&near=Lyon")
    expect(page.locator(".chip-place")).to_contain_text("près de Lyon")
    first = page.locator("ol.offers > li").first
    expect(first.locator(".offer-distance")).to_have_text("à 2 km")  # from GeoNames' Lyon
    expect(first).to_contain_text("Le Chaton Libre")
    region = page.get_by_role("region", name="Carte des hébergeurs de ces offres")
    expect(region).to_be_visible()
    expect(region.locator(".leaflet-marker-icon")).not_to_have_count(0)
    assert_accessible(page)
