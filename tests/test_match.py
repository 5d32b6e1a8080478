"""The matchmaker, fair ordering and the exposure ledger, on hosts built by hand."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import select

from directory import listings
from directory.db import get_database
from directory.exposure import ExposureLedger, over_their_share, referrals
from directory.models import ExposureDay, Organization, Service, Software
from directory.timeutil import utcnow
from search import get_search
from search.match import MatchRequest, Need, Preference

VIDEO, WRITING, FILES = (
    Need("category", s) for s in ("video-calls", "collaborative-writing", "file-sharing")
)
SOFTWARE = {VIDEO: "jitsi-meet", WRITING: "etherpad", FILES: "lufi"}


def add_host(app, name, offers, *, country="FR", membership="member", stale_days=None, ended=False):
    """A host with one service per (need, registration, load, price, languages) offer."""
    with get_database(app).session_scope() as session:
        organization = listings.create_organization(session, name, membership)
        listings.set_fields(session, organization, {"country_code": country}, "form")
        for need, registration, load, price, languages in offers:
            software = session.exec(
                select(Software).where(Software.slug == SOFTWARE.get(need, need.slug))
            ).one()
            service = Service(organization_id=organization.id, name=f"{software.slug} {name}")
            listings.set_fields(
                session,
                service,
                {
                    "software_id": software.id,
                    "registration": registration,
                    "load": load,
                    "price": price,
                    "languages": languages,
                    "website": f"https://{software.slug}.x.fr/",
                    "enddate": date(2020, 1, 1) if ended else None,
                },
                "form",
            )
            listings.set_service_categories(session, service, software.categories)
        if stale_days is not None:  # last confirmed that long ago
            organization.confirmed_at = utcnow() - timedelta(days=stale_days)
            session.add(organization)
        session.commit()
        return organization.id


def everything(need, registration="none", load="open", price="free", languages=("fr",)):
    return (need, registration, load, price, list(languages))


@pytest.fixture
def hosts(app):
    """Ten hosts whose right order for (video, writing, files; wishes: fr, free) is known."""
    ids = {}
    ids["A"] = add_host(app, "A all open fr free", [everything(n) for n in (VIDEO, WRITING, FILES)])
    ids["B"] = add_host(
        app, "B all open en", [everything(n, languages=("en",)) for n in (VIDEO, WRITING, FILES)]
    )
    ids["C"] = add_host(
        app,
        "C video full",
        [everything(VIDEO, load="full"), everything(WRITING), everything(FILES)],
    )
    ids["D"] = add_host(app, "D two fr", [everything(VIDEO), everything(WRITING)])
    ids["E"] = add_host(
        app,
        "E two en paid",
        [
            everything(WRITING, price="paid", languages=("en",)),
            everything(FILES, price="paid", languages=("en",)),
        ],
    )
    ids["F"] = add_host(app, "F files", [everything(FILES)])
    ids["G"] = add_host(app, "G video stale", [everything(VIDEO)], stale_days=40)
    add_host(
        app,
        "H polls only",
        [everything(Need("category", "polls"), languages=("fr",))][:0]
        + [(Need("software", "framadate"), "none", "open", "free", ["fr"])],
    )
    add_host(
        app, "I candidate", [everything(n) for n in (VIDEO, WRITING, FILES)], membership="candidate"
    )
    add_host(
        app,
        "J ended",
        [
            everything(
                n,
            )
            for n in (VIDEO, WRITING, FILES)
        ],
        ended=True,
    )
    add_host(app, "K long stale", [everything(n) for n in (VIDEO, WRITING, FILES)], stale_days=120)
    return ids


def match(app, *preferences, needs=(VIDEO, WRITING, FILES), day=None, group_size=None):
    with app.app_context():
        return get_search().match(
            MatchRequest(tuple(needs), tuple(preferences), group_size, day or date(2026, 11, 24))
        )


WISHES = (Preference("language", "fr"), Preference("price", "free"))


def test_hosts_rank_by_needs_covered_then_fit(app, hosts):
    result = match(app, *WISHES)
    order = [h.organization_id for h in result.hosts]
    assert order == [hosts[k] for k in "ABCDEFG"]
    first = result.hosts[0]
    assert first.covered == 3 and first.missing == []
    assert {p.name for p in first.met} == {"language", "price"}
    assert result.hosts[2].covered_open == 2  # C's video offer is full


def test_each_need_is_shown_with_the_offer_that_fulfils_it(app, hosts):
    result = match(app, *WISHES)
    d = next(h for h in result.hosts if h.organization_id == hosts["D"])
    assert set(d.offers) == {VIDEO, WRITING} and d.missing == [FILES]


@pytest.mark.parametrize(
    "constraint",
    [
        Preference("language", "eo", required=True),
        Preference("country", "JP", required=True),
        Preference("price", "donation", required=True),
        Preference("registration", "client", required=True),
    ],
)
def test_a_constraint_that_empties_the_list_is_named_and_relaxed(app, hosts, constraint):
    result = match(app, constraint)
    assert result.relaxed == constraint
    assert result.relaxations == [(constraint, 7)]
    # Without wishes, A and B (all three needs, all open) tie: the rotation orders them.
    assert {h.organization_id for h in result.hosts[:2]} == {hosts["A"], hosts["B"]}


def test_account_free_constraint_is_relaxed_too(app):
    add_host(app, "Accounts only", [everything(VIDEO, registration="free")])
    result = match(app, Preference("account_free", "yes", required=True), needs=(VIDEO,))
    assert result.relaxed == Preference("account_free", "yes", required=True)
    assert len(result.hosts) == 1


def test_the_best_relaxation_is_chosen_and_each_is_counted(app, hosts):
    result = match(
        app, Preference("language", "en", required=True), Preference("country", "JP", required=True)
    )
    counts = dict(result.relaxations)
    assert counts[Preference("country", "JP", required=True)] == 2  # B and E speak English
    assert counts[Preference("language", "en", required=True)] == 0
    assert result.relaxed == Preference("country", "JP", required=True)


def test_required_constraints_filter(app, hosts):
    result = match(app, Preference("language", "en", required=True))
    assert {h.organization_id for h in result.hosts} == {hosts["B"], hosts["E"]}
    assert result.relaxed is None


def test_equal_hosts_rotate_daily_and_hold_still_within_a_day(app):
    for n in range(8):
        add_host(app, f"Same {n}", [everything(VIDEO)])
    day = date(2026, 11, 24)
    orders = [
        tuple(h.organization_id for h in match(app, needs=(VIDEO,), day=day).hosts)
        for _ in range(3)
    ]
    assert len(set(orders)) == 1
    firsts = {
        match(app, needs=(VIDEO,), day=day + timedelta(days=n)).hosts[0].organization_id
        for n in range(10)
    }
    assert len(firsts) >= 4


def test_api_match(app, hosts):
    response = app.test_client().get(
        "/api/v1/match?needs=video-calls&needs=collaborative-writing&needs=file-sharing"
        "&language=fr&price=free&group_size=30"
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["hosts"][0]["covers"] == 3
    assert {o["need"]["slug"] for o in data["hosts"][0]["offers"]} == {
        "video-calls",
        "collaborative-writing",
        "file-sharing",
    }
    assert app.test_client().get("/api/v1/match").status_code == 400
    assert app.test_client().get("/api/v1/match?needs=nonsense").status_code == 400


def test_match_page_explains_and_relaxes(app, hosts):
    client = app.test_client()
    page = client.get(
        "/match?needs=video-calls&language=eu&language_required=y",
        headers={"Accept-Language": "en"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No host matches all your requirements. Without “in Basque”" in html
    assert "Covers 1 of 1 need" in html
    french = client.get("/match?needs=video-calls", headers={"Accept-Language": "fr"})
    assert french.status_code == 200 and '<html lang="fr">' in french.get_data(as_text=True)


# -- the exposure ledger, the cap and "pick one for me" ------------------------------------


def test_clicks_go_through_the_ledger_without_personal_data(app, hosts):
    app.config["PORTEE_EXPOSURE_FLUSH_SECONDS"] = 0
    app.extensions["portee.exposure"].flush_interval = 0
    client = app.test_client()
    with get_database(app).session_scope() as session:
        service = session.exec(select(Service).where(Service.organization_id == hosts["A"])).first()
    response = client.get(f"/go/{service.id}")
    assert response.status_code == 302 and response.headers["Location"] == service.website
    client.get("/search?q=visio")
    with get_database(app).session_scope() as session:
        rows = session.exec(select(ExposureDay)).all()
        a = next(r for r in rows if r.organization_id == hosts["A"])
        assert a.clicks == 1 and a.shown >= 1
        assert set(ExposureDay.model_fields) == {"organization_id", "day", "shown", "clicks"}
    page = client.get("/fairness", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "A all open fr free" in page and "100%" in page


def test_search_results_send_people_through_the_ledger(app, hosts):
    """A result's title goes through /go/ (a search referral counts on /fairness); the
    service's own address stays written on the card."""
    import re

    app.extensions["portee.exposure"].flush_interval = 0
    client = app.test_client()
    page = client.get("/search?q=visio", headers={"Accept-Language": "en"}).get_data(as_text=True)
    links = re.findall(r'<h3 class="offer-title">\s*<a href="(/go/\d+)">', page)
    assert links, page[:2000]
    with get_database(app).session_scope() as session:
        service = session.get(Service, int(links[0].rsplit("/", 1)[1]))
        organization_id, website = service.organization_id, service.website
    assert (
        f'<p class="offer-address"><span class="visually-hidden">Address: </span>{website}</p>'
        in page
    )
    response = client.get(links[0])
    assert response.status_code == 302 and response.headers["Location"] == website
    with get_database(app).session_scope() as session:
        row = session.exec(
            select(ExposureDay).where(ExposureDay.organization_id == organization_id)
        ).one()
        assert row.clicks == 1


def test_a_host_over_its_share_steps_back(app, hosts):
    with get_database(app).session_scope() as session:
        session.add(ExposureDay(organization_id=hosts["F"], day=date.today(), clicks=50))
        session.add(ExposureDay(organization_id=hosts["A"], day=date.today(), clicks=1))
        session.commit()
        assert over_their_share(session, hosts=7, cap=2.0) == frozenset({hosts["F"]})
    with app.app_context():
        assert hosts["F"] in get_search().current_fairness().demoted


def test_pick_one_spreads_referrals_more_evenly_than_chance(app):
    from search.match import pick_offer

    ids = [add_host(app, f"Pad {n}", [everything(WRITING)]) for n in range(6)]
    skewed = {ids[0]: 60, ids[1]: 30}
    with get_database(app).session_scope() as session:
        host_of = {s.id: s.organization_id for s in session.exec(select(Service))}

    # "Pick one for me" 300 times, each pick counted as a referral before the next one.
    picked = Counter(skewed)
    rng = random.Random(7)
    with app.app_context():
        index = get_search().index
        for _ in range(300):
            picked[host_of[pick_offer(index, WRITING, dict(picked), rng)]] += 1
    # Chance: as many referrals, each to one of the six hosts drawn uniformly (not by the code
    # under test).
    chance = Counter(skewed)
    rng = random.Random(8)
    for _ in range(300):
        chance[rng.choice(ids)] += 1

    assert set(picked) == set(chance) == set(ids)  # every host was picked, and no other
    assert picked.total() == chance.total() == 390
    assert statistics.pstdev(picked.values()) < statistics.pstdev(chance.values()) / 2
    assert picked[ids[0]] < chance[ids[0]]
    assert min(picked.values()) > min(chance.values())  # the least referred catch up


def test_full_and_unhealthy_offers_are_never_picked(app):
    full = add_host(app, "Full pad", [everything(WRITING, load="full")])
    sick = add_host(app, "Sick pad", [everything(WRITING)])
    fine = add_host(app, "Fine pad", [everything(WRITING)])
    with get_database(app).session_scope() as session:
        service = session.exec(select(Service).where(Service.organization_id == sick)).one()
        listings.set_fields(session, service, {"status": "alert"}, "form")
        session.commit()
    rng = random.Random(1)
    with app.app_context():
        picked = set()
        for _ in range(50):
            service_id = get_search().pick(WRITING, rng)
            with get_database(app).session_scope() as session:
                picked.add(session.get(Service, service_id).organization_id)
    assert picked == {fine}
    assert full not in picked


def test_pick_route_redirects_through_the_ledger(app, hosts):
    client = app.test_client()
    response = client.get("/pick/category/file-sharing")
    assert response.status_code == 302 and response.headers["Location"].startswith("/go/")
    assert client.get(response.headers["Location"]).status_code == 302
    empty = client.get("/pick/category/translation")
    assert empty.status_code == 302 and empty.headers["Location"].endswith("/translation")
    assert client.get("/pick/category/nothing").status_code == 404


def test_stale_hosts_are_marked_and_long_stale_ones_hidden(app, hosts):
    result = match(app, *WISHES)
    g = next(h for h in result.hosts if h.organization_id == hosts["G"])
    assert g.stale
    with get_database(app).session_scope() as session:
        k = session.exec(select(Organization).where(Organization.name == "K long stale")).one()
    assert k.id not in {h.organization_id for h in result.hosts}


def test_referral_shares_add_up(app, hosts):
    with get_database(app).session_scope() as session:
        ledger = ExposureLedger(flush_interval=0)
        for _ in range(3):
            ledger.note_click(hosts["A"])
        ledger.note_click(hosts["B"])
        ledger.note_shown([hosts["A"], hosts["B"], hosts["A"]])
        ledger.flush(session)
        shares = referrals(session, 30)
    assert shares[hosts["A"]].share == pytest.approx(0.75)
    assert shares[hosts["A"]].shown == 1


def test_a_stated_wish_outweighs_the_large_group_hint(app):
    german = add_host(app, "German, no account", [everything(VIDEO, languages=("de",))])
    french = add_host(app, "French, accounts", [everything(VIDEO, registration="free")])
    result = match(app, Preference("language", "fr"), needs=(VIDEO,), group_size=30)
    order = [h.organization_id for h in result.hosts]
    assert order.index(french) < order.index(german)


def test_a_declared_capacity_below_the_group_puts_the_host_after_the_others(app):
    small = add_host(app, "Small room", [everything(VIDEO)])
    large = add_host(app, "Large room", [everything(VIDEO)])
    with get_database(app).session_scope() as session:
        for organization_id, capacity in ((small, 20), (large, 50)):
            service = session.exec(
                select(Service).where(Service.organization_id == organization_id)
            ).one()
            listings.set_fields(session, service, {"capacity_participants": capacity}, "form")
        session.commit()
    page = (
        app.test_client()
        .get("/match?needs=video-calls&group_size=30", headers={"Accept-Language": "en"})
        .get_data(as_text=True)
    )
    assert "For a group of 30 people." in page
    assert page.index("Large room") < page.index("Small room")  # whatever the day's rotation
    assert "says it takes up to 20 people, fewer than your group" in page
    assert "Jitsi Meet" in page  # each offer's software
    # the form folded ("change my needs") above the results, not spread before them
    assert page.index('<details class="change-needs">') < page.index('<form class="form match')
    assert '<details class="change-needs" open' not in page
