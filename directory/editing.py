"""What a host may change from its dashboard: its profile, its services, its sources, its
co-editors. Every change goes through listings.set_fields (origin "form") and is audited.

A value read from the host's own file, or set by a moderator, is not the form's to change: the
file is the host's first word (edit it there), a moderator's decision is not the host's to undo.
Such a change is refused with an EditError naming the field. Callers commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel import Locale
from sqlmodel import Session, select

from directory import listings, sources, staleness
from directory.accounts import add_editor, audit, hash_token, membership_of, normalize_email
from directory.models import (
    Account,
    Application,
    Category,
    ImportResult,
    ImportRun,
    Invitation,
    Organization,
    OrganizationMember,
    Provenance,
    Service,
    Software,
    Source,
)
from directory.outbound.guard import AddressPolicy
from directory.timeutil import utcnow
from directory.vocabulary import (
    COUNT_LIMIT,
    LEGAL_TYPES,
    LOADS,
    PRICES,
    REGISTRATIONS,
    price_for,
)

# Origins whose values a host's form must leave alone.
LOCKED_ORIGINS = ("file", "moderator")
# The languages a host may tick for its organization or a service (ISO 639-1).
LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "pt", "br", "oc", "ca", "eu", "co")
PROFILE_FIELDS = (
    "name",
    "description",
    "website",
    "logo_url",
    "legal_type",
    "country_code",
    "address",
    "languages",
    "contact_email",
    "contact_url",
    "legal_url",
    "privacy_url",
    "admins_count",
    "backups_tested",
    "closure_notice_days",
)
SERVICE_FIELDS = (
    "name",
    "description",
    "website",
    "software_id",
    "software_declared",
    "categories",
    "registration",
    "load",
    "price",
    "languages",
    "legal_url",
    "capacity_participants",
)
# Promise keys that are counts (README, "Extension keys"): whole numbers from 0 up.
COUNT_FIELDS = ("admins_count", "closure_notice_days", "capacity_participants")
# Fields shown and locked together: a service's categories follow its software.
_SOFTWARE_FIELDS = ("software_id", "software_declared")
INVITATION_LIFETIME = timedelta(days=7)
HISTORY_LENGTH = 20
_COUNTRIES = frozenset(code for code in Locale("en").territories if len(code) == 2)


class EditError(ValueError):
    """A change the rules refuse; `code` says why and `field` which value (worded by the web
    layer). `origin` is the provenance that locks the field, for code "locked"."""

    def __init__(self, code: str, field: str | None = None, origin: str | None = None) -> None:
        self.code = code
        self.field = field
        self.origin = origin
        super().__init__(f"{code}: {field}" if field else code)


# -- what is locked --------------------------------------------------------------------------


def locked_fields(session: Session, obj: Organization | Service) -> dict[str, Provenance]:
    """The fields of a listing the host's form may not change, with the provenance that says
    why (its origin, and for a file its age)."""
    locked = {
        name: record
        for name, record in listings.provenance_of(session, obj).items()
        if record.origin in LOCKED_ORIGINS
    }
    if isinstance(obj, Service):
        for name in _SOFTWARE_FIELDS:
            if name in locked:
                locked.setdefault("categories", locked[name])
                for other in _SOFTWARE_FIELDS:
                    locked.setdefault(other, locked[name])
    return locked


def _current(obj, name: str):
    if name == "categories":
        return sorted(c.slug for c in obj.categories)
    return getattr(obj, name)


def _refuse_locked(locked: dict[str, Provenance], obj, values: dict) -> dict:
    """The values that change something; refuses any change to a locked field."""
    changes = {}
    for name, value in values.items():
        current = _current(obj, name)
        if name == "categories":
            value = sorted(value)
        elif name == "languages":
            value = list(value)
            current = list(current or [])
        if value == current:
            continue
        if name in locked:
            raise EditError("locked", name, locked[name].origin)
        changes[name] = values[name]
    return changes


# -- the organization's profile --------------------------------------------------------------


def _blank(value):
    if isinstance(value, str):
        value = value.strip()
    return None if value == "" else value


def _check_profile(values: dict) -> dict:
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise EditError("unknown_field", sorted(unknown)[0])
    clean = {name: _blank(value) for name, value in values.items() if name != "languages"}
    if "languages" in values:
        clean["languages"] = _check_languages(values["languages"])
    if "name" in clean and not clean["name"]:
        raise EditError("required", "name")
    if clean.get("legal_type") not in (None, *LEGAL_TYPES):
        raise EditError("bad_value", "legal_type")
    if clean.get("country_code") is not None:
        clean["country_code"] = clean["country_code"].upper()
        if clean["country_code"] not in _COUNTRIES:
            raise EditError("bad_value", "country_code")
    if clean.get("contact_email"):
        clean["contact_email"] = normalize_email(clean["contact_email"])
    _check_counts(clean)
    tested = clean.get("backups_tested")
    if tested is not None and (not isinstance(tested, date) or tested > utcnow().date()):
        raise EditError("bad_value", "backups_tested")
    return clean


def _check_counts(clean: dict) -> None:
    for name in COUNT_FIELDS:
        value = clean.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= COUNT_LIMIT:
            raise EditError("bad_value", name)


def _check_languages(codes) -> list[str]:
    codes = list(dict.fromkeys(codes or []))
    if any(code not in LANGUAGES for code in codes):
        raise EditError("bad_value", "languages")
    return codes


def update_profile(
    session: Session, account: Account, organization: Organization, values: dict
) -> list[str]:
    """Change the organization's profile; returns the fields that changed."""
    clean = _check_profile(values)
    changes = _refuse_locked(locked_fields(session, organization), organization, clean)
    changed = listings.set_fields(session, organization, changes, "form", actor=account.email)
    if changed:
        audit(session, account, "organization.update", organization.id, fields=changed)
    _confirmed_by_save(session, organization.id)
    return changed


def confirm_listing(
    session: Session, account: Account, organization: Organization, now: datetime | None = None
) -> None:
    """The host's "my listing is still right": staleness counts again from now."""
    staleness.confirm(organization, now or utcnow())
    session.add(organization)
    audit(session, account, "organization.confirm", organization.id)


def _confirmed_by_save(session: Session, organization_id: int) -> None:
    """A save in the dashboard (even of nothing new) confirms the listing."""
    organization = session.get(Organization, organization_id)
    staleness.confirm(organization, utcnow())
    session.add(organization)


# -- services --------------------------------------------------------------------------------


def _check_service(session: Session, values: dict, partial: bool) -> tuple[dict, list | None]:
    """Cleaned values, and the categories to give the service (None: leave them)."""
    unknown = set(values) - set(SERVICE_FIELDS)
    if unknown:
        raise EditError("unknown_field", sorted(unknown)[0])
    clean = {
        name: _blank(value)
        for name, value in values.items()
        if name not in ("languages", "categories", "software_id")
    }
    if "languages" in values:
        clean["languages"] = _check_languages(values["languages"])
    if ("name" in clean or not partial) and not clean.get("name"):
        raise EditError("required", "name")
    for name, allowed in (("registration", REGISTRATIONS), ("price", PRICES)):
        if clean.get(name) not in (None, *allowed):
            raise EditError("bad_value", name)
    if "load" in clean or not partial:
        clean["load"] = clean.get("load") or "open"
        if clean["load"] not in LOADS:
            raise EditError("bad_value", "load")
    if "registration" in clean:
        clean["price"] = price_for(clean["registration"], clean.get("price"))
    _check_counts(clean)
    categories = None
    if "software_id" in values or "software_declared" in values or not partial:
        software = None
        if values.get("software_id") not in (None, ""):
            software = session.get(Software, int(values["software_id"]))
            if software is None:
                raise EditError("unknown_software", "software_id")
        clean["software_id"] = software.id if software else None
        if software is not None:
            clean["software_declared"] = None
            categories = list(software.categories)
        elif not clean.get("software_declared"):
            raise EditError("software_required", "software_id")
        else:
            categories = _categories(session, values.get("categories") or [])
    return clean, categories


def _categories(session: Session, slugs) -> list[Category]:
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        return []
    found = session.exec(select(Category).where(Category.slug.in_(slugs))).all()
    if len(found) != len(slugs):
        raise EditError("unknown_category", "categories")
    return sorted(found, key=lambda c: c.position)


def create_service(
    session: Session, account: Account, organization: Organization, values: dict
) -> Service:
    """A new service of the organization, entered by the host."""
    clean, categories = _check_service(session, values, partial=False)
    service = Service(organization_id=organization.id, name=clean["name"])
    listings.set_fields(session, service, clean, "form", actor=account.email)
    listings.set_service_categories(session, service, categories or [])
    audit(session, account, "service.create", organization.id, service_id=service.id)
    _confirmed_by_save(session, organization.id)
    return service


def update_service(session: Session, account: Account, service: Service, values: dict) -> list[str]:
    """Change a service; returns the fields that changed (with "categories" when they did)."""
    clean, categories = _check_service(session, values, partial=True)
    locked = locked_fields(session, service)
    wanted = dict(clean)
    if categories is not None:
        wanted["categories"] = [c.slug for c in categories]
    changes = _refuse_locked(locked, service, wanted)
    changes.pop("categories", None)
    changed = listings.set_fields(session, service, changes, "form", actor=account.email)
    if categories is not None and listings.set_service_categories(session, service, categories):
        changed.append("categories")
    if changed:
        audit(
            session,
            account,
            "service.update",
            service.organization_id,
            service_id=service.id,
            fields=changed,
        )
    _confirmed_by_save(session, service.organization_id)
    return changed


def service_from_file(session: Session, service: Service) -> bool:
    """True when the service is listed by the host's file (or a moderator set its name)."""
    record = listings.provenance_of(session, service).get("name")
    return record is not None and record.origin in LOCKED_ORIGINS


def retire_service_by_host(session: Session, account: Account, service: Service) -> bool:
    """Withdraw a service the host entered; one listed in its file leaves with the file."""
    if service_from_file(session, service):
        raise EditError("locked", "name", "file")
    retired = listings.retire_service(session, service)
    if retired:
        audit(session, account, "service.retire", service.organization_id, service_id=service.id)
    _confirmed_by_save(session, service.organization_id)
    return retired


def set_load(session: Session, account: Account, service: Service, load: str) -> bool:
    """The "we are full / open again" switch; True when the load changed."""
    if load not in LOADS:
        raise EditError("bad_value", "load")
    changes = _refuse_locked(locked_fields(session, service), service, {"load": load})
    changed = listings.set_fields(session, service, changes, "form", actor=account.email)
    if changed:
        audit(
            session,
            account,
            "service.load",
            service.organization_id,
            service_id=service.id,
            load=load,
        )
    _confirmed_by_save(session, service.organization_id)
    return bool(changed)


def services_of(session: Session, organization: Organization) -> list[Service]:
    """The organization's services, live ones first, by name."""
    rows = session.exec(select(Service).where(Service.organization_id == organization.id)).all()
    return sorted(rows, key=lambda s: (s.retired_at is not None, s.name.casefold()))


def service_of(session: Session, organization: Organization, service_id: int) -> Service | None:
    """The service, only if it belongs to this organization (ids in URLs are not trusted)."""
    service = session.get(Service, service_id)
    if service is None or service.organization_id != organization.id:
        return None
    return service


def service_locks(session: Session, services: list[Service]) -> dict[int, dict]:
    return {service.id: locked_fields(session, service) for service in services}


# -- sources ---------------------------------------------------------------------------------


def add_source(
    session: Session,
    account: Account,
    organization: Organization,
    url: str,
    kind: str,
    policy: AddressPolicy,
) -> Source:
    """Bind a new source to the organization (sources.SourceError says why it cannot)."""
    source = sources.add_source(session, organization, url.strip(), kind, policy)
    audit(session, account, "source.add", organization.id, url=source.url, kind=kind)
    return source


def source_of(session: Session, organization: Organization, source_id: int) -> Source | None:
    source = session.get(Source, source_id)
    if source is None or source.organization_id != organization.id:
        return None
    return source


def remove_source(session: Session, account: Account, source: Source) -> None:
    """Forget a source the host added. A file listed by a federation, or a service file listed
    by the host's own organization file, is not the dashboard's to remove."""
    if source.parent_id is not None or source.kind not in sources.ORGANIZATION_SOURCE_KINDS:
        raise EditError("listed_elsewhere", "source")
    audit(
        session,
        account,
        "source.remove",
        source.organization_id,
        url=source.url,
        kind=source.kind,
    )
    sources.remove_source(session, source)


def fetch_history(
    session: Session, organization_id: int, limit: int = HISTORY_LENGTH
) -> list[tuple[ImportResult, ImportRun]]:
    """The latest fetches of the organization's sources, newest first."""
    ids = [s.id for s in sources.organization_sources(session, organization_id)]
    if not ids:
        return []
    rows = session.exec(
        select(ImportResult, ImportRun)
        .join(ImportRun, ImportRun.id == ImportResult.run_id)
        .where(ImportResult.source_id.in_(ids))
        .order_by(ImportRun.started_at.desc(), ImportResult.id.desc())
        .limit(limit)
    ).all()
    return [(result, run) for result, run in rows]


@dataclass
class FileSummary:
    """What one previewed file says, in plain data for a template (issues as Issue dicts)."""

    url: str
    status: int | None
    failed: bool
    problems: list[dict] = field(default_factory=list)  # why it is refused, then warnings
    warnings: list[dict] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    services: list[FileSummary] = field(default_factory=list)
    entries: int | None = None  # a news feed's entries


def summarize_outcome(outcome) -> FileSummary:
    """A runner.FileOutcome, flattened: every error and warning with its line."""
    summary = FileSummary(url=outcome.url, status=outcome.fetch.status, failed=outcome.failed)
    if outcome.fetch.error is not None:
        summary.problems.append(outcome.fetch.error.as_dict())
    summary.problems.extend(issue.as_dict() for issue in outcome.errors)
    parsed = outcome.parsed
    if parsed is not None:
        summary.warnings = [issue.as_dict() for issue in parsed.warnings]
        record = getattr(parsed, "record", None)
        fields = getattr(record, "fields", None) or getattr(parsed, "fields", None) or {}
        summary.fields = {k: v for k, v in fields.items() if k != "extra" and v not in (None, "")}
        if hasattr(parsed, "entries"):
            summary.entries = len(parsed.entries)
            summary.fields = {"title": parsed.title, "link": parsed.link}
    return summary


def summarize_preview(preview) -> FileSummary:
    """A runner.Preview (the source and, for an organization file, its service files)."""
    summary = summarize_outcome(preview.main)
    summary.services = [summarize_outcome(outcome) for outcome in preview.services]
    return summary


# -- co-editors ------------------------------------------------------------------------------


def editors_of(session: Session, organization: Organization) -> list[tuple[Account, str]]:
    rows = session.exec(
        select(Account, OrganizationMember.role)
        .join(OrganizationMember, OrganizationMember.account_id == Account.id)
        .where(OrganizationMember.organization_id == organization.id)
        .order_by(Account.email)
    ).all()
    return [(account, role) for account, role in rows]


def pending_invitations(session: Session, organization: Organization) -> list[Invitation]:
    now = utcnow()
    rows = session.exec(
        select(Invitation)
        .where(Invitation.organization_id == organization.id, Invitation.accepted_at == None)  # noqa: E711
        .order_by(Invitation.created_at.desc())
    ).all()
    return [row for row in rows if row.expires_at > now]


def invite_editor(
    session: Session,
    account: Account,
    organization: Organization,
    email: str,
    now: datetime | None = None,
) -> str:
    """A single-use invitation to co-edit the organization; returns the token to e-mail (only
    its hash is stored)."""
    now = now or utcnow()
    email = normalize_email(email)
    if any(editor.email == email for editor, _role in editors_of(session, organization)):
        raise EditError("already_editor", "email")
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            organization_id=organization.id,
            email=email,
            token_hash=hash_token(token),
            invited_by_id=account.id,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    audit(session, account, "editor.invite", organization.id, email=email)
    return token


def invitation_for(
    session: Session, account: Account, token: str, now: datetime | None = None
) -> Invitation:
    """The invitation behind `token`, if `account` may accept it now (EditError otherwise:
    unknown, used, expired, or sent to another address)."""
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).first()
    if invitation is None:
        raise EditError("unknown_invitation")
    if invitation.accepted_at is not None:
        raise EditError("used_invitation")
    if invitation.expires_at <= (now or utcnow()):
        raise EditError("expired_invitation")
    if invitation.email != account.email:
        raise EditError("wrong_account")
    return invitation


def accept_invitation(
    session: Session, account: Account, token: str, now: datetime | None = None
) -> Organization:
    """Make `account` an editor of the invitation's organization; the token is then spent."""
    now = now or utcnow()
    invitation = invitation_for(session, account, token, now)
    organization = session.get(Organization, invitation.organization_id)
    if membership_of(session, account, organization.id) is None:
        add_editor(session, account, organization, role="editor")
    invitation.accepted_at = now
    session.add(invitation)
    audit(session, account, "editor.join", organization.id, invitation_id=invitation.id)
    return organization


def remove_editor(
    session: Session, account: Account, organization: Organization, editor_id: int
) -> None:
    """Take away an editor's rights; an organization always keeps at least one owner."""
    member = session.get(OrganizationMember, (editor_id, organization.id))
    if member is None:
        raise EditError("not_an_editor", "account")
    if member.role == "owner":
        owners = session.exec(
            select(OrganizationMember).where(
                OrganizationMember.organization_id == organization.id,
                OrganizationMember.role == "owner",
            )
        ).all()
        if len(owners) <= 1:
            raise EditError("last_owner", "account")
    session.delete(member)
    audit(session, account, "editor.remove", organization.id, account_id=editor_id)


# -- the dashboard's home --------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    organization: Organization
    role: str
    application: Application | None


def dashboard_entries(session: Session, account: Account) -> list[Entry]:
    """The organizations the account edits, its role in each, and a candidate's application."""
    rows = session.exec(
        select(Organization, OrganizationMember.role)
        .join(OrganizationMember, OrganizationMember.organization_id == Organization.id)
        .where(OrganizationMember.account_id == account.id)
        .order_by(Organization.name)
    ).all()
    entries = []
    for organization, role in rows:
        application = session.exec(
            select(Application)
            .where(Application.organization_id == organization.id)
            .order_by(Application.submitted_at.desc())
        ).first()
        entries.append(Entry(organization, role, application))
    return entries
