"""Shared by the HTML and JSON views: read search arguments, run the search, load the rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app, g
from werkzeug.datastructures import MultiDict

from directory import public, trust
from directory.db import get_session
from directory.models import Service
from directory.timeutil import utcnow
from search import IndexRebuilding, IndexUnavailable, SearchParams, SearchResults, get_search
from search.phrases import read_filters
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

    @property
    def needs(self) -> list[dict]:
        """The names ({lang: name}) of the tasks and software the query was read as."""
        if self.results is None:
            return []
        found = [self.categories_by_slug.get(s) for s in sorted(self.results.categories)]
        found += [self.software_by_slug.get(s) for s in sorted(self.results.software)]
        return [entry["name"] for entry in found if entry]


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
    return SearchParams(
        text=(args.get("q") or "").strip()[:200],
        filters=filters,
        page=page,
        per_page=current_app.config["PORTEE_PAGE_SIZE"],
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
    """The arguments with the query's filter phrases ("sans compte", "free", "in English") moved
    out of `q` into the filters they mean (None: it has none). The page redirects there, so each
    one shows, and is removed, like any filter."""
    rest, found = read_filters(args.get("q") or "")
    if not found:
        return None
    rewritten = MultiDict(args)
    rewritten.pop("page", None)
    if rest:
        rewritten["q"] = rest
    else:
        rewritten.pop("q", None)
    for name, values in found.items():
        for value in values:
            if value not in rewritten.getlist(name):
                rewritten.add(name, value)
    return rewritten
