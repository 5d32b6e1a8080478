"""What pages say of places: "à 12 km", "en Belgique", the points a map shows, the map
page's list by region."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import format_decimal, get_locale, pgettext
from flask_babel import gettext as _

from directory.catalog import normalize
from directory.geo import COUNTRY, POINT, POSTCODE
from directory.regions import region_name
from directory.web.filters import country_name
from search.nearby import NEARBY_KM
from search.places import REGION, place_label


def place_name(place_read) -> str:
    """The place as the reader's language names it ("Belgique"; a town as typed)."""
    if place_read.place is None:
        return place_read.typed
    return place_label(place_read.place, str(get_locale() or "en")[:2])


def reading_part(outcome) -> str | None:
    """The place as one part of how the query was read: "près de Lyon" / "near Lyon", "secteur
    Isère (38)" / "around Isère (38)" for a region or a postal code's area (for the reading's
    removable parts; removing it is `url_with(near=None)`)."""
    place = outcome.place
    if place is None or place.place is None:
        return None
    if place.place.kind == REGION:  # "près de Isère" would need the region's article
        return pgettext(
            "a region or a postal code's area", "around %(place)s", place=place_name(place)
        )
    return near_words(place_name(place))


def near_words(name: str) -> str:
    """ "near Annecy" / "près d’Annecy", "près du Havre" (French elides before a vowel)."""
    return elided(_("near %(place)s", place=name))


def no_host_nearby(outcome) -> str:
    """The notice of a search widened beyond NEARBY_KM around its place."""
    return elided(
        _(
            "No host within %(km)d km of %(place)s: the nearest come first.",
            km=NEARBY_KM,
            place=place_name(outcome.place),
        )
    )


_ELISIONS = (
    (re.compile(r"\bde (?=[AEIOUYÀÂÄÉÈÊËÎÏÔÖÛÜŒ])"), "d’"),
    (re.compile(r"\bde Le "), "du "),
    (re.compile(r"\bde Les "), "des "),
)


def elided(text: str) -> str:
    """French "de" before a place name: "d’Annecy", "du Havre", "des Sables-d’Olonne" (names
    beginning with H are left alone: "de Hyères" but "du Havre" need a dictionary)."""
    if str(get_locale() or "")[:2] != "fr":
        return text
    for pattern, replacement in _ELISIONS:
        text = pattern.sub(replacement, text)
    return text


def widened(outcome) -> bool:
    """The place is known but no located host among the results is within NEARBY_KM."""
    place = outcome.place
    if place is None or place.place is None or outcome.results is None:
        return False
    nearest = outcome.results.nearest_km
    return nearest is None or nearest > NEARBY_KM


def how_far(outcome, service) -> str | None:
    """ "à 12 km" / "12 km away", or "en Belgique" when only the host's country is known."""
    place = outcome.place
    if place is None or place.place is None:
        return None
    organization = service.organization
    if organization.location_precision == COUNTRY:
        return in_country(organization.country_code)
    km = outcome.results.distances.get(service.id)
    if km is None:
        return None
    if organization.location_precision == POSTCODE:  # placed at its department's prefecture
        return _("about %(km)s km away", km=format_decimal(round(km)))
    return _("%(km)s km away", km=format_decimal(round(km)))


# French says "au Canada", "aux Pays-Bas", "en Belgique": the countries that take "au" or
# "aux" (a context of the same message, so English stays "in …").
MASCULINE = frozenset(
    [
        "CA",
        "LU",
        "PT",
        "JP",
        "BR",
        "MA",
        "DK",
        "GB",
        "MX",
        "SN",
        "CM",
        "BJ",
        "TG",
        "NE",
        "ML",
        "BF",
        "GA",
        "CG",
        "LB",
        "CL",
        "PE",
        "VN",
    ]
)
PLURAL = frozenset(("US", "NL"))


def in_country(code: str | None) -> str:
    """ "in Belgium" / "en Belgique", "au Canada", "aux États-Unis"."""
    name = country_name(code)
    if code in PLURAL:
        return pgettext("plural country", "in %(country)s", country=name)
    if code in MASCULINE:
        return pgettext("masculine country", "in %(country)s", country=name)
    return _("in %(country)s", country=name)


def map_points(organizations: Iterable) -> list[dict]:
    """The located hosts (each once) as a map script reads them: name, page, coordinates and
    whether the point is the host's own or its town's. A country-wide location is no point."""
    points: dict[int, dict] = {}
    for organization in organizations:
        if organization.id in points or organization.location_precision in (None, COUNTRY):
            continue
        points[organization.id] = {
            "name": organization.name,
            "url": url_for("public.organization", slug=organization.slug),
            "lat": round(organization.location_latitude, 5),
            "lon": round(organization.location_longitude, 5),
            "exact": organization.location_precision == POINT,
            "area": organization.location_precision == POSTCODE,
            "town": organization.location_name or "",
        }
    return list(points.values())


@dataclass
class RegionGroup:
    code: str  # "FR-84"
    name: str  # in the reader's language
    hosts: list


@dataclass
class CountryGroup:
    code: str  # "" when not said
    name: str
    hosts: list  # located only by the country, or in a region the list does not name
    regions: list[RegionGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.hosts) + sum(len(region.hosts) for region in self.regions)

    def every_host(self) -> list:
        return [host for region in self.regions for host in region.hosts] + self.hosts


def map_list(grouped: dict[str, dict[str, list]]) -> list[CountryGroup]:
    """public.hosts_by_region's hosts, countries and regions named and ordered in the reader's
    language ("not said" last)."""
    lang = str(get_locale() or "en")[:2]
    countries = []
    for code, regions in grouped.items():
        named = [
            RegionGroup(region, region_name(region, lang) or region, hosts)
            for region, hosts in regions.items()
            if region
        ]
        named.sort(key=lambda group: normalize(group.name))
        countries.append(CountryGroup(code, country_name(code), regions.get("", []), named))
    countries.sort(key=lambda country: (not country.code, normalize(country.name)))
    return countries
