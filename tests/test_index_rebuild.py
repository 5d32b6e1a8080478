"""The index follows the database it was built from, through rebuilds and swapped databases.

A rebuild reads the database at its start: what is committed meanwhile must reach the new
index, and readers must never find the index missing while it is swapped in (issue 13, item
3). An index built from another database, or empty beside a catalogue of offers, is rebuilt
by `directory init` and by the app, which says so rather than show wrong counts (item 4).
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from test_search import search

from directory.db import get_database
from directory.models import Organization
from search import IndexUnavailable, SearchParams, get_search
from search.documents import offered_count
from support import make_app, prepare

WAIT = 60.0  # seconds, at most, for a background rebuild (a few on the demo)


def rename(app, organization_id: int, name: str) -> None:
    with get_database(app).session_scope() as session:
        organization = session.get(Organization, organization_id)
        organization.name = name
        session.add(organization)
        session.commit()


def _first(app) -> int:
    from sqlmodel import select

    with get_database(app).session_scope() as session:
        return session.exec(
            select(Organization.id)
            .where(Organization.membership == "member", Organization.status == "active")
            .order_by(Organization.id)
        ).first()


def demo_total(app) -> int:
    return search(app).total


def api_total(client, attempts: float = 0.0) -> int:
    """The API's count of every offer; waits up to `attempts` seconds for the index."""
    deadline = time.monotonic() + attempts
    while True:
        response = client.get("/api/v1/search?per_page=1")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["total"]


# -- item 3: a rebuild loses nothing, and readers never find the index missing -------------------
def test_a_rename_committed_during_a_rebuild_is_findable_afterwards(demo_app):
    """The rebuild runs as another process would (its own app on the same folder, paused after
    reading the database); the rename is committed through the site's app meanwhile."""
    organization_id = _first(demo_app)
    other = make_app(Path(demo_app.config["PORTEE_INDEX_DIR"]).parent)
    read, go = threading.Event(), threading.Event()
    outcome: dict = {}

    def advance(_n: int) -> None:
        if not read.is_set():
            read.set()
            assert go.wait(WAIT)

    def rebuild() -> None:
        try:
            with other.app_context():
                outcome["count"] = get_search().rebuild(advance=advance)
        except BaseException as exc:  # reported by the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=rebuild)
    thread.start()
    try:
        assert read.wait(WAIT), outcome
        rename(demo_app, organization_id, "Zyzzyva Hébergement")
        assert search(demo_app, "zyzzyva").total > 0  # the live index has it at once
    finally:
        go.set()
        thread.join(WAIT)
    get_database(other).engine.dispose()
    assert "error" not in outcome, outcome
    assert outcome["count"] > 0
    found = search(demo_app, "zyzzyva")
    assert found.total > 0, "the rename committed during the rebuild was lost"
    with demo_app.app_context(), get_database(demo_app).session_scope() as session:
        assert get_search().index.document_count() == offered_count(session)


def test_queries_during_rebuilds_and_commits_never_find_the_index_missing(demo_app):
    """4 threads query while commits and rebuilds (of this app and of another one on the same
    folder, as another process) replace the index: no answer says "unavailable"."""
    organization_id = _first(demo_app)
    other = make_app(Path(demo_app.config["PORTEE_INDEX_DIR"]).parent)
    expected = demo_total(demo_app)
    stop = threading.Event()
    answers = {"ok": 0, "unavailable": 0, "wrong": 0}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def query(words: str) -> None:
        with demo_app.app_context():
            service = get_search()
            while not stop.is_set():
                try:
                    total = service.search(SearchParams(text=words, per_page=5)).total
                    kind = "ok" if words or total == expected else "wrong"
                except IndexUnavailable:
                    kind = "unavailable"
                except BaseException as exc:
                    errors.append(exc)
                    return
                with lock:
                    answers[kind] += 1

    threads = [threading.Thread(target=query, args=(w,)) for w in ("", "pad", "visio", "")]
    for thread in threads:
        thread.start()
    rebuilds = commits = 0
    try:
        started = time.monotonic()
        while time.monotonic() - started < 3.0 or rebuilds < 8:
            for _ in range(3):
                rename(demo_app, organization_id, f"Host renamed {commits}")
                commits += 1
            with (demo_app if rebuilds % 2 else other).app_context():
                get_search().rebuild()
            rebuilds += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(WAIT)
    get_database(other).engine.dispose()
    print(f"\n{commits} commits, {rebuilds} rebuilds, answers: {answers}")
    assert not errors, errors
    assert answers["ok"] > 100
    assert answers["unavailable"] == 0, answers
    assert answers["wrong"] == 0, answers
    assert search(demo_app, f"renamed {commits - 1}").total > 0


# -- item 4: the index belongs to the database it was built from ----------------------------------
def test_a_deleted_index_is_rebuilt_by_init(demo_app, client, runner):
    expected = api_total(client)
    assert expected > 200
    with get_database(demo_app).session_scope() as session:
        offers = offered_count(session)  # (with one whose end date has passed)
    shutil.rmtree(demo_app.config["PORTEE_INDEX_DIR"])
    result = runner.invoke(args=["directory", "init"])
    assert result.exit_code == 0, result.output
    assert "Indexing organizations" in result.output  # the progress bar
    assert f"search index rebuilt (there was none): {offers} offers indexed" in result.output
    assert api_total(client) == expected


def test_a_swapped_sqlite_database_is_noticed_by_init(demo_app, client, runner):
    folder = Path(demo_app.config["PORTEE_INDEX_DIR"]).parent
    expected = api_total(client)
    other = make_app(folder, DATABASE_URL=f"sqlite:///{folder / 'other.sqlite3'}")
    result = other.test_cli_runner().invoke(args=["directory", "init"])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt" in result.output, result.output
    assert api_total(other.test_client()) == 0
    get_database(other).engine.dispose()
    # Back to the first database: its index is rebuilt again.
    result = runner.invoke(args=["directory", "init"])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt" in result.output, result.output
    assert api_total(client) == expected
    result = runner.invoke(args=["directory", "init"])
    assert "search index present" in result.output, result.output


def test_a_fresh_postgresql_database_is_noticed_by_init(demo_app, client, runner, postgres_url):
    folder = Path(demo_app.config["PORTEE_INDEX_DIR"]).parent
    expected = api_total(client)
    other = make_app(folder, DATABASE_URL=postgres_url)
    result = other.test_cli_runner().invoke(args=["directory", "init"])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt" in result.output, result.output
    assert api_total(other.test_client()) == 0
    get_database(other).engine.dispose()
    result = runner.invoke(args=["directory", "init"])
    assert result.exit_code == 0, result.output
    assert api_total(client) == expected


def test_the_site_says_the_index_is_being_rebuilt_rather_than_show_wrong_counts(demo_app):
    """The index was last built from another database (an empty one): the demo's site notices,
    says so in the reader's language, rebuilds in the background, then shows the right counts."""
    folder = Path(demo_app.config["PORTEE_INDEX_DIR"]).parent
    client = demo_app.test_client()
    expected = api_total(client)
    other = make_app(folder, DATABASE_URL=f"sqlite:///{folder / 'other.sqlite3'}")
    prepare(other)  # `directory init` on the empty database: the shared folder now holds its index
    get_database(other).engine.dispose()
    site = make_app(folder)  # a web worker started now, on the demo's database
    client = site.test_client()
    texts = {
        "en": "The search index is being rebuilt",
        "fr": "L’index de recherche est en cours de reconstruction",
    }
    first = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert texts["en"] in first and "tile-count" not in first  # no count at all
    for language, text in texts.items():
        for path in ("/", "/search?q=pad", "/categories/video-calls"):
            page = client.get(path, headers={"Accept-Language": language})
            if page.status_code == 200 and text not in page.get_data(as_text=True):
                # Only acceptable if the rebuild already ended: then counts must be right.
                assert api_total(client) == expected, path
                continue
            assert page.status_code == 200, path
            html = page.get_data(as_text=True)
            assert text in html, (language, path)
            assert "0 offers" not in html and "0 offre" not in html
    assert api_total(client, attempts=WAIT) == expected
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert texts["en"] not in home and "tile-count" in home
    get_database(site).engine.dispose()


def test_an_empty_index_beside_offers_is_rebuilt_by_the_site(demo_app, tmp_path):
    """An index of this database that holds no offer while the database offers some (its
    writes were lost, or it was recreated empty) is rebuilt by the site."""
    from search.index import OfferIndex

    client = demo_app.test_client()
    expected = api_total(client)
    (tmp_path / "empty").mkdir()
    empty = make_app(tmp_path / "empty")  # a database with the schema and no organization
    prepare(empty)
    with demo_app.app_context():
        demo_id = get_search().database_id()
    index = OfferIndex(demo_app.config["PORTEE_INDEX_DIR"])
    assert index.rebuild(get_database(empty).session_scope, demo_id) == 0
    get_database(empty).engine.dispose()
    assert index.identity()["database"] == demo_id
    site = make_app(Path(demo_app.config["PORTEE_INDEX_DIR"]).parent)  # a worker started now
    client = site.test_client()
    page = client.get("/search?q=pad", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "The search index is being rebuilt" in page.get_data(as_text=True)
    assert api_total(client, attempts=WAIT) == expected
    get_database(site).engine.dispose()


def test_an_index_of_the_single_folder_layout_is_replaced_by_init(demo_app, client, runner):
    """Earlier versions kept Whoosh's files right in PORTEE_INDEX_DIR: `init` rebuilds the
    index into a build behind the `current` link and removes those files."""
    folder = Path(demo_app.config["PORTEE_INDEX_DIR"])
    expected = api_total(client)
    build = demo_app.extensions["portee.search"].index.build()
    for path in build.iterdir():
        if path.name not in ("identity.json", "mark"):  # (files of later versions)
            shutil.copy(path, folder / path.name)
    (folder / "SCHEMA_VERSION").write_text("5")
    (folder / "current").unlink()
    shutil.rmtree(build)
    result = runner.invoke(args=["directory", "init"])
    assert "search index rebuilt (there was none)" in result.output, result.output
    kept = {p.name for p in folder.iterdir() if not p.name.endswith(".lock")}
    assert kept == {"current", demo_app.extensions["portee.search"].index.build().name}
    assert api_total(client) == expected
