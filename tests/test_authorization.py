"""Who may use which dashboard route (security.md §6), route by route and role by role.

Anonymous → sign in first; another host → 404 (it may not even know the page exists);
the organization's own owner → allowed; a moderator → sees import logs and may refresh, but
does not edit listings (403); an admin → allowed. Ids swapped in URLs never reach another
host's data (IDOR).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from directory import editing, listings
from directory.accounts import add_editor
from directory.cli import DEMO_HOSTS
from directory.db import get_database
from directory.models import (
    Account,
    Application,
    AuditEvent,
    Invitation,
    Organization,
    OrganizationMember,
    Service,
    Source,
)
from directory.outbound.fetch import DirectoryTransport, Fetcher
from directory.outbound.guard import AddressPolicy
from directory.web.dashboard import routes
from support import csrf_token, login, make_account

OWNER_A = "owner-a@example.org"  # owns le-chaton-libre
OWNER_B = "owner-b@example.org"  # owns cigogne-libre
EMAILS = {
    "other_host": OWNER_B,
    "own_host": OWNER_A,
    "moderator": "moderator@example.org",
    "admin": "admin@example.org",
}


@dataclass
class Site:
    app: object
    org: int  # le-chaton-libre, A's
    other_org: int  # cigogne-libre, B's
    service: int  # a service A entered by form
    other_service: int  # one of B's services
    source: int  # a news feed A added
    other_source: int  # B's organization file
    editor: int  # A's co-editor
    other_owner: int  # B
    candidate: int  # a candidate organization B applies with
    application: int  # B's application for it

    def url(self, template: str) -> str:
        return template.format(
            org=self.org, service=self.service, source=self.source, account=self.editor
        )


def _org(session, slug: str) -> Organization:
    return session.exec(select(Organization).where(Organization.slug == slug)).one()


@pytest.fixture(scope="module")
def site_template(sites, demo_template, tmp_path_factory):
    """The demo, plus the accounts and rows the matrix needs: built once, copied per test."""
    template = sites.copy(demo_template, tmp_path_factory.mktemp("authorization"))
    app = sites.app(template)
    database = get_database(app)
    with database.session_scope() as session:
        ids = _org(session, "le-chaton-libre").id, _org(session, "cigogne-libre").id
    owner_a = make_account(app, OWNER_A, organizations=(ids[0],))
    owner_b = make_account(app, OWNER_B, organizations=(ids[1],))
    editor = make_account(app, "co-editor@example.org", organizations=(ids[0],), owner=False)
    for role in ("moderator", "admin"):
        make_account(app, EMAILS[role], role=role)
    with database.session_scope() as session:
        account_a, account_b = session.get(Account, owner_a), session.get(Account, owner_b)
        chaton, cigogne = session.get(Organization, ids[0]), session.get(Organization, ids[1])
        service = editing.create_service(
            session,
            account_a,
            chaton,
            {"name": "Pad de test", "software_declared": "Etherpad", "load": "open"},
        )
        source = editing.add_source(
            session,
            account_a,
            chaton,
            "https://chatonlibre.example/news.atom",
            "news",
            AddressPolicy(allow_private=True),
        )
        other_service = session.exec(
            select(Service).where(Service.organization_id == cigogne.id)
        ).first()
        other_source = session.exec(
            select(Source).where(
                Source.organization_id == cigogne.id, Source.kind == "organization"
            )
        ).one()
        candidate = listings.create_organization(session, "Chaton Candidat", "candidate")
        add_editor(session, account_b, candidate, role="owner")
        application = Application(organization_id=candidate.id, applicant_id=owner_b)
        session.add(application)
        session.commit()
        ids = {
            "org": chaton.id,
            "other_org": cigogne.id,
            "service": service.id,
            "other_service": other_service.id,
            "source": source.id,
            "other_source": other_source.id,
            "editor": editor,
            "other_owner": owner_b,
            "candidate": candidate.id,
            "application": application.id,
        }
    database.engine.dispose()
    yield template, ids
    sites.discard(template)


@pytest.fixture
def site(sites, site_template, tmp_path, monkeypatch):
    template, ids = site_template
    with sites.open_copy(template, tmp_path / "site", MAIL_FOLDER=str(tmp_path / "mail")) as app:
        yield from _site(app, ids, monkeypatch)


def _site(app, ids, monkeypatch):
    # "Refresh now" and "check now" read the demo's files, not the network.
    monkeypatch.setattr(
        routes.Fetcher,
        "from_config",
        classmethod(lambda cls, _config: Fetcher(transport=DirectoryTransport(DEMO_HOSTS))),
    )
    yield Site(app=app, **ids)


def client_for(site: Site, role: str):
    client = site.app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if role == "anonymous":
        return client
    login(client, EMAILS[role])
    return client


ORG = "/dashboard/organizations/{org}"
# What a browser sends for the service form (every select is sent, blank or not).
SERVICE_FORM = {
    "name": "",
    "software_id": "",
    "software_declared": "Etherpad",
    "registration": "",
    "load": "open",
    "price": "",
}
# (method, URL template, form data, what it needs: see | edit | refresh | manage_editors | none)
ROUTES = [
    ("GET", "/dashboard/", None, "none"),
    ("GET", ORG, None, "edit"),
    ("POST", ORG, {}, "edit"),
    ("GET", ORG + "/services", None, "edit"),
    ("GET", ORG + "/services/new", None, "edit"),
    (
        "POST",
        ORG + "/services/new",
        dict(SERVICE_FORM, name="Nouveau"),
        "edit",
    ),
    ("GET", ORG + "/services/{service}", None, "edit"),
    (
        "POST",
        ORG + "/services/{service}",
        dict(SERVICE_FORM, name="Renommé"),
        "edit",
    ),
    ("POST", ORG + "/services/{service}/retire", {}, "edit"),
    ("POST", ORG + "/services/{service}/load", {"load": "full"}, "edit"),
    ("GET", ORG + "/sources", None, "see"),
    (
        "POST",
        ORG + "/sources/add",
        {"url": "https://chatonlibre.example/x.json", "kind": "json"},
        "edit",
    ),
    (
        "POST",
        ORG + "/sources/preview",
        {
            "url": "https://chatonlibre.example/.well-known/chatonsinfos/organization.properties",
            "kind": "organization",
        },
        "edit",
    ),
    ("POST", ORG + "/sources/{source}/remove", {}, "edit"),
    ("POST", ORG + "/sources/refresh", {}, "refresh"),
    ("GET", ORG + "/editors", None, "edit"),
    ("POST", ORG + "/editors/invite", {"email": "new@example.org"}, "manage_editors"),
    ("POST", ORG + "/editors/{account}/remove", {}, "manage_editors"),
]
ROUTE_IDS = [f"{method} {url}" for method, url, _data, _needs in ROUTES]
# What each role may do on le-chaton-libre (the other host may do nothing there).
ALLOWED = {
    "own_host": {"none", "see", "edit", "refresh", "manage_editors"},
    "moderator": {"none", "see", "refresh"},
    "admin": {"none", "see", "edit", "refresh", "manage_editors"},
    "other_host": {"none"},
}


def call(client, site: Site, method: str, template: str, data):
    url = site.url(template)
    if method == "GET":
        return client.get(url)
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/dashboard/")})


def success(method: str, template: str) -> int:
    return 200 if method == "GET" or template.endswith("/preview") else 302


@pytest.mark.parametrize(("method", "template", "data", "needs"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_sign_in(site, method, template, data, needs):
    client = client_for(site, "anonymous")
    response = (
        client.get(site.url(template))
        if method == "GET"
        else client.post(site.url(template), data=data)
    )
    if method == "POST":
        # no session, so no CSRF token: refused before anything else
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


@pytest.mark.parametrize(("method", "template", "data", "needs"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_with_a_session_token_is_sent_to_sign_in(site, method, template, data, needs):
    client = client_for(site, "anonymous")
    token = csrf_token(client, "/account/login")
    response = (
        client.get(site.url(template))
        if method == "GET"
        else client.post(site.url(template), data={**data, "csrf_token": token})
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


@pytest.mark.parametrize("role", ["other_host", "own_host", "moderator", "admin"])
@pytest.mark.parametrize(("method", "template", "data", "needs"), ROUTES, ids=ROUTE_IDS)
def test_authorization_matrix(site, role, method, template, data, needs):
    client = client_for(site, role)
    response = call(client, site, method, template, data)
    if needs in ALLOWED[role]:
        body = response.get_data(as_text=True)
        errors = body[body.find('class="errors"') :][:500]
        assert response.status_code == success(method, template), errors
    elif role == "other_host":
        assert response.status_code == 404
    else:
        assert response.status_code == 403


def test_a_moderator_sees_import_logs_but_changes_nothing(site):
    client = client_for(site, "moderator")
    page = client.get(site.url(ORG + "/sources")).get_data(as_text=True)
    assert "chatonlibre.example/.well-known/chatonsinfos/organization.properties" in page
    assert "Refresh now" in page
    assert "Add a file" not in page and "Stop reading this file" not in page


# -- IDOR: another host's ids in a host's own URLs ------------------------------------------


def test_a_host_never_reads_another_hosts_private_pages(site):
    client = client_for(site, "own_host")
    for org in (site.other_org, site.candidate):
        for suffix in ("", "/services", "/sources", "/editors", f"/services/{site.other_service}"):
            response = client.get(f"/dashboard/organizations/{org}{suffix}")
            assert response.status_code == 404, suffix
            assert "cigogne.example" not in response.get_data(as_text=True)
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert "Cigogne" not in dashboard and "Chaton Candidat" not in dashboard
    # nor the other host's application page
    response = client.get(f"/apply/{site.application}")
    assert response.status_code == 404
    assert "Chaton Candidat" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "template, data",
    [
        (ORG + "/services/{other_service}", {"name": "Volé", "software_declared": "X"}),
        (ORG + "/services/{other_service}/retire", {}),
        (ORG + "/services/{other_service}/load", {"load": "full"}),
        (ORG + "/sources/{other_source}/remove", {}),
        (ORG + "/editors/{other_owner}/remove", {}),
        ("/dashboard/organizations/{other_org}", {"name": "Volé"}),
        ("/dashboard/organizations/{other_org}/services/new", {"name": "Volé"}),
        ("/dashboard/organizations/{other_org}/services/{other_service}/retire", {}),
        ("/dashboard/organizations/{other_org}/sources/{other_source}/remove", {}),
        ("/dashboard/organizations/{other_org}/sources/refresh", {}),
        ("/dashboard/organizations/{other_org}/editors/invite", {"email": "me@example.org"}),
        ("/dashboard/organizations/{other_org}/editors/{other_owner}/remove", {}),
        ("/dashboard/organizations/{candidate}", {"name": "Volé"}),
    ],
)
def test_a_host_never_changes_another_hosts_data(site, template, data):
    client = client_for(site, "own_host")
    url = template.format(
        org=site.org,
        other_org=site.other_org,
        other_service=site.other_service,
        other_source=site.other_source,
        other_owner=site.other_owner,
        candidate=site.candidate,
    )
    token = csrf_token(client, "/dashboard/")
    with get_database(site.app).session_scope() as session:
        before = _snapshot(session, site)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 404
    with get_database(site.app).session_scope() as session:
        assert _snapshot(session, site) == before


def _snapshot(session, site: Site):
    service = session.get(Service, site.other_service)
    organization = session.get(Organization, site.other_org)
    return (
        organization.name,
        service.name,
        service.load,
        service.retired_at,
        session.get(Source, site.other_source) is not None,
        session.get(OrganizationMember, (site.other_owner, site.other_org)) is not None,
        len(session.exec(select(Service).where(Service.organization_id == site.other_org)).all()),
        len(session.exec(select(Invitation)).all()),
        session.get(Organization, site.candidate).name,
        len(
            session.exec(
                select(AuditEvent).where(AuditEvent.organization_id == site.other_org)
            ).all()
        ),
    )


def test_a_head_request_is_guarded_like_get(site):
    response = client_for(site, "other_host").head(site.url(ORG + "/sources"))
    assert response.status_code == 404
    response = client_for(site, "anonymous").head(site.url(ORG + "/sources"))
    assert response.status_code == 302


def test_an_invitation_is_for_its_addressee_only(site):
    with get_database(site.app).session_scope() as session:
        owner = session.exec(select(Account).where(Account.email == OWNER_A)).one()
        token = editing.invite_editor(
            session, owner, session.get(Organization, site.org), "guest@example.org"
        )
        session.commit()
    path = f"/dashboard/invitations/{token}"
    anonymous = client_for(site, "anonymous")
    response = anonymous.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")
    for role in ("other_host", "moderator", "admin"):
        assert client_for(site, role).get(path).status_code == 403
    assert client_for(site, "own_host").get("/dashboard/invitations/not-a-token").status_code == 404
