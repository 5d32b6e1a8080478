"""HTTP caching: anonymous public pages say how long anyone may keep them, with an ETag and
304 answers; every answer that is one visitor's own says `private, no-store`."""

from __future__ import annotations

import pytest
from sqlmodel import select

from directory.db import get_database
from directory.models import Organization
from support import login, make_account

EN = {"Accept-Language": "en"}
PUBLIC_PAGES = [
    "/",
    "/search?q=pad",
    "/categories/",
    "/categories/collaborative-writing",
    "/software/",
    "/software/etherpad",
    "/hosts/breizh-nuage",
    "/map",
]


def vary(response) -> set[str]:
    return {
        name.strip().lower()
        for value in response.headers.get_all("Vary")
        for name in value.split(",")
    }


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_anonymous_public_pages_may_be_kept_by_anyone(client, path):
    response = client.get(path, headers=EN)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    assert response.headers["ETag"].startswith('"')
    assert {"cookie", "accept-language"} <= vary(response)
    assert not response.headers.get_all("Set-Cookie")

    again = client.get(path, headers={**EN, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == response.headers["ETag"]
    assert again.headers["Cache-Control"] == response.headers["Cache-Control"]


def test_the_etag_follows_language_address_and_index(demo_app):
    client = demo_app.test_client()
    english = client.get("/search?q=pad", headers=EN).headers["ETag"]
    french = client.get("/search?q=pad", headers={"Accept-Language": "fr"}).headers["ETag"]
    other = client.get("/search?q=visio", headers=EN).headers["ETag"]
    assert len({english, french, other}) == 3
    assert client.get("/search?q=pad", headers=EN).headers["ETag"] == english

    with get_database(demo_app).session_scope() as session:  # reindexed on commit
        organization = session.exec(select(Organization).order_by(Organization.id)).first()
        organization.name = "Renamed Host"
        session.add(organization)
        session.commit()
    stale = client.get("/search?q=pad", headers={**EN, "If-None-Match": english})
    assert stale.status_code == 200 and stale.headers["ETag"] != english


def test_signed_in_pages_are_private(demo_app):
    make_account(demo_app, "host@example.org", organizations=[1])
    client = demo_app.test_client()
    login(client, "host@example.org")
    for path in [*PUBLIC_PAGES, "/account/", "/dashboard/"]:
        response = client.get(path, headers=EN)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers, path
        assert "cookie" in vary(response), path


def test_a_page_with_a_csrf_token_is_never_shared(client):
    """The sign-in form writes a CSRF token into the page and the session cookie (Flask-WTF):
    neither may reach another visitor through a cache."""
    response = client.get("/account/login", headers=EN)
    assert b'name="csrf_token"' in response.data
    assert response.headers["Cache-Control"] == "private, no-store"
    assert any(c.startswith("session=") for c in response.headers.get_all("Set-Cookie"))
    assert "ETag" not in response.headers


def test_a_page_showing_a_message_is_private(client):
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "A message for this visitor only")]
    response = client.get("/search?q=pad", headers=EN)
    assert b"A message for this visitor only" in response.data
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    # The anonymous page cache did not keep the message for the next visitor either.
    assert b"A message for this visitor only" not in client.get("/search?q=pad", headers=EN).data


def test_other_anonymous_pages_are_not_declared_public(client):
    for path in ["/nowhere", "/match", "/fairness", "/static/portee.css"]:
        with client.get(path, headers=EN) as response:
            assert "public" not in response.headers.get("Cache-Control", ""), path
    response = client.post("/search?q=pad", headers=EN)
    assert "public" not in response.headers.get("Cache-Control", "")


def test_max_age_zero_turns_sharing_off(demo_app):
    demo_app.config["PORTEE_HTTP_MAX_AGE"] = 0
    response = demo_app.test_client().get("/search?q=pad", headers=EN)
    assert response.headers["Cache-Control"] == "no-cache" and "ETag" not in response.headers
