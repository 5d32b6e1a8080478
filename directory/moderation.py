"""Moderation: the moderators' collective decision on applications, suspensions and departures,
the public moderation log, the automatic checks of a candidate, and the team of moderators.

A decision is collective: each moderator votes once per round (approve, reject or abstain);
when enough of them have voted (the quorum, abstentions not counted) the share of approvals
decides. Every action is audited with its before and after values; what the public may know
goes to the public log, without the name of a rejected candidate or any private detail.
No Flask here: callers commit, then send the mails the returned outcomes call for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from directory import membership, ownership, permissions, staleness
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
from directory.db import Database
from directory.feeds import runner
from directory.models import (
    Account,
    Application,
    AuditEvent,
    Decision,
    ImportResult,
    Organization,
    OrganizationMember,
    PublicLogEntry,
    Service,
    Software,
    Source,
)
from directory.outbound.fetch import Fetcher
from directory.timeutil import utcnow

VOTES = ("approve", "reject", "abstain")
DEFAULT_QUORUM = 2  # non-abstaining votes needed before the application is decided
DEFAULT_MAJORITY = 1.0  # share of approvals among them needed to admit (1.0: no rejection)
MAX_REASON = 2000
LOG_KINDS = ("admitted", "rejected", "suspended", "reinstated", "left")
STAFF_ROLES = ("moderator", "admin")
ALL_MEMBERSHIPS = ("candidate", "member", "suspended", "former")

# What a moderator may do to a listing's membership: action → (from, to, public log kind).
MEMBERSHIP_ACTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "suspend": (("member",), "suspended", "suspended"),
    "reinstate": (("suspended", "former"), "member", "reinstated"),
    "former": (("member", "suspended"), "former", "left"),
}


class ModerationError(ValueError):
    """A refusal of the moderation rules; `code` says why (worded by the web layer)."""

    def __init__(self, code: str, **params) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


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


def is_conflicted(session: Session, account: Account, organization_id: int) -> bool:
    """A moderator who edits the organization does not moderate it."""
    return membership_of(session, account, organization_id) is not None


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

    A rejection needs a reason: it is shown to the applicant (never to the public).
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


# -- the review queue and the automatic checks ---------------------------------------------


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


def check_website(fetcher: Fetcher, url: str | None) -> dict:
    """GET the organization's website (through the guarded fetcher): its status or the error."""
    if not url:
        return {"url": None, "status": None, "error": {"code": "no_website", "params": {}}}
    result = fetcher.fetch(url)
    return {
        "url": url,
        "status": result.status,
        "error": result.error.as_dict() if result.error is not None else None,
    }


def summarize_checks(
    session: Session, organization: Organization, website: dict | None = None
) -> dict:
    """What the moderators need to know of a candidate, as JSON (kept in Application.checks):
    the domain proof, its files and their findings, its services and their software, and the
    last website check (None if never run)."""
    claim = ownership.current_claim(session, organization)
    domain = ownership.domain_of(organization.website)
    sources = session.exec(
        select(Source).where(Source.organization_id == organization.id).order_by(Source.id)
    ).all()
    services = session.exec(
        select(Service, Software)
        .join(Software, Software.id == Service.software_id, isouter=True)
        .where(Service.organization_id == organization.id, Service.retired_at.is_(None))
        .order_by(Service.name)
    ).all()
    software: dict[str, dict] = {}
    for _service, item in services:
        if item is not None:
            software.setdefault(item.slug, {"slug": item.slug, "name": item.name})
    return {
        "domain": {
            "domain": domain,
            "proved": bool(claim and claim.verified_at),
            "method": claim.method if claim else None,
            "error": (claim.last_error or None) if claim else None,
        },
        "sources": [
            {
                "id": source.id,
                "url": source.url,
                "kind": source.kind,
                "read": source.last_attempt_at is not None,
                "valid": source.last_success_at is not None and not source.errors,
                "status": source.last_status,
                "errors": list(source.errors),
                "warnings": list(source.warnings),
            }
            for source in sources
        ],
        "services": {
            "count": len(services),
            "software": sorted(software.values(), key=lambda s: s["slug"]),
            "unknown": sorted(
                {
                    service.software_declared or service.name
                    for service, item in services
                    if not item
                }
            ),
        },
        "website": website,
    }


def run_checks(
    session: Session,
    database: Database,
    application: Application,
    fetcher: Fetcher,
    txt_resolver: ownership.TxtResolver | None = None,
    *,
    actor: Account | None = None,
) -> dict:
    """Run the automatic checks now: read the candidate's files, check its domain proof,
    fetch its website; keep the summary in Application.checks. The caller commits."""
    organization = session.get(Organization, application.organization_id)
    has_sources = session.exec(
        select(Source.id).where(Source.organization_id == organization.id)
    ).first()
    if has_sources is not None:
        runner.refresh_organization(database, fetcher, organization.id, trigger="moderation")
        session.expire_all()  # the files were read in sessions of their own
    if ownership.domain_of(organization.website):
        ownership.check_organization_domain(
            session, organization, fetcher, txt_resolver, actor=actor
        )
    summary = summarize_checks(session, organization, check_website(fetcher, organization.website))
    summary["checked_at"] = utcnow().isoformat()
    before = _checks_digest(application.checks or {})
    application.checks = summary
    session.add(application)
    audit(
        session,
        actor,
        "application_checked",
        organization.id,
        application_id=application.id,
        before=before,
        after=_checks_digest(summary),
    )
    return summary


def _checks_digest(checks: dict) -> dict:
    """The gist of a checks summary, for the audit trail."""
    if not checks:
        return {}
    return {
        "checked_at": checks.get("checked_at"),
        "domain_proved": checks["domain"]["proved"],
        "files_valid": all(source["valid"] for source in checks["sources"]),
        "services": checks["services"]["count"],
        "website_status": (checks.get("website") or {}).get("status"),
    }


# -- suspension, reinstatement, departure --------------------------------------------------


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


# -- the public log and the private audit trail --------------------------------------------


def public_log(session: Session, page: int = 1, per_page: int = 50) -> tuple[list, int]:
    """One page of the public log, newest first, and the number of entries."""
    total = session.exec(select(func.count(PublicLogEntry.id))).one()
    entries = session.exec(
        select(PublicLogEntry)
        .order_by(PublicLogEntry.created_at.desc(), PublicLogEntry.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(entries), total


def log_of(session: Session, organization_id: int) -> list[PublicLogEntry]:
    """What the public log says of one organization, newest first."""
    return list(
        session.exec(
            select(PublicLogEntry)
            .where(PublicLogEntry.organization_id == organization_id)
            .order_by(PublicLogEntry.created_at.desc(), PublicLogEntry.id.desc())
        ).all()
    )


# Entries on one page of the public log (its page and the trust card's links agree on it).
LOG_PAGE_SIZE = 50


def log_position(session: Session, entry: PublicLogEntry) -> int:
    """How many entries come before `entry` in the public log (newest first): its page."""
    newer = (PublicLogEntry.created_at > entry.created_at) | (
        (PublicLogEntry.created_at == entry.created_at) & (PublicLogEntry.id > entry.id)
    )
    return session.exec(select(func.count(PublicLogEntry.id)).where(newer)).one()


def audit_trail(
    session: Session, organization_id: int | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[tuple[AuditEvent, Account | None, Organization | None]], int]:
    """One page of the private audit trail, newest first, with who acted and on what."""
    where = [] if organization_id is None else [AuditEvent.organization_id == organization_id]
    total = session.exec(select(func.count(AuditEvent.id)).where(*where)).one()
    rows = session.exec(
        select(AuditEvent, Account, Organization)
        .join(Account, Account.id == AuditEvent.actor_id, isouter=True)
        .join(Organization, Organization.id == AuditEvent.organization_id, isouter=True)
        .where(*where)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return [tuple(row) for row in rows], total


# -- failing and stale sources -------------------------------------------------------------


# A file that answered "410 Gone" this many reads in a row is flagged: its host says it is
# gone for good, and a moderator decides whether the listing goes too (fault matrix, row 11).
GONE_AFTER = 3


@dataclass
class TroubledSource:
    source: Source
    organization: Organization
    stale_since: datetime | None  # the listing's last confirmation, when it is stale
    gone: bool = False  # its last GONE_AFTER reads all answered 410 Gone

    @property
    def claims(self) -> list[dict]:
        """Its `subs` lines naming another host's files (refused by the importer)."""
        return [w for w in self.source.warnings if w.get("code") == "claimed_elsewhere"]


def troubled_sources(session: Session, now: datetime, stale_after_days: int) -> list:
    """Sources that failed their last read, files that claim another host's files, and the
    files of organizations gone stale; the files their servers say are gone come first."""
    rows = session.exec(
        select(Source, Organization)
        .join(Organization, Organization.id == Source.organization_id)
        .order_by(func.lower(Organization.name), Source.id)
    ).all()
    threshold = timedelta(days=stale_after_days)
    stale: dict[int, datetime | None] = {}
    found = []
    for source, organization in rows:
        if organization.id not in stale:
            confirmed = organization.confirmed_at
            is_stale = confirmed is not None and now - confirmed > threshold
            stale[organization.id] = confirmed if is_stale else None
        late = stale[organization.id] is not None and source.kind == "organization"
        item = TroubledSource(source, organization, stale[organization.id])
        if source.consecutive_failures > 0 or late or item.claims:
            item.gone = _gone(session, source)
            found.append(item)
    found.sort(key=lambda item: not item.gone)  # stable: by name within each group
    return found


def _gone(session: Session, source: Source) -> bool:
    if source.last_status != 410 or source.consecutive_failures < GONE_AFTER:
        return False
    statuses = session.exec(
        select(ImportResult.http_status)
        .where(ImportResult.source_id == source.id)
        .order_by(ImportResult.id.desc())
        .limit(GONE_AFTER)
    ).all()
    return len(statuses) == GONE_AFTER and all(status == 410 for status in statuses)


# -- the team ------------------------------------------------------------------------------


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
