"""A public query and its filters → ordered offers, with facet counts.

Scoring is deliberately coarse: a query is a list of parts (what the catalogue recognised, then
each other word), a document must match every part, and each part adds the weight of the best
clause the document matches in it (a title counts more than a description). Offers that fit
equally get equal scores and the fair rotation decides between them.

Evaluation runs on a snapshot of the index (search/snapshot.py): every clause is a bitmap of
offers, so a part is a few bitmaps by weight and the query a few intersections.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from datetime import date

from search import bitmaps, nearby
from search.freshness import NO_CONFIRMATIONS, Confirmations
from search.health import ALL_REACHABLE, Health
from search.nearby import PlaceRead
from search.ordering import daily_seed
from search.phrases import FILLER_WORDS
from search.schema import FACETS, LANGUAGES, TEXT_FIELDS, WORD_PATTERN, analyzer
from search.snapshot import UNLOCATED_KM, Ranking, Snapshot
from search.vocabulary import Resolution, Vocabulary

SOFTWARE_WEIGHT = 10.0
CATEGORY_WEIGHT = 6.0
FUZZY_WEIGHT = 0.5
# For a large group, an offer usable without an account fits a little better (less than any
# word of the query: it orders offers that fit equally).
GUESTS_WEIGHT = 0.25
MAX_QUERY_LENGTH = 200
# A group of results holding more than 1/DENSE of the index is paged by walking the day's fair
# order; a smaller one is sorted on its own.
DENSE = 50
_ANALYZERS = {lang: analyzer(lang) for lang in LANGUAGES}


@dataclass(frozen=True)
class Clause:
    """A document matches when `field` holds `text` (within `fuzzy` edits, if set)."""

    field: str
    text: str
    weight: float
    fuzzy: int = 0


Part = tuple[Clause, ...]  # a document matches a part through the best clause it matches


@dataclass(frozen=True)
class SearchParams:
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    day: date | None = None
    near: str = ""  # a place name: equal fits nearest first (search/nearby.py)
    group_size: int | None = None  # "pour 30 personnes" (search/phrases.py)


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
    # Service id on this page → how many other services of its host, of the same software,
    # matched too and are folded under it (see `fold_twins`).
    folded: dict[int, int] = field(default_factory=dict)
    # Entries listed across the pages: `total` offers less the folded ones (None: no folding).
    listed: int | None = None
    # Typed words no offer of the recognised needs mentions (they were set aside, not used to
    # empty the results).
    unmatched: tuple[str, ...] = ()
    # The place read (`near=` or "à Lyon" in the text), this page's distances from it (service
    # id → km, hosts located at all) and the nearest located host's (search/nearby.py).
    place: PlaceRead | None = None
    distances: dict[int, float] = field(default_factory=dict)
    nearest_km: float | None = None
    # How the text was read: what the catalogue recognised where (and the typos it corrected),
    # and the words matched as text (filler words dropped).
    resolution: Resolution = field(default_factory=Resolution)
    words: tuple[str, ...] = ()
    # A large group ranks offers usable without an account first (search/match.py's rule).
    group_size: int | None = None
    account_free_first: bool = False

    @property
    def pages(self) -> int:
        listed = self.total if self.listed is None else self.listed
        return max(1, -(-listed // self.per_page))


@dataclass(frozen=True)
class Fairness:
    """What fair ordering needs besides the query: the rotation's salt, the staleness
    thresholds (days without a confirmation of the host's listing), when each listing was last
    confirmed, the hosts to demote, and the services whose last check failed."""

    salt: str = "portee"
    stale_after_days: int = 30
    hidden_after_days: int = 90
    demoted: frozenset[int] = frozenset()
    confirmed: Confirmations = NO_CONFIRMATIONS
    health: Health = ALL_REACHABLE


DEFAULT_FAIRNESS = Fairness()


def _word_part(word: str) -> Part | None:
    """One typed word: its best match in any text field, in either language, or a typo of it."""
    clauses: list[Clause] = []
    for lang, lang_analyzer in _ANALYZERS.items():
        tokens = [token.text for token in lang_analyzer(word)]
        if not tokens:
            return None  # a stop word in one language is noise in a mixed-language query
        for name, weight in TEXT_FIELDS.items():
            clauses.extend(Clause(f"{name}_{lang}", t, weight) for t in tokens)
    if len(word) >= 5:
        distance = 1 if len(word) < 8 else 2
        for lang in LANGUAGES:
            clauses.append(Clause(f"title_{lang}", word.lower(), FUZZY_WEIGHT, distance))
    return tuple(clauses)


@dataclass(frozen=True)
class Reading:
    """A query as Portée reads it: the needs the catalogue recognised (one part: software and
    tasks), the typed words matched as text, each with its part, and what it recognised."""

    needs: Part | None
    words: tuple[tuple[str, Part], ...]
    resolution: object
    # One part per need as typed ("pad": Etherpad or any collaborative writing tool).
    need_groups: tuple[Part, ...] = ()


def read_query(text: str, vocabulary: Vocabulary) -> Reading:
    text = text[:MAX_QUERY_LENGTH]
    resolution = vocabulary.resolve(text)
    catalog = [Clause("software", slug, SOFTWARE_WEIGHT) for slug in resolution.software]
    catalog += [Clause("category", slug, CATEGORY_WEIGHT) for slug in resolution.categories]
    typed = [w for w in resolution.leftover for w in re.findall(WORD_PATTERN, w)]
    words = []
    for word in typed:
        if word.lower() in FILLER_WORDS:
            continue
        part = _word_part(word)
        if part is not None:
            words.append((word, part))
    weights = {"software": SOFTWARE_WEIGHT, "category": CATEGORY_WEIGHT}
    need_groups = tuple(
        tuple(Clause(kind, slug, weights[kind]) for kind, slug in sorted(span.targets))
        for span in resolution.spans
    )
    return Reading(tuple(catalog) if catalog else None, tuple(words), resolution, need_groups)


def _part_offers(snapshot: Snapshot, part: Part) -> int:
    found = 0
    for clause in part:
        found |= _clause_offers(snapshot, clause)
    return found


def _clause_offers(snapshot: Snapshot, clause: Clause) -> int:
    if clause.fuzzy:
        return snapshot.fuzzy(clause.field, clause.text, clause.fuzzy)
    if clause.field in FACETS:
        return snapshot.facet(clause.field).get(clause.text, 0)
    return snapshot.term(clause.field, clause.text)


def score_groups(
    snapshot: Snapshot, parts: list[Part], candidates: int, optional: tuple[Part, ...] = ()
) -> dict[float, int]:
    """The candidates matching every part, grouped by score (the sum of each part's best
    clause); an `optional` part adds its best clause's weight where it matches and removes
    nothing where it does not."""
    groups = {0.0: candidates} if candidates else {}
    for part in (*parts, *optional):
        is_optional = part in optional
        by_weight: dict[float, int] = {}
        for clause in part:
            by_weight[clause.weight] = by_weight.get(clause.weight, 0) | _clause_offers(
                snapshot, clause
            )
        taken = 0
        levels = []
        for weight in sorted(by_weight, reverse=True):  # a document counts its best clause
            level = by_weight[weight] & ~taken
            taken |= level
            if level:
                levels.append((weight, level))
        if is_optional:
            levels.append((0.0, ~taken))  # the rest stays, unscored by this word
        combined: dict[float, int] = {}
        for score, offers in groups.items():
            for weight, level in levels:
                both = offers & level
                if both:
                    total = round(score + weight, 3)
                    combined[total] = combined.get(total, 0) | both
        groups = combined
    return groups


def allowed_offers(
    snapshot: Snapshot, filters: dict[str, tuple[str, ...]], today: date, fairness: Fairness
) -> int:
    """Offers valid today, of hosts not hidden for staleness, within the chosen filters."""
    hidden_before = today.toordinal() - fairness.hidden_after_days
    allowed = snapshot.valid(today.toordinal(), hidden_before, fairness.confirmed)
    for name, chosen in filters.items():
        if name in FACETS and chosen:
            values = snapshot.facet(name)
            either = 0
            for value in chosen:
                either |= values.get(value, 0)
            allowed &= either
    return allowed


def facet_counts(snapshot: Snapshot, hits: int) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS:
        found = {}
        for value, offers in snapshot.facet(name).items():
            count = (hits & offers).bit_count()
            if count:
                found[value] = count
        counts[name] = dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
    return counts


def page_of(
    groups: dict[float, int], ranking: Ranking, size: int, start: int, count: int
) -> list[int]:
    """Document numbers `start`…`start + count` of the results: best score first, fair order
    within a score."""
    found: list[int] = []
    for score in sorted(groups, reverse=True):
        group = groups[score]
        members = group.bit_count()
        if start >= members:
            start -= members
            continue
        found.extend(_in_fair_order(group, members, ranking, size, start, count - len(found)))
        start = 0
        if len(found) >= count:
            break
    return found


def _in_fair_order(
    group: int, members: int, ranking: Ranking, size: int, start: int, count: int
) -> list[int]:
    if members * DENSE >= size:  # many: walk the day's order until the page is filled
        marks = bitmaps.flags(group, size)
        found: list[int] = []
        for docnum in ranking.order:
            if marks[docnum]:
                if start:
                    start -= 1
                    continue
                found.append(docnum)
                if len(found) == count:
                    break
        return found
    docnums = bitmaps.docnums(group)
    rank = ranking.rank.__getitem__
    return heapq.nsmallest(start + count, docnums, key=rank)[start:]


def fold_twins(
    groups: dict[float, int], twins: int, keys: dict[int, tuple], ranking: Ranking
) -> dict[int, int]:
    """Keep one offer per host and software among the results (the best score, then the first
    in the day's order); remove the others from `groups`. Returns kept docnum → folded count.
    Costs nothing when no host offers one software twice among the results."""
    kept: dict[tuple, int] = {}  # key → the offer kept
    folded: dict[int, int] = {}
    rank = ranking.rank.__getitem__
    for score in sorted(groups, reverse=True):  # best score first, then the day's order:
        group = groups[score]  # the first offer seen of a key is the one kept
        removed = []
        for docnum in sorted(bitmaps.docnums(group & twins), key=rank):
            key = keys[docnum]
            first = kept.get(key)
            if first is None:
                kept[key] = docnum
            else:
                folded[first] = folded.get(first, 0) + 1
                removed.append(docnum)
        if removed:  # (one pass over the group's bits, not one a document)
            groups[score] = group & ~bitmaps.from_docnums(removed, group.bit_length())
    return folded


def need_folds(
    snapshot: Snapshot, needs: tuple[Part, ...], hits: int
) -> tuple[int, dict[int, tuple]]:
    """Among results read as needs, the offers to fold: an organization's offers for one need
    (its Etherpad and its HedgeDoc for "pad"), keyed by (organization, need). An offer meeting
    several needs counts for the first."""
    folding = 0
    keys: dict[int, tuple] = {}
    for need in needs:
        key = need_key(need)
        mates, orgs = snapshot.mates(key, _part_offers(snapshot, need))
        fresh = mates & hits & ~folding
        if fresh:
            folding |= fresh
            for docnum in bitmaps.docnums(fresh):
                keys[docnum] = (orgs[docnum], key)
    return folding, keys


def need_key(needs: Part) -> str:
    return ",".join(sorted(f"{clause.field}={clause.text}" for clause in needs))


def run_search(
    snapshot: Snapshot,
    vocabulary: Vocabulary,
    params: SearchParams,
    fairness: Fairness = DEFAULT_FAIRNESS,
) -> SearchResults:
    from search.match import LARGE_GROUP  # (search/match.py builds on this module)

    today = params.day or date.today()
    seed = daily_seed(today, fairness.salt)
    text, place = nearby.place_of(params.text, params.near)
    reading = read_query(text, vocabulary)
    resolution = reading.resolution
    allowed = allowed_offers(snapshot, params.filters, today, fairness)
    word_parts = tuple(part for _word, part in reading.words)
    guests_first = (params.group_size or 0) > LARGE_GROUP
    ranks: tuple[Part, ...] = ()
    if guests_first:
        ranks = ((Clause("registration", "none", GUESTS_WEIGHT),),)
    unmatched: tuple[str, ...] = ()
    if reading.needs is not None:
        # What the catalogue recognised is what is wanted; the other words rank among those
        # offers and never empty a result the needs alone fill.
        groups = score_groups(snapshot, [reading.needs], allowed, optional=word_parts + ranks)
        unmatched = tuple(
            word for word, part in reading.words if not allowed & _part_offers(snapshot, part)
        )
    else:
        groups = score_groups(snapshot, list(word_parts), allowed, optional=ranks)
    hits = 0
    for offers in groups.values():
        hits |= offers
    page = max(params.page, 1)
    page_ids: list[int] = []
    folded: dict[int, int] = {}
    folded_docs: dict[int, int] = {}
    distances: dict[int, float] = {}
    nearest: float | None = None
    if hits:
        stale_before = today.toordinal() - fairness.stale_after_days
        if reading.needs is not None:
            # One card per organization and need, in an order seeded by the day and the need.
            needs = reading.needs
            within = _part_offers(snapshot, needs)
            ranking = snapshot.need_ranking(
                seed,
                need_key(needs),
                within,
                stale_before,
                fairness.demoted,
                fairness.confirmed,
                fairness.health,
            )
            folding, fold_keys = need_folds(snapshot, reading.need_groups, hits)
        else:
            ranking = snapshot.ranking(
                seed, stale_before, fairness.demoted, fairness.confirmed, fairness.health
            )
            twins, fold_keys = snapshot.twins()
            folding = hits & twins
        # Facets and the total count offers; the pages list one entry per host and need.
        folded_docs = fold_twins(groups, folding, fold_keys, ranking) if folding else {}
        start = (page - 1) * params.per_page
        service_ids = snapshot.columns["service_id"]
        if place is not None and place.place is not None:
            km = snapshot.distances(place.place.latitude, place.place.longitude)
            docnums = nearby.page_by_distance(
                snapshot, groups, ranking, place.place, start, params.per_page
            )
            distances = {service_ids[d]: km[d] for d in docnums if km[d] < UNLOCATED_KM}
            nearest = nearby.nearest_km(snapshot, hits, km)
        else:
            docnums = page_of(groups, ranking, snapshot.size, start, params.per_page)
        page_ids = [service_ids[d] for d in docnums]
        folded = {service_ids[d]: folded_docs[d] for d in docnums if d in folded_docs}
    return SearchResults(
        service_ids=page_ids,
        total=hits.bit_count(),
        page=page,
        per_page=params.per_page,
        facets=facet_counts(snapshot, hits),
        software=resolution.software,
        categories=resolution.categories,
        seed=seed,
        folded=folded,
        listed=hits.bit_count() - sum(folded_docs.values()) if hits else 0,
        unmatched=unmatched,
        place=place,
        distances=distances,
        nearest_km=nearest,
        resolution=resolution,
        words=tuple(word for word, _part in reading.words),
        group_size=params.group_size,
        account_free_first=guests_first,
    )
