"""The importer end to end on the demo federation: publish, keep, retire, hold, never lose."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from directory import listings
from directory.db import get_database
from directory.models import (
    ImportResult,
    Organization,
    Provenance,
    Service,
    Source,
)
from search import SearchParams, get_search
from support import import_demo

CHATONLIBRE = "chatonlibre.example/.well-known/chatonsinfos"
ORG_URL = f"https://{CHATONLIBRE}/organization.properties"


def edit(hosts: Path, relative: str, old: str, new: str) -> None:
    path = hosts / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def organization_by_source(session, url: str = ORG_URL) -> Organization:
    source = session.exec(select(Source).where(Source.url == url)).one()
    return session.get(Organization, source.organization_id)


def offers(app, text="", **filters) -> int:
    with app.app_context():
        params = SearchParams(text=text, filters={k: (v,) for k, v in filters.items()})
        return get_search().search(params).total


def test_demo_federation_is_published(app, demo_hosts):
    run = import_demo(app, demo_hosts)
    assert run.finished_at is not None
    assert run.failed == 1 and run.changed == run.sources_tried - 1
    with get_database(app).session_scope() as session:
        organizations = session.exec(select(Organization)).all()
        services = session.exec(select(Service)).all()
        assert len(organizations) >= 30 and len(services) >= 200
        assert {o.membership for o in organizations} == {"member"}
        failure = session.exec(select(ImportResult).where(ImportResult.outcome == "failed")).one()
        assert failure.error == "the server answered 404"
        assert failure.url.endswith("terril.example/.well-known/chatonsinfos/wiki.properties")
        unknown = [s for s in services if s.software_id is None]
        assert {s.software_declared for s in unknown} == {"Hubzilla", "Zammad", "Paheko"}
        flagged = session.exec(select(Source).where(Source.service_id == unknown[0].id)).one()
        assert "unknown_software" in [w["code"] for w in flagged.warnings]
        origins = set(session.exec(select(Provenance.origin)).all())
        assert origins == {"file"}
    assert offers(app) > 200


def test_second_import_of_unchanged_files_costs_only_304s(app, demo_hosts):
    import_demo(app, demo_hosts)
    again = import_demo(app, demo_hosts)
    assert again.changed == 0
    assert again.unchanged == again.sources_tried - 1
    with get_database(app).session_scope() as session:
        statuses = session.exec(
            select(ImportResult.http_status).where(
                ImportResult.run_id == again.id, ImportResult.outcome == "unchanged"
            )
        ).all()
    assert set(statuses) == {304}


def say_the_pad_is_full(hosts) -> None:
    """Chaton Libre's pad file now says FULL (one changed file among unchanged ones)."""
    edit(
        hosts,
        f"{CHATONLIBRE}/pad.properties",
        "service.registration.load = OPEN",
        "service.registration.load = FULL",
    )


def test_a_changed_service_reaches_the_index(app, demo_hosts):
    import_demo(app, demo_hosts)
    full_before = offers(app, load="full")
    say_the_pad_is_full(demo_hosts)
    run = import_demo(app, demo_hosts)
    assert run.changed == 1
    assert offers(app, load="full") == full_before + 1


def test_a_service_dropped_from_the_file_is_retired_not_deleted(app, demo_hosts):
    import_demo(app, demo_hosts)
    pads = offers(app, "etherpad")
    edit(
        demo_hosts,
        f"{CHATONLIBRE}/organization.properties",
        f"subs.pad = https://{CHATONLIBRE}/pad.properties\n",
        "",
    )
    import_demo(app, demo_hosts)
    with get_database(app).session_scope() as session:
        pad = session.exec(select(Service).where(Service.name == "Pad du Chaton Libre")).one()
        assert pad.retired_at is not None
    assert offers(app, "etherpad") == pads - 1
    # Back in the file: back in the index.
    edit(
        demo_hosts,
        f"{CHATONLIBRE}/organization.properties",
        f"subs.calc = https://{CHATONLIBRE}/calc.properties",
        f"subs.pad = https://{CHATONLIBRE}/pad.properties\n"
        f"subs.calc = https://{CHATONLIBRE}/calc.properties",
    )
    import_demo(app, demo_hosts)
    assert offers(app, "etherpad") == pads


def test_a_broken_file_keeps_the_last_good_listing(app, demo_hosts):
    import_demo(app, demo_hosts)
    edit(
        demo_hosts,
        f"{CHATONLIBRE}/organization.properties",
        "organization.name = Le Chaton Libre",
        "organization.nom = Le Chaton Libre",
    )
    edit(
        demo_hosts,
        f"{CHATONLIBRE}/pad.properties",
        "service.registration = None",
        "service.registration = Sometimes",
    )
    before = offers(app)
    run = import_demo(app, demo_hosts)
    assert run.failed == 3  # the demo's 404, the organization file, the pad file
    with get_database(app).session_scope() as session:
        organization = organization_by_source(session)
        assert organization.name == "Le Chaton Libre"
        source = session.exec(select(Source).where(Source.url == ORG_URL)).one()
        assert source.last_error == "'organization.name' is required"
        assert [e["code"] for e in source.errors] == ["missing_required"]
        assert source.consecutive_failures == 1
        pad_source = session.exec(
            select(Source).where(Source.url == f"https://{CHATONLIBRE}/pad.properties")
        ).one()
        assert pad_source.last_error.startswith("line 17: 'service.registration' must be one of")
        pad = session.get(Service, pad_source.service_id)
        assert pad.registration == "none" and pad.retired_at is None
    assert offers(app) == before


def test_a_vanished_organization_file_keeps_the_listing(app, demo_hosts):
    import_demo(app, demo_hosts)
    before = offers(app)
    (demo_hosts / CHATONLIBRE / "organization.properties").unlink()
    import_demo(app, demo_hosts)
    assert offers(app) == before
    with get_database(app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == ORG_URL)).one()
        assert source.last_error == "the server answered 404"


def test_a_file_never_overwrites_a_moderators_value(app, demo_hosts):
    import_demo(app, demo_hosts)
    with get_database(app).session_scope() as session:
        organization = organization_by_source(session)
        listings.set_fields(
            session,
            organization,
            {"description": "Set by the collective"},
            "moderator",
            actor="moderator@example",
        )
        session.commit()
    edit(
        demo_hosts,
        f"{CHATONLIBRE}/organization.properties",
        "organization.name = Le Chaton Libre",
        "organization.name = Le Chaton Très Libre",
    )
    import_demo(app, demo_hosts)
    with get_database(app).session_scope() as session:
        organization = organization_by_source(session)
        assert organization.name == "Le Chaton Très Libre"
        assert organization.description == "Set by the collective"
        provenance = listings.provenance_of(session, organization)
        assert provenance["description"].origin == "moderator"
        assert provenance["name"].origin == "file"


def test_a_file_claiming_another_hosts_website_is_held(app, demo_hosts):
    import_demo(app, demo_hosts)
    impostor = demo_hosts / "impostor.example/chatonsinfos/organization.properties"
    impostor.parent.mkdir(parents=True)
    impostor.write_text(
        "file.class = organization\norganization.name = Pas le Chaton Libre\n"
        "organization.website = https://chatonlibre.example/\n",
        encoding="utf-8",
    )
    edit(
        demo_hosts,
        "federation.portee.example/chatonsinfos/federation.properties",
        "subs.chatonlibre =",
        "subs.impostor = https://impostor.example/chatonsinfos/organization.properties\n"
        "subs.chatonlibre =",
    )
    import_demo(app, demo_hosts)
    with get_database(app).session_scope() as session:
        names = session.exec(select(Organization.name)).all()
        assert "Pas le Chaton Libre" not in names
        held = session.exec(select(ImportResult).where(ImportResult.outcome == "held")).one()
        assert "belongs to another organization" in held.error


def test_import_command_shows_progress_and_a_summary(app):
    result = app.test_cli_runner().invoke(args=["directory", "demo"])
    assert result.exit_code == 0, result.output
    assert "Importing organizations" in result.output
    assert "files read" in result.output and "1 failed" in result.output
    # The demo's news feed and JSON description were read too, and show on the hosts' pages.
    assert "News feeds and JSON descriptions" in result.output
    client = app.test_client()
    with get_database(app).session_scope() as session:
        slugs = dict(session.exec(select(Organization.website, Organization.slug)).all())
    pelote = client.get(f"/hosts/{slugs['https://pelote.example/']}").get_data(as_text=True)
    assert "Assemblée générale de la coopérative" in pelote
    zinneke = client.get(f"/api/v1/organizations/{slugs['https://zinneke.example/']}").get_json()
    assert zinneke["name"] == "Zinneke Numérique"


def test_refresh_imports_only_what_is_due(app, demo_hosts):
    from datetime import timedelta

    from directory.feeds.runner import due_federations
    from directory.timeutil import utcnow

    database = get_database(app)
    assert due_federations(database) == []
    import_demo(app, demo_hosts)
    assert due_federations(database) == []
    later = utcnow() + timedelta(hours=7)
    assert due_federations(database, now=later) == [
        "https://federation.portee.example/chatonsinfos/federation.properties"
    ]


def services_of(session, organization: Organization) -> dict[int, tuple]:
    statement = select(Service).where(Service.organization_id == organization.id)
    return {s.id: (s.name, s.registration, s.load, s.retired_at) for s in session.exec(statement)}


def offered_ids(app) -> set[int]:
    """Every offer the search returns, page after page."""
    found: set[int] = set()
    page = 1
    with app.app_context():
        while True:
            results = get_search().search(SearchParams(page=page, per_page=100))
            found.update(results.service_ids)
            if page >= results.pages:
                return found
            page += 1


def test_an_html_page_instead_of_a_file_is_refused_clearly(app, demo_hosts):
    import_demo(app, demo_hosts)
    with get_database(app).session_scope() as session:
        listed = services_of(session, organization_by_source(session))
    assert len(listed) >= 3 and all(retired is None for *_, retired in listed.values())
    offered = offered_ids(app)
    assert set(listed) <= offered
    (demo_hosts / CHATONLIBRE / "organization.properties").write_text(
        "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>", encoding="utf-8"
    )
    run = import_demo(app, demo_hosts)
    assert run.failed == 2  # the demo's 404 and the page
    with get_database(app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == ORG_URL)).one()
        assert source.last_error == "expected a ChatonsInfos file, but the server sent a web page"
        organization = organization_by_source(session)
        assert organization.name == "Le Chaton Libre"
        # A page that lists no service retires none: every service stays as it was, offered.
        assert services_of(session, organization) == listed
    assert offered_ids(app) == offered
