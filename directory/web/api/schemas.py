"""The API's request parameters and answers as pydantic models: declared once, they give the
OpenAPI document (directory/web/api/openapi.py) and the tests' schema checks. The payload
builders in routes.py stay plain dicts; these models describe them (extra keys are allowed, so
that a new field does not break a client that validates)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Error(BaseModel):
    """Every error answer of the API."""

    error: str = Field(description="A stable code: not_found, invalid, no_needs, …")
    message: str = Field(description="What went wrong, in words (English)")
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="For `invalid`: each refused parameter and why"
    )


class Named(BaseModel):
    slug: str | None
    name: str | None


class OrganizationRef(BaseModel):
    slug: str
    name: str
    country: str | None = Field(description="ISO 3166-1 alpha-2")
    status: str
    not_confirmed_since: str | None = Field(
        description="Day (ISO 8601) since which the listing was not confirmed, if it is stale"
    )
    url: str = Field(description="This organization in the API")


class Service(BaseModel):
    id: int
    name: str
    url: str | None
    software: Named
    categories: list[Named]
    registration: str | None = Field(description="None, Free, Member or Client")
    load: str = Field(description="open, full or closed")
    price: str | None = Field(description="free, donation or paid")
    languages: list[str] = Field(description="ISO 639-1 codes")
    capacity_participants: int | None
    organization: OrganizationRef


class Seen(BaseModel):
    software: str | None
    version: str | None


class Checks(BaseModel):
    """What Portée's probes found of a service (issue 14)."""

    kind: str = Field(description="Always `checked`: measured by Portée, not declared")
    checked_at: str | None = Field(description="The last probe (ISO 8601); None: never checked")
    reachable: bool | None = Field(description="False when the last probe failed; None: never")
    unreachable_since: str | None = Field(description="When unreachable: its first failure")
    availability_30_days: float | None = Field(description="Share of probes up, 0 to 1")
    certificate_expires_soon: str | None = Field(description="Its TLS expiry, when close")
    seen: Seen | None = Field(description="The software and version the probe saw")


class CardChecks(Checks):
    domain_proven: bool = Field(description="The host proved it controls its domain")


class SearchHit(Service):
    other_services_of_host: int = Field(
        description="Services of the same host and software folded under this one"
    )
    checks: CardChecks | None


class Relaxation(BaseModel):
    """A filter given to /search, and how many offers there would be without it."""

    filter: str
    values: list[str]
    total: int


class SearchAnswer(BaseModel):
    query: str
    filters: dict[str, list[str]]
    total: int
    page: int
    pages: int
    per_page: int
    results: list[SearchHit]
    facets: dict[str, dict[str, int]]
    unmatched: list[str] = Field(description="Typed words set aside, not used to filter")
    relaxations: list[Relaxation] = Field(
        default_factory=list,
        description="When nothing matches: each filter with the offers found without it",
    )


class Contact(BaseModel):
    email: str | None
    url: str | None


class Organization(BaseModel):
    slug: str
    name: str
    description: str | None
    website: str | None
    legal_type: str | None
    status: str
    country: str | None
    address: str | None
    languages: list[str]
    contact: Contact
    confirmed_at: str = Field(description="When the listing was last confirmed (ISO 8601)")
    not_confirmed_since: str | None
    page: str = Field(description="The host's page on the site")


class TrustFact(BaseModel):
    fact: str
    kind: str = Field(description="declared, checked or decided")
    said: bool
    value: Any = None
    established_at: str | None


class OrganizationService(Service):
    ended: bool
    checks: Checks


class OrganizationAnswer(Organization):
    trust: list[TrustFact]
    services: list[OrganizationService]


class NeedRef(BaseModel):
    kind: Literal["category", "software"]
    slug: str


class Preference(BaseModel):
    name: str
    value: str
    required: bool


class MatchRelaxation(BaseModel):
    constraint: Preference
    hosts: int


class Offer(Service):
    need: NeedRef
    reachable: bool = Field(description="False only when its last probe failed")
    unreachable_since: str | None = Field(description="When unreachable: its first failure")


class MatchHost(BaseModel):
    organization: Organization
    covers: int
    covers_open: int
    missing: list[NeedRef]
    preferences_met: list[Preference]
    stale: bool
    offers: list[Offer]


class MatchAnswer(BaseModel):
    needs: list[NeedRef]
    relaxed: Preference | None
    relaxations: list[MatchRelaxation]
    hosts: list[MatchHost]


# -- request parameters ----------------------------------------------------------------------

SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"


class SearchQuery(BaseModel):
    q: str | None = Field(None, description="Words, as typed in the site's search box")
    category: list[str] = Field(default_factory=list, description="Task slug (repeatable)")
    software: list[str] = Field(default_factory=list, description="Software slug (repeatable)")
    registration: str | None = Field(None, description="none, free, member or client")
    load: str | None = Field(None, description="open or full")
    price: str | None = Field(None, description="free, donation or paid")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code of the host")
    language: list[str] = Field(default_factory=list, description="ISO 639-1 service language")
    lang: list[str] = Field(default_factory=list, description="Same as `language`")
    legal_type: str | None = None
    page: int | None = Field(None, ge=1, le=500)


class MatchQuery(BaseModel):
    needs: list[str] = Field(default_factory=list, description="Task slug (repeatable)")
    software: list[str] = Field(default_factory=list, description="Software slug (repeatable)")
    language: str | None = Field(None, description="ISO 639-1 code")
    language_required: bool | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code")
    country_required: bool | None = None
    price: str | None = None
    price_required: bool | None = None
    registration: str | None = None
    registration_required: bool | None = None
    account_free: bool | None = None
    account_free_required: bool | None = None
    group_size: int | None = Field(None, ge=1, le=100000)
