"""Place names read offline (search/places.py) and hosts located from what they declare
(directory/geo.py): French and English names, accents, ambiguous names, addresses."""

from __future__ import annotations

import pytest

from directory.geo import CITY, COUNTRY, POINT, locate
from search.places import distance_km, place_label, read_place, resolve

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
