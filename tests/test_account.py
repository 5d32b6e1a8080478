"""Accounts through the WSGI app and a real SMTP server: sign up, confirm, sign in and out,
reset and change the password, delete; validation, CSRF, enumeration, rate limits, redirects."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from itsdangerous import TimestampSigner
from sqlmodel import select

from directory.accounts import Tokens, find_account
from directory.db import get_database
from directory.models import Account, AuditEvent, Organization, OrganizationMember
from support import csrf_token, login, make_account, post_form

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://portee\.test(/account/\S+)")
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


@pytest.fixture
def site(mail_app):
    return mail_app


def browser(app):
    """A test client reading the site in English (the default locale is French)."""
    client = app.test_client()
    client.set_cookie("portee_lang", "en")
    return client


@pytest.fixture
def web(site):
    return browser(site)


def account_row(app, email: str) -> Account | None:
    with get_database(app).session_scope() as session:
        return find_account(session, email)


def dashboard_url(app) -> str:
    with app.test_request_context():
        return url_for("dashboard.index")


def link_in(message) -> str:
    """The path of the first Portée link in a mail (links are built from PORTEE_BASE_URL)."""
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def mails_to(smtp_server, email: str) -> list:
    return [message for message in smtp_server.messages if message["To"] == email]


def make_token(app, email: str, purpose: str, age: int = 0) -> str:
    """A verification or reset token for `email`, as if made `age` seconds ago."""
    real = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda signer: real(signer) - age
    try:
        with get_database(app).session_scope() as session:
            return getattr(Tokens(app.secret_key), purpose)(find_account(session, email))
    finally:
        TimestampSigner.get_timestamp = real


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def sign_up(client, email: str, password: str = PASSWORD, confirm: str | None = None):
    data = {"email": email, "password": password, "confirm": confirm or password}
    return post_form(client, "/account/signup", data)


# -- the whole path ------------------------------------------------------------------------


def test_sign_up_confirm_sign_in_and_out(site, web, smtp_server):
    response = sign_up(web, "New.Host@Example.org")
    assert response.status_code == 200
    assert "Check your mailbox" in response.get_data(as_text=True)
    account = account_row(site, "new.host@example.org")
    assert account is not None and account.email_verified_at is None and account.role == "host"

    (message,) = smtp_server.messages
    assert message["To"] == "new.host@example.org"
    path = link_in(message)
    assert path.startswith("/account/verify/")

    response = web.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    assert account_row(site, "new.host@example.org").email_verified_at is not None

    response = login(web, "new.host@example.org")
    assert response.headers["Location"] == dashboard_url(site)
    assert account_row(site, "new.host@example.org").last_login_at is not None
    page = web.get("/account/").get_data(as_text=True)
    assert "new.host@example.org" in page and "Host editor" in page

    assert web.get("/account/logout").status_code == 405
    token = csrf_token(web, "/account/")
    response = web.post("/account/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = web.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_logout_needs_a_csrf_token(site, web):
    make_account(site, "host@example.org")
    login(web, "host@example.org")
    assert web.post("/account/logout").status_code == 400
    assert signed_in(web)


def test_logout_forgets_remember_me(site, web):
    make_account(site, "host@example.org")
    data = {"email": "host@example.org", "password": PASSWORD, "remember": "y"}
    assert post_form(web, "/account/login", data).status_code == 302
    assert web.get_cookie("remember_token") is not None
    web.post("/account/logout", data={"csrf_token": csrf_token(web, "/account/")})
    assert web.get_cookie("remember_token") is None
    assert not signed_in(web)


# -- validation and CSRF ---------------------------------------------------------------------

LONG_EMAIL = "a" * 290 + "@example.org"
LONG_PASSWORD = "p" * 200


def open_form(app, client, form: str) -> str:
    """Prepare `client` for `form` (sign in, make a token) and return the form's path."""
    if form in ("password", "delete"):
        make_account(app, "host@example.org")
        login(client, "host@example.org")
        return f"/account/{form}"
    if form == "reset_password":
        make_account(app, "host@example.org")
        return f"/account/reset/{make_token(app, 'host@example.org', 'password_reset')}"
    return {
        "signup": "/account/signup",
        "login": "/account/login",
        "reset": "/account/reset",
        "resend": "/account/verify/resend",
    }[form]


FORMS = ["signup", "login", "reset", "resend", "reset_password", "password", "delete"]
SHORT = "between 12 and 128 characters"
INVALID = [
    ("signup", {}, "Please give your e-mail address."),
    ("signup", {}, "Please choose a password."),
    ("signup", {"email": LONG_EMAIL, "password": PASSWORD, "confirm": PASSWORD}, "too long"),
    ("signup", {"email": "not an address", "password": PASSWORD, "confirm": PASSWORD}, "valid"),
    (
        "signup",
        {"email": "a@example.org", "password": PASSWORD, "confirm": "other"},
        "not the same",
    ),
    ("signup", {"email": "a@example.org", "password": "short", "confirm": "short"}, SHORT),
    (
        "signup",
        {"email": "a@example.org", "password": LONG_PASSWORD, "confirm": LONG_PASSWORD},
        SHORT,
    ),
    (
        "signup",
        {"email": "long.address@example.org", "password": "Long.Address@example.org "},
        "may not be your e-mail address",
    ),
    ("login", {}, "Please give your e-mail address."),
    ("login", {"email": "a@example.org"}, "Please give your password."),
    ("login", {"email": LONG_EMAIL, "password": PASSWORD}, "This address is too long."),
    ("login", {"email": "a@example.org", "password": LONG_PASSWORD}, "password is too long"),
    ("login", {"email": "nobody", "password": PASSWORD}, "not a valid e-mail address"),
    ("reset", {}, "Please give your e-mail address."),
    ("reset", {"email": LONG_EMAIL}, "This address is too long."),
    ("reset", {"email": "no at sign"}, "not a valid e-mail address"),
    ("resend", {}, "Please give your e-mail address."),
    ("resend", {"email": "@example.org"}, "not a valid e-mail address"),
    ("reset_password", {}, "Please choose a password."),
    ("reset_password", {"password": NEW_PASSWORD, "confirm": "x"}, "not the same"),
    ("reset_password", {"password": "short", "confirm": "short"}, SHORT),
    ("reset_password", {"password": LONG_PASSWORD, "confirm": LONG_PASSWORD}, SHORT),
    (
        "reset_password",
        {"password": "HOST@example.org", "confirm": "HOST@example.org"},
        "may not be your e-mail address",
    ),
    ("password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "give your password"),
    ("password", {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "x"}, "not the same"),
    ("password", {"current": PASSWORD, "password": "short", "confirm": "short"}, SHORT),
    (
        "password",
        {"current": PASSWORD, "password": LONG_PASSWORD, "confirm": LONG_PASSWORD},
        SHORT,
    ),
    (
        "password",
        {"current": LONG_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        "password is too long",
    ),
    (
        "password",
        {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        "This is not your current password.",
    ),
    ("delete", {"password": PASSWORD}, "Please tick the box to confirm."),
    ("delete", {"confirm": "y"}, "Please give your password."),
    ("delete", {"password": "not my password", "confirm": "y"}, "This is not your password."),
]


@pytest.mark.parametrize(("form", "data", "error"), INVALID)
def test_invalid_forms_come_back_with_their_errors(site, web, smtp_server, form, data, error):
    path = open_form(site, web, form)
    response = post_form(web, path, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error in html
    assert 'role="alert"' in html
    if data.get("email") and "@" in data["email"] and len(data["email"]) < 100:
        assert f'value="{data["email"].strip()}"' in html  # what was typed is kept
    assert smtp_server.messages == []
    with get_database(site).session_scope() as session:
        assert [account.email for account in session.exec(select(Account))] in (
            [],
            ["host@example.org"],
        )
    if form in ("password", "delete", "reset_password"):
        assert login(browser(site), "host@example.org")  # the password did not change


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_forms_refuse_a_wrong_csrf_token(site, web, form, token):
    path = open_form(site, web, form)
    data = {"email": "host@example.org", "password": PASSWORD, "current": PASSWORD}
    data |= {"confirm": "y"} if form == "delete" else {"confirm": PASSWORD}
    if token:
        data["csrf_token"] = token
    assert web.post(path, data=data).status_code == 400
    if form in ("password", "delete"):
        assert signed_in(web) and login(browser(site), "host@example.org")  # nothing changed


# -- no enumeration --------------------------------------------------------------------------


def same_page(html: str, email: str) -> str:
    return CSRF_VALUE.sub(r'\1"', html.replace(email, "ADDRESS"))


def test_sign_up_with_a_taken_address_looks_like_a_new_one(site, smtp_server):
    make_account(site, "taken@example.org")
    taken = sign_up(browser(site), "taken@example.org", password="someone else's pass")
    new = sign_up(browser(site), "new@example.org")
    assert taken.status_code == new.status_code == 200
    assert same_page(taken.get_data(as_text=True), "taken@example.org") == same_page(
        new.get_data(as_text=True), "new@example.org"
    )
    with get_database(site).session_scope() as session:
        rows = session.exec(select(Account).where(Account.email == "taken@example.org")).all()
        assert len(rows) == 1
    assert login(browser(site), "taken@example.org")  # its password did not change

    (warning,) = mails_to(smtp_server, "taken@example.org")
    assert "already has one" in warning.get_content()
    assert "/account/verify/" not in warning.get_content()
    (welcome,) = mails_to(smtp_server, "new@example.org")
    assert "/account/verify/" in welcome.get_content()


def test_sign_up_with_a_taken_unconfirmed_address_offers_a_reset_not_a_confirmation(
    site, smtp_server
):
    # Someone else may have signed up with this address: confirming their account would hand
    # it to them, so its owner is sent to choose a new password instead.
    make_account(site, "squatted@example.org", password="the squatter's pass", verified=False)
    sign_up(browser(site), "squatted@example.org")
    (warning,) = mails_to(smtp_server, "squatted@example.org")
    assert "/account/reset" in warning.get_content()
    assert "/account/verify/" not in warning.get_content()


@pytest.mark.parametrize("path", ["/account/reset", "/account/verify/resend"])
def test_asking_for_a_link_answers_the_same_for_unknown_addresses(site, smtp_server, path):
    make_account(site, "known@example.org", verified=path == "/account/reset")
    known = post_form(browser(site), path, {"email": "known@example.org"})
    unknown = post_form(browser(site), path, {"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert same_page(known.get_data(as_text=True), "known@example.org") == same_page(
        unknown.get_data(as_text=True), "unknown@example.org"
    )
    assert [message["To"] for message in smtp_server.messages] == ["known@example.org"]


def test_unknown_address_and_wrong_password_get_the_same_answer(site):
    make_account(site, "known@example.org")
    data = {"password": "not the password"}
    wrong = post_form(browser(site), "/account/login", {"email": "known@example.org", **data})
    unknown = post_form(browser(site), "/account/login", {"email": "nobody@example.org", **data})
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong e-mail address or password." in wrong.get_data(as_text=True)
    assert same_page(wrong.get_data(as_text=True), "known@example.org") == same_page(
        unknown.get_data(as_text=True), "nobody@example.org"
    )


# -- unconfirmed and disabled accounts ----------------------------------------------------------


def test_an_unconfirmed_account_cannot_sign_in_until_confirmed(site, web, smtp_server):
    make_account(site, "waiting@example.org", verified=False)
    wrong = post_form(web, "/account/login", {"email": "waiting@example.org", "password": "x" * 12})
    assert wrong.status_code == 400
    assert "Confirm your address" not in wrong.get_data(as_text=True)

    response = post_form(
        web, "/account/login", {"email": "waiting@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Confirm your address first" in html
    assert 'value="waiting@example.org"' in html
    assert not signed_in(web)

    token = CSRF_VALUE.search(html).group(0).rsplit('"', 2)[1]
    response = web.post(
        "/account/verify/resend", data={"csrf_token": token, "email": "waiting@example.org"}
    )
    assert response.status_code == 200
    (message,) = mails_to(smtp_server, "waiting@example.org")
    assert web.get(link_in(message)).status_code == 302
    assert login(web, "waiting@example.org").headers["Location"] == dashboard_url(site)


def test_a_bad_or_expired_confirmation_link_offers_a_new_one(site, web):
    make_account(site, "waiting@example.org", verified=False)
    old = make_token(site, "waiting@example.org", "email_verification", age=3 * 86400 + 1)
    for token in (old, "garbage", old[:-3] + "abc"):
        response = web.get(f"/account/verify/{token}")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "This link does not work" in html and "/account/verify/resend" in html
    assert account_row(site, "waiting@example.org").email_verified_at is None


def test_a_disabled_account_cannot_sign_in(site, web):
    make_account(site, "gone@example.org")
    with get_database(site).session_scope() as session:
        find_account(session, "gone@example.org").disabled = True
        session.commit()
    data = {"email": "gone@example.org", "password": PASSWORD}
    assert post_form(web, "/account/login", data).status_code == 403
    assert not signed_in(web)
    data["password"] = "not the password"
    assert post_form(web, "/account/login", data).status_code == 400


# -- passwords -------------------------------------------------------------------------------


def reset_link(site, smtp_server, email: str) -> str:
    response = post_form(browser(site), "/account/reset", {"email": email})
    assert response.status_code == 200
    return link_in(mails_to(smtp_server, email)[-1])


def test_a_reset_link_sets_a_new_password_once(site, web, smtp_server):
    make_account(site, "host@example.org")
    other = browser(site)
    login(other, "host@example.org")
    path = reset_link(site, smtp_server, "host@example.org")
    assert path.startswith("/account/reset/")
    assert web.get(path).status_code == 200

    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = post_form(web, path, data)
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    assert "password of your account" in mails_to(smtp_server, "host@example.org")[-1].get_content()
    assert not signed_in(other)  # every session ended

    assert web.get(path).status_code == 400  # used
    token = csrf_token(web, "/account/reset")
    assert web.post(path, data={**data, "csrf_token": token}).status_code == 400
    login(web, "host@example.org", NEW_PASSWORD)
    old = {"email": "host@example.org", "password": PASSWORD}
    wrong = post_form(browser(site), "/account/login", old)
    assert wrong.status_code == 400


def test_a_reset_link_expires_after_an_hour(site, web):
    make_account(site, "host@example.org")
    fresh = make_token(site, "host@example.org", "password_reset", age=3590)
    assert web.get(f"/account/reset/{fresh}").status_code == 200
    token = make_token(site, "host@example.org", "password_reset", age=3601)
    response = web.get(f"/account/reset/{token}")
    assert response.status_code == 400
    assert "/account/reset" in response.get_data(as_text=True)


def test_a_reset_confirms_an_unconfirmed_address(site, web, smtp_server):
    make_account(site, "waiting@example.org", verified=False)
    path = reset_link(site, smtp_server, "waiting@example.org")
    post_form(web, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert login(web, "waiting@example.org", NEW_PASSWORD)


def test_changing_the_password_signs_out_other_sessions_only(site, web, smtp_server):
    make_account(site, "host@example.org")
    other = browser(site)
    login(other, "host@example.org")
    login(web, "host@example.org")

    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = post_form(web, "/account/password", data)
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert signed_in(web)
    assert not signed_in(other)
    assert "was just changed" in mails_to(smtp_server, "host@example.org")[-1].get_content()
    login(browser(site), "host@example.org", NEW_PASSWORD)


def test_changing_the_password_needs_a_fresh_sign_in(site, web):
    make_account(site, "host@example.org")
    login(web, "host@example.org")
    with web.session_transaction() as session:
        session["_fresh"] = False
    response = web.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=/account/password"


# -- rate limits and redirects ---------------------------------------------------------------


def test_the_eleventh_sign_in_attempt_in_a_minute_is_refused(site, web):
    token = csrf_token(web, "/account/login")
    data = {"csrf_token": token, "email": "someone@example.org", "password": "not the password"}
    statuses = [web.post("/account/login", data=data).status_code for _ in range(11)]
    assert statuses == [400] * 10 + [429]


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_sign_in_never_redirects_to_another_site(site, web, target):
    make_account(site, "host@example.org")
    token = csrf_token(web, "/account/login")
    data = {"csrf_token": token, "email": "host@example.org", "password": PASSWORD}
    response = web.post("/account/login", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == dashboard_url(site)
    assert "evil" not in response.headers["Location"]


def test_sign_in_goes_back_to_the_page_asked_for(site, web):
    make_account(site, "host@example.org")
    response = web.get("/account/delete")
    assert response.headers["Location"] == "/account/login?next=%2Faccount%2Fdelete"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert 'action="/account/login?next=/account/delete"' in page
    token = csrf_token(web, "/account/login")
    data = {"csrf_token": token, "email": "host@example.org", "password": PASSWORD}
    response = web.post("/account/login?next=/account/delete", data=data)
    assert response.headers["Location"] == "/account/delete"


# -- the account page and its deletion -------------------------------------------------------


def an_organization_id(app, slug: str = "le-chaton-libre") -> int:
    with get_database(app).session_scope() as session:
        return session.exec(select(Organization).where(Organization.slug == slug)).one().id


def test_the_account_page_lists_the_organizations_it_edits(site, web):
    organization_id = an_organization_id(site)
    make_account(site, "host@example.org", organizations=(organization_id,))
    login(web, "host@example.org")
    page = web.get("/account/").get_data(as_text=True)
    assert f"/dashboard/organizations/{organization_id}" in page
    assert "/account/password" in page and "/account/delete" in page


def test_deleting_the_account(site, web):
    organization_id = an_organization_id(site)
    account_id = make_account(site, "host@example.org", organizations=(organization_id,))
    login(web, "host@example.org")
    data = {"password": PASSWORD, "confirm": "y"}
    response = post_form(web, "/account/delete", data)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert account_row(site, "host@example.org") is None
    with get_database(site).session_scope() as session:
        assert session.get(OrganizationMember, (account_id, organization_id)) is None
        assert session.get(Organization, organization_id) is not None
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "account_deleted")
        ).all()
        assert event.actor_id is None and event.detail == {"account_id": account_id}
    assert not signed_in(web)


def test_the_last_admin_cannot_delete_itself(site, web):
    make_account(site, "admin@example.org", role="admin")
    login(web, "admin@example.org")
    assert "only administrator" in web.get("/account/delete").get_data(as_text=True)
    data = {"password": PASSWORD, "confirm": "y"}
    response = post_form(web, "/account/delete", data)
    assert response.status_code == 400
    assert account_row(site, "admin@example.org") is not None

    make_account(site, "second@example.org", role="admin")
    assert post_form(web, "/account/delete", data).status_code == 302
    assert account_row(site, "admin@example.org") is None
