"""Votes and decisions: each moderator votes once per round (approve, reject or abstain); when
enough of them have voted (the quorum, abstentions not counted) the share of approvals decides.
An approval makes the candidate a member; a rejection is logged publicly without its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from directory import membership, ownership, permissions, staleness
from directory.accounts import audit
from directory.models import (
    Account,
    Application,
    ApplicationMessage,
    Decision,
    Organization,
    PublicLogEntry,
)
from directory.moderation.errors import MAX_REASON, ModerationError
from directory.moderation.team import is_conflicted
from directory.timeutil import utcnow

VOTES = ("approve", "reject", "abstain")
DEFAULT_QUORUM = 2  # non-abstaining votes needed before the application is decided
DEFAULT_MAJORITY = 1.0  # share of approvals among them needed to admit (1.0: no rejection)


@dataclass(frozen=True)
class Rules:
    """How many non-abstaining votes decide (quorum), and the share of approvals that admits."""

    quorum: int = DEFAULT_QUORUM
    majority: float = DEFAULT_MAJORITY

    def __post_init__(self) -> None:
        if self.quorum < 1 or not 0 < self.majority <= 1:
            raise ValueError("quorum must be ≥ 1 and majority in ]0, 1]")

    @classmethod
    def from_config(cls, config: Mapping) -> Rules:
        """PORTEE_QUORUM and PORTEE_MAJORITY, with the defaults above."""
        return cls(
            int(config.get("PORTEE_QUORUM", DEFAULT_QUORUM)),
            float(config.get("PORTEE_MAJORITY", DEFAULT_MAJORITY)),
        )


@dataclass(frozen=True)
class Tally:
    approvals: int = 0
    rejections: int = 0
    abstentions: int = 0

    @property
    def counted(self) -> int:
        """The votes that count toward the quorum (abstentions do not)."""
        return self.approvals + self.rejections

    def outcome(self, rules: Rules) -> str | None:
        """ "approved" or "rejected" once the quorum is reached, else None (still open)."""
        if self.counted < rules.quorum:
            return None
        return "approved" if self.approvals / self.counted >= rules.majority else "rejected"

    def as_dict(self) -> dict:
        return {
            "approve": self.approvals,
            "reject": self.rejections,
            "abstain": self.abstentions,
        }


@dataclass(frozen=True)
class VoteOutcome:
    decision: Decision
    tally: Tally
    result: str | None  # "approved" | "rejected" | None: the application is still open


def tally(decisions: list[Decision]) -> Tally:
    votes = [d.vote for d in decisions]
    return Tally(votes.count("approve"), votes.count("reject"), votes.count("abstain"))


def decisions_of(
    session: Session, application: Application, round: int | None = None
) -> list[Decision]:
    """The votes of one round (the current one by default), oldest first."""
    return list(
        session.exec(
            select(Decision)
            .where(
                Decision.application_id == application.id,
                Decision.round == (application.round if round is None else round),
            )
            .order_by(Decision.created_at, Decision.id)
        ).all()
    )


def may_vote(session: Session, account: Account | None, application: Application) -> str | None:
    """None if `account` may vote on the application now, else the refusal's code."""
    if not permissions.is_moderator(account):
        return "not_allowed"
    if application.state not in membership.OPEN_STATES:
        return "closed"
    if is_conflicted(session, account, application.organization_id):
        return "own_organization"
    if _vote_of(session, account, application) is not None:
        return "already_voted"
    return None


def vote(
    session: Session,
    moderator: Account,
    application: Application,
    choice: str,
    reason: str | None = None,
    rules: Rules | None = None,
) -> VoteOutcome:
    """Record one moderator's vote, then decide the application if the quorum is reached.

    A rejection needs a reason: it is shown to the applicant (never to the public). So does an
    approval of a candidate whose domain is not proved: the reason says why it is trusted.
    """
    rules = rules or Rules()
    if choice not in VOTES:
        raise ModerationError("unknown_vote", vote=choice)
    session.refresh(application, with_for_update=True)  # two last votes at once decide once
    refusal = may_vote(session, moderator, application)
    if refusal:
        raise ModerationError(refusal)
    reason = (reason or "").strip() or None
    if choice == "reject" and reason is None:
        raise ModerationError("reason_missing")
    if choice == "approve" and reason is None and not domain_proved(session, application):
        raise ModerationError("reason_unproved")
    if reason and len(reason) > MAX_REASON:
        raise ModerationError("too_long", limit=MAX_REASON)
    decision = Decision(
        application_id=application.id,
        round=application.round,
        moderator_id=moderator.id,
        vote=choice,
        reason=reason,
        created_at=utcnow(),
    )
    before = tally(decisions_of(session, application))
    session.add(decision)
    try:
        session.flush()
    except IntegrityError as error:  # the same moderator's vote, sent twice at once
        raise ModerationError("already_voted") from error
    current = tally(decisions_of(session, application))
    audit(
        session,
        moderator,
        "moderation_vote",
        application.organization_id,
        application_id=application.id,
        round=application.round,
        vote=choice,
        reason=reason,
        before={"votes": before.as_dict()},
        after={"votes": current.as_dict()},
    )
    result = current.outcome(rules)
    if result == "approved":
        _admit(session, moderator, application, current)
    elif result == "rejected":
        _refuse(session, moderator, application, current)
    return VoteOutcome(decision, current, result)


def domain_proved(session: Session, application: Application) -> bool:
    """Whether the candidate has proved it holds the domain of its website (none: not proved)."""
    organization = session.get(Organization, application.organization_id)
    claim = ownership.current_claim(session, organization)
    return bool(claim and claim.verified_at)


def rejection_reasons(session: Session, application: Application) -> list[str]:
    """Why the moderators rejected the application (the reasons of the rejecting votes of the
    deciding round), for the applicant only: no moderator is named."""
    if application.state != "rejected":
        return []
    return [d.reason for d in decisions_of(session, application) if d.vote == "reject" and d.reason]


def _admit(session: Session, moderator: Account, application: Application, votes: Tally) -> None:
    """Approval: the candidate becomes a member; the index publishes it after the commit."""
    organization = session.get(Organization, application.organization_id)
    before = {"state": application.state, "membership": organization.membership}
    membership.transition(application, "approve")
    now = utcnow()
    application.decided_at = now
    organization.membership = "member"
    organization.membership_reason = None
    organization.updated_at = now
    staleness.confirm(organization, now)  # the moderators just checked the listing
    session.add_all([application, organization])
    session.add(
        PublicLogEntry(
            organization_id=organization.id,
            organization_name=organization.name,
            kind="admitted",
            created_at=now,
        )
    )
    audit(
        session,
        moderator,
        "application_approved",
        organization.id,
        application_id=application.id,
        round=application.round,
        votes=votes.as_dict(),
        before=before,
        after={"state": application.state, "membership": organization.membership},
    )


def _refuse(session: Session, moderator: Account, application: Application, votes: Tally) -> None:
    """Rejection: the organization stays a private candidate; the public log says only that
    an application was not accepted (no name, no reason)."""
    before = {"state": application.state}
    membership.transition(application, "reject")
    now = utcnow()
    application.decided_at = now
    session.add(application)
    session.add(
        PublicLogEntry(organization_id=None, organization_name="", kind="rejected", created_at=now)
    )
    audit(
        session,
        moderator,
        "application_rejected",
        application.organization_id,
        application_id=application.id,
        round=application.round,
        votes=votes.as_dict(),
        before=before,
        after={"state": application.state},
    )


def _vote_of(session: Session, account: Account, application: Application) -> Decision | None:
    return session.exec(
        select(Decision).where(
            Decision.application_id == application.id,
            Decision.round == application.round,
            Decision.moderator_id == account.id,
        )
    ).first()


# -- the review queue ----------------------------------------------------------------------


def open_applications(session: Session) -> list[tuple[Application, Organization]]:
    """Applications waiting for the moderators, the longest-waiting first (an appeal waits
    from the day it was made)."""
    waiting_since = func.coalesce(Application.appealed_at, Application.submitted_at)
    rows = session.exec(
        select(Application, Organization)
        .join(Organization, Organization.id == Application.organization_id)
        .where(Application.state.in_(membership.OPEN_STATES))
        .order_by(waiting_since, Application.id)
    ).all()
    return [(application, organization) for application, organization in rows]


def queue_votes(
    session: Session, account: Account, applications: list[Application]
) -> dict[int, tuple[Tally, str | None]]:
    """For the queue: each open application's tally this round, and `account`'s own vote."""
    found = {}
    for application in applications:
        decisions = decisions_of(session, application)
        mine = next((d.vote for d in decisions if d.moderator_id == account.id), None)
        found[application.id] = (tally(decisions), mine)
    return found


def message_authors(session: Session, application: Application) -> dict[int, str]:
    """Who wrote each message of the conversation (moderators see who asked), by message id."""
    rows = session.exec(
        select(ApplicationMessage.id, Account.email)
        .join(Account, Account.id == ApplicationMessage.author_id)
        .where(ApplicationMessage.application_id == application.id)
    ).all()
    return {message_id: email for message_id, email in rows}
