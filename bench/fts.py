"""The floor: the same offers in a SQLite FTS5 table, queried with plain MATCH.

One row per offer the search index holds (the same `is_offered` rule), with the same text:
service, organization and software names; category names and aliases in both languages and
software aliases; the three descriptions. Tokenizer `unicode61 remove_diacritics 2` (accent
folding, no stemming). A query is its words, each quoted, ANDed (`"partage" "de" "fichiers"`),
`ORDER BY rank LIMIT 20 OFFSET …` plus a `COUNT(*)`; filters are plain `WHERE` clauses on
unindexed columns. It does much less than Portée (no catalogue reading, no typo tolerance, no
stemming, no facets, no fair ordering): it is the price of a full-text lookup and nothing more.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from sqlmodel import Session

from bench.queries import Query
from search.documents import is_offered, offers_of

FILTER_COLUMNS = ("registration", "load", "price", "country", "legal_type", "software")
LIST_COLUMNS = ("language", "category")  # space-separated values
_WORD = re.compile(r"\w+")


def build(path: Path, session: Session) -> tuple[int, float]:
    """Fill a fresh FTS5 database at `path` from the offers; returns (rows, seconds)."""
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE VIRTUAL TABLE offers USING fts5("
        "service_name, organization_name, software_name, keywords, description, "
        "service_id UNINDEXED, registration UNINDEXED, load UNINDEXED, price UNINDEXED, "
        "country UNINDEXED, legal_type UNINDEXED, software UNINDEXED, language UNINDEXED, "
        "category UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    )
    rows = []
    for organization in offers_of(session):
        for service in organization.services:
            if not is_offered(service, organization):
                continue
            software = service.software
            categories = service.categories
            keywords = []
            for category in categories:
                keywords += list(category.name.values())
                for aliases in category.aliases.values():
                    keywords += aliases
            if software:
                keywords += software.aliases
            languages = service.languages or organization.languages or []
            rows.append(
                (
                    service.name,
                    organization.name,
                    " ".join(
                        filter(
                            None,
                            [
                                *(software.name.values() if software else []),
                                service.software_declared,
                            ],
                        )
                    ),
                    " ".join(keywords),
                    " ".join(
                        filter(
                            None,
                            [
                                service.description,
                                organization.description,
                                software.description.get("fr") if software else None,
                                software.description.get("en") if software else None,
                            ],
                        )
                    ),
                    service.id,
                    service.registration or "",
                    service.load or "open",
                    service.price or "",
                    organization.country_code or "",
                    organization.legal_type or "",
                    software.slug if software else "",
                    " ".join(languages),
                    " ".join(c.slug for c in categories),
                )
            )
    connection.executemany(f"INSERT INTO offers VALUES ({', '.join('?' * 14)})", rows)
    connection.commit()
    connection.close()
    return len(rows), time.perf_counter() - started


def match_expression(text: str) -> str:
    """The query's words, each a quoted string, ANDed."""
    return " ".join(f'"{word}"' for word in _WORD.findall(text.lower()))


class Floor:
    """An open FTS5 database; `search(query)` → (service ids of the page, total)."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, check_same_thread=False)

    def close(self) -> None:
        self.connection.close()

    def search(self, query: Query, per_page: int = 20) -> tuple[list[int], int]:
        expression = match_expression(query.text)
        if not expression:
            raise ValueError("the FTS5 floor only runs textual queries")
        where = ["offers MATCH ?"]
        args: list = [expression]
        for name, values in query.filters.items():
            if name in FILTER_COLUMNS:
                where.append(f"{name} IN ({', '.join('?' * len(values))})")
                args += [v.upper() if name == "country" else v for v in values]
            elif name in LIST_COLUMNS:
                where.append(
                    "(" + " OR ".join(f"(' ' || {name} || ' ') LIKE ?" for _ in values) + ")"
                )
                args += [f"% {v} %" for v in values]
        clause = " AND ".join(where)
        offset = (max(query.page, 1) - 1) * per_page
        ids = [
            row[0]
            for row in self.connection.execute(
                f"SELECT service_id FROM offers WHERE {clause} ORDER BY rank LIMIT ? OFFSET ?",
                [*args, per_page, offset],
            )
        ]
        total = self.connection.execute(f"SELECT COUNT(*) FROM offers WHERE {clause}", args)
        return ids, total.fetchone()[0]
