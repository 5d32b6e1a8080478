"""Proof that a host controls the domain of its website, as Let's Encrypt and Google do it.

Portée gives the host a token; the host publishes it either in a file at
`https://<domain>/.well-known/portee-verification.txt` or in a DNS TXT record at
`_portee-verification.<domain>`. The file is read through the guarded Fetcher of
directory/outbound, which callers pass in (the SSRF rules apply, on every redirect too). A check
records what it found, worded by the web layer from a code (`http_status`, `token_missing`,
`dns_no_record`…). Callers commit.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
from sqlmodel import Session, select

from directory.accounts import audit
from directory.models import Account, DomainClaim, Organization
from directory.outbound.fetch import Fetcher
from directory.timeutil import utcnow

WELL_KNOWN_PATH = "/.well-known/portee-verification.txt"
DNS_PREFIX = "_portee-verification."
DNS_LIFETIME = 5.0
TxtResolver = Callable[[str], list[str]]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class OwnershipError(ValueError):
    """A domain that cannot be claimed; `code` says why (worded by the web layer)."""

    def __init__(self, code: str, **params) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


def normalize_domain(domain: str) -> str:
    """The domain in lower case, in its ASCII (IDNA) form; refuses IP addresses and names
    that are not a domain (one label, a port, a path…)."""
    text = (domain or "").strip().rstrip(".").lower()
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        pass
    else:
        raise OwnershipError("bad_domain", value=domain)
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise OwnershipError("bad_domain", value=domain) from error
    labels = text.split(".")
    if len(text) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise OwnershipError("bad_domain", value=domain)
    return text


def domain_of(url: str | None) -> str | None:
    """The domain a website's address claims, or None if it has none that can be proved."""
    if not url:
        return None
    try:
        return normalize_domain(urlsplit(url).hostname or "")
    except (OwnershipError, ValueError):
        return None


def claim_domain(session: Session, organization: Organization, domain: str) -> DomainClaim:
    """The organization's claim on `domain`, with its token (one claim per organization and
    domain: asking again gives the same claim and token)."""
    domain = normalize_domain(domain)
    claim = session.exec(
        select(DomainClaim).where(
            DomainClaim.organization_id == organization.id, DomainClaim.domain == domain
        )
    ).first()
    if claim is None:
        claim = DomainClaim(
            organization_id=organization.id,
            domain=domain,
            token=secrets.token_urlsafe(24),
            created_at=utcnow(),
        )
        session.add(claim)
        session.flush()
    return claim


def current_claim(session: Session, organization: Organization) -> DomainClaim | None:
    """The claim on the domain of the organization's website as it is now (None if the host
    has no website, or changed it and has not asked for a check since)."""
    domain = domain_of(organization.website)
    if domain is None:
        return None
    return session.exec(
        select(DomainClaim).where(
            DomainClaim.organization_id == organization.id, DomainClaim.domain == domain
        )
    ).first()


def dns_txt_resolver(name: str) -> list[str]:
    """The TXT records at `name` (each record's strings joined); none when the lookup fails."""
    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=DNS_LIFETIME)
    except dns.exception.DNSException:
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def check_claim(
    session: Session,
    claim: DomainClaim,
    fetcher: Fetcher,
    txt_resolver: TxtResolver | None = None,
    *,
    base_url: str | None = None,
    actor: Account | None = None,
    now: datetime | None = None,
) -> bool:
    """Look for the token, first in the file on the web site, then in DNS; record the result.

    `base_url` (default `https://<domain>`) lets tests serve the file from a local server. A
    claim once proved stays proved when a later check fails; that failure is still recorded,
    and `failing_since` says since when the proof no longer verifies.
    """
    now = now or utcnow()
    http_issue = _check_http(fetcher, base_url or f"https://{claim.domain}", claim.token)
    dns_issue = None
    if http_issue is not None:
        dns_issue = _check_dns(txt_resolver or dns_txt_resolver, claim.domain, claim.token)
    claim.last_checked_at = now
    proved = http_issue is None or dns_issue is None
    if proved:
        method = "http" if http_issue is None else "dns"
        newly = claim.verified_at is None or claim.method != method
        claim.verified_at = claim.verified_at or now
        claim.method = method
        claim.last_error = {}
        claim.confirmed_at = now
        claim.failing_since = None
        if newly:
            audit(
                session,
                actor,
                "domain_verified",
                claim.organization_id,
                domain=claim.domain,
                method=method,
            )
    else:
        claim.last_error = {**http_issue, "dns": dns_issue}
        if claim.verified_at is not None and claim.failing_since is None:
            claim.failing_since = now
    session.add(claim)
    return proved


def check_organization_domain(
    session: Session,
    organization: Organization,
    fetcher: Fetcher,
    txt_resolver: TxtResolver | None = None,
    *,
    actor: Account | None = None,
) -> DomainClaim:
    """ "Check now": claim the domain of the organization's website (if not yet) and check it."""
    domain = domain_of(organization.website)
    if domain is None:
        raise OwnershipError("no_website")
    claim = claim_domain(session, organization, domain)
    check_claim(session, claim, fetcher, txt_resolver, actor=actor)
    return claim


def well_known_url(domain: str) -> str:
    return f"https://{domain}{WELL_KNOWN_PATH}"


def dns_name(domain: str) -> str:
    return f"{DNS_PREFIX}{domain}"


def _issue(code: str, **params) -> dict:
    return {"code": code, "params": params}


def _check_http(fetcher: Fetcher, base_url: str, token: str) -> dict | None:
    """None when the file's first line is the token; else what went wrong."""
    url = base_url.rstrip("/") + WELL_KNOWN_PATH
    result = fetcher.fetch(url)
    if result.error is not None:
        return _issue(result.error.code, **result.error.params)
    if result.status != 200 or result.content is None:
        return _issue("http_status", status=result.status)
    text = result.content.decode("utf-8", "replace").lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or lines[0].strip() != token:
        return _issue("token_missing", url=url)
    return None


def _check_dns(resolver: TxtResolver, domain: str, token: str) -> dict | None:
    """None when a TXT record at _portee-verification.<domain> is the token."""
    name = dns_name(domain)
    try:
        records = resolver(name)
    except Exception:  # a resolver that fails must not turn a check into a server error
        return _issue("dns_failed", name=name)
    if any(record.strip().strip('"').strip() == token for record in records):
        return None
    if records:
        return _issue("dns_token_missing", name=name)
    return _issue("dns_no_record", name=name)
