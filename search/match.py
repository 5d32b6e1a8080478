"""Several needs → the hosts that fit, ranked fairly, never an empty answer.

A group says what it needs (tasks or software) and what it prefers (language, country, price,
registration, use without an account), each preference either required (a hard constraint,
which filters) or wished (a soft one, which ranks). Hosts are ranked by how many needs they
cover with an open offer (all-in-one first), then by how many needs they cover at all, then by
how well their offers fit the wishes; among equals, search/ordering.py decides. When the hard
constraints leave nothing, the answer says which constraint emptied it and shows the results
without it, with the count each relaxation would give.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from search import bitmaps
from search.ordering import daily_seed, fair_key
from search.query import DEFAULT_FAIRNESS, Fairness, allowed_offers
from search.snapshot import Snapshot, on_snapshot

PREFERENCES = ("language", "country", "price", "registration", "account_free")
# Above this many people, offers usable without an account fit a group better (guests join).
LARGE_GROUP = 10


@dataclass(frozen=True)
class Need:
    kind: str  # "category" | "software"
    slug: str


@dataclass(frozen=True)
class Preference:
    name: str  # one of PREFERENCES
    value: str
    required: bool = False


@dataclass(frozen=True)
class MatchRequest:
    needs: tuple[Need, ...]
    preferences: tuple[Preference, ...] = ()
    group_size: int | None = None
    day: date | None = None


@dataclass(frozen=True)
class Offer:
    service_id: int
    organization_id: int
    full: bool
    stale: bool
    registration: str
    price: str
    country: str
    languages: frozenset[str]
    healthy: bool  # the host's declared status says it works
    reachable: bool = True  # the probes' last check did not fail (search/health.py)

    @property
    def can_send(self) -> bool:
        """Open, working, reachable: someone may be sent there without choosing."""
        return not self.full and self.healthy and self.reachable and not self.stale

    @property
    def tier(self) -> int:
        """Among equal fits: open and reachable, then full, then unreachable."""
        return 2 if not self.reachable else 1 if self.full else 0


@dataclass
class HostMatch:
    organization_id: int
    offers: dict[Need, Offer]  # the offer that fulfils each covered need
    missing: list[Need]
    fit: int  # wishes met, summed over the chosen offers
    met: list[Preference]  # wishes every chosen offer meets
    stale: bool

    @property
    def covered(self) -> int:
        return len(self.offers)

    @property
    def covered_open(self) -> int:
        """Needs covered by an open, reachable offer."""
        return sum(1 for offer in self.offers.values() if offer.tier == 0)

    @property
    def unreachable(self) -> bool:
        return any(not offer.reachable for offer in self.offers.values())


@dataclass
class MatchResult:
    hosts: list[HostMatch]
    request: MatchRequest
    relaxed: Preference | None = None  # the constraint dropped to get these results
    relaxations: list[tuple[Preference, int]] = field(default_factory=list)


def satisfies(offer: Offer, preference: Preference) -> bool:
    if preference.name == "language":
        return preference.value in offer.languages
    if preference.name == "country":
        return offer.country == preference.value
    if preference.name == "price":
        return offer.price == preference.value
    if preference.name == "registration":
        return offer.registration == preference.value
    if preference.name == "account_free":
        return offer.registration == "none"
    return False


def _constraint(preference: Preference) -> tuple[str, str]:
    """The facet a required preference filters on, and its value."""
    if preference.name == "account_free":
        return "registration", "none"
    return preference.name, preference.value


def _offers(
    snapshot: Snapshot, need: Need, allowed: int, stale_before: int, fairness: Fairness
) -> list[Offer]:
    facet = "category" if need.kind == "category" else "software"
    found = snapshot.facet(facet).get(need.slug, 0) & allowed
    c = snapshot.columns
    confirmed = snapshot.confirmed(fairness.confirmed)
    down = snapshot.unreachable(fairness.health) & found
    marks = bitmaps.flags(down, snapshot.size) if down else bytes(snapshot.size)
    return [
        Offer(
            service_id=c["service_id"][d],
            organization_id=c["org_id"][d],
            full=c["load"][d] == "full",
            stale=confirmed[d] < stale_before,
            registration=c["registration"][d],
            price=c["price"][d],
            country=c["country"][d],
            languages=c["language_set"][d],
            healthy=c["status"][d] == "ok",
            reachable=not marks[d],
        )
        for d in bitmaps.docnums(found)
    ]


def _rank(request: MatchRequest, by_need: dict[Need, list[Offer]], fairness: Fairness):
    wishes = [p for p in request.preferences if not p.required]
    large = (request.group_size or 0) > LARGE_GROUP

    def offer_fit(offer: Offer) -> int:
        # A wish the person stated weighs twice the group-size hint: "in French" always beats
        # "guests join without an account", which only breaks ties among equal wishes.
        fit = 2 * sum(1 for wish in wishes if satisfies(offer, wish))
        return fit + (1 if large and offer.registration == "none" else 0)

    hosts: dict[int, HostMatch] = {}
    for need in request.needs:
        for offer in by_need.get(need, []):
            host = hosts.setdefault(
                offer.organization_id,
                HostMatch(offer.organization_id, {}, [], 0, [], offer.stale),
            )
            best = host.offers.get(need)
            # An open, reachable offer beats a full one, which beats an unreachable one; then
            # the one that meets more wishes.
            if best is None or (offer.tier, -offer_fit(offer), offer.service_id) < (
                best.tier,
                -offer_fit(best),
                best.service_id,
            ):
                host.offers[need] = offer
    for host in hosts.values():
        host.missing = [need for need in request.needs if need not in host.offers]
        host.fit = sum(offer_fit(offer) for offer in host.offers.values())
        host.met = [w for w in wishes if all(satisfies(o, w) for o in host.offers.values())]
    seed = daily_seed(request.day or date.today(), fairness.salt)
    fair = fair_key(seed, fairness.demoted)
    return sorted(
        hosts.values(),
        key=lambda h: (
            -h.covered_open,
            -h.covered,
            -h.fit,
            *fair(
                h.organization_id,
                any(o.full for o in h.offers.values()),
                h.stale,
                h.unreachable,
            ),
        ),
    )


def _search(index, request: MatchRequest, fairness: Fairness) -> list[HostMatch]:
    today = request.day or date.today()
    stale_before = today.toordinal() - fairness.stale_after_days
    filters: dict[str, tuple[str, ...]] = {}
    for name, value in map(_constraint, (p for p in request.preferences if p.required)):
        filters[name] = (*filters.get(name, ()), value)

    def answer(snapshot: Snapshot) -> dict[Need, list[Offer]]:
        allowed = allowed_offers(snapshot, {}, today, fairness)
        for name, values in filters.items():  # every constraint holds (not any of them)
            for value in values:
                allowed &= snapshot.facet(name).get(value, 0)
        return {
            need: _offers(snapshot, need, allowed, stale_before, fairness) for need in request.needs
        }

    return _rank(request, on_snapshot(index, answer), fairness)


def match_hosts(index, request: MatchRequest, fairness: Fairness = DEFAULT_FAIRNESS) -> MatchResult:
    """Ranked hosts for the request; never empty while any offer covers any need."""
    hosts = _search(index, request, fairness)
    result = MatchResult(hosts=hosts, request=request)
    if hosts or not request.needs:
        return result
    required = [p for p in request.preferences if p.required]
    for preference in required:
        relaxed = _without(request, preference)
        result.relaxations.append((preference, len(_search(index, relaxed, fairness))))
    result.relaxations.sort(key=lambda item: -item[1])
    if result.relaxations and result.relaxations[0][1] > 0:
        result.relaxed = result.relaxations[0][0]
        result.hosts = _search(index, _without(request, result.relaxed), fairness)
    elif required:  # no single relaxation helps: every constraint becomes a wish
        wishes = tuple(replace(p, required=False) for p in request.preferences)
        result.hosts = _search(index, replace(request, preferences=wishes), fairness)
    return result


def _without(request: MatchRequest, dropped: Preference) -> MatchRequest:
    """The request with one constraint turned into a wish (it still ranks)."""
    preferences = tuple(
        replace(p, required=False) if p == dropped else p for p in request.preferences
    )
    return replace(request, preferences=preferences)


def pick_offer(
    index,
    need: Need,
    referrals: Mapping[int, int],
    rng: random.Random,
    fairness: Fairness = DEFAULT_FAIRNESS,
    day: date | None = None,
) -> int | None:
    """One open, healthy, reachable, confirmed offer for the need (never one whose last check
    failed), its host drawn with weight 1 / (1 + referrals in the last 30 days): fewer
    referrals, more likely. None if none."""
    candidates: dict[int, list[Offer]] = {}
    for offer in _all_offers(index, need, fairness, day):
        if offer.can_send:
            candidates.setdefault(offer.organization_id, []).append(offer)
    if not candidates:
        return None
    hosts = sorted(candidates)
    weights = [1.0 / (1 + referrals.get(host, 0)) for host in hosts]
    host = rng.choices(hosts, weights=weights, k=1)[0]
    return rng.choice(sorted(candidates[host], key=lambda o: o.service_id)).service_id


def _all_offers(index, need: Need, fairness: Fairness, day: date | None) -> list[Offer]:
    today = day or date.today()
    stale_before = today.toordinal() - fairness.stale_after_days
    return on_snapshot(
        index,
        lambda snapshot: _offers(
            snapshot, need, allowed_offers(snapshot, {}, today, fairness), stale_before, fairness
        ),
    )


def alternatives(
    index,
    need: Need,
    instead_of: int,
    count: int,
    fairness: Fairness = DEFAULT_FAIRNESS,
    day: date | None = None,
) -> list[int]:
    """Up to `count` open, healthy, reachable, confirmed offers of the need other than
    `instead_of`, one per host, in the day's fair order (what /go/ proposes instead of a
    service whose last check failed)."""
    today = day or date.today()
    fair = fair_key(daily_seed(today, fairness.salt), fairness.demoted)
    chosen: dict[int, Offer] = {}
    offers = sorted(
        (o for o in _all_offers(index, need, fairness, today) if o.can_send),
        key=lambda o: (*fair(o.organization_id, o.full, o.stale), o.service_id),
    )
    for offer in offers:
        if offer.service_id != instead_of and offer.organization_id not in chosen:
            chosen[offer.organization_id] = offer
        if len(chosen) == count:
            break
    return [offer.service_id for offer in chosen.values()]
