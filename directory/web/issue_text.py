"""What the importer found, in the reader's language.

Parsers report `Issue(code, line, key, params)` without Flask (directory/feeds/issues.py); this
module gives each code its translatable wording, so a host reads "ligne 14 : …" in French.
`tests/test_issue_text.py` checks that every code has a wording with the same placeholders.
"""

from __future__ import annotations

import re

from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l

from directory.web.labels import PROBE_OUTCOME

WORDINGS = {
    "latin1": _l("the file is not UTF-8; it was read as Latin-1"),
    "key_case": _l("key '%(key)s' should be written '%(expected)s'"),
    "quoted_value": _l("the value of '%(key)s' is wrapped in quotes; they were removed"),
    "decimal_comma": _l("'%(key)s' uses a decimal comma"),
    "bad_date": _l("'%(key)s' is not a date (expected dd/MM/yyyy or yyyy-MM-dd): '%(value)s'"),
    "bad_url": _l("'%(key)s' is not an http(s) address: '%(value)s'"),
    "bad_email": _l("'%(key)s' is not an e-mail address: '%(value)s'"),
    "bad_number": _l("'%(key)s' is not a number: '%(value)s'"),
    "out_of_range": _l("'%(key)s' is out of range: '%(value)s'"),
    "unknown_value": _l("'%(key)s' has an unknown value '%(value)s'; expected one of %(allowed)s"),
    "bad_country": _l("'%(key)s' is not a known country: '%(value)s'"),
    "bad_language": _l("'%(key)s' has a language code that is not ISO 639-1: '%(value)s'"),
    "several_registrations": _l(
        "'%(key)s' lists several modes; the most open one, %(value)s, is used"
    ),
    "duplicate_key": _l("'%(key)s' is given twice; the last value is used"),
    "missing_recommended": _l("'%(key)s' is missing"),
    "missing_class": _l("'file.class' is missing; the file was read as %(value)s"),
    "unknown_software": _l("software '%(value)s' is not in Portée's catalogue yet"),
    "template_placeholder": _l("'%(key)s' still holds a template placeholder: '%(value)s'"),
    "bad_line": _l("this line has no key"),
    "line_too_long": _l("this line is longer than %(limit)s characters; it was skipped"),
    "control_characters": _l("'%(key)s' contains control characters; they were removed"),
    "duplicate_sub": _l("'%(key)s' lists a file already listed (%(value)s); it is read once"),
    "too_many_subs": _l("more than %(limit)s files are listed; the rest were ignored"),
    "too_many_keys": _l("the file has more than %(limit)s keys"),
    "undecodable": _l("the file cannot be read as text"),
    "empty": _l("the file is empty"),
    "wrong_class": _l("the file describes a %(value)s; a %(expected)s was expected"),
    "missing_required": _l("'%(key)s' is required"),
    "bad_registration": _l(
        "'%(key)s' must be one of None, Free, Member, Client (it is '%(value)s')"
    ),
    "bad_json": _l("the file is not valid JSON: %(value)s"),
    "http_status": _l("the server answered %(status)s"),
    "too_large": _l("the file is larger than the limit of %(limit)s"),
    "too_slow": _l("the download took longer than %(limit)s seconds"),
    "timeout": _l("the server did not answer in time"),
    "connect_timeout": _l("the server could not be reached in time"),
    "connect_failed": _l("the server refused the connection or could not be reached"),
    "host_not_found": _l("we could not reach %(host)s: the name does not exist"),
    "resolver_timeout": _l(
        "Portée's name server did not answer in time for %(host)s; this does not count "
        "against the file, which is read again soon"
    ),
    "tls": _l("the server's certificate is invalid"),
    "network": _l("the download failed (%(detail)s)"),
    "truncated": _l("the download was cut off before the end of the file"),
    "bad_encoding": _l("the server sent the file with an encoding Portée cannot read (%(value)s)"),
    "too_many_redirects": _l("the address redirects more than %(limit)s times"),
    "insecure_redirect": _l("the address redirects from https to plain http (%(value)s)"),
    "blocked_url": _l("this address is not allowed (%(reason)s): %(value)s"),
    "invalid_url": _l("this is not a valid web address: %(value)s"),
    "corrupt_body": _l("the server's compressed body is corrupt (%(value)s)"),
    "claimed_elsewhere": _l(
        "'%(key)s' (%(value)s): this file belongs to another host; it was not read for you"
    ),
    "duplicate_service": _l(
        "this file describes the same service as %(value)s (same software and address); "
        "that one is published, not this one"
    ),
    "internal": _l(
        "Portée failed to process this file (%(detail)s); the last good listing stays "
        "published and the file is read again later"
    ),
    "blocked_address": _l(
        "%(host)s points to an address that is not allowed (%(reason)s: %(value)s)"
    ),
    "redirect_blocked": _l("the address redirects to a place that is not allowed (%(reason)s)"),
    "got_html": _l("expected a %(expected)s file, but the server sent a web page"),
    "held_takeover": _l(
        "this file declares the website %(value)s, which belongs to another organization; "
        "it is held for the moderators"
    ),
    "wrong_type": _l("'%(key)s' should be %(expected)s, not %(value)s; it was ignored"),
    "bad_datetime": _l("'%(key)s' is not an ISO 8601 date and time: '%(value)s'"),
    "too_long": _l("'%(key)s' is longer than %(limit)s characters; it was shortened"),
    "url_too_long": _l("'%(key)s' is an address longer than %(limit)s characters; it was ignored"),
    "too_deep": _l("'%(key)s' is nested more than %(limit)s levels deep; it was ignored"),
    "feed_content_type": _l("the feed is served as '%(value)s', which is not an XML media type"),
    "feed_not_well_formed": _l(
        "the feed is not well-formed XML (%(value)s); it was read leniently"
    ),
    "feed_bad_link": _l("'%(key)s' is not an http(s) address and was left out: '%(value)s'"),
    "feed_empty": _l("the feed is empty: it has no title and no entries"),
    "feed_entities": _l("the feed declares XML entities, which Portée refuses"),
    "feed_not_a_feed": _l("expected an Atom or RSS feed, got %(value)s"),
    "feed_truncated": _l("the feed is cut short: it ends before its last element is closed"),
    "feed_timeout": _l("the feed took too long to read"),
    "feed_unreadable": _l("the feed could not be read (%(value)s)"),
    # the probes (directory/probes/checks.py)
    "probe_gateway": _l(
        "the web server answered %(status)s: the software behind it does not answer"
    ),
    "probe_off_site": _l("the address leads off the service's site, to %(value)s"),
    "probe_restricted": _l(
        "%(path)s asks to sign in (%(status)s), though it normally answers anyone"
    ),
    "probe_missing": _l(
        "%(path)s is missing (%(status)s): this does not look like a working %(software)s"
    ),
    "probe_not_json": _l(
        "%(path)s did not answer JSON as %(software)s does (a parking page, another software "
        "or a broken install)"
    ),
    "probe_unexpected": _l("%(path)s answered without what %(software)s always sends (%(value)s)"),
    "probe_other_software": _l("the address runs %(value)s, not %(software)s"),
    "probe_broken": _l("%(software)s answers but reports a problem (%(value)s)"),
    "probe_maintenance": _l("%(software)s says it is in maintenance"),
    "probe_rate_limited": _l(
        "the server asked Portée to wait %(seconds)s seconds before checking again"
    ),
    "probe_plain_http": _l("the service is served over plain http, not https"),
    "probe_certificate_expires": _l("the certificate expires in %(days)s days"),
    "probe_version_differs": _l(
        "the host declares version %(expected)s; the server reports %(value)s"
    ),
    "probe_software_differs": _l(
        "the host declares %(expected)s; the server says it runs %(value)s"
    ),
}

# Words that fill {reason} and {expected}, translated too.
REASONS = {
    "scheme": _l("only http and https are read"),
    "userinfo": _l("an address must not contain a user name or password"),
    "port": _l("only the standard ports 80 and 443 are read"),
    "host": _l("the address has no host name"),
    "ip_literal": _l("a host name is needed, not a numeric address"),
    "local_name": _l("a local network name"),
    "loopback": _l("this machine"),
    "private": _l("a private network"),
    "link-local": _l("a link-local network"),
    "multicast": _l("a multicast address"),
    "reserved": _l("a reserved address"),
}


# The importer's own words in {expected} and {value} of these codes (the other codes quote the
# host's file there, which stays as written).
KINDS_OF_VALUE = {
    "true or false": _l("true or false"),
    "null": _l("null"),
    "a number": _l("a number"),
    "text": _l("text"),
    "a list": _l("a list"),
    "an object": _l("an object"),
    "a year": _l("a year"),
    "Atom or RSS": _l("Atom or RSS"),
}
IMPORTER_WORDS = ("wrong_type", "got_html")
_SIZE = re.compile(r"^(\d+) (MB|bytes)$")


def _size(limit: str) -> str:
    """ "2 MB" or "500 bytes", as the fetcher records a limit, in the reader's language."""
    found = _SIZE.match(limit)
    if not found:
        return limit
    size = format_decimal(int(found.group(1)))
    return (
        gettext("%(size)s MB", size=size)
        if found.group(2) == "MB"
        else (gettext("%(size)s bytes", size=size))
    )


def describe(issue: dict) -> str:
    """The sentence a host reads for one recorded issue (as stored by Issue.as_dict())."""
    wording = WORDINGS.get(issue.get("code"))
    params = {k: str(v) for k, v in (issue.get("params") or {}).items()}
    if "reason" in params:
        params["reason"] = str(REASONS.get(params["reason"], params["reason"]))
    if issue.get("code") in IMPORTER_WORDS:
        for name in ("expected", "value"):
            if name in params:
                params[name] = str(KINDS_OF_VALUE.get(params[name], params[name]))
    if issue.get("code") == "too_large" and "limit" in params:
        params["limit"] = _size(params["limit"])
    params.setdefault("key", issue.get("key") or "")
    if wording is None:
        text = issue.get("code", "")
    else:
        try:
            text = str(wording) % params
        except (KeyError, ValueError, TypeError):
            text = str(wording)
    line = issue.get("line")
    return gettext("line %(line)s: %(text)s", line=line, text=text) if line else text


def check_words(check) -> str:
    """What one probe check found, in words (a ProbeCheck, or None): its first issue (the
    failure, when it failed), else its outcome (labels.PROBE_OUTCOME)."""
    if check is None:
        return ""
    if check.issues:
        return describe(check.issues[0])
    return str(PROBE_OUTCOME.get(check.outcome, check.outcome or ""))


def unreachable(issue: dict, host: str) -> str:
    """What a fetch that never reached the server says, as one sentence: "We could not reach
    cabane-test.example: the name does not exist." (the preview of the dashboard and of
    /validate)."""
    reason = describe(issue)
    if issue.get("code") == "host_not_found":  # its wording already names the host
        return f"{reason[:1].upper()}{reason[1:]}."
    return gettext("We could not reach %(host)s: %(reason)s.", host=host, reason=reason)
