"""Migrations and models on SQLite and PostgreSQL: the schema Alembic builds is the models'."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from directory.cli import alembic_config
from directory.db import get_database
from directory.models import Organization, Service
from support import import_demo, make_app, prepare


def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres_url")


def schema_drift(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def test_upgrade_builds_exactly_the_models_schema(database_url):
    command.upgrade(alembic_config(database_url), "head")
    assert schema_drift(database_url) == []


def test_downgrade_and_upgrade_again(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = sa.create_engine(database_url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")
    assert schema_drift(database_url) == []


def test_upgrade_keeps_data(database_url, tmp_path):
    """Rows written under the first schema survive every later migration."""
    config = alembic_config(database_url)
    command.upgrade(config, "0001")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO organization (slug, name, status, membership, languages, social,"
                " extra, created_at, updated_at) VALUES ('kept', 'Kept', 'active', 'member',"
                " '[]', '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO source (url, kind, consecutive_failures, warnings)"
                " VALUES ('https://kept.example/organization.properties', 'organization', 0, '[]')"
            )
        )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT name FROM organization")).scalar() == "Kept"
        assert connection.execute(sa.text("SELECT kind FROM source")).scalar() == "organization"
    engine.dispose()


def test_demo_import_and_search_on_postgresql(postgres_url, tmp_path):
    """The whole spine on PostgreSQL: migrations, catalogue, importer, index, API."""
    app = make_app(tmp_path, DATABASE_URL=postgres_url)
    prepare(app)
    run = import_demo(app)
    assert run.failed == 1  # the demo's deliberate 404
    again = import_demo(app)  # unchanged and failed files: the ledger's batched statements
    assert (again.changed, again.unchanged, again.failed) == (0, run.sources_tried - 1, 1)
    with get_database(app).session_scope() as session:
        assert len(session.exec(select(Organization)).all()) >= 30
        assert len(session.exec(select(Service)).all()) >= 200
    response = app.test_client().get("/api/v1/search?q=visio")
    assert response.status_code == 200
    assert response.get_json()["total"] > 0
    get_database(app).engine.dispose()


def test_0007_fills_the_website_domain_of_existing_organizations(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, "0006")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        for slug, website in (
            ("www", "https://WWW.Chaton.example/accueil"),
            ("bare", "http://autre.example:8080"),
            ("none", None),
            ("odd", "http://[::1"),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO organization (slug, name, website, status, membership,"
                    " languages, social, extra, created_at, updated_at) VALUES (:slug, :slug,"
                    " :website, 'active', 'member', '[]', '{}', '{}', CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                ),
                {"slug": slug, "website": website},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT slug, website_domain FROM organization"))
        assert dict(rows.all()) == {
            "www": "chaton.example",
            "bare": "autre.example",
            "none": None,
            "odd": None,
        }
    command.downgrade(config, "0006")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("organization")}
    assert "website_domain" not in columns and "website" in columns
    engine.dispose()
