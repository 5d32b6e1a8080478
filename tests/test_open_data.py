"""Open data (issue 17): Atom change feeds, the ChatonsInfos export and its round trip into an
empty Portée through the real importer, the badge, and the public validator."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import feedparser
import pytest
from browsing import serving
from sqlmodel import func, select

from directory import moderation
from directory.db import get_database
from directory.feeds.runner import run_federation_import
from directory.models import Account, ImportRun, Organization, Service, Source
from directory.opendata import export
from directory.outbound.fetch import Fetcher
from directory.timeutil import utcnow
from support import csrf_token, login, make_account

SVG = "{http://www.w3.org/2000/svg}"


def a_member(app) -> Organization:
    with get_database(app).session_scope() as session:
        return session.exec(
            select(Organization)
            .where(Organization.membership == "member")
            .order_by(Organization.slug)
        ).first()


def parsed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert "max-age=" in response.headers["Cache-Control"]
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_the_directory_feed_gives_dated_facts_with_stable_ids(client):
    feed = parsed(client, "/changes.atom?lang=en")
    assert feed.feed.title == "Portée: changes in the directory"
    assert feed.entries
    kinds = {entry.tags[0].term for entry in feed.entries}
    assert kinds & {"joined", "service_added"}
    for entry in feed.entries:
        assert entry.id.startswith("tag:") and entry.updated_parsed
        assert entry.link.startswith("http")
    again = parsed(client, "/changes.atom?lang=en")
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    french = parsed(client, "/changes.atom?lang=fr")
    assert [e.id for e in french.entries] == [e.id for e in feed.entries]  # one fact, one id
    assert french.feed.title != feed.feed.title


def test_feeds_of_a_host_a_task_and_a_software_are_discoverable(demo_app, client):
    member = a_member(demo_app)
    for page, feed_url in (
        (f"/hosts/{member.slug}", f"/hosts/{member.slug}/changes.atom"),
        ("/categories/collaborative-writing", "/categories/collaborative-writing/changes.atom"),
        ("/software/etherpad", "/software/etherpad/changes.atom"),
        ("/", "/changes.atom"),
    ):
        html = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert 'rel="alternate" type="application/atom+xml"' in html
        assert f'href="{feed_url}?lang=en"' in html, page
        feed = parsed(client, f"{feed_url}?lang=en")
        assert feed.entries, feed_url
    host = parsed(client, f"/hosts/{member.slug}/changes.atom?lang=en")
    assert all(member.name in entry.title for entry in host.entries)
    jitsi_like = parsed(client, "/software/etherpad/changes.atom?lang=en")
    assert all("Etherpad" in entry.summary for entry in jitsi_like.entries)
    assert client.get("/software/nothing/changes.atom").status_code == 404


def test_the_export_imports_into_an_empty_portee(demo_app, app):
    with serving(demo_app) as base:
        demo_app.config["PORTEE_BASE_URL"] = base
        federation = f"{base}/export/chatonsinfos/federation.properties"
        with Fetcher.from_config(app.config) as fetcher:
            run = run_federation_import(
                get_database(app), fetcher, federation, trigger="test", workers=4
            )
        assert run.failed == 0
        text = demo_app.test_client().get("/export/chatonsinfos/federation.properties").text
    assert "file.generator = Portée" in text and "file.datetime = " in text

    def listing(application):
        with get_database(application).session_scope() as session:
            members = export.public_members(session)
            return {
                organization.name: sorted(
                    (s.name, s.website, s.registration, s.software_declared)
                    for s in export.offered(organization)
                )
                for organization in members
            }

    before, after = listing(demo_app), listing(app)
    assert len(before) > 20
    assert after == before


def test_export_files_keep_the_format(demo_app, client):
    member = a_member(demo_app)
    organization = client.get(f"/export/chatonsinfos/{member.slug}/organization.properties")
    assert organization.status_code == 200 and "max-age=" in organization.headers["Cache-Control"]
    text = organization.text
    assert "file.class = Organization" in text and f"organization.name = {member.name}" in text
    service_url = next(
        line.split(" = ", 1)[1] for line in text.splitlines() if line.startswith("subs.")
    )
    service = client.get(service_url.replace("http://127.0.0.1:5000", ""))
    assert "file.class = Service" in service.text and "software.name = " in service.text
    librehost = client.get(f"/hosts/{member.slug}/librehost.json").get_json()
    assert librehost["name"] == member.name and librehost["@type"] == "Organization"
    assert client.get("/export/chatonsinfos/nobody/organization.properties").status_code == 404


def test_a_librehost_json_is_written_back_flat(demo_app, client):
    """The keys Portée kept from a host's librehost.json (filed under "librehost" by
    reconcile.py) come back at the top level, where the format has them."""
    member = a_member(demo_app)
    kept = {"tagLine": "Des services libres", "isServiceProvider": True, "version": "1.0.0"}
    with get_database(demo_app).session_scope() as session:
        organization = session.get(Organization, member.id)
        organization.extra = dict(organization.extra, librehost=kept)
        session.add(organization)
        session.commit()
    exported = client.get(f"/hosts/{member.slug}/librehost.json").get_json()
    assert "librehost" not in exported
    assert {key: exported[key] for key in kept} == kept
    assert exported["name"] == member.name  # a kept key never overrides a column


@pytest.mark.parametrize(
    ("language", "words"), [("en", "member of Portée since"), ("fr", "membre de Portée depuis")]
)
def test_the_badge_is_an_svg_with_a_title(demo_app, client, language, words):
    member = a_member(demo_app)
    response = client.get(f"/hosts/{member.slug}/badge.svg?lang={language}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "max-age=" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and member.name in title.text and words in title.text
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert words in texts[0]
    assert not [e for e in root.iter() if e.get("href") or e.tag.endswith("image")]


def count_rows(app) -> tuple[int, ...]:
    with get_database(app).session_scope() as session:
        return tuple(
            session.exec(select(func.count(model.id))).one()
            for model in (Organization, Service, Source, ImportRun)
        )


BROKEN = b"file.class = Organization\norganization.description = no name here\n"


def validate(client, url: str, kind: str = "organization"):
    token = csrf_token(client, "/validate")
    return client.post(
        "/validate",
        data={"csrf_token": token, "url": url, "kind": kind},
        headers={"Accept-Language": "en"},
    )


def test_the_validator_reads_a_good_and_a_broken_file_and_stores_nothing(
    demo_app, client, httpserver
):
    member = a_member(demo_app)
    before = count_rows(demo_app)
    with serving(demo_app) as base:
        demo_app.config["PORTEE_BASE_URL"] = base
        good = validate(client, f"{base}/export/chatonsinfos/{member.slug}/organization.properties")
        librehost = validate(client, f"{base}/hosts/{member.slug}/librehost.json", "json")
    assert good.status_code == 200
    html = good.get_data(as_text=True)
    assert "This file can be read" in html and member.name in html
    assert "Services listed in this file" in html
    assert 'href="/api/#formats"' in html  # the format notes
    assert "This file can be read" in librehost.get_data(as_text=True)
    httpserver.expect_request("/organization.properties").respond_with_data(
        BROKEN, content_type="text/plain; charset=utf-8"
    )
    broken_url = httpserver.url_for("/organization.properties").replace("localhost", "127.0.0.1")
    broken = validate(client, broken_url).get_data(as_text=True)
    assert "This file has errors" in broken and "organization.name" in broken
    assert count_rows(demo_app) == before
    assert client.post("/validate", data={"url": broken_url, "kind": "json"}).status_code == 400


def test_the_validator_says_a_file_not_reachable_yet_may_still_be_added(client):
    """The dashboard's preview sentence, word for word, for a host name that does not exist."""
    response = validate(client, "http://cabane-test.invalid/organization.properties")
    assert response.status_code == 200
    text = " ".join(response.get_data(as_text=True).split())
    assert (
        "We could not reach cabane-test.invalid: the name does not exist. You may still add "
        "this file: Portée will try again at each refresh" in text
    )
    assert "This file has errors" not in text


def test_the_validator_refuses_a_private_address(sites, demo_template, tmp_path):
    with sites.open_copy(demo_template, tmp_path / "site", PORTEE_FETCH_ALLOW_PRIVATE=False) as app:
        client = app.test_client()
        response = validate(client, "http://127.0.0.1:9/organization.properties")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "this address is not allowed" in html  # a numeric address is no host name
        assert "This file can be read" not in html
        by_name = validate(client, "http://files.intranet.local/organization.properties")
        assert by_name.status_code == 400
        assert "this address is not allowed (a local network name)" in by_name.text


def test_the_dashboard_gives_the_badge_snippet(demo_app):

    member = a_member(demo_app)
    make_account(demo_app, "badge@example.org", organizations=(member.id,))
    client = demo_app.test_client()
    login(client, "badge@example.org")
    html = client.get(
        f"/dashboard/organizations/{member.id}", headers={"Accept-Language": "en"}
    ).text
    assert "A badge for your site" in html
    snippet = re.search(r'<textarea id="badge-snippet"[^>]*>(.*?)</textarea>', html, re.S)
    assert snippet and f"/hosts/{member.slug}/badge.svg" in snippet.group(1)
    assert snippet.group(1).startswith("&lt;a href=")  # shown as text, to be copied


def test_the_validator_is_rate_limited_per_address(app):
    client = app.test_client()
    token = csrf_token(client, "/validate")
    answers = [
        client.post("/validate", data={"csrf_token": token, "url": "not an address"}).status_code
        for _ in range(6)
    ]
    assert answers[:5] == [400] * 5 and answers[5] == 429
    other = client.post(
        "/validate",
        data={"csrf_token": token, "url": "not an address"},
        environ_overrides={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 400  # another address has its own allowance


def test_suspensions_and_closed_services_are_in_the_feeds(demo_app, client):

    moderator_id = make_account(demo_app, "mod@example.org", role="moderator")
    with get_database(demo_app).session_scope() as session:
        members = export.public_members(session)
        suspended, closing = members[0], members[1]
        service = export.offered(closing)[0]
        service.retired_at = utcnow()
        session.add(service)
        moderator = session.get(Account, moderator_id)
        moderation.change_membership(session, moderator, suspended, "suspend", "Spam.")
        session.commit()
        names = (suspended.name, closing.name, service.name, suspended.slug, closing.slug)
    suspended_name, closing_name, service_name, suspended_slug, closing_slug = names
    feed = parsed(client, "/changes.atom?lang=en")
    by_kind = {}
    for entry in feed.entries:
        by_kind.setdefault(entry.tags[0].term, []).append(entry)
    suspension = by_kind["suspended"][0]
    assert suspended_name in suspension.title and "Spam." in suspension.summary
    assert suspension.link.endswith(f"/hosts/{suspended_slug}")
    closed = by_kind["service_closed"][0]
    assert service_name in closed.summary and closing_name in closed.summary
    host = parsed(client, f"/hosts/{closing_slug}/changes.atom?lang=fr")
    assert closed.id in {entry.id for entry in host.entries}  # the same fact, the same id
    assert [e.id for e in parsed(client, "/changes.atom?lang=en").entries] == [
        e.id for e in feed.entries
    ]
