"""Domain proofs checked again every month, at the end of `flask probes run`.

A proof once made (directory/ownership.py) stays made, but a host may lose its domain or remove
the token: each proved claim on the current website domain of a member or a candidate whose
last check is older than RECHECK_AFTER is checked again through the Fetcher and the DNS resolver
the caller passes in, and `ownership.check_claim` records the outcome (`confirmed_at`, or
`failing_since` and `last_error`). At most `limit` per run, oldest first, and none started
after `until` (a monotonic time), so the probe run keeps to its interval. Callers commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from directory import ownership
from directory.models import DomainClaim, Organization
from directory.outbound.fetch import Fetcher

RECHECK_AFTER = timedelta(days=30)
PROOFS_PER_RUN = 10


@dataclass
class ProofSummary:
    checked: int = 0
    lapsed: list[str] = field(default_factory=list)  # domains whose proof no longer verifies


def due_proofs(session: Session, now: datetime, limit: int = PROOFS_PER_RUN) -> list[DomainClaim]:
    """Proved claims not checked for RECHECK_AFTER, on the domain of their organization's
    website as it is now, of a member or a candidate, the longest unchecked first."""
    rows = session.exec(
        select(DomainClaim, Organization)
        .join(Organization, Organization.id == DomainClaim.organization_id)
        .where(
            DomainClaim.verified_at.is_not(None),
            (DomainClaim.last_checked_at.is_(None))
            | (DomainClaim.last_checked_at < now - RECHECK_AFTER),
            Organization.membership.in_(("member", "candidate")),
        )
        .order_by(DomainClaim.last_checked_at, DomainClaim.id)
    ).all()
    current = [
        claim
        for claim, organization in rows
        if ownership.domain_of(organization.website) == claim.domain
    ]
    return current[:limit]


def recheck_proofs(
    session: Session,
    fetcher: Fetcher,
    txt_resolver: ownership.TxtResolver,
    now: datetime,
    *,
    limit: int = PROOFS_PER_RUN,
    until: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> ProofSummary:
    """Check the due proofs again and record what was found."""
    summary = ProofSummary()
    for claim in due_proofs(session, now, limit):
        if until is not None and monotonic() > until:
            break
        if not ownership.check_claim(session, claim, fetcher, txt_resolver, now=now):
            summary.lapsed.append(claim.domain)
        summary.checked += 1
    session.flush()
    return summary
