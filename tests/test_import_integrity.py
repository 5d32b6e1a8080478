"""Nothing one host publishes can hurt another host or stop the directory (issue 12).

End to end: a small federation served by a real HTTP server on 127.0.0.1 (tests/hostile.py),
read by the real Fetcher through `run_federation_import` or the `flask feeds` commands. Each
scenario checks that the run ends with its finish time and totals, that the other hosts are
imported, that the victim's listing is intact and still its own, and that the reason is on the
source.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import timedelta

import hostile
import pytest
from sqlmodel import select

from directory.db import get_database
from directory.feeds.runner import run_federation_import
from directory.models import ImportResult, ImportRun, Organization, Service, Source
from directory.outbound.fetch import Fetcher
from directory.outbound.guard import AddressPolicy
from search import SearchParams, get_search

HOSTS = {
    "alpha": ("Hôte Alpha", "Etherpad", "pad"),
    "beta": ("Hôte Beta", "Etherpad", "pad"),
    "gamma": ("Hôte Gamma", "Jitsi Meet", "visio"),
}


def organization_file(slug: str, name: str | None = None, extra: str = "") -> str:
    name = name or HOSTS[slug][0]
    service = HOSTS[slug][2]
    return (
        "file.class = organization\n"
        f"organization.name = {name}\n"
        f"organization.description = {name}, un hébergeur de test.\n"
        f"organization.website = https://{slug}.example/\n"
        f"organization.contact.email = contact@{slug}.example\n"
        "organization.country.code = FR\n"
        f"subs.{service} = /{slug}/{service}.properties\n" + extra
    )


def service_file(slug: str) -> str:
    name, software, service = HOSTS[slug]
    return (
        "file.class = service\n"
        f"service.name = {software} de {name}\n"
        f"service.website = https://{service}.{slug}.example/\n"
        "service.registration = None\n"
        "service.registration.load = OPEN\n"
        f"software.name = {software}\n"
    )


@pytest.fixture
def site():
    """The federation's files on a real server: /fed.properties and each host's folder."""
    with hostile.HostileServer() as server:
        subs = "".join(f"subs.{slug} = /{slug}/org.properties\n" for slug in HOSTS)
        server.put("/fed.properties", "file.class = federation\nfederation.name = Test\n" + subs)
        for slug, (_name, _software, service) in HOSTS.items():
            server.put(f"/{slug}/org.properties", organization_file(slug))
            server.put(f"/{slug}/{service}.properties", service_file(slug))
        yield server


# The loopback range stands in for the public Internet: trusted, so that the production rules (no
# private ranges, redirects checked) apply to everything else.
STAND_IN = AddressPolicy(trusted=(ipaddress.ip_network("127.0.0.0/8"),), any_port=True)


def importer(**options) -> Fetcher:
    return Fetcher(policy=STAND_IN, **options)


def run_import(app, site, **options) -> ImportRun:
    with importer(**options) as fetcher:
        return run_federation_import(
            get_database(app), fetcher, site.url("/fed.properties"), trigger="test", workers=4
        )


def source(session, site, path: str) -> Source:
    return session.exec(select(Source).where(Source.url == site.url(path))).one()


def organization_named(session, name: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.name == name)).first()


def owner_of(session, site, path: str) -> str:
    return session.get(Organization, source(session, site, path).organization_id).name


def published_names(app) -> set[str]:
    with get_database(app).session_scope() as session:
        rows = session.exec(
            select(Organization.name)
            .join(Service, Service.organization_id == Organization.id)
            .where(Service.retired_at == None)  # noqa: E711
        ).all()
    return set(rows)


def live_services(session, organization_id: int) -> list[Service]:
    """The organization's services that are offered (not retired)."""
    return list(
        session.exec(
            select(Service).where(
                Service.organization_id == organization_id,
                Service.retired_at == None,  # noqa: E711
            )
        ).all()
    )


def codes(issues: list) -> set[str]:
    return {issue["code"] for issue in issues}


def assert_everyone_published(app) -> None:
    assert published_names(app) >= {"Hôte Alpha", "Hôte Gamma"}


# -- 1. Taking over another host's listing through subs ------------------------------------


def test_a_host_cannot_take_another_hosts_files_through_subs(app, site):
    run_import(app, site)
    # Beta lists Alpha's organization file, Alpha's service file and the federation file.
    site.put(
        "/beta/org.properties",
        organization_file(
            "beta",
            extra="subs.x = /alpha/org.properties\nsubs.y = /alpha/pad.properties\n"
            "subs.z = /fed.properties\n",
        ),
    )
    run = run_import(app, site)
    assert run.finished_at is not None
    with get_database(app).session_scope() as session:
        assert owner_of(session, site, "/alpha/org.properties") == "Hôte Alpha"
        assert owner_of(session, site, "/alpha/pad.properties") == "Hôte Alpha"
        federation = source(session, site, "/fed.properties")
        assert federation.parent_id is None and federation.organization_id is None
        alpha_file = source(session, site, "/alpha/org.properties")
        assert alpha_file.parent_id == federation.id
        beta_file = source(session, site, "/beta/org.properties")
        claims = [w for w in beta_file.warnings if w["code"] == "claimed_elsewhere"]
        assert {w["params"]["value"] for w in claims} == {
            site.url("/alpha/org.properties"),
            site.url("/alpha/pad.properties"),
            site.url("/fed.properties"),
        }
        held = session.exec(
            select(ImportResult).where(
                ImportResult.run_id == run.id, ImportResult.outcome == "held"
            )
        ).all()
        assert len(held) == 3
        assert all("belongs to another host; it was not read for you" in h.error for h in held)
    # Beta removes the lines; Alpha renames itself: the new name is Alpha's, on Alpha's page.
    site.put("/beta/org.properties", organization_file("beta"))
    site.put("/alpha/org.properties", organization_file("alpha", name="Hôte Alpha Renommé"))
    run_import(app, site)
    client = app.test_client()
    with get_database(app).session_scope() as session:
        alpha = organization_named(session, "Hôte Alpha Renommé")
        beta = organization_named(session, "Hôte Beta")
        assert alpha is not None and beta is not None
        assert owner_of(session, site, "/alpha/org.properties") == "Hôte Alpha Renommé"
        assert "claimed_elsewhere" not in codes(
            source(session, site, "/beta/org.properties").warnings
        )
        alpha_slug, beta_slug = alpha.slug, beta.slug
    alpha_page = client.get(f"/hosts/{alpha_slug}").get_data(as_text=True)
    beta_page = client.get(f"/hosts/{beta_slug}").get_data(as_text=True)
    assert "Hôte Alpha Renommé" in alpha_page and "alpha.example" in alpha_page
    assert "Hôte Alpha" not in beta_page and "alpha.example" not in beta_page
    assert "Hôte Beta" in beta_page


def test_claims_are_shown_to_moderators(app, site):
    from support import login, make_account

    run_import(app, site)
    site.put(
        "/beta/org.properties",
        organization_file("beta", extra="subs.x = /alpha/pad.properties\n"),
    )
    run_import(app, site)
    make_account(app, "mod@example.org", role="moderator")
    client = app.test_client()
    login(client, "mod@example.org")
    page = client.get("/moderation/sources", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hôte Beta" in text and "belongs to another host" in text


def test_repair_puts_back_crossed_bindings_and_cycles(app, site):
    """A database written by the old rules: Alpha's files bound to Beta, the federation under
    Beta, Alpha's service moved; `flask feeds repair` puts them back, the next refresh
    rewrites both listings from their own files."""
    run_import(app, site)
    with get_database(app).session_scope() as session:
        alpha = organization_named(session, "Hôte Alpha")
        beta = organization_named(session, "Hôte Beta")
        alpha_file = source(session, site, "/alpha/org.properties")
        beta_file = source(session, site, "/beta/org.properties")
        pad = source(session, site, "/alpha/pad.properties")
        federation = source(session, site, "/fed.properties")
        # What the old importer left: files re-bound to Beta and hung under Beta's file (their
        # services were never moved), then Alpha's new name written on Beta.
        alpha_file.organization_id, alpha_file.parent_id = beta.id, beta_file.id
        pad.organization_id, pad.parent_id = beta.id, beta_file.id
        federation.parent_id = beta_file.id
        beta.name = "Hôte Alpha Renommé"
        for row in (alpha_file, pad, federation, beta):
            session.add(row)
        session.commit()
        alpha_id, beta_id = alpha.id, beta.id
    result = app.test_cli_runner().invoke(args=["feeds", "repair"])
    assert result.exit_code == 0, result.output
    assert "given back to organization" in result.output
    assert "will be read again in full" in result.output
    with get_database(app).session_scope() as session:
        assert source(session, site, "/alpha/org.properties").organization_id == alpha_id
        assert source(session, site, "/alpha/pad.properties").organization_id == alpha_id
        assert source(session, site, "/fed.properties").parent_id is None
        pad_file = source(session, site, "/alpha/pad.properties")
        assert pad_file.parent_id == source(session, site, "/alpha/org.properties").id
        assert session.get(Service, pad_file.service_id).organization_id == alpha_id
    with STAND_IN_CONFIG(app):
        refreshed = app.test_cli_runner().invoke(args=["feeds", "refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    with get_database(app).session_scope() as session:
        assert session.get(Organization, beta_id).name == "Hôte Beta"
        assert session.get(Organization, alpha_id).name == "Hôte Alpha"
        assert source(session, site, "/alpha/org.properties").parent_id is not None
    again = app.test_cli_runner().invoke(args=["feeds", "repair"])
    assert "Repair: 0 changes" in again.output


class STAND_IN_CONFIG:  # noqa: N801 (used as a context manager, reads as a phrase)
    """The app's own fetcher (the CLI's) reaches the test server: private addresses allowed."""

    def __init__(self, app) -> None:
        self.app = app

    def __enter__(self):
        self.before = self.app.config["PORTEE_FETCH_ALLOW_PRIVATE"]
        self.app.config["PORTEE_FETCH_ALLOW_PRIVATE"] = True

    def __exit__(self, *_exc):
        self.app.config["PORTEE_FETCH_ALLOW_PRIVATE"] = self.before


# -- 2. One host stopping the run for everyone ---------------------------------------------

UNREADABLE_SUBS = [
    "http://[::1/x",
    "http://١٢٧.example/x.properties",
    "http://" + "a" * 70 + ".example/x.properties",
]


@pytest.mark.parametrize("address", UNREADABLE_SUBS)
def test_an_unreadable_subs_address_is_a_warning_not_a_crash(app, site, address):
    site.put("/beta/org.properties", organization_file("beta", extra=f"subs.bad = {address}\n"))
    run = run_import(app, site)
    assert run.finished_at is not None
    assert published_names(app) == {"Hôte Alpha", "Hôte Beta", "Hôte Gamma"}
    with get_database(app).session_scope() as session:
        warnings = source(session, site, "/beta/org.properties").warnings
    assert {"code": "bad_url", "key": "subs.bad"}.items() <= {
        k: v for w in warnings if w["code"] == "bad_url" for k, v in w.items()
    }.items()


@pytest.mark.parametrize(
    "address", [*UNREADABLE_SUBS, "http://exa mple.org/", "http://x.example:99999/"]
)
def test_the_fetcher_words_an_unreadable_address(address):
    with importer() as fetcher:
        result = fetcher.fetch(address)
    assert result.error is not None
    assert result.error.code in ("invalid_url", "blocked_url")
    assert "valid web address" in result.error.message or "not allowed" in result.error.message


def test_a_corrupt_gzip_body_fails_that_host_only(app, site):
    run_import(app, site)
    site.misbehave("/beta/org.properties", hostile.corrupt_gzip)
    run = run_import(app, site)
    assert run.finished_at is not None and run.failed == 1
    with get_database(app).session_scope() as session:
        beta_file = source(session, site, "/beta/org.properties")
        assert beta_file.last_error.startswith("the server's compressed body is corrupt")
    assert published_names(app) == {"Hôte Alpha", "Hôte Beta", "Hôte Gamma"}


def test_a_stored_unreadable_address_does_not_stop_refresh(app, site):
    """An address stored before entry checks existed (or by hand): refresh reads the others
    and records the reason on it."""
    run_import(app, site)
    with get_database(app).session_scope() as session:
        alpha = organization_named(session, "Hôte Alpha")
        session.add(Source(url="http://[::1/x", kind="news", organization_id=alpha.id))
        session.commit()
    site.put("/gamma/org.properties", organization_file("gamma", name="Hôte Gamma Bis"))
    with STAND_IN_CONFIG(app):
        result = app.test_cli_runner().invoke(args=["feeds", "refresh", "--all"])
    assert result.exit_code == 0, result.output
    assert "failed: http://[::1/x: this is not a valid web address" in result.output
    assert "Hôte Gamma Bis" in published_names(app)
    with get_database(app).session_scope() as session:
        bad = session.exec(select(Source).where(Source.url == "http://[::1/x")).one()
        assert bad.last_error == "this is not a valid web address: http://[::1/x"
        runs = session.exec(select(ImportRun)).all()
        assert all(run.finished_at is not None for run in runs)


def test_a_crash_while_reconciling_one_host_is_contained(app, site, monkeypatch, caplog):
    """Whatever reconciling one organization raises is rolled back and recorded on its file;
    the others are imported and the run ends."""
    from directory.feeds import reconcile

    original = reconcile.listings.create_organization

    def explode(session, name, membership):
        if name == "Hôte Beta":
            raise RuntimeError("boom")
        return original(session, name, membership)

    monkeypatch.setattr(reconcile.listings, "create_organization", explode)
    run = run_import(app, site)
    assert run.finished_at is not None
    assert published_names(app) == {"Hôte Alpha", "Hôte Gamma"}
    with get_database(app).session_scope() as session:
        beta_file = source(session, site, "/beta/org.properties")
        assert codes(beta_file.errors) == {"internal"}
        assert "RuntimeError" in beta_file.last_error
    assert "importer: processing" in caplog.text


# -- 3. One deadline over the whole fetch --------------------------------------------------


def test_trickled_headers_end_at_the_deadline(site):
    site.misbehave("/slow", hostile.trickle_headers(every=0.3))
    started = time.monotonic()
    with importer(deadline=2.0) as fetcher:
        result = fetcher.fetch(site.url("/slow"))
    elapsed = time.monotonic() - started
    assert result.error.code == "too_slow"
    assert elapsed < 3.0, elapsed


def test_a_trickling_host_does_not_hold_the_run(app, site):
    site.misbehave("/beta/org.properties", hostile.trickle_headers(every=0.3))
    started = time.monotonic()
    run = run_import(app, site, deadline=2.0)
    assert time.monotonic() - started < 10
    assert run.finished_at is not None
    assert published_names(app) == {"Hôte Alpha", "Hôte Gamma"}
    with get_database(app).session_scope() as session:
        assert source(session, site, "/beta/org.properties").last_error == (
            "the download took longer than 2 seconds"
        )


# -- 4. The same service listed many times ---------------------------------------------------


def test_one_service_listed_many_times_is_published_once(app, site):
    copies = "".join(f"subs.copy{n} = /beta/pad.properties?copy={n}\n" for n in range(20))
    copies += "subs.dots = /beta/./pad.properties\nsubs.case = HTTP://127.0.0.1:{port}/beta/pad.properties?\n"
    site.put(
        "/beta/org.properties",
        organization_file("beta", extra=copies.replace("{port}", str(site.port))),
    )
    run = run_import(app, site)
    assert run.finished_at is not None
    with get_database(app).session_scope() as session:
        beta = organization_named(session, "Hôte Beta")
        live = live_services(session, beta.id)
        assert len(live) == 1
        refused = session.exec(
            select(Source).where(Source.url.contains("copy="), Source.organization_id == beta.id)
        ).all()
        assert len(refused) == 20
        assert all(codes(s.errors) == {"duplicate_service"} for s in refused)
        beta_file = source(session, site, "/beta/org.properties")
        assert "duplicate_sub" in codes(beta_file.warnings)  # /./ and the upper-case one
    with app.app_context():
        results = get_search().search(SearchParams(text="etherpad"))
    assert results.total == 2  # Alpha's pad and Beta's, once each


# -- 5. Bad addresses refused at entry --------------------------------------------------------

REFUSED_AT_ENTRY = [
    ("http://127.0.0.1/org.properties", "a host name is needed, not a numeric address"),
    ("http://169.254.169.254/latest", "a host name is needed, not a numeric address"),
    ("http://[::ffff:127.0.0.1]/x", "a host name is needed, not a numeric address"),
    ("http://example.org:6379/x", "only the standard ports 80 and 443 are read"),
    ("file:///etc/passwd", "only http and https are read"),
    ("http://[::1/x", "this is not a valid web address"),
]


@pytest.mark.parametrize(("address", "reason"), REFUSED_AT_ENTRY)
def test_the_command_line_refuses_what_the_fetch_would(app, address, reason):
    app.config["PORTEE_FETCH_ALLOW_PRIVATE"] = False
    with get_database(app).session_scope() as session:
        from directory import listings

        organization = listings.create_organization(session, "Hôte Delta", "member")
        session.commit()
        slug = organization.slug
    result = app.test_cli_runner().invoke(args=["feeds", "add-source", slug, "news", address])
    assert result.exit_code != 0
    assert reason in result.output
    with get_database(app).session_scope() as session:
        assert session.exec(select(Source)).all() == []


@pytest.mark.parametrize(("address", "reason"), REFUSED_AT_ENTRY[:4])
def test_the_dashboard_refuses_what_the_fetch_would(tmp_path, address, reason):
    from support import csrf_token, login, make_account, make_app, prepare

    application = make_app(tmp_path, PORTEE_FETCH_ALLOW_PRIVATE=False)
    prepare(application)
    with get_database(application).session_scope() as session:
        from directory import listings

        organization = listings.create_organization(session, "Hôte Delta", "member")
        session.commit()
        org_id = organization.id
    make_account(application, "delta@example.org", organizations=[org_id])
    client = application.test_client()
    login(client, "delta@example.org")
    for action in ("add", "preview"):
        page = f"/dashboard/organizations/{org_id}/sources"
        data = {"url": address, "kind": "news", "csrf_token": csrf_token(client, page)}
        response = client.post(f"{page}/{action}", data=data, headers={"Accept-Language": "en"})
        assert response.status_code == 400, action
        assert reason in response.get_data(as_text=True), action
    with get_database(application).session_scope() as session:
        assert session.exec(select(Source)).all() == []
    get_database(application).engine.dispose()


# -- 6. The command line says what failed ----------------------------------------------------


def test_import_lists_each_failure_and_exits_0_when_the_run_completed(app, site):
    site.misbehave("/beta/org.properties", hostile.status(503))
    with STAND_IN_CONFIG(app):
        result = app.test_cli_runner().invoke(args=["feeds", "import", site.url("/fed.properties")])
    assert result.exit_code == 0, result.output
    assert f"failed: {site.url('/beta/org.properties')}: the server answered 503" in result.output


def test_import_of_an_unreadable_federation_exits_non_zero_and_forgets_it(app, site):
    with STAND_IN_CONFIG(app):
        result = app.test_cli_runner().invoke(args=["feeds", "import", site.url("/nothing")])
    assert result.exit_code != 0
    assert "the server answered 404" in result.output
    with get_database(app).session_scope() as session:
        assert session.exec(select(Source)).all() == []
        run = session.exec(select(ImportRun)).one()
        assert run.finished_at is not None


def test_import_of_a_refused_address_exits_non_zero_without_a_request(app):
    app.config["PORTEE_FETCH_ALLOW_PRIVATE"] = False
    result = app.test_cli_runner().invoke(args=["feeds", "import", "http://127.0.0.1:5101/f"])
    assert result.exit_code != 0
    assert "cannot read http://127.0.0.1:5101/f: this address is not allowed" in result.output


def test_sources_lists_and_remove_source_forgets(app, site):
    run_import(app, site)
    site.misbehave("/gamma/visio.properties", hostile.status(500))
    with STAND_IN_CONFIG(app):
        refreshed = app.test_cli_runner().invoke(args=["feeds", "refresh", "--all"])
    assert "the server answered 500" in refreshed.output
    site.put("/gamma/news.xml", "<rss/>", "application/rss+xml")
    with get_database(app).session_scope() as session:
        gamma = organization_named(session, "Hôte Gamma")
        news = Source(url=site.url("/gamma/news.xml"), kind="news", organization_id=gamma.id)
        session.add(news)
        session.commit()
        gamma_slug, news_id = gamma.slug, news.id
        gamma_file_id = source(session, site, "/gamma/org.properties").id
    listed = app.test_cli_runner().invoke(args=["feeds", "sources", gamma_slug])
    assert listed.exit_code == 0, listed.output
    assert "failing" in listed.output and "last error: the server answered 500" in listed.output
    assert "not read" in listed.output  # the news feed
    assert "3 sources." in listed.output
    # A file the federation lists would come back at its next read: refused, with the reason.
    refused = app.test_cli_runner().invoke(args=["feeds", "remove-source", str(gamma_file_id)])
    assert refused.exit_code != 0
    assert "is listed by the federation file" in refused.output
    removed = app.test_cli_runner().invoke(args=["feeds", "remove-source", str(news_id)])
    assert removed.exit_code == 0, removed.output
    with get_database(app).session_scope() as session:
        assert session.get(Source, news_id) is None
        assert session.get(Source, gamma_file_id) is not None


def test_a_host_removing_and_adding_back_its_file_is_published_once(app, site):
    """A host's own organization file (added from the dashboard, not by a federation): removed,
    its services are retired with it; added back, they are published again, once."""
    from directory.feeds.runner import refresh_organization
    from directory.sources import add_source, remove_source

    with get_database(app).session_scope() as session:
        from directory import listings

        delta = listings.create_organization(session, "Hôte Alpha", "member")
        add_source(session, delta, site.url("/alpha/org.properties"), "organization", STAND_IN)
        session.commit()
        delta_id = delta.id

    def refresh():
        with importer() as fetcher:
            refresh_organization(get_database(app), fetcher, delta_id, trigger="test")

    def live() -> int:
        with get_database(app).session_scope() as session:
            return len(live_services(session, delta_id))

    refresh()
    assert live() == 1
    with get_database(app).session_scope() as session:
        remove_source(session, source(session, site, "/alpha/org.properties"))
        session.commit()
    assert live() == 0
    with get_database(app).session_scope() as session:
        delta = session.get(Organization, delta_id)
        add_source(session, delta, site.url("/alpha/org.properties"), "organization", STAND_IN)
        session.commit()
    refresh()
    assert live() == 1
    with get_database(app).session_scope() as session:
        pad = source(session, site, "/alpha/pad.properties")
        assert pad.errors == [] and pad.organization_id == delta_id


def test_refresh_all_reads_every_source_now(app, site):
    run_import(app, site)
    before = len(site.requests)
    with STAND_IN_CONFIG(app):
        result = app.test_cli_runner().invoke(args=["feeds", "refresh"])
        assert len(site.requests) == before  # nothing was due
        result = app.test_cli_runner().invoke(args=["feeds", "refresh", "--all"])
    assert result.exit_code == 0, result.output
    assert len(site.requests) == before + 7  # the federation, 3 organizations, 3 services


# -- The fault matrix (security.md §5), each row through a full import ------------------------


def _garbage(handler) -> None:
    hostile.answer(handler, 200, bytes(range(256)) * 40, {"Content-Type": "text/plain"})


def _html(handler) -> None:
    body = b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"
    hostile.answer(handler, 200, body, {"Content-Type": "text/html"})


def _many_keys(handler) -> None:
    body = organization_file("beta") + "".join(f"x.k{n} = v\n" for n in range(100_000))
    hostile.answer(handler, 200, body.encode(), {"Content-Type": "text/plain"})


FAULTS = [
    ("never answers", hostile.never_answer, "the download took longer than 2 seconds"),
    ("trickles its body", hostile.trickle_body(0.3), "the download took longer than 2 seconds"),
    ("503 with Retry-After", hostile.status(503, headers={"Retry-After": "120"}), "answered 503"),
    ("500", hostile.status(500), "the server answered 500"),
    ("410", hostile.status(410), "the server answered 410"),
    ("truncated", hostile.truncated, "cut off before the end"),
    ("declares 50 MB", hostile.declares_50_mb, "larger than the limit of 2 MB"),
    ("streams 50 MB", hostile.streams_50_mb, "larger than the limit of 2 MB"),
    ("corrupt gzip", hostile.corrupt_gzip, "compressed body is corrupt"),
    ("redirect loop", hostile.redirect_to("/beta/org.properties"), "redirects more than 5"),
    ("redirect to a private address", hostile.redirect_to("http://10.0.0.7/x"), "not allowed"),
    ("redirect to metadata", hostile.redirect_to("http://169.254.169.254/x"), "not allowed"),
    ("redirect to file:", hostile.redirect_to("file:///etc/passwd"), "not allowed"),
    ("an HTML page", _html, "the server sent a web page"),
    ("garbage bytes", _garbage, ""),
    ("100,000 keys", _many_keys, "more than"),
]


@pytest.mark.parametrize(("what", "behaviour", "reason"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_faulty_server_keeps_the_last_good_listing(app, site, what, behaviour, reason):
    run_import(app, site)
    site.misbehave("/beta/org.properties", behaviour)
    run = run_import(app, site, deadline=2.0)
    assert run.finished_at is not None and run.failed >= 1, what
    assert published_names(app) == {"Hôte Alpha", "Hôte Beta", "Hôte Gamma"}, what
    with get_database(app).session_scope() as session:
        beta_file = source(session, site, "/beta/org.properties")
        assert beta_file.consecutive_failures == 1, what
        assert reason in beta_file.last_error, (what, beta_file.last_error)
        beta = organization_named(session, "Hôte Beta")
        assert beta.website == "https://beta.example/"
        assert beta_file.organization_id == beta.id


def test_a_latin1_file_is_read_with_a_warning(app, site):
    run_import(app, site)
    site.put("/beta/org.properties", organization_file("beta", name="Hôte Bêta").encode("latin-1"))
    run_import(app, site)
    with get_database(app).session_scope() as session:
        beta_file = source(session, site, "/beta/org.properties")
        assert "latin1" in codes(beta_file.warnings)
        assert session.get(Organization, beta_file.organization_id).name == "Hôte Bêta"


def test_a_new_file_claiming_a_listed_website_is_held(app, site):
    run_import(app, site)
    site.put("/delta/org.properties", organization_file("alpha", name="Pas Alpha"))
    federation = site.files["/fed.properties"].decode() + "subs.delta = /delta/org.properties\n"
    site.put("/fed.properties", federation)
    run = run_import(app, site)
    assert run.finished_at is not None
    with get_database(app).session_scope() as session:
        assert organization_named(session, "Pas Alpha") is None
        assert "held_takeover" in codes(source(session, site, "/delta/org.properties").errors)
        assert owner_of(session, site, "/alpha/org.properties") == "Hôte Alpha"


def test_an_xml_bomb_in_a_news_feed_keeps_the_last_good_news(app, site):
    from directory.feeds.runner import run_organization_sources

    run_import(app, site)
    good = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Beta</title>'
        "<item><title>Assemblée générale</title><guid>n1</guid>"
        "<link>https://beta.example/ag</link></item></channel></rss>"
    )
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<rss><channel><title>&lol2;</title></channel></rss>"
    )
    site.put("/beta/news.xml", good, "application/rss+xml")
    with get_database(app).session_scope() as session:
        beta = organization_named(session, "Hôte Beta")
        session.add(Source(url=site.url("/beta/news.xml"), kind="news", organization_id=beta.id))
        session.commit()
        beta_slug = beta.slug
    with importer() as fetcher:
        run_organization_sources(get_database(app), fetcher, trigger="test")
        site.put("/beta/news.xml", bomb, "application/rss+xml")
        run = run_organization_sources(get_database(app), fetcher, trigger="test")
    assert run.finished_at is not None and run.failed == 1
    with get_database(app).session_scope() as session:
        feed = source(session, site, "/beta/news.xml")
        assert feed.last_error == "the feed declares XML entities, which Portée refuses"
    page = app.test_client().get(f"/hosts/{beta_slug}").get_data(as_text=True)
    assert "Assemblée générale" in page


def test_a_second_run_over_a_real_server_costs_only_304s(app, site):
    run_import(app, site)
    again = run_import(app, site)
    assert again.changed == 0 and again.unchanged == again.sources_tried == 7
    with get_database(app).session_scope() as session:
        statuses = session.exec(
            select(ImportResult.http_status).where(ImportResult.run_id == again.id)
        ).all()
    assert set(statuses) == {304}


def test_a_host_offering_one_software_twice_shows_once_per_page(app, site):
    """Two real Etherpads of one host (different addresses): both are published, the results
    show the host once, with the other folded under it, in the page and the API."""
    second = service_file("beta").replace("https://pad.beta.example/", "https://pad2.beta.example/")
    site.put("/beta/pad2.properties", second.replace("Etherpad de Hôte Beta", "Second pad"))
    site.put(
        "/beta/org.properties",
        organization_file("beta", extra="subs.pad2 = /beta/pad2.properties\n"),
    )
    run_import(app, site)
    with app.app_context():
        results = get_search().search(SearchParams(text="etherpad"))
    # Three Etherpads (Alpha's, Beta's two): three offers counted, two entries listed.
    assert results.total == 3 and results.listed == 2 and len(results.service_ids) == 2
    assert list(results.folded.values()) == [1]
    assert results.facets["software"]["etherpad"] == 3
    client = app.test_client()
    page = client.get("/search?q=etherpad", headers={"Accept-Language": "en"})
    assert "+ 1 other service of this host" in page.get_data(as_text=True)
    page_fr = client.get("/search?q=etherpad", headers={"Accept-Language": "fr"})
    assert "+ 1 autre service de cet hébergeur" in page_fr.get_data(as_text=True)
    api = client.get("/api/v1/search?q=etherpad").get_json()
    assert sorted(r["other_services_of_host"] for r in api["results"]) == [0, 1]


# -- Found in review: what a host's headers or an early listing could still do -------------------


def test_an_overlong_etag_is_not_stored_and_ends_nothing(app, site):
    run_import(app, site)
    body = site.files["/beta/org.properties"]
    site.misbehave(
        "/beta/org.properties",
        lambda handler: hostile.answer(
            handler, 200, body, {"ETag": '"' + "e" * 400 + '"', "Last-Modified": "x" * 200}
        ),
    )
    for _ in range(2):
        run = run_import(app, site)
        assert run.finished_at is not None and run.failed == 0
    with get_database(app).session_scope() as session:
        beta_file = source(session, site, "/beta/org.properties")
        assert "e" * 400 not in (beta_file.etag or "")  # the last good validator stays
        assert beta_file.last_modified != "x" * 200
        assert beta_file.consecutive_failures == 0
    assert published_names(app) == {"Hôte Alpha", "Hôte Beta", "Hôte Gamma"}


def test_a_huge_retry_after_is_capped(app, site):
    from directory.feeds.runner import run_organization_sources

    run_import(app, site)
    site.put("/alpha/news.xml", "<rss><channel><title>A</title></channel></rss>")
    site.misbehave("/beta/news.xml", hostile.status(429, headers={"Retry-After": "9" * 40}))
    with get_database(app).session_scope() as session:
        for slug in ("alpha", "beta"):
            organization = organization_named(session, HOSTS[slug][0])
            url = site.url(f"/{slug}/news.xml")
            session.add(Source(url=url, kind="news", organization_id=organization.id))
        session.commit()
    with importer() as fetcher:
        run = run_organization_sources(get_database(app), fetcher, trigger="test")
    assert run.finished_at is not None and run.sources_tried == 2
    with get_database(app).session_scope() as session:
        assert source(session, site, "/alpha/news.xml").last_success_at is not None
        beta_feed = source(session, site, "/beta/news.xml")
        assert beta_feed.last_error == "the server answered 429"
        assert beta_feed.next_due_at - beta_feed.last_attempt_at <= timedelta(hours=48)


def test_listing_a_file_before_its_host_squats_nothing(app, site):
    """Beta lists Gamma's organization file (as a service) before the federation lists Gamma:
    the read fails, so Beta owns nothing, and Gamma is imported when the federation adds it."""
    federation = site.files["/fed.properties"].decode()
    site.put("/fed.properties", federation.replace("subs.gamma = /gamma/org.properties\n", ""))
    site.put(
        "/beta/org.properties", organization_file("beta", extra="subs.x = /gamma/org.properties\n")
    )
    run_import(app, site)
    assert "Hôte Gamma" not in published_names(app)
    site.put("/fed.properties", federation)
    run_import(app, site)
    assert "Hôte Gamma" in published_names(app)
    with get_database(app).session_scope() as session:
        gamma_file = source(session, site, "/gamma/org.properties")
        assert (
            gamma_file.kind == "organization"
            and owner_of(session, site, "/gamma/org.properties") == "Hôte Gamma"
        )
    # Beta's next read of its file (changed) names what it may no longer claim.
    site.put(
        "/beta/org.properties",
        organization_file("beta", extra="subs.x = /gamma/org.properties\n# edited\n"),
    )
    run_import(app, site)
    with get_database(app).session_scope() as session:
        assert "claimed_elsewhere" in codes(source(session, site, "/beta/org.properties").warnings)
        assert owner_of(session, site, "/gamma/org.properties") == "Hôte Gamma"


def test_a_service_file_moved_to_a_new_address_stays_published(app, site):
    run_import(app, site)
    site.put("/alpha/pad-v2.properties", service_file("alpha"))
    site.put(
        "/alpha/org.properties",
        organization_file("alpha").replace("/alpha/pad.properties", "/alpha/pad-v2.properties"),
    )
    for _ in range(2):  # the move, then a run of 304s
        run_import(app, site)
        with get_database(app).session_scope() as session:
            alpha = organization_named(session, "Hôte Alpha")
            live = live_services(session, alpha.id)
            assert len(live) == 1
            new_file = source(session, site, "/alpha/pad-v2.properties")
            assert new_file.service_id == live[0].id and new_file.errors == []


def test_a_service_dropped_from_the_file_stays_retired_on_304_runs(app, site):
    run_import(app, site)
    site.put(
        "/gamma/org.properties",
        organization_file("gamma").replace("subs.visio = /gamma/visio.properties\n", ""),
    )
    run_import(app, site)
    run_import(app, site)  # the organization file answers 304 now
    assert "Hôte Gamma" not in published_names(app)


def test_a_file_goes_to_the_host_whose_site_serves_it(app, site):
    """Beta lists a service file served from Alpha's own site before the federation lists Alpha
    (so Beta reads it well first). When Alpha's file, on that same site, lists it, Alpha gets it:
    the service Beta had published is retired, and Beta is told the file is another host's."""
    with hostile.HostileServer(host="127.0.0.2") as home:
        home.put("/alpha/org.properties", organization_file("alpha"))
        home.put("/alpha/pad.properties", service_file("alpha"))
        federation = site.files["/fed.properties"].decode()
        site.put(
            "/fed.properties",
            federation.replace("/alpha/org.properties", home.url("/alpha/org.properties")).replace(
                "subs.alpha =", "# later: subs.alpha ="
            ),
        )
        site.put(
            "/beta/org.properties",
            organization_file("beta", extra=f"subs.x = {home.url('/alpha/pad.properties')}\n"),
        )
        run_import(app, site)
        with get_database(app).session_scope() as session:
            assert owner_of(session, home, "/alpha/pad.properties") == "Hôte Beta"
        site.put(
            "/fed.properties",
            federation.replace("/alpha/org.properties", home.url("/alpha/org.properties")),
        )
        run_import(app, site)
        with get_database(app).session_scope() as session:
            assert owner_of(session, home, "/alpha/pad.properties") == "Hôte Alpha"
            beta = organization_named(session, "Hôte Beta")
            beta_pads = live_services(session, beta.id)
            assert [s.website for s in beta_pads] == ["https://pad.beta.example/"]
        # Beta's next read of its (edited) file is refused the claim, with the reason.
        site.put(
            "/beta/org.properties",
            organization_file(
                "beta", extra=f"subs.x = {home.url('/alpha/pad.properties')}\n# edited\n"
            ),
        )
        run_import(app, site)
        with get_database(app).session_scope() as session:
            warnings = source(session, site, "/beta/org.properties").warnings
            assert "claimed_elsewhere" in codes(warnings)
            assert owner_of(session, home, "/alpha/pad.properties") == "Hôte Alpha"
