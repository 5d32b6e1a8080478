"""The directory published in the formats it reads: a ChatonsInfos federation file, one
organization file per public member, one service file per offered service, and a
`librehost.json` per host. Only members, only services on offer. Values go under the
ChatonsInfos keys the importer reads them from; keys Portée kept from a host's file (`extra`)
are written back as they were. No Flask here: the caller gives the addresses."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.models import Organization, Service
from directory.public import PUBLIC_MEMBERSHIPS, has_ended

GENERATOR = "Portée"
PROTOCOL = "ChatonsInfos-0.5"
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def public_members(session: Session) -> list[Organization]:
    return list(
        session.exec(
            select(Organization)
            .where(Organization.membership.in_(PUBLIC_MEMBERSHIPS))
            .order_by(Organization.slug)
            .options(
                selectinload(Organization.services).selectinload(Service.software),
            )
        ).all()
    )


def public_member(session: Session, slug: str) -> Organization | None:
    found = session.exec(select(Organization).where(Organization.slug == slug)).first()
    return found if found is not None and found.membership in PUBLIC_MEMBERSHIPS else None


def offered(organization: Organization, today: date | None = None) -> list[Service]:
    """The services a visitor may use now (ended and retired ones are not exported)."""
    return sorted((s for s in organization.services if not has_ended(s, today)), key=lambda s: s.id)


def _escape(value: str) -> str:
    text = value.replace("\\", "\\\\").replace("\r\n", "\n")
    text = text.replace("\n", "\\n").replace("\r", "\\n").replace("\t", "\\t")
    return text.strip()


def _value(value) -> str | None:
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def properties(lines: list[tuple[str, object]]) -> str:
    """`key = value` lines (UTF-8, escaped as the importer reads them); empty values left out,
    `# section` comments kept."""
    out = []
    for key, raw in lines:
        if key.startswith("#"):
            out += ["", key]
            continue
        value = _value(raw)
        if value is not None and _KEY.match(key):
            out.append(f"{key} = {_escape(value)}")
    return "\n".join(out).strip() + "\n"


def _file_section(kind: str, url: str, now: datetime) -> list[tuple[str, object]]:
    return [
        ("# [File]", None),
        ("file.class", kind),
        ("file.protocol", PROTOCOL),
        ("file.generator", GENERATOR),
        ("file.datetime", now),
        ("file.url", url),
    ]


def _extra(extra: dict, prefixes: tuple[str, ...], written: set[str]) -> list[tuple[str, object]]:
    """Keys kept from the host's file, as they were, when they are ChatonsInfos keys."""
    return [
        (key, value)
        for key, value in sorted(extra.items())
        if key.lower().startswith(prefixes)
        and key.lower() not in written
        and isinstance(value, str | int | float)
    ]


def federation_file(
    name: str,
    description: str,
    website: str,
    url: str,
    members: list[tuple[Organization, str]],
    now: datetime,
) -> str:
    lines = _file_section("Federation", url, now)
    lines += [
        ("# [Federation]", None),
        ("federation.name", name),
        ("federation.description", description),
        ("federation.website", website),
        ("# [Subs]", None),
    ]
    lines += [(f"subs.{organization.slug}", address) for organization, address in members]
    return properties(lines)


def organization_file(
    organization: Organization, url: str, service_urls: list[tuple[Service, str]], now: datetime
) -> str:
    o = organization
    status = "away" if o.status == "closed" else o.status
    lines = _file_section("Organization", url, now)
    lines += [
        ("# [Organization]", None),
        ("organization.name", o.name),
        ("organization.description", o.description),
        ("organization.website", o.website),
        ("organization.logo", o.logo_url),
        ("organization.type", o.legal_type.upper() if o.legal_type else None),
        ("organization.status.level", status.upper() if status else None),
        ("organization.status.description", o.status_description),
        ("organization.startdate", o.startdate),
        ("organization.enddate", o.enddate),
        ("organization.country.code", o.country_code),
        ("organization.geolocation.address", o.address),
        ("organization.geolocation.latitude", o.latitude),
        ("organization.geolocation.longitude", o.longitude),
        ("organization.languages", o.languages),
        ("organization.contact.url", o.contact_url),
        ("organization.contact.email", o.contact_email),
        ("organization.legal.url", o.legal_url),
        ("organization.privacy.url", o.privacy_url),
        # Promise keys (README, "Extension keys").
        ("organization.admins.count", o.admins_count),
        ("organization.backups.tested", o.backups_tested),
        ("organization.closure.notice.days", o.closure_notice_days),
    ]
    lines += [(f"organization.funding.{k}", v) for k, v in sorted(o.funding.items())]
    lines += [(f"organization.socialnetworks.{k}", v) for k, v in sorted(o.social.items())]
    written = {key.lower() for key, _ in lines}
    written |= {f"organization.chatrooms.{k}".lower() for k in o.social}
    lines += _extra(o.extra, ("organization.",), written)
    lines.append(("# [Subs]", None))
    lines += [(f"subs.service{service.id}", address) for service, address in service_urls]
    return properties(lines)


def service_file(service: Service, url: str, now: datetime) -> str:
    s = service
    software = s.software_declared or (s.software.name.get("en") if s.software else None)
    lines = _file_section("Service", url, now)
    lines += [
        ("# [Service]", None),
        ("service.name", s.name),
        ("service.description", s.description),
        ("service.website", s.website),
        ("service.logo", s.logo_url),
        ("service.legal.url", s.legal_url),
        ("service.startdate", s.startdate),
        ("service.enddate", s.enddate),
        ("service.status.level", s.status.upper() if s.status else None),
        ("service.status.description", s.status_description),
        ("service.registration", s.registration.capitalize() if s.registration else None),
        ("service.registration.load", s.load.upper() if s.load else None),
        ("service.price", s.price),
        ("service.languages", s.languages),
        ("service.capacity.participants", s.capacity_participants),
        ("# [Software]", None),
        ("software.name", software),
        ("software.version", s.software_version),
        ("software.license.name", s.software_license),
        ("# [Host]", None),
        ("host.name", s.host_name),
        ("host.country.code", s.host_country_code),
        ("host.provider.type", s.host_provider_type.upper() if s.host_provider_type else None),
        ("host.server.type", s.host_server_type.upper() if s.host_server_type else None),
    ]
    written = {key.lower() for key, _ in lines}
    lines += _extra(s.extra, ("service.", "software.", "host."), written)
    return properties(lines)


def librehost(organization: Organization) -> str:
    """The host as a librehost.json (its kept librehost keys included)."""
    o = organization
    document = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": o.name,
        "description": o.description,
        "homeUrl": o.website,
        "logo": o.logo_url,
        "organizationType": o.legal_type,
        "foundingDate": o.startdate.isoformat() if o.startdate else None,
        "communicationLanguages": o.languages or None,
        "contactUrl": o.contact_url or (f"mailto:{o.contact_email}" if o.contact_email else None),
        "email": o.contact_email,
        "termsOfServiceUrl": o.legal_url,
        "privacyPolicyUrl": o.privacy_url,
    }
    # What the host's own librehost.json said that Portée keeps unused (reconcile.py files it
    # under "librehost"), written back at the top level where the format puts it.
    kept = o.extra.get("librehost")
    for key, value in sorted(kept.items() if isinstance(kept, dict) else ()):
        if key not in document:
            document[key] = value
    clean = {key: value for key, value in document.items() if value not in (None, "", [])}
    return json.dumps(clean, ensure_ascii=False, indent=2) + "\n"
