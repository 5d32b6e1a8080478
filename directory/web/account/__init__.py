"""Accounts: sign up, verify the address, sign in and out, reset and change the password,
delete the account."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from directory.web.account import routes  # noqa: E402,F401
