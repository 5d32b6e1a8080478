"""One clock for the whole domain: aware UTC datetimes (SQLModel stores them as UTC)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
