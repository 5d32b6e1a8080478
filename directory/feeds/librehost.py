"""LibreHosters `librehost.json` → Organization fields. Pure: bytes in, no Flask, DB or network.

The format (shared/reference/metadata-formats.md §4) is one schema.org-flavoured JSON object per
host: name, tagLine, description, homeUrl, logo, organizationType (free text),
communicationLanguages, contactUrl, privacyPolicyUrl, termsOfServiceUrl, foundingDate… It has
no services, so it can only seed or refresh an organization's own fields.

Lenient reading, strict publishing (DESIGN.md), and JSON read defensively (security.md §2 and
fault matrix #27): size cap, strict UTF-8, no NaN/Infinity, no giant numbers, no unbounded
nesting, duplicate keys reported. A file is refused (ParseError) only when it cannot be read or
has no usable name. Only the keys the file actually fills with a usable value appear in
`fields` (plus `extra`), so this source never blanks out what another source set.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from directory import vocabulary
from directory.feeds import values as v
from directory.feeds.issues import Issue, ParseError

MAX_BYTES = 2 * 1024 * 1024
MAX_DIGITS = 50  # digits in one JSON number; far below Python's 4 300-digit int limit
MAX_DEPTH = 8  # nesting kept in `extra` (a librehost.json is flat)
MAX_EXTRA_KEYS = 100
MAX_DUPLICATE_WARNINGS = 20
NAME_LIMIT = 200  # Organization.name max_length
TEXT_LIMIT = 10_000
URL_LIMIT = 500  # Organization.website / logo_url / contact_url / legal_url / privacy_url
KEY_LIMIT = 100  # how much of an odd key is quoted back in a warning
FIRST_YEAR = 1800

# Keys whose value goes into a column and is not kept in `extra`.
_MAPPED = (
    "@context",
    "@type",
    "name",
    "description",
    "homeUrl",
    "url",
    "logo",
    "communicationLanguages",
    "contactUrl",
    "email",
    "foundingDate",
    "privacyPolicyUrl",  # Organization.privacy_url, as ChatonsInfos' organization.privacy.url
)
# Keys of the format kept in `extra` as they are (after checks).
_KEPT = (
    "version",
    "organizationType",
    "tagLine",
    "termsOfServiceUrl",
    "isServiceProvider",
    "dateCreated",
    "dateModified",
)
_KNOWN = {key.lower(): key for key in _MAPPED + _KEPT}
_DATETIME_KEYS = ("dateCreated", "dateModified")
_ABSENT = ("", "-", "–", "—")
# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)

# What an unfilled template leaves behind (the NiXium sample: "https://librehoster.example",
# "YYYY", "YYYY-MM-DDTHH:MM:SSZ"). Case matters where the word is also a real word ("todo").
_PLACEHOLDERS = (
    re.compile(r"YYYY|MM-DD"),
    re.compile(r"librehoster\.example|\bexample\.(?:com|org|net)\b", re.IGNORECASE),
    # "<your name>", "<ORG_NAME>", "<name>" — but not HTML such as <p>, <b> or <a href="…">
    re.compile(r"^<[^<>]+>$|<[^<>=\"'/]*[ _A-Z][^<>=\"'/]*>"),
    re.compile(r"\bTODO\b|\bFIXME\b"),
    re.compile(r"\bchange[_-]?me\b|\blorem\b", re.IGNORECASE),
    re.compile(r"^\{\{.*\}\}$|^x{3,}$", re.IGNORECASE | re.DOTALL),
)
_PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net")
# Control characters other than tab and line breaks, and lone surrogates (JSON lets "\udc80"
# through; neither PostgreSQL nor UTF-8 can store it).
_BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# organizationType is free text ("Collective", "Informal collective", "computational common"):
# a few words say which legal form is meant; checked in this order.
_INFORMAL = ("informal", "unregistered", "unincorporated", "informel", "informell")
_ASSOCIATION = ("association", "asso", "verein", "ev", "asbl", "vzw", "npo", "ngo", "charity")
_NONPROFIT = ("nonprofit", "notforprofit", "gemeinnützig", "gemeinnutzig")
_COOPERATIVE = ("coop", "cooperative", "genossenschaft", "eg", "scic", "scop")
_MICROCOMPANY = ("microcompany", "microentreprise", "microenterprise", "autoentrepreneur")
_COMPANY = (
    "company", "ltd", "limited", "gmbh", "sarl", "sas", "sasu", "eurl", "sa", "llc", "inc",
    "corp", "corporation", "ug", "ag", "ab", "bv", "srl", "business", "enterprise",
    "entreprise", "société", "societe",
)  # fmt: skip
_COLLECTIVE = ("collectiv", "collectif", "kollektiv", "colectiv", "collettiv", "collectiu")
_INDIVIDUAL = ("individual", "individuel", "person", "personal", "privatperson", "self")


@dataclass
class ParsedJson:
    """Organization columns (model field names, `extra` always present) and what was odd."""

    fields: dict
    warnings: list[Issue] = field(default_factory=list)


def parse_librehost(data: bytes, url: str) -> ParsedJson:
    """Parse the `librehost.json` fetched from `url` (relative addresses resolve against it)."""
    warnings: list[Issue] = []
    document = _load(data, warnings)
    reader = _Reader(document, url, warnings)
    fields: dict = {}
    errors: list[Issue] = []

    _check_type(reader)
    name = reader.text("name", NAME_LIMIT, single_line=True)
    if name is None:
        errors.append(Issue("missing_required", None, "name"))
    else:
        fields["name"] = name
    description = reader.text("description", TEXT_LIMIT) or reader.text("tagLine", TEXT_LIMIT)
    website = reader.url("homeUrl") or reader.url("url")
    contact = reader.contact("contactUrl")
    found = {
        "description": description,
        "website": website,
        "logo_url": reader.url("logo"),
        "legal_type": _legal_type(reader),
        "startdate": _founding_date(reader),
        "languages": _languages(reader),
        "contact_url": contact.get("url"),
        "contact_email": contact.get("email") or reader.email("email"),
        "legal_url": reader.url("termsOfServiceUrl"),
        "privacy_url": reader.url("privacyPolicyUrl"),
    }
    fields.update({column: value for column, value in found.items() if value})
    if errors:
        raise ParseError(errors, _unique(warnings))
    if "website" not in fields and not any(w.key in ("homeUrl", "url") for w in warnings):
        warnings.append(Issue("missing_recommended", None, "homeUrl"))
    fields["extra"] = _extra(reader)
    return ParsedJson(fields=fields, warnings=_unique(warnings))


def _unique(warnings: list[Issue]) -> list[Issue]:
    """The same warning once (a value kept in `extra` and mapped to a column is read twice)."""
    seen, unique = set(), []
    for issue in warnings:
        marker = repr(issue.as_dict())
        if marker not in seen:
            seen.add(marker)
            unique.append(issue)
    return unique


# --- reading the bytes -------------------------------------------------------------------


class _Refused(ValueError):
    """Raised from inside json.loads by the hooks below; its text goes to the host."""


def _load(data: bytes, warnings: list[Issue]) -> dict:
    if len(data) > MAX_BYTES:
        raise ParseError([Issue("too_large", params={"limit": "2 MB"})])
    text = _decode(data)
    if not text.strip():
        raise ParseError([Issue("empty")])
    try:
        document = json.loads(
            text,
            object_pairs_hook=_DuplicateHook(warnings),
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except _Refused as exc:
        raise ParseError([_bad_json(str(exc))], warnings) from None
    except json.JSONDecodeError as exc:
        raise ParseError([_bad_json(exc.msg, exc.lineno)], warnings) from None
    except RecursionError:
        raise ParseError([_bad_json("it is nested too deeply")], warnings) from None
    except ValueError:  # e.g. an integer over sys.get_int_max_str_digits()
        raise ParseError([_bad_json("it holds a value that cannot be read")], warnings) from None
    if not isinstance(document, dict):
        detail = f"the top level must be an object, not {_json_type(document)}"
        raise ParseError([_bad_json(detail)], warnings)
    return document


def _decode(data: bytes) -> str:
    """Strict UTF-8 (RFC 8259), a UTF-8 BOM stripped; UTF-16/32 only when a BOM says so."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ParseError([Issue("undecodable")]) from None


def _bad_json(detail: str, line: int | None = None) -> Issue:
    return Issue("bad_json", line, None, {"value": detail})


def _refuse_constant(name: str):
    raise _Refused(f"{name} is not a JSON number")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _Refused(f"a number has more than {MAX_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_DIGITS:
        raise _Refused(f"a number has more than {MAX_DIGITS} digits")
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {text} is too large")
    return number


class _DuplicateHook:
    """object_pairs_hook: last value wins, as in any JSON reader, but the host is told."""

    def __init__(self, warnings: list[Issue]) -> None:
        self.warnings = warnings
        self.reported: set[str] = set()

    def __call__(self, pairs: list[tuple[str, object]]) -> dict:
        result: dict = {}
        for key, value in pairs:
            if key in result and key not in self.reported:
                if len(self.reported) < MAX_DUPLICATE_WARNINGS:
                    self.warnings.append(Issue("duplicate_key", None, _quoted_key(key)))
                self.reported.add(key)
            result[key] = value
        return result


def _quoted_key(key: str) -> str:
    return _BAD_CHARACTERS.sub("\ufffd", key)[:KEY_LIMIT]


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --- reading the values ------------------------------------------------------------------


def is_placeholder(text: str) -> bool:
    """Whether `text` still holds what an unfilled template says ("YYYY", "<your name>"…)."""
    return any(pattern.search(text) for pattern in _PLACEHOLDERS)


def _placeholder_host(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return (
        host == "example"
        or host.endswith(".example")
        or any(host == name or host.endswith("." + name) for name in _PLACEHOLDER_HOSTS)
    )


class _Reader:
    """The top-level keys, read without case (a warning for a key in odd case)."""

    def __init__(self, document: dict, url: str, warnings: list[Issue]) -> None:
        self.base = url
        self.warnings = warnings
        self.by_key: dict[str, tuple[str, object]] = {}
        self.used: set[str] = set()
        for key, value in document.items():
            lowered = key.lower()
            if lowered in self.by_key:  # exact duplicates were merged by json.loads already
                warnings.append(Issue("duplicate_key", None, _quoted_key(key)))
            self.by_key[lowered] = (key, value)

    def raw(self, key: str) -> object:
        """The value of `key`, or None; None, "" and "-" mean absent (no warning)."""
        found = self.by_key.get(key.lower())
        if found is None:
            return None
        self.used.add(key.lower())
        written, value = found
        if written != key:
            self.warnings.append(Issue("key_case", None, _quoted_key(written), {"expected": key}))
        if isinstance(value, str) and value.strip() in _ABSENT:
            return None
        return value

    def clean_string(self, key: str, value: str, single_line: bool = False) -> str | None:
        """`value` without unstorable characters, stripped; None for a template placeholder."""
        cleaned = _BAD_CHARACTERS.sub("", value)
        if cleaned != value:
            self.warnings.append(Issue("control_characters", None, key))
        cleaned = " ".join(cleaned.split()) if single_line else cleaned.strip()
        if cleaned in _ABSENT:
            return None
        if is_placeholder(cleaned):
            self.warnings.append(
                Issue("template_placeholder", None, key, {"value": cleaned[:KEY_LIMIT]})
            )
            return None
        return cleaned

    def text(self, key: str, limit: int | None, single_line: bool = False) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.wrong_type(key, "text", value)
            return None
        text = self.clean_string(key, value, single_line)
        if text and limit and len(text) > limit:
            self.warnings.append(Issue("too_long", None, key, {"limit": limit}))
            text = text[:limit].rstrip()
        return text

    def url(self, key: str) -> str | None:
        text = self.text(key, limit=None)
        return self.check_url(key, text) if text else None

    def check_url(self, key: str, text: str) -> str | None:
        if text.startswith(("/", "./", "../")) and self.base.startswith(("http:", "https:")):
            text = urljoin(self.base, text)
        if len(text) > URL_LIMIT:
            self.warnings.append(Issue("url_too_long", None, key, {"limit": URL_LIMIT}))
            return None
        if _placeholder_host(text):
            self.warnings.append(Issue("template_placeholder", None, key, {"value": text}))
            return None
        return v.clean_url(key, text, None, self.warnings)

    def email(self, key: str) -> str | None:
        text = self.text(key, limit=None)
        return self.check_email(key, text) if text else None

    def check_email(self, key: str, text: str) -> str | None:
        if _placeholder_host("http://" + text.rpartition("@")[2]):
            self.warnings.append(Issue("template_placeholder", None, key, {"value": text}))
            return None
        return v.clean_email(key, text, None, self.warnings)

    def contact(self, key: str) -> dict[str, str]:
        """contactUrl is an address, or sometimes a `mailto:` (which becomes the e-mail)."""
        text = self.text(key, limit=None)
        if not text:
            return {}
        if text.lower().startswith("mailto:"):
            email = self.check_email(key, text[len("mailto:") :].split("?")[0])
            return {"email": email} if email else {}
        checked = self.check_url(key, text)
        return {"url": checked} if checked else {}

    def wrong_type(self, key: str, expected: str, value: object) -> None:
        self.warnings.append(
            Issue("wrong_type", None, key, {"expected": expected, "value": _json_type(value)})
        )


def _check_type(reader: _Reader) -> None:
    """`@type` should say Organization (also as a list, an IRI or a prefixed name)."""
    declared = reader.raw("@type")
    if declared is None:
        return
    types = declared if isinstance(declared, list) else [declared]
    names = [t.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for t in types if isinstance(t, str)]
    if "Organization" not in names:
        shown = ", ".join(names) if names else _json_type(declared)
        reader.warnings.append(
            Issue("unknown_value", None, "@type", {"value": shown, "allowed": "Organization"})
        )


def _words(text: str) -> list[str]:
    """Lowercase words, read both ways: "e.V." → ev, "non-profit" → nonprofit and non, profit."""
    lowered = text.casefold().replace(".", "")
    return re.findall(r"\w+", lowered.replace("-", "")) + re.findall(r"\w+", lowered)


def _has(words: list[str], candidates: tuple[str, ...], prefixes: tuple[str, ...] = ()) -> bool:
    return any(word in candidates or word.startswith(prefixes) for word in words)


def _legal_type(reader: _Reader) -> str | None:
    """The free-text organizationType read into Portée's legal types; `other` if unclear."""
    declared = reader.text("organizationType", limit=NAME_LIMIT, single_line=True)
    if declared is None:
        return None
    if declared.casefold() in vocabulary.LEGAL_TYPES:  # one of Portée's own words
        return declared.casefold()
    words = _words(declared)
    if _has(words, _INFORMAL):
        legal_type = "informal"
    elif _has(words, _ASSOCIATION + _NONPROFIT, ("associa", "asociaci", "associaz")):
        legal_type = "association"
    elif _has(words, _COOPERATIVE, ("cooperat", "coopérat", "kooperat")):
        legal_type = "cooperative"
    elif _has(words, _MICROCOMPANY):
        legal_type = "microcompany"
    elif _has(words, _COMPANY):
        legal_type = "company"
    elif _has(words, (), _COLLECTIVE):
        legal_type = "informal"
    elif _has(words, _INDIVIDUAL):
        legal_type = "individual"
    else:
        reader.warnings.append(
            Issue(
                "unknown_value",
                None,
                "organizationType",
                {"value": declared, "allowed": ", ".join(vocabulary.LEGAL_TYPES)},
            )
        )
        legal_type = "other"
    return legal_type


def _founding_date(reader: _Reader) -> date | None:
    """foundingDate: a year ("2015" or 2015, documented as an int) → 1 January; or a date."""
    key = "foundingDate"
    value = reader.raw(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        reader.wrong_type(key, "a year", value)
        return None
    if isinstance(value, float):
        if not value.is_integer():
            reader.wrong_type(key, "a year", value)
            return None
        value = int(value)
    if isinstance(value, int):
        return _year(reader, key, value, str(value))
    text = reader.clean_string(key, value, single_line=True)
    if text is None:
        return None
    if re.fullmatch(r"\d{4}", text):
        return _year(reader, key, int(text), text)
    if _iso_datetime(text):
        found: date | None = datetime.fromisoformat(text).date()
    else:
        found = v.clean_date(key, text, None, reader.warnings)
    if found and not FIRST_YEAR <= found.year <= date.today().year:
        reader.warnings.append(Issue("out_of_range", None, key, {"value": text}))
        return None
    return found


def _year(reader: _Reader, key: str, year: int, shown: str) -> date | None:
    if FIRST_YEAR <= year <= date.today().year:
        return date(year, 1, 1)
    reader.warnings.append(Issue("out_of_range", None, key, {"value": shown}))
    return None


def _iso_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _languages(reader: _Reader) -> list[str]:
    """communicationLanguages: a list of ISO 639-1 codes ("en"; "pt-BR" is read as "pt")."""
    key = "communicationLanguages"
    value = reader.raw(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(r"[;,\s]+", value)
    if not isinstance(value, list):
        reader.wrong_type(key, "a list", value)
        return []
    codes: list[str] = []
    for item in value:
        if not isinstance(item, str):
            reader.wrong_type(key, "text", item)
            continue
        text = reader.clean_string(key, item, single_line=True)
        if not text:
            continue
        if re.fullmatch(r"[A-Za-z]{2}[-_][A-Za-z0-9]{1,8}", text):
            text = text[:2]  # a BCP 47 tag: its language
        for code in v.clean_languages(key, text[:KEY_LIMIT], None, reader.warnings):
            if code not in codes:
                codes.append(code)
    return codes


# --- what Portée keeps without using -----------------------------------------------------


def _extra(reader: _Reader) -> dict:
    """Every key not mapped to a column, checked like the rest: no placeholders, no bad URLs."""
    extra: dict = {}
    mapped = {key.lower() for key in _MAPPED}
    for lowered, (written, value) in reader.by_key.items():
        if lowered in mapped:
            continue
        if len(extra) >= MAX_EXTRA_KEYS:
            reader.warnings.append(Issue("too_many_keys", None, None, {"limit": MAX_EXTRA_KEYS}))
            break
        if _BAD_CHARACTERS.search(written):
            reader.warnings.append(Issue("control_characters", None, _quoted_key(written)))
            continue
        key = _KNOWN.get(lowered, written)
        if key != written and lowered not in reader.used:
            reader.warnings.append(Issue("key_case", None, written[:KEY_LIMIT], {"expected": key}))
        if len(key) > KEY_LIMIT:
            reader.warnings.append(Issue("too_long", None, key[:KEY_LIMIT], {"limit": KEY_LIMIT}))
            key = key[:KEY_LIMIT]
        if isinstance(value, str) and value.strip() in _ABSENT:
            continue
        kept = _extra_value(reader, key, value)
        if kept is not None:
            extra[key] = kept
    return extra


def _extra_value(reader: _Reader, key: str, value: object) -> object:
    if key == "isServiceProvider" and not isinstance(value, bool):
        reader.wrong_type(key, "true or false", value)
        return None
    if isinstance(value, str):
        text = reader.clean_string(key, value)
        if text is None:
            return None
        if key.lower().endswith("url"):
            return reader.check_url(key, text)
        if key in _DATETIME_KEYS and not _iso_datetime(text):
            reader.warnings.append(Issue("bad_datetime", None, key, {"value": text[:KEY_LIMIT]}))
            return None
        if len(text) > TEXT_LIMIT:
            reader.warnings.append(Issue("too_long", None, key, {"limit": TEXT_LIMIT}))
        return text[:TEXT_LIMIT]
    if isinstance(value, list | dict):
        if _depth(value) > MAX_DEPTH:
            reader.warnings.append(Issue("too_deep", None, key, {"limit": MAX_DEPTH}))
            return None
        return _clean_nested(reader, key, value)
    return value  # a number, true/false or null


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, list | dict):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _clean_nested(reader: _Reader, key: str, value: object) -> object:
    """Strings inside lists and objects: unstorable characters removed, placeholders dropped."""
    if isinstance(value, str):
        return reader.clean_string(key, value)
    if isinstance(value, list):
        items = [_clean_nested(reader, key, item) for item in value]
        return [item for item in items if item is not None]
    if isinstance(value, dict):
        cleaned = {}
        for name, item in value.items():
            kept = _clean_nested(reader, f"{key}.{_quoted_key(name)}", item)
            if kept is not None:
                cleaned[_quoted_key(name)] = kept
        return cleaned
    return value
