"""Every importer finding has a translatable wording with the same placeholders."""

from __future__ import annotations

import re

import pytest

from directory.feeds.issues import MESSAGES, Issue
from directory.web.issue_text import WORDINGS, describe


def test_every_code_has_a_wording_with_the_same_placeholders():
    assert set(WORDINGS) == set(MESSAGES)
    for code, english in MESSAGES.items():
        expected = set(re.findall(r"\{(\w+)\}", english))
        assert set(re.findall(r"%\((\w+)\)s", WORDINGS[code]._args[0])) == expected, code


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "line 14: 'service.registration' must be one of None, Free, Member, Client"),
        ("fr", "ligne 14"),
    ],
)
def test_hosts_read_issues_in_their_language(app, lang, text):
    issue = Issue("bad_registration", 14, "service.registration", {"value": "Sometimes"})
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert describe(issue.as_dict()).startswith(text)


def test_reasons_are_translated(app):
    issue = Issue(
        "blocked_address", params={"host": "h.example", "value": "10.0.0.1", "reason": "private"}
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert describe(issue.as_dict()) == (
            "h.example points to an address that is not allowed (a private network: 10.0.0.1)"
        )


@pytest.mark.parametrize(
    ("issue", "english", "french"),
    [
        (
            Issue("too_large", params={"limit": "2 MB"}),
            "the file is larger than the limit of 2 MB",
            "2 Mo",
        ),
        (
            Issue("got_html", params={"expected": "Atom or RSS"}),
            "expected a Atom or RSS file, but the server sent a web page",
            "Atom ou RSS",
        ),
        (
            Issue("wrong_type", None, "isOpen", {"expected": "true or false", "value": "text"}),
            "'isOpen' should be true or false, not text; it was ignored",
            "vrai ou faux",
        ),
    ],
)
def test_the_importers_own_words_are_translated_too(app, issue, english, french):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert describe(issue.as_dict()) == english
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        text = describe(issue.as_dict())
    assert french in text and "true or false" not in text and " MB" not in text


def test_a_quoted_value_stays_as_the_host_wrote_it(app):
    issue = Issue("bad_date", None, "service.startdate", {"value": "text"})
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert "'text'" in describe(issue.as_dict())
