"""Fixtures: an app on a real SQLite file and a real Whoosh index in a temporary folder.

Importing the demo federation takes a few seconds, so it is done once per session into a
template folder; `demo_app` copies that folder for each test (tests may write to it freely).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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


@pytest.fixture
def app(tmp_path):
    """An initialised app with the catalogue and no organizations."""
    application = make_app(tmp_path)
    prepare(application)
    yield application
    get_database(application).engine.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo-template")
    application = make_app(folder)
    prepare(application)
    import_demo(application)
    get_database(application).engine.dispose()
    return folder


@pytest.fixture
def demo_app(demo_template, tmp_path):
    """An app holding the demo federation, imported through the real importer."""
    folder = tmp_path / "site"
    shutil.copytree(demo_template, folder)
    application = make_app(folder)
    yield application
    get_database(application).engine.dispose()


@pytest.fixture
def client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def runner(demo_app):
    return demo_app.test_cli_runner()


@pytest.fixture
def demo_hosts(tmp_path) -> Path:
    """A writable copy of the demo's published files, for tests that change them."""
    target = tmp_path / "hosts"
    shutil.copytree(DEMO_HOSTS, target)
    return target
