"""The Whoosh schema of offers (one document per offered service) and its analyzers.

Free text is indexed twice, once per language analyzer (French and English stemming, both
folding accents), because a host's description does not say which language it is in.
"""

from __future__ import annotations

from whoosh import columns, fields
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

LANGUAGES = ("fr", "en")
# The words a query is split into; every analyzer below starts from the same tokens.
WORD_PATTERN = r"\w+(?:[.\-]\w+)*"


def analyzer(lang: str):
    # Stop words and the stemmer expect accents, so folding comes last.
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | StopFilter(lang=lang)
        | StemFilter(lang=lang)
        | CharsetFilter(accent_map)
    )


def _text(lang: str) -> fields.TEXT:
    return fields.TEXT(analyzer=analyzer(lang), phrase=False)


# Text fields, by weight: a word matching a title counts more than one in a description.
TEXT_FIELDS = {
    "title": 3.0,  # service name, organization name, software names
    "keywords": 2.0,  # category names and aliases, software aliases, place
    "body": 1.0,  # descriptions
}
# Bumped whenever the schema or the documents change: an index of another version is rebuilt.
SCHEMA_VERSION = 6
FACETS = (
    "category",
    "software",
    "registration",
    "load",
    "price",
    "country",
    "language",
    "legal_type",
)
MULTI_VALUED = ("category", "language")
NO_PLACE = -(2**31)  # the latitude and longitude columns of an offer whose host is not located
MICRODEGREES = 1_000_000


def _integers() -> fields.COLUMN:
    """Per-offer integers read from a column only (never searched by term: indexing them
    would add a posting per bit range of every value)."""
    return fields.COLUMN(columns.NumericColumn("q"))


def build_schema() -> fields.Schema:
    schema = fields.Schema(
        service_id=_integers(),
        # Indexed once (no tiers: it is only looked up whole, to replace a host's offers).
        org_id=fields.NUMERIC(int, bits=64, sortable=True, shift_step=0),
        software=fields.ID(sortable=True),
        category=fields.KEYWORD(scorable=False),
        registration=fields.ID(sortable=True),
        load=fields.ID(sortable=True),
        price=fields.ID(sortable=True),
        country=fields.ID(sortable=True),
        language=fields.KEYWORD(scorable=False),
        legal_type=fields.ID(sortable=True),
        # The last day the offer is valid (date ordinal); offers past it drop out at query time.
        ends=_integers(),
        # The offer's languages again, as one column, for the matchmaker's preference scoring.
        language_set=fields.COLUMN(columns.VarBytesColumn()),
        # service.status.level: "pick one for me" only sends people to healthy offers.
        status=fields.COLUMN(columns.VarBytesColumn()),
        # Where the host is (directory/geo.py): microdegrees (NO_PLACE when unknown) and how
        # precise (point, city, country), to order equal fits by distance from a place.
        latitude=_integers(),
        longitude=_integers(),
        located=fields.COLUMN(columns.VarBytesColumn()),
    )
    for name in TEXT_FIELDS:
        for lang in LANGUAGES:
            schema.add(f"{name}_{lang}", _text(lang))
    return schema
