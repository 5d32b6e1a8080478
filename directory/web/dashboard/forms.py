"""Forms of the dashboard: profile, service, sources, co-editors, and one-button actions."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from directory import editing
from directory.sources import ORGANIZATION_SOURCE_KINDS
from directory.vocabulary import COUNT_LIMIT, LEGAL_TYPES, LOADS, PRICES, REGISTRATIONS
from directory.web import labels
from directory.web.addresses import fetchable
from directory.web.filters import language_name, localized
from directory.web.validators import HttpUrl, email_address


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (rendered inside a fieldset with a legend by the templates)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text_or_blank(value) -> str:
    """Coerce a select's value; None (nothing chosen yet) is the blank choice, not "None"."""
    return "" if value in (None, "") else str(value)


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in editing.LANGUAGES]


def country_choices() -> list[tuple[str, str]]:
    territories = Locale.parse(str(get_locale() or "en")).territories
    countries = [(code, name) for code, name in territories.items() if len(code) == 2]
    return [("", _l("— not said —"))] + sorted(countries, key=lambda c: c[1].casefold())


class ListingForm(FlaskForm):
    """A form over a listing whose locked fields (from the host's file or a moderator) are
    shown, not edited: they are taken out of the form unless a POST tries to change them."""

    def drop_locked(self, locked: dict, submitted) -> None:
        self.locked = {}
        for name in locked:
            if name in self and name not in submitted:
                self.locked[name] = self[name]
                del self[name]

    def values(self, names) -> dict:
        return {name: self[name].data for name in names if name in self}

    def refuse(self, name: str, message: str) -> None:
        """Show a refusal from the domain rules beside its field (or at the top)."""
        target = self[name] if name and name in self else None
        if target is None:
            self.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]


class ProfileForm(ListingForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[_strip])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)], filters=[_strip])
    website = StringField(_l("Website"), [Optional(), Length(max=500), HttpUrl()], filters=[_strip])
    logo_url = StringField(
        _l("Logo address"), [Optional(), Length(max=500), HttpUrl()], filters=[_strip]
    )
    legal_type = SelectField(_l("Kind of host"), [Optional()], coerce=_text_or_blank)
    country_code = SelectField(_l("Country"), [Optional()], coerce=_text_or_blank)
    address = StringField(_l("Place"), [Optional(), Length(max=300)], filters=[_strip])
    languages = MultiCheckboxField(_l("Languages"))
    contact_email = StringField(
        _l("Contact e-mail"), [Optional(), Length(max=254), email_address()], filters=[_strip]
    )
    contact_url = StringField(
        _l("Contact page"), [Optional(), Length(max=500), HttpUrl()], filters=[_strip]
    )
    legal_url = StringField(
        _l("Legal notice"), [Optional(), Length(max=500), HttpUrl()], filters=[_strip]
    )
    privacy_url = StringField(
        _l("Privacy policy"), [Optional(), Length(max=500), HttpUrl()], filters=[_strip]
    )
    # Promise keys (README, "Extension keys").
    admins_count = IntegerField(
        _l("Number of administrators"), [Optional(), NumberRange(0, COUNT_LIMIT)]
    )
    backups_tested = DateField(_l("Last restore test of the backups"), [Optional()])
    closure_notice_days = IntegerField(
        _l("Days of notice before a service closes"),
        [Optional(), NumberRange(0, COUNT_LIMIT)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.legal_type.choices = [("", _l("— not said —"))] + [
            (code, labels.LEGAL_TYPE[code]) for code in LEGAL_TYPES
        ]
        self.country_code.choices = country_choices()
        self.languages.choices = language_choices()


class ServiceForm(ListingForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)], filters=[_strip])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)], filters=[_strip])
    website = StringField(
        _l("Address of the service"), [Optional(), Length(max=500), HttpUrl()], filters=[_strip]
    )
    software_id = SelectField(_l("Software"), coerce=_text_or_blank)
    software_declared = StringField(
        _l("Other software"), [Optional(), Length(max=200)], filters=[_strip]
    )
    categories = MultiCheckboxField(_l("Tasks"))
    registration = SelectField(_l("Account"), coerce=_text_or_blank)
    load = SelectField(_l("Availability"))
    price = SelectField(_l("Price"), coerce=_text_or_blank)
    languages = MultiCheckboxField(_l("Languages"))
    legal_url = StringField(
        _l("Terms of use"), [Optional(), Length(max=500), HttpUrl()], filters=[_strip]
    )
    capacity_participants = IntegerField(
        _l("Largest group the service takes"), [Optional(), NumberRange(0, COUNT_LIMIT)]
    )

    def __init__(self, *args, software=(), categories=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        named = sorted(((str(s.id), localized(s.name)) for s in software), key=_by_name)
        self.software_id.choices = [("", _l("— not in the catalogue —"))] + named
        self.categories.choices = [(c.slug, localized(c.name)) for c in categories]
        self.registration.choices = [("", _l("— not said —"))] + [
            (code, labels.REGISTRATION[code]) for code in REGISTRATIONS
        ]
        self.load.choices = [(code, labels.LOAD[code]) for code in LOADS]
        self.price.choices = [("", _l("— not said —"))] + [
            (code, labels.PRICE[code]) for code in PRICES
        ]
        self.languages.choices = language_choices()

    def validate_software_declared(self, field) -> None:
        if "software_id" in self and not self.software_id.data and not field.data:
            raise ValidationError(_l("Choose a software, or name it if it is not in the list."))


def _by_name(choice: tuple[str, str]) -> str:
    return choice[1].casefold()


class LoadForm(FlaskForm):
    """The one-button "we are full / open again" switch."""

    load = HiddenField(validators=[DataRequired(), AnyOf(LOADS)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class SourceForm(FlaskForm):
    kinds = ORGANIZATION_SOURCE_KINDS  # the kinds offered (the public validator offers fewer)

    url = StringField(
        _l("Address of the file"),
        [DataRequired(), Length(max=1000), HttpUrl(), fetchable],
        filters=[_strip],
    )
    kind = SelectField(_l("Kind of file"), [DataRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind, SOURCE_KINDS[kind]) for kind in self.kinds]


SOURCE_KINDS = {
    "organization": _l("ChatonsInfos organization file (with its services)"),
    "json": _l("JSON description (librehost.json)"),
    "news": _l("News feed (Atom or RSS)"),
    "service": _l("ChatonsInfos service file"),
    "federation": _l("ChatonsInfos federation file"),
}


class InviteForm(FlaskForm):
    email = StringField(
        _l("E-mail address of the person to invite"),
        [DataRequired(), Length(max=254), email_address()],
        filters=[_strip],
    )
