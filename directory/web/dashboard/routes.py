"""Views of the dashboard blueprint: a host edits its organizations, services, sources and
co-editors. Every route signs in first, then asks auth.organization_for (404 for what the
account may not see, 403 for what it may see but not change)."""

from __future__ import annotations

import smtplib

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import fresh_login_required, login_required

from directory import editing, permissions, public, sources, undo
from directory.accounts import audit
from directory.db import get_database, get_session
from directory.feeds import runner
from directory.mail import send_mail
from directory.models import Organization
from directory.outbound.fetch import Fetcher
from directory.probes import report
from directory.web import issue_text
from directory.web.addresses import address_policy
from directory.web.auth import current_account, organization_for
from directory.web.dashboard import bp, forms
from directory.web.extensions import limiter

# Why the rules refused a change (editing.EditError and sources.SourceError codes).
REFUSALS = {
    "locked_file": _l("This value comes from your file: edit it there."),
    "locked_moderator": _l("A moderator set this value; write to the moderators to change it."),
    "required": _l("This field is required."),
    "bad_value": _l("This value is not one Portée knows."),
    "unknown_field": _l("This field cannot be changed here."),
    "unknown_software": _l("This software is not in the catalogue."),
    "unknown_category": _l("This task is not in the catalogue."),
    "software_required": _l("Choose a software, or name it if it is not in the list."),
    "listed_elsewhere": _l(
        "This file is listed by your federation or by your organization file: change it there."
    ),
    "already_editor": _l("This person already edits this organization."),
    "last_owner": _l("An organization keeps at least one owner."),
    "unknown_kind": _l("Choose a kind of file."),
    "one_organization_file": _l(
        "This organization already has a ChatonsInfos file; an organization has only one."
    ),
    "already_used": _l("This address is already used by another source."),
}
# The apply blueprint's page of one application (its name settled there).
APPLICATION_PAGES = ("apply.view", "apply.show")
INVITATION_REFUSALS = {
    "unknown_invitation": (_l("This invitation does not exist."), 404),
    "used_invitation": (_l("This invitation has already been used."), 410),
    "expired_invitation": (_l("This invitation has expired; ask for a new one."), 410),
    "wrong_account": (
        _l("This invitation was sent to another address: sign in with that account."),
        403,
    ),
}


def refusal(error) -> str:
    code = error.code
    if code == "address_refused":
        return issue_text.describe(error.issue)
    if code == "locked":
        code = f"locked_{error.origin}"
    return str(REFUSALS.get(code, code))


@bp.context_processor
def _helpers():
    return {"source_kinds": forms.SOURCE_KINDS}


def _render(template: str, organization, status: int = 200, **context):
    account = current_account()
    session = get_session()
    rights = {
        action: permissions.can(session, account, action, organization)
        for action in ("edit", "refresh", "confirm", "manage_editors")
    }
    return render_template(template, organization=organization, can=rights, **context), status


# -- home ------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    account = current_account()
    return render_template(
        "dashboard/index.html",
        entries=editing.dashboard_entries(get_session(), account),
        application_page=next(
            (name for name in APPLICATION_PAGES if name in current_app.view_functions), None
        ),
    )


# -- profile ---------------------------------------------------------------------------------


@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
@login_required
def organization(org_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    locked = editing.locked_fields(session, organization)
    form = forms.ProfileForm(obj=organization)
    form.drop_locked(locked, request.form)
    saved = _save(
        form,
        editing.PROFILE_FIELDS,
        lambda values: editing.update_profile(session, current_account(), organization, values),
    )
    if saved:
        return redirect(url_for(".organization", org_id=org_id))
    status = 400 if form.is_submitted() else 200
    return _render("dashboard/organization.html", organization, status, form=form, locked=locked)


@bp.post("/organizations/<int:org_id>/confirm")
@login_required
def confirm_listing(org_id: int):
    """ "My listing is still right": staleness counts again from now."""
    organization = organization_for(org_id, "confirm")
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    editing.confirm_listing(session, current_account(), organization)
    session.commit()
    flash(_("Thank you: your listing is confirmed as of today."))
    return redirect(_back_to(org_id))


def _back_to(org_id: int) -> str:
    """The dashboard page the form was sent from (profile or files), else the profile."""
    if request.form.get("next") == "sources":
        return url_for(".sources_page", org_id=org_id)
    return url_for(".organization", org_id=org_id)


def _save(form, fields, update) -> bool:
    """Validate `form`, apply its `fields` with `update(values)`, commit and flash; False when
    the form comes back (invalid, or a field the host may not change: shown beside it)."""
    if not form.validate_on_submit():
        return False
    session = get_session()
    try:
        changed = update(form.values(fields))
    except editing.EditError as error:
        session.rollback()
        form.refuse(error.field, refusal(error))
        return False
    session.commit()
    flash(_("Saved.") if changed else _("Nothing changed."))
    return True


# -- services --------------------------------------------------------------------------------


def _service_for(organization, service_id: int):
    return editing.service_of(get_session(), organization, service_id) or abort(404)


def _service_form(obj=None) -> forms.ServiceForm:
    session = get_session()
    form = forms.ServiceForm(
        obj=obj, software=public.software_list(session), categories=public.categories(session)
    )
    if obj is not None and not form.is_submitted():
        form.categories.data = [c.slug for c in obj.categories]
    return form


@bp.get("/organizations/<int:org_id>/services")
@login_required
def services(org_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    items = editing.services_of(session, organization)
    return _render(
        "dashboard/services.html",
        organization,
        services=items,
        locks=editing.service_locks(session, items),
        health=report.health(session, [s.id for s in items if s.retired_at is None]),
        undoable=undo.retired_services(session, organization),
    )


@bp.route("/organizations/<int:org_id>/services/new", methods=["GET", "POST"])
@login_required
def new_service(org_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    form = _service_form()
    form.drop_locked({}, request.form)
    if form.validate_on_submit():
        values = form.values(editing.SERVICE_FIELDS)
        try:
            service = editing.create_service(session, current_account(), organization, values)
        except editing.EditError as error:
            session.rollback()
            form.refuse(error.field, refusal(error))
        else:
            session.commit()
            flash(_("The service %(name)s was added.", name=service.name))
            return redirect(url_for(".services", org_id=org_id))
    status = 400 if form.is_submitted() else 200
    return _render("dashboard/service_form.html", organization, status, form=form, service=None)


@bp.route("/organizations/<int:org_id>/services/<int:service_id>", methods=["GET", "POST"])
@login_required
def service(org_id: int, service_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    item = _service_for(organization, service_id)
    locked = editing.locked_fields(session, item)
    form = _service_form(item)
    form.drop_locked(locked, request.form)
    saved = _save(
        form,
        editing.SERVICE_FIELDS,
        lambda values: editing.update_service(session, current_account(), item, values),
    )
    if saved:
        return redirect(url_for(".services", org_id=org_id))
    status = 400 if form.is_submitted() else 200
    return _render(
        "dashboard/service_form.html", organization, status, form=form, service=item, locked=locked
    )


@bp.get("/organizations/<int:org_id>/services/<int:service_id>/retire")
@login_required
def confirm_retire_service(org_id: int, service_id: int):
    """Ask first (a page: works without JavaScript)."""
    organization = organization_for(org_id, "edit")
    item = _service_for(organization, service_id)
    return _render(
        "dashboard/confirm.html",
        organization,
        title=_("Stop offering %(name)s?", name=item.name),
        explanation=_(
            "It leaves the search results and the matchmaker at once; its page says it is no "
            "longer offered. You can undo this for %(minutes)d minutes, then add it again.",
            minutes=undo.UNDO_WINDOW.seconds // 60,
        ),
        action=url_for(".retire_service", org_id=org_id, service_id=service_id),
        button=_("Yes, stop offering %(name)s", name=item.name),
        back=url_for(".services", org_id=org_id),
    )


@bp.post("/organizations/<int:org_id>/services/<int:service_id>/restore")
@login_required
def restore_service(org_id: int, service_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    item = _service_for(organization, service_id)
    try:
        undo.restore_service(session, current_account(), organization, item)
    except undo.UndoError:
        flash(_("It is too late to undo this: add the service again."), "error")
    else:
        session.commit()
        flash(_("The service %(name)s is offered again.", name=item.name))
    return redirect(url_for(".services", org_id=org_id))


@bp.post("/organizations/<int:org_id>/services/<int:service_id>/retire")
@login_required
def retire_service(org_id: int, service_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    item = _service_for(organization, service_id)
    try:
        editing.retire_service_by_host(session, current_account(), item)
    except editing.EditError:
        flash(_("This service is listed in your file: remove it from there."), "error")
    else:
        session.commit()
        flash(_("The service %(name)s is no longer offered.", name=item.name))
    return redirect(url_for(".services", org_id=org_id))


@bp.post("/organizations/<int:org_id>/services/<int:service_id>/load")
@login_required
def service_load(org_id: int, service_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    item = _service_for(organization, service_id)
    form = forms.LoadForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        editing.set_load(session, current_account(), item, form.load.data)
    except editing.EditError as error:
        flash(refusal(error), "error")
    else:
        session.commit()
        if item.load == "full":
            flash(_("%(name)s is marked full: no new accounts.", name=item.name))
        else:
            flash(_("%(name)s is open to newcomers again.", name=item.name))
    return redirect(url_for(".services", org_id=org_id))


# -- sources ---------------------------------------------------------------------------------


def _sources_page(organization, status: int = 200, form=None, preview=None):
    session = get_session()
    return _render(
        "dashboard/sources.html",
        organization,
        status,
        sources=sources.organization_sources(session, organization.id),
        history=editing.fetch_history(session, organization.id),
        removed=undo.removed_files(session, organization),
        form=form or forms.SourceForm(formdata=None),
        preview=preview,
    )


@bp.get("/organizations/<int:org_id>/sources")
@login_required
def sources_page(org_id: int):
    return _sources_page(organization_for(org_id, "see"))


@bp.post("/organizations/<int:org_id>/sources/add")
@fresh_login_required  # changing where a listing is read from needs a fresh sign-in
def add_source(org_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    form = forms.SourceForm()
    if form.validate_on_submit():
        try:
            editing.add_source(
                session,
                current_account(),
                organization,
                form.url.data,
                form.kind.data,
                address_policy(),
            )
        except sources.SourceError as error:
            session.rollback()
            form.url.errors = [*form.url.errors, refusal(error)]
        else:
            session.commit()
            flash(
                _(
                    "The file was added; it will be read at the next refresh. Until then your "
                    "listing stays as it is, in the results too."
                )
            )
            return redirect(url_for(".sources_page", org_id=org_id))
    return _sources_page(organization, 400, form=form)


def _per_organization() -> str:
    return f"{request.view_args.get('org_id')}:{get_remote_address()}"


@bp.post("/organizations/<int:org_id>/sources/preview")
@limiter.limit("30 per hour", key_func=_per_organization)
@login_required
def preview_source(org_id: int):
    """ "Validate now": fetch and parse the file, show what it says; nothing is saved."""
    organization = organization_for(org_id, "edit")
    form = forms.SourceForm()
    if not form.validate_on_submit():
        return _sources_page(organization, 400, form=form)
    with Fetcher.from_config(current_app.config) as fetcher:
        preview = runner.preview_source(fetcher, form.url.data, form.kind.data)
    return _sources_page(organization, form=form, preview=editing.summarize_preview(preview))


@bp.get("/organizations/<int:org_id>/sources/<int:source_id>/remove")
@fresh_login_required
def confirm_remove_source(org_id: int, source_id: int):
    """Ask first (a page: works without JavaScript)."""
    organization = organization_for(org_id, "edit")
    source = editing.source_of(get_session(), organization, source_id) or abort(404)
    return _render(
        "dashboard/confirm.html",
        organization,
        title=_("Stop reading %(url)s?", url=source.url),
        explanation=_(
            "Portée stops reading this file; what it published stays until something replaces "
            "it, and the services it listed leave the results. You can undo this for "
            "%(minutes)d minutes.",
            minutes=undo.UNDO_WINDOW.seconds // 60,
        ),
        action=url_for(".remove_source", org_id=org_id, source_id=source_id),
        button=_("Yes, stop reading this file"),
        back=url_for(".sources_page", org_id=org_id),
    )


@bp.post("/organizations/<int:org_id>/sources/restore/<int:event_id>")
@fresh_login_required
def read_source_again(org_id: int, event_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    try:
        undo.read_again(session, current_account(), organization, event_id, address_policy())
    except (undo.UndoError, sources.SourceError):
        session.rollback()
        flash(_("It is too late to undo this: add the file again."), "error")
    else:
        session.commit()
        flash(_("Portée reads this file again from the next refresh."))
    return redirect(url_for(".sources_page", org_id=org_id))


@bp.post("/organizations/<int:org_id>/sources/<int:source_id>/remove")
@fresh_login_required
def remove_source(org_id: int, source_id: int):
    organization = organization_for(org_id, "edit")
    session = get_session()
    source = editing.source_of(session, organization, source_id) or abort(404)
    try:
        editing.remove_source(session, current_account(), source)
    except editing.EditError as error:
        flash(refusal(error), "error")
    else:
        session.commit()
        flash(_("The file was removed; what it published stays until replaced."))
    return redirect(url_for(".sources_page", org_id=org_id))


@bp.post("/organizations/<int:org_id>/sources/refresh")
@limiter.limit("6 per hour", key_func=_per_organization)
@login_required
def refresh_sources(org_id: int):
    organization = organization_for(org_id, "refresh")
    with Fetcher.from_config(current_app.config) as fetcher:
        run = runner.refresh_organization(
            get_database(), fetcher, organization.id, trigger="dashboard"
        )
    session = get_session()
    audit(session, current_account(), "source.refresh", organization.id, run_id=run.id)
    session.commit()
    flash(
        _(
            "Read %(tried)s files: %(changed)s changed, %(unchanged)s unchanged, "
            "%(failed)s failed.",
            tried=run.sources_tried,
            changed=run.changed,
            unchanged=run.unchanged,
            failed=run.failed,
        ),
        "error" if run.failed else "message",
    )
    return redirect(url_for(".sources_page", org_id=org_id))


# -- co-editors ------------------------------------------------------------------------------


def _editors_page(organization, status: int = 200, form=None):
    session = get_session()
    return _render(
        "dashboard/editors.html",
        organization,
        status,
        editors=editing.editors_of(session, organization),
        invitations=editing.pending_invitations(session, organization),
        form=form or forms.InviteForm(formdata=None),
        me=current_account(),
    )


@bp.get("/organizations/<int:org_id>/editors")
@login_required
def editors(org_id: int):
    return _editors_page(organization_for(org_id, "edit"))


@bp.post("/organizations/<int:org_id>/editors/invite")
@limiter.limit("20 per hour", key_func=_per_organization)
@login_required
def invite_editor(org_id: int):
    organization = organization_for(org_id, "manage_editors")
    session = get_session()
    form = forms.InviteForm()
    if not form.validate_on_submit():
        return _editors_page(organization, 400, form=form)
    try:
        token = editing.invite_editor(session, current_account(), organization, form.email.data)
    except editing.EditError as error:
        session.rollback()
        form.email.errors = [*form.email.errors, refusal(error)]
        return _editors_page(organization, 400, form=form)
    session.commit()
    _send_invitation(organization, form.email.data, token)
    return redirect(url_for(".editors", org_id=org_id))


def _send_invitation(organization, email: str, token: str) -> None:
    link = current_app.config["PORTEE_BASE_URL"] + url_for(".accept_invitation", token=token)
    body = render_template(
        "dashboard/mail/invitation.txt",
        organization=organization,
        inviter=current_account(),
        link=link,
        days=editing.INVITATION_LIFETIME.days,
    )
    subject = _("Invitation to co-edit %(name)s on Portée", name=organization.name)
    try:
        send_mail(email, subject, body)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Could not send the invitation to %s", email)
        flash(_("The invitation was saved but the e-mail could not be sent."), "error")
    else:
        flash(_("An invitation was sent to %(email)s.", email=email))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    session = get_session()
    account = current_account()
    try:
        invitation = editing.invitation_for(session, account, token)
    except editing.EditError as error:
        message, status = INVITATION_REFUSALS[error.code]
        return render_template("dashboard/invitation.html", refusal=message), status
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        organization = editing.accept_invitation(session, account, token)
        session.commit()
        flash(_("You now edit %(name)s.", name=organization.name))
        return redirect(url_for(".organization", org_id=organization.id))
    organization = session.get(Organization, invitation.organization_id)
    return render_template(
        "dashboard/invitation.html", invitation=invitation, organization=organization, form=form
    )


@bp.post("/organizations/<int:org_id>/editors/<int:account_id>/remove")
@login_required
def remove_editor(org_id: int, account_id: int):
    organization = organization_for(org_id, "manage_editors")
    session = get_session()
    try:
        editing.remove_editor(session, current_account(), organization, account_id)
    except editing.EditError as error:
        if error.code == "not_an_editor":
            abort(404)
        flash(refusal(error), "error")
    else:
        session.commit()
        flash(_("This person no longer edits %(name)s.", name=organization.name))
    return redirect(url_for(".editors", org_id=org_id))
