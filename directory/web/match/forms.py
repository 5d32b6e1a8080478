"""The matchmaker's form: a GET form (it changes nothing), so no CSRF token."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from directory.web import labels
from search.match import MatchRequest, Need, Preference

LANGUAGE_CHOICES = ("fr", "en", "de", "es", "it", "nl", "pt", "br", "oc", "ca", "eu", "co")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MatchForm(FlaskForm):
    class Meta:
        csrf = False

    needs = MultiCheckboxField(_l("What do you need?"), choices=[], validate_choice=True)
    software = MultiCheckboxField(_l("Or name the software"), choices=[], validate_choice=True)
    language = SelectField(_l("Language"), choices=[], default="", validate_choice=True)
    language_required = BooleanField(_l("Only in this language"))
    country = SelectField(_l("Country of the host"), choices=[], default="", validate_choice=True)
    country_required = BooleanField(_l("Only in this country"))
    price = SelectField(_l("Price"), choices=[], default="", validate_choice=True)
    price_required = BooleanField(_l("Only at this price"))
    registration = SelectField(_l("Accounts"), choices=[], default="", validate_choice=True)
    registration_required = BooleanField(_l("Only this kind of access"))
    account_free = BooleanField(_l("Guests can take part without an account"))
    account_free_required = BooleanField(_l("Required"))
    group_size = IntegerField(
        _l("How many people?"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )

    def fill_choices(self, categories, software, countries) -> None:
        from directory.web.filters import localized

        locale = Locale.parse(str(get_locale() or "en"))
        anything = ("", _l("No preference"))
        self.needs.choices = [(c.slug, localized(c.name)) for c in categories]
        self.software.choices = sorted(
            ((s.slug, localized(s.name)) for s in software), key=lambda c: c[1].casefold()
        )
        self.language.choices = [anything] + [
            (code, locale.languages.get(code, code)) for code in LANGUAGE_CHOICES
        ]
        self.country.choices = [anything] + sorted(
            ((code, locale.territories.get(code, code)) for code in countries),
            key=lambda c: c[1],
        )
        self.price.choices = [anything] + list(labels.PRICE.items())
        self.registration.choices = [anything] + list(labels.REGISTRATION.items())

    def asked(self) -> bool:
        return bool(self.needs.data or self.software.data)

    def to_request(self) -> MatchRequest:
        needs = tuple(Need("category", slug) for slug in self.needs.data or ()) + tuple(
            Need("software", slug) for slug in self.software.data or ()
        )
        preferences = []
        for name in ("language", "country", "price", "registration"):
            value = getattr(self, name).data
            if value:
                required = getattr(self, f"{name}_required").data
                preferences.append(Preference(name, value, bool(required)))
        if self.account_free.data:
            preferences.append(
                Preference("account_free", "yes", bool(self.account_free_required.data))
            )
        return MatchRequest(
            needs=needs, preferences=tuple(preferences), group_size=self.group_size.data
        )
