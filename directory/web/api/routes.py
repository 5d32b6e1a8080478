"""JSON views. `lang` filters on a service language (ISO 639-1), like the `language` facet."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from directory import public
from directory.db import get_session
from directory.models import Organization, Service
from directory.web import trustcard
from directory.web.api import bp
from directory.web.filters import localized, unconfirmed_since
from directory.web.searching import args_with_filters, params_from, run


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


@bp.get("/search")
def search():
    args = MultiDict(request.args)
    for value in request.args.getlist("lang"):
        args.add("language", value)
    args = args_with_filters(args) or args  # the reading shows in `query` and `filters`
    outcome = run(params_from(args))
    if outcome.unavailable:
        return jsonify(
            error="search_unavailable",
            message="The search index is being rebuilt; try again shortly.",
        ), 503
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
            dict(_service_json(service), other_services_of_host=results.folded.get(service.id, 0))
            for service in outcome.services
        ],
        facets=results.facets,
        # Typed words no offer of the recognised needs mentions: set aside, not used to filter.
        unmatched=list(results.unmatched),
    )


@bp.get("/organizations/<slug>")
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


@bp.errorhandler(404)
def not_found(_error):
    return jsonify(error="not_found"), 404


@bp.get("/match")
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
    if not form.asked():
        return jsonify(error="no_needs", message="Give at least one need or software."), 400
    if not form.validate():
        return jsonify(error="invalid", fields=form.errors), 400
    outcome = run_match(form.to_request())
    if outcome.unavailable:
        return jsonify(
            error="search_unavailable",
            message="The search index is being rebuilt; try again shortly.",
        ), 503
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
                    dict(_service_json(service), need={"kind": need.kind, "slug": need.slug})
                    for need, service in host.offers
                ],
            }
            for host in outcome.hosts
        ],
    )


def _preference_json(preference) -> dict:
    return {"name": preference.name, "value": preference.value, "required": preference.required}
