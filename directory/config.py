"""Configuration from environment variables, with safe embedded defaults (see README)."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

log = logging.getLogger(__name__)

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


def defaults(instance_path: str) -> dict:
    """The configuration of an app whose instance folder is `instance_path`."""
    instance = Path(instance_path)
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'portee.sqlite3'}",
        "PORTEE_INDEX_DIR": os.environ.get("PORTEE_INDEX_DIR") or str(instance / "index"),
        # Several nodes (search/follow.py): this node's name in `index_node` (default: the
        # machine's name and the index folder), and how often its follower polls the change
        # table when no notification wakes it.
        "PORTEE_NODE_NAME": os.environ.get("PORTEE_NODE_NAME", ""),
        "PORTEE_FOLLOW_POLL_SECONDS": float(os.environ.get("PORTEE_FOLLOW_POLL_SECONDS", "1")),
        "PORTEE_FETCH_ALLOW_PRIVATE": env_flag("PORTEE_FETCH_ALLOW_PRIVATE"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance),
        "PORTEE_PAGE_SIZE": int(os.environ.get("PORTEE_PAGE_SIZE", "20")),
        # Public search pages kept for visitors not signed in (directory/web/page_cache.py):
        # how many, and for how long at most (they also go when the index changes). 0: off.
        "PORTEE_PAGE_CACHE_SIZE": int(os.environ.get("PORTEE_PAGE_CACHE_SIZE", "256")),
        "PORTEE_PAGE_CACHE_SECONDS": float(os.environ.get("PORTEE_PAGE_CACHE_SECONDS", "60")),
        # How long browsers and proxies may keep an anonymous public page (http_cache.py); they
        # may serve it this long again, half as stale, while fetching a fresh one. 0: no-cache.
        "PORTEE_HTTP_MAX_AGE": int(os.environ.get("PORTEE_HTTP_MAX_AGE", "60")),
        # Read the search index when the app is created (a web worker starting), not at the
        # first search; deploy/gunicorn.conf.py does it in each worker without this.
        "PORTEE_WARM_INDEX": env_flag("PORTEE_WARM_INDEX"),
        # "json": logs as one JSON object per line (directory/logs.py); else Flask's text lines.
        "PORTEE_LOG_FORMAT": os.environ.get("PORTEE_LOG_FORMAT", "text").strip().lower(),
        # Mixed into the daily rotation seed so that the order cannot be predicted from the date.
        "PORTEE_ROTATION_SALT": os.environ.get("PORTEE_ROTATION_SALT", "portee"),
        # A host whose listing was not confirmed for this many days (directory/staleness.py) is
        # shown as "not confirmed since…" and ranks last; after the second number it leaves the
        # results.
        "PORTEE_STALE_AFTER_DAYS": int(os.environ.get("PORTEE_STALE_AFTER_DAYS", "30")),
        "PORTEE_HIDE_STALE_AFTER_DAYS": int(os.environ.get("PORTEE_HIDE_STALE_AFTER_DAYS", "90")),
        # A host that received more than this many times an equal share of the week's
        # referrals steps back among equal results (0 turns the cap off).
        "PORTEE_EXPOSURE_CAP": float(os.environ.get("PORTEE_EXPOSURE_CAP", "2.0")),
        # A decision needs this many non-abstaining votes, and this share of approvals among
        # them (the default: two approvals and no rejection).
        "PORTEE_QUORUM": int(os.environ.get("PORTEE_QUORUM", "2")),
        "PORTEE_MAJORITY": float(os.environ.get("PORTEE_MAJORITY", "1.0")),
        # How often the exposure ledger's counts are written (seconds).
        "PORTEE_EXPOSURE_FLUSH_SECONDS": float(
            os.environ.get("PORTEE_EXPOSURE_FLUSH_SECONDS", "10")
        ),
        # The probes (directory/probes/, `flask probes run`): how often each service is checked
        # (and how often the command runs), requests at a time in all and per host name, the
        # random pause before each request, each request's deadline, and how many days each
        # check is kept before it is folded into hourly counts.
        "PORTEE_PROBE_INTERVAL_SECONDS": float(
            os.environ.get("PORTEE_PROBE_INTERVAL_SECONDS", "300")
        ),
        "PORTEE_PROBE_CONCURRENCY": int(os.environ.get("PORTEE_PROBE_CONCURRENCY", "32")),
        "PORTEE_PROBE_PER_HOST": int(os.environ.get("PORTEE_PROBE_PER_HOST", "2")),
        "PORTEE_PROBE_JITTER_SECONDS": float(os.environ.get("PORTEE_PROBE_JITTER_SECONDS", "2")),
        "PORTEE_PROBE_DEADLINE_SECONDS": float(
            os.environ.get("PORTEE_PROBE_DEADLINE_SECONDS", "10")
        ),
        "PORTEE_PROBE_RAW_DAYS": int(os.environ.get("PORTEE_PROBE_RAW_DAYS", "7")),
        # The map's tiles (Leaflet, static/vendor/leaflet): visitors' browsers fetch them from
        # this server, which sees their address (README, "The map"). Empty: no map, lists only.
        "PORTEE_MAP_TILES": os.environ.get(
            "PORTEE_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        ),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTEE_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ("fr", "en"),
        # Behind HTTPS: Secure cookies named __Host-…, and HSTS (see secure_cookies below).
        "PORTEE_SECURE_COOKIES": env_flag("PORTEE_SECURE_COOKIES"),
        # How many reverse proxies (nginx…) stand before the app: the X-Forwarded-For entries
        # they appended are believed, so rate limits see the client's address. 0: none.
        "PORTEE_TRUSTED_PROXIES": max(0, int(os.environ.get("PORTEE_TRUSTED_PROXIES", "0"))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # forms only: nothing larger is ever posted
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Links in e-mails are built from this, never from the request's Host header.
        "PORTEE_BASE_URL": os.environ.get("PORTEE_BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": env_flag("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Portée <no-reply@portee.invalid>"
        ),
        # Where mails go when MAIL_SERVER is unset (development): one .eml file each.
        "MAIL_FOLDER": os.environ.get("MAIL_FOLDER") or str(instance / "mail"),
        # Flask-Limiter: memory:// counts per process; use redis:// with several workers.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
    }


HSTS = "max-age=31536000"  # a year; not includeSubDomains: other sites of the domain are not ours


def secure_cookies(config) -> None:
    """With PORTEE_SECURE_COOKIES on, the cookies that hold a sign-in (the session, which
    also holds the CSRF token, and "remember me") are Secure and named with the `__Host-`
    prefix, which browsers accept only from HTTPS, with Path=/ and no Domain: no other site of
    the domain, and no plain-HTTP page, can set or overwrite them.

    Called once the configuration is complete, so that a setting from config.py or a test has
    the same effect as the environment's."""
    if not config.get("PORTEE_SECURE_COOKIES"):
        return
    config.update(
        SESSION_COOKIE_NAME="__Host-session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        REMEMBER_COOKIE_NAME="__Host-remember_token",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_PATH="/",
        REMEMBER_COOKIE_DOMAIN=None,
    )


def instance_secret_key(instance: Path) -> str:
    """A key generated once and kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    log.info("Generated a secret key in %s", path)
    return key
