"""Shared by the HTML and JSON views: read search arguments, run the search, load the rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from directory import public, trust
from directory.db import get_session
from directory.models import Service
from directory.timeutil import utcnow
from directory.web import labels, nearby
from directory.web.filters import country_name, language_name, localized, url_with
from search import IndexRebuilding, IndexUnavailable, SearchParams, SearchResults, get_search
from search.nearby import place_of
from search.phrases import MAX_GROUP, read_filters, read_group_size
from search.schema import FACETS

_VALUE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$", re.IGNORECASE)
MAX_PAGE = 500


@dataclass
class SearchOutcome:
    params: SearchParams
    results: SearchResults | None = None
    services: list[Service] = field(default_factory=list)
    unavailable: bool = False
    rebuilding: bool = False  # unavailable because the index is being rebuilt
    # Catalogue names by slug ({"name": {lang: name}}), to name facet values in the reader's
    # language.
    categories_by_slug: dict = field(default_factory=dict)
    software_by_slug: dict = field(default_factory=dict)
    # Service id → its card's signals: domain proven, measured availability (trust.py).
    signals: dict = field(default_factory=dict)

    def chips(self, fixed: tuple[str, ...] = ()) -> list[Chip]:
        return reading_chips(self, fixed)

    def corrected_query(self) -> str | None:
        return corrected_query(self)

    def ways_out(self, fixed: tuple[str, ...] = ()) -> list[Way]:
        return ways_out(self, fixed)

    # -- near a place (search/nearby.py, directory/web/nearby.py) ------------------------------
    @property
    def place(self):
        """The place the search was read as near (`.place` None: unknown), or None."""
        return self.results.place if self.results else None

    @property
    def place_part(self) -> str | None:
        """ "près de Lyon": the place as a part of the reading (None: no known place)."""
        return nearby.reading_part(self)

    def how_far(self, service: Service) -> str | None:
        return nearby.how_far(self, service)

    @property
    def map_points(self) -> list[dict]:
        return nearby.map_points(service.organization for service in self.services)


def params_from(args: MultiDict, fixed: dict[str, str] | None = None) -> SearchParams:
    """Search parameters from query arguments; values that cannot be filters are ignored."""
    filters: dict[str, tuple[str, ...]] = {}
    for name in FACETS:
        values = [v.strip() for v in args.getlist(name) if _VALUE.match(v.strip())]
        values = [v.upper() if name == "country" else v.lower() for v in values]
        if values:
            filters[name] = tuple(dict.fromkeys(values))
    for name, value in (fixed or {}).items():
        filters[name] = (value,)
    try:
        page = min(max(int(args.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page = 1
    try:
        group_size = int(args.get("group_size", ""))
    except ValueError:
        group_size = None
    return SearchParams(
        text=(args.get("q") or "").strip()[:200],
        filters=filters,
        page=page,
        per_page=current_app.config["PORTEE_PAGE_SIZE"],
        near=(args.get("near") or "").strip()[:100],
        group_size=group_size if group_size and 1 <= group_size <= MAX_GROUP else None,
    )


def run(params: SearchParams) -> SearchOutcome:
    outcome = SearchOutcome(params=params)
    try:
        outcome.results = get_search().search(params)
    except IndexUnavailable as exc:
        current_app.logger.warning("Search unavailable: %s", exc)
        outcome.unavailable = True
        outcome.rebuilding = isinstance(exc, IndexRebuilding)
        return outcome
    session = get_session()
    outcome.services = public.services_in_order(session, outcome.results.service_ids)
    outcome.signals = trust.card_signals(session, outcome.services, utcnow())
    if outcome.results.page == 1 and params.per_page > 1:
        # The exposure ledger counts who was shown on a first page (fairness, issue 6); the
        # page cache counts them again each time it serves this page.
        g.portee_shown = [service.organization_id for service in outcome.services]
        current_app.extensions["portee.exposure"].note_shown(g.portee_shown)
    outcome.categories_by_slug, outcome.software_by_slug = public.catalogue_names(session)
    return outcome


def offers_of(filters: dict[str, tuple[str, ...]]) -> int | None:
    """How many offers these filters alone give (None: search is unavailable)."""
    try:
        return get_search().search(SearchParams(filters=filters, per_page=1)).total
    except IndexUnavailable:
        return None


def nobody_offers(software) -> list[tuple[object, int]] | None:
    """For a software nobody offers yet: its tasks that some host offers, with their counts
    (the way out of a dead end). None when someone offers it (or search is unavailable)."""
    if offers_of({"software": (software.slug,)}) != 0:
        return None
    found = []
    for category in software.categories:
        count = offers_of({"category": (category.slug,)})
        if count:
            found.append((category, count))
    return found


def args_with_filters(args: MultiDict) -> MultiDict | None:
    """The arguments with the query's filter phrases ("sans compte", "free", "in English") and
    group size ("pour 30 personnes") moved out of `q` into the filters they mean and
    `group_size` (None: it has none). The page redirects there, so each one shows, and is
    removed, like any filter."""
    rest, found = read_filters(args.get("q") or "")
    rest, group_size = read_group_size(rest)
    if not found and group_size is None:
        return None
    rewritten = MultiDict(args)
    rewritten.pop("page", None)
    if rest:
        rewritten["q"] = rest
    else:
        rewritten.pop("q", None)
    if group_size is not None:
        rewritten["group_size"] = str(group_size)
    for name, values in found.items():
        for value in values:
            if value not in rewritten.getlist(name):
                rewritten.add(name, value)
    return rewritten


def args_with_place(args: MultiDict) -> MultiDict | None:
    """The arguments with a place the query names ("pad à Lyon") moved out of `q` into `near`
    (None: it names none, or `near` is set already). The page redirects there, so the place
    shows, and is removed, like a filter."""
    if args.get("near"):
        return None
    rest, found = place_of(args.get("q") or "", "")
    if found is None:
        return None
    rewritten = MultiDict(args)
    rewritten.pop("page", None)
    if rest:
        rewritten["q"] = rest
    else:
        rewritten.pop("q", None)
    rewritten["near"] = found.typed
    return rewritten


# -- how the query was read, said back -------------------------------------------------------
@dataclass
class Chip:
    """One part of the reading ("Video calls", "No account needed", "for 30 people"), with the
    address of the same search without it."""

    kind: str  # "need" | "word" | "filter" | "group" | "place"
    label: str
    href: str
    data: dict = field(default_factory=dict)  # what the API says of it


def filter_label(name: str, value: str, outcome: SearchOutcome) -> str:
    """A facet value in the reader's language (as the facets name it)."""
    if name in ("category", "software"):
        table = outcome.categories_by_slug if name == "category" else outcome.software_by_slug
        return localized((table.get(value) or {"name": {"en": value}})["name"])
    names = {
        "registration": labels.REGISTRATION,
        "load": labels.LOAD,
        "price": labels.PRICE,
        "legal_type": labels.LEGAL_TYPE,
    }
    if name in names:
        return str(names[name].get(value, value))
    if name == "country":
        return country_name(value)
    if name == "language":
        return language_name(value)
    return value


def reading_chips(outcome: SearchOutcome, fixed: tuple[str, ...] = ()) -> list[Chip]:
    """The query as Portée read it, part by part, each removable (links: no JavaScript)."""
    results = outcome.results
    if results is None:
        return []
    resolution = results.resolution
    chips: list[Chip] = []
    for span in resolution.spans:
        names = []
        for kind, slug in sorted(span.targets):
            table = outcome.categories_by_slug if kind == "category" else outcome.software_by_slug
            entry = table.get(slug)
            names.append(localized(entry["name"]) if entry else slug)
        chips.append(
            Chip(
                "need",
                " / ".join(dict.fromkeys(names)),
                url_with(q=resolution.without(span.start, span.end) or None, page=None),
                {
                    "typed": " ".join(resolution.typed[span.start : span.end]),
                    "corrected": span.corrected,
                    "names": [{"kind": kind, "slug": slug} for kind, slug in sorted(span.targets)],
                },
            )
        )
    for word in results.words:
        chips.append(
            Chip(
                "word",
                f"“{word}”",
                url_with(q=resolution.without_word(word) or None, page=None),
                {"word": word, "matched": word not in results.unmatched},
            )
        )
    for name, values in outcome.params.filters.items():
        if name in fixed:
            continue
        for value in values:
            rest = [v for v in values if v != value]
            chips.append(
                Chip(
                    "filter",
                    filter_label(name, value, outcome),
                    url_with(**{name: rest or None, "page": None}),
                    {"facet": name, "value": value},
                )
            )
    if results.group_size:
        chips.append(
            Chip(
                "group",
                ngettext("for %(num)d person", "for %(num)d people", results.group_size),
                url_with(group_size=None, page=None),
                {"group_size": results.group_size},
            )
        )
    typed = (request.args.get("near") or "").strip()
    if typed:  # the place part (search/places.py reads it; an unknown place is said as typed)
        label = outcome.place_part or nearby.near_words(typed)
        data = {"near": typed, "known": outcome.place_part is not None}
        chips.append(Chip("place", label, url_with(near=None, page=None), data))
    return chips


def corrected_query(outcome: SearchOutcome) -> str | None:
    """The query with its typos replaced by what they were read as (None: no typo)."""
    if outcome.results is None or not outcome.results.resolution.corrections:
        return None
    return outcome.results.resolution.corrected()


def reading_json(outcome: SearchOutcome) -> dict:
    """The reading the page shows, for the API."""
    results = outcome.results
    chips = reading_chips(outcome)
    resolution = results.resolution
    return {
        "needs": [
            dict(name, name=localized(_catalogue(outcome, name["kind"], name["slug"])))
            for chip in chips
            if chip.kind == "need"
            for name in chip.data["names"]
        ],
        "filters": {k: list(v) for k, v in outcome.params.filters.items()},
        "words": list(results.words),
        "unmatched": list(results.unmatched),
        "corrections": [
            {"typed": typed, "corrected": corrected} for typed, corrected in resolution.corrections
        ],
        "corrected_query": corrected_query(outcome),
        "group_size": results.group_size,
        "account_free_first": results.account_free_first,
        "parts": [{"kind": c.kind, "label": c.label, "remove": c.href, **c.data} for c in chips],
    }


def _catalogue(outcome: SearchOutcome, kind: str, slug: str) -> dict:
    table = outcome.categories_by_slug if kind == "category" else outcome.software_by_slug
    return (table.get(slug) or {"name": {"en": slug}})["name"]


# -- no dead ends ----------------------------------------------------------------------------
@dataclass
class Way:
    """A nearest non-empty reading of an empty search: what it drops, its count, its address."""

    label: str
    count: int
    href: str


MAX_WAYS = 4


def ways_out(outcome: SearchOutcome, fixed: tuple[str, ...] = ()) -> list[Way]:
    """For a search that found nothing: the readings one step away that find something (without
    one filter, the task instead of the software, without one word), best first."""
    results = outcome.results
    if results is None or results.total:
        return []
    params = outcome.params
    text, filters = params.text, params.filters
    ways: list[Way] = []

    def count(text: str, filters: dict) -> int:
        try:
            return get_search().search(SearchParams(text=text, filters=filters, per_page=1)).total
        except IndexUnavailable:
            return 0

    for name, values in filters.items():
        if name in fixed:
            continue
        for value in values:
            rest = {k: v for k, v in filters.items() if k != name}
            if len(values) > 1:
                rest[name] = tuple(v for v in values if v != value)
            found = count(text, rest)
            if found:
                label = _("without “%(filter)s”", filter=filter_label(name, value, outcome))
                others = [v for v in values if v != value]
                ways.append(Way(label, found, url_with(**{name: others or None, "page": None})))
    resolution = results.resolution
    for span in resolution.spans:
        for kind, slug in sorted(span.targets):
            if kind != "software":
                continue
            rest_text = resolution.without(span.start, span.end)
            for category in _categories_of(slug):
                found = count(rest_text, {**filters, "category": (category,)})
                if found:
                    label = _(
                        "%(task)s instead of %(software)s",
                        task=localized(_catalogue(outcome, "category", category)),
                        software=localized(_catalogue(outcome, "software", slug)),
                    )
                    href = url_with(q=rest_text or None, category=category, page=None)
                    ways.append(Way(label, found, href))
    for word in results.words[:3]:
        rest_text = resolution.without_word(word)
        found = count(rest_text, filters)
        if found:
            href = url_with(q=rest_text or None, page=None)
            ways.append(Way(_("without the word “%(word)s”", word=word), found, href))
    ways.sort(key=lambda way: -way.count)
    if not ways and (text or filters):
        found = count("", {k: v for k, v in filters.items() if k in fixed})
        if found:
            everything = url_for(request.endpoint, **(request.view_args or {}))
            ways.append(Way(_("all offers"), found, everything))
    return ways[:MAX_WAYS]


def _categories_of(software_slug: str) -> list[str]:
    session = get_session()
    item = public.software(session, software_slug)
    return [c.slug for c in item.categories] if item is not None else []
