"""The team of moderators and admins: who is on it, who may moderate which organization, how
rights are granted and taken back, and whom to write to.
"""

from __future__ import annotations

from sqlmodel import Session, select

from directory import permissions
from directory.accounts import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    audit,
    count_admins,
    create_account,
    find_account,
    membership_of,
    set_password,
)
from directory.models import Account, Application, OrganizationMember
from directory.moderation.errors import ModerationError
from directory.timeutil import utcnow

STAFF_ROLES = ("moderator", "admin")


def is_conflicted(session: Session, account: Account, organization_id: int) -> bool:
    """A moderator who edits the organization does not moderate it."""
    return membership_of(session, account, organization_id) is not None


def team(session: Session) -> list[Account]:
    """Moderators and admins, admins first."""
    return list(
        session.exec(
            select(Account)
            .where(Account.role.in_(STAFF_ROLES))
            .order_by(Account.role, Account.email)
        ).all()
    )


def grant_moderator(session: Session, admin: Account, email: str) -> Account:
    """An admin makes an existing, confirmed account a moderator."""
    if not permissions.is_admin(admin):
        raise ModerationError("not_allowed")
    account = find_account(session, email)
    if account is None or account.disabled or account.email_verified_at is None:
        raise ModerationError("no_such_account")
    if account.role in STAFF_ROLES:
        raise ModerationError("already_moderator")
    _set_role(session, admin, account, "moderator", "role_granted")
    return account


def revoke_moderator(session: Session, admin: Account, account: Account) -> None:
    """An admin takes back moderator (or admin) rights; the last admin stays."""
    if not permissions.is_admin(admin):
        raise ModerationError("not_allowed")
    if account.role not in STAFF_ROLES:
        raise ModerationError("not_moderator")
    if account.role == "admin" and count_admins(session) <= 1:
        raise ModerationError("last_admin")
    _set_role(session, admin, account, "host", "role_revoked")


def make_admin(session: Session, email: str, password: str | None = None) -> tuple[Account, bool]:
    """`flask accounts create-admin`: a new confirmed admin, or an existing account promoted
    (whoever runs the command vouches for the address). True if the account is new."""
    account = find_account(session, email)
    created = account is None
    if created:
        if password is None or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise ModerationError("bad_password", min=MIN_PASSWORD, max=MAX_PASSWORD)
        account = create_account(session, email, password, role="host")
    elif password is not None:
        set_password(session, account, password)
    account.email_verified_at = account.email_verified_at or utcnow()
    account.disabled = False
    if account.role != "admin":
        _set_role(session, None, account, "admin", "role_granted", via="command line")
    session.add(account)
    return account, created


def _set_role(
    session: Session, actor: Account | None, account: Account, role: str, action: str, **detail
) -> None:
    before = account.role
    account.role = role
    session.add(account)
    audit(
        session,
        actor,
        action,
        None,
        account_id=account.id,
        email=account.email,
        before={"role": before},
        after={"role": role},
        **detail,
    )


def moderator_addresses(session: Session, organization_id: int | None = None) -> list[str]:
    """Whom to tell of an answer or an appeal: every active moderator and admin, except
    those who edit the organization concerned."""
    statement = select(Account).where(
        Account.role.in_(STAFF_ROLES),
        Account.disabled == False,  # noqa: E712
        Account.email_verified_at.is_not(None),
    )
    accounts = session.exec(statement.order_by(Account.email)).all()
    if organization_id is None:
        return [a.email for a in accounts]
    editors = set(
        session.exec(
            select(OrganizationMember.account_id).where(
                OrganizationMember.organization_id == organization_id
            )
        ).all()
    )
    return [a.email for a in accounts if a.id not in editors]


def applicant_addresses(session: Session, application: Application) -> list[str]:
    """Whom to tell of a question or a decision: the organization's editors (the applicant
    first), active accounts only."""
    rows = session.exec(
        select(Account)
        .join(OrganizationMember, OrganizationMember.account_id == Account.id)
        .where(
            OrganizationMember.organization_id == application.organization_id,
            Account.disabled == False,  # noqa: E712
        )
        .order_by(Account.email)
    ).all()
    rows = sorted(rows, key=lambda a: a.id != application.applicant_id)
    return [a.email for a in rows]
