"""Accounts: creation, password hashing (argon2), sign-ins kept on the server, signed
single-use tokens, editing rights.

Tokens are signed with the app's secret and a salt per purpose; each signs data that changes
once the token has been used (the address being verified, a piece of the password hash), so a
used token is worthless (as Flask-Security and Django do).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, delete, func, select

from directory.models import Account, AccountSession, AuditEvent, Organization, OrganizationMember
from directory.timeutil import utcnow

ROLES = ("host", "moderator", "admin")
MIN_PASSWORD, MAX_PASSWORD = 12, 128
VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when no account matches keeps timing the same (no enumeration).
    Made on first use, not at import: an argon2 hash takes 64 MiB, which every process (CLI
    commands included) would otherwise hold at its peak."""
    return _hasher.hash("not a real password, only for timing")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(session: Session, account: Account | None, password: str) -> bool:
    """True if `password` is the account's; rehashes it when the parameters changed."""
    if account is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return False
    try:
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
        session.add(account)
    return True


def find_account(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == normalize_email(email))).first()


def create_account(session: Session, email: str, password: str, role: str = "host") -> Account:
    """A new, unverified account; the caller has checked the address is free and commits."""
    account = Account(
        email=normalize_email(email),
        password_hash=hash_password(password),
        role=role,
    )
    session.add(account)
    session.flush()
    return account


def set_password(
    session: Session, account: Account, password: str, keep: str | None = None
) -> None:
    """Change the password and end every session of the account but `keep` (the token of the
    sign-in that changed it, if any)."""
    account.password_hash = hash_password(password)
    session.add(account)
    end_sessions(session, account, keep=keep)


# -- sessions (sign-ins kept on the server) ----------------------------------------------------


def start_session(session: Session, account: Account, lifetime: timedelta) -> str:
    """A new sign-in of `account`, accepted for `lifetime`: its token, which only the
    browser's cookies hold (the database keeps a hash). The account's expired sign-ins are
    removed on the way, so the table only holds what could still be used."""
    now = utcnow()
    session.exec(
        delete(AccountSession).where(
            AccountSession.account_id == account.id, AccountSession.expires_at <= now
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountSession(
            account_id=account.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def account_by_session_token(session: Session, token: str) -> Account | None:
    """The account signed in with `token`, unless that sign-in ended, expired or the account
    is disabled."""
    row = session.exec(
        select(AccountSession, Account)
        .join(Account, Account.id == AccountSession.account_id)
        .where(AccountSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    sign_in, account = row
    if sign_in.expires_at <= utcnow() or account.disabled:
        return None
    return account


def end_session(session: Session, token: str) -> None:
    """End one sign-in (signing out): its cookies are refused from now on."""
    session.exec(delete(AccountSession).where(AccountSession.token_hash == hash_token(token)))


def end_sessions(session: Session, account: Account, keep: str | None = None) -> int:
    """End every sign-in of `account` but `keep`; how many ended."""
    statement = delete(AccountSession).where(AccountSession.account_id == account.id)
    if keep is not None:
        statement = statement.where(AccountSession.token_hash != hash_token(keep))
    return session.exec(statement).rowcount


def other_sessions(session: Session, account: Account, current: str) -> int:
    """How many sign-ins of `account`, besides `current`, are still open."""
    return session.exec(
        select(func.count(AccountSession.id)).where(
            AccountSession.account_id == account.id,
            AccountSession.token_hash != hash_token(current),
            AccountSession.expires_at > utcnow(),
        )
    ).one()


def count_admins(session: Session) -> int:
    return session.exec(select(func.count(Account.id)).where(Account.role == "admin")).one()


# -- signed tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    secret: str

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=f"portee-{purpose}")

    def email_verification(self, account: Account) -> str:
        return self._serializer("verify").dumps([account.id, account.email])

    def password_reset(self, account: Account) -> str:
        return self._serializer("reset").dumps([account.id, _fingerprint(account.password_hash)])

    def read_email_verification(self, session: Session, token: str) -> Account | None:
        data = self._load("verify", token, VERIFY_MAX_AGE)
        account = session.get(Account, data[0]) if data else None
        if account is None or account.email != data[1]:
            return None
        return account

    def read_password_reset(self, session: Session, token: str) -> Account | None:
        data = self._load("reset", token, RESET_MAX_AGE)
        account = session.get(Account, data[0]) if data else None
        if account is None or _fingerprint(account.password_hash) != data[1]:
            return None  # already used: the password changed since
        return account

    def _load(self, purpose: str, token: str, max_age: int):
        try:
            data = self._serializer(purpose).loads(token, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(data, list) or len(data) != 2 or not isinstance(data[0], int):
            return None
        return data


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def hash_token(token: str) -> str:
    """What is stored of a token sent by e-mail (invitations): never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


# -- editing rights ------------------------------------------------------------------------


def organizations_of(session: Session, account: Account) -> list[Organization]:
    return list(
        session.exec(
            select(Organization)
            .join(OrganizationMember, OrganizationMember.organization_id == Organization.id)
            .where(OrganizationMember.account_id == account.id)
            .order_by(Organization.name)
        ).all()
    )


def membership_of(
    session: Session, account: Account, organization_id: int
) -> OrganizationMember | None:
    return session.get(OrganizationMember, (account.id, organization_id))


def add_editor(
    session: Session, account: Account, organization: Organization, role: str = "editor"
) -> OrganizationMember:
    member = membership_of(session, account, organization.id) or OrganizationMember(
        account_id=account.id, organization_id=organization.id, role=role
    )
    session.add(member)
    return member


def audit(
    session: Session,
    actor: Account | None,
    action: str,
    organization_id: int | None = None,
    **detail,
) -> None:
    """Record an action in the private audit trail (never secrets)."""
    session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            organization_id=organization_id,
            detail=detail,
            created_at=utcnow(),
        )
    )
