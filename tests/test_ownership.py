"""Proof of a claimed domain: the token in a file on the web site, or in a DNS TXT record.

The web site is a pytest-httpserver on 127.0.0.1 (the fetcher's policy allows private
addresses there); DNS is a fake resolver. The guarded policy is checked without a server.
"""

from __future__ import annotations

import ipaddress

import dns.exception
import dns.resolver
import httpx
import pytest
from sqlmodel import select

from directory import listings, ownership
from directory.db import get_database
from directory.feeds.issues import Issue
from directory.models import AuditEvent, DomainClaim, Organization
from directory.outbound.fetch import Fetcher, FetchResult
from directory.outbound.guard import AddressPolicy

WELL_KNOWN = "/.well-known/portee-verification.txt"


@pytest.fixture
def session(app):
    with get_database(app).session_scope() as session:
        yield session


@pytest.fixture
def claim(session):
    organization = listings.create_organization(session, "Chaton du Lac", "candidate")
    organization.website = "https://chaton-du-lac.example/"
    claim = ownership.claim_domain(session, organization, "chaton-du-lac.example")
    session.commit()
    return claim


@pytest.fixture
def fetcher():
    with Fetcher(policy=AddressPolicy(allow_private=True)) as open_fetcher:
        yield open_fetcher


def no_dns(_name):
    return []


def audits(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


# -- claims ----------------------------------------------------------------------------------


def test_a_claim_has_a_long_random_token_and_is_made_once(session, claim):
    assert len(claim.token) >= 32
    organization = listings.create_organization(session, "Other", "candidate")
    mine = session.get(Organization, claim.organization_id)
    again = ownership.claim_domain(session, mine, "Chaton-du-Lac.example.")
    assert again.id == claim.id and again.token == claim.token
    other = ownership.claim_domain(session, organization, "chaton-du-lac.example")
    assert other.id != claim.id and other.token != claim.token
    assert session.exec(select(DomainClaim)).all() == [claim, other]


@pytest.mark.parametrize(
    "domain", ["", "localhost", "127.0.0.1", "[::1]", "exa mple.org", "-bad.example", "a..b"]
)
def test_what_is_not_a_domain_cannot_be_claimed(session, claim, domain):
    organization = session.get(Organization, claim.organization_id)
    with pytest.raises(ownership.OwnershipError) as refused:
        ownership.claim_domain(session, organization, domain)
    assert refused.value.code == "bad_domain"


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://Chaton.Example/path", "chaton.example"),
        ("https://écrin.example/", "xn--crin-9oa.example"),
        ("https://127.0.0.1/", None),
        ("not a url", None),
        (None, None),
    ],
)
def test_the_domain_of_a_website(url, domain):
    assert ownership.domain_of(url) == domain


# -- the file on the web site ----------------------------------------------------------------


def test_the_token_in_the_file_proves_the_domain(session, claim, fetcher, httpserver):
    httpserver.expect_request(WELL_KNOWN).respond_with_data(f"  {claim.token}  \nanything else\n")
    proved = ownership.check_claim(
        session, claim, fetcher, no_dns, base_url=httpserver.url_for("").rstrip("/")
    )
    session.commit()
    assert proved
    assert claim.method == "http" and claim.verified_at and claim.last_checked_at
    assert claim.last_error == {}
    assert [e.detail for e in audits(session, "domain_verified")] == [
        {"domain": "chaton-du-lac.example", "method": "http"}
    ]
    # A second proof is not audited again.
    assert ownership.check_claim(session, claim, fetcher, no_dns, base_url=httpserver.url_for(""))
    assert len(audits(session, "domain_verified")) == 1


def test_a_wrong_token_proves_nothing(session, claim, fetcher, httpserver):
    httpserver.expect_request(WELL_KNOWN).respond_with_data("someone-elses-token\n")
    assert not ownership.check_claim(
        session, claim, fetcher, no_dns, base_url=httpserver.url_for("")
    )
    assert claim.verified_at is None and claim.method is None
    assert claim.last_error["code"] == "token_missing"
    assert claim.last_error["params"]["url"].endswith(WELL_KNOWN)
    assert claim.last_error["dns"]["code"] == "dns_no_record"
    assert claim.last_checked_at is not None
    assert audits(session, "domain_verified") == []


def test_the_token_must_be_the_first_line(session, claim, fetcher, httpserver):
    httpserver.expect_request(WELL_KNOWN).respond_with_data(f"hello\n{claim.token}\n")
    assert not ownership.check_claim(
        session, claim, fetcher, no_dns, base_url=httpserver.url_for("")
    )
    assert claim.last_error["code"] == "token_missing"


def test_a_missing_file_is_reported_with_its_status(session, claim, fetcher, httpserver):
    httpserver.expect_request(WELL_KNOWN).respond_with_data("Not found", status=404)
    assert not ownership.check_claim(
        session, claim, fetcher, no_dns, base_url=httpserver.url_for("")
    )
    assert claim.last_error["code"] == "http_status"
    assert claim.last_error["params"] == {"status": 404}


def test_a_proof_stays_when_a_later_check_fails(session, claim, fetcher, httpserver):
    httpserver.expect_oneshot_request(WELL_KNOWN).respond_with_data(claim.token)
    base = httpserver.url_for("")
    assert ownership.check_claim(session, claim, fetcher, no_dns, base_url=base)
    first = claim.verified_at
    httpserver.expect_request(WELL_KNOWN).respond_with_data("gone", status=410)
    assert not ownership.check_claim(session, claim, fetcher, no_dns, base_url=base)
    assert claim.verified_at == first and claim.last_error["code"] == "http_status"


def redirecting_to(location: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": location}, request=request)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("location", "code"),
    [
        ("https://169.254.169.254/latest/meta-data/", "redirect_blocked"),
        ("https://localhost/.well-known/portee-verification.txt", "redirect_blocked"),
        ("http://chaton-du-lac.example/", "insecure_redirect"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(session, claim, location, code):
    with Fetcher(transport=redirecting_to(location), policy=AddressPolicy()) as guarded:
        assert not ownership.check_claim(session, claim, guarded, no_dns)
    assert claim.last_error["code"] == code
    assert claim.verified_at is None


def test_a_domain_resolving_to_a_private_address_is_never_fetched(session, claim):
    def private_resolver(_host, _port):
        return [ipaddress.ip_address("10.0.0.7")]

    with Fetcher(policy=AddressPolicy(resolver=private_resolver)) as guarded:
        assert not ownership.check_claim(session, claim, guarded, no_dns)
    assert claim.last_error["code"] == "blocked_address"
    assert claim.last_error["params"]["reason"] == "private"


# -- DNS -------------------------------------------------------------------------------------


class FakeResolver:
    def __init__(self, records=None, error: Exception | None = None):
        self.records = records or {}
        self.error = error
        self.asked = []

    def __call__(self, name):
        self.asked.append(name)
        if self.error:
            raise self.error
        return self.records.get(name, [])


@pytest.fixture
def unreachable(httpserver):
    httpserver.expect_request(WELL_KNOWN).respond_with_data("no", status=404)
    return httpserver.url_for("")


def test_the_token_in_a_txt_record_proves_the_domain(session, claim, fetcher, unreachable):
    resolver = FakeResolver(
        {"_portee-verification.chaton-du-lac.example": ["v=other", f'"{claim.token}"']}
    )
    assert ownership.check_claim(session, claim, fetcher, resolver, base_url=unreachable)
    assert resolver.asked == ["_portee-verification.chaton-du-lac.example"]
    assert claim.method == "dns" and claim.verified_at and claim.last_error == {}
    assert [e.detail["method"] for e in audits(session, "domain_verified")] == ["dns"]


def test_dns_is_not_asked_when_the_file_proves_it(session, claim, fetcher, httpserver):
    httpserver.expect_request(WELL_KNOWN).respond_with_data(claim.token)
    resolver = FakeResolver()
    assert ownership.check_claim(session, claim, fetcher, resolver, base_url=httpserver.url_for(""))
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("records", "code"),
    [
        ({}, "dns_no_record"),
        ({"_portee-verification.chaton-du-lac.example": ["not-the-token"]}, "dns_token_missing"),
        ({"chaton-du-lac.example": ["TOKEN-AT-THE-WRONG-NAME"]}, "dns_no_record"),
    ],
)
def test_a_missing_txt_record_is_reported(session, claim, fetcher, unreachable, records, code):
    resolver = FakeResolver(records)
    assert not ownership.check_claim(session, claim, fetcher, resolver, base_url=unreachable)
    assert claim.last_error["code"] == "http_status"
    assert claim.last_error["dns"] == {
        "code": code,
        "params": {"name": "_portee-verification.chaton-du-lac.example"},
    }


def test_a_failing_resolver_is_a_result_not_a_crash(session, claim, fetcher, unreachable):
    resolver = FakeResolver(error=dns.exception.Timeout())
    assert not ownership.check_claim(session, claim, fetcher, resolver, base_url=unreachable)
    assert claim.last_error["dns"]["code"] == "dns_failed"


@pytest.mark.parametrize(
    "error", [dns.resolver.NXDOMAIN(), dns.resolver.NoAnswer(), dns.exception.Timeout()]
)
def test_the_default_resolver_turns_lookup_errors_into_no_records(monkeypatch, error):
    asked = []

    def resolve(name, kind, lifetime):
        asked.append((name, kind, lifetime))
        raise error

    monkeypatch.setattr(dns.resolver, "resolve", resolve)
    assert ownership.dns_txt_resolver("_portee-verification.example.org") == []
    assert asked == [("_portee-verification.example.org", "TXT", 5.0)]


def test_the_default_resolver_joins_the_strings_of_each_record(monkeypatch):
    class Record:
        def __init__(self, *strings):
            self.strings = strings

    monkeypatch.setattr(
        dns.resolver, "resolve", lambda *_a, **_k: [Record(b"abc", b"def"), Record(b"x")]
    )
    assert ownership.dns_txt_resolver("_portee-verification.example.org") == ["abcdef", "x"]


def test_check_now_claims_the_current_website_domain(session, claim, fetcher):
    organization = session.get(Organization, claim.organization_id)
    organization.website = "https://new-home.example/"
    resolver = FakeResolver(error=dns.exception.Timeout())

    class Offline:
        def fetch(self, url):
            return FetchResult(url, error=Issue("host_not_found", params={"host": "x"}))

    new_claim = ownership.check_organization_domain(session, organization, Offline(), resolver)
    assert new_claim.domain == "new-home.example" and new_claim.id != claim.id
    assert ownership.current_claim(session, organization) == new_claim
    organization.website = None
    with pytest.raises(ownership.OwnershipError) as refused:
        ownership.check_organization_domain(session, organization, Offline(), resolver)
    assert refused.value.code == "no_website"
