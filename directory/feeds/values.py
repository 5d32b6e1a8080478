"""Lenient readers of single values (dates, URLs, numbers, lists, countries, languages).

Each returns the clean value or None, and appends a warning saying what was wrong; none raises.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from babel import Locale

from directory import vocabulary
from directory.feeds.issues import Issue

_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


def clean_date(key: str, value: str, line: int, warnings: list[Issue]) -> date | None:
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    for fmt in ("%Y-%m", "%m/%Y", "%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    warnings.append(Issue("bad_date", line, key, {"value": value}))
    return None


def clean_url(key: str, value: str, line: int, warnings: list[Issue]) -> str | None:
    text = value.strip()
    if re.match(r"^https?://[^\s/]+\.[^\s]*$", text, re.IGNORECASE) or re.match(
        r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(/\S*)?$", text
    ):
        return text
    warnings.append(Issue("bad_url", line, key, {"value": value}))
    return None


def clean_email(key: str, value: str, line: int, warnings: list[Issue]) -> str | None:
    text = value.strip().removeprefix("mailto:")
    if _EMAIL.match(text):
        return text
    warnings.append(Issue("bad_email", line, key, {"value": value}))
    return None


def clean_coordinate(
    key: str, value: str, line: int, warnings: list[Issue], limit: float
) -> float | None:
    text = value.strip()
    if "," in text and "." not in text:
        warnings.append(Issue("decimal_comma", line, key))
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        warnings.append(Issue("bad_number", line, key, {"value": value}))
        return None
    if not -limit <= number <= limit:
        warnings.append(Issue("out_of_range", line, key, {"value": value}))
        return None
    return number


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def clean_languages(key: str, value: str, line: int, warnings: list[Issue]) -> list[str]:
    codes = []
    for item in split_list(value.replace(",", ";")):
        code = item.lower()
        if _LANGUAGE.match(code) and code in Locale("en").languages:
            if code not in codes:
                codes.append(code)
        else:
            warnings.append(Issue("bad_language", line, key, {"value": item}))
    return codes


def _territory_names() -> dict[str, str]:
    names = {}
    for lang in ("fr", "en", "de", "es", "it", "nl"):
        for code, name in Locale(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(name.casefold(), code)
    return names


_TERRITORIES: dict[str, str] | None = None


def clean_country(
    key: str, code: str | None, name: str | None, line: int, warnings: list[Issue]
) -> str | None:
    """An ISO 3166-1 alpha-2 code, from the declared code or else from the country's name."""
    global _TERRITORIES
    if _TERRITORIES is None:
        _TERRITORIES = _territory_names()
    if code:
        upper = code.strip().upper()
        if upper in Locale("en").territories and len(upper) == 2:
            return upper
        warnings.append(Issue("bad_country", line, key, {"value": code}))
    if name:
        found = _TERRITORIES.get(name.strip().casefold())
        if found:
            return found
        warnings.append(Issue("bad_country", line, key, {"value": name}))
    return None


def clean_count(key: str, value: str, line: int, warnings: list[Issue]) -> int | None:
    """A whole number from 0 up (`12`, ` 12 `); anything else is a warning and None."""
    text = value.strip()
    if text.isascii() and text.isdigit() and int(text) <= vocabulary.COUNT_LIMIT:
        return int(text)
    warnings.append(Issue("bad_number", line, key, {"value": value}))
    return None


def clean_choice(
    key: str, value: str, line: int, warnings: list[Issue], allowed: tuple[str, ...]
) -> str | None:
    word = value.strip().lower()
    if word in allowed:
        return word
    warnings.append(
        Issue("unknown_value", line, key, {"value": value, "allowed": ", ".join(allowed)})
    )
    return None
