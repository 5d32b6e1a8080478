"""The query evaluator on index snapshots: bitmaps, both ways of paging, index versions."""

from __future__ import annotations

import random
from datetime import date

import pytest
from test_search import search, top_services

from search import SearchParams, bitmaps, get_search
from search import query as search_query
from search.index import OfferIndex

DAY = date(2026, 11, 24)


def test_bitmaps_round_trip():
    rng = random.Random(3)
    # dense and sparse sets (read flag by flag, or byte by byte: search/bitmaps.py)
    for size, share in ((0, 3), (1, 3), (7, 3), (8, 3), (9, 3), (1000, 3), (1000, 100)):
        members = sorted(rng.sample(range(size), size // share)) if size else []
        bitmap = bitmaps.from_docnums(members, size)
        assert bitmaps.docnums(bitmap) == members
        assert bitmap.bit_count() == len(members)
        marks = bitmaps.flags(bitmap, size)
        assert len(marks) == size
        assert [d for d in range(size) if marks[d]] == members


def test_accented_words_reach_the_stemmer_as_typed(demo_app):
    """The French stem of "publicité" is not that of "publicite": the index stems before it
    folds accents, so the query must too (it used to fold first and find nothing)."""
    for text in ("publicité", "sans publicité", "Publicité", "chiffrés"):
        results = search(demo_app, text)
        assert results.total > 0, text
    pelote = search(demo_app, "sans publicité pelote")
    assert pelote.total > 0


@pytest.mark.parametrize("text", ["", "pad", "nextcloud lyon", "chiffré", "visio"])
def test_both_ways_of_paging_give_the_same_order(demo_app, monkeypatch, text):
    """Large groups are paged by walking the day's order, small ones sorted: same result."""

    def every_page() -> list[int]:
        first = search(demo_app, text, day=DAY)
        found = []
        for page in range(1, first.pages + 1):
            found.extend(search(demo_app, text, page=page, day=DAY).service_ids)
        assert len(found) == len(set(found)) == first.listed  # (one entry per host and need)
        return found

    monkeypatch.setattr(search_query, "DENSE", 10**9)  # always walk
    walked = every_page()
    monkeypatch.setattr(search_query, "DENSE", 0)  # always sort
    assert every_page() == walked


def test_better_fits_come_first(demo_app):
    """A word in a title outranks the same word only in a description."""
    results = search(demo_app, "nextcloud", day=DAY)
    assert results.total > 0
    rows = top_services(demo_app, results)
    assert rows[0][0] == "nextcloud"


def test_another_process_sees_a_commit_and_a_rebuild(demo_app):
    """A second OfferIndex on the same folder (another web worker) follows the index."""
    folder = demo_app.config["PORTEE_INDEX_DIR"]
    other = OfferIndex(folder)
    before = other.snapshot()
    assert other.snapshot() is before  # unchanged: the same snapshot
    with demo_app.app_context():
        service = get_search()
        total = service.search(SearchParams()).total
        service.rebuild()
        after = other.snapshot()
        assert after is not before and after.version != before.version
        assert after.live.bit_count() == before.live.bit_count() >= total > 0
        assert service.index.organization_count() == other.organization_count() > 0


def test_a_commit_rereads_only_new_segments_and_drops_replaced_offers(demo_app):
    from sqlmodel import select

    from directory.db import get_database
    from directory.models import Organization

    with demo_app.app_context():
        service = get_search()
        service.rebuild()  # one segment
        before = service.index.snapshot()
        everything = service.search(SearchParams(day=DAY))
        with get_database(demo_app).session_scope() as session:
            organization = session.exec(select(Organization).order_by(Organization.id)).first()
            organization.name = "Zyzzyva Hosting"
            session.add(organization)
            session.commit()
        after = service.index.snapshot()
        assert after is not before
        kept = {id(data) for _leaf, _offset, data in before._segments}
        assert kept & {id(data) for _leaf, _offset, data in after._segments}
        assert after.size > before.size  # the renamed host's offers were added again…
        again = service.search(SearchParams(day=DAY))
        assert again.total == everything.total  # …and their old versions are gone
        assert again.facets == everything.facets
        assert service.search(SearchParams(text="zyzzyva")).total > 0


def test_postings_read_by_block_are_whoosh_s_postings(tmp_path):
    """The snapshot reads a term's postings a block at a time (search/snapshot.py): the same
    documents as Whoosh's own `all_ids()`, for one-block and many-block terms, deleted
    documents included (queries keep the live ones)."""
    from whoosh import fields, index

    from search.snapshot import _posting_ids

    schema = fields.Schema(key=fields.ID(stored=True), text=fields.TEXT)
    ix = index.create_in(str(tmp_path), schema)
    rng = random.Random(5)
    words = [f"w{n}" for n in range(40)]
    with ix.writer() as writer:
        for number in range(1500):
            # w0 in every document (12 blocks), w39 in about one in 40, pairN in two
            chosen = [w for i, w in enumerate(words) if rng.random() < 1 / (i + 1)]
            chosen.append(f"pair{number // 2}" if number < 100 else "w0")
            writer.add_document(key=str(number), text=" ".join(chosen))
    with ix.writer() as writer:
        for number in range(0, 1500, 7):
            writer.delete_by_term("key", str(number))
    with ix.reader() as reader:
        deleted = set(reader.segment().deleted_docs())
        assert deleted
        lengths = set()
        for term in reader.lexicon("text"):
            ids = _posting_ids(reader, "text", term)
            assert ids == sorted(ids)
            assert [d for d in ids if d not in deleted] == list(
                reader.postings("text", term).all_ids()
            )
            lengths.add(len(ids))
        assert max(lengths) > 1000 and min(lengths) == 2
        assert not _posting_ids(reader, "text", b"absent")
        assert not _posting_ids(reader, "nofield", b"w0")


def test_fair_orders_carried_over_commits_are_those_a_sort_gives(demo_app, monkeypatch):
    """After a commit, the day's orders (of everything and of each need asked) are carried
    over from the snapshot before (less the deleted offers, plus the new segment's put in
    their places) instead of sorted again, and so are the one-card-per-host groups (needs,
    twins): every page, its folded counts and the entries listed are a fresh process's."""
    from sqlmodel import select

    from directory.db import get_database
    from directory.models import Organization
    from search.query import run_search
    from search.snapshot import Snapshot

    texts = ["", "pad", "visio", "sondage", "nextcloud lyon", "chiffré"]

    def pages(search_one) -> dict[str, list[int]]:
        found = {}
        for text in texts:
            first = search_one(SearchParams(text=text, day=DAY))
            found[text] = [first.listed]  # (one entry per host and need: the others folded)
            for page in range(1, first.pages + 1):
                results = search_one(SearchParams(text=text, day=DAY, page=page))
                found[text] += [(i, results.folded.get(i)) for i in results.service_ids]
        return found

    with demo_app.app_context():
        service = get_search()
        service.rebuild()
        pages(service.search)  # each need's order computed on this snapshot
        with get_database(demo_app).session_scope() as session:
            hosts = session.exec(select(Organization).order_by(Organization.id)).all()
            for organization, name in zip(
                hosts[:2], ("Zyzzyva Pads", "Aardvark Visio"), strict=True
            ):
                organization.name = name  # re-indexed: deleted, then added in a new segment
                session.add(organization)
                session.commit()
        sorts = []
        original = Snapshot._fair_order
        monkeypatch.setattr(
            Snapshot, "_fair_order", lambda *a, **k: sorts.append(a[2]) or original(*a, **k)
        )
        carried = pages(service.search)
        assert sorts == []  # nothing sorted again: every order was carried over
        other = OfferIndex(demo_app.config["PORTEE_INDEX_DIR"])  # another process
        vocabulary, fairness = service.vocabulary(), service.current_fairness()
        fresh = pages(lambda p: run_search(other.snapshot(), vocabulary, p, fairness))
        assert sorts  # (that one sorted)
        assert carried == fresh
        assert all(carried[text] for text in texts)
        with get_database(demo_app).session_scope() as session:
            moved = {
                service.id
                for organization in session.exec(
                    select(Organization).order_by(Organization.id)
                ).all()[:2]
                for service in organization.services
            }
        # the re-indexed hosts' offers were put in their places, in needs too
        listed = {text: {i for i, _folded in carried[text][1:]} for text in texts}
        assert all(moved & listed[text] for text in ("", "pad", "visio")), moved


def test_confirmations_and_valid_offers_are_read_segment_by_segment(demo_app):
    """A new map of confirmations changes a few hosts' days: each segment updates their
    offers only (search/snapshot.py); the days and the valid offers are those a reading of
    every offer gives, as hosts come and go stale and offers end."""
    from search.freshness import Confirmations

    with demo_app.app_context():
        snapshot = get_search().index.snapshot()
    org_ids, ends = snapshot.columns["org_id"], snapshot.columns["ends"]
    hosts = sorted(set(org_ids))
    today = DAY.toordinal()
    days = {org: today - (org % 5) * 40 for org in hosts}
    maps = [Confirmations(dict(days), 1000)]
    for version, moved in enumerate((hosts[:2], hosts[::3], [], hosts[1:2]), start=1001):
        days.update({org: days[org] - 100 if days[org] > today - 100 else today for org in moved})
        if version == 1003:
            del days[hosts[-1]]  # (a host the map no longer has)
        maps.append(Confirmations(dict(days), version))
    for confirmations in maps:
        assert list(snapshot.confirmed(confirmations)) == [
            confirmations.day_of(org) for org in org_ids
        ]
        for day in (today, today + 400):
            for hidden_before in (today - 90, today - 150):
                expected = [
                    d
                    for d in bitmaps.docnums(snapshot.live)
                    if ends[d] >= day and confirmations.day_of(org_ids[d]) >= hidden_before
                ]
                assert bitmaps.docnums(snapshot.valid(day, hidden_before, confirmations)) == (
                    expected
                )
    assert 0 < len(expected) < snapshot.live.bit_count()


def test_fair_order_is_the_fair_key_s_order(demo_app):
    """The snapshot sorts offers by one integer per offer: the order of search/ordering.py's
    fair_key (stale, unreachable, full, demoted, rotation), then the service id."""
    from search.freshness import Confirmations
    from search.health import Health
    from search.ordering import fair_key

    with demo_app.app_context():
        snapshot = get_search().index.snapshot()
    columns = snapshot.columns
    org_ids, loads, service_ids = columns["org_id"], columns["load"], columns["service_id"]
    hosts = sorted(set(org_ids))
    today = DAY.toordinal()
    confirmations = Confirmations({org: today - (org % 3) * 20 for org in hosts}, 2000)
    health = Health(frozenset(service_ids[d] for d in range(0, snapshot.size, 4)), 2000)
    demoted = frozenset(hosts[::5])
    stale_before = today - 30
    order = snapshot._fair_order(
        snapshot.live, "salt:2026-11-24", stale_before, demoted, confirmations, health
    )
    key = fair_key("salt:2026-11-24", demoted)
    expected = sorted(
        bitmaps.docnums(snapshot.live),
        key=lambda d: (
            *key(
                org_ids[d],
                loads[d] == "full",
                confirmations.day_of(org_ids[d]) < stale_before,
                service_ids[d] in health.down,
            ),
            service_ids[d],
        ),
    )
    assert order == expected
    firsts = {org_ids[d] in demoted for d in order[:3]} | {
        service_ids[d] in health.down for d in order[:3]
    }
    assert firsts == {False}  # (the flags did order them)
