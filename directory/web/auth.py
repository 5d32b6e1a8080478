"""The signed-in account, as Flask-Login sees it, and route guards built on permissions.py."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import UserMixin, current_user, login_required

from directory import permissions
from directory.accounts import account_by_session_token
from directory.db import get_session
from directory.models import Account, Organization
from directory.web.extensions import login_manager


class SignedIn(UserMixin):
    """Wraps an Account for Flask-Login. `get_id` is the token of this sign-in (Flask-Login's
    "alternative id", an AccountSession), not the account's id: the loader checks it against
    the database on every request, so a sign-in that ended is refused at once."""

    def __init__(self, account: Account, session_token: str) -> None:
        self.account = account
        self.session_token = session_token

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return not self.account.disabled


@login_manager.user_loader
def _load(session_token: str) -> SignedIn | None:
    account = account_by_session_token(get_session(), session_token)
    return SignedIn(account, session_token) if account else None


def current_session_token() -> str | None:
    """The token of this request's sign-in, or None."""
    if not current_user.is_authenticated:
        return None
    return current_user.session_token


def current_account() -> Account | None:
    """The signed-in account (attached to this request's session), or None."""
    if not current_user.is_authenticated:
        return None
    return current_user.account


def organization_for(organization_id: int, action: str) -> Organization:
    """The organization, if the signed-in account may `action` it: else 404 when it may not
    even see it, 403 when it may see but not change it."""
    session = get_session()
    organization = session.get(Organization, organization_id)
    account = current_account()
    if organization is None or not permissions.can(session, account, "see", organization):
        abort(404)
    if not permissions.can(session, account, action, organization):
        abort(403)
    return organization


def moderator_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not permissions.is_moderator(current_account()):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not permissions.is_admin(current_account()):
            abort(403)
        return view(*args, **kwargs)

    return wrapper
