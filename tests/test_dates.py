"""One date style per kind of place, from Babel, in both languages: a day, a moment, a relative
time, each inside <time datetime="…"> (directory/web/dates.py), and the pages that show them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from directory.timeutil import utcnow
from directory.web import dates

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}


@pytest.mark.parametrize(
    ("headers", "value", "machine", "expected"),
    [
        (EN, date(2026, 9, 1), "2026-09-01", "1 September 2026"),
        (FR, date(2026, 9, 1), "2026-09-01", "1er septembre 2026"),
        (FR, date(2026, 9, 2), "2026-09-02", "2 septembre 2026"),
        # a moment counts in the site's time zone (Paris): 23:30 UTC is already the 1st there
        (EN, datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "2026-11-30T23:30:00Z", "1 December 2026"),
        (
            FR,
            datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
            "2026-11-30T23:30:00Z",
            "1er décembre 2026",
        ),
    ],
)
def test_a_day(app, headers, value, machine, expected):
    with app.test_request_context(headers=headers):
        assert dates.day_text(value) == expected
        assert dates.day(value) == f'<time datetime="{machine}">{expected}</time>'


@pytest.mark.parametrize(
    ("headers", "value", "expected"),
    [
        (EN, datetime(2026, 12, 1, 14, 35, tzinfo=UTC), "1 Dec 2026, 15:35"),
        (FR, datetime(2026, 12, 1, 14, 35, tzinfo=UTC), "1er déc. 2026 à 15:35"),
        (FR, datetime(2026, 7, 14, 6, 5, tzinfo=UTC), "14 juil. 2026 à 08:05"),  # summer time
        (EN, datetime(2026, 12, 1, 14, 35), "1 Dec 2026, 15:35"),  # naive: UTC
    ],
)
def test_a_moment(app, headers, value, expected):
    with app.test_request_context(headers=headers):
        assert dates.moment_text(value) == expected
        assert re.fullmatch(
            rf'<time datetime="\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ">{re.escape(expected)}</time>',
            str(dates.moment(value)),
        )


def test_a_relative_time_in_both_languages(app):
    four_minutes_ago = utcnow() - timedelta(minutes=4, seconds=5)
    in_three_days = utcnow() + timedelta(days=3, minutes=1)
    with app.test_request_context(headers=EN):
        assert dates.ago_text(four_minutes_ago) == "4 minutes ago"
        assert dates.ago_text(in_three_days) == "in 3 days"
        element = str(dates.ago(four_minutes_ago))
        assert element.endswith(">4 minutes ago</time>") and 'title="' in element
    with app.test_request_context(headers=FR):
        assert dates.ago_text(four_minutes_ago) == "il y a 4 minutes"
        assert dates.ago_text(in_three_days) == "dans 3 jours"


def test_nothing_shows_nothing(app):
    with app.test_request_context(headers=EN):
        assert dates.day(None) == "" and dates.moment(None) == "" and dates.ago(None) == ""
