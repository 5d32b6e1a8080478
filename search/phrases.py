"""Phrases of a query that mean a filter, not a thing wanted ("sans compte", "gratuit", "in
English"): read out of the text into the same filters the facets set, in both languages.

A query "une visio sans compte" is then what a person clicking "video calls" and "no account
needed" would get, with both shown as removable filters, instead of matching "sans compte" as
text (which found only the offers whose description happened to say it).
"""

from __future__ import annotations

import re

from directory.catalog import normalize

# Normalised phrase → (facet, value). Longer phrases are read first.
FILTER_PHRASES: dict[str, tuple[str, str]] = {
    # registration: none (no account needed)
    "sans compte": ("registration", "none"),
    "sans inscription": ("registration", "none"),
    "sans creer de compte": ("registration", "none"),
    "sans avoir de compte": ("registration", "none"),
    "pas besoin de compte": ("registration", "none"),
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
_BY_LENGTH = sorted(FILTER_PHRASES, key=lambda phrase: -len(phrase.split()))


def read_filters(text: str) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The text without its filter phrases, and the filters they mean."""
    words = text.split()
    folded = [normalize(word) for word in words]
    found: dict[str, tuple[str, ...]] = {}
    index = 0
    kept: list[str] = []
    while index < len(words):
        for phrase in _BY_LENGTH:
            size = len(phrase.split())
            if " ".join(folded[index : index + size]) == phrase:
                facet, value = FILTER_PHRASES[phrase]
                found[facet] = tuple(dict.fromkeys((*found.get(facet, ()), value)))
                index += size
                break
        else:
            kept.append(words[index])
            index += 1
    return re.sub(r"\s+", " ", " ".join(kept)).strip(), found
