"""Public search pages are kept for anonymous visitors until the index changes."""

from __future__ import annotations

from sqlmodel import select

from directory.db import get_database
from directory.models import Category, Organization
from directory.web import searching
from support import login, make_account


def count_searches(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = searching.get_search

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(searching, "get_search", counting)
    return calls


def rename_category(app, slug: str, name: str) -> None:
    """A database change the index does not hear of (the catalogue's names)."""
    with get_database(app).session_scope() as session:
        category = session.exec(select(Category).where(Category.slug == slug)).one()
        category.name = {**category.name, "en": name}
        session.add(category)
        session.commit()


def test_the_same_page_is_rendered_once_until_the_index_changes(demo_app, monkeypatch):
    client = demo_app.test_client()
    calls = count_searches(monkeypatch)
    first = client.get("/search?q=pad", headers={"Accept-Language": "en"})
    again = client.get("/search?q=pad", headers={"Accept-Language": "en"})
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and len(calls) == 1
    assert "Content-Security-Policy" in again.headers  # headers are the response's own

    client.get("/search?q=pad", headers={"Accept-Language": "fr"})
    client.get("/search?q=pad&page=2", headers={"Accept-Language": "en"})
    assert len(calls) == 3, "each language and each URL is its own page"

    with get_database(demo_app).session_scope() as session:  # reindexed on commit
        organization = session.exec(select(Organization).order_by(Organization.id)).first()
        organization.name = "Renamed Host"
        session.add(organization)
        session.commit()
    client.get("/search?q=pad", headers={"Accept-Language": "en"})
    assert len(calls) == 4, "an index change makes the page again"


def test_cached_pages_expire(demo_app, monkeypatch):
    client = demo_app.test_client()
    client.get("/search?q=visio", headers={"Accept-Language": "en"})
    rename_category(demo_app, "video-calls", "Face to face calls")
    cached = client.get("/search?q=visio", headers={"Accept-Language": "en"})
    assert b"Face to face calls" not in cached.data
    monkeypatch.setattr(demo_app.extensions["portee.page_cache"], "seconds", 0)
    demo_app.extensions["portee.page_cache"]._pages.clear()
    fresh = client.get("/search?q=visio", headers={"Accept-Language": "en"})
    assert b"Face to face calls" in fresh.data


def test_signed_in_visitors_get_their_own_page(demo_app, monkeypatch):
    make_account(demo_app, "host@example.org", organizations=[1])
    client = demo_app.test_client()
    anonymous = demo_app.test_client()
    anonymous.get("/search?q=pad", headers={"Accept-Language": "en"})
    login(client, "host@example.org")
    calls = count_searches(monkeypatch)
    page = client.get("/search?q=pad", headers={"Accept-Language": "en"})
    assert len(calls) == 1
    assert b"Sign out" in page.data and b"csrf_token" in page.data
    assert b"Sign out" not in anonymous.get("/search?q=pad").data


def test_every_cached_first_page_counts_as_shown(demo_app):
    ledger = demo_app.extensions["portee.exposure"]
    ledger.flush_interval = 3600  # counted, not yet written
    client = demo_app.test_client()
    client.get("/search?q=pad")
    after_one = sum(ledger._shown.values())
    client.get("/search?q=pad")
    assert after_one > 0
    assert sum(ledger._shown.values()) == 2 * after_one
