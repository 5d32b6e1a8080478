"""Forms of the account blueprint: addresses and passwords, validated before any lookup."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from directory.accounts import MAX_PASSWORD, MIN_PASSWORD, normalize_email
from directory.web.validators import email_address

MAX_EMAIL = 254


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label=None):
    return EmailField(
        label or _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please give your e-mail address.")),
            Length(max=MAX_EMAIL, message=_l("This address is too long.")),
            email_address(),
        ],
        render_kw={"autocomplete": "email"},
    )


def new_password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(
                min=MIN_PASSWORD,
                max=MAX_PASSWORD,
                message=_l(
                    "The password must have between %(min)d and %(max)d characters.",
                    min=MIN_PASSWORD,
                    max=MAX_PASSWORD,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_PASSWORD},
    )


def confirm_field():
    return PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(_l("Please type the password a second time.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_PASSWORD},
    )


def current_password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Please give your password.")),
            Length(max=MAX_PASSWORD, message=_l("This password is too long.")),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": MAX_PASSWORD},
    )


class SignupForm(FlaskForm):
    email = email_field()
    password = new_password_field()
    confirm = confirm_field()
    submit = SubmitField(_l("Create my account"))

    def validate_password(self, field) -> None:
        address = self.email.data or ""
        if field.data and address and normalize_email(field.data) == normalize_email(address):
            raise ValidationError(_l("Your password may not be your e-mail address."))


class LoginForm(FlaskForm):
    email = email_field()
    password = current_password_field()
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class EmailForm(FlaskForm):
    """Just an address: ask for a password reset link or a new verification link."""

    email = email_field()
    submit = SubmitField(_l("Send me a link"))


class _AccountPasswordForm(FlaskForm):
    """A new password (twice) for a known account, whose address it may not be."""

    def __init__(self, account_email: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email

    def validate_password(self, field) -> None:
        if field.data and normalize_email(field.data) == normalize_email(self.account_email):
            raise ValidationError(_l("Your password may not be your e-mail address."))


class ResetPasswordForm(_AccountPasswordForm):
    password = new_password_field(_l("New password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Set my new password"))


class ChangePasswordForm(_AccountPasswordForm):
    current = current_password_field(_l("Current password"))
    password = new_password_field(_l("New password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Change my password"))


class DeleteAccountForm(FlaskForm):
    password = current_password_field(_l("Your password"))
    confirm = BooleanField(
        _l("I understand that my account is deleted for good."),
        validators=[DataRequired(_l("Please tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))
