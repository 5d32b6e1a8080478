"""Helpers shared by tests: build an app on a folder, initialise it, import the demo."""

from __future__ import annotations

from pathlib import Path

from app import create_app
from directory.catalog import load_catalog
from directory.cli import DEMO_FEDERATION, DEMO_HOSTS, upgrade_database
from directory.db import get_database
from directory.feeds.fetch import DirectoryTransport, Fetcher
from directory.feeds.runner import run_federation_import

ROOT = Path(__file__).resolve().parent.parent


def make_app(folder: Path, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{folder / 'portee.sqlite3'}",
        "PORTEE_INDEX_DIR": str(folder / "index"),
        "SECRET_KEY": "test-secret",
        "PORTEE_FETCH_ALLOW_PRIVATE": True,
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
