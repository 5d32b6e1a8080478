"""Views of the apply blueprint: apply for membership, follow the application, prove the domain.

Who may do what comes from permissions.py through auth.organization_for: the organization's
editors and the moderators see an application (anyone else gets 404); only its editors answer
or withdraw (moderators get 403); editors and moderators may check the domain ("refresh").
"""

from __future__ import annotations

import logging
import smtplib

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from directory import membership, moderation, ownership, permissions
from directory.db import get_session
from directory.mail import send_mail
from directory.models import Application
from directory.outbound.fetch import Fetcher
from directory.web.addresses import address_policy
from directory.web.apply import bp
from directory.web.apply.forms import (
    COMMITMENT,
    MESSAGE_KIND,
    NEXT_STEP,
    STATE,
    AnswerForm,
    AppealForm,
    ApplicationForm,
    VerifyDomainForm,
    WithdrawForm,
    membership_error,
    ownership_text,
)
from directory.web.auth import current_account, organization_for
from directory.web.extensions import limiter
from directory.web.moderation import mails as moderation_mails

log = logging.getLogger(__name__)
RESOLVER_KEY = "portee.txt_resolver"


@bp.get("/")
def start():
    account = current_account()
    applications = membership.applications_of(get_session(), account) if account else []
    return render_template(
        "apply/start.html",
        commitments=[COMMITMENT[key] for key in membership.COMMITMENTS],
        may_apply=membership.may_apply(account),
        applications=applications,
        states=STATE,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def new():
    account = current_account()
    if not membership.may_apply(account):
        flash(_("Please confirm your e-mail address first: follow the link we sent you."))
        return redirect(url_for("apply.start"))
    form = ApplicationForm()
    if not form.validate_on_submit():
        return render_template("apply/new.html", form=form), 400 if form.is_submitted() else 200
    session = get_session()
    try:
        application = membership.submit_application(
            session, account, form.identity(), form.commitments(),
            form.motivation.data, form.metadata_url.data or None, policy=address_policy(),
        )  # fmt: skip
    except membership.MembershipError as error:
        session.rollback()
        target = form.metadata_url.errors if error.code.startswith("source_") else form.form_errors
        target.append(membership_error(error))
        return render_template("apply/new.html", form=form), 400
    session.commit()
    _mail_submitted(account, application, form.name.data)
    flash(_("Thank you! We received your application and e-mailed you what happens next."))
    return redirect(url_for("apply.show", application_id=application.id))


@bp.get("/<int:application_id>")
@login_required
def show(application_id: int):
    application, organization = _application(application_id, "see")
    return _render_page(application, organization)


@bp.post("/<int:application_id>/answer")
@login_required
def answer(application_id: int):
    application, organization = _application(application_id, "edit")
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_page(application, organization, answer_form=form), 400
    return _act(
        lambda session: membership.answer(session, current_account(), application, form.body.data),
        application,
        _("Your answer was sent to the moderators."),
        then=lambda: moderation_mails.applicant_replied(application, "answer"),
    )


@bp.post("/<int:application_id>/appeal")
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def appeal(application_id: int):
    application, organization = _application(application_id, "edit")
    form = AppealForm()
    if not form.validate_on_submit():
        return _render_page(application, organization, appeal_form=form), 400
    return _act(
        lambda session: membership.appeal(
            session, current_account(), application, form.reason.data
        ),
        application,
        _("Your appeal was sent: the moderators will vote again."),
        then=lambda: moderation_mails.applicant_replied(application, "appeal"),
    )


@bp.post("/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    application, organization = _application(application_id, "edit")
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _render_page(application, organization, withdraw_form=form), 400
    return _act(
        lambda session: membership.withdraw(session, current_account(), application),
        application,
        _("Your application was withdrawn."),
    )


@bp.post("/<int:application_id>/verify-domain")
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def verify_domain(application_id: int):
    application, organization = _application(application_id, "refresh")
    if not VerifyDomainForm().validate_on_submit():
        abort(400)
    session = get_session()
    resolver = current_app.extensions.get(RESOLVER_KEY, ownership.dns_txt_resolver)
    try:
        with Fetcher.from_config(current_app.config) as fetcher:
            claim = ownership.check_organization_domain(
                session, organization, fetcher, resolver, actor=current_account()
            )
    except ownership.OwnershipError as error:
        flash(ownership_text({"code": error.code, "params": error.params}), "error")
        return redirect(url_for("apply.show", application_id=application.id))
    session.commit()
    if claim.last_error:
        flash(_("We could not find the token yet: see the result below."), "error")
    else:
        flash(_("Your domain %(domain)s is proved.", domain=claim.domain))
    return redirect(url_for("apply.show", application_id=application.id, _anchor="domain"))


# -- helpers -------------------------------------------------------------------------------


def _application(application_id: int, action: str):
    """The application and its organization if the signed-in account may `action` it
    (404 if it may not even see it, 403 if it may see but not act)."""
    application = get_session().get(Application, application_id)
    if application is None:
        abort(404)
    return application, organization_for(application.organization_id, action)


def _act(change, application: Application, done: str, then=None):
    """Apply one domain change, commit and say so (then, e.g., e-mail the moderators); a
    refusal is flashed, nothing changes."""
    session = get_session()
    try:
        change(session)
    except membership.MembershipError as error:
        session.rollback()
        flash(membership_error(error), "error")
    else:
        session.commit()
        if then is not None:
            then()
        flash(done)
    return redirect(url_for("apply.show", application_id=application.id))


def _render_page(application, organization, answer_form=None, withdraw_form=None, appeal_form=None):
    session = get_session()
    account = current_account()
    claim = ownership.current_claim(session, organization)
    return render_template(
        "apply/show.html",
        application=application,
        organization=organization,
        state=STATE.get(application.state, application.state),
        next_step=NEXT_STEP.get(application.state, ""),
        messages=membership.conversation(session, application),
        kinds=MESSAGE_KIND,
        can_edit=permissions.can(session, account, "edit", organization),
        can_check=permissions.can(session, account, "refresh", organization),
        events=membership.allowed_events(application),
        answer_form=answer_form or AnswerForm(formdata=None),
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        reasons=moderation.rejection_reasons(session, application),
        may_appeal=membership.may_appeal(application),
        appeal_form=appeal_form or AppealForm(formdata=None),
        verify_form=VerifyDomainForm(formdata=None),
        claim=claim,
        domain=ownership.domain_of(organization.website),
        well_known=ownership.WELL_KNOWN_PATH,
        dns_name=ownership.dns_name,
        claim_error=ownership_text(claim.last_error) if claim else "",
        dns_error=ownership_text(claim.last_error.get("dns")) if claim and claim.last_error else "",
    )


def _mail_submitted(account, application: Application, name: str) -> None:
    """Tell the applicant we have their application and what comes next (a failed mail is
    logged; the application is saved all the same)."""
    link = current_app.config["PORTEE_BASE_URL"].rstrip("/") + url_for(
        "apply.show", application_id=application.id
    )
    body = render_template("apply/mail/submitted.txt", name=name, link=link)
    try:
        send_mail(account.email, _("Portée: we received your application"), body)
    except (OSError, smtplib.SMTPException):
        log.exception("could not e-mail %s about application %s", account.email, application.id)
