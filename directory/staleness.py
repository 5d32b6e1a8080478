"""Stale listings: a host whose ChatonsInfos file has not been read successfully for a while.

After `stale_after` days its page says "not confirmed since …" and it ranks last; after
`hidden_after` days its offers leave the search results (search/ applies both at query time
from the same dates) until a good read returns. The host is told by e-mail at each step, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from directory.models import Account, Organization, OrganizationMember, Source


@dataclass(frozen=True)
class Notice:
    organization: Organization
    step: str  # "stale" | "hidden"
    since: datetime  # the last good read (or the first attempt if none ever succeeded)
    recipients: tuple[str, ...]


def last_confirmed(session: Session, organization_id: int) -> datetime | None:
    """When the organization's file was last read successfully (None: it has no file)."""
    sources = session.exec(
        select(Source).where(
            Source.organization_id == organization_id, Source.kind == "organization"
        )
    ).all()
    if not sources:
        return None
    moments = [s.last_success_at or s.last_attempt_at for s in sources]
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def recipients(session: Session, organization: Organization) -> tuple[str, ...]:
    """Who hears about the listing: its editors, else its public contact address."""
    emails = session.exec(
        select(Account.email)
        .join(OrganizationMember, OrganizationMember.account_id == Account.id)
        .where(OrganizationMember.organization_id == organization.id, Account.disabled == False)  # noqa: E712
    ).all()
    if emails:
        return tuple(sorted(emails))
    return (organization.contact_email,) if organization.contact_email else ()


def due_notices(
    session: Session, now: datetime, stale_after: int, hidden_after: int
) -> list[Notice]:
    """Members that crossed a threshold and were not told yet."""
    notices = []
    members = session.exec(select(Organization).where(Organization.membership == "member"))
    for organization in members:
        since = last_confirmed(session, organization.id)
        if since is None:
            continue
        age = now - since
        if age >= timedelta(days=hidden_after) and organization.hidden_notified_at is None:
            step = "hidden"
        elif age >= timedelta(days=stale_after) and organization.stale_notified_at is None:
            step = "stale"
        else:
            continue
        notices.append(Notice(organization, step, since, recipients(session, organization)))
    return notices


def send_notices(
    session: Session,
    now: datetime,
    stale_after: int,
    hidden_after: int,
    send: Callable[[Notice], None],
) -> list[Notice]:
    """Tell every host that crossed a threshold, once per step; the caller commits."""
    notices = due_notices(session, now, stale_after, hidden_after)
    for notice in notices:
        if notice.recipients:
            send(notice)
        if notice.step == "hidden":
            notice.organization.hidden_notified_at = now
            notice.organization.stale_notified_at = notice.organization.stale_notified_at or now
        else:
            notice.organization.stale_notified_at = now
        session.add(notice.organization)
    return notices


def confirmed_again(organization: Organization) -> None:
    """A good read came back: the next lapse is notified again."""
    organization.stale_notified_at = None
    organization.hidden_notified_at = None
