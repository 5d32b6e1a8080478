"""The shared vocabulary: categories (tasks) and software, bilingual, with aliases.

The reference lives in catalog.toml beside this file; `load_catalog` upserts it into the
database (it never deletes: a listing may still point at an entry a later file drops).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from directory.models import Category, Software

CATALOG_PATH = Path(__file__).with_name("catalog.toml")
WORD_SEPARATORS = re.compile(r"[\s\-_'’.:/*+()]+")


def normalize(text: str) -> str:
    """Fold case, accents and punctuation, so "Etherpad-Lite" and "etherpad lite" are one key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return WORD_SEPARATORS.sub(" ", bare).strip()


@dataclass(frozen=True)
class LoadSummary:
    categories: int
    software: int


def read_catalog(path: Path = CATALOG_PATH) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load_catalog(session: Session, path: Path = CATALOG_PATH) -> LoadSummary:
    """Insert or update every entry of the reference file; the caller commits."""
    data = read_catalog(path)
    categories: dict[str, Category] = {c.slug: c for c in session.exec(select(Category)).all()}
    for position, entry in enumerate(data["categories"]):
        category = categories.get(entry["slug"]) or Category(slug=entry["slug"])
        category.position = position
        category.name = dict(entry["name"])
        category.description = dict(entry.get("description", {}))
        category.aliases = {lang: list(words) for lang, words in entry.get("aliases", {}).items()}
        session.add(category)
        categories[category.slug] = category

    existing = {s.slug: s for s in session.exec(select(Software)).all()}
    for entry in data["software"]:
        software = existing.get(entry["slug"]) or Software(slug=entry["slug"])
        name = entry["name"]
        software.name = dict(name) if isinstance(name, dict) else {"en": name, "fr": name}
        software.description = dict(entry.get("description", {}))
        software.aliases = list(entry.get("aliases", []))
        software.website = entry.get("website")
        software.license = entry.get("license")
        software.categories = [categories[slug] for slug in entry.get("categories", [])]
        session.add(software)
    return LoadSummary(categories=len(data["categories"]), software=len(data["software"]))


class SoftwareResolver:
    """Maps the free-text software name a host declares onto the catalogue (exact aliases).

    Typos are the search box's business (search/vocabulary.py); a file either names a known
    software, in any of its spellings, or is flagged for the moderators.
    """

    def __init__(self, software: list[Software]) -> None:
        # Keeps ids, not rows, so it can outlive the session that read the catalogue.
        self._by_key: dict[str, int | None] = {}
        for item in software:
            for spelling in [item.slug, *item.name.values(), *item.aliases]:
                # An alias shared by several entries ("pad") cannot name one software.
                key = normalize(spelling)
                if key in self._by_key and self._by_key[key] != item.id:
                    self._by_key[key] = None
                else:
                    self._by_key[key] = item.id
        # Names and slugs always win over an ambiguous alias.
        for item in software:
            for spelling in [item.slug, *item.name.values()]:
                self._by_key[normalize(spelling)] = item.id

    @classmethod
    def from_session(cls, session: Session) -> SoftwareResolver:
        return cls(list(session.exec(select(Software)).all()))

    def resolve(self, declared: str | None) -> int | None:
        """The id of the catalogue software a declared name means, if it is unambiguous."""
        if not declared:
            return None
        return self._by_key.get(normalize(declared))
