"""`flask` commands: `directory init|demo|import`, `search rebuild`. Long ones show progress."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import select

from directory.admin_cli import accounts_cli
from directory.catalog import load_catalog
from directory.db import get_database
from directory.feeds.fetch import DirectoryTransport, Fetcher
from directory.feeds.runner import (
    due_federations,
    run_federation_import,
    run_organization_sources,
)
from directory.models import Organization
from directory.sources import ORGANIZATION_SOURCE_KINDS, SourceError, add_source

ROOT = Path(__file__).resolve().parent.parent
DEMO_HOSTS = ROOT / "demo" / "hosts"
DEMO_FEDERATION = "https://federation.portee.example/chatonsinfos/federation.properties"
# What two demo hosts added from their dashboard besides their ChatonsInfos files: a news feed
# and a LibreHosters description (written by demo/generate.py).
DEMO_SOURCES = (
    ("https://pelote.example/", "news", "https://pelote.example/actualites.xml"),
    ("https://zinneke.example/", "json", "https://zinneke.example/librehost.json"),
)

directory_cli = AppGroup("directory", help="The directory's database, catalogue and demo data.")
feeds_cli = AppGroup("feeds", help="The importer of hosts' published metadata.")
search_cli = AppGroup("search", help="The derived search index.")


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(app: Flask) -> None:
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), "head")


@directory_cli.command("init")
def init_command() -> None:
    """Create or upgrade the database (never drops data), load the catalogue, and rebuild the
    search index unless it is this database's (progress bar)."""
    upgrade_database(current_app)
    database = get_database()
    with database.session_scope() as session:
        summary = load_catalog(session)
        session.commit()
    # The index must belong to this database: rebuilt if it is missing, was built by another
    # version or from another database, or counts other offers than the database.
    service = current_app.extensions["portee.search"]
    why, count = with_progress(service.ensure_index)
    if why is None:
        state = f"present ({service.index.document_count()} offers)"
    else:
        state = f"rebuilt ({REBUILT_BECAUSE[why]}): {count} offers indexed"
    click.echo(
        f"Database at head; catalogue: {summary.categories} categories, "
        f"{summary.software} software; search index {state}."
    )


REBUILT_BECAUSE = {
    "missing": "there was none",
    "version": "it was built by another version",
    "database": "it was built from another database",
    "empty": "it was empty beside offers in the database",
    "count": "it held another number of offers than the database",
    "unreadable": "it could not be read",
}


def with_progress(rebuild):
    """Run `rebuild(total=…, advance=…)` with a progress bar once the number is known."""
    state: dict = {}

    def total(count: int) -> None:
        if count:
            state["bar"] = click.progressbar(length=count, label="Indexing organizations")
            state["bar"].__enter__()

    def advance(n: int) -> None:
        if "bar" in state:
            state["bar"].update(n)

    try:
        return rebuild(total=total, advance=advance)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


def import_with_progress(url: str, fetcher: Fetcher, trigger: str) -> None:
    database = get_database()
    state: dict = {}

    def on_start(total: int) -> None:
        state["bar"] = click.progressbar(length=total, label="Importing organizations")
        state["bar"].__enter__()

    def on_progress(_bundle) -> None:
        state["bar"].update(1)

    try:
        # Index in batches: one Whoosh commit per 200 organizations, not one each.
        with current_app.extensions["portee.search"].batched():
            run = run_federation_import(
                database,
                fetcher,
                url,
                trigger=trigger,
                on_start=on_start,
                on_progress=on_progress,
            )
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    echo_run(run)


def echo_run(run) -> None:
    click.echo(
        f"Import run {run.id}: {run.sources_tried} files read, {run.changed} changed, "
        f"{run.unchanged} unchanged, {run.failed} failed."
    )


@directory_cli.command("demo")
def demo_command() -> None:
    """Import the demo federation (files in demo/hosts/) through the real importer."""
    with Fetcher(transport=DirectoryTransport(DEMO_HOSTS)) as fetcher:
        import_with_progress(DEMO_FEDERATION, fetcher, trigger="demo")
        database = get_database()
        with database.session_scope() as session:
            for website, kind, url in DEMO_SOURCES:
                organization = session.exec(
                    select(Organization).where(Organization.website == website)
                ).first()
                if organization is not None:
                    add_source(session, organization, url, kind)
            session.commit()
        click.echo("News feeds and JSON descriptions:")
        echo_run(run_organization_sources(database, fetcher, trigger="demo"))


@feeds_cli.command("import")
@click.argument("url")
def import_command(url: str) -> None:
    """Import every organization listed by the federation file at URL (members: the federation
    vouches for them)."""
    with Fetcher.from_config(current_app.config) as fetcher:
        import_with_progress(url, fetcher, trigger="cli")


@feeds_cli.command("refresh")
def refresh_command() -> None:
    """Fetch again every source that is due: federations, JSON descriptions, news feeds
    (for a cron job or a systemd timer)."""
    database = get_database()
    due = due_federations(database)
    with Fetcher.from_config(current_app.config) as fetcher:
        for url in due:
            import_with_progress(url, fetcher, trigger="refresh")
        run = run_organization_sources(database, fetcher, trigger="refresh", due_only=True)
    echo_run(run)
    click.echo(notify_stale())


@feeds_cli.command("notify-stale")
def notify_stale_command() -> None:
    """E-mail the hosts whose file has not been read for too long (once per step)."""
    click.echo(notify_stale())


def notify_stale() -> str:
    from flask import render_template

    from directory import staleness
    from directory.mail import send_mail
    from directory.timeutil import utcnow

    config = current_app.config

    def send(notice) -> None:
        sources_url = (
            f"{config['PORTEE_BASE_URL']}/dashboard/organizations/{notice.organization.id}/sources"
        )
        body = render_template("mail/stale.txt", notice=notice, sources_url=sources_url)
        subject = f"Portée: {notice.organization.name}"
        for address in notice.recipients:
            send_mail(address, subject, body)

    with get_database().session_scope() as session:
        notices = staleness.send_notices(
            session,
            utcnow(),
            config["PORTEE_STALE_AFTER_DAYS"],
            config["PORTEE_HIDE_STALE_AFTER_DAYS"],
            send,
        )
        session.commit()
    return f"Stale listings: {len(notices)} hosts notified."


@feeds_cli.command("add-source")
@click.argument("organization_slug")
@click.argument("kind", type=click.Choice(ORGANIZATION_SOURCE_KINDS))
@click.argument("url")
def add_source_command(organization_slug: str, kind: str, url: str) -> None:
    """Bind a JSON description (librehost.json) or a news feed to an organization, then read it."""
    database = get_database()
    with database.session_scope() as session:
        organization = session.exec(
            select(Organization).where(Organization.slug == organization_slug)
        ).first()
        if organization is None:
            raise click.ClickException(f"no organization '{organization_slug}'")
        try:
            add_source(session, organization, url, kind)
        except SourceError as exc:
            raise click.ClickException(f"cannot add this source: {exc.code}") from exc
        session.commit()
        organization_id = organization.id
    with Fetcher.from_config(current_app.config) as fetcher:
        run = run_organization_sources(
            database, fetcher, trigger="cli", organization_id=organization_id
        )
    echo_run(run)


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Rebuild the search index from the database (the database is the truth)."""
    count = with_progress(current_app.extensions["portee.search"].rebuild)
    click.echo(f"Search index rebuilt: {count} offers indexed.")


def init_app(app: Flask) -> None:
    app.cli.add_command(accounts_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(feeds_cli)
    app.cli.add_command(search_cli)
