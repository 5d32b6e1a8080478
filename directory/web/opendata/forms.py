"""The public validator's form: an address and the kind of file (CSRF like every form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from directory.web.addresses import fetchable
from directory.web.dashboard.forms import SOURCE_KINDS, HttpUrl, _strip

KINDS = ("organization", "json")


class ValidateForm(FlaskForm):
    url = StringField(
        _l("Address of the file"),
        [DataRequired(), Length(max=1000), HttpUrl(), fetchable],
        filters=[_strip],
    )
    kind = SelectField(_l("Kind of file"), [DataRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind, SOURCE_KINDS[kind]) for kind in KINDS]
