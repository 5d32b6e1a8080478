"""The public moderation log as an Atom feed (RFC 4287), built with xml.etree so that every
value is escaped; links come from PORTEE_BASE_URL, never from the request's Host header."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from flask import url_for
from flask_babel import gettext as _

from directory.models import PublicLogEntry
from directory.timeutil import utcnow
from directory.web.moderation.forms import LOG_KIND, LOG_LINE

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def line(entry: PublicLogEntry) -> str:
    """The public sentence of one entry (a rejection names no one)."""
    return str(LOG_LINE[entry.kind]) % {"name": entry.organization_name}


def feed(entries: list[PublicLogEntry], slugs: dict[int, str], base_url: str) -> bytes:
    ElementTree.register_namespace("", ATOM)
    root = ElementTree.Element(f"{{{ATOM}}}feed")
    log_url = base_url + url_for("moderation.log")

    def add(parent, tag: str, text: str | None = None, **attributes):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    add(root, "id", log_url)
    add(root, "title", _("Portée: public moderation log"))
    add(root, "updated", _stamp(entries[0].created_at if entries else utcnow()))
    add(root, "link", rel="self", href=base_url + url_for("moderation.log_atom"))
    add(root, "link", rel="alternate", type="text/html", href=log_url)
    add(add(root, "author"), "name", _("Portée moderators"))
    for entry in entries:
        item = add(root, "entry")
        add(item, "id", f"{log_url}#entry-{entry.id}")
        add(item, "title", f"{LOG_KIND[entry.kind]}: {line(entry)}")
        add(item, "updated", _stamp(entry.created_at))
        add(item, "category", term=entry.kind, label=str(LOG_KIND[entry.kind]))
        slug = slugs.get(entry.organization_id) if entry.kind != "rejected" else None
        href = base_url + url_for("public.organization", slug=slug) if slug else log_url
        add(item, "link", rel="alternate", type="text/html", href=href)
        summary = line(entry)
        if entry.public_reason and entry.kind != "rejected":
            summary += " " + _("Reason: %(reason)s", reason=entry.public_reason)
        add(item, "summary", summary, type="text")
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
