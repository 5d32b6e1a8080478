"""Moderation: the collective decision (quorum, majority, abstentions, one vote each, no vote on
one's own organization, a reason to reject, one appeal), what approval publishes and rejection
keeps private, suspension and reinstatement, the public log and its Atom feed, the automatic
checks, the audit trail, the failing sources, the team and `flask accounts create-admin`."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import flask_babel
import pytest
from babel.dates import format_date
from sqlmodel import select

from directory import membership, moderation
from directory.accounts import check_password
from directory.db import get_database
from directory.models import (
    Account,
    Application,
    AuditEvent,
    Decision,
    ImportResult,
    ImportRun,
    Organization,
    PublicLogEntry,
    Service,
    Software,
    Source,
)
from directory.outbound.guard import AddressPolicy
from directory.timeutil import utcnow
from search import SearchParams, get_search
from support import csrf_token, login, make_account

APPLICANT = "alice@chaton-du-lac.example"
MODERATORS = ("mod1@portee.example", "mod2@portee.example", "mod3@portee.example")
ADMIN = "admin@portee.example"
COMMITMENTS = {key: True for key in membership.COMMITMENTS}
EN = {"Accept-Language": "en"}
KNOWN = "Nous les connaissons depuis des années."  # why a moderator approves an unproved domain


# -- helpers -------------------------------------------------------------------------------


def staff(app, count: int = 2) -> list[str]:
    for email in MODERATORS[:count]:
        make_account(app, email, role="moderator")
    return list(MODERATORS[:count])


def candidate(
    app,
    name: str = "Chaton du Lac",
    applicant: str = APPLICANT,
    website: str = "https://chaton-du-lac.invalid/",
) -> int:
    """An application (through the domain, as the form does) whose candidate runs an Etherpad."""
    account_id = make_account(app, applicant)
    with get_database(app).session_scope() as session:
        account = session.get(Account, account_id)
        identity = {"name": name, "website": website, "description": "Des services libres."}
        application = membership.submit_application(
            session, account, identity, COMMITMENTS, "Nous hébergeons déjà trois associations."
        )
        etherpad = session.exec(select(Software).where(Software.slug == "etherpad")).one()
        session.add(
            Service(
                organization_id=application.organization_id,
                name=f"Pad de {name}",
                software_id=etherpad.id,
                registration="free",
            )
        )
        session.commit()
        return application.id


def account_of(session, email: str) -> Account:
    return session.exec(select(Account).where(Account.email == email)).one()


def cast(app, email, application_id, choice, reason=None, rules=None):
    """One vote through the domain, with the app's rules unless told; returns the result (or
    raises the refusal)."""
    rules = rules or moderation.Rules.from_config(app.config)
    with get_database(app).session_scope() as session:
        application = session.get(Application, application_id)
        outcome = moderation.vote(
            session, account_of(session, email), application, choice, reason, rules
        )
        session.commit()
        return outcome.result


def refusal(app, email, application_id, choice, reason=None) -> str:
    with pytest.raises(moderation.ModerationError) as refused:
        cast(app, email, application_id, choice, reason)
    return refused.value.code


def state(app, application_id) -> tuple[str, str]:
    with get_database(app).session_scope() as session:
        application = session.get(Application, application_id)
        organization = session.get(Organization, application.organization_id)
        return application.state, organization.membership


def slug_of(app, application_id) -> str:
    with get_database(app).session_scope() as session:
        application = session.get(Application, application_id)
        return session.get(Organization, application.organization_id).slug


def offered(app, slug: str) -> int:
    """How many of the organization's offers the search index gives the public."""
    with app.app_context():
        results = get_search().search(SearchParams(text="", per_page=1000))
    with get_database(app).session_scope() as session:
        ids = set(results.service_ids)
        services = session.exec(select(Service).join(Organization)).all()
        return sum(1 for s in services if s.id in ids and s.organization.slug == slug)


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def post(client, page: str, path: str, data: dict, **kwargs):
    """POST a form of `page` to `path` with the page's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data}, **kwargs)


def vote_on_page(client, application_id, vote, reason="", body=None, **kwargs):
    page = f"/moderation/applications/{application_id}"
    data = {"vote": vote, "reason": reason, **({"body": body} if body is not None else {})}
    return post(client, page, f"{page}/vote", data, **kwargs)


def text_of(response) -> str:
    return response.get_data(as_text=True)


# -- the decision --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "rules", "expected"),
    [
        ((1, 0, 0), moderation.Rules(), None),
        ((2, 0, 0), moderation.Rules(), "approved"),
        ((1, 1, 0), moderation.Rules(), "rejected"),
        ((0, 2, 0), moderation.Rules(), "rejected"),
        ((1, 0, 5), moderation.Rules(), None),  # abstentions never make a quorum
        ((2, 1, 0), moderation.Rules(quorum=3, majority=0.6), "approved"),
        ((1, 2, 0), moderation.Rules(quorum=3, majority=0.6), "rejected"),
        ((2, 0, 3), moderation.Rules(quorum=3, majority=0.6), None),
        ((3, 2, 0), moderation.Rules(quorum=5, majority=0.5), "approved"),
    ],
)
def test_the_tally(votes, rules, expected):
    assert moderation.Tally(*votes).outcome(rules) == expected


def test_rules_come_from_the_config_with_defaults():
    assert moderation.Rules.from_config({}) == moderation.Rules(2, 1.0)
    rules = moderation.Rules.from_config({"PORTEE_QUORUM": "3", "PORTEE_MAJORITY": "0.6"})
    assert rules == moderation.Rules(3, 0.6)
    with pytest.raises(ValueError):
        moderation.Rules(0, 1.0)


def test_two_approvals_admit_the_candidate(app):
    application_id = candidate(app)
    first, second = staff(app)
    assert cast(app, first, application_id, "approve", KNOWN) is None
    assert state(app, application_id) == ("submitted", "candidate")
    assert cast(app, second, application_id, "approve", KNOWN) == "approved"
    assert state(app, application_id) == ("approved", "member")
    with get_database(app).session_scope() as session:
        application = session.get(Application, application_id)
        assert application.decided_at is not None
        [entry] = session.exec(select(PublicLogEntry)).all()
        assert (entry.kind, entry.organization_name) == ("admitted", "Chaton du Lac")
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "application_approved")
        ).all()
        assert event.actor_id == account_of(session, second).id
        assert event.detail["before"] == {"state": "submitted", "membership": "candidate"}
        assert event.detail["after"] == {"state": "approved", "membership": "member"}
        assert event.detail["votes"] == {"approve": 2, "reject": 0, "abstain": 0}


def test_with_the_default_rules_one_rejection_rejects(app):
    application_id = candidate(app)
    first, second = staff(app)
    cast(app, first, application_id, "approve", KNOWN)
    assert cast(app, second, application_id, "reject", "Des publicités partout.") == "rejected"
    assert state(app, application_id) == ("rejected", "candidate")


def test_a_majority_with_other_settings(app):
    rules = moderation.Rules(quorum=3, majority=0.6)
    admitted, refused = candidate(app), candidate(app, "Chaton Gris", "bob@gris.example")
    first, second, third = staff(app, 3)
    for email, choice in ((first, "approve"), (second, "reject"), (third, "approve")):
        result = cast(app, email, admitted, choice, "Non." if choice == "reject" else KNOWN, rules)
    assert result == "approved"
    for email, choice in ((first, "approve"), (second, "reject"), (third, "reject")):
        result = cast(app, email, refused, choice, "Non." if choice == "reject" else KNOWN, rules)
    assert result == "rejected"


def test_the_rules_of_the_web_come_from_the_config(app):
    app.config.update(PORTEE_QUORUM=3, PORTEE_MAJORITY=0.5)
    application_id = candidate(app)
    first, second, third = staff(app, 3)
    cast(app, first, application_id, "approve", KNOWN)
    cast(app, second, application_id, "reject", "Pas convaincu.")
    client = signed_in(app, third)
    page = text_of(client.get(f"/moderation/applications/{application_id}", headers=EN))
    assert "once 3 moderators have approved or rejected it" in page and "50%" in page
    assert vote_on_page(client, application_id, "approve", KNOWN).status_code == 302
    assert state(app, application_id) == ("approved", "member")


def test_abstaining_does_not_count_toward_the_quorum(app):
    application_id = candidate(app)
    first, second, third = staff(app, 3)
    assert cast(app, first, application_id, "abstain") is None
    assert cast(app, second, application_id, "approve", KNOWN) is None
    assert state(app, application_id) == ("submitted", "candidate")
    assert cast(app, third, application_id, "approve", KNOWN) == "approved"


def test_no_moderator_votes_twice_in_a_round(app):
    application_id = candidate(app)
    first, _second = staff(app)
    cast(app, first, application_id, "abstain")
    assert refusal(app, first, application_id, "approve") == "already_voted"
    with get_database(app).session_scope() as session:
        assert len(session.exec(select(Decision)).all()) == 1


def test_a_moderator_does_not_decide_on_their_own_organization(app):
    application_id = candidate(app)
    with get_database(app).session_scope() as session:
        organization_id = session.get(Application, application_id).organization_id
    make_account(app, "insider@portee.example", role="moderator", organizations=(organization_id,))
    assert refusal(app, "insider@portee.example", application_id, "approve") == "own_organization"
    client = signed_in(app, "insider@portee.example")
    page = text_of(client.get(f"/moderation/applications/{application_id}", headers=EN))
    assert "other moderators decide on it, not you" in page and 'name="vote"' not in page
    response = vote_on_page(client, application_id, "approve", KNOWN, headers=EN)
    assert response.status_code == 400 and "other moderators decide on it" in text_of(response)
    assert state(app, application_id) == ("submitted", "candidate")


def test_a_rejection_needs_a_reason(app):
    application_id = candidate(app)
    first, _second = staff(app)
    assert refusal(app, first, application_id, "reject") == "reason_missing"
    assert refusal(app, first, application_id, "reject", "   ") == "reason_missing"
    client = signed_in(app, first)
    response = vote_on_page(client, application_id, "reject", headers=EN)
    assert response.status_code == 400
    assert "Give a reason: the applicant will read it." in text_of(response)
    with get_database(app).session_scope() as session:
        assert session.exec(select(Decision)).all() == []


def test_approving_an_unproved_domain_needs_a_reason(app):
    application_id = candidate(app)
    first, _second = staff(app)
    assert refusal(app, first, application_id, "approve") == "reason_unproved"
    assert refusal(app, first, application_id, "approve", "   ") == "reason_unproved"
    client = signed_in(app, first)
    page = f"/moderation/applications/{application_id}"
    html = text_of(client.get(page, headers=EN))
    warning = "chaton-du-lac.invalid is not proved to belong to this applicant"
    assert warning in html and html.index(warning) < html.index('name="vote"')
    response = vote_on_page(client, application_id, "approve", headers=EN)
    html = text_of(response)
    assert response.status_code == 400
    errors = re.search(r'<ul class="errors" id="reason-errors">(.*?)</ul>', html, re.S)
    assert "the domain of this applicant is not proved" in errors.group(1)
    assert re.search(r'value="approve"[^>]*checked|checked[^>]*value="approve"', html)
    with get_database(app).session_scope() as session:
        assert session.exec(select(Decision)).all() == []
    assert vote_on_page(client, application_id, "approve", KNOWN).status_code == 302
    with get_database(app).session_scope() as session:
        [decision] = session.exec(select(Decision)).all()
        assert (decision.vote, decision.reason) == ("approve", KNOWN)


def test_a_candidate_without_a_website_needs_a_reason_too(app):
    application_id = candidate(app, website="")
    first, _second = staff(app)
    assert refusal(app, first, application_id, "approve") == "reason_unproved"
    html = text_of(
        signed_in(app, first).get(f"/moderation/applications/{application_id}", headers=EN)
    )
    assert "This applicant has no website whose domain can be proved." in html


def test_a_proved_domain_is_approved_without_a_reason(app):
    application_id = candidate(app)
    first, second = staff(app)
    with get_database(app).session_scope() as session:
        organization_id = session.get(Application, application_id).organization_id
        token = ownership_token(session, organization_id)
    app.extensions["portee.txt_resolver"] = lambda name: [token]
    client = signed_in(app, first)
    page = f"/moderation/applications/{application_id}"
    assert post(client, page, f"{page}/checks", {}).status_code == 302
    html = text_of(client.get(page, headers=EN))
    assert "chaton-du-lac.invalid is proved (DNS record)." in html
    assert "Before you vote:" not in html
    assert vote_on_page(client, application_id, "approve").status_code == 302
    assert cast(app, second, application_id, "approve") == "approved"


def test_hosts_do_not_vote_and_closed_applications_take_no_vote(app):
    application_id = candidate(app)
    first, second = staff(app)
    assert refusal(app, APPLICANT, application_id, "approve") == "not_allowed"
    assert refusal(app, first, application_id, "maybe") == "unknown_vote"
    cast(app, first, application_id, "approve", KNOWN)
    cast(app, second, application_id, "approve", KNOWN)
    make_account(app, MODERATORS[2], role="moderator")
    assert refusal(app, MODERATORS[2], application_id, "reject", "Trop tard") == "closed"


def test_an_appeal_opens_one_new_round(app):
    application_id = candidate(app)
    first, second = staff(app)
    cast(app, first, application_id, "reject", "Aucun logiciel libre déclaré.")
    cast(app, second, application_id, "reject", "Site injoignable.")
    applicant = signed_in(app, APPLICANT)
    page = f"/apply/{application_id}"
    html = text_of(applicant.get(page, headers=EN))
    assert "Aucun logiciel libre déclaré." in html and "Site injoignable." in html
    assert first not in html and second not in html  # the applicant never learns who voted
    assert f"{page}/appeal" in html

    empty = post(applicant, page, f"{page}/appeal", {"reason": ""})
    assert empty.status_code == 400 and state(app, application_id)[0] == "rejected"
    appealed = post(applicant, page, f"{page}/appeal", {"reason": "Tout est libre, voyez."})
    assert appealed.status_code == 302
    with get_database(app).session_scope() as session:
        application = session.get(Application, application_id)
        assert (application.state, application.round) == ("submitted", 2)
        assert application.appealed_at is not None
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "application_appealed")
        ).all()
        assert event.detail["before"] == {"state": "rejected", "round": 1}
    # The first round's votes no longer count; the same moderators vote again.
    assert cast(app, first, application_id, "reject", "Toujours pas.") is None
    assert cast(app, second, application_id, "reject", "Non.") == "rejected"
    html = text_of(applicant.get(page, headers=EN))
    assert "Toujours pas." in html and "Aucun logiciel libre déclaré." not in html
    assert f"{page}/appeal" not in html and "This decision is final." in html
    again = post(applicant, page, f"{page}/appeal", {"reason": "Encore !"}, headers=EN)
    assert again.status_code == 302
    assert state(app, application_id)[0] == "rejected"
    with get_database(app).session_scope() as session, pytest.raises(membership.MembershipError):
        application = session.get(Application, application_id)
        membership.appeal(session, account_of(session, APPLICANT), application, "Encore")


def test_only_a_rejected_application_is_appealed(app):
    application_id = candidate(app)
    with get_database(app).session_scope() as session:
        application = session.get(Application, application_id)
        with pytest.raises(membership.InvalidTransition):
            membership.appeal(session, account_of(session, APPLICANT), application, "Pourquoi ?")


# -- what a decision publishes -------------------------------------------------------------


def test_approval_publishes_the_member_and_its_services(app):
    application_id = candidate(app)
    first, second = staff(app)
    slug = slug_of(app, application_id)
    public = app.test_client()
    assert public.get(f"/hosts/{slug}").status_code == 404
    assert offered(app, slug) == 0
    cast(app, first, application_id, "approve", KNOWN)
    client = signed_in(app, second)
    response = vote_on_page(client, application_id, "approve", KNOWN)
    assert response.status_code == 302 and response.headers["Location"] == "/moderation/"
    assert public.get(f"/hosts/{slug}").status_code == 200
    found = public.get("/api/v1/search?q=etherpad").get_json()
    assert slug in {r["organization"]["slug"] for r in found["results"]}
    assert offered(app, slug) == 1


def test_rejection_keeps_it_private_and_tells_the_applicant_why(mail_app, smtp_server):
    application_id = candidate(mail_app)
    first, second = staff(mail_app)
    slug = slug_of(mail_app, application_id)
    cast(mail_app, first, application_id, "reject", "Vos conditions autorisent la revente.")
    client = signed_in(mail_app, second)
    response = vote_on_page(
        client, application_id, "reject", "Pas de mentions légales.", headers=EN
    )
    assert response.status_code == 302
    assert state(mail_app, application_id) == ("rejected", "candidate")

    public = mail_app.test_client()
    assert public.get(f"/hosts/{slug}").status_code == 404
    found = public.get("/api/v1/search?q=etherpad&per_page=100").get_json()
    assert slug not in {r["organization"]["slug"] for r in found["results"]}
    assert offered(mail_app, slug) == 0

    [mail] = [m for m in smtp_server.messages if m["To"] == APPLICANT]
    body = mail.get_content()
    assert mail["Subject"] == "Portée: your application was not accepted"
    assert "Vos conditions autorisent la revente." in body and "Pas de mentions légales." in body
    assert f"http://portee.test/apply/{application_id}" in body and "appeal once" in body
    assert first not in body and second not in body
    page = text_of(signed_in(mail_app, APPLICANT).get(f"/apply/{application_id}", headers=EN))
    assert "Why the moderators did not accept it" in page
    assert "Pas de mentions légales." in page


def test_approval_mails_the_applicant(mail_app, smtp_server):
    application_id = candidate(mail_app)
    first, second = staff(mail_app)
    cast(mail_app, first, application_id, "approve", KNOWN)
    vote_on_page(signed_in(mail_app, second), application_id, "approve", KNOWN, headers=EN)
    [mail] = [m for m in smtp_server.messages if m["To"] == APPLICANT]
    assert mail["Subject"] == "Portée: welcome, Chaton du Lac!"
    assert f"http://portee.test/hosts/{slug_of(mail_app, application_id)}" in mail.get_content()


def test_the_reason_typed_beside_a_question_is_kept(app):
    application_id = candidate(app)
    first, _second = staff(app)
    client = signed_in(app, first)
    page = f"/moderation/applications/{application_id}"
    html = text_of(client.get(page, headers=EN))
    # one form: the question box and its button belong to the vote's form
    assert re.search(r'<textarea[^>]*form="vote-form"[^>]*name="body"', html)
    assert f'form="vote-form" formaction="{page}/question"' in html
    draft = {"vote": "reject", "reason": "Aucune mention légale sur le site."}
    empty = post(client, page, f"{page}/question", {"body": "", **draft}, headers=EN)
    assert empty.status_code == 400 and draft["reason"] in text_of(empty)
    asked = post(client, page, f"{page}/question", {"body": "Qui êtes-vous ?", **draft})
    assert asked.status_code == 302
    html = text_of(client.get(page, headers=EN))
    assert "Qui êtes-vous ?" in html  # the question, in the conversation
    assert re.search(r'<textarea[^>]*name="reason"[^>]*>\s*Aucune mention légale', html)
    assert re.search(r'checked[^>]*value="reject"|value="reject"[^>]*checked', html)
    # a vote refused keeps the question being typed, and the vote sent clears the draft
    refused = vote_on_page(client, application_id, "approve", body="Et vos serveurs ?")
    assert refused.status_code == 400 and "Et vos serveurs ?" in text_of(refused)
    assert vote_on_page(client, application_id, **draft).status_code == 302
    with get_database(app).session_scope() as session:
        [decision] = session.exec(select(Decision)).all()
        assert (decision.vote, decision.reason) == ("reject", draft["reason"])
    with client.session_transaction() as cookie:
        assert f"vote-draft-{application_id}" not in cookie


def test_a_question_typed_then_vote_pressed_is_kept_and_said(app):
    application_id = candidate(app)
    first, _second = staff(app)
    client = signed_in(app, first)
    page = f"/moderation/applications/{application_id}"
    voted = vote_on_page(
        client, application_id, "reject", "Pas de mentions.", body="Où ?", headers=EN
    )
    assert voted.status_code == 302
    html = text_of(client.get(page, headers=EN))
    assert "Your question was not sent (you pressed “Vote”): “Où ?”" in html
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*Où \?', html)  # still in its box
    assert post(client, page, f"{page}/question", {"body": "Où ?"}).status_code == 302
    html = text_of(client.get(page, headers=EN))
    assert not re.search(r'<textarea[^>]*name="body"[^>]*>\s*Où', html)  # asked: box empty
    with client.session_transaction() as cookie:
        assert f"question-draft-{application_id}" not in cookie


def test_the_application_page_writes_days_and_moments_in_one_style_per_language(app):
    application_id = candidate(app)
    first, _second = staff(app)
    client = signed_in(app, first)
    page = f"/moderation/applications/{application_id}"
    assert post(client, page, f"{page}/question", {"body": "Où ?"}).status_code == 302
    with app.test_request_context():
        today = flask_babel.to_user_timezone(utcnow()).date()
    for headers, locale in ((EN, "en"), ({"Accept-Language": "fr"}, "fr")):
        html = text_of(client.get(page, headers=headers))
        first_day = "d'er'" if locale == "fr" and today.day == 1 else "d"
        submitted = format_date(today, f"{first_day} MMMM y", locale)
        assert '<time datetime="' in html and f'">{submitted}</time></dd>' in html
        month = format_date(today, "MMM y", locale)
        asked = re.search(r'<p class="news-date"><time datetime="[^"]+Z">([^<]+)</time>', html)
        assert month in asked.group(1) and re.search(r"\d\d:\d\d$", asked.group(1))
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b|\d [AP]M\b", html), locale


def test_a_question_mails_the_applicant_and_the_answer_mails_the_moderators(mail_app, smtp_server):
    application_id = candidate(mail_app)
    first, second = staff(mail_app)
    moderator = signed_in(mail_app, first)
    page = f"/moderation/applications/{application_id}"
    asked = post(
        moderator, page, f"{page}/question", {"body": "Où sont vos serveurs ?"}, headers=EN
    )
    assert asked.status_code == 302
    assert state(mail_app, application_id)[0] == "questioned"
    [question] = smtp_server.messages
    assert question["To"] == APPLICANT and "Où sont vos serveurs ?" in question.get_content()
    assert f"http://portee.test/apply/{application_id}" in question.get_content()

    applicant = signed_in(mail_app, APPLICANT)
    apply_page = f"/apply/{application_id}"
    answered = post(applicant, apply_page, f"{apply_page}/answer", {"body": "À Lyon."}, headers=EN)
    assert answered.status_code == 302
    told = sorted(m["To"] for m in smtp_server.messages[1:])
    assert told == [first, second]
    link = f"http://portee.test/moderation/applications/{application_id}"
    assert all(link in m.get_content() for m in smtp_server.messages[1:])
    assert "À Lyon." in text_of(moderator.get(page))


# -- suspension, reinstatement, departure --------------------------------------------------


def admitted(app) -> tuple[int, str]:
    application_id = candidate(app)
    first, second = staff(app)
    cast(app, first, application_id, "approve", KNOWN)
    cast(app, second, application_id, "approve", KNOWN)
    with get_database(app).session_scope() as session:
        organization_id = session.get(Application, application_id).organization_id
    return organization_id, slug_of(app, application_id)


def test_suspension_removes_the_offers_at_once_and_the_page_says_so(app):
    organization_id, slug = admitted(app)
    assert offered(app, slug) == 1
    client = signed_in(app, MODERATORS[0])
    page = f"/moderation/organizations/{organization_id}"
    missing = post(client, page, f"{page}/suspend", {"suspend-reason": ""})
    assert missing.status_code == 400 and offered(app, slug) == 1
    response = post(client, page, f"{page}/suspend", {"suspend-reason": "Publicités ajoutées."})
    assert response.status_code == 302
    assert offered(app, slug) == 0
    public = app.test_client()
    found = public.get("/api/v1/search?q=etherpad").get_json()
    assert slug not in {r["organization"]["slug"] for r in found["results"]}
    shown = public.get(f"/hosts/{slug}", headers=EN)
    assert shown.status_code == 200
    html = text_of(shown)
    assert "This host is suspended from Portée" in html and "Publicités ajoutées." in html
    assert "Pad de Chaton du Lac" not in html and 'id="services-heading"' not in html
    with get_database(app).session_scope() as session:
        organization = session.get(Organization, organization_id)
        assert (organization.membership, organization.membership_reason) == (
            "suspended",
            "Publicités ajoutées.",
        )
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "organization_suspended")
        ).all()
        assert event.detail["before"]["membership"] == "member"
        assert event.detail["after"] == {
            "membership": "suspended",
            "reason": "Publicités ajoutées.",
        }

    reinstated = post(client, page, f"{page}/reinstate", {"reinstate-reason": "Corrigé."})
    assert reinstated.status_code == 302
    assert offered(app, slug) == 1
    html = text_of(public.get(f"/hosts/{slug}", headers=EN))
    assert "suspended" not in html and "Pad de Chaton du Lac" in html


def test_a_member_that_left_keeps_a_page_that_says_so(app):
    organization_id, slug = admitted(app)
    client = signed_in(app, MODERATORS[0])
    page = f"/moderation/organizations/{organization_id}"
    response = post(client, page, f"{page}/former", {"former-reason": "L'association a fermé."})
    assert response.status_code == 302
    assert offered(app, slug) == 0
    html = text_of(app.test_client().get(f"/hosts/{slug}", headers=EN))
    assert "This host has left Portée" in html and "L&#39;association a fermé." in html
    # Nothing to suspend any more; the refusal is explained.
    refused = post(client, page, f"{page}/suspend", {"suspend-reason": "x"}, headers=EN)
    assert refused.status_code == 302
    assert "while the organization is Former member" in text_of(client.get(page, headers=EN))


def test_a_moderator_cannot_suspend_their_own_organization(app):
    organization_id, _slug = admitted(app)
    make_account(app, "insider@portee.example", role="moderator", organizations=(organization_id,))
    with get_database(app).session_scope() as session:
        with pytest.raises(moderation.ModerationError) as refused:
            moderation.change_membership(
                session,
                account_of(session, "insider@portee.example"),
                session.get(Organization, organization_id),
                "suspend",
                "Moi-même",
            )
        assert refused.value.code == "own_organization"


# -- the public log ------------------------------------------------------------------------

SECRET_REASON = "Le trésorier nous a signalé une fraude."


@pytest.fixture
def logged(app):
    """Admitted, rejected (named Chaton Secret, with a private reason), suspended, reinstated,
    left: one of each."""
    organization_id, slug = admitted(app)
    secret = candidate(app, "Chaton Secret", "eve@secret.example")
    cast(app, MODERATORS[0], secret, "reject", SECRET_REASON)
    cast(app, MODERATORS[1], secret, "reject", SECRET_REASON)
    with get_database(app).session_scope() as session:
        moderator = account_of(session, MODERATORS[0])
        organization = session.get(Organization, organization_id)
        moderation.change_membership(session, moderator, organization, "suspend", "Publicités.")
        moderation.change_membership(session, moderator, organization, "reinstate", None)
        moderation.change_membership(session, moderator, organization, "former", "Fermeture.")
        session.commit()
    return slug


def assert_nothing_private(text: str) -> None:
    for secret in ("Chaton Secret", SECRET_REASON, "eve@secret.example", APPLICANT, *MODERATORS):
        assert secret not in text


def test_the_public_log_tells_what_it_must_and_nothing_private(app, logged):
    response = app.test_client().get("/moderation/log", headers=EN)
    assert response.status_code == 200
    html = text_of(response)
    assert_nothing_private(html)
    # Each entry leads with the host's name (none for a rejection), then what happened.
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2>(.*?)</h2>", html)]
    assert headings == [
        "Chaton du Lac",
        "Chaton du Lac",
        "Chaton du Lac",
        "An application was not accepted.",
        "Chaton du Lac",
    ]
    kinds = re.findall(r"<strong>([^<]+)</strong> ·", html)
    assert kinds == ["Left the directory", "Reinstated", "Suspended", "Admitted"]
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert "Publicités." in html and "Fermeture." in html
    assert html.count(f'href="/hosts/{logged}"') == 4


def test_the_atom_feed_parses_and_hides_private_details(app, logged):
    response = app.test_client().get("/moderation/log.atom", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert_nothing_private(response.get_data(as_text=True))
    root = ElementTree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    parsed = feedparser.parse(
        io.BytesIO(response.data), response_headers={"content-type": "application/atom+xml"}
    )
    assert not parsed.bozo and parsed.version == "atom10"
    assert len(parsed.entries) == 5
    assert parsed.entries[0].title == "Left the directory: Chaton du Lac left the directory."
    assert parsed.entries[0].link == f"http://127.0.0.1:5000/hosts/{logged}"
    assert "Fermeture." in parsed.entries[0].summary
    assert parsed.entries[3].title.startswith("Application not accepted")
    assert len({entry.id for entry in parsed.entries}) == 5


def test_the_public_log_is_paginated(app):
    with get_database(app).session_scope() as session:
        for number in range(55):
            session.add(
                PublicLogEntry(
                    organization_name=f"Hôte {number}",
                    kind="admitted",
                    created_at=utcnow() + timedelta(seconds=number),
                )
            )
        session.commit()
    client = app.test_client()
    first = text_of(client.get("/moderation/log", headers=EN))
    assert "Hôte 54" in first and "Hôte 4<" not in first and 'rel="next"' in first
    second = text_of(client.get("/moderation/log?page=2", headers=EN))
    assert "Hôte 4<" in second and "Hôte 54" not in second


# -- the review queue, the application page and its checks ---------------------------------


def test_the_queue_lists_open_applications_oldest_first(app):
    older = candidate(app, "Chaton Ancien", "old@ancien.example")
    newer = candidate(app)
    closed = candidate(app, "Chaton Retiré", "gone@retire.example")
    with get_database(app).session_scope() as session:
        session.get(Application, closed).state = "withdrawn"
        session.get(Application, older).submitted_at = utcnow() - timedelta(days=3)
        session.commit()
    staff(app, 1)
    html = text_of(signed_in(app, MODERATORS[0]).get("/moderation/", headers=EN))
    assert html.index("Chaton Ancien") < html.index("Chaton du Lac")
    assert "Chaton Retiré" not in html
    assert f"/moderation/applications/{newer}" in html
    assert "Domain not proved" in html and "1 service" in html
    assert "Website not checked yet" in html


def test_the_application_page_shows_identity_commitments_and_motivation(app):
    application_id = candidate(app)
    staff(app, 1)
    html = text_of(
        signed_in(app, MODERATORS[0]).get(f"/moderation/applications/{application_id}", headers=EN)
    )
    assert "https://chaton-du-lac.invalid/" in html
    assert "Committed: Only free software" in html
    assert "Nous hébergeons déjà trois associations." in html
    assert "chaton-du-lac.invalid is not proved." in html
    assert 'name="vote"' in html and 'value="abstain"' in html


ORGANIZATION_FILE = """file.class = organization
file.protocol = ChatonsInfos-0.5
organization.name = Chaton du Lac
organization.description = Des services libres pour les gens du lac.
organization.website = https://chaton-du-lac.invalid/
organization.country.code = FR
subs.pad = {pad}
subs.frob = {frob}
"""
PAD = """file.class = service
service.name = Pad du Lac
service.registration = Free
software.name = Etherpad
"""
FROB = """file.class = service
service.name = Frob du Lac
service.registration = Free
software.name = Frobnicator
"""


def local(url: str) -> str:
    return url.replace("//localhost:", "//127.0.0.1:")


def serve(httpserver) -> str:
    for path, body in (("/pad.properties", PAD), ("/frob.properties", FROB)):
        httpserver.expect_request(path).respond_with_data(body, content_type="text/plain")
    text = ORGANIZATION_FILE.format(
        pad=local(httpserver.url_for("/pad.properties")),
        frob=local(httpserver.url_for("/frob.properties")),
    )
    httpserver.expect_request("/org.properties").respond_with_data(text, content_type="text/plain")
    return local(httpserver.url_for("/org.properties"))


def test_running_the_checks_reads_the_files_proves_the_domain_and_opens_the_website(
    app, httpserver
):
    url = serve(httpserver)
    account_id = make_account(app, APPLICANT)
    with get_database(app).session_scope() as session:
        application = membership.submit_application(
            session,
            session.get(Account, account_id),
            {"name": "Chaton du Lac", "website": "https://chaton-du-lac.invalid/"},
            COMMITMENTS,
            metadata_url=url,
            policy=AddressPolicy(allow_private=True),
        )
        session.commit()
        application_id, organization_id = application.id, application.organization_id
        token = ownership_token(session, organization_id)
    app.extensions["portee.txt_resolver"] = lambda name: [token]
    staff(app, 1)
    client = signed_in(app, MODERATORS[0])
    page = f"/moderation/applications/{application_id}"
    assert post(client, page, f"{page}/checks", {}).status_code == 302
    with get_database(app).session_scope() as session:
        checks = session.get(Application, application_id).checks
        source = session.exec(select(Source).where(Source.url == url)).one()
        assert source.last_success_at is not None
    assert checks["domain"] == {
        "domain": "chaton-du-lac.invalid",
        "proved": True,
        "method": "dns",
        "error": None,
    }
    assert checks["services"]["count"] == 2
    assert [s["slug"] for s in checks["services"]["software"]] == ["etherpad"]
    assert checks["services"]["unknown"] == ["Frobnicator"]
    assert checks["website"]["status"] is None and checks["website"]["error"]["code"]
    [main] = [s for s in checks["sources"] if s["url"] == url]
    assert main["valid"] and main["read"]
    html = text_of(client.get(page, headers=EN))
    assert "chaton-du-lac.invalid is proved (DNS record)." in html
    assert "Software not in the catalogue:</strong> Frobnicator" in html
    assert "Unreachable:" in html and "Last run:" in html
    queue = text_of(client.get("/moderation/", headers=EN))
    assert "Domain proved" in queue and "Metadata file valid" in queue
    assert "1 unknown software" in queue and "Website unreachable" in queue


def ownership_token(session, organization_id) -> str:
    from directory.models import DomainClaim

    return (
        session.exec(select(DomainClaim).where(DomainClaim.organization_id == organization_id))
        .one()
        .token
    )


def test_the_website_check_gives_the_status(app, httpserver):
    httpserver.expect_request("/").respond_with_data("<h1>Bonjour</h1>", content_type="text/html")
    application_id = candidate(app, website=local(httpserver.url_for("/")))
    staff(app, 1)
    client = signed_in(app, MODERATORS[0])
    page = f"/moderation/applications/{application_id}"
    post(client, page, f"{page}/checks", {})
    assert "Answers with HTTP status 200." in text_of(client.get(page, headers=EN))


def test_a_file_with_errors_is_shown_in_the_moderators_words(app):
    application_id = candidate(app)
    with get_database(app).session_scope() as session:
        organization_id = session.get(Application, application_id).organization_id
        session.add(
            Source(
                url="https://chaton-du-lac.invalid/org.properties",
                kind="organization",
                organization_id=organization_id,
                last_attempt_at=utcnow(),
                consecutive_failures=2,
                errors=[
                    {"code": "http_status", "line": None, "key": None, "params": {"status": 404}}
                ],
            )
        )
        session.commit()
    staff(app, 1)
    client = signed_in(app, MODERATORS[0])
    html = text_of(client.get(f"/moderation/applications/{application_id}", headers=EN))
    assert "errors:" in html and "404" in html
    sources = text_of(client.get("/moderation/sources", headers=EN))
    assert "https://chaton-du-lac.invalid/org.properties" in sources and "404" in sources
    assert f"/moderation/organizations/{organization_id}" in sources


def test_stale_sources_are_listed_for_the_moderators(demo_app):
    file_url = "https://chatonlibre.example/.well-known/chatonsinfos/organization.properties"
    with get_database(demo_app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == file_url)).one()
        organization = session.get(Organization, source.organization_id)
        organization.confirmed_at = utcnow() - timedelta(days=45)  # last confirmed then
        session.commit()
    make_account(demo_app, MODERATORS[0], role="moderator")
    html = text_of(signed_in(demo_app, MODERATORS[0]).get("/moderation/sources", headers=EN))
    assert file_url in html and "Not confirmed since" in html
    # its organization file, not its service files; and the demo's one failing file
    assert html.count("<dd>https://chatonlibre.example/") == 1
    assert "https://terril.example/.well-known/chatonsinfos/wiki.properties" in html
    assert html.count('class="source"') == 2


def answered_gone(app, url: str, times: int) -> None:
    """The importer's record of `times` reads of `url` answered 410 Gone, the last ones."""
    with get_database(app).session_scope() as session:
        source = session.exec(select(Source).where(Source.url == url)).one()
        for _ in range(times):
            run = ImportRun(trigger="test", finished_at=utcnow(), failed=1)
            session.add(run)
            session.flush()
            session.add(
                ImportResult(
                    run_id=run.id, source_id=source.id, url=url, outcome="failed", http_status=410
                )
            )
        source.last_status = 410
        source.consecutive_failures += times
        session.commit()


def test_a_file_gone_three_times_is_flagged_first(demo_app):
    gone = "https://terril.example/.well-known/chatonsinfos/wiki.properties"
    make_account(demo_app, MODERATORS[0], role="moderator")
    client = signed_in(demo_app, MODERATORS[0])
    answered_gone(demo_app, gone, 2)
    assert "Gone:" not in text_of(client.get("/moderation/sources", headers=EN))
    answered_gone(demo_app, gone, 1)
    with get_database(demo_app).session_scope() as session:  # another failing file, listed after
        other = session.exec(select(Source).where(Source.kind == "service")).first()
        other.consecutive_failures, other.last_status = 1, 503
        session.commit()
    html = text_of(client.get("/moderation/sources", headers=EN))
    assert "the server answered 410 Gone to the last 3 reads" in html
    assert html.count("Gone:") == 1
    assert html.index("Gone:") < html.index(other.url) and html.index(gone) < html.index(other.url)


# -- the audit trail -----------------------------------------------------------------------


def test_the_audit_trail_lists_every_action_with_before_and_after(app):
    organization_id, _slug = admitted(app)
    other = candidate(app, "Chaton Gris", "bob@gris.example")
    client = signed_in(app, MODERATORS[0])
    html = text_of(client.get("/moderation/audit", headers=EN))
    assert "Application approved" in html and "Vote" in html and "Chaton Gris" in html
    assert "Before: state: submitted, membership: candidate" in html
    assert "After: state: approved, membership: member" in html
    assert MODERATORS[1] in html  # who: moderators see each other's actions
    filtered = text_of(client.get(f"/moderation/audit?organization={organization_id}", headers=EN))
    assert "Application approved" in filtered and "Chaton Gris</a>" not in filtered
    assert "Chaton Gris</a>" in html and other


# -- the team ------------------------------------------------------------------------------


def test_admins_grant_and_revoke_moderator_rights(app):
    make_account(app, ADMIN, role="admin")
    make_account(app, "carol@example.org")
    make_account(app, "unverified@example.org", verified=False)
    client = signed_in(app, ADMIN)
    page = "/moderation/team"
    granted = post(client, page, f"{page}/grant", {"email": "Carol@Example.org"})
    assert granted.status_code == 302
    for email in ("unverified@example.org", "nobody@example.org", "carol@example.org"):
        refused = post(client, page, f"{page}/grant", {"email": email}, headers=EN)
        assert refused.status_code == 400
    with get_database(app).session_scope() as session:
        carol = account_of(session, "carol@example.org")
        admin = account_of(session, ADMIN)
        assert carol.role == "moderator"
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "role_granted")).all()
        assert event.detail["before"] == {"role": "host"}
        assert event.detail["after"] == {"role": "moderator"}
    assert "carol@example.org" in text_of(client.get(page))
    assert signed_in(app, "carol@example.org").get("/moderation/").status_code == 200

    revoked = post(client, page, f"{page}/{carol.id}/revoke", {})
    assert revoked.status_code == 302
    last = post(client, page, f"{page}/{admin.id}/revoke", {}, headers=EN)
    assert last.status_code == 302
    assert "The last administrator" in text_of(client.get(page, headers=EN))
    with get_database(app).session_scope() as session:
        assert account_of(session, "carol@example.org").role == "host"
        assert account_of(session, ADMIN).role == "admin"


def test_the_moderation_link_is_shown_to_moderators_only(app):
    make_account(app, APPLICANT)
    staff(app, 1)
    assert 'href="/moderation/"' not in text_of(signed_in(app, APPLICANT).get("/"))
    assert 'href="/moderation/"' in text_of(signed_in(app, MODERATORS[0]).get("/"))


# -- flask accounts create-admin -----------------------------------------------------------


def test_create_admin_makes_a_confirmed_admin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["accounts", "create-admin", "root@portee.example"],
        input="too short\ntoo short\na long enough secret\na long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "12 to 128 characters" in result.output
    assert "Created root@portee.example" in result.output
    with get_database(app).session_scope() as session:
        account = account_of(session, "root@portee.example")
        assert account.role == "admin" and account.email_verified_at is not None
        assert check_password(session, account, "a long enough secret")
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "role_granted")).all()
        assert event.actor_id is None and event.detail["after"] == {"role": "admin"}


def test_create_admin_promotes_an_existing_account(app):
    make_account(app, "carol@example.org")
    result = app.test_cli_runner().invoke(args=["accounts", "create-admin", "carol@example.org"])
    assert result.exit_code == 0, result.output
    assert "Promoted carol@example.org" in result.output
    with get_database(app).session_scope() as session:
        account = account_of(session, "carol@example.org")
        assert account.role == "admin"
        assert check_password(session, account, "correct horse battery")


def test_create_admin_wants_an_address(app):
    result = app.test_cli_runner().invoke(args=["accounts", "create-admin", "root"])
    assert result.exit_code != 0 and "not an e-mail address" in result.output
