"""The API's OpenAPI description (issue 17): it validates, covers every /api/v1 route, and
every answer of these tests matches the schema it documents; errors have one shape; read
endpoints are cacheable (ETag, 304) and open to every origin; /api/ explains it in both
languages."""

from __future__ import annotations

import jsonschema
import pytest
from openapi_spec_validator import validate

from directory.web.api.openapi import api_rules


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def check(spec, path: str, method: str, response) -> dict:
    """Assert that `response` is one the document describes for (path, method), and return
    its JSON body."""
    documented = spec["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {path} answered {status}, not documented"
    body = response.get_json()
    schema = documented[status]["content"]["application/json"]["schema"]
    jsonschema.validate(body, {**schema, "components": spec["components"]})
    return body


def test_the_description_validates_and_covers_every_route(demo_app, spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    routes = {
        (rule.rule, method.lower())
        for _path, rule, methods in api_rules(demo_app)
        for method in methods
    }
    assert {rule for rule, _method in routes} >= {"/api/v1/search", "/api/v1/match"}
    documented = {
        ("/api/v1" + path.replace("{slug}", "<slug>"), method)
        for path, item in spec["paths"].items()
        for method in item
    }
    assert routes == documented
    assert spec["servers"][0]["url"].endswith("/api/v1")
    assert spec["info"]["license"]["name"]


def test_answers_match_their_schemas(client, spec):
    search = check(spec, "/search", "get", client.get("/api/v1/search?q=pad&country=FR"))
    assert search["total"] > 0 and search["relaxations"] == []
    slug = search["results"][0]["organization"]["slug"]
    organization = check(
        spec, "/organizations/{slug}", "get", client.get(f"/api/v1/organizations/{slug}")
    )
    assert organization["slug"] == slug and organization["services"]
    matched = check(
        spec,
        "/match",
        "get",
        client.get("/api/v1/match?needs=video-calls&needs=collaborative-writing&language=fr"),
    )
    assert matched["hosts"]


def test_a_query_nobody_satisfies_is_an_empty_answer_with_relaxations(client, spec):
    search = check(spec, "/search", "get", client.get("/api/v1/search?q=pad&country=ZZ"))
    assert search["total"] == 0 and search["results"] == []
    assert search["relaxations"] == [
        {"filter": "country", "values": ["ZZ"], "total": search["relaxations"][0]["total"]}
    ]
    assert search["relaxations"][0]["total"] > 0
    matched = check(
        spec,
        "/match",
        "get",
        client.get("/api/v1/match?needs=video-calls&country=ZZ&country_required=1"),
    )
    relaxed = {r["constraint"]["name"]: r["hosts"] for r in matched["relaxations"]}
    assert relaxed["country"] > 0
    assert matched["relaxed"]["name"] == "country" and matched["hosts"]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/organizations/nobody", 404, "not_found"),
        ("/api/v1/match", 400, "no_needs"),
        ("/api/v1/match?needs=video-calls&group_size=0", 400, "invalid"),
        ("/api/v1/nothing-here", 404, "not_found"),
    ],
)
def test_errors_have_one_shape(client, spec, url, status, code):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    jsonschema.validate(body, {**spec["components"]["schemas"]["Error"]})
    assert body["error"] == code and body["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if code == "invalid":
        assert "group_size" in body["fields"]
    path = url.split("?")[0].removeprefix("/api/v1")
    if path in ("/match", "/organizations/nobody"):
        check(spec, "/match" if path == "/match" else "/organizations/{slug}", "get", response)


def test_a_post_is_refused_in_the_same_shape(client):
    response = client.post("/api/v1/search")
    assert response.status_code == 405
    assert set(response.get_json()) == {"error", "message", "fields"}


@pytest.mark.parametrize(
    "url",
    ["/api/v1/search?q=pad", "/api/v1/organizations/{slug}", "/api/v1/openapi.json"],
)
def test_read_endpoints_are_cacheable_and_answer_304(client, url):
    if "{slug}" in url:
        slug = client.get("/api/v1/search").get_json()["results"][0]["organization"]["slug"]
        url = url.format(slug=slug)
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=" in first.headers["Cache-Control"]
    tag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()
    # Another language is another answer (names of tasks and software are translated).
    english = client.get(url, headers={"If-None-Match": tag, "Accept-Language": "en"})
    assert english.status_code == 200 and english.headers["ETag"] != tag


@pytest.mark.parametrize(
    ("language", "heading", "licence"),
    [("en", "The Portée API", "Licence of the data"), ("fr", "L’API de Portée", "Licence")],
)
def test_the_api_page_in_both_languages(client, spec, language, heading, licence):
    html = client.get("/api/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert heading in html and licence in html and spec["info"]["license"]["name"] in html
    for path in spec["paths"]:
        assert f"GET {path}" in html
    assert "/api/v1/search?q=pad" in html
    assert 'id="formats"' in html and "service.registration" in html  # the format notes
