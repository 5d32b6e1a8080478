"""One version of the index, held in memory in the shape queries need.

Whoosh stores and analyses; answering a public query over tens of thousands of offers with
its pure-Python matchers, facet counters and sorting took most of a second (bench/README.md).
A snapshot reads the per-offer columns once per index version and keeps every set of offers
(a term's postings, a facet value, the offers valid today) as a bitmap (search/bitmaps.py), so
a query is a handful of integer operations. It is rebuilt when the index changes.
"""

from __future__ import annotations

import bisect
import io
import pickle
import struct
import threading
import weakref
import zlib
from array import array
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, compress

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound

from search import bitmaps
from search.freshness import Confirmations
from search.health import ALL_REACHABLE, Health
from search.ordering import fair_key, rotation_key
from search.places import distance_km
from search.schema import MICRODEGREES, NO_PLACE

# Per-offer values read from the index's columns.
COLUMNS = (
    "service_id",
    "org_id",
    "load",
    "ends",
    "registration",
    "price",
    "country",
    "language_set",
    "status",
    "latitude",
    "longitude",
    "located",
)
INTEGER_COLUMNS = ("service_id", "org_id", "ends", "latitude", "longitude")
_BLOCK_LENGTH = struct.Struct("!i")  # Whoosh's StructFile.read_int
# Bitmaps of the terms asked most recently (about 10 KB each at 80,000 offers).
TERM_CACHE_SIZE = 500
DAY_CACHE_SIZE = 6
PLACE_CACHE_SIZE = 32  # places asked most recently (8 bytes per offer each)
UNLOCATED_KM = 1e9  # the distance of an offer whose host is not located (sorts last)
# Fair orders of one need's offers (the day's rotation seeded by the need too), most recent.
NEED_ORDER_CACHE_SIZE = 128


class _Recent:
    """The most recently used entries, at most `size` (an LRU cache; callers hold a lock)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict = OrderedDict()

    def get(self, key):
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key, value) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


class SnapshotClosed(RuntimeError):
    """The index changed and this snapshot's reader was closed: ask for the current one."""


@dataclass(frozen=True)
class Ranking:
    """Offers in fair order for one day (search/ordering.py's key without the score)."""

    order: list[int]  # document numbers, fairest first
    rank: list[int]  # document number → position in `order`


@dataclass(frozen=True)
class _Since:
    """What is left in a snapshot of an earlier one's documents: those still live, at the same
    numbers (as flags and as a bitmap), and the live documents it did not have (`fresh`: the
    new segments', those of segments merged away since included)."""

    flags: bytes
    kept: int
    fresh: int


@dataclass(frozen=True)
class _Mates:
    """A need's offers whose organization has more than one (`Snapshot.mates`), and the need's
    offers they were grouped from, to be carried over a commit."""

    bitmap: int
    keys: dict[int, int]  # docnum → organization, for the offers in `bitmap`
    within: int  # the need's live offers


class SegmentData:
    """What snapshots read from one segment of the index. A segment never changes once
    written (only its deletions do, and those are read per snapshot), so the next snapshot
    reuses it: after a commit, only the new small segment is read."""

    def __init__(self, leaf) -> None:
        self.size = leaf.doc_count_all()
        self.columns = _read_columns(leaf)
        self._terms = _Recent(TERM_CACHE_SIZE)  # (field, term) → bitmap in this segment
        self._letters: dict[str, dict[str, list[str]]] = {}
        self._facets: dict[str, dict[bytes, int]] = {}
        self._organizations: dict[int, list[int]] | None = None
        self._confirmed: tuple[Confirmations, Sequence[int]] | None = None
        self._current: tuple[int, int] | None = None  # (day, documents not ended that day)
        self._lock = threading.Lock()

    def term(self, leaf, field: str, term: bytes) -> int:
        """The segment's documents holding the term (numbered within the segment)."""
        key = (field, term)
        with self._lock:
            found = self._terms.get(key)
        if found is None:
            found = bitmaps.from_docnums(_posting_ids(leaf, field, term), self.size)
            with self._lock:
                self._terms.put(key, found)
        return found

    def organizations(self) -> dict[int, list[int]]:
        """Organization → its documents in the segment (once per segment)."""
        if self._organizations is None:
            found: dict[int, list[int]] = {}
            for docnum, org in enumerate(self.columns["org_id"]):
                found.setdefault(org, []).append(docnum)
            self._organizations = found
        return self._organizations

    def confirmed(self, confirmations: Confirmations) -> Sequence[int]:
        """Each document's host's last confirmation: from the last map's, when only a few
        hosts changed (an import confirms the hosts it read)."""
        last = self._confirmed
        if last is not None and last[0] is confirmations:
            return last[1]
        if last is None:
            found = array("q", map(confirmations.day_of, self.columns["org_id"]))
        else:
            before, after = last[0].days, confirmations.days
            changed = {org for org, day in after.items() if before.get(org) != day}
            changed.update(org for org in before if org not in after)
            if len(changed) * 8 > len(after):
                found = array("q", map(confirmations.day_of, self.columns["org_id"]))
            else:
                found = array("q", last[1])
                organizations = self.organizations()
                for org in changed:
                    day = confirmations.day_of(org)
                    for docnum in organizations.get(org, ()):
                        found[docnum] = day
        self._confirmed = (confirmations, found)
        return found

    def valid(self, today: int, hidden: list[int]) -> int:
        """The segment's documents not ended by `today` and not of a `hidden` host."""
        with self._lock:
            current = self._current
        if current is None or current[0] != today:
            ends = self.columns["ends"]
            current = (
                today,
                bitmaps.from_docnums(
                    compress(range(self.size), map(today.__le__, ends)), self.size
                ),
            )
            with self._lock:
                self._current = current
        organizations = self.organizations() if hidden else {}
        gone = [d for org in hidden for d in organizations.get(org, ())]
        return current[1] & ~bitmaps.from_docnums(gone, self.size) if gone else current[1]

    def facet(self, leaf, field: str) -> dict[bytes, int]:
        """Each value of a facet field in the segment → its documents (once per segment)."""
        found = self._facets.get(field)
        if found is None:
            found = {
                term: bitmaps.from_docnums(_posting_ids(leaf, field, term), self.size)
                for term in leaf.lexicon(field)
            }
            self._facets[field] = found
        return found

    def fuzzy(self, leaf, field: str, word: str, max_edits: int) -> int:
        """The segment's documents with a term in `field` within `max_edits` of `word` (same
        first letter). Kept with the segment: after a commit, only the new segment's terms are
        compared again."""
        key = (f"~{max_edits}:{field}", word)
        with self._lock:
            found = self._terms.get(key)
        if found is None:
            near = process.extract(
                word,
                self._by_letter(leaf, field).get(word[:1], []),
                scorer=OSA.distance,
                score_cutoff=max_edits,
                limit=None,
            )
            found = 0
            for term, _distance, _index in near:
                found |= self.term(leaf, field, term.encode())
            with self._lock:
                self._terms.put(key, found)
        return found

    def _by_letter(self, leaf, field: str) -> dict[str, list[str]]:
        """The segment's terms of `field` by first letter (for fuzzy matching)."""
        found = self._letters.get(field)
        if found is None:
            found = {}
            for term in leaf.lexicon(field):
                text = term.decode()
                found.setdefault(text[:1], []).append(text)
            self._letters[field] = found
        return found


def _posting_ids(leaf, field: str, term: bytes) -> Sequence[int]:
    """The segment's documents holding the term, deleted ones included (a segment's
    deletions change from one snapshot to the next: every query keeps only `live` offers).

    Whoosh's `all_ids()` steps through a posting at a time in Python (a few microseconds
    each: 20 ms for a word in 5,000 descriptions, 300 ms for one in 60,000); the term's
    postings are read here in one piece and decoded a block (up to 128 ids) at a time."""
    try:  # (the codec's matcher: `leaf.postings()` would filter out deleted documents,
        # building a set of them each time; and one look-up of the term, not two)
        matcher = leaf._terms.matcher(field, term, leaf.schema[field].format)
    except (TermNotFound, KeyError):
        return ()
    if not isinstance(matcher, W3LeafMatcher):  # a few postings inlined in the term's info
        return list(matcher.all_ids())
    return _block_ids(matcher)


def _block_ids(matcher: W3LeafMatcher) -> list[int]:
    """Whoosh 3's posting blocks, as its W3LeafMatcher reads them (whoosh/codec/whoosh3.py):
    after a 4-byte tag, blocks of [length: int, negative for the last one][info: pickle]
    [ids, weights, values: pickle, zlib-compressed when info[3]], ids as deltas."""
    length = matcher._length  # (Whoosh reads it back as a 1-tuple from a term's info)
    raw = matcher._postfile.get(
        matcher._startoffset, length[0] if type(length) is tuple else length
    )
    stream = io.BytesIO(raw)
    position = 4  # (the tag: Whoosh checked it when it opened the matcher)
    ids: list[int] = []
    while position < len(raw):
        (length,) = _BLOCK_LENGTH.unpack_from(raw, position)
        stream.seek(position + _BLOCK_LENGTH.size)
        info = pickle.load(stream)
        end = position + _BLOCK_LENGTH.size + abs(length)
        data = raw[stream.tell() : end]
        block = pickle.loads(zlib.decompress(data) if info[3] else data)[0]
        ids.extend(block if matcher._byteids else accumulate(block))
        if length < 0:
            break
        position = end
    return ids


def _read_columns(leaf) -> dict[str, Sequence]:
    columns: dict[str, Sequence] = {}
    for name in COLUMNS:
        if name in INTEGER_COLUMNS:  # machine integers: no object per offer
            columns[name] = array("q", leaf.column_reader(name))
        else:  # one object per distinct value, not per offer (tens of MB at 80,000)
            read = list(leaf.column_reader(name))
            distinct = {v: _value(name, v) for v in set(read)}
            columns[name] = [distinct[v] for v in read]
    return columns


def _value(column: str, stored: str | bytes):
    if isinstance(stored, bytes):  # column-only fields (search/schema.py)
        stored = stored.decode()
    return frozenset(stored.split()) if column == "language_set" else stored


class Snapshot:
    def __init__(
        self,
        reader,
        version: tuple,
        segments: dict[str, SegmentData],
        previous: Snapshot | None = None,
    ) -> None:
        """`segments`: what earlier snapshots read, by segment id; updated to this one's.
        `previous`: the snapshot this one replaces, whose fair orders it carries over."""
        self.version = version
        # Closes the reader's files when the snapshot is replaced or forgotten.
        self._close_reader = weakref.finalize(self, reader.close)
        self._lock = threading.Lock()
        self._closed = False
        self.size = reader.doc_count_all()
        leaves = list(reader.leaf_readers()) if self.size else []
        self._segments: list[tuple[object, int, SegmentData]] = []
        for leaf, offset in leaves:
            key = leaf.segment().segment_id()
            data = segments.get(key) or SegmentData(leaf)
            self._segments.append((leaf, offset, data))
        segments.clear()
        segments.update((leaf.segment().segment_id(), data) for leaf, _, data in self._segments)
        self.columns = self._join_columns()
        self.live = 0
        for leaf, offset, data in self._segments:
            deleted = bitmaps.from_docnums(leaf.segment().deleted_docs(), data.size)
            self.live |= (((1 << data.size) - 1) & ~deleted) << offset
        self._terms = _Recent(TERM_CACHE_SIZE)  # (field, text) → bitmap of offers
        self._facets: dict[str, dict[str, int]] = {}
        self._days = _Recent(DAY_CACHE_SIZE)
        self._distances = _Recent(PLACE_CACHE_SIZE)  # (latitude, longitude) → km per offer
        self._twins: _Mates | None = None
        self._need_orders = _Recent(NEED_ORDER_CACHE_SIZE)
        self._mates = _Recent(NEED_ORDER_CACHE_SIZE)
        self._docnums: dict[int, int] | None = None
        # Each segment's place (id → first document number), and the fair orders earlier
        # snapshots of this build computed, each with the layout it was computed on.
        self.layout = tuple(
            (leaf.segment().segment_id(), offset, data.size)
            for leaf, offset, data in self._segments
        )
        # (each segment's hosts: a carried `mates` finds those of a segment merged away since)
        self._segment_orgs = {
            leaf.segment().segment_id(): data.columns["org_id"] for leaf, _, data in self._segments
        }
        self._carried = {
            "need": _Recent(NEED_ORDER_CACHE_SIZE),
            "ranking": _Recent(2),
            "mates": _Recent(NEED_ORDER_CACHE_SIZE),
        }
        self._since: dict[tuple, _Since | None] = {}  # layout → what is left of it
        if previous is not None and previous.version[:1] == version[:1]:
            previous._carry(self._carried)

    def _join_columns(self) -> dict[str, Sequence]:
        columns: dict[str, Sequence] = {}
        for name in COLUMNS:
            joined: Sequence = array("q") if name in INTEGER_COLUMNS else []
            for _leaf, _offset, data in self._segments:
                joined += data.columns[name]
            columns[name] = joined
        return columns

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._close_reader()

    # -- sets of offers --------------------------------------------------------------------
    def term(self, field: str, text: str) -> int:
        """The offers whose `field` holds the (analysed) term `text`."""
        key = (field, text)
        with self._lock:
            found = self._terms.get(key)
            if found is None:
                found = self._postings(field, text.encode())
                self._terms.put(key, found)
            return found

    def _postings(self, field: str, term: bytes) -> int:
        """Called with the lock held (Whoosh's file readers keep a position)."""
        if self._closed:
            raise SnapshotClosed
        found = 0
        for leaf, offset, data in self._segments:
            found |= data.term(leaf, field, term) << offset
        return found

    def facet(self, field: str) -> dict[str, int]:
        """Every value of a facet field → the offers having it (each segment's read once)."""
        values = self._facets.get(field)
        if values is None:
            merged: dict[bytes, int] = {}
            with self._lock:
                if self._closed:
                    raise SnapshotClosed
                for leaf, offset, data in self._segments:
                    for term, found in data.facet(leaf, field).items():
                        merged[term] = merged.get(term, 0) | found << offset
            values = {t.decode(): merged[t] for t in sorted(merged) if t}
            self._facets[field] = values
        return values

    def fuzzy(self, field: str, word: str, max_edits: int) -> int:
        """The offers with a term in `field` within `max_edits` of `word` (same first letter),
        found segment by segment (search/snapshot.py's SegmentData.fuzzy)."""
        key = (f"~{max_edits}:{field}", word)
        with self._lock:
            found = self._terms.get(key)
            if found is None:
                if self._closed:
                    raise SnapshotClosed
                found = 0
                for leaf, offset, data in self._segments:
                    found |= data.fuzzy(leaf, field, word, max_edits) << offset
                self._terms.put(key, found)
            return found

    def confirmed(self, confirmations: Confirmations) -> Sequence[int]:
        """Each offer's host's last confirmation (date ordinal), from search/freshness.py
        (segment by segment: see SegmentData.confirmed)."""

        def compute() -> Sequence[int]:
            joined = array("q")
            for _leaf, _offset, data in self._segments:
                joined += data.confirmed(confirmations)
            return joined

        return self._per_day(("confirmed", confirmations.version), compute)

    def valid(self, today: int, hidden_before: int, confirmations: Confirmations) -> int:
        """Offers not ended by `today` whose host's file was read since `hidden_before`."""

        def compute() -> int:
            hidden = [org for org, day in confirmations.days.items() if day < hidden_before]
            found = 0
            for _leaf, offset, data in self._segments:
                found |= data.valid(today, hidden) << offset
            return found & self.live

        return self._per_day(("valid", today, hidden_before, confirmations.version), compute)

    def docnum_of(self, service_id: int) -> int | None:
        """The live offer of a service (built once per snapshot)."""
        if self._docnums is None:
            service_ids = self.columns["service_id"]
            self._docnums = {service_ids[d]: d for d in bitmaps.docnums(self.live)}
        return self._docnums.get(service_id)

    def unreachable(self, health: Health) -> int:
        """The offers whose service's last check failed (search/health.py)."""

        def compute() -> int:
            found = (self.docnum_of(service_id) for service_id in health.down)
            return bitmaps.from_docnums((d for d in found if d is not None), self.size)

        if not health.down:
            return 0
        return self._per_day(("unreachable", health.version), compute)

    def ranking(
        self,
        seed: str,
        stale_before: int,
        demoted: frozenset[int],
        confirmations: Confirmations,
        health: Health = ALL_REACHABLE,
    ) -> Ranking:
        versions = (confirmations.version, health.version)
        key = ("ranking", seed, stale_before, demoted, versions)

        def compute() -> Ranking:
            order = self._carried_order(
                key, self.live, seed, stale_before, demoted, confirmations, health
            )
            if order is None:
                order = self._fair_order(
                    self.live, seed, stale_before, demoted, confirmations, health
                )
            rank = [self.size] * self.size
            deque(map(rank.__setitem__, order, range(len(order))), maxlen=0)  # (in C)
            return Ranking(order, rank)

        return self._per_day(key, compute)

    def distances(self, latitude: float, longitude: float) -> Sequence[float]:
        """Each offer's host's distance in km from a point (UNLOCATED_KM: the host is not
        located), computed once per distinct host location."""

        def compute() -> Sequence[float]:
            points = list(zip(self.columns["latitude"], self.columns["longitude"], strict=True))
            km = {
                point: UNLOCATED_KM
                if point[0] == NO_PLACE
                else distance_km(
                    latitude, longitude, point[0] / MICRODEGREES, point[1] / MICRODEGREES
                )
                for point in set(points)
            }
            return array("d", map(km.__getitem__, points))

        key = (latitude, longitude)
        with self._lock:
            found = self._distances.get(key)
        if found is None:
            found = compute()
            with self._lock:
                self._distances.put(key, found)
        return found

    def nearest_order(self, latitude: float, longitude: float, ranking: Ranking) -> list[int]:
        """The live offers nearest first (whole kilometres), in the day's fair order between
        equals: pages of large groups near a place are read off it (once per place and day)."""
        key = ("nearest", latitude, longitude)
        with self._lock:
            found = self._distances.get(key)
        if found is None or found[0] is not ranking:
            km, rank = self.distances(latitude, longitude), ranking.rank
            size = self.size
            order = sorted(ranking.order, key=lambda d: round(km[d]) * size + rank[d])
            found = (ranking, order)
            with self._lock:
                self._distances.put(key, found)
        return found[1]

    def need_ranking(
        self,
        seed: str,
        need: str,
        offers: int,
        stale_before: int,
        demoted: frozenset[int],
        confirmations: Confirmations,
        health: Health = ALL_REACHABLE,
    ) -> Ranking:
        """The fair order of one need's `offers` (the live offers of a task or software), its
        rotation seeded by the day and the need: the host first for pads is not also first for
        polls. Computed the first time the need is asked that day (only its offers are sorted),
        then kept; `rank` holds the need's offers only."""
        key = ("need", seed, need, stale_before, demoted, confirmations.version, health.version)
        with self._lock:
            found = self._need_orders.get(key)
        if found is None:
            args = (f"{seed}:{need}", stale_before, demoted, confirmations, health)
            order = self._carried_order(key, offers & self.live, *args)
            if order is None:
                order = self._fair_order(offers & self.live, *args)
            found = Ranking(order, {docnum: position for position, docnum in enumerate(order)})
            with self._lock:
                self._need_orders.put(key, found)
        return found

    def _fair_order(
        self,
        offers: int,
        seed: str,
        stale_before: int,
        demoted: frozenset[int],
        confirmations: Confirmations,
        health: Health,
    ) -> list[int]:
        """`offers` in fair order: open and reachable, full, unreachable, stale, demoted, then
        the rotation of `seed` (search/ordering.py)."""
        # search/ordering.py's fair_key, as one integer per offer (the same order: its flags,
        # then the 64-bit rotation, then the service id), compared in C.
        columns = self.columns
        org_ids, loads = columns["org_id"], columns["load"]
        confirmed, service_ids = self.confirmed(confirmations), columns["service_id"]
        down = bitmaps.flags(self.unreachable(health), self.size)
        rotations: dict[int, int] = {}
        docnums = bitmaps.docnums(offers)
        keys = []
        for docnum in docnums:
            org = org_ids[docnum]
            rotation = rotations.get(org)
            if rotation is None:
                rotation = rotations[org] = rotation_key(seed, org)
            flags = (
                (confirmed[docnum] < stale_before) << 3
                | down[docnum] << 2
                | (loads[docnum] == "full") << 1
                | (org in demoted)
            )
            keys.append(flags << 128 | rotation << 64 | service_ids[docnum])
        return [docnum for _key, docnum in sorted(zip(keys, docnums, strict=True))]

    def _fair_sort_key(
        self,
        seed: str,
        stale_before: int,
        demoted: frozenset[int],
        confirmations: Confirmations,
        health: Health,
    ):
        """Document number → its place in the fair order (unique: the service id ends it)."""
        key = fair_key(seed, demoted)
        columns = self.columns
        org_ids, loads = columns["org_id"], columns["load"]
        confirmed, service_ids = self.confirmed(confirmations), columns["service_id"]
        down = bitmaps.flags(self.unreachable(health), self.size)
        return lambda d: (
            *key(org_ids[d], loads[d] == "full", confirmed[d] < stale_before, down[d] == 1),
            service_ids[d],
        )

    # -- fair orders carried over from the snapshot before -----------------------------------
    def _carry(self, carried: dict[str, _Recent]) -> None:
        """Hand the fair orders this snapshot computed or was handed to the next snapshot
        (`carried`), as compact arrays, each with the layout it was computed on."""
        with self._lock:
            entries = [
                e for kind in ("need", "ranking") for e in self._carried[kind]._entries.items()
            ]
            entries += [(k, (r.order, self.layout)) for k, r in self._need_orders._entries.items()]
            entries += [
                (k, (r.order, self.layout))
                for k, r in self._days._entries.items()
                if k[0] == "ranking"
            ]
        for key, (order, layout) in entries:
            carried[key[0]].put(
                key, (order if isinstance(order, array) else array("q", order), layout)
            )
        with self._lock:
            mates = list(self._carried["mates"]._entries.items())
            if self._twins is not None:
                mates.append((("twins",), (self._twins, self.layout, self._segment_orgs)))
            mates += [
                (("mates", k), (m, self.layout, self._segment_orgs))
                for k, m in self._mates._entries.items()
            ]
        for key, entry in mates:
            carried["mates"].put(key, entry)

    def _carried_order(
        self,
        key: tuple,
        offers: int,
        seed: str,
        stale_before: int,
        demoted: frozenset[int],
        confirmations: Confirmations,
        health: Health,
    ) -> list[int] | None:
        """The fair order of `offers` (live ones) from one computed by an earlier snapshot of
        this build with the same key (day, need, fairness data), or None. A commit adds new
        segments and deletes documents in older ones, which keep their numbers: the earlier
        order less the documents deleted since, plus the new segments' offers put in their
        places, is the order a sort would give (the key ends with the service id: no ties)."""
        with self._lock:
            entry = self._carried[key[0]].get(key)
        if entry is None:
            return None
        order, layout = entry
        since = self._kept_since(layout)
        if since is None:
            return None
        found = list(compress(order, map(since.flags.__getitem__, order)))
        added = bitmaps.docnums(offers & since.fresh)
        if added:
            sort_key = self._fair_sort_key(seed, stale_before, demoted, confirmations, health)
            for docnum in added:
                bisect.insort(found, docnum, key=sort_key)
        return found

    def _kept_since(self, layout: tuple) -> _Since | None:
        """What is left here of an earlier snapshot's `layout`, or None when a segment it had
        moved (a merge renumbered it)."""
        with self._lock:
            if layout in self._since:
                return self._since[layout]
        mine = {segment: (offset, size) for segment, offset, size in self.layout}
        kept_range: int | None = 0
        for segment, offset, size in layout:
            here = mine.get(segment)
            if here is None:
                continue  # merged away: its documents are in a new segment
            if here[0] != offset:
                kept_range = None
                break
            kept_range |= ((1 << size) - 1) << offset
        since = None
        if kept_range is not None:
            # (flags as long as either layout: the earlier one may have had more documents)
            span = max(self.size, max((o + n for _s, o, n in layout), default=0))
            kept = self.live & kept_range
            since = _Since(bitmaps.flags(kept, span), kept, self.live & ~kept_range)
        with self._lock:
            self._since[layout] = since
        return since

    def _per_day(self, key: tuple, compute):
        with self._lock:
            found = self._days.get(key)
        if found is None:
            found = compute()
            with self._lock:
                self._days.put(key, found)
        return found

    def twins(self) -> tuple[int, dict[int, tuple[int, str]]]:
        """The live offers whose organization offers the same software more than once: their
        bitmap, and each one's (organization, software). Results show one of them (the others
        folded under it), so that no host fills a page with one software. Once per snapshot
        (carried over a commit, as `mates`)."""

        def compute() -> _Mates:
            org_ids = self.columns["org_id"]
            groups: dict[tuple[int, str], list[int]] = {}
            for software, offers in self.facet("software").items():
                for docnum in bitmaps.docnums(offers & self.live):
                    groups.setdefault((org_ids[docnum], software), []).append(docnum)
            keys = {d: key for key, docs in groups.items() if len(docs) > 1 for d in docs}
            return _Mates(bitmaps.from_docnums(keys, self.size), keys, self.live)

        if self._twins is None:  # once per snapshot (two threads may both compute it)
            with self._lock:
                carried = self._carried["mates"].get(("twins",))
            found = None
            if carried is not None:
                found = self._regrouped(self.live, *carried, self._twin_keys)
            self._twins = found or compute()
        return self._twins.bitmap, self._twins.keys

    def _twin_keys(self, docnums: list[int]) -> dict[int, tuple[int, str]]:
        """(organization, software) of each of these offers that has a software."""
        org_ids, wanted = self.columns["org_id"], bitmaps.from_docnums(docnums, self.size)
        found = {}
        for software, offers in self.facet("software").items():
            for docnum in bitmaps.docnums(offers & wanted):
                found[docnum] = (org_ids[docnum], software)
        return found

    def mates(self, need: str, offers: int) -> tuple[int, dict[int, int]]:
        """Of one need's `offers` (a task, a software: always the same offers for one `need`
        key), the live ones whose organization has more than one: their bitmap, and each one's
        organization. Results show one card per organization and need, the others folded under
        it. Once per need and snapshot (carried over a commit: see `_regrouped`)."""
        with self._lock:
            found = self._mates.get(need)
            carried = self._carried["mates"].get(("mates", need))
        if found is None:
            found = None
            if carried is not None:
                found = self._regrouped(offers & self.live, *carried, self._mate_keys)
            if found is None:
                by_org: dict[int, list[int]] = {}
                org_ids = self.columns["org_id"]
                for docnum in bitmaps.docnums(offers & self.live):
                    by_org.setdefault(org_ids[docnum], []).append(docnum)
                keys = {d: org for org, docs in by_org.items() if len(docs) > 1 for d in docs}
                bitmap = bitmaps.from_docnums(keys, self.size)
                found = _Mates(bitmap, keys, offers & self.live)
            with self._lock:
                self._mates.put(need, found)
        return found.bitmap, found.keys

    def _mate_keys(self, docnums: list[int]) -> dict[int, int]:
        org_ids = self.columns["org_id"]
        return {docnum: org_ids[docnum] for docnum in docnums}

    def _regrouped(
        self,
        within: int,
        earlier: _Mates,
        layout: tuple,
        orgs_then: dict[str, Sequence[int]],
        keys_of,
    ) -> _Mates | None:
        """`mates` (or `twins`) from an earlier snapshot's: only the organizations with an
        offer among `within` (the live ones grouped) deleted or added since are grouped again
        (a commit re-indexes a few hosts; a merge moves the offers of small segments into a new
        one). `keys_of`: offers → each one's group."""
        since = self._kept_since(layout)
        if since is None:
            return None
        org_ids = self.columns["org_id"]
        here = {
            segment: data
            for (segment, _o, _n), (_l, _o2, data) in zip(self.layout, self._segments, strict=True)
        }
        merged = [(o, n, orgs_then[segment]) for segment, o, n in layout if segment not in here]

        def org_then(docnum: int) -> int:  # (kept segments keep their numbers)
            for offset, size, orgs in merged:
                if offset <= docnum < offset + size:
                    return orgs[docnum - offset]
            return org_ids[docnum]

        gone = bitmaps.docnums(earlier.within & ~since.kept)  # deleted or merged away since
        added = bitmaps.docnums(within & since.fresh)
        touched = {org_then(d) for d in gone} | {org_ids[d] for d in added}
        if not touched:
            return replace(earlier, within=within)
        keys, bitmap = dict(earlier.keys), earlier.bitmap
        if merged:  # (every offer of a segment merged away is gone: its host is touched)
            span = max(self.size, max(o + n for _s, o, n in layout))
            away = 0
            for offset, size, _orgs in merged:
                away |= ((1 << size) - 1) << offset
            marks = bitmaps.flags(away, span)
            for docnum in [d for d in keys if marks[d]]:
                del keys[docnum]
            bitmap &= ~away
        flags, then = since.flags, earlier.within
        regrouped: list[int] = []
        for org in touched:  # (all old numbers out first)
            before = [
                offset + d
                for segment, offset, _size in layout
                if segment in here
                for d in here[segment].organizations().get(org, ())
                if then >> (offset + d) & 1
            ]
            for docnum in before:
                keys.pop(docnum, None)
            bitmap &= ~bitmaps.from_docnums(before, self.size)
            regrouped += [d for d in before if flags[d]]
        regrouped += [d for d in added if org_ids[d] in touched]
        groups: dict = {}
        for docnum, key in sorted(keys_of(sorted(regrouped)).items()):
            groups.setdefault(key, []).append(docnum)
        for key, docs in groups.items():
            if len(docs) > 1:
                keys.update(dict.fromkeys(docs, key))
                bitmap |= bitmaps.from_docnums(docs, self.size)
        return _Mates(bitmap & self.live, keys, within)

    def organization_count(self) -> int:
        org_ids = self.columns["org_id"]
        return len({org_ids[d] for d in bitmaps.docnums(self.live)})


def on_snapshot(index, answer):
    """`answer(snapshot)` on the index's current snapshot, again on the next one if the index
    changed under it (its reader closed while the answer still needed to read a term)."""
    for _attempt in range(3):
        try:
            return answer(index.snapshot())
        except SnapshotClosed:
            continue
    return answer(index.snapshot())
