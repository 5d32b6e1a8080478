"""The trust card: what Portée can say of a host, each fact with its kind (DESIGN.md, "Kinds of
facts") and when it was last established.

- *decided*: the moderators said it (member since; a value a moderator set). Linked to the
  public-log entry when there is one.
- *checked*: Portée observed it itself (the website's domain proven by a file or DNS; the
  availability of its services measured by the probes over 30 days; their TLS certificates).
- *declared*: the host said it, in its file or its dashboard form: which one, and when it last
  restated it (Provenance). A fact never declared is kept, with no value: "not said".

The HTML page and the JSON API show the same list. No Flask here: the web layer words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from directory import listings, ownership, public
from directory.models import DomainClaim, Organization, Provenance, PublicLogEntry, Service, Source
from directory.probes import summary
from directory.timeutil import utcnow

KINDS = ("decided", "checked", "declared")
# Declared on the organization: its legal form and pages, its funding, its promises.
ORGANIZATION_FACTS = (
    "legal_type",
    "legal_url",
    "privacy_url",
    "funding",
    "admins_count",
    "backups_tested",
    "closure_notice_days",
)
# Declared per service, gathered over the services still offered (fact: service field): the terms of
# use (`service.legal.url`), where the data lives and on what (ChatonsInfos `host.*`).
SERVICE_FACTS = {
    "terms_url": "legal_url",
    "host_provider_type": "host_provider_type",
    "host_country_code": "host_country_code",
    "host_server_type": "host_server_type",
}


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str  # one of KINDS
    value: object = None  # None: not said (declared) or not checked yet (checked)
    at: datetime | None = None  # when it was last established
    origin: str | None = None  # declared: "file" or "form" (Provenance.origin)
    source_url: str | None = None  # declared in a file: that file
    method: str | None = None  # checked: how ("http", "dns")
    log_entry: PublicLogEntry | None = None  # decided: the public-log entry

    @property
    def said(self) -> bool:
        return self.value not in (None, "", [], {})


def trust_facts(
    session: Session, organization: Organization, now: datetime | None = None
) -> list[Fact]:
    """The card, decided facts first, then checked, then declared (never-said ones included)."""
    return [
        *decided_facts(session, organization),
        *checked_facts(session, organization, now),
        *declared_facts(session, organization),
    ]


def decided_facts(session: Session, organization: Organization) -> list[Fact]:
    """Member since: the admission in the public log; an organization a federation file
    brought in (DESIGN.md, "Which organizations are public") is a member since it was listed."""
    if organization.membership != "member":
        return []
    admission = session.exec(
        select(PublicLogEntry)
        .where(
            PublicLogEntry.organization_id == organization.id,
            PublicLogEntry.kind.in_(("admitted", "reinstated")),
        )
        .order_by(PublicLogEntry.created_at.desc(), PublicLogEntry.id.desc())
    ).first()
    at = admission.created_at if admission else organization.created_at
    return [Fact("member_since", "decided", at.date(), at, log_entry=admission)]


def checked_facts(
    session: Session, organization: Organization, now: datetime | None = None
) -> list[Fact]:
    """What Portée observed: the website's domain, proven by a file on it or a DNS record (a
    proof stays a proof when a later check fails; then it was last established when proven);
    the availability of the services it offers, measured by the probes over 30 days (the share
    of counted checks that found them available); and the first of their TLS certificates to
    expire (valid until), both as of the last check."""
    return [
        _domain_fact(session, organization),
        *_probe_facts(session, organization, now or utcnow()),
    ]


def _domain_fact(session: Session, organization: Organization) -> Fact:
    claim = ownership.current_claim(session, organization)
    if claim is None or claim.verified_at is None:
        return Fact("domain", "checked")
    at = claim.verified_at
    if not claim.last_error and claim.last_checked_at is not None:
        at = max(at, claim.last_checked_at)
    return Fact("domain", "checked", claim.domain, at, method=claim.method)


def _probe_facts(session: Session, organization: Organization, now: datetime) -> list[Fact]:
    offered = [s for s in organization.services if not public.has_ended(s)]
    measured = summary.availability_of(session, offered, now)
    at = measured.checked_at
    availability = Fact("availability", "checked")
    if measured.uptime is not None:
        availability = Fact("availability", "checked", measured.uptime, at, method="probe")
    tls = Fact("tls", "checked")
    if measured.certificate_expires_at is not None:
        tls = Fact("tls", "checked", measured.certificate_expires_at, at, method="probe")
    return [availability, tls]


def proven_organizations(session: Session, organizations: list[Organization]) -> set[int]:
    """Which of these organizations proved the domain of their website as it is now (one
    query for a page of results)."""
    domains = {o.id: ownership.domain_of(o.website) for o in organizations}
    wanted = [i for i, domain in domains.items() if domain]
    if not wanted:
        return set()
    rows = session.exec(
        select(DomainClaim.organization_id, DomainClaim.domain).where(
            DomainClaim.organization_id.in_(wanted), DomainClaim.verified_at.is_not(None)
        )
    ).all()
    return {i for i, domain in rows if domains.get(i) == domain}


def declared_facts(session: Session, organization: Organization) -> list[Fact]:
    records = listings.provenance_of(session, organization)
    urls = _source_urls(session, [r.source_id for r in records.values()])
    facts = [
        _declared(name, getattr(organization, name), records.get(name), urls)
        for name in ORGANIZATION_FACTS
    ]
    # What the host offers now: an ended service's server says nothing of today.
    services = [s for s in organization.services if not public.has_ended(s)]
    service_records = _service_provenance(session, services)
    urls.update(_source_urls(session, [r.source_id for r in service_records.values()]))
    for key, name in SERVICE_FACTS.items():
        values, latest = [], None
        for service in services:
            value = getattr(service, name)
            record = service_records.get((service.id, name))
            if value is None or record is None:
                continue
            if value not in values:
                values.append(value)
            if latest is None or record.confirmed_at > latest.confirmed_at:
                latest = record
        facts.append(_declared(key, sorted(values), latest, urls))
    return facts


def _declared(name: str, value, record: Provenance | None, urls: dict[int, str]) -> Fact:
    if record is None or value in (None, "", [], {}):
        return Fact(name, "declared")
    # A value a moderator set is their decision, not the host's word.
    kind = "decided" if record.origin == "moderator" else "declared"
    return Fact(
        name,
        kind,
        value,
        record.confirmed_at,
        origin=record.origin,
        source_url=urls.get(record.source_id) if record.origin == "file" else None,
    )


def _service_provenance(session: Session, services: list[Service]) -> dict:
    if not services:
        return {}
    rows = session.exec(
        select(Provenance).where(
            Provenance.entity == "service",
            Provenance.entity_id.in_([s.id for s in services]),
            Provenance.field.in_(list(SERVICE_FACTS.values())),
        )
    )
    return {(row.entity_id, row.field): row for row in rows}


def _source_urls(session: Session, ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(Source.id, Source.url).where(Source.id.in_(wanted))).all())


@dataclass(frozen=True)
class Signals:
    """The two compact signals of a result card: the host's domain proven, and the service's
    measured availability (or since when it is unreachable)."""

    domain_proven: bool
    health: summary.ServiceHealth


def card_signals(session: Session, services: list[Service], now: datetime) -> dict[int, Signals]:
    """The signals of a page of results, in a few queries for the whole page."""
    organizations = list({s.organization_id: s.organization for s in services}.values())
    proven = proven_organizations(session, organizations)
    health = summary.health_of(session, [s.id for s in services], now)
    return {s.id: Signals(s.organization_id in proven, health[s.id]) for s in services}


def json_value(value):
    """A fact's value as JSON can carry it."""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value
