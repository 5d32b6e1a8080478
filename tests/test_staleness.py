"""Stale listings, driven by a controllable clock: marked, demoted, hidden, told, restored."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from directory import staleness
from directory.db import get_database
from directory.models import Organization, Source
from directory.timeutil import utcnow
from search import SearchParams, get_search

ORG_FILE = "https://chatonlibre.example/.well-known/chatonsinfos/organization.properties"


def last_read(app, days_ago: float) -> int:
    """The host's listing was last confirmed `days_ago` (as by a good read of its file)."""
    with get_database(app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == ORG_FILE)).one()
        organization = session.get(Organization, source.organization_id)
        organization.confirmed_at = utcnow() - timedelta(days=days_ago)
        session.add(organization)
        session.commit()
        return organization.id


def confirm_the_others(app, at) -> None:
    """Every other host stays confirmed."""
    with get_database(app).session_scope() as session:
        others = session.exec(select(Organization).where(Organization.slug != "le-chaton-libre"))
        for organization in others:
            organization.confirmed_at = at
            session.add(organization)
        session.commit()


def offers_of(app, organization_id: int) -> int:
    with app.app_context():
        results = get_search().search(SearchParams(text="", per_page=1000))
    from directory import public

    with get_database(app).session_scope() as session:
        services = public.services_in_order(session, results.service_ids)
    return sum(1 for s in services if s.organization_id == organization_id)


def notices_at(app, moment):
    sent = []
    with get_database(app).session_scope() as session:
        staleness.send_notices(session, moment, 30, 90, sent.append)
        session.commit()
    return [(n.organization.name, n.step) for n in sent]


def test_thresholds_mark_then_hide_then_restore(demo_app):
    client = demo_app.test_client()
    organization_id = last_read(demo_app, 0)
    fresh = offers_of(demo_app, organization_id)
    assert fresh > 0

    last_read(demo_app, 31)
    page = client.get("/hosts/le-chaton-libre", headers={"Accept-Language": "en"})
    assert "Not confirmed since" in page.get_data(as_text=True)
    assert offers_of(demo_app, organization_id) == fresh  # still offered, ranked last

    last_read(demo_app, 91)
    assert offers_of(demo_app, organization_id) == 0

    last_read(demo_app, 0)
    assert offers_of(demo_app, organization_id) == fresh
    page = client.get("/hosts/le-chaton-libre", headers={"Accept-Language": "en"})
    assert "Not confirmed since" not in page.get_data(as_text=True)


def test_notices_follow_the_clock(demo_app):
    """Only one host's file stops being read; every other host keeps being confirmed."""
    organization_id = last_read(demo_app, 0)
    confirm_the_others(demo_app, utcnow() + timedelta(days=200))  # always fresh
    start = utcnow()
    assert notices_at(demo_app, start + timedelta(days=29)) == []
    assert notices_at(demo_app, start + timedelta(days=31)) == [("Le Chaton Libre", "stale")]
    assert notices_at(demo_app, start + timedelta(days=45)) == []
    assert notices_at(demo_app, start + timedelta(days=91)) == [("Le Chaton Libre", "hidden")]
    assert notices_at(demo_app, start + timedelta(days=120)) == []
    with get_database(demo_app).session_scope() as session:
        organization = session.get(Organization, organization_id)
        staleness.confirmed_again(organization)
        session.add(organization)
        session.commit()
    assert notices_at(demo_app, start + timedelta(days=121)) == [("Le Chaton Libre", "hidden")]


def test_the_notice_reaches_the_host_by_mail(mail_app, smtp_server):
    last_read(mail_app, 40)
    confirm_the_others(mail_app, utcnow())
    result = mail_app.test_cli_runner().invoke(args=["feeds", "notify-stale"])
    assert result.exit_code == 0, result.output
    assert "1 hosts notified" in result.output
    message = smtp_server.messages[0]
    assert message["To"] == "contact@chatonlibre.example"
    assert "http://portee.test/dashboard/organizations/" in message.get_content()
