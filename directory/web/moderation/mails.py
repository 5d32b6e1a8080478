"""The mails of moderation, from templates/moderation/mail/ in the current locale: a question
to the applicant, an answer or an appeal to the moderators, the decision to the applicant.

Links come from PORTEE_BASE_URL, never from the request's Host header. A mail that cannot be
sent is logged; what was decided stays decided.
"""

from __future__ import annotations

import logging
import smtplib

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from directory import membership, moderation
from directory.db import get_session
from directory.mail import send_mail
from directory.models import Application, Organization

log = logging.getLogger(__name__)


def link(endpoint: str, **values) -> str:
    return f"{current_app.config['PORTEE_BASE_URL'].rstrip('/')}{url_for(endpoint, **values)}"


def _send(addresses: list[str], subject: str, template: str, **context) -> None:
    body = render_template(f"moderation/mail/{template}", **context)
    for address in addresses:
        try:
            send_mail(address, subject, body)
        except (OSError, smtplib.SMTPException):
            log.exception("could not e-mail %s (%s)", address, template)


def _organization(application: Application) -> Organization:
    return get_session().get(Organization, application.organization_id)


def question_asked(application: Application, body: str) -> None:
    """Tell the applicant the moderators asked something (the question itself is on the page,
    behind sign-in, and quoted here)."""
    organization = _organization(application)
    _send(
        moderation.applicant_addresses(get_session(), application),
        _("Portée: the moderators have a question about %(name)s", name=organization.name),
        "question.txt",
        name=organization.name,
        body=body,
        link=link("apply.show", application_id=application.id),
    )


def applicant_replied(application: Application, kind: str = "answer") -> None:
    """Tell every moderator (except the organization's own editors) that the applicant
    answered a question or appealed a rejection. Called by the apply blueprint."""
    organization = _organization(application)
    if kind == "appeal":
        subject = _("Portée: %(name)s appealed the rejection", name=organization.name)
    else:
        subject = _("Portée: %(name)s answered your question", name=organization.name)
    _send(
        moderation.moderator_addresses(get_session(), organization.id),
        subject,
        "replied.txt",
        name=organization.name,
        kind=kind,
        link=link("moderation.application", application_id=application.id),
    )


def decided(application: Application, result: str) -> None:
    """Tell the applicant the moderators' decision; a rejection comes with their reasons."""
    session = get_session()
    organization = _organization(application)
    if result == "approved":
        subject = _("Portée: welcome, %(name)s!", name=organization.name)
        template = "approved.txt"
    else:
        subject = _("Portée: your application was not accepted")
        template = "rejected.txt"
    _send(
        moderation.applicant_addresses(session, application),
        subject,
        template,
        name=organization.name,
        reasons=moderation.rejection_reasons(session, application),
        may_appeal=membership.may_appeal(application),
        link=link("apply.show", application_id=application.id),
        public_link=link("public.organization", slug=organization.slug),
    )
