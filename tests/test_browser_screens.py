"""The screens at 375 px, in a real browser (Chromium + axe): the public pages, the host's
dashboard and the moderators' pages fit the width, every target is at least 24 × 24 px, forms
show their mistakes, destructive actions ask first, and the French reads as French.

One browser and one served copy of the demo for the whole module; each role signs in once.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from browsing import assert_accessible, expect, serving
from sqlmodel import select

from directory import membership
from directory.db import get_database
from directory.models import Account, Organization, Service
from directory.timeutil import utcnow
from support import make_account

HOST = "hote@chaton-libre.example"
MODERATOR = "moderatrice@portee.example"
APPLICANT = "alice@zephyrin.example"
PASSWORD = "correct horse battery"
MOBILE = {"width": 375, "height": 812}

# A link or button smaller than 24 × 24 px, unless it sits in a sentence (WCAG 2.2, 2.5.8:
# the target is then constrained by the line-height of the text around it).
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, summary, input[type=submit]')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || box.width === 0) continue;
    if (el.closest('.visually-hidden, .skip-link')) continue;
    const parent = el.parentElement;
    const inSentence = style.display === 'inline' && [...parent.childNodes].some(
      (node) => node !== el && node.nodeType === 3 && node.textContent.trim().length > 1);
    if (inSentence) continue;
    const size = `${box.width.toFixed(0)}×${box.height.toFixed(0)}`;
    if (box.width < 24 || box.height < 24)
      small.push(`${el.tagName} "${el.textContent.trim().slice(0, 40)}" ${size}`);
  }
  return small;
}"""


@pytest.fixture(scope="module")
def site(sites, demo_template, tmp_path_factory):
    copy = sites.copy(demo_template, tmp_path_factory.mktemp("browser-screens") / "site")
    app = sites.app(copy)
    with get_database(app).session_scope() as session:
        chaton = session.exec(
            select(Organization).where(Organization.slug == "le-chaton-libre")
        ).one()
        organization_id = chaton.id
    make_account(app, HOST, organizations=(organization_id,))
    make_account(app, MODERATOR, role="moderator")
    applicant = make_account(app, APPLICANT)
    with get_database(app).session_scope() as session:
        application = membership.submit_application(
            session,
            session.get(Account, applicant),
            {
                "name": "Chaton Zéphyrin",
                "website": "https://zephyrin.invalid/",
                "description": "Au vent.",
            },
            {key: True for key in membership.COMMITMENTS},
            "Nous hébergeons les associations du vallon.",
        )
        session.add(
            Service(organization_id=organization_id, name="Pad du vallon", registration="none")
        )
        session.commit()
        application_id = application.id
    with serving(app) as url:
        yield {"url": url, "app": app, "org": organization_id, "application": application_id}
    sites.discard(copy)


def _context(browser, site, locale: str, email: str | None = None):
    context = browser.new_context(
        base_url=site["url"], locale=locale, viewport=MOBILE, device_scale_factor=1
    )
    context.set_default_timeout(10_000)
    if email:
        page = context.new_page()
        page.goto("/account/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form.form [type=submit]").click()
        page.wait_for_url(re.compile(r"/dashboard/"))
        page.close()
    return context


@pytest.fixture(scope="module")
def visitor(browser, site):
    context = _context(browser, site, "fr-FR")
    yield context
    context.close()


@pytest.fixture(scope="module")
def host(browser, site):
    context = _context(browser, site, "fr-FR", HOST)
    yield context
    context.close()


@pytest.fixture(scope="module")
def moderator(browser, site):
    context = _context(browser, site, "fr-FR", MODERATOR)
    yield context
    context.close()


# "1 besoins": a plural after one (words that end in s in the singular aside).
PLURAL_AFTER_ONE = re.compile(
    r"(?<![\d,.])\b1[\s\u00a0\u202f](?!(?:fois|mois|accès|pas|cas|temps|plus|sous|vers|pays|avis|"
    r"choix|prix|jours? )\b)[a-zàâçéèêëîïôûùüÿœ]+s\b"
)


def check_mobile(page) -> None:
    """Fits 375 px, every target big enough, axe finds nothing, and the French reads right."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{page.url}: the page is {width} px wide"
    assert page.evaluate(SMALL_TARGETS) == [], page.url
    assert_accessible(page)
    text = page.locator("main").inner_text()
    plurals = re.findall(PLURAL_AFTER_ONE, text)
    assert plurals == [], f"{page.url}: a plural after 1: {plurals[:5]}"
    spaceless = re.findall(r"[A-Za-zÀ-ÿ]:(?!//)(?=\s)", text)
    assert spaceless == [], f"{page.url}: a colon without a space before it: {spaceless[:5]}"


PUBLIC_PAGES = [
    "/",
    "/search?q=pad",
    "/hosts/le-chaton-libre",
    "/match?needs=video-calls&group_size=30&language=fr&language_required=y",
    "/moderation/log",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_fit_a_phone(visitor, path):
    page = visitor.new_page()
    page.goto(path)
    check_mobile(page)
    page.close()


def test_the_host_pages_fit_a_phone_and_retiring_asks_first(host, site):
    page = host.new_page()
    base = f"/dashboard/organizations/{site['org']}"
    page.goto(f"{base}/services")
    check_mobile(page)
    page.get_by_role("link", name=re.compile("Ne plus proposer.*Pad du vallon")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pad du vallon")
    check_mobile(page)
    page.get_by_role("link", name="Non, revenir").click()
    page.wait_for_url(re.compile(r"/services$"))
    with get_database(site["app"]).session_scope() as session:
        service = session.exec(select(Service).where(Service.name == "Pad du vallon")).one()
        assert service.retired_at is None
    page.goto(f"{base}/sources")
    check_mobile(page)
    page.close()


def test_the_moderators_pages_fit_a_phone_and_speak_to_the_moderator(moderator, site):
    page = moderator.new_page()
    page.goto("/moderation/")
    check_mobile(page)
    page.goto(f"/moderation/applications/{site['application']}")
    check_mobile(page)
    main = page.locator("main")
    expect(main).not_to_contain_text("Vous avez")  # the applicant's wording
    expect(main).to_contain_text("En attente des votes")
    page.close()


def test_a_failed_sign_up_marks_the_fields_and_brings_the_focus_to_the_mistakes(visitor):
    page = visitor.new_page()
    page.goto("/account/signup")
    valid_border = page.locator("input[name=email]").evaluate(
        "el => getComputedStyle(el).borderLeftColor + getComputedStyle(el).borderLeftWidth"
    )
    page.locator("input[name=email]").fill("pas-une-adresse")
    page.locator("input[name=password]").fill("court")
    page.locator("form.form [type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link").first).to_be_visible()
    invalid_border = page.locator("input[name=email]").evaluate(
        "el => getComputedStyle(el).borderLeftColor + getComputedStyle(el).borderLeftWidth"
    )
    assert invalid_border != valid_border
    button = page.locator("form.form [type=submit]")
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    summary.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile("#email$"))
    check_mobile(page)
    page.close()


def test_statuses_show_a_colour_an_icon_and_words(visitor, site):
    """Open, full, paused and not confirmed on one host's pages: each its own colour and icon
    beside its words, contrast checked by axe; full worded by the kind of access."""
    with get_database(site["app"]).session_scope() as session:
        cigogne = session.exec(
            select(Organization).where(Organization.slug == "cigogne-libre")
        ).one()
        cigogne.status = "idle"
        cigogne.confirmed_at = utcnow() - timedelta(days=40)
        services = session.exec(
            select(Service).where(Service.organization_id == cigogne.id).order_by(Service.id)
        ).all()
        services[0].load, services[0].registration = "full", "none"
        session.add_all([cigogne, services[0]])
        session.commit()
    page = visitor.new_page()
    page.goto("/hosts/cigogne-libre")
    expect(page.locator(".tag-full").first).to_have_text("Complet\u00a0: saturé pour le moment")
    assert "nouveaux comptes" not in page.locator("main").inner_text()
    colours = {}
    for kind in ("open", "full", "paused"):
        status = page.locator(f".tag-{kind}").first
        expect(status.locator("svg.status-icon")).to_have_attribute("aria-hidden", "true")
        colours[kind] = status.evaluate("e => getComputedStyle(e).color")
    check_mobile(page)
    page.goto(f"/search?q={services[0].name}")
    card = page.locator("li.offer").filter(has=page.locator(".tag-paused")).first
    for kind in ("paused", "stale", "full"):
        status = card.locator(f".tag-{kind}")
        expect(status.locator("svg.status-icon")).to_have_count(1)
        assert status.inner_text().strip()
        colours[kind] = status.evaluate("e => getComputedStyle(e).color")
    assert len(set(colours.values())) == 4, colours  # full the same colour on both pages
    check_mobile(page)
    page.close()
