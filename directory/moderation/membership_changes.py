"""Membership changes a moderator makes to a listed organization: suspend, reinstate, record
its departure, or confirm that its listing is still right.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from directory import permissions, staleness
from directory.accounts import audit
from directory.models import Account, Organization, PublicLogEntry
from directory.moderation.errors import MAX_REASON, ModerationError
from directory.moderation.team import is_conflicted
from directory.timeutil import utcnow

ALL_MEMBERSHIPS = ("candidate", "member", "suspended", "former")

# What a moderator may do to a listing's membership: action → (from, to, public log kind).
MEMBERSHIP_ACTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "suspend": (("member",), "suspended", "suspended"),
    "reinstate": (("suspended", "former"), "member", "reinstated"),
    "former": (("member", "suspended"), "former", "left"),
}


def change_membership(
    session: Session,
    moderator: Account,
    organization: Organization,
    action: str,
    public_reason: str | None = None,
) -> PublicLogEntry:
    """Suspend a member, reinstate it, or record that it left: its page says so with the
    public reason, and the index drops (or takes back) its offers after the commit."""
    if not permissions.is_moderator(moderator):
        raise ModerationError("not_allowed")
    if action not in MEMBERSHIP_ACTIONS:
        raise ModerationError("unknown_action", action=action)
    sources, target, kind = MEMBERSHIP_ACTIONS[action]
    if organization.membership not in sources:
        raise ModerationError("wrong_membership", membership=organization.membership)
    if is_conflicted(session, moderator, organization.id):
        raise ModerationError("own_organization")
    public_reason = (public_reason or "").strip() or None
    if action == "suspend" and public_reason is None:
        raise ModerationError("reason_missing")
    if public_reason and len(public_reason) > MAX_REASON:
        raise ModerationError("too_long", limit=MAX_REASON)
    before = {"membership": organization.membership, "reason": organization.membership_reason}
    now = utcnow()
    organization.membership = target
    organization.membership_reason = public_reason if target != "member" else None
    organization.updated_at = now
    session.add(organization)
    entry = PublicLogEntry(
        organization_id=organization.id,
        organization_name=organization.name,
        kind=kind,
        public_reason=public_reason,
        created_at=now,
    )
    session.add(entry)
    audit(
        session,
        moderator,
        f"organization_{kind}",
        organization.id,
        before=before,
        after={"membership": organization.membership, "reason": organization.membership_reason},
    )
    return entry


def confirm_listing(session: Session, moderator: Account, organization: Organization) -> None:
    """A moderator checked the listing and confirms it: staleness counts again from now (the
    audit trail says who did, like every moderator action)."""
    if not permissions.is_moderator(moderator):
        raise ModerationError("not_allowed")
    if organization.membership != "member":
        raise ModerationError("wrong_membership", membership=organization.membership)
    before = organization.confirmed_at
    staleness.confirm(organization, utcnow())
    session.add(organization)
    audit(
        session,
        moderator,
        "organization_confirmed",
        organization.id,
        before={"confirmed_at": before.isoformat() if before else None},
        after={"confirmed_at": organization.confirmed_at.isoformat()},
    )


def listed_organizations(
    session: Session, memberships: tuple[str, ...] = ("member", "suspended", "former")
) -> list[Organization]:
    """Organizations a moderator may suspend, reinstate or mark as gone, by name."""
    return list(
        session.exec(
            select(Organization)
            .where(Organization.membership.in_(memberships))
            .order_by(func.lower(Organization.name))
        ).all()
    )
