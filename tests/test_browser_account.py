"""The account page in a real browser: where one is signed in, and "sign out everywhere"
ending the sign-in of another browser. Every page opened passes axe-core.

This module serves its own site (the shared live server's app is out of reach), so it can
create the account in the database the server reads.
"""

from __future__ import annotations

import re

import pytest
from browsing import assert_accessible, expect, serving

from support import make_account, make_app, prepare

EMAIL = "camille@chaton.example"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """Overrides browsing.live_server for this module: `new_page` opens pages on this site."""
    app = make_app(tmp_path_factory.mktemp("browser-account"))
    prepare(app)
    make_account(app, EMAIL, password=PASSWORD)
    with serving(app) as url:
        yield url


def sign_in(page, email_label: str, password_label: str, button: str) -> None:
    page.goto("/account/login")
    page.get_by_label(email_label).fill(EMAIL)
    page.get_by_label(password_label, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/dashboard/"))


def test_sign_out_everywhere_ends_the_other_browsers_sign_in(new_page):
    laptop = new_page("fr-FR")
    sign_in(laptop, "Adresse e-mail", "Mot de passe", "Se connecter")
    laptop.goto("/account/")
    expect(
        laptop.get_by_text("Aucune autre connexion à votre compte n’est ouverte.")
    ).to_be_visible()
    assert_accessible(laptop)

    phone = new_page("en-US")
    sign_in(phone, "E-mail address", "Password", "Sign in")
    phone.goto("/account/")
    expect(phone.get_by_role("heading", name="Where I am signed in")).to_be_visible()
    expect(phone.get_by_text("1 other sign-in of your account is still open")).to_be_visible()
    assert_accessible(phone)

    phone.get_by_role("button", name="Sign out everywhere, this device included").click()
    phone.wait_for_url(re.compile(r"/account/login$"))
    expect(phone.get_by_text("You are signed out everywhere")).to_be_visible()
    assert_accessible(phone)

    laptop.goto("/account/")
    laptop.wait_for_url(re.compile(r"/account/login\?next="))
    expect(laptop.get_by_role("button", name="Se connecter")).to_be_visible()
