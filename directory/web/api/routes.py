"""JSON views. `lang` filters on a service language (ISO 639-1), like the `language` facet.
Each view declares its parameters and answers (schemas.py) for the OpenAPI document."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from directory import public
from directory.db import get_session
from directory.models import Organization, Service
from directory.web import trustcard
from directory.web.api import bp, schemas
from directory.web.api.http import error, read_endpoint
from directory.web.api.openapi import build_spec, operation
from directory.web.filters import localized, unconfirmed_since
from directory.web.nearby import place_name
from directory.web.searching import (
    args_with_filters,
    args_with_place,
    params_from,
    reading_json,
    run,
)
from search import IndexUnavailable, SearchParams, get_search

UNAVAILABLE = "The search index is being rebuilt; try again shortly."


def _service_json(service: Service) -> dict:
    organization = service.organization
    return {
        "id": service.id,
        "name": service.name,
        "url": service.website,
        "software": (
            {"slug": service.software.slug, "name": localized(service.software.name)}
            if service.software
            else {"slug": None, "name": service.software_declared}
        ),
        "categories": [{"slug": c.slug, "name": localized(c.name)} for c in service.categories],
        "registration": service.registration,
        "load": service.load,
        "price": service.price,
        "languages": service.languages,
        # Promise key service.capacity.participants (README, "Extension keys").
        "capacity_participants": service.capacity_participants,
        "organization": {
            "slug": organization.slug,
            "name": organization.name,
            "country": organization.country_code,
            "status": organization.status,
            "not_confirmed_since": _day(unconfirmed_since(organization)),
            "url": url_for("api.organization", slug=organization.slug, _external=True),
        },
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _day(day) -> str | None:
    return day.isoformat() if day is not None else None


def _organization_json(organization: Organization) -> dict:
    return {
        "slug": organization.slug,
        "name": organization.name,
        "description": organization.description,
        "website": organization.website,
        "legal_type": organization.legal_type,
        "status": organization.status,
        "country": organization.country_code,
        "address": organization.address,
        "languages": organization.languages,
        "contact": {"email": organization.contact_email, "url": organization.contact_url},
        # Staleness counts from the listing's last confirmation (directory/staleness.py).
        "confirmed_at": organization.confirmed_at.isoformat(),
        "not_confirmed_since": _day(unconfirmed_since(organization)),
        "page": url_for("public.organization", slug=organization.slug, _external=True),
    }


def _place_json(outcome) -> dict | None:
    """The place the search was read as near (`known`: the gazetteer knows it)."""
    read = outcome.place
    if read is None:
        return None
    place = read.place
    found = {"typed": read.typed, "known": place is not None}
    if place is not None:
        found.update(
            name=place_name(read),
            reading=outcome.place_part,  # "near Lyon", as a part of how the query was read
            kind=place.kind,
            country=place.country,
            latitude=place.latitude,
            longitude=place.longitude,
            nearest_km=_km(outcome.results.nearest_km),
        )
    return found


def _checks_json(signals) -> dict | None:
    """The card's signals: the host's domain proof and the offer's probes."""
    if signals is None:
        return None
    return dict(trustcard.health_json(signals.health), domain_proven=signals.domain_proven)


def _distance_json(outcome, service) -> dict:
    """With a place: how far the host is (km, None if not located) and how precisely."""
    if outcome.place is None or outcome.place.place is None:
        return {}
    return {
        "distance_km": _km(outcome.results.distances.get(service.id)),
        "located": service.organization.location_precision,
    }


def _km(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@bp.get("/search")
@operation(
    "Search offers",
    description="Offers (services) matching words and filters, in fair order, with facets."
    " When nothing matches, `relaxations` says how many offers each filter removed.",
    query=schemas.SearchQuery,
    responses={200: schemas.SearchAnswer},
)
@read_endpoint
def search():
    args = MultiDict(request.args)
    for value in request.args.getlist("lang"):
        args.add("language", value)
    args = args_with_filters(args) or args  # the reading shows in `query` and `filters`
    args = args_with_place(args) or args  # and "à Lyon" in `near`
    outcome = run(params_from(args))
    if outcome.unavailable:
        return error(503, "search_unavailable", UNAVAILABLE)
    results = outcome.results
    return jsonify(
        query=outcome.params.text,
        filters={k: list(v) for k, v in outcome.params.filters.items()},
        total=results.total,
        page=results.page,
        pages=results.pages,
        per_page=results.per_page,
        # Each host once per software: `other_services_of_host` counts the ones folded under it.
        results=[
            dict(
                _service_json(service),
                other_services_of_host=results.folded.get(service.id, 0),
                checks=_checks_json(outcome.signals.get(service.id)),
                **_distance_json(outcome, service),
            )
            for service in outcome.services
        ],
        near=_place_json(outcome),
        facets=results.facets,
        # Typed words no offer of the recognised needs mentions: set aside, not used to filter.
        unmatched=list(results.unmatched),
        # How the query was read (needs, filters, words, corrections, group size), as the page
        # shows it; each part with the address of the search without it.
        reading=reading_json(outcome),
        relaxations=_relaxations(outcome.params) if results.total == 0 else [],
    )


def _relaxations(params: SearchParams) -> list[dict]:
    """For an empty answer: each filter given, and how many offers the same query has without
    it (a query the directory cannot satisfy is an empty answer, never an error)."""
    found = []
    for name, values in params.filters.items():
        rest = {other: v for other, v in params.filters.items() if other != name}
        try:
            total = get_search().search(SearchParams(text=params.text, filters=rest)).total
        except IndexUnavailable:
            return []
        found.append({"filter": name, "values": list(values), "total": total})
    return found


@bp.get("/organizations/<slug>")
@operation(
    "One organization",
    description="A member host: its listing, its trust card (each fact with its kind) and"
    " its services, ended ones included (`ended`).",
    responses={200: schemas.OrganizationAnswer},
    path_params={"slug": "The host's slug, as in /hosts/<slug>"},
)
@read_endpoint
def organization(slug: str):
    item = public.public_organization(
        get_session(), slug, memberships=public.PUBLIC_MEMBERSHIPS
    ) or abort(404)
    data = _organization_json(item)
    # The trust card: the same facts as the host page, each with its kind (directory/trust.py).
    data["trust"] = trustcard.card_json(get_session(), item)
    checks = trustcard.checks_json(get_session(), item.services)
    data["services"] = [
        dict(_service_json(s), ended=public.has_ended(s), checks=checks[s.id])
        for s in item.services
    ]
    return jsonify(data)


@bp.get("/match")
@operation(
    "Match several needs",
    description="Hosts ranked by how many of the needs they cover. A constraint nobody"
    " meets is relaxed (`relaxed`, `relaxations`) rather than refused.",
    query=schemas.MatchQuery,
    responses={200: schemas.MatchAnswer, 400: schemas.Error},
)
@read_endpoint
def match():
    """Several needs → ranked hosts. Arguments as the /match form: needs=<category>,
    software=<slug> (each repeatable), language|country|price|registration=<value> with
    <name>_required=1 to make it a constraint, account_free=1, group_size=<n>."""
    from directory.web.match.forms import MatchForm
    from directory.web.matching import offered_countries, run_match

    session = get_session()
    form = MatchForm(formdata=request.args)
    form.fill_choices(
        public.categories(session), public.software_list(session), offered_countries()
    )
    _accept_any_code(form)
    if not form.asked():
        return error(400, "no_needs", "Give at least one need or software.")
    if not form.validate():
        return error(400, "invalid", "Some parameters are not valid.", _field_errors(form))
    outcome = run_match(form.to_request())
    if outcome.unavailable:
        return error(503, "search_unavailable", UNAVAILABLE)
    result = outcome.result
    return jsonify(
        needs=[{"kind": n.kind, "slug": n.slug} for n in result.request.needs],
        relaxed=_preference_json(result.relaxed) if result.relaxed else None,
        relaxations=[
            {"constraint": _preference_json(p), "hosts": count} for p, count in result.relaxations
        ],
        hosts=[
            {
                "organization": _organization_json(host.organization),
                "covers": host.match.covered,
                "covers_open": host.match.covered_open,
                "missing": [{"kind": n.kind, "slug": n.slug} for n in host.match.missing],
                "preferences_met": [_preference_json(p) for p in host.match.met],
                "stale": host.match.stale,
                "offers": [
                    dict(
                        _service_json(service),
                        need={"kind": need.kind, "slug": need.slug},
                        # The match lists only the offers whose last check failed.
                        unreachable_since=(
                            _iso(host.unreachable[service.id].down_since)
                            if service.id in host.unreachable
                            else None
                        ),
                        reachable=service.id not in host.unreachable,
                    )
                    for need, service in host.offers
                ],
            }
            for host in outcome.hosts
        ],
    )


def _preference_json(preference) -> dict:
    return {"name": preference.name, "value": preference.value, "required": preference.required}


def _accept_any_code(form) -> None:
    """A country or language nobody offers is a preference the match relaxes, not an error:
    any well-formed code is a choice here (the HTML form lists only the offered ones)."""
    for name in ("country", "language"):
        field = getattr(form, name)
        value = (field.data or "").strip()
        if len(value) == 2 and value.isascii() and value.isalpha():
            field.data = value.upper() if name == "country" else value.lower()
            if field.data not in [choice[0] for choice in field.choices]:
                field.choices = [*field.choices, (field.data, field.data)]


def _field_errors(form) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


@bp.get("/openapi.json")
@operation(
    "This description",
    description="The OpenAPI 3.1 document of the API, generated from the code.",
    responses={200: "application/json"},
)
@read_endpoint
def openapi():
    base = current_app.config["PORTEE_BASE_URL"].rstrip("/")
    return jsonify(build_spec(current_app, base + bp.url_prefix))
