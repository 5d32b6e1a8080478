"""A short-lived cache of public search pages for visitors who are not signed in.

Everyone asking "etherpad" in French today sees the same page until the index changes, so the
rendered page is kept, keyed by what it depends on: the URL, the language, the index version,
the day, the hosts demoted for over-exposure, when hosts' listings were last confirmed and
which services the probes last found unreachable.
Changes that reach the database without reaching the index (a catalogue edit) show within
`PAGE_CACHE_SECONDS`. Signed-in visitors,
pages carrying a one-time message and pages with a form's CSRF token are never cached: they are
the visitor's own. The same rules decide what browsers and proxies may keep (http_cache.py).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from search import IndexUnavailable, get_search

EXTENSION_KEY = "portee.page_cache"


@dataclass(frozen=True)
class CachedPage:
    html: str
    shown: tuple[int, ...]  # the hosts this page shows first (for the exposure ledger)
    expires: float


class PageCache:
    def __init__(self, size: int, seconds: float) -> None:
        self.size = size
        self.seconds = seconds
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires < time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def init_app(app) -> None:
    app.extensions[EXTENSION_KEY] = PageCache(
        app.config["PORTEE_PAGE_CACHE_SIZE"], app.config["PORTEE_PAGE_CACHE_SECONDS"]
    )


def anonymous() -> bool:
    """True when this request's page is everyone's: not signed in, no one-time message waiting,
    no form's CSRF token on it (Flask-WTF keeps the token it wrote into a page on `g`)."""
    if current_user.is_authenticated or session.get("_flashes"):
        return False
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in g


def page_key() -> tuple | None:
    """What an anonymous page depends on (also the HTTP cache's ETag, http_cache.py); None
    when the visitor is not anonymous or the index is unavailable."""
    if not anonymous():
        return None
    search = get_search()
    try:
        version = search.index.snapshot().version
    except IndexUnavailable:
        return None  # the "search unavailable" page is not worth keeping
    fairness = search.current_fairness()
    return (
        request.path,
        request.query_string,
        str(get_locale()),
        version,
        date.today(),
        fairness.demoted,
        fairness.confirmed.version,  # staleness changes pages without an index change
        fairness.health.version,  # so do the probes (search/health.py)
    )


def cached(render: Callable[[], str]) -> str:
    """The page `render()` gives, from the cache when it can be."""
    cache: PageCache = current_app.extensions[EXTENSION_KEY]
    key = page_key() if cache.size else None
    page = cache.get(key) if key is not None else None
    if page is not None:
        if page.shown:
            current_app.extensions["portee.exposure"].note_shown(page.shown)
        return page.html
    html = render()
    if key is not None and anonymous():  # the page may have asked for a CSRF token
        shown = tuple(g.get("portee_shown", ()))
        cache.put(key, CachedPage(html, shown, time.monotonic() + cache.seconds))
    return html
