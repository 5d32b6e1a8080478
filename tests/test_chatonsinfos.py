"""The .properties reader and the ChatonsInfos parser: lenient reading, strict publishing."""

from __future__ import annotations

from datetime import date

import pytest

from directory.feeds.chatonsinfos import parse_properties
from directory.feeds.issues import ParseError
from directory.feeds.properties import read_entries

BASE = "https://chatons.example/.well-known/chatonsinfos/organization.properties"

ORGANIZATION = """\
# [File]
file.class = Organization
file.protocol = ChatonsInfos-0.5
file.datetime = 2026-11-01T10:00:00

# [Organisation]
organization.name = Le Chaton d\\'essai
organization.description = Un hébergeur \\
    associatif de test
organization.website = https://chatons.example/
organization.type = ASSOCIATION
organization.status.level = ACTIVE
organization.startdate = 04/03/2019
organization.country.name = France
organization.country.code = fr
organization.geolocation.latitude = 45,7640
organization.geolocation.longitude = 4.8357
organization.contact.email = contact@chatons.example
organization.languages = fr;en
organization.socialnetworks.mastodon = https://toot.example/@chatons
organization.funding.Tipee = https://tipee.example/chatons
metrics.http.hits.2020.months = 1;2;3

# [Subs]
subs.pad = 'https://chatons.example/.well-known/chatonsinfos/pad.properties'
subs.visio = visio.properties
"""

SERVICE = """\
file.class = service
service.name = Pad du Chaton
service.website = https://pad.chatons.example/
service.startdate = 2020-03-16
service.registration = None
service.registration.load = OPEN
service.price = free
service.languages = fr;en;xx
service.status.level = OK
software.name = Etherpad Lite
software.version = 1.9.7
host.country.code = FR
"""


def codes(issues):
    return [issue.code for issue in issues]


def test_properties_rules():
    text = (
        "# comment\n! also a comment\n  key1 = value one  \nkey2:value2\nkey3 value3\n"
        "key4=a \\\n   b\nkey\\ 5 = \\u00e9t\\u00e9 \\= \\: \\\\ \\t end\nempty =\n"
    )
    entries = {e.key: (e.line, e.value) for e in read_entries(text)}
    assert entries["key1"] == (3, "value one")
    assert entries["key2"] == (4, "value2")
    assert entries["key3"] == (5, "value3")
    assert entries["key4"] == (6, "a b")
    assert entries["key 5"][1] == "été = : \\ \t end"
    assert entries["empty"][1] == ""


def test_organization_file_with_oddities_is_read_with_warnings():
    parsed = parse_properties(ORGANIZATION.encode(), BASE, expected="organization")
    fields = parsed.record.fields
    assert fields["name"] == "Le Chaton d'essai"
    assert fields["description"] == "Un hébergeur associatif de test"
    assert fields["legal_type"] == "association"
    assert fields["startdate"] == date(2019, 3, 4)
    assert fields["country_code"] == "FR"
    assert fields["latitude"] == pytest.approx(45.764)
    assert fields["languages"] == ["fr", "en"]
    assert fields["social"] == {"mastodon": "https://toot.example/@chatons"}
    assert fields["funding"] == {"tipee": "https://tipee.example/chatons"}
    assert "organization.funding.Tipee" not in fields["extra"]
    assert "metrics.http.hits.2020.months" in fields["extra"]
    subs = {sub.key: sub.url for sub in parsed.record.subs}
    assert subs == {
        "pad": "https://chatons.example/.well-known/chatonsinfos/pad.properties",
        "visio": "https://chatons.example/.well-known/chatonsinfos/visio.properties",
    }
    assert set(codes(parsed.warnings)) >= {"decimal_comma", "quoted_value"}


def test_service_file_maps_registration_price_and_languages():
    parsed = parse_properties(SERVICE.encode(), BASE, expected="service")
    fields = parsed.record.fields
    assert parsed.record.software_name == "Etherpad Lite"
    assert fields["registration"] == "none"
    assert fields["load"] == "open"
    assert fields["price"] == "free"
    assert fields["languages"] == ["fr", "en"]
    assert fields["startdate"] == date(2020, 3, 16)
    warning = next(w for w in parsed.warnings if w.code == "bad_language")
    assert warning.line == 8 and "xx" in warning.message


def test_client_registration_implies_paid():
    text = SERVICE.replace("service.registration = None", "service.registration = Client")
    text = text.replace("service.price = free\n", "")
    parsed = parse_properties(text.encode(), BASE, expected="service")
    assert parsed.record.fields["price"] == "paid"


def test_latin1_file_is_read_with_a_warning():
    parsed = parse_properties(ORGANIZATION.encode("latin-1"), BASE, expected="organization")
    assert parsed.record.fields["description"] == "Un hébergeur associatif de test"
    assert "latin1" in codes(parsed.warnings)


def test_key_case_is_lenient_but_reported():
    text = ORGANIZATION.replace("organization.name", "Organization.Name")
    text = text.replace("file.class = Organization", "file.class = ORGANIZATION")
    parsed = parse_properties(text.encode(), BASE, expected="organization")
    assert parsed.record.fields["name"] == "Le Chaton d'essai"
    assert codes(parsed.warnings).count("key_case") == 2


@pytest.mark.parametrize(
    ("change", "code", "line"),
    [
        (("organization.name = Le Chaton d\\'essai\n", ""), "missing_required", None),
        (("file.class = Organization", "file.class = service"), "wrong_class", None),
    ],
)
def test_organization_refusals(change, code, line):
    with pytest.raises(ParseError) as caught:
        parse_properties(ORGANIZATION.replace(*change).encode(), BASE, expected="organization")
    assert caught.value.errors[0].code == code
    assert caught.value.errors[0].line == line


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("service.registration = None", "service.registration = Sometimes"), "bad_registration"),
        (("software.name = Etherpad Lite", "software.name ="), "missing_required"),
        (("service.name = Pad du Chaton", "service.name = "), "missing_required"),
    ],
)
def test_service_refusals_say_what_and_where(change, code):
    with pytest.raises(ParseError) as caught:
        parse_properties(SERVICE.replace(*change).encode(), BASE, expected="service")
    error = caught.value.errors[0]
    assert error.code == code
    if code == "bad_registration":
        assert error.line == 5
        assert "line 5" in error.message and "None, Free, Member, Client" in error.message


def test_several_registrations_take_the_most_open_one():
    text = SERVICE.replace("service.registration = None", "service.registration = Member;Free")
    parsed = parse_properties(text.encode(), BASE, expected="service")
    assert parsed.record.fields["registration"] == "free"
    assert "several_registrations" in codes(parsed.warnings)


@pytest.mark.parametrize("data", [b"", b"# only comments\n", b"\x00\xff\x00garbage"])
def test_empty_or_binary_files_are_refused(data):
    with pytest.raises(ParseError):
        parse_properties(data, BASE)


def test_bad_values_are_dropped_with_warnings_not_errors():
    text = (
        ORGANIZATION.replace("04/03/2019", "the spring of 2019")
        .replace("https://chatons.example/\n", "chatons dot example\n")
        .replace("contact@chatons.example", "not an address")
        .replace("45,7640", "123.5")
    )
    parsed = parse_properties(text.encode(), BASE, expected="organization")
    fields = parsed.record.fields
    assert fields["startdate"] is None and fields["website"] is None
    assert fields["contact_email"] is None and fields["latitude"] is None
    assert {"bad_date", "bad_url", "bad_email", "out_of_range"} <= set(codes(parsed.warnings))


def test_template_placeholders_are_not_published():
    text = ORGANIZATION.replace("contact@chatons.example", "<your contact e-mail>")
    parsed = parse_properties(text.encode(), BASE, expected="organization")
    assert parsed.record.fields["contact_email"] is None
    assert "template_placeholder" in codes(parsed.warnings)


def test_hostile_properties_are_bounded():
    many = "file.class = organization\norganization.name = X\n" + "".join(
        f"k{i} = v\n" for i in range(2100)
    )
    with pytest.raises(ParseError) as caught:
        parse_properties(many.encode(), BASE)
    assert caught.value.errors[0].code == "too_many_keys"
    long_line = ORGANIZATION + "organization.description = " + "x" * 9000 + "\n"
    parsed = parse_properties(long_line.encode(), BASE, expected="organization")
    assert "line_too_long" in codes(parsed.warnings)
    nul = ORGANIZATION.replace("Le Chaton d\\'essai", "Le Chaton\\u0000 d\\'essai")
    parsed = parse_properties(nul.encode(), BASE, expected="organization")
    assert parsed.record.fields["name"] == "Le Chaton d'essai"
    assert "control_characters" in codes(parsed.warnings)


def test_subs_are_deduplicated_and_never_loop():
    text = ORGANIZATION + f"subs.self = {BASE}\nsubs.again = visio.properties\n"
    parsed = parse_properties(text.encode(), BASE, expected="organization")
    assert [sub.key for sub in parsed.record.subs] == ["pad", "visio"]
    assert codes(parsed.warnings).count("duplicate_sub") == 2


def test_utf16_with_a_bom_is_read():
    parsed = parse_properties(ORGANIZATION.encode("utf-16"), BASE, expected="organization")
    assert parsed.record.fields["name"] == "Le Chaton d'essai"


PROMISES = """\
file.class = Organization
organization.name = Promesses
organization.admins.count = 3
organization.backups.tested = 12/10/2026
organization.closure.notice.days = 60
organization.funding.liberapay = https://liberapay.example/promesses/
organization.privacy.url = https://promesses.example/vie-privee
"""


def test_organization_promise_keys_are_read():
    fields = parse_properties(PROMISES.encode(), BASE).record.fields
    assert fields["admins_count"] == 3
    assert fields["backups_tested"] == date(2026, 10, 12)
    assert fields["closure_notice_days"] == 60
    assert fields["funding"] == {"liberapay": "https://liberapay.example/promesses/"}
    assert fields["privacy_url"] == "https://promesses.example/vie-privee"
    assert not any(key.startswith("organization.admins") for key in fields["extra"])
    assert "organization.privacy.url" not in fields["extra"]


def test_backups_tested_also_reads_iso_dates():
    text = PROMISES.replace("12/10/2026", "2026-10-12")
    fields = parse_properties(text.encode(), BASE).record.fields
    assert fields["backups_tested"] == date(2026, 10, 12)


@pytest.mark.parametrize(
    "key, bad, code",
    [
        ("organization.admins.count", "three", "bad_number"),
        ("organization.admins.count", "-2", "bad_number"),
        ("organization.backups.tested", "last spring", "bad_date"),
        ("organization.closure.notice.days", "2,5", "bad_number"),
        ("organization.closure.notice.days", "99999999", "bad_number"),
    ],
)
def test_bad_promise_values_are_dropped_with_warnings(key, bad, code):
    lines = [line for line in PROMISES.splitlines() if not line.startswith(key)]
    parsed = parse_properties(("\n".join([*lines, f"{key} = {bad}"]) + "\n").encode(), BASE)
    field = {
        "organization.admins.count": "admins_count",
        "organization.backups.tested": "backups_tested",
        "organization.closure.notice.days": "closure_notice_days",
    }[key]
    assert parsed.record.fields[field] is None
    found = [issue for issue in parsed.warnings if issue.code == code]
    assert [(issue.key, issue.params["value"]) for issue in found] == [(key, bad)]


def test_service_capacity_and_where_it_runs_are_read():
    text = SERVICE + (
        "service.capacity.participants = 40\nhost.provider.type = HOSTEDBAY\n"
        "host.server.type = PHYSICAL\n"
    )
    fields = parse_properties(text.encode(), BASE, expected="service").record.fields
    assert fields["capacity_participants"] == 40
    assert fields["host_provider_type"] == "hostedbay"
    assert fields["host_server_type"] == "physical"


def test_bad_capacity_and_unknown_provider_are_warnings():
    text = SERVICE + "service.capacity.participants = lots\nhost.provider.type = BASEMENT\n"
    parsed = parse_properties(text.encode(), BASE, expected="service")
    assert parsed.record.fields["capacity_participants"] is None
    assert parsed.record.fields["host_provider_type"] is None
    assert {(i.code, i.key) for i in parsed.warnings} >= {
        ("bad_number", "service.capacity.participants"),
        ("unknown_value", "host.provider.type"),
    }
