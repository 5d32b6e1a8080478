"""The web layer: extensions, blueprints, locale, security headers and template helpers."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_wtf import CSRFProtect

from directory.web import filters

babel = Babel()
csrf = CSRFProtect()
LOCALE_COOKIE = "portee_lang"

# A strict policy: no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if "Accept-Language" not in headers.get("Vary", ""):
        headers.add("Vary", "Accept-Language, Cookie")
    return response


def init_app(app: Flask) -> None:
    from directory.web.api import bp as api_bp
    from directory.web.public import bp as public_bp

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.after_request(_security_headers)
    filters.init_app(app)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(500, _server_error)


def _not_found(_error):
    if request.path.startswith("/api/"):
        return {"error": "not_found"}, 404
    return render_template(
        "errors.html",
        title=_l("Page not found"),
        message=_l("There is nothing at this address. The host may have left the directory."),
    ), 404


def _server_error(_error):
    return render_template(
        "errors.html",
        title=_l("Something went wrong"),
        message=_l("An error occurred on our side. Please try again later."),
    ), 500
