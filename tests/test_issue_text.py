"""Every importer finding has a translatable wording with the same placeholders."""

from __future__ import annotations

import re

import pytest

from directory.feeds.issues import MESSAGES, Issue
from directory.models import ProbeCheck
from directory.probes.checks import OUTCOMES
from directory.web.issue_text import WORDINGS, check_words, describe
from directory.web.labels import PROBE_OUTCOME


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


@pytest.mark.parametrize(
    ("lang", "up", "failure"),
    [
        ("en", "Reachable", "the server refused the connection or could not be reached"),
        ("fr", "Joignable", "le serveur"),
    ],
)
def test_every_probe_outcome_has_one_label_in_each_language(app, lang, up, failure):
    """The outcomes of a check are worded in one place (labels.PROBE_OUTCOME), for the
    dashboard, the moderators' pages and the outage e-mails alike."""
    assert set(PROBE_OUTCOME) == set(OUTCOMES)
    with app.test_request_context(headers={"Accept-Language": lang}):
        words = {outcome: str(PROBE_OUTCOME[outcome]) for outcome in OUTCOMES}
        assert len(set(words.values())) == len(OUTCOMES) and all(words.values())
        assert check_words(ProbeCheck(service_id=1, outcome="up")) == up
        failed = ProbeCheck(service_id=1, outcome="down", issues=[{"code": "connect_failed"}])
        assert check_words(failed).startswith(failure)
        assert check_words(None) == ""
