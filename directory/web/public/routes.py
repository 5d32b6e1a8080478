"""Views of the public site: parse the request, call one domain or search function, render."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, render_template, request, url_for

from directory import public
from directory.db import get_session
from directory.probes import summary
from directory.timeutil import utcnow
from directory.web import LOCALE_COOKIE, filters, nearby, trustcard
from directory.web.page_cache import cached
from directory.web.public import bp
from directory.web.searching import (
    args_with_filters,
    args_with_place,
    nobody_offers,
    params_from,
    run,
)
from search import SearchParams

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def home():
    outcome = run(SearchParams(per_page=1))
    counts = outcome.results.facets.get("category", {}) if outcome.results else {}
    return render_template(
        "public/home.html",
        categories=public.categories(get_session()),
        counts=counts,
        unavailable=outcome.unavailable,
        rebuilding=outcome.rebuilding,
    )


@bp.get("/search")
def search():
    rewritten = args_with_filters(request.args)
    rewritten = args_with_place(rewritten or request.args) or rewritten  # "à Lyon" → near=Lyon
    if rewritten is not None:  # "une visio sans compte" → q=une visio&registration=none
        return redirect(url_for("public.search", **rewritten.to_dict(flat=False)))
    return cached(
        lambda: render_template(
            "public/results.html", outcome=run(params_from(request.args)), heading=None
        )
    )


@bp.get("/map")
def hosts_map():
    """Every public host on a map (progressive: without JavaScript, a list by region)."""

    def render() -> str:
        countries = nearby.map_list(public.hosts_by_region(get_session()))
        points = nearby.map_points(host for country in countries for host in country.every_host())
        return render_template("public/map.html", countries=countries, points=points)

    return cached(render)


@bp.get("/opensearch.xml")
def opensearch():
    """Lets browsers add Portée as a search engine (the address comes from the config)."""
    xml = render_template(
        "public/opensearch.xml", base_url=current_app.config["PORTEE_BASE_URL"].rstrip("/")
    )
    return xml, 200, {"Content-Type": "application/opensearchdescription+xml; charset=utf-8"}


@bp.get("/categories/")
def categories():
    outcome = run(SearchParams(per_page=1))
    counts = outcome.results.facets.get("category", {}) if outcome.results else {}
    return render_template(
        "public/categories.html",
        categories=public.categories(get_session()),
        counts=counts,
        unavailable=outcome.unavailable,
        rebuilding=outcome.rebuilding,
    )


@bp.get("/categories/<slug>")
def category(slug: str):
    item = public.category(get_session(), slug) or abort(404)
    return cached(
        lambda: render_template(
            "public/category.html",
            category=item,
            outcome=run(params_from(request.args, fixed={"category": slug})),
        )
    )


@bp.get("/software/")
def software_list():
    outcome = run(SearchParams(per_page=1))
    counts = outcome.results.facets.get("software", {}) if outcome.results else {}
    return render_template(
        "public/software_list.html",
        software=public.software_list(get_session()),
        counts=counts,
        unavailable=outcome.unavailable,
        rebuilding=outcome.rebuilding,
    )


@bp.get("/software/<slug>")
def software(slug: str):
    item = public.software(get_session(), slug) or abort(404)
    return cached(
        lambda: render_template(
            "public/software.html",
            software=item,
            outcome=run(params_from(request.args, fixed={"software": slug})),
            alternatives=nobody_offers(item),
        )
    )


@bp.get("/hosts/<slug>")
def organization(slug: str):
    session = get_session()
    item = public.public_organization(session, slug) or abort(404)
    provenance, service_provenance = public.organization_provenance(session, item)
    trust, trust_links = trustcard.card(session, item)
    every_record = list(provenance.values()) + [
        record for fields in service_provenance.values() for record in fields.values()
    ]
    return render_template(
        "public/organization.html",
        organization=item,
        provenance=provenance,
        service_provenance=service_provenance,
        summary=public.summarize_provenance(every_record),
        has_ended=public.has_ended,
        news=public.news_of(session, item),
        unconfirmed_since=filters.unconfirmed_since(item),
        trust=trust,
        trust_links=trust_links,
        health=summary.health_of(session, [s.id for s in item.services], utcnow(), days=True),
    )


@bp.get("/language/<code>")
def set_language(code: str):
    """The visible language switch: remembers the choice in a cookie and goes back."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = url_for("public.home")
    response = redirect(target)
    if code in ("fr", "en"):
        secure = current_app.config["PORTEE_SECURE_COOKIES"]
        response.set_cookie(
            LOCALE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True, secure=secure
        )
    return response
