"""Phrases of a query that mean a filter, not a thing wanted ("sans compte", "gratuit", "in
English"): read out of the text into the same filters the facets set, in both languages.

A query "une visio sans compte" is then what a person clicking "video calls" and "no account
needed" would get, with both shown as removable filters, instead of matching "sans compte" as
text (which found only the offers whose description happened to say it).
"""

from __future__ import annotations

import re

from directory.catalog import normalize

# Words that say how someone asks, not what they want ("je cherche une alternative à …",
# "I'd like something instead of …"): dropped before the rest is matched as text. The analyzers
# already drop each language's stop words.
FILLER_WORDS = frozenset(
    (
        # French
        "je", "j", "voudrais", "veux", "cherche", "recherche", "cherchons", "besoin", "aimerais",
        "souhaite", "trouver", "remplacer", "remplace", "remplacement", "alternative",
        "alternatives", "equivalent", "équivalent", "comme", "autre", "outil", "logiciel",
        "quelque", "chose", "truc",
        # English
        "i", "i'd", "want", "wanted", "would", "like", "looking", "need", "needs", "find",
        "replace", "replacement", "instead", "similar", "something", "tool", "software",
    )
)  # fmt: skip

# Normalised phrase → (facet, value). Longer phrases are read first.
FILTER_PHRASES: dict[str, tuple[str, str]] = {
    # registration: none (no account needed)
    "sans compte": ("registration", "none"),
    "sans inscription": ("registration", "none"),
    "sans creer de compte": ("registration", "none"),
    "sans avoir de compte": ("registration", "none"),
    "pas besoin de compte": ("registration", "none"),
    "en libre acces": ("registration", "none"),
    "libre acces": ("registration", "none"),
    "no account": ("registration", "none"),
    "without an account": ("registration", "none"),
    "without account": ("registration", "none"),
    "no sign up": ("registration", "none"),
    "no signup": ("registration", "none"),
    "no registration": ("registration", "none"),
    # registration: free (open sign-up)
    "inscription libre": ("registration", "free"),
    "inscriptions ouvertes": ("registration", "free"),
    "open registration": ("registration", "free"),
    "open sign up": ("registration", "free"),
    "open signups": ("registration", "free"),
    # price
    "gratuit": ("price", "free"),
    "gratuite": ("price", "free"),
    "gratuits": ("price", "free"),
    "gratuites": ("price", "free"),
    "free of charge": ("price", "free"),
    "free": ("price", "free"),
    "prix libre": ("price", "donation"),
    "a prix libre": ("price", "donation"),
    "pay what you want": ("price", "donation"),
    "payant": ("price", "paid"),
    "payante": ("price", "paid"),
    "paid": ("price", "paid"),
    # availability
    "ouvert": ("load", "open"),
    "ouverts": ("load", "open"),
    "accepting new users": ("load", "open"),
    # service languages
    "en francais": ("language", "fr"),
    "in french": ("language", "fr"),
    "en anglais": ("language", "en"),
    "in english": ("language", "en"),
    "en allemand": ("language", "de"),
    "in german": ("language", "de"),
    "en espagnol": ("language", "es"),
    "in spanish": ("language", "es"),
    "en italien": ("language", "it"),
    "in italian": ("language", "it"),
    "en breton": ("language", "br"),
    "in breton": ("language", "br"),
}
# First word → the phrases starting with it, longest first (one dictionary look-up per word).
_BY_FIRST_WORD: dict[str, list[tuple[str, int]]] = {}
for _phrase in sorted(FILTER_PHRASES, key=lambda phrase: -len(phrase.split())):
    _BY_FIRST_WORD.setdefault(_phrase.split()[0], []).append((_phrase, len(_phrase.split())))


def read_filters(text: str) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The text without its filter phrases, and the filters they mean."""
    words = text.split()
    folded = [normalize(word) for word in words]
    found: dict[str, tuple[str, ...]] = {}
    index = 0
    kept: list[str] = []
    while index < len(words):
        for phrase, size in _BY_FIRST_WORD.get(folded[index], ()):
            if " ".join(folded[index : index + size]) == phrase:
                facet, value = FILTER_PHRASES[phrase]
                found[facet] = tuple(dict.fromkeys((*found.get(facet, ()), value)))
                index += size
                break
        else:
            kept.append(words[index])
            index += 1
    return re.sub(r"\s+", " ", " ".join(kept)).strip(), found


# "pour 30 personnes", "for 30 people", "une réunion de 12 participants", "a group of 40": a
# number is a group size only beside a word that counts people (a street number, "30 rue …",
# or a year never is).
_PEOPLE = (
    r"personnes?|people|persons?|participants?|participantes?|utilisateurs?|utilisatrices?"
    r"|users?|membres?|members?|invites?|guests?|eleves?|students?|etudiants?|benevoles?"
    r"|volunteers?|adherents?|salaries?|employees?|collegues?|colleagues?"
)
_GROUP = re.compile(
    rf"(?:\b(?:pour|for|avec|with|de|of|a|entre|jusqu a|up to)\s+)?\b(\d{{1,6}})\s+(?:{_PEOPLE})\b"
    rf"|\b(?:groupe|group|equipe|team|classe|class)\s+(?:de|of)\s+(\d{{1,6}})\b"
)
MAX_GROUP = 100_000


def read_group_size(text: str) -> tuple[str, int | None]:
    """The text without its group size ("pour 30 personnes"), and the size (None: none said)."""
    words = text.split()
    folded = [normalize(word) for word in words]
    joined = " ".join(folded)
    found = _GROUP.search(joined)
    if not found:
        return text, None
    size = int(found.group(1) or found.group(2))
    if not 1 <= size <= MAX_GROUP:
        return text, None
    # The matched words, counted in the normalised text, are removed from the typed words.
    first = len(joined[: found.start()].split())
    count = len(found.group(0).split())
    kept = words[:first] + words[first + count :]
    return " ".join(kept), size
