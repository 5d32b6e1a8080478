"""Staleness counts from the last confirmation of a listing (issue 13, items 1 and 2).

A confirmation is a good read of one of its files, a save or a "still right" click in the
dashboard, or a moderator's confirmation. A file waiting for its first read, or failing, never
hides a host by itself. Every result card and match result says "not confirmed since …" or
"paused" where it applies, in the reader's language.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import flask_babel
import pytest
from babel.dates import format_date
from sqlmodel import select

from directory import listings, staleness
from directory.db import get_database
from directory.models import AuditEvent, Organization, Service, Software, Source
from directory.timeutil import utcnow
from search import SearchParams, get_search
from search.match import MatchRequest, Need
from support import csrf_token, login, make_account, post_form

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
WRITING = Need("category", "collaborative-writing")
ORG_FILE = "https://neuf.example/.well-known/chatonsinfos/organization.properties"


def add_host(app, name: str, *, confirmed_days_ago: float | None = None, status="active") -> int:
    """A member host entered by hand (no file), with one Etherpad offer, last confirmed
    `confirmed_days_ago` (when it was created, if not given)."""
    with get_database(app).session_scope() as session:
        organization = listings.create_organization(session, name, "member")
        listings.set_fields(session, organization, {"country_code": "FR"}, "form")
        organization.status = status
        if confirmed_days_ago is not None:
            organization.confirmed_at = utcnow() - timedelta(days=confirmed_days_ago)
        software = session.exec(select(Software).where(Software.slug == "etherpad")).one()
        service = Service(organization_id=organization.id, name=f"Pad {name}")
        listings.set_fields(
            session,
            service,
            {"software_id": software.id, "registration": "none", "load": "open"},
            "form",
        )
        listings.set_service_categories(session, service, software.categories)
        session.add(organization)
        session.commit()
        return organization.id


def add_file(app, organization_id: int, **columns) -> None:
    """The host adds its ChatonsInfos file (as the dashboard does), in the state given."""
    with get_database(app).session_scope() as session:
        session.add(
            Source(url=ORG_FILE, kind="organization", organization_id=organization_id, **columns)
        )
        session.commit()


def offers_in_search(app) -> set[int]:
    with app.app_context():
        results = get_search().search(SearchParams(per_page=1000))
    with get_database(app).session_scope() as session:
        return set(
            session.exec(select(Service.organization_id).where(Service.id.in_(results.service_ids)))
        )


def hosts_in_match(app) -> set[int]:
    with app.app_context():
        result = get_search().match(MatchRequest((WRITING,), (), None, date.today()))
    return {host.organization_id for host in result.hosts}


def confirmed_at(app, organization_id: int):
    with get_database(app).session_scope() as session:
        return session.get(Organization, organization_id).confirmed_at


def shown_time(app, moment, headers) -> str:
    """`moment` as the site writes it for a reader (its language, the site's time zone):
    "1 Dec 2026, 15:35" / "1er déc. 2026 à 15:35"."""
    with app.test_request_context(headers=headers):
        french = str(flask_babel.get_locale()) == "fr"
        first = "d'er'" if french and flask_babel.to_user_timezone(moment).day == 1 else "d"
        pattern = f"{first} MMM y 'à' HH:mm" if french else "d MMM y, HH:mm"
        return flask_babel.format_datetime(moment, pattern)


def shown_day(day, locale: str) -> str:
    """A day as the site writes it: "1 September 2026" / "1er septembre 2026"."""
    first = "d'er'" if locale == "fr" and day.day == 1 else "d"
    return format_date(day, f"{first} MMMM y", locale)


def words_of(page: str) -> str:
    """The page without its <time> elements' tags (their words stay)."""
    return re.sub(r"<time [^>]*>|</time>", "", page)


def card_of(page: str, name: str) -> str:
    """The search result card (one <li class="offer">) of the host named `name`."""
    cards = re.findall(r'<li class="offer[^"]*">.*?</ul>', page, re.S)
    found = [card for card in cards if f">{name}</a>" in card]
    assert len(found) == 1, f"{len(found)} cards of {name}"
    return found[0]


# -- item 1: publishing your metadata does not hide you --------------------------------------


def test_a_file_never_read_keeps_the_host_in_search_and_match(app):
    host = add_host(app, "Chaton Neuf")
    other = add_host(app, "Chaton Ancien")
    assert offers_in_search(app) == {host, other}
    add_file(app, host)  # waiting for its first read
    assert offers_in_search(app) == {host, other}
    assert hosts_in_match(app) == {host, other}
    with app.app_context():
        assert get_search().search(SearchParams(text="pad")).total == 2


def test_a_failing_file_does_not_hide_the_host_either(app):
    host = add_host(app, "Chaton Neuf")
    moment = utcnow() - timedelta(days=200)
    add_file(
        app,
        host,
        last_attempt_at=utcnow(),
        consecutive_failures=9,
        failing_since=moment,
        last_error="the server answered 404",
    )
    assert offers_in_search(app) == {host}
    assert hosts_in_match(app) == {host}
    with get_database(app).session_scope() as session:
        assert staleness.due_notices(session, utcnow(), 30, 90) == []


def test_staleness_counts_from_the_last_confirmation_even_with_a_good_file(app):
    """A file read well long ago, and nothing since: hidden after 90 days, from the date the
    listing was last confirmed, not the file's."""
    host = add_host(app, "Chaton Oublié", confirmed_days_ago=120)
    add_file(app, host, last_success_at=utcnow() - timedelta(days=120))
    assert offers_in_search(app) == set()
    assert hosts_in_match(app) == set()
    with get_database(app).session_scope() as session:
        organization = session.get(Organization, host)
        staleness.confirm(organization, utcnow())
        session.add(organization)
        session.commit()
    assert offers_in_search(app) == {host}


# -- item 2: stale and paused are labelled ----------------------------------------------------


def test_the_card_of_a_stale_host_says_not_confirmed_since_in_both_languages(app):
    add_host(app, "Chaton Frais")
    stale = add_host(app, "Chaton Rassis", confirmed_days_ago=40)
    day = confirmed_at(app, stale).date()
    client = app.test_client()
    languages = ((EN, "en", "Not confirmed since"), (FR, "fr", "Non confirmé depuis le"))
    for headers, locale, words in languages:
        label = f"{words} {shown_day(day, locale)}"
        for path in ("/search?q=pad", "/categories/collaborative-writing", "/software/etherpad"):
            page = words_of(client.get(path, headers=headers).get_data(as_text=True))
            assert label in card_of(page, "Chaton Rassis"), (locale, path)
            assert words not in card_of(page, "Chaton Frais"), (locale, path)
        answer = client.get("/match?needs=collaborative-writing", headers=headers)
        assert answer.status_code == 200
        text = words_of(answer.get_data(as_text=True))
        assert label.replace("Not", "not").replace("Non", "non") in text, locale
        assert text.count(words.lower()) == 1  # the stale host only


def test_the_card_of_a_paused_service_says_paused(app):
    add_host(app, "Chaton Actif")
    add_host(app, "Chaton Endormi", status="idle")
    client = app.test_client()
    for headers, word in ((EN, "Paused"), (FR, "En pause")):
        page = client.get("/search?q=pad", headers=headers).get_data(as_text=True)
        paused = r'<li class="tag-paused status"><svg class="status-icon"[^>]*>.*?</svg>(.*?)</li>'
        assert re.findall(paused, card_of(page, "Chaton Endormi"), re.S) == [word]
        assert "tag-paused" not in card_of(page, "Chaton Actif")
        text = client.get("/match?needs=collaborative-writing", headers=headers)
        assert f"; {word.lower()}" in text.get_data(as_text=True)


# -- confirmations: the dashboard's button, a save, a moderator, a good read ------------------


def owner_client(app, organization_id: int, email: str = "owner@example.org"):
    make_account(app, email, organizations=(organization_id,))
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, email)
    return client


def test_the_still_right_button_confirms_the_listing(app):
    host = add_host(app, "Chaton Rassis", confirmed_days_ago=40)
    client = owner_client(app, host)
    profile = f"/dashboard/organizations/{host}"
    page = client.get(profile).get_data(as_text=True)
    assert "Your listing shows “not confirmed since" in page
    assert "My listing is still right" in page
    # without a CSRF token: refused, nothing confirmed
    assert client.post(f"{profile}/confirm").status_code == 400
    assert utcnow() - confirmed_at(app, host) > timedelta(days=39)

    response = client.post(f"{profile}/confirm", data={"csrf_token": csrf_token(client, profile)})
    assert response.status_code == 302 and response.headers["Location"].endswith(profile)
    assert utcnow() - confirmed_at(app, host) < timedelta(minutes=1)
    page = app.test_client().get("/search?q=pad", headers=EN).get_data(as_text=True)
    assert "Not confirmed since" not in card_of(page, "Chaton Rassis")
    with get_database(app).session_scope() as session:
        events = session.exec(
            select(AuditEvent.action).where(AuditEvent.organization_id == host)
        ).all()
        assert "organization.confirm" in events


def test_only_the_hosts_editors_may_confirm(app):
    host = add_host(app, "Chaton Rassis", confirmed_days_ago=40)
    other = add_host(app, "Autre Chaton")
    stranger = owner_client(app, other, "stranger@example.org")
    path = f"/dashboard/organizations/{host}/confirm"
    token = csrf_token(stranger, f"/dashboard/organizations/{other}")
    assert stranger.post(path, data={"csrf_token": token}).status_code == 404
    make_account(app, "mod@example.org", role="moderator")
    moderator = app.test_client()
    login(moderator, "mod@example.org")
    token = csrf_token(moderator, f"/moderation/organizations/{host}")
    assert moderator.post(path, data={"csrf_token": token}).status_code == 403
    assert utcnow() - confirmed_at(app, host) > timedelta(days=39)


def test_a_save_in_the_dashboard_confirms_the_listing(app):
    host = add_host(app, "Chaton Rassis", confirmed_days_ago=40)
    client = owner_client(app, host)
    response = post_form(
        client,
        f"/dashboard/organizations/{host}",
        {"name": "Chaton Rassis", "languages": ["fr"], "country_code": "FR"},
    )
    assert response.status_code == 302
    assert utcnow() - confirmed_at(app, host) < timedelta(minutes=1)


def test_a_moderator_confirms_a_listing(app):
    host = add_host(app, "Chaton Rassis", confirmed_days_ago=100)
    assert offers_in_search(app) == set()
    make_account(app, "mod@example.org", role="moderator")
    moderator = app.test_client()
    login(moderator, "mod@example.org")
    page = f"/moderation/organizations/{host}"
    token = csrf_token(moderator, page)
    assert "Confirm the listing" in moderator.get(page, headers=EN).get_data(as_text=True)
    response = moderator.post(f"{page}/confirm", data={"csrf_token": token})
    assert response.status_code == 302
    assert utcnow() - confirmed_at(app, host) < timedelta(minutes=1)
    assert offers_in_search(app) == {host}
    with get_database(app).session_scope() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "organization_confirmed")
        ).one()
        assert event.organization_id == host
    # a host's editor is not a moderator: 403, nothing confirmed
    client = owner_client(app, host)
    token = csrf_token(client, f"/dashboard/organizations/{host}")
    assert client.post(f"{page}/confirm", data={"csrf_token": token}).status_code == 403


# -- what the dashboard says of the files -----------------------------------------------------


def test_the_dashboard_says_not_read_yet_and_failing_since(app):
    host = add_host(app, "Chaton Neuf")
    due = utcnow() + timedelta(hours=1)
    add_file(app, host, next_due_at=due)
    client = owner_client(app, host)
    sources = f"/dashboard/organizations/{host}/sources"
    page = words_of(client.get(sources).get_data(as_text=True))
    when = shown_time(app, due, EN)
    assert f"Not read yet — next attempt at {when}." in page

    since = utcnow() - timedelta(days=3)
    with get_database(app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == ORG_FILE)).one()
        source.last_attempt_at = utcnow()
        source.consecutive_failures = 2
        source.failing_since = since
        source.last_error = "the server answered 404"
        source.errors = [{"code": "http_status", "params": {"status": 404}}]
        session.add(source)
        session.commit()
    page = words_of(client.get(sources).get_data(as_text=True))
    failing = shown_time(app, since, EN)
    assert re.search(rf"Failing since {re.escape(failing)}: [^<]*404", page)
    assert "Not read yet" not in page
    french = words_of(client.get(sources, headers=FR).get_data(as_text=True))
    failing = shown_time(app, since, FR)
    assert f"En échec depuis le {failing}" in french


# -- good reads confirm: the ledger's batch, and the first read of a new file ----------------


DEMO_ORG_FILE = "https://chatonlibre.example/.well-known/chatonsinfos/organization.properties"


def test_good_reads_confirm_in_one_statement_a_batch_once_a_day(app, monkeypatch):
    import sqlalchemy as sa

    from support import import_demo

    import_demo(app)
    database = get_database(app)
    with database.session_scope() as session:
        every = session.exec(select(Organization)).all()
        for organization in every:
            organization.confirmed_at = utcnow() - timedelta(days=100)  # all hidden
            session.add(organization)
        session.commit()
        demo_host = session.exec(
            select(Source.organization_id).where(Source.url == DEMO_ORG_FILE)
        ).one()
    assert offers_in_search(app) == set()

    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().upper().startswith("UPDATE ORGANIZATION"):
            statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", count)
    calls: list[set[int]] = []
    search = app.extensions["portee.search"]
    original = search.reindex_organizations
    monkeypatch.setattr(search, "reindex_organizations", lambda ids: calls.append(set(ids)))
    run = import_demo(app)  # every file unchanged: the quiet path
    assert run.changed == 0
    assert len(statements) == 1  # one executemany for every host read well
    assert calls == []  # a confirmation re-indexes nothing
    assert demo_host in offers_in_search(app)  # search read the confirmations again
    assert utcnow() - confirmed_at(app, demo_host) < timedelta(minutes=5)
    with database.session_scope() as session:
        waiting = session.exec(
            select(Organization).where(Organization.confirmed_at < utcnow() - timedelta(days=1))
        ).all()
        # only hosts none of whose files was read well stay unconfirmed (the demo's one 404
        # is a service file of a host whose organization file reads well)
        assert waiting == []

    statements.clear()
    import_demo(app)  # the same day again: already confirmed today, nothing written
    assert statements == []
    sa.event.remove(database.engine, "before_cursor_execute", count)
    monkeypatch.setattr(search, "reindex_organizations", original)


def test_the_first_good_read_of_a_new_file_confirms_the_listing(app, httpserver):
    httpserver.expect_request("/organization.properties").respond_with_data(
        "file.class = organization\nfile.protocol = ChatonsInfos-0.5\n"
        "organization.name = Chaton Rassis\norganization.status.level = ACTIVE\n",
        content_type="text/plain; charset=utf-8",
    )
    host = add_host(app, "Chaton Rassis", confirmed_days_ago=40)
    url = httpserver.url_for("/organization.properties").replace("localhost", "127.0.0.1")
    with get_database(app).session_scope() as session:
        session.add(Source(url=url, kind="organization", organization_id=host))
        session.commit()
    client = owner_client(app, host)
    sources = f"/dashboard/organizations/{host}/sources"
    assert "Not read yet" in client.get(sources).get_data(as_text=True)
    response = client.post(f"{sources}/refresh", data={"csrf_token": csrf_token(client, sources)})
    assert response.status_code == 302
    assert utcnow() - confirmed_at(app, host) < timedelta(minutes=1)
    page = client.get(sources).get_data(as_text=True)
    assert "Read well" in page and "Not read yet" not in page


# -- migration 0008: where existing listings start counting from ------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def test_0008_starts_each_listing_from_its_last_good_read_or_today(database_url):
    import sqlalchemy as sa
    from alembic import command

    from directory.cli import alembic_config

    config = alembic_config(database_url)
    command.upgrade(config, "0007")
    engine = sa.create_engine(database_url)
    read, failed_at, attempted = "2026-10-01 08:00:00", "2026-10-03 08:00:00", "2026-11-30 08:00:00"
    with engine.begin() as connection:
        for id_, slug in ((1, "read"), (2, "never-read"), (3, "no-file")):
            connection.execute(
                sa.text(
                    "INSERT INTO organization (id, slug, name, status, membership, languages,"
                    " social, extra, created_at, updated_at) VALUES (:id, :slug, :slug,"
                    " 'active', 'member', '[]', '{}', '{}', CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                ),
                {"id": id_, "slug": slug},
            )
        rows = (
            (1, "https://read.example/o.properties", "organization", 1, read, attempted, 4),
            (2, "https://read.example/news.atom", "news", 1, attempted, attempted, 0),
            (3, "https://never.example/o.properties", "organization", 2, None, attempted, 2),
        )
        for id_, url, kind, organization, success, attempt, failures in rows:
            connection.execute(
                sa.text(
                    "INSERT INTO source (id, url, kind, organization_id, last_success_at,"
                    " last_attempt_at, consecutive_failures, warnings, errors) VALUES (:id,"
                    " :url, :kind, :organization, :success, :attempt, :failures, '[]', '[]')"
                ),
                dict(
                    id=id_,
                    url=url,
                    kind=kind,
                    organization=organization,
                    success=success,
                    attempt=attempt,
                    failures=failures,
                ),  # fmt: skip
            )
        connection.execute(
            sa.text(
                "INSERT INTO importrun (id, trigger, started_at, sources_tried, changed,"
                " unchanged, failed) VALUES (1, 'cron', :at, 1, 0, 0, 1)"
            ),
            {"at": failed_at},
        )
        connection.execute(
            sa.text(
                "INSERT INTO importresult (run_id, source_id, url, outcome, errors, warnings)"
                " VALUES (1, 1, 'https://read.example/o.properties', 'failed', '[]', '[]')"
            )
        )
    command.upgrade(config, "0008")
    with engine.connect() as connection:
        confirmed = dict(
            connection.execute(sa.text("SELECT slug, confirmed_at FROM organization")).all()
        )
        failing = dict(connection.execute(sa.text("SELECT id, failing_since FROM source")).all())
    engine.dispose()
    as_text = {slug: str(value)[:19] for slug, value in confirmed.items()}
    assert as_text["read"] == read  # its organization file's good read, not its news feed's
    today = str(utcnow().date())
    assert as_text["never-read"].startswith(today) and as_text["no-file"].startswith(today)
    assert str(failing[1])[:19] == failed_at  # the first failure after the good read
    assert str(failing[3])[:19] == attempted  # no history: its last attempt
    assert failing[2] is None
    command.downgrade(config, "0007")


def test_the_api_says_when_a_listing_was_last_confirmed(app):
    fresh = add_host(app, "Chaton Frais")
    stale = add_host(app, "Chaton Rassis", confirmed_days_ago=40, status="idle")
    client = app.test_client()
    hosts = {
        offer["organization"]["name"]: offer["organization"]
        for offer in client.get("/api/v1/search?q=pad").get_json()["results"]
    }
    day = confirmed_at(app, stale).date().isoformat()
    assert hosts["Chaton Rassis"]["not_confirmed_since"] == day
    assert hosts["Chaton Rassis"]["status"] == "idle"
    assert hosts["Chaton Frais"]["not_confirmed_since"] is None
    matched = client.get("/api/v1/match?needs=collaborative-writing").get_json()["hosts"]
    by_name = {host["organization"]["name"]: host for host in matched}
    assert by_name["Chaton Rassis"]["stale"] is True
    assert by_name["Chaton Rassis"]["organization"]["not_confirmed_since"] == day
    assert by_name["Chaton Frais"]["organization"]["confirmed_at"].startswith(
        confirmed_at(app, fresh).date().isoformat()
    )
