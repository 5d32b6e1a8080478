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
