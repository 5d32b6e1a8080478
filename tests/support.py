"""Helpers shared by tests: build an app on a folder, initialise it, import the demo."""

from __future__ import annotations

import re
from pathlib import Path

from app import create_app
from directory.catalog import load_catalog
from directory.cli import DEMO_FEDERATION, DEMO_HOSTS, upgrade_database
from directory.db import get_database
from directory.feeds.runner import run_federation_import
from directory.outbound.fetch import DirectoryTransport, Fetcher

ROOT = Path(__file__).resolve().parent.parent


def make_app(folder: Path, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{folder / 'portee.sqlite3'}",
        "PORTEE_INDEX_DIR": str(folder / "index"),
        "SECRET_KEY": "test-secret",
        "PORTEE_FETCH_ALLOW_PRIVATE": True,
        "MAIL_FOLDER": str(folder / "mail"),
    }
    config.update(overrides)
    return create_app(config)


def prepare(app) -> None:
    """What `flask directory init` does: schema at head, catalogue, empty index."""
    with app.app_context():
        upgrade_database(app)
        with get_database(app).session_scope() as session:
            load_catalog(session)
            session.commit()
        app.extensions["portee.search"].ensure_index()


def import_demo(app, hosts: Path = DEMO_HOSTS):
    with Fetcher(transport=DirectoryTransport(hosts)) as fetcher:
        return run_federation_import(
            get_database(app), fetcher, DEMO_FEDERATION, trigger="test", workers=4
        )


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on `path` (tests post forms as a browser would)."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict, **kwargs):
    """GET the page for its CSRF token, then POST the form to it (in English unless the test
    says otherwise, so that flashed messages can be read back in English)."""
    kwargs.setdefault("headers", {"Accept-Language": "en"})
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data}, **kwargs)


def make_account(
    app,
    email: str,
    password: str = "correct horse battery",
    role: str = "host",
    verified: bool = True,
    organizations=(),
    owner: bool = True,
):
    """An account (verified unless told otherwise), editor or owner of `organizations` (ids)."""
    from directory.accounts import add_editor, create_account
    from directory.models import Organization
    from directory.timeutil import utcnow

    with get_database(app).session_scope() as session:
        account = create_account(session, email, password, role=role)
        if verified:
            account.email_verified_at = utcnow()
        for organization_id in organizations:
            add_editor(
                session,
                account,
                session.get(Organization, organization_id),
                role="owner" if owner else "editor",
            )
        session.commit()
        return account.id


def login(client, email: str, password: str = "correct horse battery"):
    response = post_form(client, "/account/login", {"email": email, "password": password})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response


def profile_form(**values) -> dict:
    """The dashboard's profile form with every field empty but those given."""
    fields = (
        "name", "description", "website", "logo_url", "legal_type", "country_code", "address",
        "contact_email", "contact_url", "legal_url", "privacy_url",
    )  # fmt: skip
    return {**dict.fromkeys(fields, ""), **values}
