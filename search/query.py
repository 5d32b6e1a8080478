"""A public query and its filters → ordered offers, with facet counts.

Scoring is deliberately coarse (each matching clause adds its weight, nothing else), so that
offers that fit equally get equal scores and the fair rotation decides between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from whoosh import matching, scoring, sorting
from whoosh import query as q

from search.ordering import Hit, daily_seed, fair_order
from search.schema import FACETS, LANGUAGES, MULTI_VALUED, TEXT_FIELDS, WORD_PATTERN, analyzer
from search.vocabulary import Vocabulary

SOFTWARE_WEIGHT = 10.0
CATEGORY_WEIGHT = 6.0
FUZZY_WEIGHT = 0.5
MAX_QUERY_LENGTH = 200
_CONSTANT = scoring.FunctionWeighting(lambda searcher, fieldname, text, matcher: 1.0)
_ANALYZERS = {lang: analyzer(lang) for lang in LANGUAGES}


class _BestOfMatcher(matching.DisjunctionMaxMatcher):
    """Whoosh 2.7's DisjunctionMaxMatcher scores max(a, b) even when its two sides sit on
    different documents, so a document gets the score of one it does not match. This one
    scores only the sides on the current document."""

    def score(self):
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        if a.id() == b.id():
            return max(a.score(), b.score())
        return a.score() if a.id() < b.id() else b.score()


class BestOf(q.DisjunctionMax):
    """A document's score is that of its best-matching clause (not the sum)."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        return self._tree_matcher(
            subs,
            _BestOfMatcher,
            searcher,
            context,
            lambda sub: sub.estimate_size(reader),
            tiebreak=self.tiebreak,
        )


@dataclass(frozen=True)
class SearchParams:
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    day: date | None = None


@dataclass
class SearchResults:
    service_ids: list[int]  # this page, in order
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    software: frozenset[str] = frozenset()  # what the catalogue recognised in the text
    categories: frozenset[str] = frozenset()
    seed: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _word_query(word: str) -> q.Query | None:
    """One typed word: its best match in any text field, in either language, or a typo of it."""
    clauses: list[q.Query] = []
    for lang, lang_analyzer in _ANALYZERS.items():
        tokens = [token.text for token in lang_analyzer(word)]
        if not tokens:
            return None  # a stop word in one language is noise in a mixed-language query
        for name, weight in TEXT_FIELDS.items():
            clauses.extend(q.Term(f"{name}_{lang}", t, boost=weight) for t in tokens)
    if len(word) >= 5:
        distance = 1 if len(word) < 8 else 2
        for lang in LANGUAGES:
            fuzzy = q.FuzzyTerm(f"title_{lang}", word.lower(), maxdist=distance, prefixlength=1)
            clauses.append(q.Or([fuzzy], boost=FUZZY_WEIGHT))
    return BestOf(clauses)


def build_query(text: str, vocabulary: Vocabulary):
    """The Whoosh query for `text`, and what the catalogue recognised in it."""
    text = text[:MAX_QUERY_LENGTH]
    resolution = vocabulary.resolve(text)
    catalog = [q.Term("software", slug, boost=SOFTWARE_WEIGHT) for slug in resolution.software]
    catalog += [q.Term("category", slug, boost=CATEGORY_WEIGHT) for slug in resolution.categories]
    words = [w for w in resolution.leftover for w in re.findall(WORD_PATTERN, w)]
    word_queries = [wq for wq in (_word_query(w) for w in words) if wq is not None]
    parts: list[q.Query] = []
    if catalog:
        parts.append(BestOf(catalog))
    parts.extend(word_queries)
    if not parts:
        return q.Every(), resolution
    return (parts[0] if len(parts) == 1 else q.And(parts)), resolution


@dataclass(frozen=True)
class Fairness:
    """What fair ordering needs besides the query: the rotation's salt, the staleness
    thresholds (days without a good read of the host's file) and the hosts to demote."""

    salt: str = "portee"
    stale_after_days: int = 30
    hidden_after_days: int = 90
    demoted: frozenset[int] = frozenset()


DEFAULT_FAIRNESS = Fairness()


def build_filter(
    filters: dict[str, tuple[str, ...]], today: date, fairness: Fairness = DEFAULT_FAIRNESS
) -> q.Query:
    hidden_before = today.toordinal() - fairness.hidden_after_days
    clauses: list[q.Query] = [
        q.NumericRange("ends", today.toordinal(), None),
        # Hosts whose file has not been read for too long leave the results until it is.
        q.NumericRange("confirmed", hidden_before, None),
    ]
    for name, chosen in filters.items():
        if name in FACETS and chosen:
            clauses.append(q.Or([q.Term(name, value) for value in chosen]))
    return q.And(clauses)


def run_search(
    index, vocabulary: Vocabulary, params: SearchParams, fairness: Fairness = DEFAULT_FAIRNESS
) -> SearchResults:
    today = params.day or date.today()
    seed = daily_seed(today, fairness.salt)
    query, resolution = build_query(params.text, vocabulary)
    facets = {name: sorting.FieldFacet(name, allow_overlap=name in MULTI_VALUED) for name in FACETS}
    with index.searcher(_CONSTANT) as searcher:
        results = searcher.search(
            query,
            limit=None,
            filter=build_filter(params.filters, today, fairness),
            groupedby=facets,
            maptype=sorting.Count,
        )
        stale_before = today.toordinal() - fairness.stale_after_days
        hits = _hits(searcher, results.top_n, stale_before) if results.top_n else []
        counts = {name: _clean_counts(results.groups(name)) for name in FACETS}
    ordered = fair_order(hits, seed, fairness.demoted)
    start = (max(params.page, 1) - 1) * params.per_page
    page_ids = [hit.service_id for hit in ordered[start : start + params.per_page]]
    return SearchResults(
        service_ids=page_ids,
        total=len(ordered),
        page=max(params.page, 1),
        per_page=params.per_page,
        facets=counts,
        software=resolution.software,
        categories=resolution.categories,
        seed=seed,
    )


def _hits(searcher, top_n, stale_before: int) -> list[Hit]:
    """Every hit with what ordering needs, read from columns (fast).

    Only called with hits: an empty index has no columns to read.
    """
    reader = searcher.reader()
    service_ids = reader.column_reader("service_id")
    org_ids = reader.column_reader("org_id")
    loads = reader.column_reader("load")
    confirmed = reader.column_reader("confirmed")
    return [
        Hit(
            score=score,
            service_id=service_ids[docnum],
            organization_id=org_ids[docnum],
            full=loads[docnum] == "full",
            stale=confirmed[docnum] < stale_before,
        )
        for score, docnum in top_n
    ]


def _clean_counts(groups: dict) -> dict[str, int]:
    counts = {}
    for key, count in groups.items():
        value = key.decode() if isinstance(key, bytes) else str(key)
        if value:
            counts[value] = count
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
