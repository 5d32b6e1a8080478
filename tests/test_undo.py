"""Destructive actions in the dashboard ask first (a page, no JavaScript) and may be undone for
a while: stopping a service, and stopping Portée reading a file."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from test_dashboard import add_service, html, org_id, search, signed_in

from directory import undo
from directory.db import get_database
from directory.models import AuditEvent, Service, Source
from support import csrf_token


def _age_audit(app, action: str, by: timedelta) -> None:
    """Move the recorded act back in time (as if the host had waited)."""
    with get_database(app).session_scope() as session:
        for event in session.exec(select(AuditEvent).where(AuditEvent.action == action)).all():
            event.created_at = event.created_at - by
            session.add(event)
        session.commit()


def test_retiring_a_service_asks_first_then_can_be_undone_for_a_while(demo_app):
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    service = add_service(client, demo_app, organization)
    base = f"/dashboard/organizations/{organization}/services"
    listing = html(client.get(base))
    assert f'href="{base}/{service}/retire"' in listing  # a link to the question, not a button

    question = client.get(f"{base}/{service}/retire")
    assert question.status_code == 200
    assert "Stop offering Zorglub pad?" in html(question)
    assert f'action="{base}/{service}/retire"' in html(question)
    with get_database(demo_app).session_scope() as session:
        assert session.get(Service, service).retired_at is None  # asking changed nothing

    token = csrf_token(client, base)
    assert client.post(f"{base}/{service}/retire", data={"csrf_token": token}).status_code == 302
    assert search(client, q="Zorglub")["results"] == []
    listing = html(client.get(base))
    assert "You stopped offering Zorglub pad" in listing
    assert f'action="{base}/{service}/restore"' in listing

    assert client.post(f"{base}/{service}/restore", data={"csrf_token": token}).status_code == 302
    assert [r["name"] for r in search(client, q="Zorglub")["results"]] == ["Zorglub pad"]
    with get_database(demo_app).session_scope() as session:
        assert session.get(Service, service).retired_at is None
        actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["service.retire", "service.restore"]

    client.post(f"{base}/{service}/retire", data={"csrf_token": token})
    _age_audit(demo_app, "service.retire", undo.UNDO_WINDOW + timedelta(minutes=1))
    assert "You stopped offering" not in html(client.get(base))
    response = client.post(f"{base}/{service}/restore", data={"csrf_token": token})
    assert response.status_code == 302
    assert "too late" in html(client.get(base))
    with get_database(demo_app).session_scope() as session:
        assert session.get(Service, service).retired_at is not None


def test_stopping_a_file_asks_first_then_can_be_undone_for_a_while(demo_app):
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}/sources"
    token = csrf_token(client, base)
    feed = "https://chatonlibre.example/news.atom"
    client.post(f"{base}/add", data={"csrf_token": token, "url": feed, "kind": "news"})
    with get_database(demo_app).session_scope() as session:
        added = session.exec(select(Source).where(Source.url == feed)).one().id

    assert f'href="{base}/{added}/remove"' in html(client.get(base))
    question = html(client.get(f"{base}/{added}/remove"))
    assert f"Stop reading {feed}?" in question
    with get_database(demo_app).session_scope() as session:
        assert session.get(Source, added) is not None

    assert client.post(f"{base}/{added}/remove", data={"csrf_token": token}).status_code == 302
    page = html(client.get(base))
    assert f"Portée stopped reading {feed}" in page
    with get_database(demo_app).session_scope() as session:
        event = session.exec(
            select(AuditEvent.id).where(AuditEvent.action == "source.remove")
        ).one()
    assert client.post(f"{base}/restore/{event}", data={"csrf_token": token}).status_code == 302
    with get_database(demo_app).session_scope() as session:
        again = session.exec(select(Source).where(Source.url == feed)).one()
        assert (again.kind, again.organization_id) == ("news", organization)
    assert "Portée stopped reading" not in html(client.get(base))  # nothing left to undo

    # Once read again, the old removal cannot be replayed; after the window, nor can a new one.
    assert client.post(f"{base}/restore/{event}", data={"csrf_token": token}).status_code == 302
    client.post(f"{base}/{again.id}/remove", data={"csrf_token": token})
    _age_audit(demo_app, "source.remove", undo.UNDO_WINDOW + timedelta(minutes=1))
    assert "Portée stopped reading" not in html(client.get(base))
    with get_database(demo_app).session_scope() as session:
        latest = session.exec(
            select(AuditEvent.id)
            .where(AuditEvent.action == "source.remove")
            .order_by(AuditEvent.id.desc())
        ).first()
    client.post(f"{base}/restore/{latest}", data={"csrf_token": token})
    with get_database(demo_app).session_scope() as session:
        assert session.exec(select(Source).where(Source.url == feed)).first() is None


def test_a_file_that_cannot_be_reached_is_said_once_in_plain_words(demo_app):
    import socket

    with socket.socket() as probe:  # a port nothing listens on, on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}/sources"
    url = f"http://127.0.0.1:{port}/chaton.properties"
    response = client.post(
        f"{base}/preview",
        data={"csrf_token": csrf_token(client, base), "url": url, "kind": "organization"},
    )
    page = html(response)
    assert f"We could not reach 127.0.0.1:{port}" in page
    assert "You may still add this file" in page
    assert "This file has errors" not in page
    assert page.count("could not be reached") == 1  # the reason, said once
