"""Search relevance, filters and facets, fair rotation, and a missing index, on the demo data."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from directory.db import get_database
from directory.models import Service
from search import SearchParams, get_search

# Each query must land on offers of the expected software (or of the expected task).
RELEVANCE = [
    ("pad", {"etherpad"}, None),
    ("etherpad", {"etherpad"}, None),
    ("etherpda", {"etherpad"}, None),
    ("framapad", {"etherpad"}, None),
    ("visio", None, "video-calls"),
    ("visioconférence", None, "video-calls"),
    ("video call", None, "video-calls"),
    ("sondage", None, "polls"),
    ("partage de fichiers", None, "file-sharing"),
    ("tableur", None, "spreadsheets"),
    ("jitsi", {"jitsi-meet"}, None),
    ("jitis", {"jitsi-meet"}, None),
    ("bbb", {"bigbluebutton"}, None),
    ("doodle", None, "polls"),
]


def search(app, text="", page=1, day=None, **filters):
    params = SearchParams(
        text=text,
        filters={k: tuple(v) if isinstance(v, list | tuple) else (v,) for k, v in filters.items()},
        page=page,
        per_page=20,
        day=day,
    )
    with app.app_context():
        return get_search().search(params)


def top_services(app, results):
    from directory import public
    from directory.db import get_database

    with get_database(app).session_scope() as session:
        services = public.services_in_order(session, results.service_ids)
        return [
            (
                s.software.slug if s.software else None,
                {c.slug for c in s.categories},
                s.organization_id,
            )
            for s in services
        ]


@pytest.mark.parametrize(("text", "software", "category"), RELEVANCE)
def test_query_lands_on_the_right_software(demo_app, text, software, category):
    results = search(demo_app, text)
    assert results.total > 0, text
    first_five = top_services(demo_app, results)[:5]
    assert len(first_five) == min(5, results.total)
    for slug, categories, _org in first_five:
        if software:
            assert slug in software, (text, first_five)
        else:
            assert category in categories, (text, first_five)


def test_text_outside_the_catalogue_matches_names_and_places(demo_app):
    results = search(demo_app, "nextcloud lyon")
    assert results.total >= 1
    rows = top_services(demo_app, results)
    assert all(slug == "nextcloud" for slug, _c, _o in rows)


def test_filters_narrow_results_to_the_facet_count(demo_app):
    everything = search(demo_app, "pad")
    counts = everything.facets["registration"]
    assert sum(counts.values()) == everything.total
    for value, count in counts.items():
        narrowed = search(demo_app, "pad", registration=value)
        assert narrowed.total == count
        assert narrowed.facets["registration"] == {value: count}


def every_result(app, **filters) -> set[int]:
    """The ids of every result, page after page."""
    found: list[int] = []
    page = 1
    while True:
        results = search(app, page=page, **filters)
        found.extend(results.service_ids)
        if page >= results.pages:
            break
        page += 1
    assert len(found) == results.total  # no offer is on two pages
    return set(found)


def offered_rows(app, accepts) -> set[int]:
    """The services the demo offers that `accepts(service, organization)`, read from the
    database rows (not from the index): live services of active or idle members, not ended."""
    from sqlmodel import select

    from directory.db import get_database
    from directory.models import Organization, Service

    today = date.today()
    with get_database(app).session_scope() as session:
        rows = session.exec(
            select(Service, Organization).where(Service.organization_id == Organization.id)
        ).all()
        return {
            service.id
            for service, organization in rows
            if organization.membership == "member"
            and organization.status in ("active", "idle")
            and service.retired_at is None
            and service.status not in ("over", "void")
            and (service.enddate is None or service.enddate >= today)
            and accepts(service, organization)
        }


def speaks(language):
    return lambda service, organization: (
        language in (service.languages or organization.languages or [])
    )


def test_filters_and_facets_count_what_the_data_holds(demo_app):
    everything = search(demo_app)
    offered = offered_rows(demo_app, lambda service, organization: True)
    assert everything.total == len(offered) > 0

    french = offered_rows(demo_app, speaks("fr"))
    assert 0 < len(french) < len(offered)  # the filter has something to leave out
    assert everything.facets["language"]["fr"] == len(french)
    assert every_result(demo_app, language="fr") == french

    in_france_without_account = offered_rows(
        demo_app,
        lambda service, organization: (
            organization.country_code == "FR" and service.registration == "none"
        ),
    )
    assert 0 < len(in_france_without_account) < len(offered)
    assert every_result(demo_app, country="FR", registration="none") == in_france_without_account

    video = offered_rows(
        demo_app,
        lambda service, organization: "video-calls" in {c.slug for c in service.categories},
    )
    assert everything.facets["category"]["video-calls"] == len(video) > 0
    french_video = video & french
    assert 0 < len(french_video) < len(video)
    assert every_result(demo_app, language="fr", category="video-calls") == french_video


def test_unknown_filter_values_give_no_results_not_errors(demo_app):
    assert search(demo_app, "pad", country="ZZ").total == 0


def test_rotation_is_stable_within_a_day_and_changes_across_days(demo_app):
    day = date(2026, 11, 24)
    first = search(demo_app, "pad", day=day).service_ids
    assert search(demo_app, "pad", day=day).service_ids == first
    orders = {
        tuple(search(demo_app, "pad", day=day + timedelta(days=n)).service_ids[:5])
        for n in range(1, 8)
    }
    assert len(orders) >= 5
    firsts = {order[0] for order in orders}
    assert len(firsts) >= 3, "the same host should not always come first"


def test_paging_covers_every_result_once(demo_app):
    day = date(2026, 11, 24)
    first = search(demo_app, "", page=1, day=day)
    seen = []
    for page in range(1, first.pages + 1):
        seen.extend(search(demo_app, "", page=page, day=day).service_ids)
    assert len(seen) == len(set(seen)) == first.total


def test_full_offers_never_come_before_open_ones_of_equal_fit(demo_app):
    from directory.db import get_database
    from directory.models import Service

    results = search(demo_app, "", day=date(2026, 11, 24))
    everything = []
    for page in range(1, results.pages + 1):
        everything.extend(search(demo_app, "", page=page, day=date(2026, 11, 24)).service_ids)
    with get_database(demo_app).session_scope() as session:
        loads = [session.get(Service, i).load for i in everything]
    assert "full" in loads
    first_full = loads.index("full")
    assert all(load == "full" for load in loads[first_full:])


def test_ended_services_are_not_offered(demo_app):
    from sqlmodel import select

    from directory.db import get_database
    from directory.models import Service

    with get_database(demo_app).session_scope() as session:
        ended = session.exec(select(Service).where(Service.enddate < date.today())).all()
        over = session.exec(select(Service).where(Service.status == "over")).all()
    assert ended and over
    shown = set()
    results = search(demo_app)
    for page in range(1, results.pages + 1):
        shown.update(search(demo_app, page=page).service_ids)
    assert not {s.id for s in ended + over} & shown


def rebuilding_elsewhere(app):
    """Hold the index's rebuild lock, as a rebuild running in another process does."""
    from search.folders import REBUILD_LOCK

    return app.extensions["portee.search"].index.folder.lock(REBUILD_LOCK)


def test_missing_index_degrades_then_is_rebuilt(demo_app, client, runner):
    before = client.get("/search?q=pad")
    assert before.status_code == 200
    shutil.rmtree(demo_app.config["PORTEE_INDEX_DIR"])

    with rebuilding_elsewhere(demo_app):
        page = client.get("/search?q=pad", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert b"The search index is being rebuilt" in page.data
        assert client.get("/").status_code == 200
        api = client.get("/api/v1/search?q=pad")
        assert api.status_code == 503
        assert api.get_json()["error"] == "search_unavailable"

    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "offers indexed" in result.output
    after = client.get("/api/v1/search?q=pad")
    assert after.status_code == 200
    assert after.get_json()["total"] == search(demo_app, "pad").total > 0


def test_locked_index_does_not_break_writes(demo_app):
    """A commit while another writer holds the lock keeps the database change."""
    from whoosh import index as whoosh_index

    from directory.db import get_database
    from directory.models import Organization
    from search import index as search_index

    search_index.LOCK_TIMEOUT, saved = 0.1, search_index.LOCK_TIMEOUT
    build = demo_app.extensions["portee.search"].index.build()
    ix = whoosh_index.open_dir(str(build), indexname="offers")
    writer = ix.writer()
    try:
        with get_database(demo_app).session_scope() as session:
            organization = session.get(Organization, 1)
            organization.description = "Changed while the index was locked"
            session.add(organization)
            session.commit()
    finally:
        writer.cancel()
        search_index.LOCK_TIMEOUT = saved
    with get_database(demo_app).session_scope() as session:
        assert session.get(Organization, 1).description == "Changed while the index was locked"


def test_an_empty_index_answers_with_no_results(app):
    """Right after `directory init`, before any import: pages answer, with nothing found."""
    client = app.test_client()
    for path in ["/", "/search?q=pad", "/categories/video-calls", "/software/"]:
        assert client.get(path).status_code == 200, path
    data = client.get("/api/v1/search?q=pad").get_json()
    assert data["total"] == 0 and data["results"] == []


def test_an_index_of_another_version_is_rebuilt_by_init(demo_app, runner):
    import json

    service = demo_app.extensions["portee.search"]
    marker = service.index.build() / "identity.json"
    marker.write_text(json.dumps(dict(json.loads(marker.read_text()), schema=1)))
    with rebuilding_elsewhere(demo_app):
        page = demo_app.test_client().get("/search?q=pad", headers={"Accept-Language": "en"})
        assert b"The search index is being rebuilt" in page.data
    result = runner.invoke(args=["directory", "init"])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt (it was built by another version)" in result.output
    assert search(demo_app, "pad").total > 0


def test_batched_indexing_waits_for_the_end_of_the_batch(app, demo_hosts):
    from support import import_demo

    service = app.extensions["portee.search"]
    with service.batched():
        import_demo(app, demo_hosts)
        assert search(app).total == 0, "nothing indexed before the batch ends (under 200 hosts)"
    assert search(app).total > 200


def test_words_besides_the_needs_rank_and_never_empty_the_results(demo_app):
    """'je voudrais remplacer framapad xyzzy': the filler words are dropped, framapad names
    Etherpad, and 'xyzzy', which no pad mentions, is set aside (and said) instead of emptying
    the results."""
    with demo_app.app_context():
        search = get_search()
        pads = search.search(SearchParams(text="etherpad"))
        asked = search.search(SearchParams(text="je voudrais remplacer framapad xyzzy"))
        assert asked.total == pads.total > 0
        assert asked.unmatched == ("xyzzy",)
        # A word some pads mention ranks them first, and keeps the others.
        lyon = search.search(SearchParams(text="etherpad lyon", per_page=100))
        assert lyon.total == pads.total and lyon.unmatched == ()
        with get_database(demo_app).session_scope() as session:
            first = session.get(Service, lyon.service_ids[0])
            text = " ".join(
                filter(None, [first.description, first.organization.address, first.name])
            )
            assert "lyon" in text.lower()
    client = demo_app.test_client()
    page = client.get("/search?q=etherpad+xyzzy", headers={"Accept-Language": "en"})
    assert "No offer mentions “xyzzy”" in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=etherpad+xyzzy").get_json()
    assert api["unmatched"] == ["xyzzy"] and api["total"] == pads.total


@pytest.mark.parametrize(
    ("query", "rest", "filters"),
    [
        ("une visio sans compte", "une visio", {"registration": ["none"]}),
        ("video calls without an account", "video calls", {"registration": ["none"]}),
        ("gratuit", None, {"price": ["free"]}),
        ("pad free", "pad", {"price": ["free"]}),
        ("sondage en anglais", "sondage", {"language": ["en"]}),
        ("partage de fichiers payant", "partage de fichiers", {"price": ["paid"]}),
    ],
)
def test_filter_phrases_become_the_filters_the_facets_set(demo_app, query, rest, filters):
    client = demo_app.test_client()
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 302
    from urllib.parse import parse_qs, urlsplit

    moved = parse_qs(urlsplit(response.headers["Location"]).query)
    assert moved.pop("q", [None]) == [rest]
    assert moved == filters
    # Exactly what clicking the facet gives: the same count.
    api = client.get("/api/v1/search", query_string={"q": query}).get_json()
    by_facet = client.get(
        "/api/v1/search", query_string={"q": rest or "", **{k: v[0] for k, v in filters.items()}}
    ).get_json()
    assert api["total"] == by_facet["total"] > 0
    assert api["filters"] == filters and api["query"] == (rest or "")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert 'class="active-filters reading-chips"' in page.get_data(as_text=True)


def test_the_page_says_how_it_read_the_query(demo_app):
    client = demo_app.test_client()
    for lang, expected in (("en", "Video calls <span aria-hidden"), ("fr", "Lu comme")):
        html = client.get(
            "/search?q=visioconf%C3%A9rence", headers={"Accept-Language": lang}
        ).get_data(as_text=True)
        assert expected in html, lang
    plain = client.get("/search?q=zorglubxx", headers={"Accept-Language": "en"})
    assert 'class="chip-need"' not in plain.get_data(as_text=True)
