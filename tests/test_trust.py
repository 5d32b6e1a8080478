"""The trust card and the promise keys: read from a file, stored with their provenance, edited
in the dashboard when no file says them, and shown on the host's page and in the API with one
of three kinds (decided, checked, declared) and "not said" for what was never declared."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select

from directory import listings
from directory.db import get_database
from directory.models import (
    DomainClaim,
    Organization,
    PublicLogEntry,
    Service,
    Source,
)
from directory.timeutil import utcnow
from support import login, make_account, post_form, profile_form

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
CIGOGNE = "cigogne-libre"


def html(response) -> str:
    return response.get_data(as_text=True)


def organization_id(app, slug: str) -> int:
    with get_database(app).session_scope() as session:
        return session.exec(select(Organization.id).where(Organization.slug == slug)).one()


def card(page: str) -> dict[str, str]:
    """The trust card's facts as {title: text of its definition}, tags removed."""
    start = page.index('<section class="trust-card"')
    section = page[start : page.index("</section>", start)]
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", section, re.S)
    return {title: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for title, text in pairs}


def prove_domain(app, slug: str, method: str = "dns") -> date:
    with get_database(app).session_scope() as session:
        organization = session.exec(select(Organization).where(Organization.slug == slug)).one()
        proved = utcnow() - timedelta(days=3)
        session.add(
            DomainClaim(
                organization_id=organization.id,
                domain=organization.website_domain,
                token="t" * 32,
                method=method,
                verified_at=proved,
                last_checked_at=proved,
            )
        )
        session.commit()
        return proved.date()


# -- the importer ----------------------------------------------------------------------------


def test_an_import_stores_the_promise_keys_with_file_provenance(demo_app):
    with get_database(demo_app).session_scope() as session:
        organization = session.exec(select(Organization).where(Organization.slug == CIGOGNE)).one()
        assert organization.admins_count == 4
        assert organization.backups_tested == date(2026, 10, 12)
        assert organization.closure_notice_days == 90
        assert organization.funding == {"liberapay": "https://liberapay.example/cigogne/"}
        records = listings.provenance_of(session, organization)
        for name in ("admins_count", "backups_tested", "closure_notice_days", "funding"):
            assert records[name].origin == "file"
            source = session.get(Source, records[name].source_id)
            assert source.url.endswith(
                "cigogne.example/.well-known/chatonsinfos/organization.properties"
            )
        visio = session.exec(
            select(Service).where(
                Service.organization_id == organization.id,
                Service.capacity_participants != None,  # noqa: E711
            )
        ).one()
        assert visio.capacity_participants == 50
        assert listings.provenance_of(session, visio)["capacity_participants"].origin == "file"
        assert visio.host_server_type == "virtual"
        assert visio.host_provider_type == "hostedserver"
        # A host whose file says none of them keeps them empty, with no provenance.
        other = session.exec(
            select(Organization).where(Organization.slug == "le-chaton-libre")
        ).one()
        assert other.admins_count is None
        assert "admins_count" not in listings.provenance_of(session, other)


# -- the dashboard ---------------------------------------------------------------------------

PROFILE = profile_form(name="Le Chaton Promis")


def signed_in(app, organization: int, email: str = "promise@example.org"):
    make_account(app, email, organizations=(organization,))
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, email)
    return client


def test_the_dashboard_edits_the_promises_of_a_form_only_host(demo_app):
    with get_database(demo_app).session_scope() as session:
        organization = listings.create_organization(session, "Le Chaton Promis", "member")
        session.commit()
        org = organization.id
        slug = organization.slug
    client = signed_in(demo_app, org)
    path = f"/dashboard/organizations/{org}"
    page = html(client.get(path))
    for name in ("admins_count", "backups_tested", "closure_notice_days"):
        assert f'name="{name}"' in page
    values = dict(PROFILE, admins_count="3", backups_tested="2026-11-02", closure_notice_days="30")
    response = post_form(client, path, values)
    assert response.status_code == 302, html(response)[:2000]
    with get_database(demo_app).session_scope() as session:
        item = session.get(Organization, org)
        assert (item.admins_count, item.backups_tested, item.closure_notice_days) == (
            3,
            date(2026, 11, 2),
            30,
        )
        records = listings.provenance_of(session, item)
        assert {records[n].origin for n in ("admins_count", "backups_tested")} == {"form"}
    facts = card(html(client.get(f"/hosts/{slug}")))
    assert facts["Privacy policy"] == "Declared by the host: not said"
    assert facts["Administrators"].startswith("Declared by the host: 3 administrators")
    assert "in its Portée form" in facts["Administrators"]

    # A count below zero and a restore test in the future are refused, and nothing changes.
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    for bad in ({"admins_count": "-1"}, {"backups_tested": tomorrow}):
        response = post_form(client, path, dict(values, **bad))
        assert response.status_code == 400
    with get_database(demo_app).session_scope() as session:
        item = session.get(Organization, org)
        assert (item.admins_count, item.backups_tested) == (3, date(2026, 11, 2))


def test_the_privacy_policy_is_a_declared_fact(demo_app):
    with get_database(demo_app).session_scope() as session:
        organization = listings.create_organization(session, "Le Chaton Discret", "member")
        session.commit()
        org, slug = organization.id, organization.slug
    client = signed_in(demo_app, org, "discret@example.org")
    path = f"/dashboard/organizations/{org}"
    assert 'name="privacy_url"' in html(client.get(path))
    values = profile_form(name="Le Chaton Discret", privacy_url="https://discret.example/vie")
    assert post_form(client, path, values).status_code == 302
    page = html(client.get(f"/hosts/{slug}"))
    assert '<a href="https://discret.example/vie" rel="noopener">' in page
    facts = card(page)
    assert facts["Privacy policy"].startswith("Declared by the host: https://discret.example/vie")
    french = card(html(client.get(f"/hosts/{slug}", headers=FR)))
    assert french["Politique de confidentialité"].startswith("Déclaré par l’hébergeur")
    data = client.get(f"/api/v1/organizations/{slug}").get_json()
    [fact] = [f for f in data["trust"] if f["fact"] == "privacy_url"]
    assert (fact["kind"], fact["value"]) == ("declared", "https://discret.example/vie")


def test_the_dashboard_refuses_to_override_promises_from_the_file(demo_app):
    org = organization_id(demo_app, CIGOGNE)
    client = signed_in(demo_app, org)
    path = f"/dashboard/organizations/{org}"
    page = html(client.get(path))
    assert 'name="admins_count"' not in page  # shown, locked, not an input
    assert "4" in card_free(page, "admins_count")
    response = post_form(client, path, {"admins_count": "12"})
    assert response.status_code == 400
    assert "This value comes from your file: edit it there." in html(response)
    with get_database(demo_app).session_scope() as session:
        assert session.get(Organization, org).admins_count == 4

    # The service's capacity too.
    with get_database(demo_app).session_scope() as session:
        visio = session.exec(
            select(Service.id).where(
                Service.organization_id == org, Service.capacity_participants == 50
            )
        ).one()
    service_path = f"{path}/services/{visio}"
    assert 'name="capacity_participants"' not in html(client.get(service_path))
    response = post_form(client, service_path, {"capacity_participants": "500"})
    assert response.status_code == 400
    with get_database(demo_app).session_scope() as session:
        assert session.get(Service, visio).capacity_participants == 50


def card_free(page: str, name: str) -> str:
    """The locked field block of the dashboard for `name`."""
    start = page.index(f'aria-labelledby="{name}-label"')
    return page[start : page.index("</div>", start)]


def test_a_service_of_a_form_only_host_takes_a_capacity(demo_app):
    org = organization_id(demo_app, "le-chaton-libre")
    client = signed_in(demo_app, org)
    with get_database(demo_app).session_scope() as session:
        software = session.exec(
            select(Service.software_id).where(Service.software_id != None)  # noqa: E711
        ).first()
    data = {
        "name": "Visio promise",
        "description": "",
        "website": "",
        "software_id": str(software),
        "software_declared": "",
        "registration": "none",
        "load": "open",
        "price": "free",
        "legal_url": "",
        "capacity_participants": "25",
    }
    response = post_form(client, f"/dashboard/organizations/{org}/services/new", data)
    assert response.status_code == 302, html(response)[:2000]
    with get_database(demo_app).session_scope() as session:
        service = session.exec(select(Service).where(Service.name == "Visio promise")).one()
        assert service.capacity_participants == 25
        assert listings.provenance_of(session, service)["capacity_participants"].origin == "form"
    page = html(client.get("/hosts/le-chaton-libre"))
    assert "25 participants" in page


# -- the trust card --------------------------------------------------------------------------


def test_the_trust_card_in_english(client, demo_app):
    proved = prove_domain(demo_app, CIGOGNE, method="dns")
    page = html(client.get(f"/hosts/{CIGOGNE}", headers=EN))
    assert re.search(r'<section class="trust-card" aria-labelledby="trust-heading">\s*<h2', page)
    facts = card(page)
    assert facts["Member since"].startswith("Decided by the moderators:")
    assert facts["Website domain"].startswith("Checked by Portée: cigogne.example")
    assert "by a DNS record" in facts["Website domain"]
    assert f"{proved.day} {proved:%B} {proved.year}" in facts["Website domain"]
    assert facts["Administrators"].startswith("Declared by the host: 4 administrators")
    assert "organization.properties" in facts["Administrators"]
    assert facts["Notice before a service closes"].startswith("Declared by the host: 90 days")
    assert facts["Last restore test of the backups"].startswith(
        "Declared by the host: 12 October 2026"
    )
    assert facts["Where the servers are"].startswith(
        "Declared by the host: A server rented from a provider"
    )
    assert facts["Support this host"].startswith("Declared by the host: Liberapay")
    assert "50 participants" in page  # the service's capacity

    other = card(html(client.get("/hosts/le-chaton-libre", headers=EN)))
    assert other["Administrators"] == "Declared by the host: not said"
    assert other["Website domain"] == "Checked by Portée: not checked yet"


def test_the_trust_card_in_french(client, demo_app):
    prove_domain(demo_app, CIGOGNE, method="http")
    page = html(client.get(f"/hosts/{CIGOGNE}", headers=FR))
    facts = card(page)
    assert facts["Membre depuis"].startswith("Décidé par la modération :")
    assert facts["Domaine du site web"].startswith("Vérifié par Portée : cigogne.example")
    assert "par un fichier sur le site" in facts["Domaine du site web"]
    assert facts["Administrateurs et administratrices"].startswith("Déclaré par l’hébergeur : 4 ")
    other = card(html(client.get("/hosts/le-chaton-libre", headers=FR)))
    assert other["Administrateurs et administratrices"] == "Déclaré par l’hébergeur : non précisé"


def test_member_since_links_the_admission_in_the_public_log(client, demo_app):
    with get_database(demo_app).session_scope() as session:
        organization = session.exec(select(Organization).where(Organization.slug == CIGOGNE)).one()
        entry = PublicLogEntry(
            organization_id=organization.id, organization_name=organization.name, kind="admitted"
        )
        session.add(entry)
        session.commit()
        entry_id = entry.id
    page = html(client.get(f"/hosts/{CIGOGNE}", headers=EN))
    assert f'href="/moderation/log#entry-{entry_id}"' in page
    log = html(client.get("/moderation/log", headers=EN))
    assert f'id="entry-{entry_id}"' in log
    data = client.get(f"/api/v1/organizations/{CIGOGNE}").get_json()
    member = next(fact for fact in data["trust"] if fact["fact"] == "member_since")
    assert member["public_log"].endswith(f"/moderation/log#entry-{entry_id}")


def test_a_domain_proof_is_established_again_by_each_good_check(demo_app):
    from directory import trust

    with get_database(demo_app).session_scope() as session:
        organization = session.exec(select(Organization).where(Organization.slug == CIGOGNE)).one()
        now = utcnow()
        claim = DomainClaim(
            organization_id=organization.id,
            domain=organization.website_domain,
            token="t" * 32,
            method="http",
            verified_at=now - timedelta(days=10),
            last_checked_at=now - timedelta(days=1),
        )
        session.add(claim)
        session.commit()
        fact, *_probes = trust.checked_facts(session, organization)
        assert (fact.key, fact.kind, fact.value, fact.at) == (
            "domain",
            "checked",
            "cigogne.example",
            claim.last_checked_at,
        )
        # A later check that failed leaves the proof standing, established when it was made.
        claim.last_error = {"code": "token_missing"}
        session.add(claim)
        session.commit()
        fact, *_probes = trust.checked_facts(session, organization)
        assert fact.at == claim.verified_at


# -- the API ---------------------------------------------------------------------------------


def test_the_api_gives_the_same_facts_with_their_kinds(client, demo_app):
    prove_domain(demo_app, CIGOGNE, method="dns")
    data = client.get(f"/api/v1/organizations/{CIGOGNE}").get_json()
    facts = {fact["fact"]: fact for fact in data["trust"]}
    assert {fact["kind"] for fact in data["trust"]} == {"decided", "checked", "declared"}
    assert facts["member_since"]["kind"] == "decided"
    assert facts["domain"] | {"established_at": None} == {
        "fact": "domain",
        "kind": "checked",
        "said": True,
        "value": "cigogne.example",
        "established_at": None,
        "declared_in": None,
        "method": "dns",
        "public_log": None,
    }
    assert facts["domain"]["established_at"]
    admins = facts["admins_count"]
    assert (admins["kind"], admins["value"]) == ("declared", 4)
    assert admins["declared_in"]["origin"] == "file"
    assert admins["declared_in"]["file"].endswith("/organization.properties")
    assert facts["backups_tested"]["value"] == "2026-10-12"
    assert facts["host_provider_type"]["value"] == ["hostedserver"]
    assert facts["terms_url"]["value"] == ["https://cigogne.example/mentions-legales/"]
    assert facts["terms_url"]["declared_in"]["file"].endswith(".properties")
    visio = [s for s in data["services"] if s["capacity_participants"] is not None]
    assert [s["capacity_participants"] for s in visio] == [50]
    # The page shows the same facts, in the same order.
    page_titles = list(card(html(client.get(f"/hosts/{CIGOGNE}", headers=EN))))
    assert len(page_titles) == len(data["trust"])

    other = {
        f["fact"]: f
        for f in client.get("/api/v1/organizations/le-chaton-libre").get_json()["trust"]
    }
    assert other["admins_count"] == {
        "fact": "admins_count",
        "kind": "declared",
        "said": False,
        "value": None,
        "established_at": None,
        "declared_in": None,
        "method": None,
        "public_log": None,
    }


def test_where_the_data_lives_counts_only_the_services_still_offered(demo_app):
    from directory import trust

    with get_database(demo_app).session_scope() as session:
        organization = session.exec(select(Organization).where(Organization.slug == CIGOGNE)).one()
        service = next(s for s in organization.services if s.retired_at is None)
        listings.set_fields(session, service, {"host_server_type": "nano"}, "form", actor="t")
        session.commit()

        def servers() -> list:
            facts = trust.declared_facts(session, organization)
            return next(f.value for f in facts if f.key == "host_server_type")

        assert servers() == ["nano", "virtual"]
        listings.retire_service(session, service)
        session.commit()
        assert servers() == ["virtual"]


def test_the_demo_declares_privacy_policies_where_a_host_plausibly_has_one(demo_app):
    """The demo's registered bodies say `organization.privacy.url` in their files; its informal
    collectives do not, and their card says so."""
    client = demo_app.test_client()
    facts = card(html(client.get(f"/hosts/{CIGOGNE}", headers=EN)))
    assert facts["Privacy policy"].startswith(
        "Declared by the host: https://cigogne.example/vie-privee"
    )
    french = card(html(client.get(f"/hosts/{CIGOGNE}", headers=FR)))
    assert "https://cigogne.example/vie-privee" in french["Politique de confidentialité"]
    with get_database(demo_app).session_scope() as session:
        members = session.exec(
            select(Organization).where(Organization.membership == "member")
        ).all()
        declared = [o for o in members if o.privacy_url]
        assert len(declared) > len(members) // 2
        assert all(o.privacy_url.split("/")[2].endswith(".example") for o in declared)
        unsaid = next(o for o in members if o.legal_type == "informal" and not o.privacy_url)
    facts = card(html(client.get(f"/hosts/{unsaid.slug}", headers=EN)))
    assert facts["Privacy policy"] == "Declared by the host: not said"
