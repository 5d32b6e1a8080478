"""SQLModel tables: the single source of truth (the search index is derived from them).

Times are timezone-aware UTC (directory/timeutil.py). Translated vocabulary (category and
software names) is stored as {language: text} JSON so that a language can be added without a
migration.
"""

from datetime import date, datetime
from typing import Optional
from urllib.parse import urlsplit

from sqlalchemy import JSON, Column, UniqueConstraint, event, inspect
from sqlmodel import Field, Relationship, SQLModel

from directory.timeutil import utcnow


class SoftwareCategory(SQLModel, table=True):
    software_id: int = Field(foreign_key="software.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="category.id", primary_key=True, ondelete="CASCADE")


class ServiceCategory(SQLModel, table=True):
    service_id: int = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="category.id", primary_key=True, ondelete="CASCADE")


class Category(SQLModel, table=True):
    """A task people want done ("collaborative writing"), with names and aliases per language."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    position: int = 0
    name: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    description: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    aliases: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    software: list["Software"] = Relationship(
        back_populates="categories", link_model=SoftwareCategory
    )


class Software(SQLModel, table=True):
    """A free software that hosts run (Etherpad), with the tasks it serves."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    description: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    aliases: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    website: str | None = Field(default=None, max_length=500)
    license: str | None = Field(default=None, max_length=100)

    categories: list[Category] = Relationship(
        back_populates="software", link_model=SoftwareCategory
    )


class Organization(SQLModel, table=True):
    """A host. Public only while `membership` is member and it is not closed."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    name: str = Field(max_length=200)
    description: str | None = None
    website: str | None = Field(default=None, max_length=500)
    # The website's host name as `website_domain()` normalises it, kept in step with `website`
    # at every flush by the listener below: the importer's takeover guard looks a domain up in
    # this index instead of reading every organization.
    website_domain: str | None = Field(default=None, max_length=253, index=True)
    logo_url: str | None = Field(default=None, max_length=500)
    legal_type: str | None = Field(default=None, max_length=20)
    status: str = Field(default="active", max_length=20)
    status_description: str | None = None
    membership: str = Field(default="candidate", max_length=20, index=True)
    country_code: str | None = Field(default=None, max_length=2, index=True)
    address: str | None = Field(default=None, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    # Where the host is as Portée locates it (directory/geo.py), kept in step with the four
    # fields above by the listener below: `precision` says from what (point: the file's
    # coordinates; city: the town of its address; postcode: its postal code's area; country),
    # `name` the town (or area) if known, `region` its GeoNames region ("FR-84").
    location_latitude: float | None = None
    location_longitude: float | None = None
    location_precision: str | None = Field(default=None, max_length=10)
    location_name: str | None = Field(default=None, max_length=200)
    location_region: str | None = Field(default=None, max_length=10)
    languages: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    contact_email: str | None = Field(default=None, max_length=254)
    contact_url: str | None = Field(default=None, max_length=500)
    legal_url: str | None = Field(default=None, max_length=500)
    # Extension key organization.privacy.url (README, "Extension keys"): the privacy policy.
    privacy_url: str | None = Field(default=None, max_length=500)
    startdate: date | None = None
    enddate: date | None = None
    social: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Where to support the host: {name: URL} from `organization.funding.*` (file order).
    funding: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Promise keys (README, "Extension keys"): what the host commits to, declared.
    admins_count: int | None = None
    backups_tested: date | None = None  # the last restore test
    closure_notice_days: int | None = None  # notice before a service closes
    # Keys read from the host's file that Portée does not use yet: kept, never rejected.
    extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Public reason of a suspension or a departure, shown on its page.
    membership_reason: str | None = None
    # The last time the listing was confirmed (directory/staleness.py): a good read of one of
    # its files, a save or a "still right" click in the dashboard, a moderator's confirmation.
    # Staleness counts from here, and from nothing else.
    confirmed_at: datetime = Field(default_factory=utcnow)
    # When the host was told its listing went stale, then left the results (once each).
    stale_notified_at: datetime | None = None
    hidden_notified_at: datetime | None = None

    services: list["Service"] = Relationship(back_populates="organization")

    @property
    def is_public(self) -> bool:
        return self.membership == "member"


def website_domain(url: str | None) -> str | None:
    """The host name a website address names, lowercased and without "www." (None if none)."""
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # e.g. an unbalanced "[" in the address
        return None
    return host.removeprefix("www.")[:253] or None


@event.listens_for(Organization, "before_insert")
@event.listens_for(Organization, "before_update")
def _fill_website_domain(_mapper, _connection, organization: Organization) -> None:
    # Every ORM write of an organization (importer, forms, moderators) passes here, so the
    # domain cannot lag behind the website; migration 0007 back-filled the rows written before.
    organization.website_domain = website_domain(organization.website)


@event.listens_for(Organization, "before_insert")
def _locate_new(_mapper, _connection, organization: Organization) -> None:
    from directory.geo import fill_location

    fill_location(organization)


@event.listens_for(Organization, "before_update")
def _locate_changed(_mapper, _connection, organization: Organization) -> None:
    from directory.geo import LOCATED_FROM, fill_location

    state = inspect(organization)
    fill_location(organization, any(state.attrs[n].history.has_changes() for n in LOCATED_FROM))


class Service(SQLModel, table=True):
    """One offer of one organization: a software instance people can use."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    description: str | None = None
    website: str | None = Field(default=None, max_length=500)
    logo_url: str | None = Field(default=None, max_length=500)
    software_id: int | None = Field(default=None, foreign_key="software.id", index=True)
    # What the host wrote, kept even when it maps onto the catalogue (and flagged when it does not).
    software_declared: str | None = Field(default=None, max_length=200)
    software_version: str | None = Field(default=None, max_length=100)
    software_license: str | None = Field(default=None, max_length=100)
    registration: str | None = Field(default=None, max_length=20)
    load: str = Field(default="open", max_length=20)
    price: str | None = Field(default=None, max_length=20)
    languages: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="ok", max_length=20)
    status_description: str | None = None
    startdate: date | None = None
    enddate: date | None = None
    legal_url: str | None = Field(default=None, max_length=500)
    host_name: str | None = Field(default=None, max_length=200)
    host_provider_type: str | None = Field(default=None, max_length=40)
    host_country_code: str | None = Field(default=None, max_length=2)
    host_server_type: str | None = Field(default=None, max_length=40)
    # Promise key `service.capacity.participants`: the largest group the service takes.
    capacity_participants: int | None = None
    # Set when the service left its organization's file (kept, never deleted, not offered).
    retired_at: datetime | None = None
    extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    organization: Organization = Relationship(back_populates="services")
    software: Optional["Software"] = Relationship()
    categories: list[Category] = Relationship(link_model=ServiceCategory)


class Provenance(SQLModel, table=True):
    """Who set one field of a listing, and when: shown beside every public value."""

    __table_args__ = (UniqueConstraint("entity", "entity_id", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=20)  # "organization" | "service"
    entity_id: int = Field(index=True)
    field: str = Field(max_length=60)
    origin: str = Field(max_length=20)  # see vocabulary.ORIGINS
    set_at: datetime = Field(default_factory=utcnow)  # when the value last changed
    confirmed_at: datetime = Field(default_factory=utcnow)  # when its origin last restated it
    source_id: int | None = Field(default=None, foreign_key="source.id", ondelete="SET NULL")
    actor: str | None = Field(default=None, max_length=200)


class Source(SQLModel, table=True):
    """A published file Portée reads (federation, organization, service, news feed).

    An imported organization's identity is the URL of its organization file: the source row
    bound to it, not the host name (several hosts may share a forge).
    """

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=1000, unique=True)
    kind: str = Field(max_length=20)  # federation | organization | service | json | news
    parent_id: int | None = Field(
        default=None, foreign_key="source.id", index=True, ondelete="SET NULL"
    )
    subs_key: str | None = Field(default=None, max_length=200)
    organization_id: int | None = Field(
        default=None, foreign_key="organization.id", index=True, ondelete="CASCADE"
    )
    service_id: int | None = Field(default=None, foreign_key="service.id", ondelete="SET NULL")
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    content_hash: str | None = Field(default=None, max_length=64)
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: int | None = None
    consecutive_failures: int = 0
    # The first failed read of the current run of failures (None while the file reads well).
    failing_since: datetime | None = None
    next_due_at: datetime | None = None
    last_error: str | None = None  # in English, for logs and the command line
    # The same findings as Issue.as_dict() records, for the web layer to word in French or English.
    errors: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    warnings: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ImportRun(SQLModel, table=True):
    """One run of the importer and its totals; per-source outcomes are ImportResult rows."""

    id: int | None = Field(default=None, primary_key=True)
    trigger: str = Field(max_length=40)
    root_url: str | None = Field(default=None, max_length=1000)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    sources_tried: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0


class ImportResult(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="importrun.id", index=True, ondelete="CASCADE")
    source_id: int | None = Field(default=None, foreign_key="source.id", ondelete="SET NULL")
    url: str = Field(max_length=1000)
    outcome: str = Field(max_length=20)  # changed | unchanged | failed | held
    http_status: int | None = None
    error: str | None = None
    errors: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    warnings: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class NewsItem(SQLModel, table=True):
    """One entry of a host's news feed, shown on its page (newest first, a bounded number)."""

    __table_args__ = (UniqueConstraint("organization_id", "guid"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    source_id: int | None = Field(default=None, foreign_key="source.id", ondelete="SET NULL")
    guid: str = Field(max_length=500)
    title: str = Field(max_length=300)
    link: str | None = Field(default=None, max_length=1000)
    published: datetime | None = None
    # Sanitized when read (directory/feeds/news.py), so it can be rendered as HTML.
    summary_html: str = ""
    fetched_at: datetime = Field(default_factory=utcnow)


class Account(SQLModel, table=True):
    """A person who signs in: a host editor, a moderator or an admin."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lowercased
    password_hash: str = Field(max_length=300)
    role: str = Field(default="host", max_length=20)  # host | moderator | admin
    email_verified_at: datetime | None = None
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class AccountSession(SQLModel, table=True):
    """One sign-in of an account (a browser), kept on the server so that it can be ended.

    Flask-Login's user id, in the session cookie and the "remember me" cookie, is this sign-in's
    random token; only its hash is stored. Signing out deletes the row, so a copy of the
    cookie made before is worthless; "sign out everywhere", a password change or a reset
    delete the account's other rows (or all of them).
    """

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # The latest a cookie of this sign-in is accepted: the session's lifetime, or that of
    # "remember me" when it was ticked.
    expires_at: datetime


class OrganizationMember(SQLModel, table=True):
    """Which accounts may edit which organization (an owner may invite co-editors)."""

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    organization_id: int = Field(
        foreign_key="organization.id", primary_key=True, ondelete="CASCADE"
    )
    role: str = Field(default="editor", max_length=20)  # owner | editor
    created_at: datetime = Field(default_factory=utcnow)


class Invitation(SQLModel, table=True):
    """An e-mailed invitation to co-edit an organization; only a hash of its token is kept."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None


class Application(SQLModel, table=True):
    """A candidacy for membership: the charter commitments the host made, and its state."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    applicant_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    # submitted | questioned | withdrawn | approved | rejected (see directory/membership.py)
    state: str = Field(default="submitted", max_length=20, index=True)
    commitments: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    motivation: str | None = None
    metadata_url: str | None = Field(default=None, max_length=1000)
    submitted_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    appealed_at: datetime | None = None
    round: int = 1  # an appeal opens round 2
    # The last automatic checks run for the moderators (ownership, metadata, website…).
    checks: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ApplicationMessage(SQLModel, table=True):
    """The conversation between moderators and an applicant (questions and answers)."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    kind: str = Field(max_length=20)  # question | answer | note
    body: str
    created_at: datetime = Field(default_factory=utcnow)


class DomainClaim(SQLModel, table=True):
    """A host's proof that it controls the domain it claims (a token on its site or in DNS)."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    domain: str = Field(max_length=253)
    token: str = Field(max_length=64)
    method: str | None = Field(default=None, max_length=10)  # http | dns, once proved
    verified_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_error: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    # The last check that found the token, and since when a proof once made no longer verifies
    # (None while it does). `flask probes run` checks proved claims again every 30 days
    # (directory/probes/proofs.py); moderators see lapsed proofs on the drift page.
    confirmed_at: datetime | None = None
    failing_since: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Who did what to which listing or account, and when (private; moderators read it)."""

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    action: str = Field(max_length=60, index=True)
    organization_id: int | None = Field(
        default=None, foreign_key="organization.id", index=True, ondelete="SET NULL"
    )
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ExposureDay(SQLModel, table=True):
    """How often an organization was shown on a first page of results, and how often someone
    went on to it, per day: the exposure ledger behind fair ordering. No personal data."""

    organization_id: int = Field(
        foreign_key="organization.id", primary_key=True, ondelete="CASCADE"
    )
    day: date = Field(primary_key=True)
    shown: int = 0
    clicks: int = 0


class Decision(SQLModel, table=True):
    """One moderator's vote on an application, in one round (an appeal opens a new round)."""

    __table_args__ = (UniqueConstraint("application_id", "round", "moderator_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True, ondelete="CASCADE")
    round: int = 1
    moderator_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    vote: str = Field(max_length=10)  # approve | reject | abstain
    reason: str | None = None  # shown to the applicant when the vote rejects
    created_at: datetime = Field(default_factory=utcnow)


class PublicLogEntry(SQLModel, table=True):
    """The public moderation log: admissions, rejections, suspensions, reinstatements,
    departures, with a public reason and nothing private."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int | None = Field(
        default=None, foreign_key="organization.id", index=True, ondelete="SET NULL"
    )
    organization_name: str = Field(max_length=200)  # kept even if the organization is gone
    kind: str = Field(max_length=20)  # admitted | rejected | suspended | reinstated | left
    public_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class DatabaseIdentity(SQLModel, table=True):
    """Which database this is: one row, a random id written when the database was created
    (migration 0009). The search index records it, so an index built from another database
    (a swapped `DATABASE_URL`, a restored folder) is noticed and rebuilt."""

    __tablename__ = "database_identity"

    id: int | None = Field(default=None, primary_key=True)  # always 1
    uuid: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class ProbeState(SQLModel, table=True):
    """Where the probes stand with one service (directory/probes/): when it is next checked,
    how many checks in a row failed, and what the last one found."""

    service_id: int = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    next_check_at: datetime | None = Field(default=None, index=True)
    consecutive_failures: int = 0
    last_checked_at: datetime | None = None
    last_outcome: str | None = Field(default=None, max_length=20)
    # What the server said it runs (NodeInfo, status.php…), beside what the host declares.
    observed_software: str | None = Field(default=None, max_length=100)
    observed_version: str | None = Field(default=None, max_length=100)
    certificate_expires_at: datetime | None = None


class ProbeCheck(SQLModel, table=True):
    """One check of one service, kept `PORTEE_PROBE_RAW_DAYS` days, then folded into
    ProbeHour. `issues` holds {code, params} dicts the web layer words (issue_text.py): the
    failure first when the check failed, then notes (plain http, version, certificate)."""

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    checked_at: datetime = Field(index=True)
    outcome: str = Field(max_length=20)
    http_status: int | None = None
    latency_ms: int | None = None
    url: str | None = Field(default=None, max_length=1000)
    issues: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ProbeHour(SQLModel, table=True):
    """The checks of one service in one hour, counted once their raw rows are folded."""

    service_id: int = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    hour: datetime = Field(primary_key=True)
    counted: int = 0  # checks that count for uptime (a 429 does not)
    up: int = 0
    latency_ms_total: int = 0
    latency_count: int = 0


class ProbeOutage(SQLModel, table=True):
    """One outage of one service (directory/probes/outages.py): from its first failed check to
    the first available one after it, and when the host's editors were told it was down (after
    6 hours) and back (only if they had been told it was down): one e-mail each, at most."""

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    started_at: datetime
    ended_at: datetime | None = Field(default=None, index=True)
    # Why it ended: "back" (a check found it available) or "unchecked" (the probes stopped
    # checking it: retired, ended, its host no longer listed; no "back" mail then).
    ended_because: str | None = Field(default=None, max_length=20)
    down_notified_at: datetime | None = None
    back_notified_at: datetime | None = None


class IndexChange(SQLModel, table=True):
    """An organization whose listing a commit changed, written in that commit's transaction
    (search/changes.py). Every node's follower re-indexes what lies past its own mark, so
    every node's index follows the database; rows every known node has passed are pruned."""

    __tablename__ = "index_change"
    # On SQLite, ids are never given again after the newest rows are pruned.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int  # no foreign key: a deleted organization leaves the index too
    changed_at: datetime = Field(default_factory=utcnow)


class IndexNode(SQLModel, table=True):
    """A node's index and how far it has applied the change table (its mark), so that rows
    are pruned only once every node seen lately has passed them."""

    __tablename__ = "index_node"

    name: str = Field(primary_key=True, max_length=200)
    mark: int = 0
    seen_at: datetime = Field(default_factory=utcnow)
