"""The human page about the API (/api/), in the reader's language, read from the same
OpenAPI document the API serves, so it lists exactly the endpoints that exist."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from directory.web.api import bp, docs
from directory.web.api.http import CACHE_SECONDS
from directory.web.api.openapi import DATA_LICENSE, build_spec

# What each endpoint does, for people (the OpenAPI document says it in English).
PURPOSES = {
    "search": _l(
        "Offers matching words and filters (the site's search), in the same fair order, with "
        "the counts of each filter value."
    ),
    "organization": _l(
        "One member host: its listing, its trust card (each fact declared, checked or decided) "
        "and its services, ended ones included."
    ),
    "match": _l(
        "Several needs at once (a task or a software each): the hosts that cover most of them, "
        "with the preferences they meet."
    ),
    "openapi": _l("The description of this API in OpenAPI 3.1, for tools and code generators."),
}
EXAMPLES = {
    "/search": "?q=pad&country=FR",
    "/organizations/{slug}": None,  # filled with a real slug by the template's caller
    "/match": "?needs=video-calls&needs=collaborative-writing&language=fr",
    "/openapi.json": "",
}


@docs.get("/api/")
def index():
    base = current_app.config["PORTEE_BASE_URL"].rstrip("/") + bp.url_prefix
    spec = build_spec(current_app, base)
    endpoints = [
        (path, method.upper(), PURPOSES.get(details["operationId"]), details, EXAMPLES.get(path))
        for path, item in spec["paths"].items()
        for method, details in item.items()
        if isinstance(details, dict) and "responses" in details
    ]
    return render_template(
        "api/index.html",
        endpoints=endpoints,
        base=base,
        license=DATA_LICENSE,
        cache_seconds=CACHE_SECONDS,
        page_size=current_app.config["PORTEE_PAGE_SIZE"],
    )
