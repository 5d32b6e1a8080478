"""Fixtures: an app on a real database and a real Whoosh index in a temporary folder.

The database is a SQLite file in that folder, or with `pytest --db=postgresql` a fresh
PostgreSQL database on the server scripts/with-postgres starts (`make test` runs the domain and
importer modules a second time so; see the README). Only the tests that get their app from these
fixtures (through `sites`) run in that second pass: the others would only repeat themselves.

Preparing a site (migrations, catalogue) and importing the demo federation take seconds, so
each is done once per session into a template site (tests/sites.py); `app` and `demo_app` copy
it for each test (tests may write to their copy freely).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Browser fixtures (live_server, browser, new_page), for every browser test module.
from browsing import browser, live_server, new_page  # noqa: E402,F401
from sites import KINDS, PostgresServer, Site, Sites

from directory.cli import DEMO_HOSTS
from directory.db import get_database
from support import import_demo, make_app, prepare

__all__ = ["import_demo", "make_app", "prepare"]

POSTGRES_URL_VARIABLE = "PORTEE_TEST_POSTGRES_URL"


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=KINDS,
        default="sqlite",
        help="where the app fixtures keep their data: SQLite files (default) or PostgreSQL"
        f" databases on the server {POSTGRES_URL_VARIABLE} names (set by scripts/with-postgres);"
        " with postgresql, only the tests that use those fixtures run",
    )


def pytest_configure(config):
    if config.getoption("db") == "postgresql" and not os.environ.get(POSTGRES_URL_VARIABLE):
        raise pytest.UsageError(
            f"--db=postgresql needs {POSTGRES_URL_VARIABLE}:"
            " run pytest through scripts/with-postgres"
        )


def pytest_collection_modifyitems(config, items):
    if config.getoption("db") != "postgresql":
        return
    kept, deselected = [], []
    for item in items:
        uses_sites = "sites" in getattr(item, "fixturenames", ())  # directly or through app…
        (kept if uses_sites else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_report_header(config):
    return f"database of the app fixtures: {config.getoption('db')}"


@pytest.fixture(scope="session")
def postgres_server():
    """The PostgreSQL server scripts/with-postgres started (it drops what it created).

    Skipped where no server is given, except in CI, where PostgreSQL must be tested.
    """
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_URL_VARIABLE} is not set: run the tests through `make test`")
        pytest.skip("no PostgreSQL server (run the tests through `make test`)")
    server = PostgresServer(admin_url)
    yield server
    server.close()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty PostgreSQL database (whatever --db says)."""
    name = postgres_server.create()
    yield postgres_server.url(name)
    postgres_server.drop(name)


@pytest.fixture(scope="session")
def sites(request) -> Sites:
    """Sites on the database --db chose."""
    if request.config.getoption("db") == "postgresql":
        return Sites("postgresql", request.getfixturevalue("postgres_server"))
    return Sites("sqlite")


@pytest.fixture(scope="session")
def empty_template(sites, tmp_path_factory) -> Site:
    """What `flask directory init` makes: the schema at head, the catalogue, an empty index."""
    site = sites.new(tmp_path_factory.mktemp("empty-template"))
    application = sites.app(site)
    prepare(application)
    get_database(application).engine.dispose()
    yield site
    sites.discard(site)


@pytest.fixture
def app(sites, empty_template, tmp_path):
    """An initialised app with the catalogue and no organizations."""
    with sites.open_copy(empty_template, tmp_path) as application:
        yield application


@pytest.fixture(scope="session")
def demo_template(sites, empty_template, tmp_path_factory) -> Site:
    site = sites.copy(empty_template, tmp_path_factory.mktemp("demo-template"))
    application = sites.app(site)
    import_demo(application)
    get_database(application).engine.dispose()
    yield site
    sites.discard(site)


@pytest.fixture
def demo_app(sites, demo_template, tmp_path):
    """An app holding the demo federation, imported through the real importer."""
    with sites.open_copy(demo_template, tmp_path / "site") as application:
        yield application


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


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    import socket

    inbox = Inbox()
    # aiosmtpd checks readiness by connecting to the port it was given, so it needs a real one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def mail_app(sites, demo_template, tmp_path, smtp_server):
    """The demo app, sending its mail to the test SMTP server."""
    with sites.open_copy(
        demo_template,
        tmp_path / "site",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        PORTEE_BASE_URL="http://portee.test",
    ) as application:
        yield application
