"""Searches near a place: which place a search is about ("near=Lyon", or "pad à Lyon" in the
text), equal fits in order of distance from it, and how far the nearest host is.

Distance orders offers only among equal fits, never removes any: a place with no host nearby
still lists every fit, nearest first, and the page says so.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from search import bitmaps
from search.places import Place, read_place, resolve
from search.snapshot import UNLOCATED_KM, Ranking, Snapshot

DENSE = 50  # as in search/query.py: a group holding more than 1/DENSE of the index is large
NEARBY_KM = 50  # nearer than this, a host is "near"; else the page says it widened
PRECISE = ("point", "city", "postcode")  # a country-wide location says "in Belgium", not a distance


@dataclass(frozen=True)
class PlaceRead:
    place: Place | None  # None: `typed` names no place the gazetteer knows
    typed: str  # as given in `near=` or typed in the query


def place_of(text: str, near: str) -> tuple[str, PlaceRead | None]:
    """The query's text without its place, and the place: `near` if given, else one the text
    names after a preposition."""
    near = near.strip()[:100]
    if near:
        return text, PlaceRead(resolve(near), near)
    found = read_place(text)
    if found is None:
        return text, None
    return found.rest, PlaceRead(found.place, found.phrase)


def page_by_distance(
    snapshot: Snapshot,
    groups: dict[float, int],
    ranking: Ranking,
    place: Place,
    start: int,
    count: int,
) -> list[int]:
    """Like query.page_of, but within a score the nearest first (whole kilometres: hosts of
    one town keep the day's fair order between them). A large group is read off the day's
    order by distance (cached per place), a small one sorted on its own."""
    km = snapshot.distances(place.latitude, place.longitude)
    rank, size = ranking.rank, snapshot.size
    found: list[int] = []
    for score in sorted(groups, reverse=True):
        group = groups[score]
        members = group.bit_count()
        if start >= members:
            start -= members
            continue
        wanted = start + count - len(found)
        if members * DENSE >= size:
            marks = bitmaps.flags(group, size)
            nearest = []
            for docnum in snapshot.nearest_order(place.latitude, place.longitude, ranking):
                if marks[docnum]:
                    nearest.append(docnum)
                    if len(nearest) == wanted:
                        break
        else:
            nearest = heapq.nsmallest(
                wanted, bitmaps.docnums(group), key=lambda d: round(km[d]) * size + rank[d]
            )
        found.extend(nearest[start:])
        start = 0
        if len(found) >= count:
            break
    return found


def nearest_km(snapshot: Snapshot, hits: int, distances: Sequence[float]) -> float | None:
    """How far the nearest precisely located host among `hits` is (None: none is located)."""
    located = snapshot.columns["located"]
    best = UNLOCATED_KM
    for docnum in bitmaps.docnums(hits):
        if distances[docnum] < best and located[docnum] in PRECISE:
            best = distances[docnum]
    return None if best >= UNLOCATED_KM else best
