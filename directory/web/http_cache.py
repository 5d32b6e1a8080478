"""HTTP caching that browsers and standard proxies (nginx's `proxy_cache`) understand.

A public page that an anonymous visitor gets is everyone's: it says so
(`Cache-Control: public, max-age=60, stale-while-revalidate=30`), carries an `ETag` made of what
the anonymous page cache keys on (path, query, language, index version, day… page_cache.py)
and a digest of the bytes (a host's page also shows what the database changes without the
index: checks, news), and answers 304 to a matching `If-None-Match`. An answer that belongs to
one visitor — signed in, a one-time message, a form's CSRF token in the page, a cookie being
set — says `private, no-store`, whatever the page. `Vary: Accept-Language, Cookie` is on every
answer (directory/web/__init__.py). The API (`/api/`) sets its own headers.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, request, session
from flask_login import current_user

from directory.web import page_cache

# The pages of the public site that are the same for every anonymous visitor.
PUBLIC_ENDPOINTS = frozenset(
    {
        "public.home",
        "public.search",
        "public.categories",
        "public.category",
        "public.software_list",
        "public.software",
        "public.organization",
        "public.opensearch",
        "public.hosts_map",
    }
)
PRIVATE = "private, no-store"


def init_app(app: Flask) -> None:
    app.after_request(cache_headers)


def personal(response) -> bool:
    """True when the answer is this visitor's own: signed in, a message for them, a CSRF token
    in the page, or a cookie (the session's included) being set with it."""
    if current_user.is_authenticated or "_user_id" in session or session.get("_flashes"):
        return True
    if not page_cache.anonymous() or session.modified:
        return True
    return bool(response.headers.getlist("Set-Cookie"))


def cache_headers(response):
    if request.blueprint == "api" or "Cache-Control" in response.headers:
        return response  # the API's own rules; static files' from Flask
    if personal(response):
        response.headers["Cache-Control"] = PRIVATE
        return response
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or request.endpoint not in PUBLIC_ENDPOINTS
    ):
        return response
    max_age = current_app.config["PORTEE_HTTP_MAX_AGE"]
    key = page_cache.page_key()
    if not max_age or key is None:  # off, or "search is unavailable" (not worth keeping)
        response.headers["Cache-Control"] = "no-cache"
        return response
    response.headers["Cache-Control"] = (
        f"public, max-age={max_age}, stale-while-revalidate={max(1, max_age // 2)}"
    )
    digest = hashlib.sha256(repr(key).encode())
    digest.update(response.get_data())
    response.set_etag(digest.hexdigest()[:32])
    return response.make_conditional(request)
