"""Place names read offline (search/places.py) and hosts located from what they declare
(directory/geo.py): French and English names, accents, ambiguous names, addresses."""

from __future__ import annotations

import pytest

from directory import postcodes
from directory.geo import CITY, COUNTRY, POINT, POSTCODE, locate
from directory.regions import REGION_NAMES, region_name
from search.places import distance_km, gazetteer, place_label, read_place, resolve

# Typed name → (kind, country, GeoNames' name or None when shown as typed).
PLACES = [
    ("Lyon", "city", "FR", "Lyon"),
    ("lyon", "city", "FR", "Lyon"),
    ("Nantes", "city", "FR", "Nantes"),
    ("Bruxelles", "city", "BE", "Bruxelles"),
    ("Brussels", "city", "BE", "Brussels"),
    ("Genève", "city", "CH", "Genève"),
    ("geneve", "city", "CH", "Geneve"),
    ("Geneva", "city", "CH", "Geneva"),  # not Geneva, Illinois
    ("Québec", "city", "CA", "Québec"),
    ("Montréal", "city", "CA", "Montréal"),
    ("Montreal", "city", "CA", "Montréal"),  # GeoNames spells it
    ("Liège", "city", "BE", "Liège"),
    ("Anvers", "city", "BE", "Anvers"),  # Antwerpen, by its French name
    ("Sion", "city", "CH", "Sion"),  # "Sitten" in GeoNames; not Jerusalem's other name
    ("Saint-Étienne", "city", "FR", "Saint-Étienne"),
    ("saint etienne", "city", "FR", "Saint-Étienne"),
    ("La Chaux-de-Fonds", "city", "CH", "La Chaux-de-Fonds"),
    ("Paris", "city", "FR", "Paris"),  # not Paris, Texas
    ("London", "city", "GB", "London"),  # the big one wins over London, Ontario
    ("Londres", "city", "GB", "Londres"),
    ("Suisse", "country", "CH", None),
    ("Switzerland", "country", "CH", None),
    ("Belgique", "country", "BE", None),
    ("Belgium", "country", "BE", None),
    ("Luxembourg", "country", "LU", None),  # the country before its capital
    ("Allemagne", "country", "DE", None),
    ("États-Unis", "country", "US", None),
    ("Bretagne", "region", "FR", "Bretagne"),
    ("ile-de-france", "region", "FR", "Ile-de-france"),  # as typed
    ("Wallonie", "region", "BE", None),
    ("Flanders", "region", "BE", None),
]


@pytest.mark.parametrize(("typed", "kind", "country", "name"), PLACES)
def test_place_names_in_french_and_english(typed, kind, country, name):
    place = resolve(typed)
    assert place is not None, typed
    assert (place.kind, place.country) == (kind, country)
    if name is not None:
        assert place.name == name


@pytest.mark.parametrize("typed", ["English", "anglais", "ligne", "compte", "xyzzy", ""])
def test_words_that_are_no_place(typed):
    assert resolve(typed) is None


def test_countries_are_named_in_the_readers_language():
    assert place_label(resolve("Switzerland"), "fr") == "Suisse"
    assert place_label(resolve("Suisse"), "en") == "Switzerland"
    assert place_label(resolve("Bruxelles"), "en") == "Bruxelles"  # a town: as typed


# Query → (text left, place's country, kind) or None when no place is read.
QUERIES = [
    ("pad à Lyon", ("pad", "FR", "city")),
    ("pad a lyon", ("pad", "FR", "city")),  # "à" typed without its accent, at the end
    ("près de Nantes", ("", "FR", "city")),
    ("visio pres de nantes sans compte", ("visio sans compte", "FR", "city")),
    ("sondage près d'Annecy", ("sondage", "FR", "city")),
    ("near Brussels", ("", "BE", "city")),
    ("video calls in Geneva", ("video calls", "CH", "city")),
    ("visio en Belgique", ("visio", "BE", "country")),
    ("agenda au Québec", ("agenda", "CA", "city")),
    ("cloud en Suisse", ("cloud", "CH", "country")),
    ("pad close to Liège please", ("pad please", "BE", "city")),
    ("partage de fichiers à La Chaux-de-Fonds", ("partage de fichiers", "CH", "city")),
    ("a nice pad", None),  # the English article, not "à"
    ("find a date", None),  # the article before a town of Japan, at the end: no place
    ("visio en anglais", None),  # a language, not a place
    ("pad in English", None),
    ("pad pour 30 personnes", None),
    ("pad à 30 personnes", None),
    ("etherpad", None),
    ("pad 69003", ("pad", "FR", "city")),  # a French postal code: Lyon's 3rd district
    ("pad à 69003", ("pad", "FR", "city")),
    ("visio 38650 sans compte", ("visio sans compte", "FR", "region")),  # Isère
    ("visio pour 10000 personnes", None),  # a group size, not a postal code
    ("pad 69003 75011", None),  # two codes: which one?
    ("pad 99999", None),  # no department
    ("pad 12345678", None),
]


@pytest.mark.parametrize(("text", "expected"), QUERIES)
def test_places_in_a_query(text, expected):
    found = read_place(text)
    if expected is None:
        assert found is None
        return
    rest, country, kind = expected
    assert found is not None
    assert (found.rest, found.place.country, found.place.kind) == (rest, country, kind)


def test_distances():
    lyon, paris = resolve("Lyon"), resolve("Paris")
    assert distance_km(lyon.latitude, lyon.longitude, paris.latitude, paris.longitude) == (
        pytest.approx(392, abs=5)
    )
    assert distance_km(lyon.latitude, lyon.longitude, lyon.latitude, lyon.longitude) == 0


# Declared (latitude, longitude, address, country) → (precision, town, near which place).
LOCATIONS = [
    ((45.764, 4.8357, "14 rue des Tables Claudiennes, 69001 Lyon", "FR"), (POINT, "Lyon", None)),
    ((45.1, 5.2, None, "FR"), (POINT, None, None)),
    ((None, None, "14 rue des Tables Claudiennes, 69001 Lyon", "FR"), (CITY, "Lyon", "Lyon")),
    ((None, None, "Rue de Flandre 46, 1000 Bruxelles", "BE"), (CITY, "Bruxelles", "Brussels")),
    ((None, None, "Rue du Rhône 1, CH-1204 Genève", "CH"), (CITY, "Genève", "Geneva")),
    ((None, None, "4200 bd St-Laurent, Montréal (Québec)", "CA"), (CITY, "Montréal", "Montréal")),
    ((None, None, "Dijon", "FR"), (CITY, "Dijon", "Dijon")),
    ((None, None, "Sion", "CH"), (CITY, "Sion", "Sion")),  # the country settles the name
    ((None, None, "quelque part", "BE"), (COUNTRY, None, "Brussels")),
    ((None, None, None, "CH"), (COUNTRY, None, "Bern")),
    # No town the gazetteer knows: the postal code's area, at its prefecture or capital.
    ((None, None, "Le Bourg, 38650 Gresse-en-Vercors", "FR"), (POSTCODE, "Isère (38)", "Grenoble")),
    ((None, None, "Mairie, F-20167 Tavaco", "FR"), (POSTCODE, "Corse-du-Sud (2A)", "Ajaccio")),
    ((None, None, "Rue Haute 1, 5575 Gedinne", "BE"), (POSTCODE, "Namur", "Namur")),
    ((None, None, "Kerkstraat 2, 8647 Lo-Reninge", "BE"), (POSTCODE, "West-Vlaanderen", "Brugge")),
    ((None, None, "Chaussée de Louvain 1200", "BE"), (COUNTRY, None, "Brussels")),  # a number
    ((None, None, "Dorfstrasse 3, 3901 Saas-Grund", "CH"), (COUNTRY, None, "Bern")),  # not read
]  # fmt: skip


@pytest.mark.parametrize(("declared", "expected"), LOCATIONS)
def test_hosts_are_located_from_what_they_declare(declared, expected):
    found = locate(*declared)
    precision, town, near = expected
    assert (found.precision, found.name) == (precision, town)
    if near is not None:
        place = resolve(near)
        assert distance_km(found.latitude, found.longitude, place.latitude, place.longitude) < 5
    else:
        assert (found.latitude, found.longitude) == declared[:2]


def test_a_host_that_says_nothing_is_not_located():
    assert locate(None, None, None, None) is None
    assert locate(None, None, "quelque part", None) is None
    assert locate(None, None, "38650 Gresse-en-Vercors", None) is None  # whose postal code?


# Declared (latitude, longitude, address, country) → the region the map's list puts it in.
REGIONS = [
    ((None, None, "14 rue des Tables Claudiennes, 69001 Lyon", "FR"), "FR-84"),
    ((None, None, "Le Bourg, 29770 Plogoff", "FR"), "FR-53"),  # Finistère, by its code
    ((None, None, "BP 7, 97411 Saint-Paul", "FR"), "FR-974"),  # overseas
    ((48.8566, 2.3522, None, "FR"), "FR-11"),  # a point: its nearest town's region
    ((45.1, 5.2, None, "FR"), "FR-84"),
    ((50.4669, 4.8675, None, "BE"), "BE-WAL"),
    ((None, None, "Rue de Flandre 46, 1000 Bruxelles", "BE"), "BE-BRU"),
    ((None, None, "Rue du Rhône 1, CH-1204 Genève", "CH"), "CH-GE"),
    ((None, None, "Sion", "CH"), "CH-VS"),
    ((None, None, "4200 bd St-Laurent, Montréal (Québec)", "CA"), "CA-10"),
    ((None, None, "Toronto", "CA"), "CA-08"),
    ((None, None, None, "BE"), None),  # only its country
]  # fmt: skip


@pytest.mark.parametrize(("declared", "region"), REGIONS)
def test_hosts_have_a_region(declared, region):
    assert locate(*declared).region == region


@pytest.mark.parametrize(
    ("code", "fr", "en"),
    [
        ("FR-53", "Bretagne", "Brittany"),
        ("BE-WAL", "Wallonie", "Wallonia"),
        ("CH-GE", "Genève", "Geneva"),
        ("CH-BS", "Bâle-Ville", "Basel-Stadt"),
        ("CA-10", "Québec", "Quebec"),
        ("CA-02", "Colombie-Britannique", "British Columbia"),
    ],
)
def test_regions_are_named_in_both_languages(code, fr, en):
    assert (region_name(code, "fr"), region_name(code, "en")) == (fr, en)


def test_every_region_of_the_home_countries_is_named():
    """Each region GeoNames gives a town of France, Belgium, Switzerland or Canada has names;
    other countries' regions have none (the list falls back to the country)."""
    found = {
        place.region
        for cell in gazetteer()._cells.values()
        for place in cell
        if place.region[:2] in ("FR", "BE", "CH", "CA")
    }
    assert found == set(REGION_NAMES)
    assert region_name("DE-16", "fr") is None


def test_every_postal_area_has_its_town():
    for department in postcodes.DEPARTMENTS:
        code = {"2A": "20000", "2B": "20200"}.get(department, department.ljust(5, "0"))
        place = resolve(code)
        assert place is not None and place.region.startswith("FR-"), department
    for first, _last, province, capital in postcodes.BELGIAN_PROVINCES:
        place = gazetteer().postcode(str(first), "BE")
        assert place.name == province and place.region.startswith("BE-"), capital


def test_district_codes_are_their_town():
    assert [resolve(code).name for code in ("75011", "75116", "69009", "13016")] == [
        "Paris",
        "Paris",
        "Lyon",
        "Marseille",
    ]
    assert resolve("38000").name == "Isère (38)"  # a department, named as one
    assert resolve("75021").name == "Paris (75)"  # not a district: the department
