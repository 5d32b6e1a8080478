"""The host dashboard, driven through the web as a browser would: profile, services, sources,
co-editors. Every change must reach the public page and the search index at once."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from directory import listings
from directory.accounts import find_account
from directory.db import get_database
from directory.models import (
    Application,
    Invitation,
    Organization,
    OrganizationMember,
    Service,
    Software,
    Source,
)
from support import csrf_token, login, make_account, post_form, profile_form

EN = {"Accept-Language": "en"}
OWNER = "owner@example.org"


def org_id(app, slug: str) -> int:
    with get_database(app).session_scope() as session:
        return session.exec(select(Organization.id).where(Organization.slug == slug)).one()


def new_organization(app, name: str = "Le Nouveau Chaton", membership: str = "member") -> int:
    """An organization with no file: every field is the host's to edit."""
    with get_database(app).session_scope() as session:
        organization = listings.create_organization(session, name, membership)
        session.commit()
        return organization.id


def signed_in(app, organizations, email: str = OWNER, **kwargs):
    make_account(app, email, organizations=organizations, **kwargs)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, email)
    return client


def software_id(app, slug: str) -> int:
    with get_database(app).session_scope() as session:
        return session.exec(select(Software.id).where(Software.slug == slug)).one()


def html(response) -> str:
    return response.get_data(as_text=True)


def search(client, **args):
    response = client.get("/api/v1/search", query_string=args)
    assert response.status_code == 200
    return response.get_json()


SERVICE = {
    "name": "Zorglub pad",
    "description": "Un pad pour écrire à plusieurs.",
    "website": "https://pad.nouveau.example/",
    "software_declared": "",
    "registration": "none",
    "load": "open",
    "price": "free",
    "languages": ["fr", "en"],
    "legal_url": "",
}


def add_service(client, app, organization: int, **changes):
    data = dict(SERVICE, software_id=str(software_id(app, "etherpad")), **changes)
    path = f"/dashboard/organizations/{organization}/services/new"
    response = post_form(client, path, data)
    assert response.status_code == 302, html(response)[:2000]
    with get_database(app).session_scope() as session:
        return session.exec(select(Service).where(Service.name == data["name"])).one().id


# -- profile ---------------------------------------------------------------------------------


def test_editing_the_profile_records_form_provenance(demo_app):
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    path = f"/dashboard/organizations/{organization}"
    response = post_form(
        client,
        path,
        {
            "name": "Le Nouveau Chaton",
            "description": "Hébergeur associatif à Brest.",
            "website": "https://nouveau.example/",
            "logo_url": "",
            "legal_type": "association",
            "country_code": "FR",
            "address": "Brest",
            "languages": ["fr", "br"],
            "contact_email": "Contact@Nouveau.example",
            "contact_url": "",
            "legal_url": "",
        },
    )
    assert response.status_code == 302
    with get_database(demo_app).session_scope() as session:
        item = session.get(Organization, organization)
        assert item.description == "Hébergeur associatif à Brest."
        assert item.languages == ["fr", "br"]
        assert item.contact_email == "contact@nouveau.example"
        provenance = listings.provenance_of(session, item)
        assert provenance["description"].origin == "form"
        assert provenance["description"].actor == OWNER
        assert provenance["legal_type"].origin == "form"
    page = client.get(f"/hosts/{item.slug}")
    assert "Hébergeur associatif à Brest." in html(page)


def test_a_field_from_the_file_is_read_only(demo_app):
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    path = f"/dashboard/organizations/{organization}"
    page = html(client.get(path))
    assert "Edit this in your file" in page
    assert '<textarea id="description"' not in page  # shown, not editable
    with get_database(demo_app).session_scope() as session:
        before = session.get(Organization, organization).description
    response = post_form(client, path, {"description": "Pris par un autre."})
    assert response.status_code == 400
    assert "This value comes from your file: edit it there." in html(response)
    with get_database(demo_app).session_scope() as session:
        item = session.get(Organization, organization)
        assert item.description == before
        assert listings.provenance_of(session, item)["description"].origin == "file"
    # Posting nothing that the file owns changes nothing and is not an error.
    assert post_form(client, path, {}).status_code == 302


def test_a_moderator_value_is_read_only_too(demo_app):
    organization = new_organization(demo_app)
    with get_database(demo_app).session_scope() as session:
        item = session.get(Organization, organization)
        listings.set_fields(session, item, {"address": "Quimper"}, "moderator", actor="mod")
        session.commit()
    client = signed_in(demo_app, (organization,))
    path = f"/dashboard/organizations/{organization}"
    assert "Set by a moderator" in html(client.get(path))
    response = post_form(client, path, {"address": "Ailleurs"})
    assert response.status_code == 400
    with get_database(demo_app).session_scope() as session:
        assert session.get(Organization, organization).address == "Quimper"


# -- services --------------------------------------------------------------------------------


def test_add_edit_and_retire_a_service(demo_app):
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    service = add_service(client, demo_app, organization)
    assert "Zorglub pad" in html(client.get("/hosts/le-chaton-libre"))
    found = search(client, q="Zorglub")
    assert [r["name"] for r in found["results"]] == ["Zorglub pad"]
    assert found["results"][0]["software"]["slug"] == "etherpad"
    assert found["results"][0]["categories"]  # the software's tasks came with it
    with get_database(demo_app).session_scope() as session:
        record = listings.provenance_of(session, session.get(Service, service))["name"]
        assert (record.origin, record.actor) == ("form", OWNER)

    path = f"/dashboard/organizations/{organization}/services/{service}"
    assert 'value="Zorglub pad"' in html(client.get(path))
    edited = dict(SERVICE, name="Zorglub notes", software_id="", software_declared="HedgeDoc")
    edited["categories"] = ["collaborative-writing", "polls"]
    response = post_form(client, path, edited)
    assert response.status_code == 302, html(response)[:2000]
    found = search(client, q="Zorglub")
    assert [r["name"] for r in found["results"]] == ["Zorglub notes"]
    assert found["results"][0]["software"] == {"slug": None, "name": "HedgeDoc"}
    assert {c["slug"] for c in found["results"][0]["categories"]} == {
        "collaborative-writing",
        "polls",
    }
    assert len(search(client, q="Zorglub", category="polls")["results"]) == 1
    page = html(client.get(path))  # the host's own choices come back ticked
    assert re.search(r'<input checked[^>]*value="polls"', page)
    assert 'value="HedgeDoc"' in page

    retire = f"/dashboard/organizations/{organization}/services/{service}/retire"
    response = client.post(retire, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert search(client, q="Zorglub")["results"] == []
    with get_database(demo_app).session_scope() as session:
        assert session.get(Service, service).retired_at is not None


def test_a_service_from_the_file_cannot_be_retired_nor_switched(demo_app):
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    with get_database(demo_app).session_scope() as session:
        service = session.exec(
            select(Service).where(Service.organization_id == organization)
        ).first()
        service_id, load = service.id, service.load
    base = f"/dashboard/organizations/{organization}/services"
    token = csrf_token(client, base)
    page = html(client.get(f"{base}/{service_id}"))
    assert "Edit this in your file" in page
    client.post(f"{base}/{service_id}/retire", data={"csrf_token": token})
    client.post(f"{base}/{service_id}/load", data={"csrf_token": token, "load": "full"})
    with get_database(demo_app).session_scope() as session:
        service = session.get(Service, service_id)
        assert service.retired_at is None
        assert service.load == load


def test_the_full_switch_changes_load_and_the_facet_at_once(demo_app):
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    service = add_service(client, demo_app, organization)
    full_before = search(client)["facets"]["load"].get("full", 0)
    services = f"/dashboard/organizations/{organization}/services"
    page = html(client.get(services))
    assert "We are full" in page
    switch = f"{services}/{service}/load"
    response = client.post(
        switch, data={"csrf_token": csrf_token(client, services), "load": "full"}
    )
    assert response.status_code == 302
    with get_database(demo_app).session_scope() as session:
        assert session.get(Service, service).load == "full"
    assert search(client)["facets"]["load"].get("full", 0) == full_before + 1
    assert [r["name"] for r in search(client, load="full", q="Zorglub")["results"]] == [
        "Zorglub pad"
    ]
    assert "Open again to newcomers" in html(client.get(services))
    client.post(switch, data={"csrf_token": csrf_token(client, services), "load": "open"})
    assert search(client)["facets"]["load"].get("full", 0) == full_before


# -- validation ------------------------------------------------------------------------------

PROFILE = profile_form(name="Le Nouveau Chaton")
LONG = "x" * 6000


@pytest.mark.parametrize(
    "form, changes, message",
    [
        ("profile", {"name": ""}, "This field is required."),
        ("profile", {"name": "x" * 201}, "Field cannot be longer than 200 characters."),
        ("profile", {"description": LONG}, "Field cannot be longer than 5000 characters."),
        ("profile", {"website": "javascript:alert(1)"}, "starting with https://"),
        ("profile", {"website": "ftp://files.example.org/"}, "not ftp://"),
        ("profile", {"logo_url": "not an address"}, "starting with https://"),
        ("profile", {"contact_email": "nobody-at-example"}, "This is not a valid e-mail address."),
        ("profile", {"legal_type": "empire"}, "Not a valid choice"),
        ("profile", {"languages": ["xx"]}, "not a valid choice"),
        ("service", {"name": ""}, "This field is required."),
        ("service", {"name": "x" * 201}, "Field cannot be longer than 200 characters."),
        ("service", {"website": "javascript:alert(1)"}, "starting with https://"),
        ("service", {"legal_url": "data:text/html,hi"}, "starting with https://"),
        ("service", {"software_id": "", "software_declared": ""}, "Choose a software"),
        ("service", {"software_id": "999999"}, "Not a valid choice"),
        ("service", {"load": "maybe"}, "Not a valid choice"),
        ("source", {"url": ""}, "This field is required."),
        ("source", {"url": "javascript:alert(1)"}, "starting with https://"),
        ("source", {"url": "file:///etc/passwd"}, "not file://"),
        ("source", {"url": "https://" + "a" * 1000 + ".example/"}, "longer than 1000"),
        ("source", {"kind": "federation"}, "Not a valid choice"),
        ("preview", {"url": "javascript:alert(1)"}, "starting with https://"),
        ("invite", {"email": ""}, "This field is required."),
        ("invite", {"email": "not-an-address"}, "This is not a valid e-mail address."),
        ("invite", {"email": "a" * 250 + "@example.org"}, "longer than 254"),
    ],
)
def test_invalid_forms_are_refused_with_field_errors(demo_app, form, changes, message):
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}"
    page, target, data = {
        "profile": (base, base, PROFILE),
        "service": (f"{base}/services/new", f"{base}/services/new", SERVICE),
        "source": (f"{base}/sources", f"{base}/sources/add", {"url": "", "kind": "news"}),
        "preview": (f"{base}/sources", f"{base}/sources/preview", {"url": "", "kind": "news"}),
        "invite": (f"{base}/editors", f"{base}/editors/invite", {"email": ""}),
    }[form]
    if form == "service":
        data = dict(data, software_id=str(software_id(demo_app, "etherpad")))
    data = {**data, **changes, "csrf_token": csrf_token(client, page)}
    with get_database(demo_app).session_scope() as session:
        sources_before = session.exec(select(func.count(Source.id))).one()
    response = client.post(target, data=data)
    assert response.status_code == 400
    body = html(response)
    assert message in body
    assert 'role="alert"' in body
    with get_database(demo_app).session_scope() as session:
        assert session.exec(select(func.count(Source.id))).one() == sources_before
        assert session.exec(select(func.count(Invitation.id))).one() == 0
        assert (
            session.exec(select(Service).where(Service.organization_id == organization)).all() == []
        )


@pytest.mark.parametrize(
    "suffix, data",
    [
        ("", PROFILE),
        ("/services/new", SERVICE),
        ("/sources/add", {"url": "https://example.org/feed.atom", "kind": "news"}),
        ("/sources/preview", {"url": "https://example.org/feed.atom", "kind": "news"}),
        ("/sources/refresh", {}),
        ("/editors/invite", {"email": "friend@example.org"}),
    ],
)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_post_without_a_valid_csrf_token_is_refused(demo_app, suffix, data, token):
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    client.get(f"/dashboard/organizations/{organization}")  # a session with a real token
    payload = dict(data) if token is None else dict(data, csrf_token=token)
    response = client.post(f"/dashboard/organizations/{organization}{suffix}", data=payload)
    assert response.status_code == 400
    with get_database(demo_app).session_scope() as session:
        assert session.get(Organization, organization).description is None
        assert session.exec(select(func.count(Invitation.id))).one() == 0
        assert (
            session.exec(select(Service).where(Service.organization_id == organization)).all() == []
        )
        assert (
            session.exec(select(Source).where(Source.organization_id == organization)).all() == []
        )


# -- sources ---------------------------------------------------------------------------------

ORGANIZATION_FILE = """# [File]
file.class = organization
file.protocol = ChatonsInfos-0.5

# [Organisation]
organization.name = Le Nouveau Chaton
organization.description = Un hébergeur tout neuf, à Brest.
organization.website = https://nouveau-chaton.example/
organization.type = ASSOCIATION
organization.country.code = FR
organization.languages = fr;br
organization.contact.email = contact@nouveau-chaton.example

# [Subs]
subs.pad = {pad}
subs.sondage = {poll}
"""
GOOD_SERVICE = """file.class = service
service.name = Pad du Nouveau Chaton
service.website = https://pad.nouveau-chaton.example/
service.registration = None
service.registration.load = open
software.name = Etherpad
"""
BAD_SERVICE = """file.class = service
service.name = Sondages du Nouveau Chaton
service.registration = Sometimes
software.name = Framadate
"""


def local(url: str) -> str:
    """pytest-httpserver names itself localhost; forms want a host with a dot, or an IP."""
    return url.replace("//localhost:", "//127.0.0.1:")


def serve_files(httpserver) -> str:
    httpserver.expect_request("/pad.properties").respond_with_data(
        GOOD_SERVICE, content_type="text/plain; charset=utf-8"
    )
    httpserver.expect_request("/sondage.properties").respond_with_data(
        BAD_SERVICE, content_type="text/plain; charset=utf-8"
    )
    httpserver.expect_request("/organization.properties").respond_with_data(
        ORGANIZATION_FILE.format(
            pad=local(httpserver.url_for("/pad.properties")),
            poll=local(httpserver.url_for("/sondage.properties")),
        ),
        content_type="text/plain; charset=utf-8",
    )
    return local(httpserver.url_for("/organization.properties"))


def count_rows(app, model) -> int:
    with get_database(app).session_scope() as session:
        return session.exec(select(func.count(model.id))).one()


def test_preview_shows_the_parsed_file_and_writes_nothing(demo_app, httpserver):
    url = serve_files(httpserver)
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}/sources"
    before = count_rows(demo_app, Source), count_rows(demo_app, Service)
    response = client.post(
        f"{base}/preview",
        data={"csrf_token": csrf_token(client, base), "url": url, "kind": "organization"},
    )
    assert response.status_code == 200
    page = html(response)
    assert "Un hébergeur tout neuf, à Brest." in page
    assert "Pad du Nouveau Chaton" in page and "Etherpad" in page
    assert local(httpserver.url_for("/sondage.properties")) in page  # refused: no name to show
    # the bad registration, worded for the host, with its line
    assert re.search(r"line 3: .*service.registration.* must be one of None, Free", page)
    assert "Errors: this service would be refused." in page
    assert (count_rows(demo_app, Source), count_rows(demo_app, Service)) == before


def test_a_host_name_that_does_not_exist_is_said_in_plain_words_once(demo_app):
    """A file whose host name does not resolve: one sentence, in each language, and the file may
    still be added (Portée tries again at each refresh)."""
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}/sources"
    url = "http://cabane-test.invalid/organization.properties"
    said = {
        "en": "We could not reach cabane-test.invalid: the name does not exist. "
        "You may still add this file",
        "fr": "Nous n’avons pas pu joindre cabane-test.invalid : ce nom n’existe pas. "
        "Vous pouvez tout de même ajouter ce fichier",
    }
    for language, sentence in said.items():
        response = client.post(
            f"{base}/preview",
            data={"csrf_token": csrf_token(client, base), "url": url, "kind": "organization"},
            headers={"Accept-Language": language},
        )
        text = " ".join(html(response).split())
        assert sentence in text, language
        assert (
            text.count("cabane-test.invalid :" if language == "fr" else "cabane-test.invalid:") == 1
        )
        assert "This file has errors" not in text and "Ce fichier contient des erreurs" not in text


def test_add_and_refresh_now_imports_the_file_and_shows_the_history(demo_app, httpserver):
    url = serve_files(httpserver)
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}/sources"
    response = client.post(
        f"{base}/add",
        data={"csrf_token": csrf_token(client, base), "url": url, "kind": "organization"},
    )
    assert response.status_code == 302
    with get_database(demo_app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == url)).one()
        assert source.organization_id == organization
    # a second organization file is refused, beside the field
    again = client.post(
        f"{base}/add",
        data={
            "csrf_token": csrf_token(client, base),
            "url": local(httpserver.url_for("/other.properties")),
            "kind": "organization",
        },
    )
    assert again.status_code == 400
    assert "already has a ChatonsInfos file" in html(again)

    refreshed = client.post(f"{base}/refresh", data={"csrf_token": csrf_token(client, base)})
    assert refreshed.status_code == 302
    with get_database(demo_app).session_scope() as session:
        item = session.get(Organization, organization)
        assert item.description == "Un hébergeur tout neuf, à Brest."
        assert listings.provenance_of(session, item)["description"].origin == "file"
        names = [
            s.name
            for s in session.exec(select(Service).where(Service.organization_id == organization))
        ]
        assert names == ["Pad du Nouveau Chaton"]  # the bad service file is refused
    page = html(client.get(base))
    assert "Read 3 files: 2 changed, 0 unchanged, 1 failed." in page
    assert "read, changed" in page and "failed" in page
    assert "must be one of None, Free, Member, Client" in page
    assert local(httpserver.url_for("/sondage.properties")) in page
    # the profile now shows the file's values read-only
    assert "Edit this in your file" in html(client.get(f"/dashboard/organizations/{organization}"))


def test_refresh_now_is_rate_limited_per_organization(demo_app, httpserver):
    url = serve_files(httpserver)
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}/sources"
    token = csrf_token(client, base)
    client.post(f"{base}/add", data={"csrf_token": token, "url": url, "kind": "organization"})
    statuses = [
        client.post(f"{base}/refresh", data={"csrf_token": token}).status_code for _ in range(7)
    ]
    assert statuses == [302] * 6 + [429]


def test_a_host_removes_a_source_it_added_but_not_its_federation_file(demo_app):
    organization = org_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, (organization,))
    base = f"/dashboard/organizations/{organization}/sources"
    token = csrf_token(client, base)
    feed = "https://chatonlibre.example/news.atom"
    client.post(f"{base}/add", data={"csrf_token": token, "url": feed, "kind": "news"})
    with get_database(demo_app).session_scope() as session:
        added = session.exec(select(Source).where(Source.url == feed)).one().id
        listed = (
            session.exec(
                select(Source).where(
                    Source.organization_id == organization, Source.kind == "organization"
                )
            )
            .one()
            .id
        )
    assert client.post(f"{base}/{listed}/remove", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{base}/{added}/remove", data={"csrf_token": token}).status_code == 302
    with get_database(demo_app).session_scope() as session:
        assert session.get(Source, listed) is not None
        assert session.get(Source, added) is None


# -- co-editors ------------------------------------------------------------------------------


def _invite(client, organization: int, email: str):
    path = f"/dashboard/organizations/{organization}/editors"
    return client.post(
        f"{path}/invite", data={"csrf_token": csrf_token(client, path), "email": email}
    )


def test_invitation_flow_with_real_mail(mail_app, smtp_server):
    organization = new_organization(mail_app)
    owner = signed_in(mail_app, (organization,))
    response = _invite(owner, organization, "Friend@Example.org")
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "Friend@Example.org"
    body = message.get_content()
    assert "Le Nouveau Chaton" in body
    link = re.search(r"http://portee\.test(/dashboard/invitations/\S+)", body)
    assert link, body
    path = link.group(1)
    with get_database(mail_app).session_scope() as session:
        invitation = session.exec(select(Invitation)).one()
        assert path.rsplit("/", 1)[1] not in invitation.token_hash  # only a hash is kept

    # someone else, signed in, cannot use it
    stranger = signed_in(mail_app, (), email="stranger@example.org")
    assert stranger.get(path).status_code == 403
    token = csrf_token(stranger, "/dashboard/")
    assert stranger.post(path, data={"csrf_token": token}).status_code == 403

    friend = signed_in(mail_app, (), email="friend@example.org")
    page = friend.get(path)
    assert page.status_code == 200
    assert "You are invited to co-edit Le Nouveau Chaton" in html(page)
    accepted = post_form(friend, path, {})
    assert accepted.status_code == 302
    with get_database(mail_app).session_scope() as session:
        account = find_account(session, "friend@example.org")
        member = session.get(OrganizationMember, (account.id, organization))
        assert member.role == "editor"
    # the new editor edits
    profile = f"/dashboard/organizations/{organization}"
    response = post_form(friend, profile, dict(PROFILE, description="Écrit par l'amie."))
    assert response.status_code == 302
    with get_database(mail_app).session_scope() as session:
        assert session.get(Organization, organization).description == "Écrit par l'amie."
    # but does not manage editors
    assert _invite(friend, organization, "third@example.org").status_code == 403
    # a used invitation is refused
    assert friend.get(path).status_code == 410
    assert (
        friend.post(path, data={"csrf_token": csrf_token(friend, "/dashboard/")}).status_code == 410
    )
    assert "already been used" in html(friend.get(path))


def test_an_owner_cannot_remove_the_last_owner(demo_app):
    organization = new_organization(demo_app)
    client = signed_in(demo_app, (organization,))
    editor = make_account(
        demo_app, "editor@example.org", organizations=(organization,), owner=False
    )
    with get_database(demo_app).session_scope() as session:
        owner = find_account(session, OWNER).id
    path = f"/dashboard/organizations/{organization}/editors"
    token = csrf_token(client, path)
    assert client.post(f"{path}/{owner}/remove", data={"csrf_token": token}).status_code == 302
    assert "at least one owner" in html(client.get(path))
    assert client.post(f"{path}/{editor}/remove", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{path}/{editor}/remove", data={"csrf_token": token}).status_code == 404
    with get_database(demo_app).session_scope() as session:
        assert session.get(OrganizationMember, (owner, organization)) is not None
        assert session.get(OrganizationMember, (editor, organization)) is None


def test_the_dashboard_lists_the_organizations_of_the_account(demo_app):
    chaton = org_id(demo_app, "le-chaton-libre")
    candidate = new_organization(demo_app, "Chaton Candidat", membership="candidate")
    with get_database(demo_app).session_scope() as session:
        application = Application(organization_id=candidate)
        session.add(application)
        session.commit()
        application_id = application.id
    client = signed_in(demo_app, (chaton, candidate))
    page = html(client.get("/dashboard/"))
    assert "Le Chaton Libre" in page and "Chaton Candidat" in page
    assert "Candidate: not public" in page
    assert f'href="/apply/{application_id}"' in page
    assert "Cigogne" not in page
