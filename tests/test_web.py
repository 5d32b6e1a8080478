"""The public site and the JSON API through the WSGI app: pages, languages, headers, errors."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from directory.db import get_database
from directory.models import Organization

PAGES = [
    "/",
    "/search",
    "/search?q=pad",
    "/search?q=visio&registration=none",
    "/categories/",
    "/categories/video-calls",
    "/software/",
    "/software/etherpad",
]


def an_organization(app) -> Organization:
    with get_database(app).session_scope() as session:
        return session.exec(
            select(Organization).where(Organization.slug == "le-chaton-libre")
        ).one()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    ("accept", "lang", "word"),
    [("fr-FR,fr;q=0.9", "fr", "Rechercher"), ("en-GB,en;q=0.8", "en", "Search")],
)
def test_pages_render_in_both_languages(client, path, accept, lang, word):
    response = client.get(path, headers={"Accept-Language": accept})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert word in html


def test_default_language_is_french(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_language_switch_remembers_the_choice(client):
    response = client.get("/language/en?next=/categories/", headers={"Accept-Language": "fr"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/categories/"
    html = client.get("/categories/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Tasks" in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_language_switch_never_redirects_elsewhere(client, target):
    response = client.get("/language/fr", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_category_names_are_translated_data(client):
    fr = client.get("/categories/video-calls", headers={"Accept-Language": "fr"})
    en = client.get("/categories/video-calls", headers={"Accept-Language": "en"})
    assert "<h1>Visioconférence</h1>" in fr.get_data(as_text=True)
    assert "<h1>Video calls</h1>" in en.get_data(as_text=True)


def test_results_page_has_facets_counts_and_pagination(client):
    html = client.get("/search?q=", headers={"Accept-Language": "en"}).get_data(as_text=True)
    total = int(re.search(r"(\d+) offers", html).group(1))
    assert total > 200
    assert "Next page" in html and "Page 1 of" in html
    assert "No account needed" in html
    page2 = client.get("/search?q=&page=2", headers={"Accept-Language": "en"})
    assert "Previous page" in page2.get_data(as_text=True)


def test_facet_link_filters_the_results(client):
    html = client.get("/search?q=visio", headers={"Accept-Language": "en"}).get_data(as_text=True)
    before = int(re.search(r"(\d+) offers", html).group(1))
    link = re.search(r'href="(/search\?q=visio&amp;registration=none)"', html)
    assert link
    filtered = client.get(link.group(1).replace("&amp;", "&"), headers={"Accept-Language": "en"})
    after = int(re.search(r"(\d+) offers?", filtered.get_data(as_text=True)).group(1))
    assert 0 < after < before


def test_organization_page_says_where_each_value_comes_from(demo_app, client):
    organization = an_organization(demo_app)
    page = client.get(f"/hosts/{organization.slug}", headers={"Accept-Language": "en"})
    html = re.sub(r"<time [^>]*>|</time>", "", page.get_data(as_text=True))
    assert organization.name in html
    assert "declared in the host’s own file: first read" in html
    assert re.search(r"confirmed (\d+ seconds?|\d+ minutes?|\d+ hours?) ago", html)
    assert "Pad du Chaton Libre" in html


def test_ended_services_stay_on_their_host_page(client):
    # Cigogne Libre's spreadsheet ended in 2023; its file still lists it.
    html = client.get("/hosts/cigogne-libre", headers={"Accept-Language": "en"})
    assert html.status_code == 200
    assert "This service has ended" in html.get_data(as_text=True)


def test_candidates_and_unknown_hosts_are_not_public(demo_app, client):
    with get_database(demo_app).session_scope() as session:
        organization = session.exec(select(Organization)).first()
        organization.membership = "candidate"
        session.add(organization)
        session.commit()
        slug = organization.slug
    assert client.get(f"/hosts/{slug}").status_code == 404
    assert client.get(f"/api/v1/organizations/{slug}").status_code == 404
    assert client.get("/hosts/nobody").status_code == 404
    assert client.get("/categories/nothing").status_code == 404
    api = client.get("/api/v1/search?q=&per_page=500").get_json()
    assert slug not in {r["organization"]["slug"] for r in api["results"]}


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_api_search(client):
    data = client.get("/api/v1/search?q=pad&lang=fr&page=1").get_json()
    assert data["total"] > 0 and data["page"] == 1
    assert data["filters"] == {"language": ["fr"]}
    first = data["results"][0]
    assert first["software"]["slug"] == "etherpad"
    assert {"organization", "name", "url", "categories", "registration", "load"} <= set(first)
    assert set(data["facets"]) >= {
        "category",
        "software",
        "registration",
        "load",
        "price",
        "country",
        "language",
        "legal_type",
    }
    assert data["facets"]["language"]["fr"] == data["total"]


def test_api_organization(demo_app, client):
    organization = an_organization(demo_app)
    data = client.get(f"/api/v1/organizations/{organization.slug}").get_json()
    assert data["name"] == organization.name
    assert data["country"] == "FR"
    assert any(s["software"]["slug"] == "etherpad" for s in data["services"])
    missing = client.get("/api/v1/organizations/nobody").get_json()
    assert missing["error"] == "not_found" and missing["fields"] == {}


EVERYTHING = "everything"  # as many results as a search without any argument


@pytest.mark.parametrize(
    ("query", "read"),
    [
        ("page=abc", {"page": 1, "total": EVERYTHING}),
        ("page=-4", {"page": 1, "total": EVERYTHING}),
        ("page=99999", {"page": 500, "total": EVERYTHING, "results": []}),  # the last page kept
        ("country=<script>", {"filters": {}, "total": EVERYTHING}),
        ("q=" + "x" * 5000, {"query": "x" * 200, "total": 0}),
        ("q=%00", {"query": "\x00", "total": EVERYTHING}),  # no word: no text to match
        ("q=(((", {"query": "(((", "total": EVERYTHING}),
        ("q=*", {"query": "*", "total": EVERYTHING}),
    ],
)
def test_odd_input_never_breaks_search(client, query, read):
    everything = client.get("/api/v1/search").get_json()["total"]
    assert everything > 200
    api = client.get(f"/api/v1/search?{query}")
    assert api.status_code == 200  # 503 when the index is unavailable
    data = api.get_json()
    for key, value in read.items():
        assert data[key] == (everything if value == EVERYTHING else value), key
    page = client.get(f"/search?{query}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # A results page (the "search unavailable" page answers 200 too), counting what the API did.
    assert "Search is unavailable" not in html
    heading = re.search(r'<h2 id="results-heading">\s*(\d+) offers?\s*</h2>', html)
    assert heading and int(heading.group(1)) == data["total"]


def test_a_value_from_another_origin_says_so_where_it_stands(demo_app, client):
    from directory import listings

    with get_database(demo_app).session_scope() as session:
        organization = session.exec(
            select(Organization).where(Organization.slug == "le-chaton-libre")
        ).one()
        listings.set_fields(
            session, organization, {"address": "Croix-Rousse, Lyon"}, "moderator", actor="mod"
        )
        session.commit()
    html = client.get("/hosts/le-chaton-libre", headers={"Accept-Language": "en"})
    text = re.sub(r"<time [^>]*>|</time>", "", html.get_data(as_text=True))
    assert "Croix-Rousse, Lyon" in text
    assert re.search(r"set by a moderator \((\d+ seconds?|\d+ minutes?) ago\)", text)
    assert text.count('class="provenance"') == 1


def test_opensearch_description_lets_a_search_bar_use_portee(client):
    from xml.etree import ElementTree

    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'rel="search" type="application/opensearchdescription+xml"' in page
    response = client.get("/opensearch.xml", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ElementTree.fromstring(response.data)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    templates = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    assert templates["text/html"] == "http://127.0.0.1:5000/search?q={searchTerms}"
    assert templates["application/json"].endswith("/api/v1/search?q={searchTerms}")
    assert root.find("os:ShortName", ns).text == "Portée"


def test_software_nobody_offers_is_no_dead_end(client):
    """Zulip is in the catalogue, and no demo host offers it: its page says so, proposes the
    hosts of its task instead, and offers no 'pick one for me' over an empty list."""
    for lang, nobody in (
        ("en", "Nobody offers Zulip yet"),
        ("fr", "Personne ne propose encore Zulip"),
    ):
        page = client.get("/software/zulip", headers={"Accept-Language": lang})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and nobody in html, lang
        assert "/pick/software/zulip" not in html
        assert 'href="/categories/chat"' in html
    search = client.get("/search?q=zulip", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/software/zulip"' in search and "What hosts offer instead of Zulip" in search
    etherpad = client.get("/software/etherpad", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Nobody offers" not in etherpad and "/pick/software/etherpad" in etherpad
