"""Browser fixtures shared by the browser tests: Debian's Chromium driven by Playwright,
the demo app served for real on 127.0.0.1, and the axe-core check every opened page must pass.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from directory.db import get_database

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(tempfile.gettempdir()) / "portee-screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright import sync_api  # noqa: E402

expect = sync_api.expect


# --- Fixtures ---------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(app, port: int = 0):
    """`app` served by a real threaded Werkzeug server on 127.0.0.1; yields its base URL. The
    app's database connections are closed when it stops."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        get_database(app).engine.dispose()


@pytest.fixture(scope="module")
def live_server(sites, demo_template, tmp_path_factory):
    """The demo app, served by a real threaded Werkzeug server; yields its base URL."""
    site = sites.copy(demo_template, tmp_path_factory.mktemp("browser") / "site")
    with serving(sites.app(site)) as url:
        yield url
    sites.discard(site)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context (own cookies); only the live server can be reached."""
    contexts = []
    allowed = urlsplit(live_server).netloc

    def keep_local(route):
        if urlsplit(route.request.url).netloc == allowed:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def open_page(locale: str = "fr-FR", **options):
        context = browser.new_context(base_url=live_server, locale=locale, **options)
        context.set_default_timeout(10_000)
        context.route("**/*", keep_local)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def assert_accessible(page) -> None:
    """No axe-core violation; `page` must run scripts (axe waits on timers)."""
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
