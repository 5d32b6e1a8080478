"""The public site in a real browser: Debian's Chromium driven by Playwright, checked by axe-core.

The demo app is served for real (Werkzeug on 127.0.0.1, a random port) in a thread; the browser
may reach nothing else. Every page opened is checked with axe-core and must have no violation.
Screenshots of the home and results pages are written to /tmp/portee-screenshots, to look at.
"""

from __future__ import annotations

import re

import pytest
from browsing import assert_accessible, expect, screenshot


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def offer_count(page) -> int:
    text = page.locator("#results-heading").inner_text()
    match = re.search(r"\d+", text)
    assert match, f"no count in the results heading: {text!r}"
    return int(match.group())


def tab_to(page, selector: str, limit: int = 20) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached after {limit} presses of Tab")


# --- Tests ------------------------------------------------------------------------------------

HOME = {
    "fr-FR": ("fr", "Des outils en ligne libres, chez un hébergeur près de chez vous"),
    "en-US": ("en", "Free online tools, from a host near you"),
}


@pytest.mark.parametrize("locale", HOME)
def test_home_page_in_the_browser_language(new_page, locale):
    lang, heading = HOME[locale]
    page = new_page(locale)
    page.goto("/")
    assert html_lang(page) == lang
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    tiles = page.locator(".tiles .tile a")
    assert tiles.count() >= 5
    expect(tiles.first.locator(".tile-name")).not_to_be_empty()
    assert_accessible(page)
    screenshot(page, f"home-{lang}")


def test_search_with_the_keyboard_then_refine(new_page):
    page = new_page("fr-FR")
    page.goto("/")
    tab_to(page, "input[type=search]")
    box = page.get_by_label("De quoi avez-vous besoin ?")
    assert box.evaluate("el => el === document.activeElement")
    page.keyboard.type("visio")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=visio$"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Résultats pour « visio »")
    assert page.locator("ol.offers > li.offer").count() > 0
    facets = page.get_by_role("complementary", name="Affiner")
    expect(facets.get_by_role("heading", name="Compte")).to_be_visible()
    before = offer_count(page)
    assert_accessible(page)
    screenshot(page, "results-fr")

    account = facets.locator("section.facet", has=page.get_by_role("heading", name="Compte"))
    account.get_by_role("link", name=re.compile(r"^Sans compte")).click()
    page.wait_for_url(re.compile(r"registration=none"))
    after = offer_count(page)
    assert 0 < after < before
    expect(page.get_by_role("list", name=re.compile(r"^Lu comme"))).to_contain_text("Sans compte")
    assert_accessible(page)


def test_search_works_without_javascript(new_page):
    page = new_page("en-US", java_script_enabled=False)
    page.goto("/")
    box = page.get_by_label("What do you need?")
    box.fill("visio")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=visio$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “visio”")
    assert page.locator("ol.offers > li.offer").count() > 0
    assert offer_count(page) > 0
    expect(page.get_by_role("complementary", name="Refine")).to_be_visible()
    # axe-core needs timers, which do not run when scripts are disabled (its promise would never
    # settle): check the same address in a page with scripts on (the site sends no script).
    checked = new_page("en-US")
    checked.goto(page.url)
    assert_accessible(checked)


def test_skip_link_is_first_visible_and_moves_focus_to_main(new_page):
    page = new_page("fr-FR")
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {cls: el.className, text: el.textContent.trim(), href: el.getAttribute('href'),
                    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                    inView: box.left >= 0 && box.top >= 0 && box.width > 0 && box.height > 0};
        }"""
    )
    assert focused["cls"] == "skip-link"
    assert focused["text"] == "Aller au contenu"
    assert focused["href"] == "#main"
    assert focused["outlineStyle"] != "none"
    assert focused["outlineWidth"] > 0
    assert focused["inView"], "the focused skip link is off screen"
    assert_accessible(page)

    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def test_organization_page_shows_services_and_provenance(new_page):
    page = new_page("fr-FR")
    page.goto("/search?q=visio")
    page.locator("ol.offers .offer-host a").first.click()
    page.wait_for_url(re.compile(r"/hosts/[^/]+$"))
    expect(page.get_by_role("heading", level=1)).not_to_be_empty()
    services = page.get_by_role("region", name="Services")
    expect(services).to_be_visible()
    assert services.locator("li.service").count() > 0
    expect(page.locator(".provenance-summary")).to_contain_text(
        "déclaré dans le fichier de l’hébergeur"
    )
    assert_accessible(page)


def test_organization_page_in_english(new_page):
    page = new_page("en-US")
    page.goto("/search?q=pad")
    page.locator("ol.offers .offer-host a").first.click()
    page.wait_for_url(re.compile(r"/hosts/[^/]+$"))
    expect(page.locator(".provenance-summary")).to_contain_text("declared in the host’s own file")
    assert_accessible(page)


def test_language_switch_is_remembered(new_page):
    page = new_page("fr-FR")
    page.goto("/categories/")
    assert html_lang(page) == "fr"
    expect(page.get_by_role("heading", level=1)).to_have_text("Usages")

    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/categories/$"))
    assert html_lang(page) == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Tasks")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Software").click()
    page.wait_for_url(re.compile(r"/software/$"))
    assert html_lang(page) == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Software")
    assert [c["value"] for c in page.context.cookies() if c["name"] == "portee_lang"] == ["en"]
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/categories/video-calls", "/software/etherpad"])
@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_catalogue_pages_are_accessible(new_page, path, locale):
    page = new_page(locale)
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("ol.offers > li.offer").count() > 0
    assert_accessible(page)


def test_pages_reflow_on_a_narrow_screen(new_page):
    """WCAG 1.4.10: at 320 CSS pixels wide, nothing needs scrolling sideways."""
    page = new_page("fr-FR", viewport={"width": 320, "height": 640})
    page.goto("/search?q=visio")
    host = page.locator("ol.offers .offer-host a").first.get_attribute("href")
    for path in ["/", "/search?q=visio", "/software/etherpad", host]:
        page.goto(path)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
        assert_accessible(page)


def test_match_form_finds_hosts_for_several_needs(new_page):
    page = new_page("en-US")
    page.goto("/match")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hosts for my group")
    page.get_by_label("Video calls").check()
    page.get_by_label("Collaborative writing").check()
    page.get_by_label("File sharing").check()
    page.locator("select#language").select_option("fr")
    page.get_by_label("Guests can take part without an account").check()
    page.get_by_label("How many people?").fill("30")
    page.get_by_role("button", name="Find hosts").click()
    results = page.locator(".host-match")
    expect(results.first).to_be_visible()
    expect(results.first.locator(".why")).to_contain_text("Covers 3 of 3 needs")
    assert results.first.locator(".need-offers li").count() == 3
    screenshot(page, "match")
    assert_accessible(page)


def test_match_form_without_javascript(new_page):
    page = new_page("fr-FR", java_script_enabled=False)
    page.goto("/match?needs=video-calls&language=eu&language_required=y")
    expect(page.locator(".match-results .notice")).to_contain_text("Sans « en basque »")
    assert page.locator(".host-match").count() > 0


def test_category_page_offers_pick_one_and_fairness_page(new_page):
    page = new_page("en-US")
    page.goto("/categories/collaborative-writing")
    expect(page.get_by_role("button", name="Pick one for me")).to_be_visible()
    assert_accessible(page)
    page.goto("/fairness")
    expect(page.get_by_role("heading", level=1)).to_have_text("How fairly we send people")
    assert_accessible(page)
