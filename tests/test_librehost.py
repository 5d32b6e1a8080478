"""The librehost.json parser: real hosts' files, the unfilled template, hostile JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from directory.feeds.issues import MESSAGES, ParseError
from directory.feeds.librehost import MAX_BYTES, ParsedJson, parse_librehost

# Real hosts' files, copied into the repository (their origins: samples/librehost/README.md).
SAMPLES = Path(__file__).resolve().parent / "samples/librehost"
SAMPLE_NAMES = (
    "NiXium-unfilled-template",
    "allmende.io",
    "libreops.cc",
    "libreops.cc-2019-01-22",
    "nixnet.services",
    "privacytools.io",
)
URL = "https://hoster.test/librehost.json"
COLUMNS = {
    "name",
    "description",
    "website",
    "logo_url",
    "legal_type",
    "startdate",
    "languages",
    "contact_url",
    "contact_email",
    "legal_url",
    "privacy_url",
    "extra",
}


def sample(name: str) -> bytes:
    return (SAMPLES / name / "librehost.json").read_bytes()


def parse(document: dict) -> ParsedJson:
    return parse_librehost(json.dumps(document).encode(), URL)


def codes(issues) -> list[str]:
    return [issue.code for issue in issues]


def every_string(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in every_string(item)]
    if isinstance(value, list):
        return [s for item in value for s in every_string(item)]
    return []


def test_every_sample_is_there():
    assert sorted(path.parent.name for path in SAMPLES.glob("*/librehost.json")) == sorted(
        SAMPLE_NAMES
    ), f"samples not found under {SAMPLES}"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_parses(name):
    parsed = parse_librehost(sample(name), URL)
    assert parsed.fields["name"]
    assert set(parsed.fields) <= COLUMNS
    assert isinstance(parsed.fields["extra"], dict)
    json.dumps(parsed.fields["extra"])  # storable in a JSON column
    for issue in parsed.warnings:
        assert issue.code in MESSAGES
        assert issue.message  # every warning can be written out with its parameters


def test_allmende():
    parsed = parse_librehost(sample("allmende.io"), URL)
    fields = parsed.fields
    assert fields["name"] == "Allmende.io"
    assert fields["description"] == (
        "infrastructure for communication, organisation and information"
    )
    assert fields["website"] == "https://allmende.io"
    assert fields["logo_url"] == "https://allmende.io/img/allmende.png"
    assert fields["languages"] == ["de", "en", "fr"]
    assert fields["contact_url"] == "https://meta.allmende.io/c/allmende"
    assert fields["legal_url"] == "https://meta.allmende.io/tos"
    assert fields["privacy_url"] == "https://meta.allmende.io/privacy"
    assert fields["startdate"] == date(2014, 1, 1)
    # "computational common" is no legal form Portée knows: other, and the host is told.
    assert fields["legal_type"] == "other"
    unknown = [w for w in parsed.warnings if w.code == "unknown_value"]
    assert [w.key for w in unknown] == ["organizationType"]
    assert "computational common" in unknown[0].message
    assert fields["extra"] == {
        "version": "1.0.0",
        "tagLine": "Contributing to the Computational Commons",
        "organizationType": "computational common",
        "termsOfServiceUrl": "https://meta.allmende.io/tos",
        "isServiceProvider": True,
        "dateCreated": "2014-03-07T06:00:00Z",
        "dateModified": "2020-02-24T20:10:00Z",
    }
    assert codes(parsed.warnings) == ["unknown_value"]


def test_libreops():
    parsed = parse_librehost(sample("libreops.cc"), URL)
    fields = parsed.fields
    assert fields["name"] == "LibreOps"
    assert fields["description"].startswith("We believe that building, owning and controlling")
    assert fields["description"].endswith("respect users privacy by default.")
    assert fields["website"] == "https://libreops.cc"
    assert fields["logo_url"] == "https://libreops.cc/static/img/libreops.svg"
    assert fields["legal_type"] == "informal"  # "Collective"
    assert fields["languages"] == ["en", "el"]
    assert fields["contact_url"] == "https://libreops.cc/contact.html"
    assert fields["legal_url"] == "https://libreops.cc/terms.html"
    assert fields["startdate"] == date(2015, 1, 1)
    assert "contact_email" not in fields
    extra = fields["extra"]
    assert fields["privacy_url"] == "https://libreops.cc/terms.html"
    assert "privacyPolicyUrl" not in extra  # mapped to its column, not kept twice
    assert extra["version"] == "0.0.2"
    assert extra["dateModified"] == "2019-02-09T18:18:18Z"
    assert extra["isServiceProvider"] is True
    assert parsed.warnings == []


def test_older_libreops_file_has_its_leading_space_stripped():
    fields = parse_librehost(sample("libreops.cc-2019-01-22"), URL).fields
    assert fields["description"].startswith("We believe")
    assert fields["contact_url"] == "https://libreops.cc/#contact"


@pytest.mark.parametrize("name", ["nixnet.services", "privacytools.io"])
def test_a_dash_means_absent_silently(name):
    parsed = parse_librehost(sample(name), URL)
    assert "legal_url" not in parsed.fields
    assert "termsOfServiceUrl" not in parsed.fields["extra"]
    assert parsed.warnings == []
    assert parsed.fields["legal_type"] == "informal"  # "Informal collective"


def test_minute_precision_timestamp_is_accepted():
    extra = parse_librehost(sample("nixnet.services"), URL).fields["extra"]
    assert extra["dateModified"] == "2019-11-24T01:14Z"


def test_unfilled_template_reports_and_publishes_no_placeholder():
    raw = sample("NiXium-unfilled-template")
    parsed = parse_librehost(raw, URL)
    fields = parsed.fields
    placeholders = [w for w in parsed.warnings if w.code == "template_placeholder"]
    assert {w.key for w in placeholders} == {
        "homeUrl",
        "logo",
        "contactUrl",
        "privacyPolicyUrl",
        "termsOfServiceUrl",
        "foundingDate",
        "dateCreated",
    }
    assert all("still holds a template placeholder" in w.message for w in placeholders)
    for column in ("website", "logo_url", "contact_url", "legal_url", "privacy_url", "startdate"):
        assert column not in fields
    published = every_string(fields)
    assert not [s for s in published if "librehoster.example" in s or "YYYY" in s]
    assert "privacyPolicyUrl" not in fields["extra"]
    assert "dateCreated" not in fields["extra"]
    # What was filled in is kept.
    assert fields["name"] == "NiXium"
    assert fields["languages"] == ["en", "fr", "nl"]
    assert fields["legal_type"] == "informal"
    assert fields["extra"]["dateModified"] == "2018-11-10T22:32:54Z"
    # The placeholder is not also reported as a missing website.
    assert "missing_recommended" not in codes(parsed.warnings)


@pytest.mark.parametrize(
    "value",
    [
        "TODO",
        "<your organisation's motto>",
        "<TAGLINE>",
        "CHANGEME",
        "change_me",
        "Lorem ipsum dolor sit amet",
        "{{ tagline }}",
        "see https://example.com/about",
    ],
)
def test_placeholders_in_text_are_reported(value):
    parsed = parse({"name": "Host", "description": value, "homeUrl": "https://host.test"})
    assert "description" not in parsed.fields
    assert codes(parsed.warnings) == ["template_placeholder"]


@pytest.mark.parametrize(
    "value",
    ["Todo para todos", "We serve <b>everyone</b>", "Change means", "an example.", "1 YYY"],
)
def test_ordinary_text_is_not_a_placeholder(value):
    parsed = parse({"name": "Host", "description": value, "homeUrl": "https://host.test"})
    assert parsed.fields["description"] == value
    assert parsed.warnings == []


def test_only_provided_values_are_in_fields():
    """A JSON source must not blank out what another source set."""
    parsed = parse({"name": "Host", "homeUrl": "https://host.test", "logo": "-", "contactUrl": ""})
    assert parsed.fields == {"name": "Host", "website": "https://host.test", "extra": {}}
    assert parsed.warnings == []


def test_tagline_is_the_description_when_there_is_none():
    parsed = parse({"name": "Host", "tagLine": "Small and friendly", "homeUrl": "https://h.test"})
    assert parsed.fields["description"] == "Small and friendly"
    assert parsed.fields["extra"]["tagLine"] == "Small and friendly"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("Collective", "informal"),
        ("Informal collective", "informal"),
        ("Kollektiv", "informal"),
        ("Association loi 1901", "association"),
        ("Non-profit", "association"),
        ("e.V.", "association"),
        ("Cooperative", "cooperative"),
        ("co-op", "cooperative"),
        ("Coopérative (SCIC)", "cooperative"),
        ("Company", "company"),
        ("Ltd", "company"),
        ("GmbH", "company"),
        ("SARL", "company"),
        ("Individual", "individual"),
        ("a person", "individual"),
        ("association", "association"),
        ("other", "other"),
    ],
)
def test_organization_type_is_read_leniently(declared, expected):
    parsed = parse({"name": "Host", "homeUrl": "https://h.test", "organizationType": declared})
    assert parsed.fields["legal_type"] == expected
    assert parsed.warnings == []
    assert parsed.fields["extra"]["organizationType"] == declared


def test_founding_date_as_an_integer_or_a_date():
    assert parse({"name": "H", "foundingDate": 2015}).fields["startdate"] == date(2015, 1, 1)
    assert parse({"name": "H", "foundingDate": "2015-03-07"}).fields["startdate"] == date(
        2015, 3, 7
    )
    late = parse({"name": "H", "homeUrl": "https://h.test", "foundingDate": 3015})
    assert "startdate" not in late.fields
    assert codes(late.warnings) == ["out_of_range"]
    odd = parse({"name": "H", "homeUrl": "https://h.test", "foundingDate": True})
    assert codes(odd.warnings) == ["wrong_type"]


def test_odd_values_are_warned_about_not_published():
    parsed = parse(
        {
            "@type": "Person",
            "Name": "  Host\nName ",
            "homeUrl": "javascript:alert(1)",
            "logo": "/img/logo.png",
            "contactUrl": "mailto:hello@host.test",
            "communicationLanguages": ["pt-BR", "EN", "xx", 3],
            "privacyPolicyUrl": "ftp://host.test/privacy",
            "dateModified": "yesterday",
            "isServiceProvider": "yes",
        }
    )
    fields = parsed.fields
    assert fields["name"] == "Host Name"
    assert "website" not in fields and "privacy_url" not in fields  # javascript:, ftp:
    assert fields["logo_url"] == "https://hoster.test/img/logo.png"  # relative to the file
    assert fields["contact_email"] == "hello@host.test"
    assert fields["languages"] == ["pt", "en"]
    assert fields["extra"] == {}
    assert sorted(codes(parsed.warnings)) == sorted(
        [
            "unknown_value",  # @type
            "key_case",
            "bad_url",  # homeUrl
            "bad_language",
            "wrong_type",  # 3
            "bad_url",  # privacyPolicyUrl
            "bad_datetime",
            "wrong_type",  # isServiceProvider
        ]
    )
    for issue in parsed.warnings:
        assert issue.message


def test_unstorable_characters_are_removed():
    body = b'{"name": "Ho\\u0000st\\udc80", "tagLine": "ok\\u0007"}'
    parsed = parse_librehost(body, URL)
    assert parsed.fields["name"] == "Host"
    assert parsed.fields["description"] == "ok"
    assert codes(parsed.warnings).count("control_characters") == 2
    json.dumps(parsed.fields["extra"]).encode()


def test_too_many_keys_and_deep_extras_are_dropped():
    document = {"name": "Host", "homeUrl": "https://h.test", "deep": [[[[[[[[[[1]]]]]]]]]]}
    document.update({f"key{n}": n for n in range(150)})
    parsed = parse(document)
    assert "deep" not in parsed.fields["extra"]
    assert len(parsed.fields["extra"]) == 100
    assert set(codes(parsed.warnings)) == {"too_deep", "too_many_keys"}


def test_long_values_are_shortened_and_said_so():
    long_key = "k" * 300
    parsed = parse(
        {"name": "H" * 250, "homeUrl": "https://h.test/" + "p" * 600, long_key: "y" * 20_000}
    )
    fields = parsed.fields
    assert fields["name"] == "H" * 200
    assert "website" not in fields
    assert fields["extra"] == {"k" * 100: "y" * 10_000}
    assert sorted(codes(parsed.warnings)) == ["too_long", "too_long", "too_long", "url_too_long"]


HUGE = b'{"name": "Host", "padding": "' + b"a" * MAX_BYTES + b'"}'
DEEP = b"[" * 100_000 + b"]" * 100_000
HOSTILE = {
    "nan": (b'{"name": "Host", "foundingDate": NaN}', "bad_json"),
    "infinity": (b'{"name": "Host", "n": -Infinity}', "bad_json"),
    "overflowing float": (b'{"name": "Host", "n": 1e999}', "bad_json"),
    "5000-digit integer": (b'{"name": "Host", "n": ' + b"7" * 5000 + b"}", "bad_json"),
    "100000-deep list": (b'{"name": "H", "n": ' + DEEP + b"}", "bad_json"),
    "100000-deep object": (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "bad_json"),
    "top-level list": (b'[{"name": "Host"}]', "bad_json"),
    "top-level string": (b'"Host"', "bad_json"),
    "truncated": (b'{"name": "Host", "logo": "https://h', "bad_json"),
    "invalid UTF-8": (b'{"name": "H\xe9bergeur"}', "undecodable"),
    "huge body": (HUGE, "too_large"),
    "empty body": (b"", "empty"),
    "no name": (b'{"description": "a host"}', "missing_required"),
    "placeholder name": (b'{"name": "<your name>"}', "missing_required"),
}  # fmt: skip


@pytest.mark.parametrize("body,code", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_a_clear_parse_error(body, code):
    with pytest.raises(ParseError) as caught:
        parse_librehost(body, URL)
    assert codes(caught.value.errors) == [code]
    assert str(caught.value)  # a message for the host, not a traceback
    if code == "missing_required":
        assert caught.value.errors[0].key == "name"


def test_duplicate_keys_warn_and_the_last_wins():
    body = b'{"name": "First", "name": "Last", "homeUrl": "https://h.test", "NAME": "Shouty"}'
    parsed = parse_librehost(body, URL)
    assert parsed.fields["name"] == "Shouty"
    assert codes(parsed.warnings) == ["duplicate_key", "duplicate_key", "key_case"]


def test_many_duplicates_give_a_bounded_number_of_warnings():
    body = "{" + ", ".join(f'"k{n % 500}": {n}' for n in range(20_000)) + ', "name": "H"}'
    parsed = parse_librehost(body.encode(), URL)
    assert codes(parsed.warnings).count("duplicate_key") <= 20


def test_byte_order_marks_are_understood():
    document = '{"name": "Hébergeur", "homeUrl": "https://h.test"}'
    for body in (b"\xef\xbb\xbf" + document.encode(), document.encode("utf-16")):
        assert parse_librehost(body, URL).fields["name"] == "Hébergeur"


def test_every_truncation_of_a_sample_is_read_or_refused_cleanly():
    raw = sample("allmende.io")
    for end in range(len(raw)):
        try:
            parse_librehost(raw[:end], URL)
        except ParseError as exc:
            assert exc.errors
