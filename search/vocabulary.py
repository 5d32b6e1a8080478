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
from search.phrases import FILLER_WORDS

MAX_PHRASE_WORDS = 4


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    targets: frozenset[tuple[str, str]]
    corrected: str | None = None


@dataclass(frozen=True)
class Resolution:
    software: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    leftover: tuple[str, ...] = ()  # words the catalogue did not recognise
    recognised: tuple[str, ...] = ()  # the phrases it did, as typed (normalised)
    # The query word by word, as typed (case folded), and what each recognised phrase covers:
    # (first word, end, its targets, the catalogue's spelling when it was read as a typo).
    typed: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()

    @property
    def corrections(self) -> tuple[tuple[str, str], ...]:
        """(as typed, as the catalogue spells it) for each phrase read as a typo."""
        return tuple(
            (" ".join(self.typed[span.start : span.end]), span.corrected)
            for span in self.spans
            if span.corrected
        )

    def without(self, start: int, end: int) -> str:
        """The query as typed, less the words start…end ("" when only words of how people ask
        are left: "une visio" without "visio" is every offer)."""
        rest = self.typed[:start] + self.typed[end:]
        if all(_known_asking(normalize(word)) for word in rest):
            return ""
        return " ".join(rest)

    def without_word(self, word: str) -> str:
        """The query as typed, less the first word that is (or holds) `word`."""
        folded = word.casefold()
        for index, typed in enumerate(self.typed):
            if typed == folded or folded in typed:
                return self.without(index, index + 1)
        return self.without(0, 0)

    def corrected(self) -> str:
        """The query as typed, each typo replaced by what it was read as."""
        words = list(self.typed)
        for span in sorted(self.spans, key=lambda s: -s.start):
            if span.corrected:
                words[span.start : span.end] = [span.corrected]
        return " ".join(words)

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
    # normalised alias → as the catalogue writes it (to say "did you mean …?")
    spelling: dict[str, str] = field(default_factory=dict)

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
                self.spelling.setdefault(key, word.casefold() if word.isupper() else word)
                self.known_words.update(key.split())

    def _lookup(self, phrase: str) -> tuple[set[tuple[str, str]], str | None]:
        """What the phrase names, and the alias it was read as when it is a typo of one."""
        exact = self.entries.get(phrase) or self.entries.get(_singular(phrase))
        if exact:
            return exact, None
        allowed = _allowed_edits(phrase)
        if not allowed or all(_known(word, self.known_words) for word in phrase.split()):
            return set(), None  # too short to forgive a typo, or real words: not a typo
        matches = process.extract(
            phrase, self.entries.keys(), scorer=OSA.distance, score_cutoff=allowed, limit=None
        )
        if not matches:
            return set(), None
        best = min(distance for _key, distance, _index in matches)
        found: set[tuple[str, str]] = set()
        keys = []
        for key, distance, _index in matches:
            if distance == best and _allowed_edits(key) >= distance:
                found |= self.entries[key]
                keys.append(key)
        return found, (self.spelling.get(min(keys), min(keys)) if keys else None)

    def resolve(self, text: str) -> Resolution:
        typed, words = _words(text)
        software: set[str] = set()
        categories: set[str] = set()
        leftover: list[str] = []
        recognised: list[str] = []
        spans: list[Span] = []
        # "je recherche une visio": a word of how people ask that is also an alias ("recherche",
        # a search engine) names something only when nothing else is asked.
        asking = any(word not in FILLER_WORDS and word not in STOP_WORDS for word in words)
        index = 0
        while index < len(words):
            for size in range(min(MAX_PHRASE_WORDS, len(words) - index), 0, -1):
                phrase = " ".join(words[index : index + size])
                if asking and all(word in FILLER_WORDS for word in phrase.split()):
                    continue
                targets, corrected = self._lookup(phrase)
                if targets:
                    for kind, slug in targets:
                        (software if kind == "software" else categories).add(slug)
                    recognised.append(phrase)
                    spans.append(Span(index, index + size, frozenset(targets), corrected))
                    index += size
                    break
            else:
                # As typed (case folded, accents kept): the index stems before it folds
                # accents, so "publicité" must reach the stemmer whole.
                leftover.append(typed[index])
                index += 1
        return Resolution(
            frozenset(software),
            frozenset(categories),
            tuple(leftover),
            tuple(recognised),
            tuple(typed),
            tuple(spans),
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


def _known_asking(phrase: str) -> bool:
    return all(word in FILLER_WORDS or word in STOP_WORDS for word in phrase.split())


def _known(word: str, known_words: set[str]) -> bool:
    """A word of the catalogue, or of how people ask ("je cherche", "instead of")."""
    return word in known_words or word in FILLER_WORDS or word in STOP_WORDS


# Short words of either language that never name anything (their typos neither).
STOP_WORDS = frozenset(
    (
        "a", "an", "the", "of", "for", "to", "in", "on", "with", "my", "our",
        "un", "une", "le", "la", "les", "de", "des", "du", "pour", "avec", "mon", "ma", "mes",
    )
)  # fmt: skip


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
