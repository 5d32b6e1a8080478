"""A re-import at scale: unchanged and failing files take the batched path (directory/feeds/
ledger.py) without changing a listing or the index; the takeover guard reads an indexed
domain; "refresh now" reads only its host's sources; 304s reuse their connection."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import func, select
from test_import import CHATONLIBRE, ORG_URL, edit, say_the_pad_is_full

from directory import listings
from directory.db import get_database
from directory.feeds.issues import Issue
from directory.feeds.ledger import MAX_BACKOFF, attempt
from directory.feeds.reconcile import FileOutcome
from directory.feeds.runner import refresh_organization
from directory.models import (
    ImportResult,
    ImportRun,
    Organization,
    Provenance,
    Service,
    Source,
    website_domain,
)
from directory.outbound.fetch import DirectoryTransport, Fetcher, FetchResult
from directory.outbound.guard import AddressPolicy
from directory.timeutil import utcnow
from support import import_demo

FEDERATION = "federation.portee.example/chatonsinfos/federation.properties"
MISSING = "https://terril.example/.well-known/chatonsinfos/wiki.properties"


@pytest.fixture
def reindexed(app, monkeypatch):
    """The sets of organizations the index was asked to re-index, in order."""
    calls: list[set[int]] = []
    service = app.extensions["portee.search"]
    original = service.reindex_organizations

    def spy(ids):
        calls.append(set(ids))
        return original(ids)

    monkeypatch.setattr(service, "reindex_organizations", spy)
    return calls


def snapshot(session):
    organizations = {o.id: o.updated_at for o in session.exec(select(Organization))}
    services = {s.id: (s.updated_at, s.retired_at) for s in session.exec(select(Service))}
    provenance = {p.id: p.confirmed_at for p in session.exec(select(Provenance))}
    return organizations, services, provenance


def test_website_domain_follows_every_write_of_the_website(app):
    assert website_domain("https://WWW.Chaton.Example:8443/a?b") == "chaton.example"
    assert website_domain("http://[::1") is None  # unreadable: no domain rather than a crash
    assert website_domain("") is None and website_domain(None) is None
    with get_database(app).session_scope() as session:
        organization = Organization(name="A", slug="a", website="https://www.a.example/")
        session.add(organization)
        session.commit()
        assert organization.website_domain == "a.example"
        listings.set_fields(session, organization, {"website": "https://b.example"}, "form")
        session.commit()
        assert session.exec(select(Organization.website_domain)).one() == "b.example"
        organization.website = None
        session.commit()
        assert session.exec(select(Organization.website_domain)).one() is None


def test_a_website_changed_by_a_moderator_is_still_guarded(app, demo_hosts):
    import_demo(app, demo_hosts)
    with get_database(app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == ORG_URL)).one()
        organization = session.get(Organization, source.organization_id)
        listings.set_fields(
            session, organization, {"website": "https://nouveau.example/"}, "moderator"
        )
        session.commit()
    impostor = demo_hosts / "impostor.example/chatonsinfos/organization.properties"
    impostor.parent.mkdir(parents=True)
    impostor.write_text(
        "file.class = organization\norganization.name = Pas le Chaton Libre\n"
        "organization.website = https://WWW.Nouveau.example/accueil\n",
        encoding="utf-8",
    )
    edit(
        demo_hosts,
        FEDERATION,
        "subs.chatonlibre =",
        "subs.impostor = https://impostor.example/chatonsinfos/organization.properties\n"
        "subs.chatonlibre =",
    )
    run = import_demo(app, demo_hosts)
    with get_database(app).session_scope() as session:
        assert "Pas le Chaton Libre" not in session.exec(select(Organization.name)).all()
        held = session.exec(
            select(ImportResult).where(
                ImportResult.run_id == run.id, ImportResult.outcome == "held"
            )
        ).one()
        assert "belongs to another organization" in held.error
        assert session.get(Source, held.source_id).organization_id is None


def test_an_unchanged_reimport_changes_no_listing_and_reindexes_nothing(app, demo_hosts, reindexed):
    first = import_demo(app, demo_hosts)
    assert reindexed  # the first import indexed what it published
    database = get_database(app)
    with database.session_scope() as session:
        before = snapshot(session)
        missing = session.exec(select(Source).where(Source.url == MISSING)).one()
        assert missing.consecutive_failures == 1
    reindexed.clear()
    started = utcnow()
    again = import_demo(app, demo_hosts)
    assert reindexed == []
    assert (again.changed, again.unchanged, again.failed) == (0, first.sources_tried - 1, 1)
    with database.session_scope() as session:
        assert snapshot(session) == before
        results = session.exec(select(ImportResult).where(ImportResult.run_id == again.id)).all()
        # One record per file read, the federation file's included.
        assert len(results) == again.sources_tried == first.sources_tried
        assert session.exec(select(ImportRun).where(ImportRun.id == again.id)).one().finished_at
        read = session.exec(select(Source).where(Source.kind.in_(("organization", "service"))))
        for source in read:
            assert source.last_attempt_at >= started
            if source.url == MISSING:  # failed again: its backoff grew
                assert source.consecutive_failures == 2
                assert source.next_due_at - source.last_attempt_at == timedelta(hours=4)
                assert [e["code"] for e in source.errors] == ["http_status"]
            else:
                assert source.last_success_at == source.last_attempt_at
                assert source.last_status == 304 and source.consecutive_failures == 0
                assert source.next_due_at - source.last_success_at == timedelta(hours=6)
        failed = [r for r in results if r.outcome == "failed"]
        assert [(r.url, r.error) for r in failed] == [(MISSING, "the server answered 404")]


def test_a_good_read_on_a_new_day_reindexes_nothing_and_search_sees_it(app, demo_hosts, reindexed):
    """Staleness is read from the listings' confirmations at query time (search/freshness.py):
    a host whose file is read well again is confirmed by the ledger's batch and comes back
    without re-indexing anything."""
    from search import SearchParams

    import_demo(app, demo_hosts)
    database = get_database(app)
    search = app.extensions["portee.search"]
    everything = search.search(SearchParams()).total
    with database.session_scope() as session:
        source = session.exec(select(Source).where(Source.url == ORG_URL)).one()
        organization_id = source.organization_id
        organization = session.get(Organization, organization_id)
        organization.confirmed_at = utcnow() - timedelta(days=100)  # hidden after 90 days
        session.commit()
        offers = session.exec(
            select(func.count(Service.id)).where(Service.organization_id == organization_id)
        ).one()
    hidden = search.search(SearchParams()).total
    assert 0 < everything - hidden <= offers
    reindexed.clear()
    import_demo(app, demo_hosts)
    assert reindexed == []
    assert search.search(SearchParams()).total == everything
    with database.session_scope() as session:
        source = session.exec(select(Source).where(Source.url == ORG_URL)).one()
        assert utcnow() - source.last_success_at < timedelta(minutes=5)
        organization = session.get(Organization, organization_id)
        assert utcnow() - organization.confirmed_at < timedelta(minutes=5)


def test_a_changed_file_among_unchanged_ones_is_published(app, demo_hosts, reindexed):
    import_demo(app, demo_hosts)
    reindexed.clear()
    say_the_pad_is_full(demo_hosts)
    run = import_demo(app, demo_hosts)
    assert run.changed == 1
    with get_database(app).session_scope() as session:
        pad = session.exec(
            select(Source).where(Source.url == f"https://{CHATONLIBRE}/pad.properties")
        ).one()
        assert session.get(Service, pad.service_id).load == "full"
        assert set().union(*reindexed) == {pad.organization_id}


def test_refresh_reads_only_that_hosts_sources(app, demo_hosts):
    import_demo(app, demo_hosts)
    database = get_database(app)
    with database.session_scope() as session:
        organization_id = session.exec(
            select(Source.organization_id).where(Source.url == ORG_URL)
        ).one()
        before = {s.id: s.last_attempt_at for s in session.exec(select(Source))}
        own = set(session.exec(select(Source.id).where(Source.organization_id == organization_id)))
    assert len(own) > 1
    with Fetcher(transport=DirectoryTransport(demo_hosts)) as fetcher:
        run = refresh_organization(database, fetcher, organization_id, trigger="test")
    assert run.sources_tried == len(own) and run.unchanged == len(own)
    with database.session_scope() as session:
        after = {s.id: s.last_attempt_at for s in session.exec(select(Source))}
        results = session.exec(
            select(func.count(ImportResult.id)).where(ImportResult.run_id == run.id)
        ).one()
    assert {i for i in after if after[i] != before[i]} == own
    assert results == len(own)


def test_backoff_is_capped_however_long_a_file_fails():
    class Previous:
        consecutive_failures = 200
        content_hash = None
        failing_since = None

    outcome = FileOutcome(
        url="https://x.example/o.properties",
        subs_key=None,
        fetch=FetchResult(url="https://x.example/o.properties", error=Issue("timeout")),
    )
    now = utcnow()
    done = attempt(Previous(), outcome, now)
    assert done.outcome == "failed"
    assert done.values["consecutive_failures"] == 201
    assert done.values["next_due_at"] == now + MAX_BACKOFF


class _Files(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as host's web servers are: ETag, 304, a 404 with a body."""

    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self):
        type(self).connections += 1
        super().setup()

    def log_message(self, *_args):
        pass

    def do_GET(self):
        if self.path == "/gone":
            self.send_response(404)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not found")
        elif self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")


def test_not_modified_and_error_answers_keep_the_connection():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Fetcher(policy=AddressPolicy(allow_private=True)) as fetcher:
            assert fetcher.fetch(f"{base}/file").content == b"hello"
            for _ in range(5):
                assert fetcher.fetch(f"{base}/file", etag='"v1"').not_modified
                assert fetcher.fetch(f"{base}/gone").error.code == "http_status"
    finally:
        server.shutdown()
        server.server_close()
    assert _Files.connections == 1


def test_our_name_server_timing_out_is_not_held_against_the_host():
    class Previous:
        consecutive_failures = 2
        content_hash = None
        failing_since = None

    issue = Issue("resolver_timeout", params={"host": "x.example"})
    outcome = FileOutcome(
        url="https://x.example/o.properties",
        subs_key=None,
        fetch=FetchResult(url="https://x.example/o.properties", error=issue),
    )
    now = utcnow()
    done = attempt(Previous(), outcome, now)
    assert done.outcome == "failed" and "name server" in done.error
    assert "consecutive_failures" not in done.values  # still 2: no backoff grows
    assert "last_success_at" not in done.values
    assert done.values["next_due_at"] == now + timedelta(minutes=15)
    assert done.values["errors"][0]["code"] == "resolver_timeout"
