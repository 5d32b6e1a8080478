"""Search reads what people type (issue 15): sentences in French and English over the demo, the
reading said back (removable parts, "did you mean"), group sizes, no dead ends, fair pages.

The demo is imported once per module (a copy of the session's demo site): these tests only read.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from directory import public
from directory.db import get_database
from search import SearchParams, get_search
from search.phrases import FILTER_PHRASES, read_group_size


@pytest.fixture(scope="module")
def demo(sites, demo_template, tmp_path_factory):
    with sites.open_copy(demo_template, tmp_path_factory.mktemp("reading")) as application:
        yield application


@pytest.fixture(scope="module")
def api(demo):
    client = demo.test_client()

    def ask(query: str, **args) -> dict:
        response = client.get("/api/v1/search", query_string={"q": query, **args})
        assert response.status_code == 200, query
        return response.get_json()

    return ask


def page(demo, url: str, lang: str = "en", **kwargs) -> str:
    response = demo.test_client().get(url, headers={"Accept-Language": lang}, **kwargs)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


NONE = {"registration": ["none"]}
FREE = {"price": ["free"]}
# (query, needs it is read as, filters, group size, other expectations). The top results must
# be offers of the needs (a software slug, or a task's category slug); "nobody": no offer at
# all, and the page proposes a way out; "unmatched": words set aside; "corrected": the typo
# read as this; "words": the words matched as text.
READINGS = [
    # brand names of proprietary services → their task, filler words dropped
    ("je voudrais remplacer Skype", {"video-calls"}, {}, None, {}),
    ("I want to replace Skype", {"video-calls"}, {}, None, {}),
    ("alternative à Zoom", {"video-calls"}, {}, None, {}),
    ("instead of Microsoft Teams", {"video-calls"}, {}, None, {}),
    ("comme Google Meet", {"video-calls"}, {}, None, {}),
    ("alternative à doodle", {"polls"}, {}, None, {}),
    ("something like Doodle", {"polls"}, {}, None, {}),
    ("instead of google docs", {"collaborative-writing"}, {}, None, {}),
    ("remplacer Google Docs", {"collaborative-writing"}, {}, None, {}),
    ("wetransfer", {"file-sharing"}, {}, None, {}),
    ("alternative à WeTransfer gratuit", {"file-sharing"}, FREE, None, {}),
    ("remplacer Dropbox", {"cloud-storage"}, {}, None, {}),
    ("instead of Google Drive", {"cloud-storage"}, {}, None, {}),
    ("WhatsApp", {"chat"}, {}, None, {}),
    ("alternative à Slack", {"chat"}, {}, None, {}),
    ("Discord replacement", {"chat"}, {}, None, {}),
    ("remplacer Gmail", {"mail"}, {}, None, {}),
    ("Trello alternative", {"project-boards"}, {}, None, {}),
    ("something like trello", {"project-boards"}, {}, None, {}),
    ("SurveyMonkey", {"forms-surveys"}, {}, None, {}),
    ("remplacer Google Forms", {"forms-surveys"}, {}, None, {}),
    # filler words around a task
    ("je cherche un sondage", {"polls"}, {}, None, {}),
    ("je cherche un wiki", {"wikis"}, {}, None, {}),
    ("je recherche une visio", {"video-calls"}, {}, None, {}),
    ("I am looking for a poll", {"polls"}, {}, None, {}),
    ("I need a kanban board", {"project-boards"}, {}, None, {}),
    ("I'd like a spreadsheet", {"spreadsheets"}, {}, None, {}),
    ("find a date", {"polls"}, {}, None, {}),
    ("trouver une date", {"polls"}, {}, None, {}),
    ("envoyer un fichier", {"file-sharing"}, {}, None, {}),
    ("raccourcir un lien", {"url-shortening"}, {}, None, {}),
    ("password manager", {"password-management"}, {}, None, {}),
    # filter phrases
    ("une visio sans compte", {"video-calls"}, NONE, None, {}),
    ("video calls without an account", {"video-calls"}, NONE, None, {}),
    ("un sondage sans inscription", {"polls"}, NONE, None, {}),
    ("sondage en anglais", {"polls"}, {"language": ["en"]}, None, {}),
    ("poll in English", {"polls"}, {"language": ["en"]}, None, {}),
    ("pad gratuit", {"collaborative-writing", "etherpad"}, FREE, None, {}),
    ("free pad", {"collaborative-writing", "etherpad"}, FREE, None, {}),
    ("cloud gratuit", {"cloud-storage"}, FREE, None, {}),
    ("je voudrais un tableur gratuit", {"spreadsheets"}, FREE, None, {}),
    ("partage de fichiers payant", {"file-sharing"}, {"price": ["paid"]}, None, {}),
    ("mattermost en français", {"mattermost"}, {"language": ["fr"]}, None, {}),
    ("nextcloud in German", {"nextcloud"}, {"language": ["de"]}, None, {}),
    ("gratuit", set(), FREE, None, {}),
    ("free", set(), FREE, None, {}),
    ("payant", set(), {"price": ["paid"]}, None, {}),
    ("sans compte", set(), NONE, None, {}),
    ("no account", set(), NONE, None, {}),
    ("en anglais", set(), {"language": ["en"]}, None, {}),
    ("in English", set(), {"language": ["en"]}, None, {}),
    # group sizes (and numbers that are not one)
    ("visio pour 30 personnes", {"video-calls"}, {}, 30, {}),
    ("video call for 30 people", {"video-calls"}, {}, 30, {}),
    ("agenda partagé pour 12 personnes", {"calendar-contacts"}, {}, 12, {}),
    ("un blog pour 40 membres", {"blogging"}, {}, 40, {}),
    ("visio pour une équipe de 15", {"video-calls"}, {}, 15, {}),
    ("wiki for 5 people", {"wikis"}, {}, 5, {}),
    ("nextcloud 30 rue de la paix", {"nextcloud"}, {}, None, {"words": {"30", "rue", "paix"}}),
    # typos next to real words; real words never corrected
    ("etherpda", {"etherpad"}, {}, None, {"corrected": "etherpad"}),
    ("cherche etherpda", {"etherpad"}, {}, None, {"corrected": "etherpad"}),
    ("jitis", {"jitsi-meet"}, {}, None, {"corrected": "jitsi"}),
    ("framapda", {"etherpad"}, {}, None, {"corrected": "framapad"}),
    ("sondaeg", {"polls"}, {}, None, {"corrected": "sondage"}),
    ("visioconférance", {"video-calls"}, {}, None, {"corrected": "Visioconférence"}),
    ("gestionnaire de mots de passe", {"password-management"}, {}, None, {"corrected": None}),
    ("je cherche un gestionnaire de mots de passe", {"password-management"}, {}, None, {}),
    # words besides the needs rank, never empty
    ("sondage xyzzy", {"polls"}, {}, None, {"unmatched": ["xyzzy"]}),
    ("etherpad lyon", {"etherpad"}, {}, None, {"words": {"lyon"}, "unmatched": []}),
    # software nobody offers: no offer, a way out
    ("zulip", {"zulip"}, {}, None, {"nobody": True}),
    ("lemmy", {"lemmy"}, {}, None, {"nobody": True}),
    ("zulip sans compte", {"zulip"}, NONE, None, {"nobody": True}),
    ("je voudrais remplacer Skype par Zulip", {"video-calls", "zulip"}, {}, None, {}),
]


def test_the_table_is_large_and_bilingual():
    assert len(READINGS) >= 60
    assert len({row[0] for row in READINGS}) == len(READINGS)


@pytest.mark.parametrize(("query", "needs", "filters", "group", "more"), READINGS)
def test_what_people_type_is_read_and_lands(demo, api, query, needs, filters, group, more):
    found = api(query)
    reading = found["reading"]
    assert {need["slug"] for need in reading["needs"]} == needs
    assert found["filters"] == filters == reading["filters"]
    assert reading["group_size"] == group
    if "corrected" in more:
        corrected = [c["corrected"] for c in reading["corrections"]]
        assert corrected == ([more["corrected"]] if more["corrected"] else [])
    else:
        assert reading["corrections"] == []
    if "unmatched" in more:
        assert reading["unmatched"] == more["unmatched"]
    if "words" in more:
        assert set(reading["words"]) >= more["words"]
    if more.get("nobody"):
        assert found["total"] == 0
        html = page(demo, "/search", query_string={"q": query}, follow_redirects=True)
        assert 'class="ways-out"' in html
        return
    assert found["total"] > 0
    if not needs:  # a filter alone: every offer with it, as the facet gives
        assert found["total"] == api("", **{k: v[0] for k, v in filters.items()})["total"]
        return
    for result in found["results"][:5]:
        software = result["software"]["slug"]
        categories = {c["slug"] for c in result["categories"]}
        assert software in needs or categories & needs, (query, software, categories)


@pytest.mark.parametrize("phrase", sorted(FILTER_PHRASES))
def test_each_filter_phrase_gives_exactly_its_facet_count(api, phrase):
    facet, value = FILTER_PHRASES[phrase]
    for need in ("", "visio"):
        by_phrase = api(f"{need} {phrase}".strip())
        by_facet = api(need, **{facet: value})
        assert by_phrase["filters"] == {facet: [value]}, phrase
        assert by_phrase["total"] == by_facet["total"], (need, phrase)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("pour 30 personnes", 30),
        ("for 30 people", 30),
        ("a group of 40", 40),
        ("une classe de 28", 28),
        ("réunion de 12 participants", 12),
        ("nextcloud 30 rue de la paix", None),
        ("12 avenue des Champs", None),
        ("agenda 2026", None),
        ("pad 3", None),
        ("pour 0 personne", None),
    ],
)
def test_only_a_number_of_people_is_a_group_size(text, size):
    assert read_group_size(text)[1] == size


def test_a_large_group_puts_account_free_offers_first_and_says_so(demo, api):
    every = []
    found = api("partage de fichiers pour 30 personnes")
    assert found["reading"]["group_size"] == 30 and found["query"] == "partage de fichiers"
    for number in range(1, found["pages"] + 1):
        every += api("partage de fichiers", group_size=30, page=number)["results"]
    kinds = [result["registration"] == "none" for result in every]
    assert True in kinds and False in kinds
    assert kinds == sorted(kinds, reverse=True), "account-free offers first"
    assert found["reading"]["account_free_first"] is True
    # A small group changes nothing.
    assert api("sondage pour 3 personnes")["reading"]["account_free_first"] is False
    for lang, said in (
        ("en", "For 30 people: offers that need no account come first."),
        ("fr", "Pour 30 personnes\u00a0: les offres sans compte d’abord."),
    ):
        html = page(demo, "/search?q=sondage&group_size=30", lang)
        assert said in html, lang
        assert "/match?needs=polls&amp;group_size=30" in html
        match = page(demo, "/match?needs=polls&group_size=30", lang)
        assert said in match, lang


def test_the_reading_is_shown_in_both_languages_and_each_part_removes_itself(demo):
    url = "/search?q=une+visio+pour+30+personnes+sans+compte"
    response = demo.test_client().get(url)
    assert response.status_code == 302
    target = response.headers["Location"]
    assert parse_qs(urlsplit(target).query) == {
        "q": ["une visio"],
        "registration": ["none"],
        "group_size": ["30"],
    }
    for lang, parts in (
        ("en", ("Video calls", "No account needed", "for 30 people")),
        ("fr", ("Visioconférence", "Sans compte", "pour 30 personnes")),
    ):
        html = page(demo, target, lang)
        for part in parts:
            assert f"{part} <span aria-hidden" in html, (lang, part)
    # Each part is a link (no JavaScript) to the same search without it.
    with demo.test_request_context(target):
        from flask import request

        from directory.web.searching import params_from, reading_chips, run

        outcome = run(params_from(request.args))
        chips = {chip.kind: chip.href for chip in reading_chips(outcome)}
    assert set(chips) == {"need", "filter", "group"}
    assert parse_qs(urlsplit(chips["need"]).query) == {
        "registration": ["none"],
        "group_size": ["30"],
    }
    assert "registration" not in parse_qs(urlsplit(chips["filter"]).query)
    assert "group_size" not in parse_qs(urlsplit(chips["group"]).query)
    without_need = demo.test_client().get(chips["need"]).status_code
    assert without_need == 200


def test_did_you_mean_links_to_the_corrected_query(demo, api):
    for lang, said in (("en", "Did you mean “etherpad xyzzy”?"), ("fr", "Vouliez-vous dire")):
        html = page(demo, "/search?q=etherpda+xyzzy", lang)
        assert said in html and 'href="/search?q=etherpad+xyzzy"' in html, lang
    assert api("etherpda")["reading"]["corrected_query"] == "etherpad"
    assert "did-you-mean" not in page(demo, "/search?q=gestionnaire+de+mots+de+passe")
    assert api("gestionnaire")["reading"]["corrections"] == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/search?q=forum&price=paid", "without “Paid”"),
        ("/search?q=wiki&registration=none", "without “No account needed”"),
        ("/search?q=zulip", "Instant messaging instead of Zulip"),
        ("/search?q=peertube&language=br", "without “Breton”"),
        ("/search?q=zorglub+lyon", "without the word “zorglub”"),
        ("/search?q=zorglubxx", "without the word “zorglubxx”"),
        ("/categories/wikis?registration=none", "without “No account needed”"),
    ],
)
def test_every_empty_page_proposes_the_nearest_reading_that_finds_offers(demo, url, expected):
    html = page(demo, url)
    assert "0 offers" in html
    assert 'class="ways-out"' in html and expected in html, url
    start = html.index('class="ways-out"')
    link = html[html.index('href="', start) + 6 :]
    link = link[: link.index('"')].replace("&amp;", "&")
    count = int(html[start:].split("</a> (", 1)[1].split(" ", 1)[0])
    assert count > 0
    assert f"{count} offer" in page(demo, link), (url, link)


def every_page(demo, text: str, day: date) -> list[list[int]]:
    with demo.app_context():
        search = get_search()
        first = search.search(SearchParams(text=text, day=day, per_page=5))
        pages = [first.service_ids]
        for number in range(2, first.pages + 1):
            found = search.search(SearchParams(text=text, day=day, per_page=5, page=number))
            pages.append(found.service_ids)
    return pages


NEEDS = ["pad", "sondage", "visio", "cloud", "chat", "wiki", "tableur", "partage de fichiers"]


@pytest.mark.parametrize("text", NEEDS)
def test_no_organization_twice_for_one_need(demo, text):
    day = date(2026, 12, 1)
    pages = every_page(demo, text, day)
    with get_database(demo).session_scope() as session:
        shown = [
            service.organization_id
            for ids in pages
            for service in public.services_in_order(session, ids)
        ]
    assert len(shown) == len(set(shown)), text
    with demo.app_context():
        results = get_search().search(SearchParams(text=text, day=day, per_page=500))
    assert results.listed == len(shown) and sum(results.folded.values()) == (
        results.total - len(shown)
    )


def test_folded_services_are_said_on_the_card(demo):
    with demo.app_context():
        results = get_search().search(SearchParams(text="cloud", per_page=500))
    assert results.folded, "some demo host offers two cloud services"
    html = page(demo, "/search?q=cloud")
    assert "other service" in html


def test_first_hosts_differ_across_needs_on_one_day(demo):
    day = date(2026, 12, 1)
    with demo.app_context():
        search = get_search()
        firsts = {}
        for text in NEEDS:
            found = search.search(SearchParams(text=text, day=day, per_page=1))
            firsts[text] = found.service_ids[0]
            again = search.search(SearchParams(text=text, day=day, per_page=1))
            assert again.service_ids == found.service_ids, "stable within a day"
        later = [
            tuple(
                search.search(SearchParams(text="sondage", day=day + timedelta(days=n))).service_ids
            )
            for n in range(4)
        ]
    assert len(set(later)) > 1, "the rotation still moves with the day"
    with get_database(demo).session_scope() as session:
        hosts = {
            text: public.services_in_order(session, [service_id])[0].organization_id
            for text, service_id in firsts.items()
        }
    counts = sorted((list(hosts.values()).count(h) for h in set(hosts.values())), reverse=True)
    assert counts[0] <= 2, f"one host leads too many needs: {hosts}"
    assert len(set(hosts.values())) >= len(NEEDS) // 2


def test_the_api_returns_the_reading(api):
    found = api("je voudrais remplacer etherpda xyzzy sans compte pour 30 personnes")
    reading = found["reading"]
    assert [need["slug"] for need in reading["needs"]] == ["etherpad"]
    assert reading["needs"][0]["name"] == "Etherpad"
    assert reading["filters"] == NONE
    assert reading["unmatched"] == ["xyzzy"]
    assert reading["corrections"] == [{"typed": "etherpda", "corrected": "etherpad"}]
    assert reading["group_size"] == 30 and reading["account_free_first"] is True
    kinds = [part["kind"] for part in reading["parts"]]
    assert kinds == ["need", "word", "filter", "group"]
    assert all(part["remove"].startswith("/api/v1/search") for part in reading["parts"])
