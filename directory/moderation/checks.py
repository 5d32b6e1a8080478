"""The automatic checks of a candidate (its files, its domain proof, its website), and the
files moderators should look at: failing, claiming another host's files, or gone stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from directory import ownership
from directory.accounts import audit
from directory.db import Database
from directory.feeds import runner
from directory.models import (
    Account,
    Application,
    ImportResult,
    Organization,
    Service,
    Software,
    Source,
)
from directory.outbound.fetch import Fetcher
from directory.timeutil import utcnow


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
