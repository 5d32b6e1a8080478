"""ChatonsInfos files (federation, organization, service) → neutral records. Pure: bytes in.

Lenient reading, strict publishing (DESIGN.md): every oddity becomes a warning; a file is
refused (ParseError) only when it cannot be published as it stands: no name, no software, a
registration outside None/Free/Member/Client, unreadable bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin

from directory import vocabulary
from directory.feeds import values as v
from directory.feeds.issues import Issue, ParseError
from directory.feeds.properties import Entry, decode, read_entries
from directory.outbound.guard import Refused, canonical_url

FILE_CLASSES = ("federation", "organization", "service", "device")
_PLACEHOLDER = re.compile(r"^(<[^>]*>|\{\{.*\}\}|xxx+|TODO|CHANGEME|-)$", re.IGNORECASE)


@dataclass(frozen=True)
class Sub:
    key: str
    url: str
    line: int


@dataclass
class FileInfo:
    cls: str
    protocol: str | None = None
    datetime: str | None = None
    generator: str | None = None


@dataclass
class FederationRecord:
    name: str | None
    description: str | None
    website: str | None
    subs: list[Sub]


@dataclass
class OrganizationRecord:
    """Organization columns (model field names) and the subs that list its services."""

    fields: dict
    subs: list[Sub]
    extra: dict


@dataclass
class ServiceRecord:
    fields: dict
    software_name: str
    extra: dict


@dataclass
class ParsedFile:
    info: FileInfo
    record: FederationRecord | OrganizationRecord | ServiceRecord
    warnings: list[Issue] = field(default_factory=list)


class _Keys:
    """Case-insensitive access to a file's entries, warning once for each key in odd case."""

    def __init__(self, entries: list[Entry], warnings: list[Issue]) -> None:
        self.by_key: dict[str, Entry] = {}
        self.used: set[str] = set()
        self.warnings = warnings
        for entry in entries:
            # Keys are compared without case: the spec's own examples write startDate.
            lowered = entry.key.lower()
            if lowered in self.by_key:
                warnings.append(Issue("duplicate_key", entry.line, entry.key))
            self.by_key[lowered] = entry

    def get(self, key: str) -> Entry | None:
        entry = self.by_key.get(key)
        if entry is None:
            return None
        self.used.add(key)
        if entry.key != key and not entry.key.lower().startswith(("subs.", "metrics.")):
            self.warnings.append(Issue("key_case", entry.line, entry.key, {"expected": key}))
        value = entry.value.strip()
        if not value:
            return None
        if _PLACEHOLDER.match(value):
            self.warnings.append(Issue("template_placeholder", entry.line, key, {"value": value}))
            return None
        return Entry(entry.line, entry.key, value)

    def text(self, key: str) -> str | None:
        entry = self.get(key)
        return _unquote(entry, self.warnings) if entry else None

    def with_prefix(self, prefix: str) -> list[tuple[str, Entry]]:
        found = []
        for lowered, entry in self.by_key.items():
            if lowered.startswith(prefix) and entry.value.strip():
                self.used.add(lowered)
                found.append((lowered[len(prefix) :], entry))
        return found

    def unused(self) -> dict[str, str]:
        return {e.key: e.value for k, e in self.by_key.items() if k not in self.used}


def _unquote(entry: Entry, warnings: list[Issue]) -> str:
    value = entry.value
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        warnings.append(Issue("quoted_value", entry.line, entry.key))
        return value[1:-1].strip()
    return value


def parse_properties(data: bytes, url: str, expected: str | None = None) -> ParsedFile:
    """Parse one ChatonsInfos file fetched from `url` (relative subs resolve against it)."""
    warnings: list[Issue] = []
    text = decode(data, warnings)
    entries = read_entries(text, warnings)
    if not entries:
        raise ParseError([Issue("empty")], warnings)
    keys = _Keys(entries, warnings)
    info = _file_info(keys, warnings, expected)
    if expected and info.cls != expected:
        raise ParseError(
            [Issue("wrong_class", None, "file.class", {"value": info.cls, "expected": expected})],
            warnings,
        )
    if info.cls == "federation":
        record = _federation(keys, url)
    elif info.cls == "organization":
        record = _organization(keys, url)
    elif info.cls == "service":
        record = _service(keys)
    else:
        raise ParseError(
            [Issue("wrong_class", None, "file.class", {"value": info.cls, "expected": expected})],
            warnings,
        )
    return ParsedFile(info=info, record=record, warnings=warnings)


def _file_info(keys: _Keys, warnings: list[Issue], expected: str | None) -> FileInfo:
    declared = keys.text("file.class")
    if declared is None:
        cls = expected or _guess_class(keys)
        warnings.append(Issue("missing_class", None, "file.class", {"value": cls}))
    else:
        cls = declared.lower()
        if declared != cls.capitalize() and declared != cls:
            entry = keys.by_key["file.class"]
            warnings.append(
                Issue("key_case", entry.line, "file.class", {"expected": cls.capitalize()})
            )
    return FileInfo(
        cls=cls,
        protocol=keys.text("file.protocol"),
        datetime=keys.text("file.datetime"),
        generator=keys.text("file.generator"),
    )


def _guess_class(keys: _Keys) -> str:
    for cls in ("federation", "organization", "service"):
        if any(k.startswith(cls + ".") for k in keys.by_key):
            return cls
    return "unknown"


MAX_SUBS = 500


def _subs(keys: _Keys, base_url: str) -> list[Sub]:
    """The files a federation or organization lists: absolute, deduplicated, capped."""
    subs: list[Sub] = []
    seen = {_canonical(base_url, "")}  # a file listing itself would loop
    for sub_key, entry in keys.with_prefix("subs."):
        value = _unquote(entry, keys.warnings)
        absolute = _canonical(base_url, value)
        if absolute is None:
            keys.warnings.append(Issue("bad_url", entry.line, entry.key, {"value": value}))
            continue
        if absolute in seen:
            keys.warnings.append(Issue("duplicate_sub", entry.line, entry.key, {"value": value}))
            continue
        if len(subs) >= MAX_SUBS:
            keys.warnings.append(Issue("too_many_subs", entry.line, entry.key, {"limit": MAX_SUBS}))
            break
        seen.add(absolute)
        subs.append(Sub(key=sub_key, url=absolute, line=entry.line))
    return subs


def _canonical(base_url: str, value: str) -> str | None:
    """`value` read against the file's own address, in canonical form (None: not an address
    Portée can read). Two ways of writing one file are one file."""
    try:
        return canonical_url(urljoin(base_url, value))
    except (ValueError, Refused):
        return None


def _required(keys: _Keys, key: str, errors: list[Issue]) -> str | None:
    value = keys.text(key)
    if value is None:
        errors.append(Issue("missing_required", None, key))
    return value


def _federation(keys: _Keys, url: str) -> FederationRecord:
    return FederationRecord(
        name=keys.text("federation.name"),
        description=keys.text("federation.description"),
        website=keys.text("federation.website"),
        subs=_subs(keys, url),
    )


def _date(keys: _Keys, key: str) -> date | None:
    entry = keys.get(key)
    return v.clean_date(entry.key, entry.value, entry.line, keys.warnings) if entry else None


def _url(keys: _Keys, key: str) -> str | None:
    entry = keys.get(key)
    if entry is None:
        return None
    return v.clean_url(key, _unquote(entry, keys.warnings), entry.line, keys.warnings)


def _choice(keys: _Keys, key: str, allowed: tuple[str, ...]) -> str | None:
    entry = keys.get(key)
    return v.clean_choice(key, entry.value, entry.line, keys.warnings, allowed) if entry else None


def _count(keys: _Keys, key: str) -> int | None:
    entry = keys.get(key)
    return v.clean_count(entry.key, entry.value, entry.line, keys.warnings) if entry else None


def _funding(keys: _Keys) -> dict[str, str]:
    """`organization.funding.<name> = URL` lines, in file order; a bad address is a warning."""
    funding = {}
    for name, entry in keys.with_prefix("organization.funding."):
        url = v.clean_url(entry.key, _unquote(entry, keys.warnings), entry.line, keys.warnings)
        if url:
            funding[name] = url
    return funding


def _organization(keys: _Keys, url: str) -> OrganizationRecord:
    errors: list[Issue] = []
    w = keys.warnings
    name = _required(keys, "organization.name", errors)
    fields: dict = {
        "name": name,
        "description": keys.text("organization.description"),
        "website": _url(keys, "organization.website"),
        "logo_url": _url(keys, "organization.logo"),
        "legal_type": _choice(keys, "organization.type", vocabulary.LEGAL_TYPES),
        "status": _choice(keys, "organization.status.level", ("active", "idle", "away"))
        or "active",
        "status_description": keys.text("organization.status.description"),
        "startdate": _date(keys, "organization.startdate"),
        "enddate": _date(keys, "organization.enddate"),
        "address": keys.text("organization.geolocation.address"),
        "contact_url": _url(keys, "organization.contact.url"),
        "legal_url": _url(keys, "organization.legal.url"),
        "privacy_url": _url(keys, "organization.privacy.url"),
        "funding": _funding(keys),
        # Promise keys (README, "Extension keys").
        "admins_count": _count(keys, "organization.admins.count"),
        "backups_tested": _date(keys, "organization.backups.tested"),
        "closure_notice_days": _count(keys, "organization.closure.notice.days"),
    }
    if fields["enddate"] and fields["enddate"] <= date.today():
        fields["status"] = "closed"
    email = keys.get("organization.contact.email")
    fields["contact_email"] = (
        v.clean_email(email.key, email.value, email.line, w) if email else None
    )
    code, country_name = (
        keys.get("organization.country.code"),
        keys.get("organization.country.name"),
    )
    fields["country_code"] = (
        v.clean_country(
            "organization.country.code",
            code.value if code else None,
            country_name.value if country_name else None,
            (code or country_name).line,
            w,
        )
        if code or country_name
        else None
    )
    for axis, limit in (("latitude", 90.0), ("longitude", 180.0)):
        entry = keys.get(f"organization.geolocation.{axis}")
        fields[axis] = (
            v.clean_coordinate(entry.key, entry.value, entry.line, w, limit) if entry else None
        )
    languages = keys.get("organization.languages")
    fields["languages"] = (
        v.clean_languages(languages.key, languages.value, languages.line, w) if languages else []
    )
    social = {}
    for prefix in ("organization.socialnetworks.", "organization.chatrooms."):
        for network, entry in keys.with_prefix(prefix):
            social[network] = _unquote(entry, w)
    fields["social"] = social
    if errors:
        raise ParseError(errors, w)
    if not fields["website"]:
        w.append(Issue("missing_recommended", None, "organization.website"))
    subs = _subs(keys, url)
    extra = {k: val for k, val in keys.unused().items() if not k.lower().startswith("file.")}
    fields["extra"] = extra
    return OrganizationRecord(fields=fields, subs=subs, extra=extra)


def _registration(keys: _Keys, errors: list[Issue]) -> str | None:
    entry = keys.get("service.registration")
    if entry is None:
        keys.warnings.append(Issue("missing_recommended", None, "service.registration"))
        return None
    words = [word.lower() for word in v.split_list(entry.value)]
    bad = [word for word in words if word not in vocabulary.REGISTRATIONS]
    if bad or not words:
        errors.append(
            Issue("bad_registration", entry.line, "service.registration", {"value": entry.value})
        )
        return None
    # The most open mode is the one a newcomer can use.
    chosen = min(words, key=vocabulary.REGISTRATIONS.index)
    if len(words) > 1:
        keys.warnings.append(
            Issue("several_registrations", entry.line, entry.key, {"value": chosen})
        )
    return chosen


def _service(keys: _Keys) -> ServiceRecord:
    errors: list[Issue] = []
    w = keys.warnings
    name = _required(keys, "service.name", errors)
    software_name = _required(keys, "software.name", errors)
    registration = _registration(keys, errors)
    status = keys.get("service.status.level")
    status_value = None
    if status:
        status_value = v.clean_choice(
            status.key, status.value, status.line, w, vocabulary.SERVICE_STATUSES
        )
    languages = keys.get("service.languages")
    host_code = keys.get("host.country.code")
    host_name = keys.get("host.country.name")
    fields = {
        "name": name,
        "description": keys.text("service.description"),
        "website": _url(keys, "service.website"),
        "logo_url": _url(keys, "service.logo"),
        "legal_url": _url(keys, "service.legal.url"),
        "startdate": _date(keys, "service.startdate"),
        "enddate": _date(keys, "service.enddate"),
        "status": status_value or "ok",
        "status_description": keys.text("service.status.description"),
        "registration": registration,
        "price": vocabulary.price_for(
            registration, _choice(keys, "service.price", vocabulary.PRICES)
        ),
        "languages": (
            v.clean_languages(languages.key, languages.value, languages.line, w)
            if languages
            else []
        ),
        "software_declared": software_name,
        "software_version": keys.text("software.version"),
        "software_license": keys.text("software.license.name"),
        "host_name": keys.text("host.name"),
        "host_provider_type": _choice(keys, "host.provider.type", vocabulary.PROVIDER_TYPES),
        "host_server_type": _choice(keys, "host.server.type", vocabulary.SERVER_TYPES),
        "capacity_participants": _count(keys, "service.capacity.participants"),
        "host_country_code": (
            v.clean_country(
                "host.country.code",
                host_code.value if host_code else None,
                host_name.value if host_name else None,
                (host_code or host_name).line,
                w,
            )
            if host_code or host_name
            else None
        ),
    }
    if errors:
        raise ParseError(errors, w)
    # Only a declared load is the file's: without the key, the host's one-click "we are full /
    # open again" switch on the dashboard decides (a new service starts open).
    load = _choice(keys, "service.registration.load", vocabulary.LOADS)
    if load is not None:
        fields["load"] = load
    extra = {k: val for k, val in keys.unused().items() if not k.lower().startswith("file.")}
    fields["extra"] = extra
    return ServiceRecord(fields=fields, software_name=software_name or "", extra=extra)
