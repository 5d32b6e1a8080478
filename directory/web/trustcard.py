"""The trust card for the web: the facts of directory/trust.py, with the links a page or the
JSON API gives (the public-log entry of a decision)."""

from __future__ import annotations

from flask import url_for
from sqlmodel import Session

from directory import moderation, trust
from directory.models import Organization, PublicLogEntry, Service
from directory.probes import summary
from directory.timeutil import utcnow


def log_url(session: Session, entry: PublicLogEntry, external: bool = False) -> str:
    """The public log's page that shows `entry`, at the entry."""
    page = moderation.log_position(session, entry) // moderation.LOG_PAGE_SIZE + 1
    return url_for(
        "moderation.log",
        page=page if page > 1 else None,
        _anchor=f"entry-{entry.id}",
        _external=external,
    )


def card(session: Session, organization: Organization, external: bool = False):
    """The facts, and the public-log address of each decided fact that has one (by key)."""
    facts = trust.trust_facts(session, organization)
    links = {
        fact.key: log_url(session, fact.log_entry, external)
        for fact in facts
        if fact.log_entry is not None
    }
    return facts, links


def card_json(session: Session, organization: Organization) -> list[dict]:
    facts, links = card(session, organization, external=True)
    return [
        {
            "fact": fact.key,
            "kind": fact.kind,
            "said": fact.said,
            "value": trust.json_value(fact.value) if fact.said else None,
            "established_at": fact.at.isoformat() if fact.at else None,
            "declared_in": (
                {"origin": fact.origin, "file": fact.source_url} if fact.origin else None
            ),
            "method": fact.method,
            "public_log": links.get(fact.key),
        }
        for fact in facts
    ]


def checks_json(session: Session, services: list[Service]) -> dict[int, dict]:
    """What the probes found of each service, as the host page shows it (checked facts)."""
    found = summary.health_of(session, [s.id for s in services], utcnow())
    return {service_id: health_json(h) for service_id, h in found.items()}


def health_json(h: summary.ServiceHealth) -> dict:
    """One service's probes as JSON (the organization's services, search and match offers)."""
    return {
        "kind": "checked",
        "checked_at": _iso(h.checked_at),
        "reachable": h.reachable if h.checked else None,
        "unreachable_since": _iso(h.down_since) if not h.reachable else None,
        "availability_30_days": h.uptime,
        "certificate_expires_soon": _iso(h.certificate_expires_at),
        "seen": (
            {"software": h.observed_software, "version": h.observed_version}
            if h.observed_software
            else None
        ),
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None
