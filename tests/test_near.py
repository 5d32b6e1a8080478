"""Near me (issue 15): hosts placed by hand at known places, equal fits ordered by distance,
"à 12 km" on the cards, a place with no host nearby widened with a message, `near=` in the
page and the JSON API, the hosts' map page, and the importer reading a file's coordinates."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from directory import listings
from directory.db import get_database
from directory.feeds.runner import run_federation_import
from directory.models import Organization, Service, Software
from directory.outbound.fetch import Fetcher
from directory.outbound.guard import AddressPolicy
from search import SearchParams, get_search

# name → declared (latitude, longitude, address, country)
HOSTS = {
    "Chaton Villeurbanne": (45.7719, 4.8902, "3 avenue Henri Barbusse, 69100 Villeurbanne", "FR"),
    "Matou Grenoblois": (None, None, "5 place Saint-André, 38000 Grenoble", "FR"),
    "Minou Parisien": (48.8566, 2.3522, "12 rue de Lyon, 75012 Paris", "FR"),  # "Lyon" as text
    "Chat Belge": (None, None, None, "BE"),
    "Chat Perdu": (None, None, None, None),
}
BY_DISTANCE_FROM_LYON = [
    "Chaton Villeurbanne",  # 4 km
    "Matou Grenoblois",  # 95 km (its town)
    "Minou Parisien",  # 392 km
    "Chat Belge",  # Belgium: its capital
    "Chat Perdu",  # not located: last
]


def add_host(app, name, latitude, longitude, address, country) -> int:
    """A member host entered by hand, with one Etherpad offer (all equal fits for "pad")."""
    with get_database(app).session_scope() as session:
        organization = listings.create_organization(session, name, "member")
        listings.set_fields(
            session,
            organization,
            {
                "latitude": latitude,
                "longitude": longitude,
                "address": address,
                "country_code": country,
            },
            "form",
        )
        software = session.exec(select(Software).where(Software.slug == "etherpad")).one()
        service = Service(organization_id=organization.id, name=f"Pad {name}")
        listings.set_fields(
            session,
            service,
            {"software_id": software.id, "registration": "none", "load": "open"},
            "form",
        )
        listings.set_service_categories(session, service, software.categories)
        session.commit()
        return organization.id


@pytest.fixture
def placed(app):
    ids = {name: add_host(app, name, *declared) for name, declared in HOSTS.items()}
    return app, ids


def hosts_in_order(app, results) -> list[str]:
    from directory import public

    with get_database(app).session_scope() as session:
        services = public.services_in_order(session, results.service_ids)
        return [service.organization.name for service in services]


def search(app, text="", near=""):
    with app.app_context():
        return get_search().search(SearchParams(text=text, near=near, per_page=20))


def test_hosts_are_located_with_their_precision(placed):
    app, ids = placed
    with get_database(app).session_scope() as session:
        found = {
            o.name: (o.location_precision, o.location_name)
            for o in session.exec(select(Organization)).all()
        }
    assert found == {
        "Chaton Villeurbanne": ("point", "Villeurbanne"),
        "Matou Grenoblois": ("city", "Grenoble"),
        "Minou Parisien": ("point", "Paris"),
        "Chat Belge": ("country", None),
        "Chat Perdu": (None, None),
    }


@pytest.mark.parametrize(
    ("text", "near"),
    [("pad", "Lyon"), ("pad à Lyon", ""), ("pad near Lyon", ""), ("pad", "lyon")],
)
def test_equal_fits_come_nearest_first(placed, text, near):
    app, _ids = placed
    results = search(app, text, near)
    assert results.place.place.name == "Lyon"
    assert hosts_in_order(app, results) == BY_DISTANCE_FROM_LYON
    km = [results.distances.get(service_id) for service_id in results.service_ids]
    assert km[0] == pytest.approx(4, abs=2)
    assert km[1] == pytest.approx(95, abs=10)
    assert km[2] == pytest.approx(392, abs=10)
    assert km[4] is None  # not located
    assert results.nearest_km == km[0]


def test_a_place_is_not_matched_as_text(placed):
    """ "Lyon" in an address in Paris used to win "pad à Lyon"; now it is 392 km away."""
    app, _ids = placed
    results = search(app, "pad à Lyon")
    assert hosts_in_order(app, results)[0] == "Chaton Villeurbanne"
    assert results.total == len(HOSTS)  # the place orders, it removes nothing


def test_another_place_another_order(placed):
    app, _ids = placed
    assert hosts_in_order(app, search(app, "pad", "Paris"))[:2] == [
        "Minou Parisien",
        "Chat Belge",  # Brussels is nearer to Paris than Grenoble is
    ]
    assert hosts_in_order(app, search(app, "pad en Belgique"))[0] == "Chat Belge"


def test_the_page_moves_the_place_out_of_the_query(placed):
    app, _ids = placed
    client = app.test_client()
    response = client.get("/search?q=pad+%C3%A0+Lyon")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=pad&near=Lyon"


@pytest.mark.parametrize(
    ("query", "near", "lang", "chip"),
    [
        ("pad 69003", "69003", "fr", "près de Lyon"),  # a district's code: the town
        ("pad 69003", "69003", "en", "near Lyon"),
        ("pad à 69003", "69003", "fr", "près de Lyon"),
        ("pad 38650", "38650", "fr", "secteur Isère (38)"),  # else its department
        ("pad 38650", "38650", "en", "around Isère (38)"),
    ],
)
def test_a_french_postal_code_in_the_query_is_a_place(placed, query, near, lang, chip):
    app, _ids = placed
    client = app.test_client()
    response = client.get("/search", query_string={"q": query})
    assert response.headers["Location"] == f"/search?q=pad&near={near}"
    html = client.get(response.headers["Location"], headers={"Accept-Language": lang}).text
    assert f'<li class="chip-place"><a href="/search?q=pad">{chip}' in html
    first = "Chaton Villeurbanne" if near == "69003" else "Matou Grenoblois"
    assert hosts_in_order(app, search(app, "pad", near))[0] == first


@pytest.mark.parametrize(("lang", "km"), [("fr", "à environ 93 km"), ("en", "about 93 km away")])
def test_a_host_placed_by_its_postal_code_is_about_so_far(placed, lang, km):
    app, _ids = placed
    add_host(app, "Chaton du Vercors", *MORE_HOSTS["Chaton du Vercors"])
    html = app.test_client().get("/search?q=pad&near=Lyon", headers={"Accept-Language": lang}).text
    card = html[html.index("Pad Chaton du Vercors") :]
    assert re.search(r'class="offer-distance">([^<]+)<', card).group(1) == km


@pytest.mark.parametrize(
    ("lang", "near_label", "km", "country"),
    [
        ("fr", "près de Lyon", "à 4 km", "en Belgique"),
        ("en", "near Lyon", "4 km away", "in Belgium"),
    ],
)
def test_cards_say_how_far_in_both_languages(placed, lang, near_label, km, country):
    app, _ids = placed
    client = app.test_client()
    html = client.get("/search?q=pad&near=Lyon", headers={"Accept-Language": lang}).text
    assert f'<li class="chip-place"><a href="/search?q=pad">{near_label}' in html
    distances = re.findall(r'class="offer-distance">([^<]+)<', html)
    assert distances[0] == km
    assert country in distances
    assert len(distances) == len(HOSTS) - 1  # the host not located says nothing
    assert 'href="/search?q=pad"' in html  # the place is removable
    points = re.search(r"data-map-points='([^']*)'", html).group(1)
    assert "Chaton Villeurbanne" in points and "Chat Belge" not in points  # no country pins


@pytest.mark.parametrize(
    ("place", "lang", "chip"),
    [
        ("Annecy", "fr", "près d’Annecy"),
        ("Annecy", "en", "near Annecy"),
        ("Le Havre", "fr", "près du Havre"),
        ("Lyon", "fr", "près de Lyon"),
        ("Ottawa", "fr", "près d’Ottawa"),
    ],
)
def test_french_elides_de_before_a_place(placed, place, lang, chip):
    app, _ids = placed
    html = (
        app.test_client()
        .get("/search", query_string={"q": "pad", "near": place}, headers={"Accept-Language": lang})
        .text
    )
    assert f'<li class="chip-place"><a href="/search?q=pad">{chip}' in html
    if place == "Ottawa":  # no host within 50 km: the notice elides too
        assert "Aucun hébergeur à moins de 50 km d’Ottawa" in html


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Aucun hébergeur à moins de 50 km de Montréal\u00a0: les plus proches d’abord."),
        ("en", "No host within 50 km of Montréal: the nearest come first."),
    ],
)
def test_a_place_with_no_host_nearby_widens_and_says_so(placed, lang, message):
    app, _ids = placed
    results = search(app, "pad", "Montréal")
    assert results.total == len(HOSTS)
    assert results.nearest_km > 5000
    html = app.test_client().get(
        "/search?q=pad&near=Montr%C3%A9al", headers={"Accept-Language": lang}
    )
    assert message in html.text
    near_lyon = app.test_client().get("/search?q=pad&near=Lyon", headers={"Accept-Language": lang})
    assert message.split(" ")[0] not in near_lyon.text.split('class="notice"')[-1][:80]


def test_an_unknown_place_is_said_and_orders_nothing(placed):
    app, _ids = placed
    results = search(app, "pad", "Xyzzyville")
    assert results.place.place is None and results.distances == {}
    html = (
        app.test_client()
        .get("/search?q=pad&near=Xyzzyville", headers={"Accept-Language": "en"})
        .text
    )
    assert "“Xyzzyville” is not a place Portée knows" in html


def test_the_api_takes_near_and_gives_distances(placed):
    app, _ids = placed
    client = app.test_client()
    data = client.get("/api/v1/search?q=pad+pr%C3%A8s+de+Lyon").get_json()
    assert data["query"] == "pad"
    near = data["near"]
    assert (near["typed"], near["name"], near["kind"], near["country"]) == (
        "Lyon",
        "Lyon",
        "city",
        "FR",
    )
    assert near["nearest_km"] == pytest.approx(4, abs=2)
    assert near["reading"] == "près de Lyon"  # the site's language (French by default)
    english = client.get("/api/v1/search?q=pad&near=Lyon", headers={"Accept-Language": "en"})
    assert english.get_json()["near"]["reading"] == "near Lyon"
    rows = [(r["distance_km"], r["located"]) for r in data["results"]]
    assert [located for _km, located in rows] == ["point", "city", "point", "country", None]
    located_km = [km for km, _located in rows[:3]]
    assert located_km == sorted(located_km)
    same = client.get("/api/v1/search?q=pad&near=Lyon").get_json()
    assert [r["id"] for r in same["results"]] == [r["id"] for r in data["results"]]
    plain = client.get("/api/v1/search?q=pad").get_json()
    assert plain["near"] is None and "distance_km" not in plain["results"][0]


def test_a_profile_edit_moves_the_host(placed):
    app, ids = placed
    with get_database(app).session_scope() as session:
        organization = session.get(Organization, ids["Chat Perdu"])
        listings.set_fields(session, organization, {"address": "1 rue du Pont, 69002 Lyon"}, "form")
        session.commit()
        assert (organization.location_precision, organization.location_name) == ("city", "Lyon")
    assert hosts_in_order(app, search(app, "pad", "Lyon"))[:2] == [
        "Chat Perdu",
        "Chaton Villeurbanne",
    ]


# More hosts for the map's list: (latitude, longitude, address, country).
MORE_HOSTS = {
    "Chaton du Vercors": (None, None, "Le Bourg, 38650 Gresse-en-Vercors", "FR"),  # postal code
    "Chat Français": (None, None, None, "FR"),  # only its country
    "Chat Genevois": (None, None, "Rue du Rhône 1, 1204 Genève", "CH"),
    "Chat Québécois": (None, None, "4200 bd St-Laurent, Montréal (Québec)", "CA"),
}
# The map page's headings (level, text), in order, in each language.
MAP_HEADINGS = {
    "fr": [
        ("2", "Belgique"),  # no region: its host directly under it
        ("2", "Canada"),
        ("3", "Québec"),
        ("2", "France"),
        ("3", "Auvergne-Rhône-Alpes"),
        ("3", "Île-de-France"),
        ("3", "Région non précisée"),  # France's host located only by its country
        ("2", "Suisse"),
        ("3", "Genève"),
        ("2", "Pays non précisé"),
    ],
    "en": [
        ("2", "Belgium"),
        ("2", "Canada"),
        ("3", "Quebec"),
        ("2", "France"),
        ("3", "Auvergne-Rhône-Alpes"),
        ("3", "Île-de-France"),
        ("3", "Region not said"),
        ("2", "Switzerland"),
        ("3", "Geneva"),
        ("2", "Country not said"),
    ],
}


def map_sections(html: str) -> dict[str, str]:
    """Each region's (or country's) heading text → the names of the hosts listed under it."""
    found: dict[str, list[str]] = {}
    heading = None
    for match in re.finditer(r'<h[23] id="[^"]*">([^<]+)|<li><a href="/hosts/[^"]*">([^<]+)', html):
        if match.group(1):
            heading = match.group(1).strip()
            found[heading] = []
        else:
            found[heading].append(match.group(2))
    return found


@pytest.mark.parametrize("lang", MAP_HEADINGS)
def test_the_map_page_lists_hosts_by_region(placed, lang):
    app, _ids = placed
    for name, declared in MORE_HOSTS.items():
        add_host(app, name, *declared)
    response = app.test_client().get("/map", headers={"Accept-Language": lang})
    assert response.status_code == 200
    html = response.text
    headings = [
        (level, text.strip()) for level, text in re.findall(r'<h([23]) id="[^"]*">([^<]+)', html)
    ]
    assert headings == MAP_HEADINGS[lang]
    sections = map_sections(html)
    french, english = MAP_HEADINGS["fr"], MAP_HEADINGS[lang]
    named = {fr: local for (_l, fr), (_m, local) in zip(french, english, strict=True)}
    assert sections[named["Auvergne-Rhône-Alpes"]] == [
        "Matou Grenoblois",  # by town: Grenoble, Isère (38), Villeurbanne
        "Chaton du Vercors",
        "Chaton Villeurbanne",
    ]
    assert sections[named["Île-de-France"]] == ["Minou Parisien"]
    assert sections[named["Région non précisée"]] == ["Chat Français"]
    assert sections[named["Belgique"]] == ["Chat Belge"]
    assert sections[named["Québec"]] == ["Chat Québécois"]
    assert sections[named["Genève"]] == ["Chat Genevois"]
    assert sections[named["Pays non précisé"]] == ["Chat Perdu"]
    assert "Chaton Villeurbanne</a> · Villeurbanne" in html
    assert "Chaton du Vercors</a> · Isère (38)" in html  # its postal code's area
    assert 'aria-labelledby="region-FR-84"' in html and '<h3 id="region-FR-84">' in html
    points = json.loads(re.search(r"data-map-points='([^']*)'", html).group(1))
    assert {point["name"]: point["area"] for point in points} == {
        "Chaton Villeurbanne": False,
        "Matou Grenoblois": False,
        "Minou Parisien": False,
        "Chaton du Vercors": True,  # placed at Grenoble, its department's prefecture
        "Chat Genevois": False,
        "Chat Québécois": False,
    }  # no country-wide pins
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy


def test_the_map_page_is_kept_until_the_hosts_change(placed, monkeypatch):
    """Like the search pages: public HTTP cache headers with an ETag, 304 on a match, the
    rendered page kept (page_cache.py), both renewed when the index changes."""
    from directory import public

    app, ids = placed
    calls = []
    real = public.hosts_by_region
    monkeypatch.setattr(public, "hosts_by_region", lambda session: calls.append(1) or real(session))
    client = app.test_client()
    english = {"Accept-Language": "en"}
    first = client.get("/map", headers=english)
    assert first.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    etag = first.headers["ETag"]
    again = client.get("/map", headers={**english, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert len(calls) == 1, "the page is rendered once"
    french = client.get("/map", headers={"Accept-Language": "fr"})
    assert french.headers["ETag"] != etag and len(calls) == 2

    with get_database(app).session_scope() as session:  # reindexed on commit
        organization = session.get(Organization, ids["Chat Perdu"])
        listings.set_fields(
            session,
            organization,
            {"address": "Rue Haute 1, 5575 Gedinne", "country_code": "BE"},
            "form",
        )
        session.commit()
    moved = client.get("/map", headers={**english, "If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag and len(calls) == 3
    sections = map_sections(moved.text)
    assert sections["Wallonia"] == ["Chat Perdu"]  # its postal code's province, Namur
    assert sections["Region not said"] == ["Chat Belge"]  # Belgium now has a region
    assert "Chat Perdu</a> · Namur" in moved.text


def test_no_tile_server_no_map(sites, empty_template, tmp_path):
    with sites.open_copy(empty_template, tmp_path, PORTEE_MAP_TILES="") as application:
        add_host(application, "Chaton Villeurbanne", *HOSTS["Chaton Villeurbanne"])
        response = application.test_client().get("/map")
        assert "data-map-points" not in response.text
        assert "Chaton Villeurbanne" in response.text
        assert "tile.openstreetmap.org" not in response.headers["Content-Security-Policy"]


# -- the importer reads a file's coordinates ---------------------------------------------------
FEDERATION = """file.class = federation
file.protocol = ChatonsInfos-0.5
federation.name = Fédération d'essai
subs.pres = {base}/pres/organization.properties
subs.ville = {base}/ville/organization.properties
"""
ORGANIZATION = """file.class = organization
file.protocol = ChatonsInfos-0.5
organization.name = {name}
organization.website = https://{slug}.example/
organization.country.code = {country}
{extra}subs.pad = {base}/{slug}/pad.properties
"""
SERVICE = """file.class = service
service.name = Pad
service.website = https://pad.{slug}.example/
service.registration = None
software.name = Etherpad
software.website = https://etherpad.org/
"""


def test_the_importer_reads_geolocation_keys(app, httpserver):
    base = httpserver.url_for("").rstrip("/")
    files = {
        "/federation.properties": FEDERATION.format(base=base),
        "/pres/organization.properties": ORGANIZATION.format(
            name="Chaton Précis",
            slug="pres",
            country="CH",
            base=base,
            extra="organization.geolocation.latitude = 46,2044\n"
            "organization.geolocation.longitude = 6.1432\n"
            "organization.geolocation.address = Rue de la Servette 15, 1201 Genève\n",
        ),
        "/ville/organization.properties": ORGANIZATION.format(
            name="Chaton de Ville",
            slug="ville",
            country="BE",
            base=base,
            extra="organization.geolocation.address = Rue Hors-Château 30, 4000 Liège\n",
        ),
        "/pres/pad.properties": SERVICE.format(slug="pres"),
        "/ville/pad.properties": SERVICE.format(slug="ville"),
    }
    for path, text in files.items():
        httpserver.expect_request(path).respond_with_data(text, content_type="text/plain")
    with Fetcher(policy=AddressPolicy(allow_private=True)) as fetcher:
        run_federation_import(
            get_database(app), fetcher, f"{base}/federation.properties", trigger="test"
        )
    with get_database(app).session_scope() as session:
        found = {
            o.name: (
                o.location_precision,
                o.location_name,
                round(o.location_latitude, 2),
                round(o.location_longitude, 2),
            )
            for o in session.exec(select(Organization)).all()
        }
    assert found == {
        "Chaton Précis": ("point", "Genève", 46.20, 6.14),
        "Chaton de Ville": ("city", "Liège", 50.63, 5.57),
    }
    assert hosts_in_order(app, search(app, "pad", "Genève")) == ["Chaton Précis", "Chaton de Ville"]
    assert hosts_in_order(app, search(app, "pad", "Namur")) == ["Chaton de Ville", "Chaton Précis"]


@pytest.mark.parametrize("near", ["Lyon", "Bruxelles", "Montréal"])
def test_both_ways_of_paging_near_a_place_give_the_same_order(placed, monkeypatch, near):
    """Large groups are read off the day's order by distance, small ones sorted: the same."""
    from search import nearby

    app, _ids = placed

    def every_page() -> list[int]:
        found = []
        with app.app_context():
            for page in (1, 2, 3):
                params = SearchParams(text="pad", near=near, per_page=2, page=page)
                found.extend(get_search().search(params).service_ids)
        assert len(found) == len(set(found)) == len(HOSTS)
        return found

    monkeypatch.setattr(nearby, "DENSE", 10**9)  # always walk
    walked = every_page()
    monkeypatch.setattr(nearby, "DENSE", 0)  # always sort
    assert every_page() == walked
