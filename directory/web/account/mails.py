"""The mails of the account blueprint, rendered from templates/account/mail/ in the current
locale; links come from PORTEE_BASE_URL, never from the request's Host header."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from directory.accounts import Tokens
from directory.mail import send_mail
from directory.models import Account


def _tokens() -> Tokens:
    return Tokens(current_app.secret_key)


def link(endpoint: str, **values) -> str:
    return f"{current_app.config['PORTEE_BASE_URL'].rstrip('/')}{url_for(endpoint, **values)}"


def _send(account: Account, subject: str, template: str, **context) -> None:
    body = render_template(f"account/mail/{template}", account=account, **context)
    send_mail(account.email, subject, body)


def send_verification(account: Account) -> None:
    token = _tokens().email_verification(account)
    _send(
        account,
        _("Confirm your address on Portée"),
        "verify.txt",
        link=link("account.verify", token=token),
    )


def send_signup_existing(account: Account) -> None:
    """Someone signed up with an address that already has an account: tell its owner only."""
    _send(
        account,
        _("Someone tried to create an account with your address"),
        "signup_existing.txt",
        login_link=link("account.login"),
        reset_link=link("account.reset_request"),
    )


def send_reset(account: Account) -> None:
    token = _tokens().password_reset(account)
    _send(
        account,
        _("Choose a new password on Portée"),
        "reset.txt",
        link=link("account.reset_password", token=token),
    )


def send_password_changed(account: Account) -> None:
    _send(
        account,
        _("Your Portée password was changed"),
        "password_changed.txt",
        reset_link=link("account.reset_request"),
    )
