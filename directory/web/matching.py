"""Shared by the HTML and JSON matchmaker views: run a match and load what it names."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from directory import public
from directory.db import get_session
from directory.models import Organization, Service
from directory.probes import summary
from directory.timeutil import utcnow
from search import IndexRebuilding, IndexUnavailable, SearchParams, get_search
from search.match import LARGE_GROUP, HostMatch, MatchRequest, MatchResult, Need


@dataclass
class HostView:
    organization: Organization
    match: HostMatch
    offers: list[tuple[Need, Service]]  # each covered need with the offer that fulfils it
    # Offers whose declared capacity (`service.capacity.participants`) is below the group size.
    too_small: list[Service] = field(default_factory=list)
    # Offers whose last check failed (what search/match.py ranked last), with their health:
    # the page labels them as the result cards do, and says why the host comes later.
    unreachable: dict[int, summary.ServiceHealth] = field(default_factory=dict)


@dataclass
class MatchOutcome:
    result: MatchResult | None = None
    hosts: list[HostView] = field(default_factory=list)
    unavailable: bool = False
    rebuilding: bool = False  # unavailable because the index is being rebuilt
    names: dict[Need, object] = field(default_factory=dict)  # catalogue entry of each need

    @property
    def guests_first(self) -> bool:
        """A large group: offers usable without an account rank first (search/match.py)."""
        size = self.result.request.group_size if self.result else None
        return (size or 0) > LARGE_GROUP


def offered_countries() -> list[str]:
    try:
        results = get_search().search(SearchParams(per_page=1))
    except IndexUnavailable:
        return []
    return sorted(results.facets.get("country", {}))


def run_match(request: MatchRequest, limit: int = 20) -> MatchOutcome:
    outcome = MatchOutcome()
    try:
        outcome.result = get_search().match(request)
    except IndexUnavailable as exc:
        current_app.logger.warning("Match unavailable: %s", exc)
        outcome.unavailable = True
        outcome.rebuilding = isinstance(exc, IndexRebuilding)
        return outcome
    session = get_session()
    chosen = outcome.result.hosts[:limit]
    service_ids = [offer.service_id for host in chosen for offer in host.offers.values()]
    services = {s.id: s for s in public.services_in_order(session, service_ids)}
    for host in chosen:
        offers = [
            (need, services[offer.service_id])
            for need, offer in host.offers.items()
            if offer.service_id in services
        ]
        if offers:
            too_small = [
                service
                for _need, service in offers
                if request.group_size
                and service.capacity_participants is not None
                and service.capacity_participants < request.group_size
            ]
            outcome.hosts.append(HostView(offers[0][1].organization, host, offers, too_small))
    health = summary.health_of(session, list(services), utcnow())
    for view in outcome.hosts:
        view.unreachable = {
            service.id: health[service.id]
            for _need, service in view.offers
            if health[service.id].checked and not health[service.id].reachable
        }
    # A host that says it takes fewer people than the group is not a full match: it comes after
    # the others that cover as much (a stable sort keeps the fair order otherwise).
    outcome.hosts.sort(key=lambda h: (-h.match.covered_open, -h.match.covered, bool(h.too_small)))
    categories = {c.slug: c for c in public.categories(session)}
    software = {s.slug: s for s in public.software_list(session)}
    for need in request.needs:
        table = categories if need.kind == "category" else software
        outcome.names[need] = table.get(need.slug)
    return outcome


def stand_ins(service: Service, count: int = 3) -> tuple[list[Service], Need | None]:
    """Open, reachable services that can stand in for `service` (whose last check failed): of
    the same software, else of one of its tasks. Returns them and the need they answer."""
    needs = [Need("software", service.software.slug)] if service.software else []
    needs += [Need("category", category.slug) for category in service.categories]
    for need in needs:
        try:
            ids = get_search().alternatives(need, service.id, count)
        except IndexUnavailable:
            return [], None
        found = public.services_in_order(get_session(), ids)
        if found:
            return found, need
    return [], None
