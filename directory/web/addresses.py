"""Addresses people type that Portée will fetch: checked by the importer's own rules.

Every entry point (the application form, the dashboard's add and preview, the command line)
runs `AddressPolicy.check_entry`, so an address the fetch would refuse is refused when it is
typed, in the same words, and what is stored is its canonical form.
"""

from __future__ import annotations

from flask import current_app
from wtforms.validators import ValidationError

from directory.outbound.guard import AddressPolicy, Refused
from directory.web import issue_text


def address_policy() -> AddressPolicy:
    return AddressPolicy.from_config(current_app.config)


def fetchable(_form, field) -> None:
    """A WTForms validator: the address passes the fetch's rules (security.md §1)."""
    if not field.data or field.errors:  # one message per mistake: the form's own comes first
        return
    try:
        field.data = address_policy().check_entry(field.data)
    except Refused as refused:
        issue = {"code": refused.code, "params": refused.params}
        raise ValidationError(issue_text.describe(issue)) from refused
