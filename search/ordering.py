"""Fair ordering, in one place: equal-fit results rotate by a seed that changes every day.

The key depends on the organization, not the offer, so a host's offers move together and no
host is always first; the seed is stable for a day, so paging through results is consistent.
"""

from __future__ import annotations

import hashlib
from datetime import date


def daily_seed(day: date, salt: str) -> str:
    return f"{salt}:{day.isoformat()}"


def rotation_key(seed: str, organization_id: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{organization_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def fair_order(
    hits: list[tuple[float, int, int, bool]], seed: str
) -> list[tuple[float, int, int, bool]]:
    """Order (score, service_id, organization_id, is_full) hits: best fit first, open offers
    before full ones, then the day's rotation among organizations of equal fit."""
    return sorted(
        hits,
        key=lambda hit: (-round(hit[0], 3), hit[3], rotation_key(seed, hit[2]), hit[1]),
    )
