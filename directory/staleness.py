"""Stale listings: a listing nobody confirmed for a while.

Staleness counts from the last *confirmation* of a listing (`Organization.confirmed_at`): a
good read of one of its files (directory/feeds/ledger.py writes them in batches), a save or a
"still right" click in the dashboard, a moderator's confirmation or admission. A file waiting
for its first read, or failing, never makes a host stale by itself: only the time since the
last confirmation does.

After `stale_after` days its cards and page say "not confirmed since …" and it ranks last;
after `hidden_after` days its offers leave the search results (search/ applies both at query
time from the same date) until a confirmation returns. The host is told by e-mail at each
step, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from directory.models import Account, Organization, OrganizationMember

# Files whose good read confirms a listing: news feeds say nothing of it.
CONFIRMING_KINDS = ("organization", "service", "json")


@dataclass(frozen=True)
class Notice:
    organization: Organization
    step: str  # "stale" | "hidden"
    since: datetime  # the listing's last confirmation
    recipients: tuple[str, ...]


def last_confirmed(session: Session, organization_id: int) -> datetime | None:
    """When the organization's listing was last confirmed (None: no such organization)."""
    organization = session.get(Organization, organization_id)
    return organization.confirmed_at if organization is not None else None


def confirm(organization: Organization, at: datetime) -> None:
    """Someone confirmed the listing at `at`; the caller adds and commits. The next lapse is
    notified again."""
    if organization.confirmed_at is None or organization.confirmed_at < at:
        organization.confirmed_at = at
    confirmed_again(organization)


def unconfirmed_since(confirmed_at: datetime | None, today: date, stale_after: int) -> date | None:
    """The day of the last confirmation if the listing is stale on `today`, else None. The
    rule search applies (search/query.py): confirmed before `today - stale_after` days."""
    if confirmed_at is None:
        return None
    day = confirmed_at.date()
    return day if day.toordinal() < today.toordinal() - stale_after else None


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
        since = organization.confirmed_at
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
