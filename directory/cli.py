"""`flask` commands: `directory init|demo`, `feeds import|refresh|sources|add-source|
remove-source|repair`, `probes run`, `search rebuild|follow`. Long ones show progress and end with a
summary; the importer's and the probes' commands list every file or service that failed, with
its reason, in English."""

from __future__ import annotations

import time
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import Session, select

from directory import ownership
from directory.admin_cli import accounts_cli
from directory.catalog import load_catalog
from directory.db import get_database
from directory.feeds.issues import Issue
from directory.feeds.repair import repair
from directory.feeds.runner import (
    all_federations,
    due_federations,
    forget_if_never_read,
    run_federation_import,
    run_organization_sources,
)
from directory.models import ImportResult, ImportRun, Organization, Source
from directory.outbound.fetch import DirectoryTransport, Fetcher
from directory.outbound.guard import AddressPolicy, Refused
from directory.probes.mails import notify_outages
from directory.probes.proofs import recheck_proofs
from directory.probes.runner import ProbeSettings, RunSummary, probe_fetcher, run_probes
from directory.sources import ORGANIZATION_SOURCE_KINDS, SourceError, add_source, remove_source
from directory.timeutil import utcnow

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
probes_cli = AppGroup("probes", help="Checks that offered services answer and run their software.")


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


def import_with_progress(url: str, fetcher: Fetcher, trigger: str) -> ImportRun:
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
    return run


def echo_run(run) -> None:
    """The run's totals, then each file that failed or was held, with its reason."""
    click.echo(
        f"Import run {run.id}: {run.sources_tried} files read, {run.changed} changed, "
        f"{run.unchanged} unchanged, {run.failed} failed."
    )
    with get_database().session_scope() as session:
        failures = session.exec(
            select(ImportResult.url, ImportResult.outcome, ImportResult.error)
            .where(ImportResult.run_id == run.id, ImportResult.outcome.in_(("failed", "held")))
            .order_by(ImportResult.url)
        ).all()
    for url, outcome, error in failures:
        click.echo(f"  {'held' if outcome == 'held' else 'failed'}: {url}: {error}")


def root_failed(run: ImportRun, url: str) -> str | None:
    """Why the file a run started from could not be read (None when it was)."""
    with get_database().session_scope() as session:
        return session.exec(
            select(ImportResult.error).where(
                ImportResult.run_id == run.id,
                ImportResult.url == url,
                ImportResult.outcome.in_(("failed", "held")),
            )
        ).first()


def checked_address(url: str) -> str:
    """The canonical form of an address given on the command line, or a clear refusal."""
    try:
        return AddressPolicy.from_config(current_app.config).check_entry(url)
    except Refused as refused:
        message = Issue(refused.code, params=refused.params).message
        raise click.ClickException(f"cannot read {url}: {message}") from refused


@directory_cli.command("demo")
def demo_command() -> None:
    """Import the demo federation (files in demo/hosts/) through the real importer."""
    # The demo's hosts are folders of this repository: nothing is resolved or fetched.
    demo_policy = AddressPolicy(allow_private=True)
    with Fetcher(transport=DirectoryTransport(DEMO_HOSTS), policy=demo_policy) as fetcher:
        import_with_progress(DEMO_FEDERATION, fetcher, trigger="demo")
        database = get_database()
        with database.session_scope() as session:
            for website, kind, url in DEMO_SOURCES:
                organization = session.exec(
                    select(Organization).where(Organization.website == website)
                ).first()
                if organization is not None:
                    add_source(session, organization, url, kind, fetcher.policy)
            session.commit()
        click.echo("News feeds and JSON descriptions:")
        echo_run(run_organization_sources(database, fetcher, trigger="demo"))


@feeds_cli.command("import")
@click.argument("url")
def import_command(url: str) -> None:
    """Import every organization listed by the federation file at URL (members: the federation
    vouches for them). Exits with an error when the file at URL itself cannot be read; a file
    that never could is not kept."""
    url = checked_address(url)
    with Fetcher.from_config(current_app.config) as fetcher:
        run = import_with_progress(url, fetcher, trigger="cli")
    reason = root_failed(run, url)
    if reason is not None:
        if forget_if_never_read(get_database(), url):
            click.echo(f"{url} was never read: it is not kept, and will not be read again.")
        raise click.ClickException(f"the federation file could not be read: {reason}")


@feeds_cli.command("refresh")
@click.option("--all", "everything", is_flag=True, help="Read every source now, due or not.")
def refresh_command(everything: bool) -> None:
    """Fetch again every source that is due (or, with --all, every source): federations, JSON
    descriptions, news feeds (for a cron job or a systemd timer)."""
    database = get_database()
    federations = all_federations(database) if everything else due_federations(database)
    with Fetcher.from_config(current_app.config) as fetcher:
        for url in federations:
            import_with_progress(url, fetcher, trigger="refresh")
        run = run_organization_sources(
            database, fetcher, trigger="refresh", due_only=not everything
        )
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
        organization = _organization(session, organization_slug)
        try:
            add_source(
                session, organization, url, kind, AddressPolicy.from_config(current_app.config)
            )
        except SourceError as exc:
            reason = exc.code
            if exc.issue is not None:
                reason = Issue(exc.issue["code"], params=exc.issue["params"]).message
            raise click.ClickException(f"cannot add this source: {reason}") from exc
        session.commit()
        organization_id = organization.id
    with Fetcher.from_config(current_app.config) as fetcher:
        run = run_organization_sources(
            database, fetcher, trigger="cli", organization_id=organization_id
        )
    echo_run(run)


@feeds_cli.command("sources")
@click.argument("organization_slug", required=False)
def sources_command(organization_slug: str | None) -> None:
    """List the sources (of one organization, or all) with their status, last good read and
    last error."""
    with get_database().session_scope() as session:
        statement = (
            select(Source, Organization.slug)
            .outerjoin(Organization, Organization.id == Source.organization_id)
            .order_by(Source.kind, Source.url)
        )
        if organization_slug:
            organization = _organization(session, organization_slug)
            statement = statement.where(Source.organization_id == organization.id)
        rows = session.exec(statement).all()
        for source, slug in rows:
            click.echo(
                f"{source.id:>6}  {source.kind:<12} {_status(source):<10} "
                f"last good read: {_when(source.last_success_at):<16}  {slug or '-'}  {source.url}"
            )
            if source.last_error:
                click.echo(f"{'':>8}last error: {source.last_error}")
        click.echo(f"{len(rows)} sources.")


def _status(source: Source) -> str:
    if source.last_attempt_at is None:
        return "not read"
    return "failing" if source.consecutive_failures else "ok"


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"


def _organization(session: Session, slug: str) -> Organization:
    organization = session.exec(select(Organization).where(Organization.slug == slug)).first()
    if organization is None:
        raise click.ClickException(f"no organization '{slug}'")
    return organization


@feeds_cli.command("remove-source")
@click.argument("source_id", type=int)
def remove_source_command(source_id: int) -> None:
    """Forget one source (and the service files it lists); what it published stays."""
    with get_database().session_scope() as session:
        source = session.get(Source, source_id)
        if source is None:
            raise click.ClickException(f"no source {source_id}")
        parent = session.get(Source, source.parent_id) if source.parent_id else None
        if parent is not None:
            # It would come back at the parent's next read: the parent file is what to change.
            raise click.ClickException(
                f"source {source_id} is listed by the {parent.kind} file {parent.url} "
                f"(source {parent.id}): remove it from that file"
            )
        url = source.url
        remove_source(session, source)
        session.commit()
    click.echo(f"Removed source {source_id} ({url}).")


@feeds_cli.command("repair")
def repair_command() -> None:
    """Put back files that other hosts' subs lines had taken, cut parent cycles, write every
    address in its canonical form, retire services published twice (see
    directory/feeds/repair.py). The files it touched are read in full at the next refresh."""
    with get_database().session_scope() as session:
        report = repair(session)
        session.commit()
    for change in report.changes:
        click.echo(f"  repaired: {change}")
    for problem in report.problems:
        click.echo(f"  left for a person: {problem}")
    click.echo(
        f"Repair: {len(report.changes)} changes, {len(report.problems)} left for a person; "
        f"{len(report.organizations)} organizations will be read again in full at the next "
        "`flask feeds refresh`."
    )


@probes_cli.command("run")
def probes_run_command() -> None:
    """Check every offered service that is due (for a cron job or a systemd timer every
    PORTEE_PROBE_INTERVAL_SECONDS, 5 minutes by default); a run ends within that interval."""
    settings = ProbeSettings.from_config(current_app.config)
    state: dict = {}

    def on_start(total: int) -> None:
        if total:
            state["bar"] = click.progressbar(length=total, label="Checking services")
            state["bar"].__enter__()

    def on_progress() -> None:
        state["bar"].update(1)

    until = time.monotonic() + settings.budget
    try:
        with probe_fetcher(current_app.config, settings) as fetcher:
            summary = run_probes(
                get_database(), fetcher, settings, on_start=on_start, on_progress=on_progress
            )
            after = after_probes(fetcher, until)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    echo_probes(summary)
    for line in after:
        click.echo(line)


def after_probes(fetcher: Fetcher, until: float) -> list[str]:
    """After the checks: domain proofs due their monthly check, then the outage e-mails."""
    resolver = current_app.extensions.get("portee.txt_resolver", ownership.dns_txt_resolver)
    with get_database().session_scope() as session:
        proofs = recheck_proofs(session, fetcher, resolver, utcnow(), until=until)
        session.commit()
        lines = [
            f"Domain proofs: {proofs.checked} checked again"
            + (f"; no longer verified: {', '.join(proofs.lapsed)}" if proofs.lapsed else "")
            + "."
        ]
        lines.append(notify_outages(session, utcnow()))
        session.commit()
    return lines


def echo_probes(summary: RunSummary) -> None:
    """The run's totals, then each service found unavailable, with the reason."""
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.outcomes.items()))
    click.echo(
        f"Probes: {summary.due} services due, {summary.checked} checked"
        + (f" ({counts})" if counts else "")
        + (f", {summary.left} left for the next run (time budget)" if summary.left else "")
        + f"; {summary.folded} older checks folded into hourly counts"
        + f" ({summary.seconds:.1f} s)."
    )
    for name, url, outcome, issue in summary.problems:
        click.echo(f"  {outcome}: {name} <{url}>" + (f": {issue.message}" if issue else ""))


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Rebuild the search index from the database (the database is the truth)."""
    count = with_progress(current_app.extensions["portee.search"].rebuild)
    click.echo(f"Search index rebuilt: {count} offers indexed.")


@search_cli.command("follow")
@click.option("--once", is_flag=True, help="One pass (rebuild if needed, apply, prune), then exit.")
def follow_command(once: bool) -> None:
    """Keep this node's index in step with the database's change table (one per node)."""
    import signal
    import threading

    from search.follow import Follower, default_node_name

    config = current_app.config
    name = config["PORTEE_NODE_NAME"] or default_node_name(config["PORTEE_INDEX_DIR"])
    follower = Follower(current_app.extensions["portee.search"], name)

    def report(done) -> None:
        rebuilt = f"index rebuilt ({done.rebuilt}), " if done.rebuilt else ""
        pruned = f", {done.pruned} old changes pruned" if done.pruned else ""
        click.echo(f"{rebuilt}{done.applied} organizations re-indexed, mark {done.mark}{pruned}")

    if once:
        report(follower.step())
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Following the change table as node {name!r}.")
    follower.run(stop, poll=config["PORTEE_FOLLOW_POLL_SECONDS"], report=report)
    click.echo("Follower stopped.")


def init_app(app: Flask) -> None:
    app.cli.add_command(accounts_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(feeds_cli)
    app.cli.add_command(probes_cli)
    app.cli.add_command(search_cli)
