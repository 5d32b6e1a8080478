"""The outage e-mails, sent at the end of `flask probes run`: one to the host's editors when a
service has been unreachable for 6 hours, one when it is back (directory/probes/outages.py
decides which are due; none for an outage closed because the service is no longer checked).
Written from templates/probes/mail/ in the host's language (the first of its languages Portée
speaks, else the site's default); links come from PORTEE_BASE_URL. A mail that cannot be sent
is logged, and not tried again.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session

from directory.mail import send_mail
from directory.models import Organization
from directory.probes import outages

log = logging.getLogger(__name__)


def language_of(organization: Organization) -> str:
    """The language to write to a host in."""
    spoken = current_app.config["LANGUAGES"]
    for code in organization.languages or ():
        if code in spoken:
            return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def send_outage_notice(notice: outages.OutageNotice) -> None:
    organization, service = notice.organization, notice.service
    base = current_app.config["PORTEE_BASE_URL"].rstrip("/")
    link = f"{base}/dashboard/organizations/{organization.id}/services#checks-{service.id}"
    with force_locale(language_of(organization)):
        if notice.step == "down":
            subject = _(
                "Portée: %(service)s has been unreachable for 6 hours", service=service.name
            )
        else:
            subject = _("Portée: %(service)s is reachable again", service=service.name)
        body = render_template(
            f"probes/mail/{notice.step}.txt",
            notice=notice,
            organization=organization,
            service=service,
            failure=notice.last_failure,
            link=link,
        )
    for address in notice.recipients:
        try:
            send_mail(address, subject, body)
        except (OSError, smtplib.SMTPException):
            log.exception("could not e-mail %s about the outage of %s", address, service.name)


def notify_outages(session: Session, now: datetime) -> str:
    """Follow the outages after a run and send what is due; the caller commits."""
    followed = outages.follow(session, now)
    notices = outages.send_notices(session, now, send_outage_notice)
    down = sum(1 for notice in notices if notice.step == "down")
    ended = followed.back + followed.unchecked
    unchecked = f" ({followed.unchecked} no longer checked)" if followed.unchecked else ""
    return (
        f"Outages: {followed.opened} began, {ended} ended{unchecked}; "
        f"{down} down and {len(notices) - down} back notices sent."
    )
