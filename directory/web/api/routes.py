"""JSON views. `lang` filters on a service language (ISO 639-1), like the `language` facet."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from directory import public
from directory.db import get_session
from directory.models import Organization, Service
from directory.web.api import bp
from directory.web.filters import localized
from directory.web.searching import params_from, run


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
        "organization": {
            "slug": organization.slug,
            "name": organization.name,
            "country": organization.country_code,
            "url": url_for("api.organization", slug=organization.slug, _external=True),
        },
    }


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
        "page": url_for("public.organization", slug=organization.slug, _external=True),
    }


@bp.get("/search")
def search():
    args = MultiDict(request.args)
    for value in request.args.getlist("lang"):
        args.add("language", value)
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
        results=[_service_json(service) for service in outcome.services],
        facets=results.facets,
    )


@bp.get("/organizations/<slug>")
def organization(slug: str):
    item = public.public_organization(get_session(), slug) or abort(404)
    data = _organization_json(item)
    data["services"] = [dict(_service_json(s), ended=public.has_ended(s)) for s in item.services]
    return jsonify(data)


@bp.errorhandler(404)
def not_found(_error):
    return jsonify(error="not_found"), 404
