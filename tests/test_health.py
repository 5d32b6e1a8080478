"""Health as people see it (issue 14, "What people see"): the probes' last outcome in the fair
ordering (open and reachable, then full, then unreachable, then stale), "pick one for me" and
/go/ never sending anyone to a service whose last check failed, /go/'s page of alternatives,
and what the host page, the result cards, the trust card and the API say of each service.

Probe history is inserted as rows on a real SQLite file (PostgreSQL in the second pass), at
times the test chooses.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from test_match import WRITING, add_host, everything

from directory import listings
from directory.db import get_database
from directory.models import (
    DomainClaim,
    Organization,
    ProbeCheck,
    ProbeHour,
    ProbeState,
    Service,
)
from directory.probes import summary
from directory.timeutil import utcnow
from search import SearchParams, get_search
from search.health import read_health
from search.match import Need

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)


def service_of(app, organization_id: int) -> int:
    with get_database(app).session_scope() as session:
        return session.exec(
            select(Service.id).where(Service.organization_id == organization_id)
        ).first()


def checks(app, service_id: int, history: list[tuple[datetime, str]], **state) -> None:
    """Keep these checks (time, outcome) and the state the last one leaves, as a run does."""
    with get_database(app).session_scope() as session:
        for moment, outcome in history:
            session.add(ProbeCheck(service_id=service_id, checked_at=moment, outcome=outcome))
        last_at, last = max(history)
        row = session.get(ProbeState, service_id) or ProbeState(service_id=service_id)
        row.last_checked_at, row.last_outcome = last_at, last
        for name, value in state.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


def every(start: datetime, end: datetime, outcome: str, step=timedelta(minutes=30)):
    moments = []
    while start < end:
        moments.append((start, outcome))
        start += step
    return moments


def html(response) -> str:
    return response.get_data(as_text=True)


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


# -- the fair ordering -----------------------------------------------------------------------


@pytest.fixture
def pads(app):
    """Four hosts of Etherpad that fit a search equally: open, full, unreachable, stale."""
    ids = {
        "open": add_host(app, "Open pad", [everything(WRITING)]),
        "full": add_host(app, "Full pad", [everything(WRITING, load="full")]),
        "down": add_host(app, "Down pad", [everything(WRITING)]),
        "stale": add_host(app, "Stale pad", [everything(WRITING)], stale_days=40),
    }
    now = utcnow()
    checks(app, service_of(app, ids["open"]), [(now - timedelta(minutes=5), "up")])
    checks(
        app,
        service_of(app, ids["down"]),
        [(now - timedelta(hours=5), "up"), (now - timedelta(hours=3), "down")],
    )
    return ids


def organizations_found(app, day: date) -> list[int]:
    with app.app_context():
        results = get_search().search(
            SearchParams(filters={"software": ("etherpad",)}, day=day, per_page=10)
        )
    with get_database(app).session_scope() as session:
        return [session.get(Service, i).organization_id for i in results.service_ids]


def test_open_and_reachable_then_full_then_unreachable_then_stale(app, pads):
    expected = [pads[k] for k in ("open", "full", "down", "stale")]
    for offset in range(5):  # whatever the day's rotation
        assert organizations_found(app, date.today() + timedelta(days=offset)) == expected


def test_health_is_read_again_at_once_after_this_process_commits_a_check(app, pads):
    down = service_of(app, pads["down"])
    assert organizations_found(app, date.today())[2] == pads["down"]
    checks(app, down, [(utcnow(), "up")])  # back: the next search knows it at once
    found = organizations_found(app, date.today())
    assert set(found[:2]) == {pads["open"], pads["down"]}
    assert found[2:] == [pads["full"], pads["stale"]]
    checks(app, down, [(utcnow() + timedelta(seconds=1), "failed")])
    assert organizations_found(app, date.today())[2] == pads["down"]


def test_each_status_has_a_colour_an_icon_and_words_and_full_says_it_by_access(app, pads):
    """Full, unreachable and not confirmed: a class for its colour, an icon screen readers skip,
    and words; a full service that needs no account never speaks of new accounts."""
    status = (
        r'<li class="tag-{kind} status">'
        r'<svg class="status-icon"[^>]*aria-hidden="true"[^>]*>.*?</svg>(.*?)</li>'
    )
    for headers, full in (
        (EN, "Full: at capacity for now"),
        (FR, "Complet\u00a0: saturé pour le moment"),
    ):
        page = html(app.test_client().get("/search?software=etherpad", headers=headers))
        words = {}
        for kind in ("full", "unreachable", "stale"):
            found = re.findall(status.format(kind=kind), page, re.S)
            assert len(found) == 1, (kind, headers)
            words[kind] = " ".join(re.sub(r"<[^>]+>", "", found[0]).split())
        assert words["full"] == full.replace("\u00a0", " ")
        assert "new accounts" not in page and "nouveaux comptes" not in page
    with get_database(app).session_scope() as session:
        service = session.get(Service, service_of(app, pads["full"]))
        service.registration = "free"
        session.add(service)
        session.commit()
    page = text(html(app.test_client().get("/search?software=etherpad&full=1", headers=EN)))
    assert "Full: not taking new accounts" in page


def test_health_reads_only_the_last_outcome(app, pads):
    """Never checked, or last check inconclusive ("unknown"), counts as reachable."""
    unknown = service_of(app, pads["open"])
    checks(app, unknown, [(utcnow() + timedelta(seconds=1), "unknown")])
    with get_database(app).session_scope() as session:
        health = read_health(session)
        assert health.down == {service_of(app, pads["down"])}
        assert read_health(session, health) is health  # nothing changed: same version


def test_unreachable_results_are_labelled(app, pads):
    page = text(html(app.test_client().get("/search?software=etherpad", headers=EN)))
    assert "Unreachable for 3 hours" in page
    assert "100% over 30 days" in page  # the open pad: one check, up
    fr = text(html(app.test_client().get("/search?software=etherpad", headers=FR)))
    assert "Injoignable depuis 3 heures" in fr
    assert "100 % sur 30 jours" in fr


def test_the_search_and_match_apis_say_which_offers_are_unreachable(app, pads):
    client = app.test_client()
    hits = client.get("/api/v1/search?software=etherpad").get_json()["results"]
    checks = {hit["organization"]["name"]: hit["checks"] for hit in hits}
    assert checks["Down pad"]["reachable"] is False
    assert checks["Down pad"]["unreachable_since"] is not None
    assert checks["Open pad"]["reachable"] is True
    assert checks["Open pad"]["availability_30_days"] == 1.0
    assert checks["Stale pad"]["reachable"] is None  # never checked: nothing claimed
    assert checks["Stale pad"]["checked_at"] is None
    assert {c["domain_proven"] for c in checks.values()} == {False}
    hosts = client.get("/api/v1/match?needs=collaborative-writing").get_json()["hosts"]
    offers = {h["organization"]["name"]: h["offers"][0] for h in hosts}
    assert offers["Down pad"]["reachable"] is False
    assert offers["Down pad"]["unreachable_since"] == checks["Down pad"]["unreachable_since"]
    assert offers["Open pad"]["reachable"] is True
    assert offers["Open pad"]["unreachable_since"] is None


def test_match_prefers_the_reachable_host(app, pads):
    from search.match import MatchRequest

    with app.app_context():
        result = get_search().match(MatchRequest((WRITING,), day=DAY))
    order = [host.organization_id for host in result.hosts]
    assert order.index(pads["open"]) < order.index(pads["full"]) < order.index(pads["down"])


def test_the_match_page_labels_unreachable_offers_and_says_why_they_come_last(app, pads):
    """The matchmaker ranks an offer whose last check failed last, and says so: the offer
    carries the result cards' label, its host the reason, the page how it ranks."""
    client = app.test_client()
    page = text(html(client.get("/match?needs=collaborative-writing", headers=EN)))
    assert page.count("Unreachable for 3 hours") == 1
    assert "etherpad Down pad did not answer our last check: this host comes after" in page
    assert "did not answer our last check is labelled" in page  # how the list is ranked
    # The label sits on the down host's card, which comes after the open and full ones.
    assert page.index("Open pad") < page.index("Full pad") < page.index("Down pad")
    assert page.index("Down pad") < page.index("Unreachable for 3 hours")
    assert "Unreachable" not in page[: page.index("Down pad")].split("Hosts that fit")[-1]
    fr = text(html(client.get("/match?needs=collaborative-writing", headers=FR)))
    assert fr.count("Injoignable depuis 3 heures") == 1
    assert "etherpad Down pad n’a pas répondu à notre dernière vérification" in fr


# -- pick one for me and /go/ ----------------------------------------------------------------


def test_pick_one_never_chooses_a_service_whose_last_check_failed(app, pads):
    rng = random.Random(3)
    with app.app_context():
        picked = {get_search().pick(WRITING, rng) for _ in range(40)}
    assert picked == {service_of(app, pads["open"])}


def test_go_sends_people_to_a_reachable_service(app, pads):
    response = app.test_client().get(f"/go/{service_of(app, pads['open'])}")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://etherpad.x.fr/"


@pytest.fixture
def many_pads(app, pads):
    """Besides `pads`: three more open, reachable hosts of Etherpad, and one whose host says
    it is broken (declared status): never an alternative either."""
    more = [add_host(app, f"More pad {n}", [everything(WRITING)]) for n in range(3)]
    sick = add_host(app, "Sick pad", [everything(WRITING)])
    with get_database(app).session_scope() as session:
        service = session.get(Service, service_of(app, sick))
        listings.set_fields(session, service, {"status": "alert"}, "form")
        session.commit()
    return dict(pads, more=more, sick=sick)


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        (EN, ("is unreachable", "Open and reachable: other hosts of Etherpad", "(3 hours)")),
        (
            FR,
            (
                "est injoignable",
                "Ouverts et joignables : d’autres hébergeurs proposant Etherpad",
                "(3 heures)",
            ),
        ),
    ],
)
def test_go_to_a_down_service_shows_three_open_reachable_alternatives(
    app, many_pads, headers, words
):
    down = service_of(app, many_pads["down"])
    response = app.test_client().get(f"/go/{down}", headers=headers)
    assert response.status_code == 200 and "Location" not in response.headers
    page = html(response)
    for word in words:
        assert word in text(page)
    alternatives = [
        int(i) for i in re.findall(r'<h3 class="offer-title">\s*<a href="/go/(\d+)">', page)
    ]
    assert len(alternatives) == 3
    allowed = {service_of(app, o) for o in [many_pads["open"], *many_pads["more"]]}
    assert set(alternatives) <= allowed  # never the full, stale, sick or down one
    with get_database(app).session_scope() as session:
        assert {session.get(Service, i).organization_id for i in alternatives}.isdisjoint(
            {many_pads["full"], many_pads["stale"], many_pads["sick"], many_pads["down"]}
        )


def test_go_falls_back_on_the_same_task(app):
    """Nobody else offers HedgeDoc: the alternatives are other collaborative writing."""
    alone = add_host(app, "Lone hedgedoc", [everything(Need("software", "hedgedoc"))])
    other = add_host(app, "Pad next door", [everything(WRITING)])
    service = service_of(app, alone)
    checks(app, service, [(utcnow() - timedelta(minutes=10), "down")])
    page = html(app.test_client().get(f"/go/{service}", headers=EN))
    assert "Open and reachable: other hosts for the same task" in text(page)
    assert re.findall(r'<h3 class="offer-title">\s*<a href="/go/(\d+)">', page) == [
        str(service_of(app, other))
    ]


def test_the_pick_route_never_lands_on_a_down_service(app, pads):
    client = app.test_client()
    for _ in range(10):
        response = client.get("/pick/software/etherpad")
        assert response.headers["Location"] == f"/go/{service_of(app, pads['open'])}"


# -- what the probes found, per service ------------------------------------------------------


def test_health_of_measures_30_days_and_finds_when_an_outage_began(app):
    """On a clock the test sets: 20 days up (folded into hours past 7 days), then down since
    3 hours before `now` with a 429 ("unknown") in between that does not end the outage."""
    org = add_host(app, "Measured", [everything(WRITING)])
    service = service_of(app, org)
    now = T0
    with get_database(app).session_scope() as session:
        for d in range(8, 21):  # days 8 to 20 ago: hourly buckets, all up but one
            hour = (now - timedelta(days=d)).replace(minute=0)
            session.add(ProbeHour(service_id=service, hour=hour, counted=2, up=2 if d != 12 else 1))
        session.commit()
    history = every(now - timedelta(days=7), now - timedelta(hours=3), "up", timedelta(hours=6))
    history += [(now - timedelta(hours=3), "down"), (now - timedelta(hours=2), "unknown")]
    history += [(now - timedelta(hours=1), "failed")]
    expires = now + timedelta(days=5)
    checks(
        app,
        service,
        history,
        certificate_expires_at=expires,
        observed_software="Etherpad",
        observed_version="2.2.6",
    )
    with get_database(app).session_scope() as session:
        found = summary.health_of(session, [service], now, days=True)[service]
    up_raw = sum(1 for _t, o in history if o == "up")
    assert found.uptime == pytest.approx((26 - 1 + up_raw) / (26 + up_raw + 2))
    assert not found.reachable and found.checked
    assert found.down_since == now - timedelta(hours=3)
    assert found.checked_at == now - timedelta(hours=1)
    assert found.certificate_expires_at == expires
    assert (found.observed_software, found.observed_version) == ("Etherpad", "2.2.6")
    assert len(found.days) == 30 and found.days[-1].day == now.date()
    by_day = {day.day: day for day in found.days}
    assert by_day[(now - timedelta(days=12)).date()].share == 0.5
    assert by_day[(now - timedelta(days=25)).date()].share is None  # not checked
    assert by_day[now.date()].counted == 1 + 2 and by_day[now.date()].up == 1  # 04:00 up
    assert found.days_unchecked == 30 - 21
    assert [d.day for d in found.days_with_failures] == [
        (now - timedelta(days=12)).date(),
        now.date(),
    ]


def test_an_outage_older_than_the_raw_checks_began_in_the_hourly_buckets(app):
    org = add_host(app, "Long down", [everything(WRITING)])
    service = service_of(app, org)
    now = T0
    with get_database(app).session_scope() as session:
        start = now - timedelta(days=9)
        session.add(ProbeHour(service_id=service, hour=start - timedelta(hours=1), counted=1, up=1))
        session.add(ProbeHour(service_id=service, hour=start, counted=2, up=0))
        session.commit()
    checks(app, service, every(now - timedelta(days=7), now, "down", timedelta(hours=1)))
    with get_database(app).session_scope() as session:
        found = summary.health_of(session, [service], now)[service]
        assert found.down_since == start
        assert summary.unreachable(session, service)
        never = service_of(app, add_host(app, "Never checked", [everything(WRITING)]))
        fresh = summary.health_of(session, [never], now)[never]
        assert fresh.reachable and not fresh.checked and fresh.uptime is None
        assert not summary.unreachable(session, never)


# -- the host page, the result cards, the trust card and the API -----------------------------


@pytest.fixture
def measured(app):
    """A host with an Etherpad 2.2.6 service up 29 days out of 30 (its bar), seen as Etherpad
    2.2.6, a certificate expiring in 5 days, its domain proven; and a second, down service."""
    org = add_host(
        app, "Measured host", [everything(WRITING), everything(Need("software", "hedgedoc"))]
    )
    now = utcnow()
    with get_database(app).session_scope() as session:
        organization = session.get(Organization, org)
        listings.set_fields(session, organization, {"website": "https://measured.example/"}, "form")
        pad, doc = session.exec(
            select(Service).where(Service.organization_id == org).order_by(Service.id)
        ).all()
        listings.set_fields(session, pad, {"software_version": "2.2.6"}, "form")
        session.add(
            DomainClaim(
                organization_id=org,
                domain="measured.example",
                token="t" * 32,
                method="dns",
                verified_at=now - timedelta(days=2),
                last_checked_at=now - timedelta(days=2),
            )
        )
        for d in range(8, 30):
            hour = (now - timedelta(days=d)).replace(minute=0, second=0, microsecond=0)
            session.add(ProbeHour(service_id=pad.id, hour=hour, counted=10, up=9 if d == 9 else 10))
        session.commit()
        ids = pad.id, doc.id
    checks(
        app,
        ids[0],
        every(now - timedelta(days=7), now - timedelta(minutes=4), "up", timedelta(hours=2))
        + [(now - timedelta(minutes=4), "up")],
        certificate_expires_at=now + timedelta(days=5, hours=1),
        observed_software="Etherpad",
        observed_version="2.2.6",
    )
    checks(
        app,
        ids[1],
        [(now - timedelta(hours=4), "up"), (now - timedelta(hours=3, minutes=1), "down")],
    )
    slug = listings_slug(app, org)
    return {"slug": slug, "pad": ids[0], "doc": ids[1], "org": org}


def listings_slug(app, org: int) -> str:
    with get_database(app).session_scope() as session:
        return session.get(Organization, org).slug


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        (
            EN,
            (
                "reachable · 99.6% over 30 days · checked 4 minutes ago",
                "unreachable for 3 hours",
                "TLS certificate expires in 5 days",
                "declared Etherpad 2.2.6 · seen Etherpad 2.2.6",
                "1 day with failed checks",
            ),
        ),
        (
            FR,
            (
                "joignable · 99,6 % sur 30 jours · vérifié il y a 4 minutes",
                "injoignable depuis 3 heures",
                "Le certificat TLS expire dans 5 jours",
                "déclaré Etherpad 2.2.6 · vu Etherpad 2.2.6",
                "1 jour avec des vérifications en échec",
            ),
        ),
    ],
)
def test_the_host_page_shows_each_services_checks(app, measured, headers, words):
    page = html(app.test_client().get(f"/hosts/{measured['slug']}", headers=headers))
    plain = text(page)
    for word in words:
        assert word in plain
    bar = page[page.index(f'id="bar-{measured["pad"]}-title"') - 400 :]
    assert bar.index('role="img"') < bar.index("<title") < bar.index("<desc")
    assert page.count("<rect") == 60  # a bar of 30 days for each service checked


def test_result_cards_carry_domain_proven_and_availability(app, measured):
    page = text(html(app.test_client().get("/search?category=collaborative-writing", headers=EN)))
    assert "Domain proven" in page
    assert "99.6% over 30 days" in page
    assert "Unreachable for 3 hours" in page
    fr = text(html(app.test_client().get("/search?category=collaborative-writing", headers=FR)))
    assert "Domaine prouvé" in fr and "99,6 % sur 30 jours" in fr


def test_a_card_without_proof_nor_checks_says_nothing_of_them(app):
    add_host(app, "Quiet pad", [everything(WRITING)])
    page = text(html(app.test_client().get("/search?software=etherpad", headers=EN)))
    assert "Quiet pad" in page
    assert "Domain proven" not in page and "over 30 days" not in page


def test_the_trust_card_and_the_api_give_availability_and_tls(app, measured):
    page = text(html(app.test_client().get(f"/hosts/{measured['slug']}", headers=EN)))
    assert "Availability of its services over 30 days Checked by Portée:" in page
    assert "measured by Portée’s checks, the last one 4 minutes ago" in page
    assert "TLS certificates Checked by Portée: valid until" in page
    data = app.test_client().get(f"/api/v1/organizations/{measured['slug']}").get_json()
    facts = {fact["fact"]: fact for fact in data["trust"]}
    assert facts["availability"]["kind"] == "checked" and facts["availability"]["method"] == "probe"
    assert 0.9 < facts["availability"]["value"] < 1
    assert facts["tls"]["value"].startswith((utcnow() + timedelta(days=5)).date().isoformat())
    services = {service["id"]: service["checks"] for service in data["services"]}
    assert services[measured["pad"]]["reachable"] is True
    assert services[measured["pad"]]["availability_30_days"] == pytest.approx(0.996, abs=0.002)
    assert services[measured["pad"]]["seen"] == {"software": "Etherpad", "version": "2.2.6"}
    assert services[measured["doc"]]["reachable"] is False
    assert services[measured["doc"]]["unreachable_since"] is not None


def test_a_host_never_checked_says_so_on_its_card(app):
    org = add_host(app, "Unchecked host", [everything(WRITING)])
    page = text(html(app.test_client().get(f"/hosts/{listings_slug(app, org)}", headers=EN)))
    assert "Availability of its services over 30 days Checked by Portée: not checked yet" in page
    assert "not checked yet" in page
