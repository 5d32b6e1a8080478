"""`flask feeds repair`: put back what the importer's older rules let hosts cross.

Before files had owners (DESIGN.md, "Who owns a file"), an organization's `subs` line could
re-bind another host's file to itself, a host could list the federation file (a parent cycle),
the same file could be stored under several spellings of its address, and one service could be
published many times. The importer now refuses all of that; this finds what a database already
holds and mends it:

1. **Tree.** A federation file has no parent; an organization file hangs under a federation (or
   nothing, when its host added it); a service file under an organization file. A link that
   breaks these rules is cut: the next read of the right parent hangs the file back.
2. **Owners.** An organization file belongs to the organization its values were first written
   to (the oldest provenance that names the file); a service file to the organization its
   service was created for (the old rules re-bound files, never services), or else to its
   organization file's, and it hangs back under that organization's file.
3. **Addresses.** Every address is put in its canonical form; a second spelling of a file
   already stored is forgotten when both belong to the same organization, reported otherwise.
4. **Twins.** An organization publishes one service per software and address: the oldest stays,
   the others are retired (kept, not deleted).

The files of every organization it touched are read in full at the next `flask feeds refresh`
(validators cleared, due now), so each listing is rewritten from its own files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory import listings
from directory.feeds.reconcile import service_address
from directory.models import Provenance, Service, Source
from directory.outbound.guard import Refused, canonical_url
from directory.timeutil import utcnow

_PARENT_KINDS = {
    "federation": (),
    "organization": ("federation",),
    "service": ("organization",),
    "json": (),
    "news": (),
}


@dataclass
class RepairReport:
    """What was mended, one English sentence per change (for the terminal)."""

    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what needs a person
    organizations: set[int] = field(default_factory=set)  # to read again in full

    def change(self, text: str, *organization_ids: int | None) -> None:
        self.changes.append(text)
        self.organizations.update(i for i in organization_ids if i is not None)


def repair(session: Session) -> RepairReport:
    """Mend the sources and services of the whole directory; the caller commits."""
    report = RepairReport()
    sources = {s.id: s for s in session.exec(select(Source).order_by(Source.id)).all()}
    _mend_tree(sources, report)
    _mend_owners(session, sources, report)
    _mend_addresses(session, sources, report)
    _retire_twins(session, report)
    _read_again(sources, report)
    return report


def _mend_tree(sources: dict[int, Source], report: RepairReport) -> None:
    for source in sources.values():
        parent = sources.get(source.parent_id) if source.parent_id is not None else None
        if parent is None or parent.kind in _PARENT_KINDS.get(source.kind, ()):
            continue
        report.change(
            f"{source.url}: a {source.kind} file no longer hangs under the {parent.kind} file "
            f"{parent.url}",
            source.organization_id,
            parent.organization_id,
        )
        source.parent_id = None


def _first_writer(session: Session, source_id: int) -> int | None:
    """The organization this organization file's values were first written to."""
    rows = session.exec(
        select(Provenance.entity_id, Provenance.set_at).where(
            Provenance.entity == "organization", Provenance.source_id == source_id
        )
    ).all()
    first: dict[int, object] = {}
    for organization_id, set_at in rows:
        if organization_id not in first or set_at < first[organization_id]:
            first[organization_id] = set_at
    return min(first, key=lambda key: (first[key], key)) if first else None


def _give_back(source: Source, owner: int | None, report: RepairReport) -> None:
    if owner is not None and owner != source.organization_id:
        report.change(
            f"{source.url}: given back to organization {owner} "
            f"(organization {source.organization_id} had taken it)",
            owner,
            source.organization_id,
        )
        source.organization_id = owner


def _mend_owners(session: Session, sources: dict[int, Source], report: RepairReport) -> None:
    for source in sources.values():
        if source.kind != "organization":
            continue
        _give_back(source, _first_writer(session, source.id), report)
    own_files = {}
    for source in sources.values():
        if source.kind == "organization" and source.organization_id is not None:
            own_files.setdefault(source.organization_id, source)
    for source in sources.values():
        if source.kind != "service":
            continue
        parent = sources.get(source.parent_id) if source.parent_id is not None else None
        service = session.get(Service, source.service_id) if source.service_id else None
        # The service was created for the organization that read its file first; the old
        # importer re-bound the file (and hung it under the claimant) but never moved it.
        if service is not None:
            owner = service.organization_id
        elif parent is not None and parent.kind == "organization":
            owner = parent.organization_id
        else:
            continue
        _give_back(source, owner, report)
        home = own_files.get(owner)
        if parent is not None and parent.organization_id != owner:
            report.change(
                f"{source.url}: hung back under its organization's file "
                f"{home.url if home else '(none)'}",
                owner,
                parent.organization_id,
            )
            source.parent_id = home.id if home is not None else None


def _mend_addresses(session: Session, sources: dict[int, Source], report: RepairReport) -> None:
    by_url = {source.url: source for source in sources.values()}
    for source in list(sources.values()):
        try:
            canonical = canonical_url(source.url)
        except Refused:
            report.problems.append(
                f"source {source.id} ({source.url}) is not a web address Portée can read: "
                f"remove it with `flask feeds remove-source {source.id}`"
            )
            continue
        if canonical == source.url:
            continue
        other = by_url.get(canonical)
        if other is None:
            report.change(f"{source.url}: written {canonical}", source.organization_id)
            del by_url[source.url]
            source.url = canonical
            by_url[canonical] = source
        elif other.organization_id == source.organization_id:
            report.change(
                f"{source.url}: the same file as {canonical}, forgotten", source.organization_id
            )
            for child in sources.values():
                if child.parent_id == source.id:
                    child.parent_id = other.id
            session.delete(source)
            del sources[source.id]
        else:
            report.problems.append(
                f"{source.url} and {canonical} are one file bound to organizations "
                f"{source.organization_id} and {other.organization_id}: a moderator decides"
            )
    session.flush()


def _retire_twins(session: Session, report: RepairReport) -> None:
    services = session.exec(
        select(Service).where(Service.retired_at == None).order_by(Service.id)  # noqa: E711
    ).all()
    seen: dict[tuple, Service] = {}
    for service in services:
        address = service_address(service.website)
        if address is None:
            continue
        key = (service.organization_id, service.software_id, address)
        if key in seen:
            report.change(
                f"service {service.id} ({service.name}) is the same service as "
                f"{seen[key].id}: retired",
                service.organization_id,
            )
            listings.retire_service(session, service)
        else:
            seen[key] = service


def _read_again(sources: dict[int, Source], report: RepairReport) -> None:
    """Every file of the organizations touched is read in full at the next refresh."""
    now = utcnow()
    for source in sources.values():
        # A federation is read again too: it hangs back the organization files cut loose.
        if source.organization_id in report.organizations or (
            report.changes and source.kind == "federation"
        ):
            source.etag = source.last_modified = source.content_hash = None
            source.next_due_at = now
