"""Sending e-mail: through SMTP when MAIL_SERVER is set, else into a folder of the instance.

Mails are plain text, built from templates in the recipient's language by the caller; links in
them come from PORTEE_BASE_URL, never from the request's Host header.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="portee.invalid")
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        _write_to_folder(Path(config["MAIL_FOLDER"]), message)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_to_folder(folder: Path, message: EmailMessage) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message['Message-ID'].strip('<>').replace('@', '_')}.eml"
    path.write_bytes(bytes(message))
    log.warning("MAIL_SERVER is not set: the mail to %s was written to %s", message["To"], path)
