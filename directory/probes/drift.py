"""Drift, for the moderators: what the probes and the proofs found that no longer matches.

Services down for more than LONG_DOWN (7 days), certificates expiring within
CERTIFICATE_DAYS (14 days, or expired), software or version seen on the server that differs
from what the host declares, and domain proofs that no longer verify. Only services still
offered by a member or a candidate, and each organization's current claim. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from directory import ownership
from directory.models import DomainClaim, Organization, ProbeOutage, ProbeState, Service, Software
from directory.probes.checks import _same_software, _same_version
from directory.probes.outages import last_failure

LONG_DOWN = timedelta(days=7)
CERTIFICATE_DAYS = 14
MEMBERSHIPS = ("member", "candidate")


@dataclass(frozen=True)
class Down:
    organization: Organization
    service: Service
    since: datetime
    last_issue: dict | None  # the first issue of the last failed check


@dataclass(frozen=True)
class Certificate:
    organization: Organization
    service: Service
    expires_at: datetime
    days: int  # negative: expired


@dataclass(frozen=True)
class Mismatch:
    organization: Organization
    service: Service
    declared_software: str | None
    declared_version: str | None
    seen_software: str | None
    seen_version: str | None


@dataclass(frozen=True)
class LapsedProof:
    organization: Organization
    claim: DomainClaim


@dataclass(frozen=True)
class Drift:
    down: list[Down]
    certificates: list[Certificate]
    mismatches: list[Mismatch]
    proofs: list[LapsedProof]

    @property
    def empty(self) -> bool:
        return not (self.down or self.certificates or self.mismatches or self.proofs)


def _offered(statement):
    return statement.join(Organization, Organization.id == Service.organization_id).where(
        Service.retired_at.is_(None), Organization.membership.in_(MEMBERSHIPS)
    )


def long_down(session: Session, now: datetime) -> list[Down]:
    rows = session.exec(
        _offered(
            select(ProbeOutage, Service, Organization).join(
                Service, Service.id == ProbeOutage.service_id
            )
        )
        .where(ProbeOutage.ended_at.is_(None), ProbeOutage.started_at <= now - LONG_DOWN)
        .order_by(ProbeOutage.started_at, ProbeOutage.id)
    ).all()
    found = []
    for outage, service, organization in rows:
        check = last_failure(session, service.id)
        issue = check.issues[0] if check is not None and check.issues else None
        found.append(Down(organization, service, outage.started_at, issue))
    return found


def expiring_certificates(session: Session, now: datetime) -> list[Certificate]:
    rows = session.exec(
        _offered(
            select(ProbeState, Service, Organization).join(
                Service, Service.id == ProbeState.service_id
            )
        )
        .where(
            ProbeState.certificate_expires_at.is_not(None),
            ProbeState.certificate_expires_at <= now + timedelta(days=CERTIFICATE_DAYS),
        )
        .order_by(ProbeState.certificate_expires_at, Service.id)
    ).all()
    return [
        Certificate(
            organization,
            service,
            state.certificate_expires_at,
            (state.certificate_expires_at - now).days,
        )
        for state, service, organization in rows
    ]


def mismatches(session: Session) -> list[Mismatch]:
    """Services whose server names another software, or another version, than declared."""
    rows = session.exec(
        _offered(
            select(ProbeState, Service, Organization, Software)
            .join(Service, Service.id == ProbeState.service_id)
            .outerjoin(Software, Software.id == Service.software_id)
        )
        .where(ProbeState.observed_software.is_not(None))
        .order_by(Organization.name, Service.name, Service.id)
    ).all()
    found = []
    for state, service, organization, software in rows:
        # As the probes compare (checks.check_service): the name the host wrote, else the
        # catalogue's.
        declared = service.software_declared or (software.name.get("en") if software else None)
        other_software = bool(declared) and not _same_software(declared, state.observed_software)
        other_version = bool(
            service.software_version
            and state.observed_version
            and not _same_version(service.software_version, state.observed_version)
        )
        if other_software or other_version:
            found.append(
                Mismatch(
                    organization,
                    service,
                    declared,
                    service.software_version,
                    state.observed_software,
                    state.observed_version,
                )
            )
    return found


def lapsed_proofs(session: Session) -> list[LapsedProof]:
    """Proved claims on an organization's current domain whose last check failed."""
    rows = session.exec(
        select(DomainClaim, Organization)
        .join(Organization, Organization.id == DomainClaim.organization_id)
        .where(
            DomainClaim.verified_at.is_not(None),
            DomainClaim.failing_since.is_not(None),
            Organization.membership.in_(MEMBERSHIPS),
        )
        .order_by(DomainClaim.failing_since, DomainClaim.id)
    ).all()
    return [
        LapsedProof(organization, claim)
        for claim, organization in rows
        if ownership.domain_of(organization.website) == claim.domain
    ]


def drift(session: Session, now: datetime) -> Drift:
    """Everything the drift page lists."""
    return Drift(
        long_down(session, now),
        expiring_certificates(session, now),
        mismatches(session),
        lapsed_proofs(session),
    )
