"""Fair ordering, in one place: among results that fit equally, open and reachable offers of
confirmed hosts come first, then full ones, then those whose last check failed (unreachable,
search/health.py), then those of stale hosts; hosts that already had more than their share of
referrals this week step back, and a rotation seeded by the day decides the rest.

The rotation key depends on the organization, not the offer, so a host's offers move together
and no host is always first; the seed is stable for a day, so paging is consistent.
"""

from __future__ import annotations

import hashlib
from datetime import date


def daily_seed(day: date, salt: str) -> str:
    return f"{salt}:{day.isoformat()}"


def rotation_key(seed: str, organization_id: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{organization_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def fair_key(seed: str, demoted: frozenset[int] = frozenset()):
    """The sort key for equal-fit ordering (without the score), shared by search and match."""

    rotations: dict[int, int] = {}  # a host's key once, not once per offer

    def key(organization_id: int, full: bool, stale: bool, unreachable: bool = False) -> tuple:
        rotation = rotations.get(organization_id)
        if rotation is None:
            rotation = rotations[organization_id] = rotation_key(seed, organization_id)
        return (stale, unreachable, full, organization_id in demoted, rotation)

    return key
