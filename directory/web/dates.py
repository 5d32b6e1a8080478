"""The three ways a page shows time, from Babel, in the reader's language and time zone:
a day ("1 September 2026", "1er septembre 2026"), a moment ("1 Dec 2026, 15:35",
"1er déc. 2026 à 15:35") and a relative time ("4 minutes ago", "il y a 4 minutes").

Each filter gives the text inside a `<time datetime="…">` element; the `_text` variants give the
bare words, for attributes, SVG descriptions and mails. Every template uses these filters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_timedelta, get_locale, to_user_timezone
from markupsafe import Markup, escape

from directory.timeutil import utcnow

# Day and moment patterns by language; French writes the first of a month "1er".
DAY = {"en": "d MMMM y", "fr": "d MMMM y"}
MOMENT = {"en": "d MMM y, HH:mm", "fr": "d MMM y 'à' HH:mm"}
FIRST = {"fr": "d'er'"}


def _language() -> str:
    return str(get_locale() or "en").split("_")[0]


def _pattern(patterns: dict[str, str], day_of_month: int) -> str:
    language = _language()
    pattern = patterns.get(language, patterns["en"])
    if day_of_month == 1 and language in FIRST:
        pattern = pattern.replace("d ", FIRST[language] + " ", 1)
    return pattern


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        return to_user_timezone(value if value.tzinfo else value.replace(tzinfo=UTC))
    return value


def day_text(value: date | datetime | None) -> str:
    """ "1 September 2026" / "1er septembre 2026" (a datetime counts in the reader's zone)."""
    if value is None:
        return ""
    local = _local(value)
    day = local.date() if isinstance(local, datetime) else local
    return format_date(day, _pattern(DAY, day.day))


def moment_text(value: datetime | None) -> str:
    """ "1 Dec 2026, 15:35" / "1er déc. 2026 à 15:35", in the reader's time zone."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return format_datetime(aware, _pattern(MOMENT, _local(aware).day))


def ago_text(value: date | datetime | None) -> str:
    """ "4 minutes ago" / "il y a 4 minutes" ("in 3 days" for a moment to come)."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return format_timedelta(aware - utcnow(), granularity="minute", add_direction=True)


def duration(since: datetime | None) -> str:
    """ "3 hours": how long it has been since `since`, in the reader's language."""
    if since is None:
        return ""
    return format_timedelta(utcnow() - since, granularity="minute")


def _machine(value: date | datetime) -> str:
    """The `datetime` attribute: an ISO day, or a UTC moment."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _element(value, words: str, title: str | None = None) -> Markup:
    if value is None:
        return Markup("")
    extra = Markup(' title="{}"').format(title) if title else ""
    return Markup('<time datetime="{}"{}>{}</time>').format(_machine(value), extra, escape(words))


def day(value: date | datetime | None) -> Markup:
    return _element(value, day_text(value))


def moment(value: datetime | None) -> Markup:
    return _element(value, moment_text(value))


def ago(value: date | datetime | None) -> Markup:
    """The relative time, the exact moment in its title."""
    if value is None:
        return Markup("")
    exact = moment_text(value) if isinstance(value, datetime) else day_text(value)
    return _element(value, ago_text(value), exact)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        day=day,
        moment=moment,
        ago=ago,
        day_text=day_text,
        moment_text=moment_text,
        ago_text=ago_text,
        age=ago_text,
        duration=duration,
    )
