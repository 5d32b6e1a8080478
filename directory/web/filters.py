"""Template helpers: translated vocabulary, catalogue names in the reader's language, percents
(dates and times have their own module: directory/web/dates.py)."""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.numbers import format_percent
from flask import Flask, current_app, request, url_for
from flask_babel import get_locale

from directory import staleness
from directory.web import issue_text, labels


def localized(names: dict | None) -> str:
    """A catalogue name in the reader's language, falling back to English, then any."""
    if not names:
        return ""
    lang = str(get_locale() or "en")
    return names.get(lang) or names.get("en") or next(iter(names.values()))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(str(get_locale() or "en")).territories.get(code, code)


def language_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(str(get_locale() or "en")).languages.get(code, code)


def percent(share: float | None) -> str:
    """ "99.6 %" (one decimal at most, never rounded up to 100 % when a check failed)."""
    if share is None:
        return ""
    tenths = round(int(share * 1000) / 1000, 3)  # floor: 99.96 % shows 99.9 %, not 100 %
    return format_percent(tenths, locale=get_locale() or "en", decimal_quantization=False)


def unconfirmed_since(organization) -> date | None:
    """The day the host's listing was last confirmed, if it is stale today (the rule search
    ranks by, from the same date); None for a listing confirmed recently enough."""
    return staleness.unconfirmed_since(
        organization.confirmed_at, date.today(), current_app.config["PORTEE_STALE_AFTER_DAYS"]
    )


def url_with(**changes) -> str:
    """The current page's URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def colon() -> str:
    """The colon that ends a label in the reader's language: French puts a non-breaking space
    before it."""
    return "\u00a0:" if str(get_locale() or "en") == "fr" else ":"


def error_summary(form) -> list[tuple[str | None, str | None, str]]:
    """Each mistake of a form as (anchor of its field, its label, the message), the form's own
    mistakes last (no anchor): what the error summary at the top of a form lists."""
    found = []
    fields = [(f"#{f.id}", f) for f in form if f.name != "csrf_token"]
    fields += [(f"#{name}-label", f) for name, f in (getattr(form, "locked", None) or {}).items()]
    for anchor, field in fields:
        for error in field.errors or ():
            if not isinstance(error, (dict, list, tuple)):
                found.append((anchor, str(field.label.text), str(error)))
    found += [(None, None, str(error)) for error in form.form_errors]
    return found


def init_app(app: Flask) -> None:
    from directory.web import dates, nearby

    dates.init_app(app)

    app.jinja_env.filters.update(
        localized=localized,
        country_name=country_name,
        language_name=language_name,
        percent=percent,
    )
    app.jinja_env.globals.update(
        labels=labels,
        url_with=url_with,
        get_locale=get_locale,
        describe=issue_text.describe,
        check_words=issue_text.check_words,
        unreachable_text=issue_text.unreachable,
        unconfirmed_since=unconfirmed_since,
        near=nearby,
        error_summary=error_summary,
        colon=colon,
    )
