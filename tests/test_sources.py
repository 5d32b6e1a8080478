"""An organization's JSON description and news feed, fetched from real servers on 127.0.0.1."""

from __future__ import annotations

import json

from sqlmodel import select

from directory import listings
from directory.db import get_database
from directory.models import NewsItem, Organization, Source

SLUG = "le-chaton-libre"

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Nouvelles du Chaton Libre</title>
  <id>urn:chatonlibre:news</id>
  <updated>2026-11-20T10:00:00Z</updated>
  {entries}
</feed>"""
ENTRY = """<entry><id>urn:chatonlibre:{n}</id><title>Nouvelle {n}</title>
  <link href="https://chatonlibre.example/news/{n}"/>
  <updated>2026-11-{day:02d}T10:00:00Z</updated>
  <summary type="html">&lt;p&gt;Texte {n}&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</summary>
</entry>"""


def atom(count: int) -> str:
    return ATOM.format(entries="".join(ENTRY.format(n=n, day=n % 28 + 1) for n in range(count)))


def add(app, kind: str, url: str, slug: str = SLUG):
    result = app.test_cli_runner().invoke(args=["feeds", "add-source", slug, kind, url])
    assert result.exit_code == 0, result.output
    return result


def organization(session, slug: str = SLUG) -> Organization:
    return session.exec(select(Organization).where(Organization.slug == slug)).one()


def test_a_news_feed_is_read_sanitized_bounded_and_shown(demo_app, httpserver):
    httpserver.expect_request("/news.atom").respond_with_data(
        atom(30), content_type="application/atom+xml"
    )
    result = add(demo_app, "news", httpserver.url_for("/news.atom"))
    assert "1 changed" in result.output
    with get_database(demo_app).session_scope() as session:
        items = session.exec(select(NewsItem)).all()
        assert len(items) == 20
        assert all("<script" not in item.summary_html for item in items)
    page = demo_app.test_client().get(f"/hosts/{SLUG}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "News from this host" in html
    assert "<p>Texte" in html and "alert(1)" not in html


def test_a_broken_feed_keeps_the_last_good_news(demo_app, httpserver):
    httpserver.expect_ordered_request("/news.atom").respond_with_data(
        atom(3), content_type="application/atom+xml"
    )
    httpserver.expect_ordered_request("/news.atom").respond_with_data(
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><feed/>', content_type="application/atom+xml"
    )
    add(demo_app, "news", httpserver.url_for("/news.atom"))
    run = demo_app.test_cli_runner().invoke(args=["feeds", "refresh"])
    with get_database(demo_app).session_scope() as session:
        source = session.exec(select(Source).where(Source.kind == "news")).one()
        # Not due yet: a refresh right after a good fetch reads nothing.
        assert source.consecutive_failures == 0
        source.next_due_at = None
        session.add(source)
        session.commit()
    run = demo_app.test_cli_runner().invoke(args=["feeds", "refresh"])
    assert "1 failed" in run.output
    with get_database(demo_app).session_scope() as session:
        source = session.exec(select(Source).where(Source.kind == "news")).one()
        assert "entities" in source.last_error
        assert len(session.exec(select(NewsItem)).all()) == 3


def test_json_fills_only_what_the_chatonsinfos_file_does_not_say(demo_app, httpserver):
    """La Cabane Numérique's file has no logo: its JSON may give one, and nothing else."""
    document = {
        "@context": "http://schema.org",
        "@type": "Organization",
        "name": "Un autre nom",
        "description": "Décrit dans le JSON",
        "logo": "https://cdn.chatonlibre.fr/logo-json.png",
        "communicationLanguages": ["fr", "eo"],
        "foundingDate": "2014",
    }
    httpserver.expect_request("/librehost.json").respond_with_data(
        json.dumps(document), content_type="application/json"
    )
    database = get_database(demo_app)
    with database.session_scope() as session:
        before = organization(session, "la-cabane-numerique")
        assert before.logo_url is None
        provenance = listings.provenance_of(session, before)
        from_file = {name for name, p in provenance.items() if p.origin == "file"}
        snapshot = {name: getattr(before, name) for name in from_file}
    add(demo_app, "json", httpserver.url_for("/librehost.json"), slug="la-cabane-numerique")
    with database.session_scope() as session:
        after = organization(session, "la-cabane-numerique")
        for name, value in snapshot.items():
            assert getattr(after, name) == value, name
        assert after.name != "Un autre nom"
        json_source = session.exec(select(Source).where(Source.kind == "json")).one()
        provenance = listings.provenance_of(session, after)
        filled = {n for n, p in provenance.items() if p.source_id == json_source.id}
        assert "logo_url" in filled
        assert after.logo_url == "https://cdn.chatonlibre.fr/logo-json.png"
        assert filled.isdisjoint(snapshot)


def test_a_source_cannot_be_bound_twice(demo_app, httpserver):
    httpserver.expect_request("/news.atom").respond_with_data(
        atom(1), content_type="application/atom+xml"
    )
    add(demo_app, "news", httpserver.url_for("/news.atom"))
    other = demo_app.test_cli_runner().invoke(
        args=["feeds", "add-source", "cigogne-libre", "news", httpserver.url_for("/news.atom")]
    )
    assert other.exit_code != 0
    assert "already_used" in other.output


def test_the_privacy_policy_of_a_json_description_reaches_the_trust_card(app, httpserver):
    """librehost.json's privacyPolicyUrl fills Organization.privacy_url (ChatonsInfos'
    organization.privacy.url), checked like the other links: a relative address resolves
    against the file, a template placeholder or another scheme is refused and reported."""
    with get_database(app).session_scope() as session:
        created = listings.create_organization(session, "Le Chaton Discret", "member")
        session.commit()
        slug = created.slug
    document = {"@type": "Organization", "name": "Le Chaton Discret", "homeUrl": "/"}
    httpserver.expect_request("/librehost.json").respond_with_data(
        json.dumps(dict(document, privacyPolicyUrl="/vie-privee")),
        content_type="application/json",
    )
    add(app, "json", httpserver.url_for("/librehost.json"), slug=slug)
    declared = httpserver.url_for("/vie-privee")
    with get_database(app).session_scope() as session:
        found = organization(session, slug)
        assert found.privacy_url == declared
        assert "privacyPolicyUrl" not in found.extra.get("librehost", {})  # not kept twice
        source = session.exec(select(Source).where(Source.kind == "json")).one()
        record = listings.provenance_of(session, found)["privacy_url"]
        assert (record.origin, record.source_id) == ("file", source.id)
    client = app.test_client()
    page = client.get(f"/hosts/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<a href="{declared}" rel="noopener">' in page
    fr = client.get(f"/hosts/{slug}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Politique de confidentialité" in fr and f'href="{declared}"' in fr
    data = client.get(f"/api/v1/organizations/{slug}").get_json()
    [fact] = [f for f in data["trust"] if f["fact"] == "privacy_url"]
    assert (fact["kind"], fact["value"]) == ("declared", declared)

    # The same checks as the other links: neither of these is published.
    for bad, code in (
        ("https://librehoster.example/privacy", "template_placeholder"),
        ("javascript:alert(1)", "bad_url"),
    ):
        with get_database(app).session_scope() as session:
            reset = session.exec(select(Source).where(Source.kind == "json")).one()
            reset.next_due_at = None
            session.add(reset)
            session.commit()
        httpserver.clear()
        httpserver.expect_request("/librehost.json").respond_with_data(
            json.dumps(dict(document, privacyPolicyUrl=bad)), content_type="application/json"
        )
        app.test_cli_runner().invoke(args=["feeds", "refresh"])
        with get_database(app).session_scope() as session:
            found = organization(session, slug)
            assert found.privacy_url == declared  # the last good value stays
            assert bad not in json.dumps(found.extra)
            source = session.exec(select(Source).where(Source.kind == "json")).one()
            assert code in json.dumps(source.warnings), source.warnings
