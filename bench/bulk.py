"""A fast loader for sizes the importer cannot fill in the benchmark's time (10,000 hosts).

It reads the same generated files with the importer's own parser (`parse_properties`) and
resolves software with the importer's `SoftwareResolver`, then writes the rows the importer
would have written (organizations as members, services with their catalogue categories, and
the `Source` rows with ETag, Last-Modified and content hash, so that a later real import of the
same files meets 304s and "unchanged") in a few bulk INSERTs. It skips what search does not read:
provenance records, import runs and results. The index is then built by the real
`SearchService.rebuild()` (`flask search rebuild`).

It is used for all federation files but the last: the last one is then imported by the real
importer, timed, on top of the others, so the benchmark still measures a first import at
that scale (500 new hosts joining 9,500).
"""

from __future__ import annotations

import email.utils
import hashlib
import time
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import Session, select

from directory.catalog import SoftwareResolver, normalize
from directory.feeds.chatonsinfos import parse_properties
from directory.feeds.issues import ParseError
from directory.feeds.reconcile import SUCCESS_INTERVAL, content_hash
from directory.models import (
    Organization,
    Service,
    ServiceCategory,
    SoftwareCategory,
    Source,
    website_domain,
)
from directory.timeutil import utcnow

ORGANIZATION_COLUMNS = set(Organization.__table__.columns.keys())
SERVICE_COLUMNS = set(Service.__table__.columns.keys())


def _http_headers(path) -> tuple[str, str]:
    """The ETag and Last-Modified bench/serve.py sends for this file."""
    etag = '"' + hashlib.sha1(path.read_bytes()).hexdigest() + '"'
    return etag, email.utils.formatdate(path.stat().st_mtime, usegmt=True)


def bulk_load(database, federation, shards: list[str]) -> dict:
    """Write the organizations listed by `shards` straight into the database."""
    from bench.generate import shard_of

    started = time.perf_counter()
    now = utcnow()
    due = now + SUCCESS_INTERVAL
    folder, base = federation.folder, federation.base_url
    with Session(database.engine) as session:  # not the app's factory: no index listeners
        resolver = SoftwareResolver.from_session(session)
        categories_of: dict[int, list[int]] = {}
        for link in session.exec(select(SoftwareCategory)):
            categories_of.setdefault(link.software_id, []).append(link.category_id)
        next_id = {
            model: (session.exec(select(model.id).order_by(model.id.desc())).first() or 0) + 1
            for model in (Organization, Service, Source)
        }
        slugs = set(session.exec(select(Organization.slug)).all())

        def new_id(model) -> int:
            value = next_id[model]
            next_id[model] += 1
            return value

        def source(url, kind, parent_id, subs_key, path, **extra) -> dict:
            row = {
                "id": new_id(Source),
                "url": url,
                "kind": kind,
                "parent_id": parent_id,
                "subs_key": subs_key,
                "last_attempt_at": now,
                "consecutive_failures": 0,
                "errors": [],
                "warnings": [],
                **extra,
            }
            if path is not None and path.is_file():
                etag, modified = _http_headers(path)
                row.update(
                    etag=etag,
                    last_modified=modified,
                    content_hash=content_hash(path.read_bytes()),
                    last_success_at=now,
                    last_status=200,
                    next_due_at=due,
                )
            else:
                row.update(
                    last_status=404,
                    consecutive_failures=1,
                    last_error="HTTP 404",
                    next_due_at=now + timedelta(hours=2),
                )
            return row

        organizations, services, links, sources = [], [], [], []
        for shard in shards:
            shard_path = folder / shard.removeprefix(base + "/")
            shard_row = source(shard, "federation", None, None, shard_path)
            sources.append(shard_row)
            for org in federation.organizations:
                if shard_of(federation, org) != shard:
                    continue
                if org.stale:  # listed, file missing: a failed source and no organization
                    sources.append(source(org.url, "organization", shard_row["id"], org.slug, None))
                    continue
                parsed = parse_properties(org.path.read_bytes(), org.url, expected="organization")
                fields = parsed.record.fields
                base_slug = normalize(fields["name"]).replace(" ", "-")[:100] or "host"
                slug, counter = base_slug, 1
                while slug in slugs:
                    counter += 1
                    slug = f"{base_slug}-{counter}"
                slugs.add(slug)
                organization_id = new_id(Organization)
                organizations.append(
                    {
                        **{k: v for k, v in fields.items() if k in ORGANIZATION_COLUMNS},
                        "id": organization_id,
                        "slug": slug,
                        # What the ORM listener fills (the importer's takeover guard reads it).
                        "website_domain": website_domain(fields.get("website")),
                        "membership": "member",
                        "created_at": now,
                        "updated_at": now,
                        "confirmed_at": now,  # its file was just read well
                    }
                )
                org_row = source(
                    org.url,
                    "organization",
                    shard_row["id"],
                    org.slug,
                    org.path,
                    organization_id=organization_id,
                )
                sources.append(org_row)
                for sub in parsed.record.subs:
                    service_path = folder / sub.url.removeprefix(base + "/")
                    service_id = None
                    if service_path.is_file():
                        try:
                            record = parse_properties(
                                service_path.read_bytes(), sub.url, expected="service"
                            ).record
                        except ParseError:
                            record = None
                        if record is not None:
                            software_id = resolver.resolve(record.software_name)
                            service_id = new_id(Service)
                            row = {k: v for k, v in record.fields.items() if k in SERVICE_COLUMNS}
                            row.setdefault("load", "open")
                            services.append(
                                {
                                    **row,
                                    "id": service_id,
                                    "organization_id": organization_id,
                                    "software_id": software_id,
                                    "created_at": now,
                                    "updated_at": now,
                                }
                            )
                            links += [
                                {"service_id": service_id, "category_id": category_id}
                                for category_id in categories_of.get(software_id, [])
                            ]
                    sources.append(
                        source(
                            sub.url,
                            "service",
                            org_row["id"],
                            sub.key,
                            service_path,
                            organization_id=organization_id,
                            service_id=service_id,
                        )
                    )
        parsed_s = time.perf_counter() - started
        for model, rows in (
            (Organization, organizations),
            (Service, services),
            (ServiceCategory, links),
        ):
            if rows:
                session.execute(insert(model.__table__), rows)
        # Rows differ in their keys (failed sources have no etag): insert them by shape.
        by_shape: dict[tuple, list[dict]] = {}
        for row in sources:
            by_shape.setdefault(tuple(sorted(row)), []).append(row)
        for rows in by_shape.values():
            session.execute(insert(Source.__table__), rows)
        session.commit()
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "parse_s": round(parsed_s, 3),
        "organizations": len(organizations),
        "services": len(services),
        "sources": len(sources),
    }
