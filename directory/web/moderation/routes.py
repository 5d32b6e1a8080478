"""Views of the moderation blueprint.

Moderators (and admins) review applications, vote, ask questions, run the automatic checks,
suspend and reinstate members, read the audit trail and the failing sources; admins alone
manage the team. The public log and its Atom feed are public. Every rule lives in
the directory/moderation package; a view parses, calls one domain function, commits and says so.
"""

from __future__ import annotations

from datetime import datetime
from math import ceil

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from directory import membership, moderation, ownership, public
from directory.db import get_database, get_session
from directory.models import Account, Application, Organization
from directory.outbound.fetch import Fetcher
from directory.probes import drift as probe_drift
from directory.probes import report
from directory.timeutil import utcnow
from directory.web.apply.forms import COMMITMENT, MESSAGE_KIND, STATE, ownership_text
from directory.web.auth import admin_required, current_account, moderator_required
from directory.web.extensions import limiter
from directory.web.moderation import atom, bp, forms, mails

PER_PAGE = 50
REASON_ERRORS = ("reason_missing", "reason_unproved", "too_long")  # shown beside the reason
RESOLVER_KEY = "portee.txt_resolver"  # tests put a DNS resolver here (as for the apply pages)
DONE = {
    "suspend": _l("The organization is suspended: it left the search results."),
    "reinstate": _l("The organization is a member again: its services are offered."),
    "former": _l("The organization is recorded as having left."),
}


@bp.context_processor
def _helpers():
    return {
        "ownership_text": ownership_text,
        "votes": forms.VOTE,
        "log_kinds": forms.LOG_KIND,
        "log_lines": forms.LOG_LINE,
        "memberships": forms.MEMBERSHIP,
        "states": forms.MODERATOR_STATE,
        "voted": forms.VOTED,
        "voted_by_you": forms.VOTED_BY_YOU,
        "votes_labels": forms.VOTE,
    }


# -- the review queue and one application --------------------------------------------------


@bp.get("/")
@moderator_required
def queue():
    session = get_session()
    items = [
        (application, organization, _checks(application, organization))
        for application, organization in moderation.open_applications(session)
    ]
    votes = moderation.queue_votes(session, current_account(), [a for a, _o, _c in items])
    return render_template("moderation/queue.html", items=items, votes=votes)


@bp.get("/applications/<int:application_id>")
@moderator_required
def application(application_id: int):
    return _application_page(_application(application_id))


@bp.post("/applications/<int:application_id>/checks")
@moderator_required
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def run_checks(application_id: int):
    application = _application(application_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    resolver = current_app.extensions.get(RESOLVER_KEY, ownership.dns_txt_resolver)
    with Fetcher.from_config(current_app.config) as fetcher:
        moderation.run_checks(
            session, get_database(), application, fetcher, resolver, actor=current_account()
        )
    session.commit()
    flash(_("The automatic checks ran: their results are below."))
    return redirect(url_for(".application", application_id=application_id, _anchor="checks"))


@bp.post("/applications/<int:application_id>/question")
@moderator_required
def question(application_id: int):
    application = _application(application_id)
    form = forms.QuestionForm()
    if not form.validate_on_submit():  # the vote's draft came along: the page shows it again
        return _application_page(application, 400, question_form=form, vote_form=forms.VoteForm())
    session = get_session()
    try:
        membership.ask_question(session, current_account(), application, form.body.data)
    except membership.MembershipError as error:
        session.rollback()
        flash(forms.error_text(error), "error")
        return redirect(url_for(".application", application_id=application_id))
    session.commit()
    cookie.pop(_question_key(application.id), None)
    _keep_draft(application.id, forms.VoteForm())
    mails.question_asked(application, form.body.data.strip())
    flash(_("Your question was sent to the applicant."))
    return redirect(url_for(".application", application_id=application_id))


@bp.post("/applications/<int:application_id>/vote")
@moderator_required
def vote(application_id: int):
    application = _application(application_id)
    form = forms.VoteForm()
    question = forms.QuestionForm()  # a question typed but not asked stays on the page
    if not form.validate_on_submit():
        return _application_page(application, 400, vote_form=form, question_form=question)
    session = get_session()
    rules = moderation.Rules.from_config(current_app.config)
    try:
        outcome = moderation.vote(
            session, current_account(), application, form.vote.data, form.reason.data, rules
        )
    except moderation.ModerationError as error:
        session.rollback()
        errors = form.reason.errors if error.code in REASON_ERRORS else form.form_errors
        errors.append(forms.error_text(error))
        return _application_page(application, 400, vote_form=form, question_form=question)
    session.commit()
    cookie.pop(_draft_key(application_id), None)
    _keep_unsent_question(application_id, question)
    if outcome.result is None:
        flash(_("Your vote is recorded; the application waits for other moderators."))
        return redirect(url_for(".application", application_id=application_id))
    mails.decided(application, outcome.result)
    flash(_("Your vote decided: the application is %(state)s.", state=STATE[application.state]))
    return redirect(url_for(".queue"))


# -- organizations: suspend, reinstate, record a departure ---------------------------------


@bp.get("/organizations/")
@moderator_required
def organizations():
    return render_template(
        "moderation/organizations.html",
        organizations=moderation.listed_organizations(get_session()),
    )


@bp.get("/organizations/<int:org_id>")
@moderator_required
def organization(org_id: int):
    return _organization_page(_organization(org_id))


@bp.post("/organizations/<int:org_id>/<any(suspend, reinstate, former):action>")
@moderator_required
def change_membership(org_id: int, action: str):
    organization = _organization(org_id)
    form = _membership_form(action)
    if not form.validate_on_submit():
        return _organization_page(organization, 400, **{action: form})
    session = get_session()
    try:
        moderation.change_membership(
            session, current_account(), organization, action, form.reason.data
        )
    except moderation.ModerationError as error:
        session.rollback()
        flash(forms.error_text(error), "error")
        return redirect(url_for(".organization", org_id=org_id))
    session.commit()
    flash(str(DONE[action]))
    return redirect(url_for(".organization", org_id=org_id))


@bp.post("/organizations/<int:org_id>/confirm")
@moderator_required
def confirm_listing(org_id: int):
    """A moderator checked the listing: it is confirmed as of now (staleness counts again)."""
    organization = _organization(org_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        moderation.confirm_listing(session, current_account(), organization)
    except moderation.ModerationError as error:
        session.rollback()
        flash(forms.error_text(error), "error")
    else:
        session.commit()
        flash(_("The listing is confirmed as of today."))
    return redirect(url_for(".organization", org_id=org_id))


# -- the public log and the private audit trail --------------------------------------------


@bp.get("/log")
def log():
    page = _page()
    entries, total = moderation.public_log(get_session(), page, moderation.LOG_PAGE_SIZE)
    return render_template(
        "moderation/log.html",
        entries=entries,
        slugs=public.page_slugs(get_session(), [e.organization_id for e in entries]),
        page=page,
        pages=max(1, ceil(total / moderation.LOG_PAGE_SIZE)),
    )


@bp.get("/log.atom")
def log_atom():
    entries, _total = moderation.public_log(get_session(), 1, PER_PAGE)
    slugs = public.page_slugs(get_session(), [e.organization_id for e in entries])
    body = atom.feed(entries, slugs, current_app.config["PORTEE_BASE_URL"].rstrip("/"))
    return Response(body, mimetype="application/atom+xml")


@bp.get("/audit")
@moderator_required
def audit():
    session = get_session()
    organization_id = request.args.get("organization", type=int)
    page = _page()
    rows, total = moderation.audit_trail(session, organization_id, page, PER_PAGE)
    return render_template(
        "moderation/audit.html",
        rows=rows,
        actions=forms.ACTION,
        organizations=moderation.listed_organizations(session, moderation.ALL_MEMBERSHIPS),
        selected=organization_id,
        page=page,
        pages=max(1, ceil(total / PER_PAGE)),
    )


@bp.get("/sources")
@moderator_required
def sources():
    stale_after = current_app.config["PORTEE_STALE_AFTER_DAYS"]
    items = moderation.troubled_sources(get_session(), utcnow(), stale_after)
    return render_template(
        "moderation/sources.html",
        items=items,
        stale_after=stale_after,
        gone_after=moderation.GONE_AFTER,
    )


# -- the team (admins) ---------------------------------------------------------------------


@bp.get("/team")
@admin_required
def team():
    return _team_page()


@bp.post("/team/grant")
@admin_required
def grant():
    form = forms.GrantForm()
    if not form.validate_on_submit():
        return _team_page(400, form)
    session = get_session()
    try:
        account = moderation.grant_moderator(session, current_account(), form.email.data)
    except moderation.ModerationError as error:
        session.rollback()
        form.email.errors.append(forms.error_text(error))
        return _team_page(400, form)
    session.commit()
    flash(_("%(email)s is now a moderator.", email=account.email))
    return redirect(url_for(".team"))


@bp.post("/team/<int:account_id>/revoke")
@admin_required
def revoke(account_id: int):
    session = get_session()
    account = session.get(Account, account_id) or abort(404)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        moderation.revoke_moderator(session, current_account(), account)
    except moderation.ModerationError as error:
        session.rollback()
        flash(forms.error_text(error), "error")
        return redirect(url_for(".team"))
    session.commit()
    flash(_("%(email)s is no longer a moderator.", email=account.email))
    return redirect(url_for(".team"))


# -- drift: what the probes and the monthly proof checks found ------------------------------


@bp.get("/drift")
@moderator_required
def drift():
    found = probe_drift.drift(get_session(), utcnow())
    return render_template("moderation/drift.html", drift=found)


# -- helpers -------------------------------------------------------------------------------


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _application(application_id: int) -> Application:
    return get_session().get(Application, application_id) or abort(404)


def _organization(org_id: int) -> Organization:
    return get_session().get(Organization, org_id) or abort(404)


def _checks(application: Application, organization: Organization) -> dict:
    """The checks as the database knows them now, with the last website check."""
    live = moderation.summarize_checks(
        get_session(), organization, (application.checks or {}).get("website")
    )
    checked_at = (application.checks or {}).get("checked_at")
    live["checked_at"] = datetime.fromisoformat(checked_at) if checked_at else None
    return live


def _draft_key(application_id: int) -> str:
    return f"vote-draft-{application_id}"


def _keep_draft(application_id: int, form) -> None:
    """The vote and reason typed beside a question (one form, two buttons) wait in the session
    until the vote is sent: asking a question loses nothing."""
    draft = {"vote": form.vote.data, "reason": (form.reason.data or "")[: moderation.MAX_REASON]}
    if draft["vote"] or draft["reason"].strip():
        cookie[_draft_key(application_id)] = draft
    else:
        cookie.pop(_draft_key(application_id), None)


def _question_key(application_id: int) -> str:
    return f"question-draft-{application_id}"


def _keep_unsent_question(application_id: int, question) -> None:
    """A question typed, then "Vote" pressed instead of "Ask": the vote counts, the question
    is not sent; the next page shows it in its box once and quotes it (the vote may have
    closed the application)."""
    typed = (question.body.data or "").strip()[: forms.MAX_MESSAGE]
    if typed:
        cookie[_question_key(application_id)] = typed
        flash(_("Your question was not sent (you pressed “Vote”): “%(text)s”", text=typed))


def _application_page(application, status=200, vote_form=None, question_form=None):
    session = get_session()
    organization = session.get(Organization, application.organization_id)
    decisions = moderation.decisions_of(session, application)
    rules = moderation.Rules.from_config(current_app.config)
    services = report.services_of(session, organization.id)
    return render_template(
        "moderation/application.html",
        services=services,
        health=report.health(session, [service.id for service in services]),
        application=application,
        organization=organization,
        commitments=[(key, COMMITMENT[key]) for key in membership.COMMITMENTS],
        messages=membership.conversation(session, application),
        authors=moderation.message_authors(session, application),
        kinds=MESSAGE_KIND,
        checks=_checks(application, organization),
        decisions=[(d, d.moderator_id and session.get(Account, d.moderator_id)) for d in decisions],
        tally=moderation.tally(decisions),
        rules=rules,
        share=format_percent(rules.majority),
        refusal=moderation.may_vote(session, current_account(), application),
        refusals=forms.ERROR,
        vote_form=vote_form
        or forms.VoteForm(formdata=None, data=cookie.get(_draft_key(application.id))),
        question_form=question_form
        or forms.QuestionForm(formdata=None, body=cookie.pop(_question_key(application.id), None)),
        check_form=forms.ActionForm(formdata=None),
    ), status


def _membership_form(action: str, blank: bool = False):
    """The form of one action (prefixed: the page shows the three of them)."""
    form_class = forms.SuspendForm if action == "suspend" else forms.ReasonForm
    return form_class(prefix=action, **({"formdata": None} if blank else {}))


def _organization_page(organization, status=200, **given):
    session = get_session()
    allowed = [
        action
        for action, (sources, _target, _kind) in moderation.MEMBERSHIP_ACTIONS.items()
        if organization.membership in sources
    ]
    return render_template(
        "moderation/organization.html",
        organization=organization,
        forms={a: given.get(a) or _membership_form(a, blank=True) for a in allowed},
        conflicted=moderation.is_conflicted(session, current_account(), organization.id),
        history=moderation.log_of(session, organization.id),
        confirm_form=forms.ActionForm(formdata=None),
    ), status


def _team_page(status=200, form=None):
    return render_template(
        "moderation/team.html",
        members=moderation.team(get_session()),
        form=form or forms.GrantForm(formdata=None),
        revoke_form=forms.ActionForm(formdata=None),
    ), status
