"""Membership: the application lifecycle as a small state machine, and what hosts do with it.

A host applies (the organization is created as a `candidate`, invisible to the public), the
moderators may ask questions, the host answers or withdraws; the moderators approve or reject
(directory/moderation/votes.py counts their votes); a rejected applicant may appeal once, which
opens a second round. Every step is audited. Callers commit.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlmodel import Session, select

from directory import listings, ownership, permissions, sources
from directory.accounts import add_editor, audit
from directory.models import (
    Account,
    Application,
    ApplicationMessage,
    Organization,
    OrganizationMember,
)
from directory.outbound.guard import AddressPolicy
from directory.timeutil import utcnow

# The charter a host commits to, in the order the form shows it (wording: the web layer).
COMMITMENTS = ("free_software", "no_ads_tracking", "transparency", "open_neutral", "solidarity")
STATES = ("submitted", "questioned", "withdrawn", "approved", "rejected")
OPEN_STATES = ("submitted", "questioned")
EVENTS = ("question", "answer", "withdraw", "approve", "reject")
MAX_MESSAGE = 5000
MAX_MOTIVATION = 2000
# An appeal opens the second and last round: a rejected application goes back to the
# moderators once (kept out of TRANSITIONS: it also moves the round).
MAX_ROUNDS = 2

# (state, event) → next state. Anything else is refused. A moderator may ask a follow-up
# question before the answer comes, and decide without waiting for one.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "question"): "questioned",
    ("questioned", "question"): "questioned",
    ("questioned", "answer"): "submitted",
    ("submitted", "withdraw"): "withdrawn",
    ("questioned", "withdraw"): "withdrawn",
    ("submitted", "approve"): "approved",
    ("questioned", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("questioned", "reject"): "rejected",
}
# The organization fields an application sets (origin "form").
IDENTITY_FIELDS = (
    "name",
    "description",
    "legal_type",
    "country_code",
    "address",
    "website",
    "contact_email",
    "contact_url",
)


class MembershipError(ValueError):
    """A refusal of the membership rules; `code` says why (worded by the web layer)."""

    def __init__(self, code: str, **params) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


class InvalidTransition(MembershipError):
    """The application's state does not allow this event."""

    def __init__(self, state: str, event: str) -> None:
        super().__init__("invalid_transition", state=state, event=event)
        self.state = state
        self.event = event


def transition(application: Application, event: str) -> str:
    """Move the application by `event` and return its new state, or raise InvalidTransition."""
    target = TRANSITIONS.get((application.state, event))
    if target is None:
        raise InvalidTransition(application.state, event)
    application.state = target
    return target


def allowed_events(application: Application) -> list[str]:
    return [event for event in EVENTS if (application.state, event) in TRANSITIONS]


def may_apply(account: Account | None) -> bool:
    """Only a signed-in account whose e-mail address is confirmed may apply."""
    return account is not None and not account.disabled and account.email_verified_at is not None


def metadata_kind(url: str) -> str:
    """A librehost.json description ("json") or a ChatonsInfos organization file."""
    return "json" if urlsplit(url).path.lower().endswith(".json") else "organization"


def submit_application(
    session: Session,
    account: Account,
    identity: dict,
    commitments: dict,
    motivation: str | None = None,
    metadata_url: str | None = None,
    policy: AddressPolicy | None = None,
) -> Application:
    """Create the candidate organization (owned by `account`) and its application.

    The metadata file, if any, is only bound as a source: it is fetched later (by the host's
    dashboard or the moderators), never during the request.
    """
    if not may_apply(account):
        raise MembershipError("email_not_verified")
    missing = [key for key in COMMITMENTS if commitments.get(key) is not True]
    if missing:
        raise MembershipError("commitments_missing", missing=missing)
    if motivation and len(motivation) > MAX_MOTIVATION:
        raise MembershipError("too_long", limit=MAX_MOTIVATION)
    name = (identity.get("name") or "").strip()
    if not name:
        raise MembershipError("name_missing")
    values = {key: identity[key] for key in IDENTITY_FIELDS if key in identity}
    values["name"] = name
    organization = listings.create_organization(session, name, "candidate")
    listings.set_fields(session, organization, values, "form", actor=account.email)
    add_editor(session, account, organization, role="owner")
    application = Application(
        organization_id=organization.id,
        applicant_id=account.id,
        state="submitted",
        commitments={key: True for key in COMMITMENTS},
        motivation=(motivation or "").strip() or None,
        metadata_url=metadata_url or None,
        submitted_at=utcnow(),
    )
    session.add(application)
    if metadata_url:
        if policy is None:
            raise ValueError("a metadata file needs the address policy to check it against")
        try:
            kind = metadata_kind(metadata_url)
            sources.add_source(session, organization, metadata_url, kind, policy)
        except sources.SourceError as error:
            raise MembershipError("source_" + error.code) from error
    domain = ownership.domain_of(organization.website)
    if domain:
        ownership.claim_domain(session, organization, domain)
    session.flush()
    audit(
        session,
        account,
        "application_submitted",
        organization.id,
        application_id=application.id,
        metadata_url=metadata_url,
    )
    return application


def ask_question(
    session: Session, moderator: Account, application: Application, body: str
) -> ApplicationMessage:
    """A moderator asks the applicant something; the application waits for the answer."""
    if not permissions.is_moderator(moderator):
        raise MembershipError("not_allowed")
    before = application.state
    message = _message(session, moderator, application, "question", body)
    audit(
        session,
        moderator,
        "application_questioned",
        application.organization_id,
        application_id=application.id,
        before={"state": before},
        after={"state": application.state},
    )
    return message


def answer(
    session: Session, account: Account, application: Application, body: str
) -> ApplicationMessage:
    """The applicant answers the moderators' question; the application is back with them."""
    _check_editor(session, account, application)
    message = _message(session, account, application, "answer", body)
    audit(
        session,
        account,
        "application_answered",
        application.organization_id,
        application_id=application.id,
    )
    return message


def withdraw(session: Session, account: Account, application: Application) -> None:
    """The applicant gives up; the organization stays a candidate, invisible to the public."""
    _check_editor(session, account, application)
    transition(application, "withdraw")
    session.add(application)
    audit(
        session,
        account,
        "application_withdrawn",
        application.organization_id,
        application_id=application.id,
    )


def may_appeal(application: Application) -> bool:
    """A rejected application may be appealed once."""
    return application.state == "rejected" and application.round < MAX_ROUNDS


def appeal(
    session: Session, account: Account, application: Application, reason: str
) -> ApplicationMessage:
    """The applicant contests a rejection, with a reason: the application is back with the
    moderators in a new round (their votes of the first round no longer count)."""
    _check_editor(session, account, application)
    if application.state != "rejected":
        raise InvalidTransition(application.state, "appeal")
    if not may_appeal(application):
        raise MembershipError("appeal_used")
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError("message_empty")
    if len(reason) > MAX_MESSAGE:
        raise MembershipError("too_long", limit=MAX_MESSAGE)
    before = {"state": application.state, "round": application.round}
    now = utcnow()
    application.state = "submitted"
    application.round += 1
    application.appealed_at = now
    message = ApplicationMessage(
        application_id=application.id,
        author_id=account.id,
        kind="appeal",
        body=reason,
        created_at=now,
    )
    session.add(application)
    session.add(message)
    session.flush()
    audit(
        session,
        account,
        "application_appealed",
        application.organization_id,
        application_id=application.id,
        before=before,
        after={"state": application.state, "round": application.round},
    )
    return message


def conversation(session: Session, application: Application) -> list[ApplicationMessage]:
    """Questions and answers, oldest first."""
    return list(
        session.exec(
            select(ApplicationMessage)
            .where(ApplicationMessage.application_id == application.id)
            .order_by(ApplicationMessage.created_at, ApplicationMessage.id)
        ).all()
    )


def applications_of(session: Session, account: Account) -> list[Application]:
    """The applications of the organizations `account` edits, newest first."""
    return list(
        session.exec(
            select(Application)
            .join(
                OrganizationMember,
                OrganizationMember.organization_id == Application.organization_id,
            )
            .where(OrganizationMember.account_id == account.id)
            .order_by(Application.submitted_at.desc(), Application.id.desc())
        ).all()
    )


def _check_editor(session: Session, account: Account, application: Application) -> None:
    organization = session.get(Organization, application.organization_id)
    if not permissions.can(session, account, "edit", organization):
        raise MembershipError("not_allowed")


def _message(
    session: Session, author: Account, application: Application, kind: str, body: str
) -> ApplicationMessage:
    body = (body or "").strip()
    if not body:
        raise MembershipError("message_empty")
    if len(body) > MAX_MESSAGE:
        raise MembershipError("too_long", limit=MAX_MESSAGE)
    transition(application, kind)
    message = ApplicationMessage(
        application_id=application.id,
        author_id=author.id,
        kind=kind,
        body=body,
        created_at=utcnow(),
    )
    session.add(application)
    session.add(message)
    session.flush()
    return message
