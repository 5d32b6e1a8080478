"""Who may use which moderation route (security.md §6), route by route and role by role.

Anonymous → sign in first; a host → 403; a moderator → allowed, except the team routes (admins
only: 403); an admin → allowed. The public log and its feed are open to everyone. Every POST
carries a valid CSRF token, so a refusal is the authorization's, not the token's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from directory import membership
from directory.db import get_database
from directory.models import Account, Application, Decision, Organization
from support import csrf_token, login, make_account

HOST = "host@example.org"  # owns le-chaton-libre
EMAILS = {"host": HOST, "moderator": "moderator@example.org", "admin": "admin@example.org"}
ROLES = ("anonymous", "host", "moderator", "admin")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    data: dict
    admin_only: bool = False


ROUTES = [
    Route("GET", "/moderation/", {}),
    Route("GET", "/moderation/applications/{application}", {}),
    Route("POST", "/moderation/applications/{application}/checks", {}),
    Route("POST", "/moderation/applications/{application}/question", {"body": "Où ?"}),
    Route("POST", "/moderation/applications/{application}/vote", {"vote": "abstain"}),
    Route("GET", "/moderation/organizations/", {}),
    Route("GET", "/moderation/organizations/{member}", {}),
    Route("POST", "/moderation/organizations/{member}/suspend", {"suspend-reason": "Pubs."}),
    Route("POST", "/moderation/organizations/{suspended}/reinstate", {}),
    Route("POST", "/moderation/organizations/{member}/former", {}),
    Route("GET", "/moderation/audit", {}),
    Route("GET", "/moderation/audit?organization={member}", {}),
    Route("GET", "/moderation/sources", {}),
    Route("GET", "/moderation/drift", {}),
    Route("GET", "/moderation/team", {}, admin_only=True),
    Route("POST", "/moderation/team/grant", {"email": "future@example.org"}, admin_only=True),
    Route("POST", "/moderation/team/{target}/revoke", {}, admin_only=True),
]


@dataclass(frozen=True)
class Ids:
    application: int
    member: int  # cigogne-libre
    suspended: int  # le-chaton-libre, suspended (and owned by the host)
    target: int  # a moderator an admin may revoke

    def url(self, template: str) -> str:
        return template.format(**self.__dict__)


def _org_id(session, slug: str) -> int:
    return session.exec(select(Organization).where(Organization.slug == slug)).one().id


@pytest.fixture(scope="module")
def site_template(sites, demo_template, tmp_path_factory):
    """The demo with the accounts, an open application and a suspended member: built once."""
    template = sites.copy(demo_template, tmp_path_factory.mktemp("moderation-authz"))
    app = sites.app(template)
    database = get_database(app)
    with database.session_scope() as session:
        member, suspended = _org_id(session, "cigogne-libre"), _org_id(session, "le-chaton-libre")
    make_account(app, HOST, organizations=(suspended,))
    make_account(app, EMAILS["moderator"], role="moderator")
    make_account(app, EMAILS["admin"], role="admin")
    target = make_account(app, "target@example.org", role="moderator")
    make_account(app, "future@example.org")
    applicant = make_account(app, "applicant@example.org")
    with database.session_scope() as session:
        application = membership.submit_application(
            session,
            session.get(Account, applicant),
            {"name": "Chaton du Lac", "website": "https://chaton-du-lac.invalid/"},
            {key: True for key in membership.COMMITMENTS},
        )
        session.get(Organization, suspended).membership = "suspended"
        session.commit()
        ids = Ids(application.id, member, suspended, target)
    database.engine.dispose()
    yield template, ids
    sites.discard(template)


@pytest.fixture
def site(sites, site_template, tmp_path):
    template, ids = site_template
    with sites.open_copy(template, tmp_path / "site") as app:
        app.extensions["portee.txt_resolver"] = lambda name: []  # no DNS lookups from the tests
        yield app, ids


def client_as(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        login(client, EMAILS[role])
    return client


def token_of(client, role: str) -> str:
    # Every page of a signed-in account holds the sign-out form (and its token).
    return csrf_token(client, "/account/login" if role == "anonymous" else "/")


def expected(route: Route, role: str) -> tuple[int, ...]:
    if role == "anonymous":
        return (302,)
    if role == "host" or (route.admin_only and role == "moderator"):
        return (403,)
    return (200,) if route.method == "GET" else (302,)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_who_may_use_each_moderation_route(site, route, role):
    app, ids = site
    client = client_as(app, role)
    path = ids.url(route.path)
    if route.method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token_of(client, role), **route.data})
    assert response.status_code in expected(route, role), response.get_data(as_text=True)[:800]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/account/login?next=")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/moderation/log", "/moderation/log.atom"])
def test_the_public_log_is_public(site, role, path):
    app, _ids = site
    assert client_as(app, role).get(path).status_code == 200


@pytest.mark.parametrize("role", ("host", "moderator"))
def test_refused_posts_change_nothing(site, role):
    app, ids = site
    client = client_as(app, role)
    token = token_of(client, role)
    client.post(f"/moderation/team/{ids.target}/revoke", data={"csrf_token": token})
    client.post("/moderation/team/grant", data={"csrf_token": token, "email": HOST})
    if role == "host":
        client.post(
            f"/moderation/applications/{ids.application}/vote",
            data={"csrf_token": token, "vote": "approve", "reason": "x"},
        )
        client.post(
            f"/moderation/organizations/{ids.member}/suspend",
            data={"csrf_token": token, "suspend-reason": "x"},
        )
    with get_database(app).session_scope() as session:
        roles = {a.email: a.role for a in session.exec(select(Account)).all()}
        assert roles["target@example.org"] == "moderator" and roles[HOST] == "host"
        assert session.exec(select(Decision)).all() == []
        assert session.get(Organization, ids.member).membership == "member"


@pytest.mark.parametrize("role", ("moderator", "admin"))
def test_a_post_without_a_valid_csrf_token_is_refused(site, role):
    app, ids = site
    client = client_as(app, role)
    for path, data in (
        (f"/moderation/applications/{ids.application}/vote", {"vote": "abstain"}),
        (f"/moderation/organizations/{ids.member}/suspend", {"suspend-reason": "x"}),
        ("/moderation/team/grant", {"email": "future@example.org"}),
    ):
        assert client.post(path, data=data).status_code == 400
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    with get_database(app).session_scope() as session:
        assert session.exec(select(Decision)).all() == []
        assert session.get(Organization, ids.member).membership == "member"
        assert session.get(Application, ids.application).state == "submitted"


@pytest.mark.parametrize(
    "path",
    [
        "/moderation/applications/999999",
        "/moderation/organizations/999999",
    ],
)
def test_missing_things_are_404_for_moderators(site, path):
    app, _ids = site
    assert client_as(app, "moderator").get(path).status_code == 404


def test_a_disabled_moderator_is_signed_out(site):
    app, _ids = site
    client = client_as(app, "moderator")
    with get_database(app).session_scope() as session:
        account = session.exec(select(Account).where(Account.email == EMAILS["moderator"])).one()
        account.disabled = True
        session.commit()
    response = client.get("/moderation/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
