"""Reads a query against the catalogue: which software or categories does it name?

"pad", "framapad", "visioconférence", "partage de fichiers" are aliases; "etherpda" and
"jitis" are typos of them (optimal string alignment distance, so a swap of two letters is one
edit). What the catalogue recognises ranks offers by software or category; the rest of the
query is matched as text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory.catalog import WORD_SEPARATORS, normalize
from directory.models import Category, Software

MAX_PHRASE_WORDS = 4


@dataclass(frozen=True)
class Resolution:
    software: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    leftover: tuple[str, ...] = ()  # words the catalogue did not recognise
    recognised: tuple[str, ...] = ()  # the phrases it did, as typed (normalised)

    @property
    def empty(self) -> bool:
        return not self.software and not self.categories


@dataclass
class Vocabulary:
    # normalised alias → {("software"|"category", slug)}
    entries: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    # Every word the catalogue uses, in either language (names, aliases, descriptions): a typed
    # word found here is a real word, never "corrected" into another ("gestionnaire" is not a
    # typo of "questionnaire").
    known_words: set[str] = field(default_factory=set)

    @classmethod
    def from_catalog(cls, categories: list[Category], software: list[Software]) -> Vocabulary:
        vocabulary = cls()
        for category in categories:
            words = [category.slug.replace("-", " "), *category.name.values()]
            for aliases in category.aliases.values():
                words.extend(aliases)
            vocabulary._add(words, ("category", category.slug))
            vocabulary._know(category.description.values())
        for item in software:
            vocabulary._add(
                [item.slug, *item.name.values(), *item.aliases], ("software", item.slug)
            )
            vocabulary._know(item.description.values())
        return vocabulary

    def _know(self, texts) -> None:
        for text in texts:
            self.known_words.update(re.findall(r"[^\W_]+", normalize(text or "")))

    def _add(self, words: list[str], target: tuple[str, str]) -> None:
        for word in words:
            key = normalize(word)
            if key:
                self.entries.setdefault(key, set()).add(target)
                self.known_words.update(key.split())

    def _lookup(self, phrase: str) -> set[tuple[str, str]]:
        exact = self.entries.get(phrase) or self.entries.get(_singular(phrase))
        if exact:
            return exact
        allowed = _allowed_edits(phrase)
        if not allowed or all(word in self.known_words for word in phrase.split()):
            return set()  # too short to forgive a typo, or real words: not a typo
        matches = process.extract(
            phrase, self.entries.keys(), scorer=OSA.distance, score_cutoff=allowed, limit=None
        )
        if not matches:
            return set()
        best = min(distance for _key, distance, _index in matches)
        found: set[tuple[str, str]] = set()
        for key, distance, _index in matches:
            if distance == best and _allowed_edits(key) >= distance:
                found |= self.entries[key]
        return found

    def resolve(self, text: str) -> Resolution:
        typed, words = _words(text)
        software: set[str] = set()
        categories: set[str] = set()
        leftover: list[str] = []
        recognised: list[str] = []
        index = 0
        while index < len(words):
            for size in range(min(MAX_PHRASE_WORDS, len(words) - index), 0, -1):
                phrase = " ".join(words[index : index + size])
                targets = self._lookup(phrase)
                if targets:
                    for kind, slug in targets:
                        (software if kind == "software" else categories).add(slug)
                    recognised.append(phrase)
                    index += size
                    break
            else:
                # As typed (case folded, accents kept): the index stems before it folds
                # accents, so "publicité" must reach the stemmer whole.
                leftover.append(typed[index])
                index += 1
        return Resolution(
            frozenset(software), frozenset(categories), tuple(leftover), tuple(recognised)
        )


def _words(text: str) -> tuple[list[str], list[str]]:
    """The query's words as typed (case folded) and normalised, position by position."""
    typed: list[str] = []
    folded: list[str] = []
    for word in WORD_SEPARATORS.split(unicodedata.normalize("NFC", text.casefold())):
        for piece in normalize(word).split():
            typed.append(word)
            folded.append(piece)
    return typed, folded


def _singular(phrase: str) -> str:
    """ "pads" → "pad", "video calls" → "video call": the plural s/x of French and English."""
    return " ".join(
        word[:-1] if len(word) > 3 and word[-1] in "sx" else word for word in phrase.split()
    )


def _allowed_edits(phrase: str) -> int:
    """Short words must match exactly ("pad", "bbb"); longer ones forgive one or two typos."""
    length = len(phrase.replace(" ", ""))
    if length < 5:
        return 0
    return 1 if length < 9 else 2
