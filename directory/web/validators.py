"""One wording per mistake, shared by every form: an address that is not one, an e-mail that is
not one. The same mistake reads the same on the sign-up, application,
dashboard and moderation forms."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms.validators import URL, Email, ValidationError

NOT_AN_ADDRESS = _l("Enter a full address starting with https:// or http://.")
NOT_AN_EMAIL = _l("This is not a valid e-mail address.")


class HttpUrl(URL):
    """An http(s) address with a real host name; another scheme (javascript:, data:, ftp:…) is
    refused with one message naming it."""

    def __init__(self, message=None, require_tld: bool = True) -> None:
        super().__init__(require_tld=require_tld, message=message or NOT_AN_ADDRESS)

    def __call__(self, form, field) -> None:
        scheme = urlsplit(field.data or "").scheme.lower()
        if scheme and scheme not in ("http", "https") and "://" in (field.data or ""):
            raise ValidationError(
                _l(
                    "Only web addresses can be used here (https:// or http://), not %(scheme)s://.",
                    scheme=scheme,
                )
            )
        if scheme not in ("http", "https"):
            raise ValidationError(self.message)
        super().__call__(form, field)


def email_address() -> Email:
    return Email(NOT_AN_EMAIL)
