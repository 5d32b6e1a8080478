"""Sign-ins end on the server: signing out, "sign out everywhere", a password change or reset;
cookies behind HTTPS (__Host-, Secure, HSTS); the client's address behind trusted proxies;
migration 0010."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from flask.testing import FlaskClient
from sqlmodel import select

from directory import listings
from directory.accounts import Tokens, find_account
from directory.cli import alembic_config
from directory.db import get_database
from directory.models import AccountSession, Organization
from directory.timeutil import utcnow
from support import csrf_token, login, make_account, make_app, post_form, prepare, profile_form

EMAIL = "host@example.org"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
EN = {"Accept-Language": "en"}
PROFILE = profile_form(name="Le Nouveau Chaton", description="Written by the thief.")


class HttpsClient(FlaskClient):
    """A test client whose requests come over HTTPS."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "https://localhost")
        return super().open(*args, **kwargs)


def browser(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def replay(app, cookies: dict):
    """Another browser holding copies of `cookies` (name → value), as a thief would."""
    client = browser(app)
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def sign_out(client):
    response = client.post("/account/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert response.status_code == 302
    return response


def new_organization(app) -> int:
    with get_database(app).session_scope() as session:
        organization = listings.create_organization(session, "Le Nouveau Chaton", "member")
        session.commit()
        return organization.id


def description(app, organization: int) -> str | None:
    with get_database(app).session_scope() as session:
        return session.get(Organization, organization).description


def sign_ins(app, email: str = EMAIL) -> int:
    with get_database(app).session_scope() as session:
        account = find_account(session, email)
        rows = session.exec(select(AccountSession).where(AccountSession.account_id == account.id))
        return len(rows.all())


# -- signing out ends the session ---------------------------------------------------------------


def test_a_session_cookie_copied_before_signing_out_is_refused_after(demo_app):
    organization = new_organization(demo_app)
    make_account(demo_app, EMAIL, organizations=(organization,))
    client = browser(demo_app)
    login(client, EMAIL)
    profile = f"/dashboard/organizations/{organization}"
    token = csrf_token(client, profile)
    stolen = {"session": client.get_cookie("session").value}
    assert replay(demo_app, stolen).get("/dashboard/").status_code == 200  # the copy works

    sign_out(client)
    thief = replay(demo_app, stolen)
    response = thief.get("/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")
    response = thief.post(profile, data={**PROFILE, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")
    assert description(demo_app, organization) != "Written by the thief."
    assert sign_ins(demo_app) == 0


def test_a_remember_me_cookie_copied_before_signing_out_is_refused_after(app):
    make_account(app, EMAIL)
    client = browser(app)
    data = {"email": EMAIL, "password": PASSWORD, "remember": "y"}
    assert post_form(client, "/account/login", data).status_code == 302
    stolen = {"remember_token": client.get_cookie("remember_token").value}
    assert signed_in(replay(app, stolen))  # restored from the cookie alone

    sign_out(client)
    assert not signed_in(replay(app, stolen))


def test_signing_out_ends_only_this_sign_in(app):
    make_account(app, EMAIL)
    here, elsewhere = browser(app), browser(app)
    login(here, EMAIL)
    login(elsewhere, EMAIL)
    assert "1 other sign-in of your account is still open" in here.get("/account/").get_data(
        as_text=True
    )
    sign_out(here)
    assert not signed_in(here)
    assert signed_in(elsewhere)
    page = elsewhere.get("/account/").get_data(as_text=True)
    assert "No other sign-in of your account is open." in page


def test_a_sign_in_past_its_lifetime_is_refused(app):
    make_account(app, EMAIL)
    client = browser(app)
    login(client, EMAIL)
    with get_database(app).session_scope() as session:
        row = session.exec(select(AccountSession)).one()
        assert row.expires_at - row.created_at == app.permanent_session_lifetime
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert not signed_in(client)
    login(client, EMAIL)  # a new sign-in clears the expired one away
    assert sign_ins(app) == 1


# -- sign out everywhere --------------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_session_of_the_account(app):
    make_account(app, EMAIL)
    make_account(app, "other@example.org")
    here, elsewhere, someone_else = browser(app), browser(app), browser(app)
    login(here, EMAIL)
    data = {"email": EMAIL, "password": PASSWORD, "remember": "y"}
    assert post_form(elsewhere, "/account/login", data).status_code == 302
    remembered = {"remember_token": elsewhere.get_cookie("remember_token").value}
    login(someone_else, "other@example.org")

    page = here.get("/account/").get_data(as_text=True)
    assert 'action="/account/logout/everywhere"' in page
    assert here.post("/account/logout/everywhere").status_code == 400  # no CSRF token
    assert signed_in(elsewhere)
    assert here.get("/account/logout/everywhere").status_code == 405

    token = csrf_token(here, "/account/")
    response = here.post("/account/logout/everywhere", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    assert "signed out everywhere" in here.get("/account/login").get_data(as_text=True)
    assert not signed_in(here)
    assert not signed_in(elsewhere)
    assert not signed_in(replay(app, remembered))
    assert signed_in(someone_else)  # another account is not touched
    assert sign_ins(app) == 0


def test_sign_out_everywhere_needs_a_sign_in(app):
    client = browser(app)
    token = csrf_token(client, "/account/login")
    response = client.post("/account/logout/everywhere", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


# -- password change and reset ----------------------------------------------------------------


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app):
    make_account(app, EMAIL)
    here, elsewhere = browser(app), browser(app)
    data = {"email": EMAIL, "password": PASSWORD, "remember": "y"}
    assert post_form(here, "/account/login", data).status_code == 302
    kept = {"remember_token": here.get_cookie("remember_token").value}
    login(elsewhere, EMAIL)
    stolen = {"session": elsewhere.get_cookie("session").value}

    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = post_form(here, "/account/password", data)
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert signed_in(here)
    assert signed_in(replay(app, kept))  # this sign-in's "remember me" still works
    assert not signed_in(elsewhere)
    assert not signed_in(replay(app, stolen))
    assert "No other sign-in of your account is open." in here.get("/account/").get_data(
        as_text=True
    )
    assert sign_ins(app) == 1


def test_a_password_reset_ends_every_session(app):
    make_account(app, EMAIL)
    elsewhere = browser(app)
    login(elsewhere, EMAIL)
    with get_database(app).session_scope() as session:
        path = (
            f"/account/reset/{Tokens(app.secret_key).password_reset(find_account(session, EMAIL))}"
        )
    response = post_form(browser(app), path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not signed_in(elsewhere)
    assert sign_ins(app) == 0


# -- behind HTTPS -------------------------------------------------------------------------------


@pytest.fixture
def https_app(tmp_path):
    application = make_app(tmp_path, PORTEE_SECURE_COOKIES=True)
    application.test_client_class = HttpsClient
    prepare(application)
    yield application
    get_database(application).engine.dispose()


def set_cookies(response) -> dict[str, str]:
    """The Set-Cookie headers of a response, by cookie name."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookies[header.split("=", 1)[0]] = header
    return cookies


def assert_host_cookie(header: str) -> None:
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert "secure" in attributes
    assert "path=/" in attributes
    assert "httponly" in attributes
    assert not any(attribute.startswith("domain=") for attribute in attributes)


def test_secure_cookies_are_host_only_and_hsts_is_sent(https_app):
    make_account(https_app, EMAIL)
    client = browser(https_app)
    response = client.get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"

    page = "https://localhost/account/login"
    data = {"email": EMAIL, "password": PASSWORD, "remember": "y"}
    response = post_form(client, "/account/login", data, headers={**EN, "Referer": page})
    assert response.status_code == 302
    cookies = set_cookies(response)
    assert set(cookies) == {"__Host-session", "__Host-remember_token"}
    for header in cookies.values():
        assert_host_cookie(header)
    assert signed_in(client)

    response = client.get("/language/en?next=/")
    assert "secure" in response.headers["Set-Cookie"].lower()


def test_without_secure_cookies_there_is_no_hsts_nor_prefix(app):
    make_account(app, EMAIL)
    client = browser(app)
    assert "Strict-Transport-Security" not in client.get("/").headers
    response = login(client, EMAIL)
    assert set(set_cookies(response)) == {"session"}
    assert "secure" not in response.headers["Set-Cookie"].lower()


# -- the client's address behind a reverse proxy ------------------------------------------------


def attempts(app, forwarded_for: str, count: int) -> list[int]:
    client = browser(app)
    token = csrf_token(client, "/account/login")
    data = {"csrf_token": token, "email": "someone@example.org", "password": "not the password"}
    headers = {**EN, "X-Forwarded-For": forwarded_for}
    return [
        client.post("/account/login", data=data, headers=headers).status_code for _ in range(count)
    ]


@pytest.mark.parametrize("proxies", [0, 1])
def test_rate_limits_key_on_the_forwarded_address_only_behind_trusted_proxies(tmp_path, proxies):
    application = make_app(tmp_path, PORTEE_TRUSTED_PROXIES=proxies)
    prepare(application)
    try:
        assert attempts(application, "203.0.113.1", 11) == [400] * 10 + [429]
        other = attempts(application, "198.51.100.7", 1)
        # With a trusted proxy the second address has its own count; without, the header is
        # ignored and both are the proxy's one address, already limited.
        assert other == ([400] if proxies else [429])
    finally:
        get_database(application).engine.dispose()


def test_the_trusted_proxy_setting_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTEE_TRUSTED_PROXIES", "2")
    assert make_app(tmp_path).config["PORTEE_TRUSTED_PROXIES"] == 2
    monkeypatch.delenv("PORTEE_TRUSTED_PROXIES")
    assert make_app(tmp_path).config["PORTEE_TRUSTED_PROXIES"] == 0


# -- the migration --------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def test_0010_ends_the_old_sessions_and_gives_tokens_back_on_downgrade(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, "0007")
    engine = sa.create_engine(database_url)
    insert = (
        "INSERT INTO account (email, password_hash, role, session_token, disabled, created_at)"
        " VALUES (:email, 'x', 'host', :token, false, CURRENT_TIMESTAMP)"
    )
    with engine.begin() as connection:
        for email in ("a@example.org", "b@example.org"):
            connection.execute(sa.text(insert), {"email": email, "token": f"token-of-{email}"})
    command.upgrade(config, "head")
    columns = {column["name"] for column in sa.inspect(engine).get_columns("account")}
    assert "session_token" not in columns
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM account")).scalar() == 2
        assert connection.execute(sa.text("SELECT count(*) FROM accountsession")).scalar() == 0

    command.downgrade(config, "0007")
    with engine.connect() as connection:
        tokens = connection.execute(sa.text("SELECT session_token FROM account")).scalars().all()
    assert len(set(tokens)) == 2 and all(tokens)
    assert not any(token.startswith("token-of-") for token in tokens)  # the old ones stay dead
    engine.dispose()
