"""Configuration from environment variables, with safe embedded defaults (see README)."""

from __future__ import annotations

import logging
import os
import secrets
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
        "PORTEE_FETCH_ALLOW_PRIVATE": env_flag("PORTEE_FETCH_ALLOW_PRIVATE"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance),
        "PORTEE_PAGE_SIZE": int(os.environ.get("PORTEE_PAGE_SIZE", "20")),
        # Mixed into the daily rotation seed so that the order cannot be predicted from the date.
        "PORTEE_ROTATION_SALT": os.environ.get("PORTEE_ROTATION_SALT", "portee"),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTEE_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ("fr", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env_flag("PORTEE_SECURE_COOKIES"),
        "WTF_CSRF_TIME_LIMIT": None,
    }


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
