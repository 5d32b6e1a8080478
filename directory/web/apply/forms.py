"""Forms of the apply blueprint, and the wording of membership states, the charter and the
domain proof's results (translated; the domain modules only say codes)."""

from __future__ import annotations

import unicodedata

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional

from directory.membership import COMMITMENTS, MAX_MESSAGE, MAX_MOTIVATION
from directory.vocabulary import LEGAL_TYPES
from directory.web import issue_text
from directory.web.addresses import fetchable
from directory.web.labels import LEGAL_TYPE
from directory.web.validators import HttpUrl, email_address

# -- wording -------------------------------------------------------------------------------

STATE = {
    "submitted": _l("Waiting for the moderators"),
    "questioned": _l("The moderators asked you a question"),
    "withdrawn": _l("Withdrawn"),
    "approved": _l("Approved"),
    "rejected": _l("Not accepted"),
}
NEXT_STEP = {
    "submitted": _l(
        "The moderators will read your application. They may ask you questions here; we will "
        "e-mail you when they do. Meanwhile, prove that you control your website's domain below."
    ),
    "questioned": _l("Please answer the moderators' question below."),
    "withdrawn": _l("You withdrew this application. Your listing is not public."),
    "approved": _l("Welcome! Your listing is public."),
    "rejected": _l("The moderators did not accept this application."),
}
MESSAGE_KIND = {
    "question": _l("Question"),
    "answer": _l("Answer"),
    "note": _l("Note"),
    "appeal": _l("Appeal"),
}
COMMITMENT = {
    "free_software": (
        _l("Only free software"),
        _l("The services we offer run on free software, and we publish what we change."),
    ),
    "no_ads_tracking": (
        _l("No advertising or tracking"),
        _l("We show no advertising, do not profile our users and sell no data."),
    ),
    "transparency": (
        _l("Transparent about finances and data"),
        _l("We publish our terms, how we are funded and what we do with the data we keep."),
    ),
    "open_neutral": (
        _l("Open and neutral"),
        _l("We use open standards and treat every user and every message alike."),
    ),
    "solidarity": (
        _l("Solidarity"),
        _l("We share what we know with other hosts and help people leave for another host."),
    ),
}
MEMBERSHIP_ERROR = {
    "email_not_verified": _l("Please confirm your e-mail address before you apply."),
    "commitments_missing": _l("Every commitment of the charter is needed to apply."),
    "name_missing": _l("The name of your organization is missing."),
    "too_long": _l("The text is longer than %(limit)s characters."),
    "message_empty": _l("The message is empty."),
    "not_allowed": _l("Your account may not do this."),
    "invalid_transition": _l("This application cannot do that in its present state."),
    "appeal_used": _l("This application was already appealed once: the decision is final."),
    "source_already_used": _l("This file already describes another organization."),
    "source_one_organization_file": _l("An organization has one ChatonsInfos file only."),
    "source_unknown_kind": _l("This kind of file is not supported."),
    "source_address_refused": _l("Portée does not read files at this address."),
}
# What a domain check found (fetch failures are worded by issue_text).
OWNERSHIP = {
    "token_missing": _l("the file %(url)s does not start with the token"),
    "dns_no_record": _l("there is no TXT record at %(name)s"),
    "dns_token_missing": _l("the TXT records at %(name)s do not hold the token"),
    "dns_failed": _l("the DNS lookup of %(name)s failed"),
    "bad_domain": _l("%(value)s is not a domain name"),
    "no_website": _l("Give your website's address first: its domain is what you prove."),
}
# Not countries: regions, groupings and placeholders of the CLDR list.
_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}


def membership_error(error) -> str:
    return _word(MEMBERSHIP_ERROR.get(error.code), error.code, error.params)


def ownership_text(issue: dict | None) -> str:
    """The sentence for one recorded result of a domain check."""
    if not issue:
        return ""
    wording = OWNERSHIP.get(issue.get("code"))
    if wording is None:
        return issue_text.describe(issue)
    return _word(wording, issue.get("code", ""), issue.get("params") or {})


def _word(wording, code: str, params: dict) -> str:
    if wording is None:
        return code
    try:
        return str(wording) % {key: str(value) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):
        return str(wording)


def countries() -> list[SelectChoice]:
    """(ISO code, name in the reader's language), sorted by name as a reader expects."""
    names = get_locale().territories
    pairs = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    pairs.sort(key=lambda pair: _sort_key(pair[1]))
    return [SelectChoice(code, name) for code, name in pairs]


def _sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# -- validators ----------------------------------------------------------------------------

_web_address = HttpUrl()
# Whether a file's host may be fetched is the importer's guard to say (`fetchable`).
_file_address = HttpUrl(require_tld=False)


_committed = DataRequired(message=_l("You must make this commitment to apply."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# -- forms ---------------------------------------------------------------------------------


class ApplicationForm(FlaskForm):
    name = StringField(
        _l("Name of your organization"), [DataRequired(), Length(max=200)], filters=[_strip]
    )
    description = TextAreaField(
        _l("What you do, in a few sentences"), [DataRequired(), Length(max=5000)]
    )
    legal_type = SelectField(
        _l("Kind of organization"),
        [DataRequired()],
        choices=[SelectChoice("", _l("Choose…"))]
        + [SelectChoice(key, LEGAL_TYPE[key]) for key in LEGAL_TYPES],
    )
    country_code = SelectField(_l("Country"), [DataRequired()])
    address = StringField(_l("City or address"), [Optional(), Length(max=300)], filters=[_strip])
    website = URLField(
        _l("Website"), [DataRequired(), Length(max=500), _web_address], filters=[_strip]
    )
    contact_email = EmailField(
        _l("Contact e-mail"), [DataRequired(), Length(max=254), email_address()], filters=[_strip]
    )
    contact_url = URLField(
        _l("Contact page (optional)"), [Optional(), Length(max=500), _web_address], filters=[_strip]
    )
    free_software = BooleanField(COMMITMENT["free_software"][0], [_committed])
    no_ads_tracking = BooleanField(COMMITMENT["no_ads_tracking"][0], [_committed])
    transparency = BooleanField(COMMITMENT["transparency"][0], [_committed])
    open_neutral = BooleanField(COMMITMENT["open_neutral"][0], [_committed])
    solidarity = BooleanField(COMMITMENT["solidarity"][0], [_committed])
    motivation = TextAreaField(
        _l("Why do you want to join? (optional)"), [Optional(), Length(max=MAX_MOTIVATION)]
    )
    metadata_url = URLField(
        _l("Address of your metadata file (optional)"),
        [Optional(), Length(max=1000), _file_address, fetchable],
        filters=[_strip],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country_code.choices = [SelectChoice("", _l("Choose…")), *countries()]

    def commitment_fields(self):
        return [(getattr(self, key), COMMITMENT[key][1]) for key in COMMITMENTS]

    def identity(self) -> dict:
        return {
            "name": self.name.data,
            "description": self.description.data.strip(),
            "legal_type": self.legal_type.data,
            "country_code": self.country_code.data,
            "address": self.address.data or None,
            "website": self.website.data,
            "contact_email": self.contact_email.data,
            "contact_url": self.contact_url.data or None,
        }

    def commitments(self) -> dict:
        return {key: bool(getattr(self, key).data) for key in COMMITMENTS}


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), [DataRequired(), Length(max=MAX_MESSAGE)])


class WithdrawForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that withdrawing ends this application."),
        [DataRequired(message=_l("Tick the box to confirm."))],
    )


class AppealForm(FlaskForm):
    reason = TextAreaField(
        _l("Why should the moderators reconsider?"), [DataRequired(), Length(max=MAX_MESSAGE)]
    )


class VerifyDomainForm(FlaskForm):
    """Nothing to fill in: the CSRF token only."""
