"""Where a host is, for "près de Lyon" and the map: from its file's coordinates, else the town
of its address, else its postal code's area (directory/postcodes.py), else its country — with
how precise that is, and its region (the map's list groups by it: directory/regions.py).

Kept on the organization (`location_*`) at every write of it (the listener in models.py), so
the importer, the host's profile form and the moderators never need to think of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from directory import postcodes
from search import places

POINT, CITY, POSTCODE, COUNTRY = "point", "city", "postcode", "country"
PRECISIONS = (POINT, CITY, POSTCODE, COUNTRY)
# A postal code then the town: "69001 Lyon", "1000 Bruxelles", "CH-1201 Genève".
_POSTAL_TOWN = re.compile(r"(?:\b[A-Z]{1,2}-)?\b\d{4,5}\s+([^\d,;()\n]+)")
_SEGMENTS = re.compile(r"[,;\n]+")
_BRACKETS = re.compile(r"\(([^)]*)\)")
_MAX_TOWN_WORDS = 5
# A postal code where an address gives one: French codes anywhere ("F-" or not), Belgian ones
# before a town's name (a four-digit number alone may be a street number).
_POSTCODES = {
    "FR": re.compile(r"(?<![\w-])(?:F-)?(\d{5})\b"),
    "BE": re.compile(r"(?<![\w-])(?:B-)?(\d{4})\s+[^\W\d_]"),
}


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    precision: str  # point, city, postcode or country
    name: str | None  # the town (a point's too, when the address names one), the postal
    # code's area ("Isère (38)"), or None
    region: str | None = None  # "FR-84" (search/places.py), None for a country


def town_in(address: str | None, country: str | None = None) -> places.Place | None:
    """The town an address names: after its postal code, else one of its parts (last first)."""
    if not address:
        return None
    gazetteer = places.gazetteer()
    candidates = []
    for match in _POSTAL_TOWN.finditer(address):
        words = match.group(1).split()
        candidates += [" ".join(words[:n]) for n in range(min(len(words), _MAX_TOWN_WORDS), 0, -1)]
    # Its parts, last first ("…, Lyon"), a part in brackets last ("Montréal (Québec)").
    outside = _BRACKETS.sub(",", address)
    segments = [*_SEGMENTS.split(outside)[::-1], *_BRACKETS.findall(address)]
    candidates += [re.sub(r"\d+", " ", s).strip() for s in segments]
    for candidate in candidates:
        if candidate:
            town = gazetteer.city(candidate, country)
            if town is not None:
                return town
    return None


def postcode_area(address: str | None, country: str | None) -> places.Place | None:
    """The area of the address's postal code (its last one), for France and Belgium."""
    pattern = _POSTCODES.get(country or "")
    if not address or pattern is None:
        return None
    for code in reversed(pattern.findall(address)):
        area = places.gazetteer().postcode(code, country)
        if area is not None:
            return area
    return None


def _towns_country(address: str, country: str | None) -> str | None:
    """Where to look for the address's town: GeoNames lists France's overseas departments as
    countries ("97411 Saint-Paul" is in RE, not Saint-Paul in the Alps)."""
    if country == "FR":
        for code in _POSTCODES["FR"].findall(address):
            if code[:3] in postcodes.OVERSEAS:
                return postcodes.OVERSEAS[code[:3]]
    return country


def locate(
    latitude: float | None,
    longitude: float | None,
    address: str | None,
    country_code: str | None,
) -> Location | None:
    """The best location these declared facts give, or None."""
    country = (country_code or "").upper() or None
    has_point = latitude is not None and longitude is not None
    town = town_in(address, _towns_country(address, country)) if address else None
    if has_point:
        nearest = places.gazetteer().nearest_town(latitude, longitude, country)
        region = nearest.region if nearest else None
        return Location(latitude, longitude, POINT, town.name if town else None, region or None)
    if town is not None:
        return Location(town.latitude, town.longitude, CITY, town.name, town.region or None)
    area = postcode_area(address, country)
    if area is not None:
        return Location(area.latitude, area.longitude, POSTCODE, area.name, area.region or None)
    found = places.gazetteer().country(country) if country else None
    if found is not None:
        return Location(found.latitude, found.longitude, COUNTRY, None)
    return None


LOCATED_FROM = ("latitude", "longitude", "address", "country_code")


def fill_location(organization, changed: bool = True) -> None:
    """Set the organization's `location_*` from its declared facts (when they changed)."""
    if not changed:
        return
    found = locate(
        organization.latitude,
        organization.longitude,
        organization.address,
        organization.country_code,
    )
    organization.location_latitude = found.latitude if found else None
    organization.location_longitude = found.longitude if found else None
    organization.location_precision = found.precision if found else None
    organization.location_name = found.name if found else None
    organization.location_region = found.region if found else None
