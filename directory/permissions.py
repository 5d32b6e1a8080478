"""Who may do what, in one place (security.md §6): deny by default, checked on every route.

Invisible things answer 404, visible but not changeable ones 403 (the views decide which from
`can_see` and `can`).
"""

from __future__ import annotations

from sqlmodel import Session

from directory.accounts import membership_of
from directory.models import Account, Organization

# action → who may do it besides the organization's own editors
_STAFF = {
    "see": ("moderator", "admin"),  # a candidate's private page, its application, import logs
    "edit": ("admin",),  # moderators decide, they do not edit listings
    "refresh": ("moderator", "admin"),  # fetch a source now
    "confirm": ("admin",),  # "my listing is still right" (moderators have their own action)
    "manage_editors": ("admin",),
}


def can(session: Session, account: Account | None, action: str, organization: Organization):
    """True if `account` may do `action` on `organization` ("see", "edit", "refresh",
    "confirm", "manage_editors"); an owner manages editors, any editor edits and confirms."""
    if account is None or account.disabled or organization is None:
        return False
    if account.role in _STAFF.get(action, ()):
        return True
    member = membership_of(session, account, organization.id)
    if member is None:
        return False
    if action == "manage_editors":
        return member.role == "owner"
    return action in ("see", "edit", "refresh", "confirm")


def is_moderator(account: Account | None) -> bool:
    return account is not None and not account.disabled and account.role in ("moderator", "admin")


def is_admin(account: Account | None) -> bool:
    return account is not None and not account.disabled and account.role == "admin"
