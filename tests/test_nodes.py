"""Several web nodes over one database, each with its own index folder and its follower
(`flask search follow`, search/follow.py), and /healthz (issue 18).

Every node here is an app of its own on a separate index folder, over the one database of the
fixtures: with `--db=postgresql` (the PostgreSQL pass of `make test`) one throwaway PostgreSQL
database, the followers woken by NOTIFY; on the SQLite pass one SQLite file, the followers
polling (several nodes on one machine). The followers are real `flask search follow`
processes, stopped with SIGTERM as systemd stops them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory import listings
from directory.db import get_database
from directory.models import IndexChange, IndexNode, Organization
from directory.timeutil import utcnow
from search import changes
from search.documents import offers_of
from search.follow import BEHIND, UNMARKED, Follower, Waker
from support import ROOT, make_app

WITHIN = 5.0  # a change made on one node is searchable on every node within this long
START = 60.0  # a follower process starting (imports, perhaps a rebuild) on a busy machine


class FollowerProcess:
    """`flask --app app search follow` for one node, as its systemd unit runs it."""

    def __init__(self, app, log: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "PORTEE_INDEX_DIR": app.config["PORTEE_INDEX_DIR"],
            "PORTEE_NODE_NAME": app.config["PORTEE_NODE_NAME"],
            "PORTEE_FOLLOW_POLL_SECONDS": "0.5",
            "SECRET_KEY": "test-secret",
            "MAIL_FOLDER": str(log.parent / "mail"),
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> FollowerProcess:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "search", "follow"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self.process = None
        assert code == 0, self.output()

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


@pytest.fixture
def cluster(sites, demo_template, tmp_path):
    """Node "a" (a copy of the demo site), and a function making more nodes on its database,
    each with an empty index folder of its own."""
    made, processes = [], []
    with sites.open_copy(demo_template, tmp_path / "a", PORTEE_NODE_NAME="a") as a:

        def node(name: str):
            (tmp_path / name).mkdir()
            app = make_app(
                tmp_path / name, DATABASE_URL=a.config["DATABASE_URL"], PORTEE_NODE_NAME=name
            )
            made.append(app)
            return app

        def follower(app) -> FollowerProcess:
            process = FollowerProcess(app, Path(app.config["PORTEE_INDEX_DIR"]).parent / "log")
            processes.append(process)
            return process.start()

        a.node, a.follower = node, follower
        try:
            yield a
        finally:
            for process in processes:
                process.stop()
            for app in made:
                get_database(app).engine.dispose()


def organizations_with_offers(app, count: int) -> list[int]:
    with get_database(app).session_scope() as session:
        return [organization.id for organization in offers_of(session)][:count]


def say(app, organization_id: int, word: str) -> None:
    """A host's form saved through `app`: its description now has `word`."""
    with get_database(app).session_scope() as session:
        organization = session.get(Organization, organization_id)
        text = f"{organization.description or ''} {word}"
        listings.set_fields(session, organization, {"description": text}, "form", actor="test")
        session.commit()


def found(app, word: str) -> int:
    """How many offers the node's search API finds for `word` (0 while it cannot answer)."""
    response = app.test_client().get(f"/api/v1/search?q={word}&per_page=1")
    return response.get_json()["total"] if response.status_code == 200 else 0


def wait_for(condition, seconds: float, what: str, follower=None) -> float:
    """Seconds until `condition()` holds; fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            log = f"\nfollower's output:\n{follower.output()}" if follower else ""
            pytest.fail(f"not within {seconds} s: {what}{log}")
        time.sleep(0.05)
    return time.monotonic() - started


def health(app):
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json(), response


def caught_up(app) -> bool:
    status, body, _response = health(app)
    return status == 200 and body["lag"]["changes"] == 0


def test_a_listing_saved_on_one_node_is_found_on_the_other_within_5_s(cluster):
    b = cluster.node("b")
    process = cluster.follower(b)
    wait_for(lambda: caught_up(b), START, "node b built its index and followed", process)
    organization = organizations_with_offers(cluster, 1)[0]
    assert found(b, "zorglubien") == 0

    say(cluster, organization, "zorglubien")
    assert found(cluster, "zorglubien") > 0  # the node that committed: at once, as before
    waited = wait_for(lambda: found(b, "zorglubien") > 0, WITHIN, "found on node b", process)
    assert waited < WITHIN
    assert found(b, "zorglubien") == found(cluster, "zorglubien")


def test_a_node_that_was_down_catches_up_when_it_returns(cluster):
    b = cluster.node("b")
    process = cluster.follower(b)
    wait_for(lambda: caught_up(b), START, "node b built its index", process)
    process.stop()

    words = ["premierchangement", "deuxiemechangement", "troisiemechangement"]
    for organization, word in zip(organizations_with_offers(cluster, 3), words, strict=True):
        say(cluster, organization, word)
    time.sleep(1)
    assert [found(b, word) for word in words] == [0, 0, 0]  # nobody follows for b
    status, body, _response = health(b)
    assert status == 200 and body["lag"]["changes"] == 3 and body["lag"]["seconds"] >= 1

    before = len(process.output())
    process.start()
    wait_for(lambda: all(found(b, word) for word in words), START, "b caught up", process)
    assert "3 organizations re-indexed" in process.output()[before:]  # no rebuild
    assert "index rebuilt" not in process.output()[before:]


def test_a_new_node_with_an_empty_index_rebuilds_then_follows(cluster):
    c = cluster.node("c")
    assert not Path(c.config["PORTEE_INDEX_DIR"]).exists()
    process = cluster.follower(c)
    wait_for(lambda: caught_up(c), START, "node c rebuilt its index", process)
    wait_for(lambda: "index rebuilt (missing)" in process.output(), WITHIN, "said", process)
    assert found(c, "etherpad") == found(cluster, "etherpad") > 0

    say(cluster, organizations_with_offers(cluster, 1)[0], "nouveaunoeud")
    wait_for(lambda: found(c, "nouveaunoeud") > 0, WITHIN, "found on node c", process)


def test_changes_are_recorded_in_the_committing_transaction(app):
    database = get_database(app)

    def count() -> int:
        with database.session_scope() as session:
            return session.execute(select(func.count()).select_from(IndexChange)).scalar()

    before = count()
    with database.session_scope() as session:
        session.add(Organization(name="Annulé", slug="annule"))
        session.flush()
        session.rollback()
    assert count() == before  # nothing committed, nothing recorded

    with database.session_scope() as session:
        first, second = Organization(name="Un", slug="un"), Organization(name="Deux", slug="deux")
        session.add_all([first, second])
        session.commit()
        ids = {first.id, second.id}
    with database.session_scope() as session:
        rows = session.execute(select(IndexChange).where(IndexChange.id > 0)).scalars().all()
        assert {row.organization_id for row in rows[-2:]} == ids
        assert rows[-1].id > rows[-2].id
        assert changes.latest(session) == rows[-1].id


def test_a_node_follows_with_its_mark_in_its_build_and_registers_it(cluster):
    follower = Follower(cluster.extensions["portee.search"], "a")
    index = cluster.extensions["portee.search"].index
    done = follower.step()
    with get_database(cluster).session_scope() as session:
        latest = changes.latest(session)
        node = session.get(IndexNode, "a")
    assert done.mark == latest == index.mark() == node.mark
    assert done.rebuilt is None  # the demo's build was marked when it was made

    say(cluster, organizations_with_offers(cluster, 1)[0], "suivi")
    done = follower.step()
    assert done.applied == 1 and done.mark == latest + 1 == index.mark()
    assert follower.step().applied == 0


def test_the_change_table_is_pruned_once_every_known_node_has_passed_it(cluster):
    database = get_database(cluster)
    a = Follower(cluster.extensions["portee.search"], "a")
    b_app = cluster.node("b")
    b = Follower(b_app.extensions["portee.search"], "b")
    assert b.step().rebuilt == "missing"
    a.step()
    organizations = organizations_with_offers(cluster, 3)
    for word, organization in zip(("un", "deux", "trois"), organizations, strict=True):
        say(cluster, organization, f"taille{word}")
    a_mark = a.step().mark  # a has applied everything, b has not

    with database.session_scope() as session:
        b_mark = session.get(IndexNode, "b").mark
        assert a_mark == b_mark + 3 == changes.latest(session)
        deleted = session.execute(select(func.count()).where(IndexChange.id <= b_mark)).scalar()
        assert changes.prune(session) == deleted > 0  # what both nodes have passed
        session.commit()
        ids = session.execute(select(IndexChange.id).order_by(IndexChange.id)).scalars().all()
        assert ids == [b_mark + 1, b_mark + 2, b_mark + 3]  # what b still needs stays
        assert changes.can_follow(session, b_mark)
    assert b.step().mark == a_mark  # b catches up from what was kept
    assert all(found(b_app, f"taille{w}") for w in ("un", "deux", "trois"))

    with database.session_scope() as session:
        changes.prune(session)
        session.commit()
        ids = session.execute(select(IndexChange.id)).scalars().all()
    assert ids == [a_mark]  # both passed everything: only the newest row is kept

    # A node not seen for a week is forgotten; the table is pruned past it, and when it
    # returns, it cannot follow from its old mark: it rebuilds.
    say(cluster, organizations[0], "pendantlabsence")
    say(cluster, organizations[1], "encoreabsent")
    a.step()
    with database.session_scope() as session:
        session.get(IndexNode, "b").seen_at = utcnow() - timedelta(days=8)
        session.commit()
        changes.prune(session)
        session.commit()
        assert session.get(IndexNode, "b") is None
        assert not changes.can_follow(session, b_app.extensions["portee.search"].index.mark())
    assert b.step().rebuilt == BEHIND
    assert found(b_app, "pendantlabsence") > 0 and found(b_app, "encoreabsent") > 0


def test_an_index_without_a_mark_is_rebuilt_by_its_follower(cluster):
    index = cluster.extensions["portee.search"].index
    (index.build() / "mark").unlink()
    done = Follower(cluster.extensions["portee.search"], "a").step()
    assert done.rebuilt == UNMARKED and index.mark() == done.mark


def test_healthz_reports_the_database_the_index_and_the_lag(cluster, tmp_path):
    status, body, response = health(cluster)
    assert status == 200 and body["status"] == "ok"
    assert body["database"] == "ok" and body["index"] == "present"
    assert body["lag"]["changes"] == body["lag"]["latest"] - body["lag"]["mark"] > 0
    assert body["lag"]["seconds"] > 0  # the demo's import, never followed on this copy
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers

    Follower(cluster.extensions["portee.search"], "a").step()
    status, body, _response = health(cluster)
    assert status == 200 and body["lag"]["changes"] == 0 and body["lag"]["seconds"] == 0

    new = cluster.node("sans-index")  # an empty index folder
    status, body, _response = health(new)
    assert status == 503 and body["index"] == "missing" and body["database"] == "ok"

    lost = make_app(tmp_path / "lost", DATABASE_URL=f"sqlite:///{tmp_path}/nowhere/db.sqlite3")
    status, body, _response = health(lost)
    assert status == 503 and body["database"] == "unreachable" and "lag" not in body
    get_database(lost).engine.dispose()


def test_a_commit_wakes_a_listening_follower_at_once(cluster, sites):
    if sites.kind != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's (SQLite nodes poll)")
    waker = Waker(cluster.config["DATABASE_URL"], poll=10.0)
    stop = threading.Event()
    try:
        assert waker.listen()
        timer = threading.Timer(0.3, say, (cluster, organizations_with_offers(cluster, 1)[0], "x"))
        timer.start()
        started = time.monotonic()
        assert waker.wait(stop) is True
        timer.join()
        assert time.monotonic() - started < 5  # woken by the commit, not by the 10 s poll
    finally:
        waker.close()


def test_the_exposure_counts_of_several_nodes_add_up(cluster):
    """Each node counts in memory and writes increments: none is lost to another's write."""
    from directory.exposure import ExposureLedger
    from directory.models import ExposureDay

    b = cluster.node("b")
    organization = organizations_with_offers(cluster, 1)[0]
    for app, shown in ((cluster, 3), (b, 4), (cluster, 5)):
        ledger = ExposureLedger()
        for _ in range(shown):
            ledger.note_shown([organization])
        ledger.note_click(organization)
        with get_database(app).session_scope() as session:
            assert ledger.flush(session) == 1
    with get_database(b).session_scope() as session:
        rows = session.execute(select(ExposureDay)).scalars().all()
    assert [(row.organization_id, row.shown, row.clicks) for row in rows] == [(organization, 12, 3)]
