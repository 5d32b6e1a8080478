"""Change feeds as Atom (RFC 4287), built with xml.etree like the public moderation log's
(directory/web/moderation/atom.py): every value escaped, links from PORTEE_BASE_URL. Entry ids
are tag: URIs made of database ids and dates, so they stay the same across index rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from directory.opendata.changes import JOINED, SERVICE_ADDED, SERVICE_CLOSED, Change
from directory.timeutil import utcnow
from directory.web.filters import localized
from directory.web.moderation.forms import LOG_LINE

ATOM = "http://www.w3.org/2005/Atom"
KIND = {
    JOINED: _l("New member"),
    SERVICE_ADDED: _l("New service"),
    SERVICE_CLOSED: _l("Service closed"),
    "admitted": _l("New member"),
    "suspended": _l("Suspended"),
    "reinstated": _l("Reinstated"),
    "left": _l("Left the directory"),
}


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def authority() -> str:
    return urlsplit(current_app.config["PORTEE_BASE_URL"]).hostname or "portee.invalid"


def entry_id(change: Change) -> str:
    """tag:<site>,<day of the change>:<what>/<kind> — the same for the same fact, always."""
    return f"tag:{authority()},{change.at.date().isoformat()}:{change.key}/{change.kind}"


def sentence(change: Change) -> str:
    if change.kind == JOINED:
        return _("%(name)s joined the directory.", name=change.organization_name)
    if change.kind in (SERVICE_ADDED, SERVICE_CLOSED):
        software = localized(change.software_name) if change.software_name else None
        service = f"{change.service_name} ({software})" if software else change.service_name
        if change.kind == SERVICE_ADDED:
            return _("%(name)s offers %(service)s.", name=change.organization_name, service=service)
        return _("%(name)s closed %(service)s.", name=change.organization_name, service=service)
    line = str(LOG_LINE[change.kind]) % {"name": change.organization_name}
    if change.reason:
        line += " " + _("Reason: %(reason)s", reason=change.reason)
    return line


def feed(
    changes: list[Change], title: str, feed_key: str, self_url: str, page_url: str, lang: str
) -> bytes:
    base = current_app.config["PORTEE_BASE_URL"].rstrip("/")
    ElementTree.register_namespace("", ATOM)
    root = ElementTree.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})

    def add(parent, tag: str, text: str | None = None, **attributes):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    add(root, "id", f"tag:{authority()},2026:{feed_key}")
    add(root, "title", title)
    add(root, "updated", _stamp(changes[0].at if changes else utcnow()))
    add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    add(root, "link", rel="alternate", type="text/html", href=page_url)
    add(add(root, "author"), "name", _("Portée"))
    for change in changes:
        item = add(root, "entry")
        add(item, "id", entry_id(change))
        add(item, "title", f"{KIND[change.kind]}: {sentence(change)}")
        add(item, "updated", _stamp(change.at))
        add(item, "category", term=change.kind, label=str(KIND[change.kind]))
        href = (
            base + url_for("public.organization", slug=change.organization_slug)
            if change.organization_slug
            else base + url_for("public.home")
        )
        add(item, "link", rel="alternate", type="text/html", href=href)
        add(item, "summary", sentence(change), type="text")
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
