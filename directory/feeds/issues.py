"""What a parser reports: a code the web layer translates, where it happened, and its details.

Parsers stay free of Flask, so they cannot translate; they say *what* happened (a code and
parameters) and the host reads it in their own language on the dashboard. `message` is the
English wording for logs and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MESSAGES = {
    # warnings: the file is imported, the host is told
    "latin1": "the file is not UTF-8; it was read as Latin-1",
    "key_case": "key '{key}' should be written '{expected}'",
    "quoted_value": "the value of '{key}' is wrapped in quotes; they were removed",
    "decimal_comma": "'{key}' uses a decimal comma",
    "bad_date": "'{key}' is not a date (expected dd/MM/yyyy or yyyy-MM-dd): '{value}'",
    "bad_url": "'{key}' is not an http(s) address: '{value}'",
    "bad_email": "'{key}' is not an e-mail address: '{value}'",
    "bad_number": "'{key}' is not a number: '{value}'",
    "out_of_range": "'{key}' is out of range: '{value}'",
    "unknown_value": "'{key}' has an unknown value '{value}'; expected one of {allowed}",
    "bad_country": "'{key}' is not a known country: '{value}'",
    "bad_language": "'{key}' has a language code that is not ISO 639-1: '{value}'",
    "several_registrations": "'{key}' lists several modes; the most open one, {value}, is used",
    "duplicate_key": "'{key}' is given twice; the last value is used",
    "missing_recommended": "'{key}' is missing",
    "missing_class": "'file.class' is missing; the file was read as {value}",
    "unknown_software": "software '{value}' is not in Portée's catalogue yet",
    "template_placeholder": "'{key}' still holds a template placeholder: '{value}'",
    "bad_line": "this line has no key",
    "line_too_long": "this line is longer than {limit} characters; it was skipped",
    "control_characters": "'{key}' contains control characters; they were removed",
    "duplicate_sub": "'{key}' lists a file already listed ({value}); it is read once",
    "too_many_subs": "more than {limit} files are listed; the rest were ignored",
    "too_many_keys": "the file has more than {limit} keys",
    # errors: the file is refused and the last good listing stays published
    "undecodable": "the file cannot be read as text",
    "empty": "the file is empty",
    "wrong_class": "the file describes a {value}; a {expected} was expected",
    "missing_required": "'{key}' is required",
    "bad_registration": "'{key}' must be one of None, Free, Member, Client (it is '{value}')",
    "bad_json": "the file is not valid JSON: {value}",
}


@dataclass(frozen=True)
class Issue:
    code: str
    line: int | None = None
    key: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        params = dict(self.params)
        if "reason" in params:
            params["reason"] = REASON_WORDS.get(params["reason"], params["reason"])
        text = MESSAGES[self.code].format(key=self.key, **params)
        return f"line {self.line}: {text}" if self.line else text

    def as_dict(self) -> dict:
        return {"code": self.code, "line": self.line, "key": self.key, "params": self.params}


class ParseError(ValueError):
    """The file cannot be published as it stands; `issues` says why (errors first)."""

    def __init__(self, errors: list[Issue], warnings: list[Issue] | None = None) -> None:
        self.errors = errors
        self.warnings = warnings or []
        super().__init__("; ".join(issue.message for issue in errors))


# What a fetch can report (same shape, so hosts read them the same way).
MESSAGES.update(
    {
        "http_status": "the server answered {status}",
        "too_large": "the file is larger than the limit of {limit}",
        "too_slow": "the download took longer than {limit} seconds",
        "timeout": "the server did not answer in time",
        "connect_timeout": "the server could not be reached in time",
        "connect_failed": "the server refused the connection or could not be reached",
        "host_not_found": "we could not reach {host}: the name does not exist",
        "resolver_timeout": (
            "Portée's name server did not answer in time for {host}; this does not count "
            "against the file, which is read again soon"
        ),
        "tls": "the server's certificate is invalid",
        "network": "the download failed ({detail})",
        "truncated": "the download was cut off before the end of the file",
        "bad_encoding": "the server sent the file with an encoding Portée cannot read ({value})",
        "too_many_redirects": "the address redirects more than {limit} times",
        "insecure_redirect": "the address redirects from https to plain http ({value})",
        "blocked_url": "this address is not allowed ({reason}): {value}",
        "invalid_url": "this is not a valid web address: {value}",
        "corrupt_body": "the server's compressed body is corrupt ({value})",
        "claimed_elsewhere": "'{key}' ({value}): this file belongs to another host; it was "
        "not read for you",
        "duplicate_service": "this file describes the same service as {value} (same software "
        "and address); that one is published, not this one",
        "internal": "Portée failed to process this file ({detail}); the last good listing "
        "stays published and the file is read again later",
        "blocked_address": "{host} points to an address that is not allowed ({reason}: {value})",
        "redirect_blocked": "the address redirects to a place that is not allowed ({reason})",
        "got_html": "expected a {expected} file, but the server sent a web page",
        "held_takeover": "this file declares the website {value}, which belongs to another "
        "organization; it is held for the moderators",
    }
)


# The English words for the `reason` of blocked_url and blocked_address (the web layer has
# its own translated ones in directory/web/issue_text.py).
REASON_WORDS = {
    "scheme": "only http and https are read",
    "userinfo": "an address must not contain a user name or password",
    "port": "only the standard ports 80 and 443 are read",
    "host": "the address has no host name",
    "ip_literal": "a host name is needed, not a numeric address",
    "local_name": "a local network name",
    "loopback": "this machine",
    "private": "a private network",
    "link-local": "a link-local network",
    "multicast": "a multicast address",
    "reserved": "a reserved address",
}


# What reading a JSON file (librehost.json) can add.
MESSAGES.update(
    {
        "wrong_type": "'{key}' should be {expected}, not {value}; it was ignored",
        "bad_datetime": "'{key}' is not an ISO 8601 date and time: '{value}'",
        "too_long": "'{key}' is longer than {limit} characters; it was shortened",
        "url_too_long": "'{key}' is an address longer than {limit} characters; it was ignored",
        "too_deep": "'{key}' is nested more than {limit} levels deep; it was ignored",
    }
)

# What reading a news feed (news.py) can report.
MESSAGES.update(
    {
        # warnings: the feed is imported, the host is told
        "feed_content_type": "the feed is served as '{value}', which is not an XML media type",
        "feed_not_well_formed": "the feed is not well-formed XML ({value}); it was read leniently",
        "feed_bad_link": "'{key}' is not an http(s) address and was left out: '{value}'",
        # errors: the feed is refused and the last good news stays published
        "feed_empty": "the feed is empty: it has no title and no entries",
        "feed_entities": "the feed declares XML entities, which Portée refuses",
        "feed_not_a_feed": "expected an Atom or RSS feed, got {value}",
        "feed_truncated": "the feed is cut short: it ends before its last element is closed",
        "feed_timeout": "the feed took too long to read",
        "feed_unreadable": "the feed could not be read ({value})",
    }
)

# What a probe of a service can report (directory/probes/checks.py), beside the fetch's codes.
MESSAGES.update(
    {
        "probe_gateway": "the web server answered {status}: the software behind it does not answer",
        "probe_off_site": "the address leads off the service's site, to {value}",
        "probe_restricted": "{path} asks to sign in ({status}), though it normally answers anyone",
        "probe_missing": "{path} is missing ({status}): this does not look like a working "
        "{software}",
        "probe_not_json": "{path} did not answer JSON as {software} does (a parking page, "
        "another software or a broken install)",
        "probe_unexpected": "{path} answered without what {software} always sends ({value})",
        "probe_other_software": "the address runs {value}, not {software}",
        "probe_broken": "{software} answers but reports a problem ({value})",
        "probe_maintenance": "{software} says it is in maintenance",
        "probe_rate_limited": "the server asked Portée to wait {seconds} seconds before "
        "checking again",
        "probe_plain_http": "the service is served over plain http, not https",
        "probe_certificate_expires": "the certificate expires in {days} days",
        "probe_version_differs": "the host declares version {expected}; the server reports {value}",
        "probe_software_differs": "the host declares {expected}; the server says it runs {value}",
    }
)
