"""Where the test apps keep their data: SQLite files or PostgreSQL databases (`pytest --db`).

A site is a folder (the Whoosh index, the mail folder and, on SQLite, the database file) and a
database URL. The fixtures build a site once per session (the catalogue alone; the demo
federation) and give each test a copy: on SQLite, copying the folder copies the database file;
on PostgreSQL, the database is copied by the server (`CREATE DATABASE … TEMPLATE …`, a copy of
its files), which takes a fraction of a second where importing the demo again takes seconds.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from directory.db import get_database
from support import make_app

KINDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Site:
    folder: Path
    database_url: str


class PostgresServer:
    """Creates and drops databases on the server scripts/with-postgres started."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.databases: set[str] = set()

    def url(self, name: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def create(self, template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (which nobody may be connected to)."""
        name = f"portee_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self.engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
        self.databases.add(name)
        return name

    def drop(self, name: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.databases.discard(name)

    def close(self) -> None:
        for name in list(self.databases):
            self.drop(name)
        self.engine.dispose()


def database_name(url: str) -> str:
    return sa.make_url(url).database


class Sites:
    """Makes, copies and discards sites on one kind of database."""

    def __init__(self, kind: str, server: PostgresServer | None = None) -> None:
        assert kind in KINDS and (kind == "sqlite" or server is not None)
        self.kind = kind
        self.server = server

    def _url(self, folder: Path, template: Site | None = None) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{folder / 'portee.sqlite3'}"
        source = database_name(template.database_url) if template else None
        return self.server.url(self.server.create(template=source))

    def new(self, folder: Path) -> Site:
        """A site with an empty database (no schema)."""
        folder.mkdir(parents=True, exist_ok=True)
        return Site(folder, self._url(folder))

    def copy(self, template: Site, folder: Path) -> Site:
        """A copy of `template`: its folder and its database (close every app on it first)."""
        # Links (as an index may keep to its current generation) are copied as links.
        shutil.copytree(template.folder, folder, symlinks=True, dirs_exist_ok=True)
        return Site(folder, self._url(folder, template))

    def app(self, site: Site, **overrides):
        return make_app(site.folder, DATABASE_URL=site.database_url, **overrides)

    def discard(self, site: Site) -> None:
        """Drop the site's database (PostgreSQL; a SQLite file goes with its temporary folder)."""
        if self.kind == "postgresql":
            self.server.drop(database_name(site.database_url))

    @contextmanager
    def open_copy(self, template: Site, folder: Path, **overrides) -> Iterator:
        """An app on a copy of `template`, closed and discarded afterwards."""
        site = self.copy(template, folder)
        app = self.app(site, **overrides)
        try:
            yield app
        finally:
            get_database(app).engine.dispose()
            self.discard(site)
