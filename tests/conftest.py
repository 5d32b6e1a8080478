"""Fixtures: an app on a real SQLite file and a real Whoosh index in a temporary folder.

Importing the demo federation takes a few seconds, so it is done once per session into a
template folder; `demo_app` copies that folder for each test (tests may write to it freely).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# Browser fixtures (live_server, browser, new_page), for every browser test module.
from browsing import browser, live_server, new_page  # noqa: E402,F401

from directory.cli import DEMO_HOSTS
from directory.db import get_database
from support import import_demo, make_app, prepare

__all__ = ["import_demo", "make_app", "prepare"]


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
    shutil.copytree(demo_template, folder, symlinks=True)  # the index's `current` link
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


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database (scripts/with-postgres starts the server).

    Skipped where no server is given, except in CI, where PostgreSQL must be tested.
    """
    import os
    import uuid

    import sqlalchemy as sa

    admin_url = os.environ.get("PORTEE_TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("PORTEE_TEST_POSTGRES_URL is not set: run the tests through `make test`")
        pytest.skip("no PostgreSQL server (run the tests through `make test`)")
    name = f"portee_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield admin_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


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
def mail_app(demo_template, tmp_path, smtp_server):
    """The demo app, sending its mail to the test SMTP server."""
    folder = tmp_path / "site"
    shutil.copytree(demo_template, folder, symlinks=True)  # the index's `current` link
    application = make_app(
        folder,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        PORTEE_BASE_URL="http://portee.test",
    )
    yield application
    get_database(application).engine.dispose()
