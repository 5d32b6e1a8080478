"""The web layer: extensions, blueprints, locale, security headers and template helpers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from directory.config import HSTS
from directory.db import get_database
from directory.exposure import ExposureLedger
from directory.web import filters, http_cache, page_cache
from directory.web.extensions import babel, csrf, limiter, login_manager

LOCALE_COOKIE = "portee_lang"

# A strict policy: no inline script or style, nothing from elsewhere (but the map's tiles).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_KEY = "portee.csp"


def content_security_policy(tiles: str | None) -> str:
    """The policy, letting images come from the map's tile server (PORTEE_MAP_TILES) too."""
    parts = urlsplit((tiles or "").replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return CONTENT_SECURITY_POLICY
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data:;", f"img-src 'self' data: {origin};"
    )


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command or a job: the site's default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def _security_headers(response):
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy", current_app.extensions.get(CSP_KEY, CONTENT_SECURITY_POLICY)
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["PORTEE_SECURE_COOKIES"]:  # the site is served over HTTPS
        headers.setdefault("Strict-Transport-Security", HSTS)
    if "Accept-Language" not in headers.get("Vary", ""):
        headers.add("Vary", "Accept-Language, Cookie")
    return response


def init_app(app: Flask) -> None:
    from directory.web import auth  # noqa: F401  (registers the user loader)
    from directory.web.account import bp as account_bp
    from directory.web.api import bp as api_bp
    from directory.web.api import docs as api_docs_bp
    from directory.web.apply import bp as apply_bp
    from directory.web.dashboard import bp as dashboard_bp
    from directory.web.health import bp as health_bp
    from directory.web.match import bp as match_bp
    from directory.web.moderation import bp as moderation_bp
    from directory.web.opendata import bp as opendata_bp
    from directory.web.public import bp as public_bp

    proxies = app.config["PORTEE_TRUSTED_PROXIES"]
    if proxies:
        # The client's address (rate limits, logs) is read from the X-Forwarded-For entries
        # that this many proxies appended. Nothing else is taken from the proxies' headers:
        # links are built from PORTEE_BASE_URL, and believing X-Forwarded-Proto would make
        # Flask-WTF compare the Referer with a Host header nginx may not pass on.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=0, x_host=0, x_prefix=0)
    app.extensions[CSP_KEY] = content_security_policy(app.config["PORTEE_MAP_TILES"])
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "strong"
    login_manager.refresh_view = "account.login"
    login_manager.needs_refresh_message = _l("Please sign in again to do this.")
    limiter.init_app(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(apply_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(match_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(health_bp)
    app.extensions["portee.exposure"] = ExposureLedger(app.config["PORTEE_EXPOSURE_FLUSH_SECONDS"])
    app.teardown_request(_flush_exposure)
    page_cache.init_app(app)
    http_cache.init_app(app)
    app.after_request(_security_headers)
    filters.init_app(app)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _not_allowed)
    app.register_error_handler(429, _too_many)
    app.register_error_handler(500, _server_error)


def _flush_exposure(_exc) -> None:
    """Write the exposure ledger's counts every few seconds (never fails a request)."""
    ledger = current_app.extensions["portee.exposure"]
    if not ledger.due():
        return
    try:
        with get_database().session_scope() as session:
            ledger.flush(session)
    except Exception:  # a busy database must not turn a page into an error
        current_app.logger.exception("Could not write the exposure ledger")


def _api_error(status: int, code: str, message: str):
    from directory.web.api.http import error

    return error(status, code, message)


def _forbidden(_error):
    if request.path.startswith("/api/"):
        return _api_error(403, "forbidden", "This is not allowed.")
    return render_template(
        "errors.html",
        title=_l("Not allowed"),
        message=_l("Your account may not do this."),
    ), 403


def _too_many(_error):
    if request.path.startswith("/api/"):
        return _api_error(429, "too_many_requests", "Too many requests; wait a little.")
    return render_template(
        "errors.html",
        title=_l("Too many attempts"),
        message=_l("Please wait a little before trying again."),
    ), 429


def _not_found(_error):
    if request.path.startswith("/api/"):
        return _api_error(404, "not_found", "There is nothing at this address.")
    return render_template(
        "errors.html",
        title=_l("Page not found"),
        message=_l("There is nothing at this address. The host may have left the directory."),
    ), 404


def _not_allowed(error):
    if request.path.startswith("/api/"):
        return _api_error(405, "method_not_allowed", "This address only answers GET.")
    return error


def _server_error(_error):
    if request.path.startswith("/api/"):
        return _api_error(500, "server_error", "An error occurred on our side.")
    return render_template(
        "errors.html",
        title=_l("Something went wrong"),
        message=_l("An error occurred on our side. Please try again later."),
    ), 500
