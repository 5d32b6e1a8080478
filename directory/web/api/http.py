"""HTTP manners of the JSON API: one error shape, and for read endpoints CORS, ETag,
Cache-Control and 304 answers. The ETag is derived, without building the answer, from what an
answer depends on: the index version, the fairness state, the day, the language and the
request itself (the page cache keys on the same things, directory/web/page_cache.py)."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import wraps

from flask import Response, current_app, jsonify, request
from flask_babel import get_locale

from search import IndexUnavailable, get_search

CACHE_SECONDS = 300
# What a browser script on another site may read besides the simple headers.
EXPOSED = "ETag, Cache-Control"


def error(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    """The API's one error shape: {"error": code, "message": words, "fields": {name: [words]}}."""
    response = jsonify(error=code, message=message, fields=fields or {})
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _etag() -> str | None:
    search = get_search()
    try:
        version = search.index.snapshot().version
    except IndexUnavailable:
        return None  # an unavailable index answers 503: nothing worth validating
    fairness = search.current_fairness()
    parts = (
        request.path,
        request.query_string.decode("latin-1"),
        str(get_locale()),
        str(version),
        date.today().isoformat(),
        ",".join(str(i) for i in sorted(fairness.demoted)),
        str(fairness.confirmed.version),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def read_endpoint(view):
    """Wrap a GET view: open to every origin, cacheable for CACHE_SECONDS, and a 304 when the
    client already holds the answer its ETag names."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        tag = _etag()
        if tag is not None and tag in request.if_none_match:
            response = Response(status=304)
        else:
            response = current_app.make_response(view(*args, **kwargs))
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if response.status_code in (200, 304) and tag is not None:
            response.set_etag(tag)
            response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        elif response.status_code >= 400:
            response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper
