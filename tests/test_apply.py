"""Applying for membership: the state machine, the form, who sees what, the conversation,
withdrawal, the domain check from the page, and the mail to the applicant."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from directory import membership
from directory.db import get_database
from directory.models import (
    Account,
    Application,
    ApplicationMessage,
    AuditEvent,
    DomainClaim,
    Organization,
    OrganizationMember,
    Provenance,
    Service,
    Software,
    Source,
)
from support import csrf_token, login, make_account, post_form

APPLICANT = "alice@chaton-du-lac.example"
COMMITMENT_KEYS = ("free_software", "no_ads_tracking", "transparency", "open_neutral", "solidarity")
# .invalid never resolves: a check from the page fails fast on the web file, then asks DNS.
VALID = {
    "name": "Chaton du Lac",
    "description": "Des services libres pour les gens du lac.",
    "legal_type": "association",
    "country_code": "FR",
    "address": "Annecy",
    "website": "https://chaton-du-lac.invalid/",
    "contact_email": "contact@chaton-du-lac.example",
    "contact_url": "",
    "motivation": "Nous hébergeons déjà trois associations.",
    "metadata_url": "",
    **{key: "y" for key in COMMITMENT_KEYS},
}


# -- the state machine ---------------------------------------------------------------------

LEGAL = {
    ("submitted", "question"): "questioned",
    ("submitted", "withdraw"): "withdrawn",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("questioned", "question"): "questioned",
    ("questioned", "answer"): "submitted",
    ("questioned", "withdraw"): "withdrawn",
    ("questioned", "approve"): "approved",
    ("questioned", "reject"): "rejected",
}
ALL_MOVES = [(state, event) for state in membership.STATES for event in membership.EVENTS]


@pytest.mark.parametrize(("state", "event"), [move for move in ALL_MOVES if move in LEGAL])
def test_legal_transitions(state, event):
    application = Application(organization_id=1, state=state)
    assert membership.transition(application, event) == LEGAL[(state, event)]
    assert application.state == LEGAL[(state, event)]


@pytest.mark.parametrize(("state", "event"), [move for move in ALL_MOVES if move not in LEGAL])
def test_illegal_transitions_are_refused(state, event):
    application = Application(organization_id=1, state=state)
    with pytest.raises(membership.InvalidTransition) as refused:
        membership.transition(application, event)
    assert refused.value.code == "invalid_transition"
    assert (refused.value.state, refused.value.event) == (state, event)
    assert application.state == state


def test_ended_applications_allow_nothing():
    for state in ("withdrawn", "approved", "rejected"):
        assert membership.allowed_events(Application(organization_id=1, state=state)) == []


# -- helpers -------------------------------------------------------------------------------


@pytest.fixture
def web(app, tmp_path):
    app.config["MAIL_FOLDER"] = str(tmp_path / "mail")  # not the instance folder of the repo
    client = app.test_client()
    # Flashed messages are worded when the POST is handled: read them in English.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def applicant(app, web):
    account_id = make_account(app, APPLICANT)
    login(web, APPLICANT)
    return account_id


def apply(web, **changes):
    return post_form(web, "/apply/new", {**VALID, **changes})


def submitted(app, web, **changes) -> int:
    response = apply(web, **changes)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/apply/(\d+)$", response.headers["Location"]).group(1))


def load(app, model, ident):
    with get_database(app).session_scope() as session:
        return session.get(model, ident)


def rows(app, model, *where):
    with get_database(app).session_scope() as session:
        return session.exec(select(model).where(*where)).all()


def ask(app, application_id, body="Quel logiciel utilisez-vous pour la visio ?"):
    """A moderator asks a question (the moderation UI comes later: the domain function)."""
    make_account(app, "mod@portee.example", role="moderator")
    with get_database(app).session_scope() as session:
        moderator = session.exec(select(Account).where(Account.role == "moderator")).first()
        application = session.get(Application, application_id)
        membership.ask_question(session, moderator, application, body)
        session.commit()


# -- the start page ------------------------------------------------------------------------


def test_the_start_page_explains_and_sends_strangers_to_sign_up(web):
    html = web.get("/apply/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The charter" in html and "Only free software" in html and "Solidarity" in html
    assert 'href="/account/signup?next=/apply/new"' in html
    assert 'href="/account/login?next=/apply/new"' in html


def test_the_start_page_offers_the_form_and_lists_applications(app, web, applicant):
    html = web.get("/apply/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/apply/new"' in html and "Your applications" not in html
    application_id = submitted(app, web)
    html = web.get("/apply/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'href="/apply/{application_id}"' in html and "Waiting for the moderators" in html


# -- submitting ----------------------------------------------------------------------------


def test_the_form_has_the_charter_as_explicit_checkboxes(web, applicant):
    html = web.get("/apply/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<legend>The charter: your commitments</legend>" in html
    for key in COMMITMENT_KEYS:
        assert re.search(rf'<input[^>]*id="{key}"[^>]*type="checkbox"', html)
        assert f'aria-describedby="{key}-hint"' in html
    assert '<option value="association">Association</option>' in html
    # Countries are named in the reader's language and sorted by name.
    assert '<option value="DE">Germany</option>' in html
    html_fr = web.get("/apply/new", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<option value="DE">Allemagne</option>' in html_fr
    names = re.findall(r'<option value="[A-Z]{2}">([^<]+)</option>', html_fr)
    assert names.index("Allemagne") < names.index("Égypte") < names.index("France")


def test_an_application_creates_a_private_candidate(app, web, applicant):
    response = apply(web)
    assert response.status_code == 302
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = web.get(response.headers["Location"], headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "We received your application" in html
    assert "Waiting for the moderators" in html

    application = load(app, Application, application_id)
    assert application.state == "submitted" and application.applicant_id == applicant
    assert application.commitments == {key: True for key in COMMITMENT_KEYS}
    assert application.motivation == VALID["motivation"]
    organization = load(app, Organization, application.organization_id)
    assert organization.membership == "candidate" and not organization.is_public
    assert (organization.name, organization.legal_type, organization.country_code) == (
        "Chaton du Lac",
        "association",
        "FR",
    )
    assert organization.website == VALID["website"] and organization.contact_url is None
    [member] = rows(app, OrganizationMember, OrganizationMember.organization_id == organization.id)
    assert (member.account_id, member.role) == (applicant, "owner")
    provenance = rows(app, Provenance, Provenance.entity_id == organization.id)
    assert {p.field for p in provenance} >= {"name", "description", "website", "contact_email"}
    assert {(p.origin, p.actor) for p in provenance} == {("form", APPLICANT)}
    [event] = rows(app, AuditEvent, AuditEvent.action == "application_submitted")
    assert (event.actor_id, event.organization_id) == (applicant, organization.id)
    [claim] = rows(app, DomainClaim, DomainClaim.organization_id == organization.id)
    assert claim.domain == "chaton-du-lac.invalid" and claim.verified_at is None
    assert claim.token in html and "_portee-verification.chaton-du-lac.invalid" in html
    # the token in a box to copy, with a short how-to for each way of publishing it
    assert f'id="domain-token" type="text" value="{claim.token}" readonly' in html
    assert "How to publish the file" in html and "How to add the DNS record" in html

    # Not public: no page, no JSON, not offered in search even once it has a service.
    assert web.get(f"/hosts/{organization.slug}").status_code == 404
    assert web.get(f"/api/v1/organizations/{organization.slug}").status_code == 404
    with get_database(app).session_scope() as session:
        etherpad = session.exec(select(Software).where(Software.slug == "etherpad")).one()
        session.add(
            Service(
                organization_id=organization.id,
                name="Pad du Lac",
                software_id=etherpad.id,
                registration="free",
            )
        )
        session.commit()
    found = web.get("/api/v1/search?q=etherpad").get_json()
    assert organization.slug not in {r["organization"]["slug"] for r in found["results"]}


def test_a_public_member_with_the_same_service_is_found(app, web, applicant):
    """The control for the test above: the same service of a member is in search."""
    application_id = submitted(app, web)
    with get_database(app).session_scope() as session:
        application = session.get(Application, application_id)
        organization = session.get(Organization, application.organization_id)
        etherpad = session.exec(select(Software).where(Software.slug == "etherpad")).one()
        organization.membership = "member"
        session.add(Service(organization_id=organization.id, name="Pad du Lac",
                            software_id=etherpad.id, registration="free"))  # fmt: skip
        session.commit()
        slug = organization.slug
    found = web.get("/api/v1/search?q=etherpad").get_json()
    assert slug in {r["organization"]["slug"] for r in found["results"]}


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/.well-known/chatonsinfos/org.properties", "organization"), ("/librehost.JSON", "json")],
)
def test_a_metadata_file_is_bound_but_not_fetched(app, web, applicant, httpserver, path, kind):
    url = httpserver.url_for(path)
    application_id = submitted(app, web, metadata_url=url)
    application = load(app, Application, application_id)
    assert application.metadata_url == url
    [source] = rows(app, Source, Source.organization_id == application.organization_id)
    assert (source.url, source.kind, source.last_attempt_at) == (url, kind, None)
    assert httpserver.log == []


def test_a_metadata_file_of_another_organization_is_refused(app, web, applicant):
    url = "https://other.example/org.properties"
    with get_database(app).session_scope() as session:
        other = Organization(name="Other", slug="other", membership="member")
        session.add(other)
        session.flush()
        session.add(Source(url=url, kind="organization", organization_id=other.id))
        session.commit()
    response = apply(web, metadata_url=url)
    assert response.status_code == 400
    assert "already describes another organization" in response.get_data(as_text=True)
    assert rows(app, Application) == []
    assert [o.slug for o in rows(app, Organization)] == ["other"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 300}, "name"),
        ({"description": "  "}, "description"),
        ({"legal_type": "pirate"}, "legal_type"),
        ({"country_code": "XX"}, "country_code"),
        ({"country_code": "EU"}, "country_code"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://x.example"}, "website"),
        ({"website": "https://intranet"}, "website"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"contact_url": "javascript:alert(1)"}, "contact_url"),
        ({"metadata_url": "ftp://x.example/org.properties"}, "metadata_url"),
        ({"motivation": "m" * 2001}, "motivation"),
        ({"solidarity": ""}, "solidarity"),
        ({"free_software": ""}, "free_software"),
    ],
)
def test_invalid_applications_are_shown_again_with_errors(app, web, applicant, changes, field):
    data = {**VALID, **changes}
    data = {key: value for key, value in data.items() if value != ""}
    response = post_form(web, "/apply/new", data, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert f'id="{field}-errors"' in html
    # What the applicant typed is kept.
    assert 'value="Annecy"' in html
    assert rows(app, Organization) == [] and rows(app, Application) == []


def test_a_private_metadata_address_is_refused_when_the_guard_is_on(app, web, applicant):
    app.config["PORTEE_FETCH_ALLOW_PRIVATE"] = False
    response = apply(web, metadata_url="http://127.0.0.1:6379/org.properties")
    assert response.status_code == 400
    assert 'id="metadata_url-errors"' in response.get_data(as_text=True)


def test_a_post_without_the_right_csrf_token_is_refused(app, web, applicant):
    response = web.post("/apply/new", data={**VALID, "csrf_token": "forged"})
    assert response.status_code == 400
    assert rows(app, Organization) == []


def test_an_unverified_account_cannot_apply(app):
    make_account(app, "bob@example.org", verified=False)
    with get_database(app).session_scope() as session:
        bob = session.exec(select(Account)).one()
        commitments = {key: True for key in COMMITMENT_KEYS}
        with pytest.raises(membership.MembershipError) as refused:
            membership.submit_application(session, bob, {"name": "B"}, commitments)
        assert refused.value.code == "email_not_verified"


def test_the_charter_is_enforced_by_the_domain_too(app):
    make_account(app, "bob@example.org")
    with get_database(app).session_scope() as session:
        bob = session.exec(select(Account)).one()
        commitments = {key: True for key in COMMITMENT_KEYS} | {"solidarity": False}
        with pytest.raises(membership.MembershipError) as refused:
            membership.submit_application(session, bob, {"name": "B"}, commitments)
        assert refused.value.params == {"missing": ["solidarity"]}


# -- who sees what -------------------------------------------------------------------------


def test_strangers_are_sent_to_sign_in(app, web, applicant):
    application_id = submitted(app, web)
    stranger = app.test_client()
    response = stranger.get("/apply/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")
    response = stranger.get(f"/apply/{application_id}")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    token = csrf_token(stranger, "/account/login")
    for action in ("answer", "withdraw", "verify-domain"):
        response = stranger.post(
            f"/apply/{application_id}/{action}", data={"csrf_token": token, "confirm": "y"}
        )
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert load(app, Application, application_id).state == "submitted"


@pytest.mark.parametrize(
    ("role", "page", "act", "check"),
    [("host", 404, 404, 404), ("moderator", 200, 403, 302), ("admin", 200, 302, 302)],
)
def test_who_may_see_and_act_on_an_application(app, web, applicant, role, page, act, check):
    application_id = submitted(app, web)
    ask(app, application_id)
    with get_database(app).session_scope() as session:
        neighbour = Organization(name="Voisin", slug="voisin", membership="member")
        session.add(neighbour)
        session.commit()
        owns = (neighbour.id,) if role == "host" else ()  # a host, owner of another listing
    make_account(app, f"{role}@elsewhere.example", role=role, organizations=owns)
    other = app.test_client()
    login(other, f"{role}@elsewhere.example")
    assert other.get(f"/apply/{application_id}").status_code == page
    token = csrf_token(other, "/apply/")
    base = f"/apply/{application_id}"
    answer = other.post(f"{base}/answer", data={"csrf_token": token, "body": "Moi !"})
    assert answer.status_code == act
    check_now = other.post(f"{base}/verify-domain", data={"csrf_token": token})
    assert check_now.status_code == check
    withdraw = other.post(f"{base}/withdraw", data={"csrf_token": token, "confirm": "y"})
    assert withdraw.status_code == act
    expected = "withdrawn" if role == "admin" else "questioned"
    assert load(app, Application, application_id).state == expected


def test_a_moderator_sees_the_page_without_the_applicants_forms(app, web, applicant):
    application_id = submitted(app, web)
    ask(app, application_id)
    make_account(app, "mod2@portee.example", role="moderator")
    moderator = app.test_client()
    login(moderator, "mod2@portee.example")
    html = moderator.get(f"/apply/{application_id}").get_data(as_text=True)
    assert "/answer" not in html and "/withdraw" not in html and "/verify-domain" in html


def test_a_missing_application_is_404(web, applicant):
    assert web.get("/apply/999").status_code == 404


# -- the conversation ----------------------------------------------------------------------


def test_the_applicant_answers_a_question(app, web, applicant):
    application_id = submitted(app, web)
    page = f"/apply/{application_id}"
    html = web.get(page).get_data(as_text=True)
    assert f"{page}/answer" not in html  # nothing to answer yet
    ask(app, application_id)
    assert load(app, Application, application_id).state == "questioned"
    html = web.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The moderators asked you a question" in html
    assert "Quel logiciel utilisez-vous pour la visio ?" in html
    response = web.post(
        f"{page}/answer", data={"csrf_token": csrf_token(web, page), "body": "Jitsi Meet."}
    )
    assert response.status_code == 302 and response.headers["Location"] == page
    assert load(app, Application, application_id).state == "submitted"
    messages = rows(app, ApplicationMessage, ApplicationMessage.application_id == application_id)
    assert [(m.kind, m.body) for m in messages] == [
        ("question", "Quel logiciel utilisez-vous pour la visio ?"),
        ("answer", "Jitsi Meet."),
    ]
    html = web.get(page).get_data(as_text=True)
    assert html.index("Quel logiciel") < html.index("Jitsi Meet.")
    assert [e.action for e in rows(app, AuditEvent, AuditEvent.action.like("application_%"))] == [
        "application_submitted",
        "application_questioned",
        "application_answered",
    ]


def test_an_answer_needs_a_question_and_a_body(app, web, applicant):
    application_id = submitted(app, web)
    page = f"/apply/{application_id}"
    token = csrf_token(web, page)
    response = web.post(f"{page}/answer", data={"csrf_token": token, "body": "Hello"})
    assert response.status_code == 302
    assert "cannot do that" in web.get(page, headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert rows(app, ApplicationMessage) == []
    ask(app, application_id)
    response = web.post(f"{page}/answer", data={"csrf_token": token, "body": "   "})
    assert response.status_code == 400
    assert load(app, Application, application_id).state == "questioned"


def test_only_moderators_ask_questions(app, web, applicant):
    application_id = submitted(app, web)
    with get_database(app).session_scope() as session:
        alice = session.get(Account, applicant)
        application = session.get(Application, application_id)
        with pytest.raises(membership.MembershipError) as refused:
            membership.ask_question(session, alice, application, "Am I good?")
        assert refused.value.code == "not_allowed"


# -- withdrawing ---------------------------------------------------------------------------


def test_withdrawing_needs_a_confirmation(app, web, applicant):
    application_id = submitted(app, web)
    page = f"/apply/{application_id}"
    token = csrf_token(web, page)
    response = web.post(f"{page}/withdraw", data={"csrf_token": token})
    assert response.status_code == 400
    assert 'id="confirm-errors"' in response.get_data(as_text=True)
    assert load(app, Application, application_id).state == "submitted"
    response = web.post(f"{page}/withdraw", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    assert load(app, Application, application_id).state == "withdrawn"
    html = web.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You withdrew this application" in html and f"{page}/withdraw" not in html
    # Again: refused, nothing changes.
    response = web.post(f"{page}/withdraw", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    assert len(rows(app, AuditEvent, AuditEvent.action == "application_withdrawn")) == 1


# -- the domain proof from the page --------------------------------------------------------


def test_check_now_proves_the_domain_by_dns(app, web, applicant):
    application_id = submitted(app, web)
    [claim] = rows(app, DomainClaim)
    asked = []

    def resolver(name):
        asked.append(name)
        return [claim.token]

    app.extensions["portee.txt_resolver"] = resolver
    page = f"/apply/{application_id}"
    response = web.post(f"{page}/verify-domain", data={"csrf_token": csrf_token(web, page)})
    assert response.status_code == 302
    assert asked == ["_portee-verification.chaton-du-lac.invalid"]
    claim = load(app, DomainClaim, claim.id)
    assert claim.method == "dns" and claim.verified_at is not None
    html = web.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "is proved" in html and "DNS record" in html


def test_a_failed_check_says_why_in_the_readers_language(app, web, applicant):
    application_id = submitted(app, web)
    app.extensions["portee.txt_resolver"] = lambda name: []
    page = f"/apply/{application_id}"
    web.post(f"{page}/verify-domain", data={"csrf_token": csrf_token(web, page)})
    html = web.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "we could not reach chaton-du-lac.invalid: the name does not exist" in html
    assert "there is no TXT record at _portee-verification.chaton-du-lac.invalid" in html
    assert load(app, DomainClaim, 1).last_checked_at is not None


def test_check_now_is_rate_limited(app, web, applicant):
    application_id = submitted(app, web)
    app.extensions["portee.txt_resolver"] = lambda name: []
    page = f"/apply/{application_id}"
    token = csrf_token(web, page)
    codes = [
        web.post(f"{page}/verify-domain", data={"csrf_token": token}).status_code for _ in range(11)
    ]
    assert codes == [302] * 10 + [429]


# -- the mail ------------------------------------------------------------------------------


def test_the_applicant_is_mailed_what_happens_next(mail_app, smtp_server):
    web = mail_app.test_client()
    make_account(mail_app, APPLICANT)
    login(web, APPLICANT)
    response = post_form(web, "/apply/new", VALID, headers={"Accept-Language": "en"})
    assert response.status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == APPLICANT
    assert "received your application" in message["Subject"]
    body = message.get_content()
    assert "Chaton du Lac" in body and "What happens next" in body
    assert f"http://portee.test{response.headers['Location']}" in body


def test_a_failed_mail_does_not_lose_the_application(app, web, applicant):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    application_id = submitted(app, web)
    assert load(app, Application, application_id).state == "submitted"
