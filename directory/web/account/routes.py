"""Views of the account blueprint: sign up, confirm the address, sign in and out (here or
everywhere), reset and change the password, delete the account.

Every sign-in is a row on the server (accounts.start_session); signing out deletes it, so a
copy of the session cookie made before stops working.

No answer tells whether an address has an account: sign-up, reset and "send a new link" answer
the same either way, and sign-in says more than "wrong address or password" only once the
password was right.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_fresh, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from directory import accounts
from directory.db import get_session
from directory.timeutil import utcnow
from directory.web import labels
from directory.web.account import bp, mails
from directory.web.account.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    EmailForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from directory.web.auth import SignedIn, current_account, current_session_token
from directory.web.extensions import limiter

log = logging.getLogger(__name__)

LOGIN_LIMIT = "10 per minute;50 per hour"
MAIL_LIMIT = "5 per hour"


# -- helpers ---------------------------------------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/…", not "//…"), else None (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def fresh_login_required(view):
    """Like Flask-Login's, but sends a stale session (restored from "remember me") to the
    sign-in page with a message instead of answering 401."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not login_fresh():
            flash(_("Please sign in again to continue."))
            return redirect(url_for("account.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def _form_page(template: str, form, **context):
    """A form page: 200 when shown, 400 when a submitted form comes back with errors."""
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _check_mail(message: str):
    return render_template("account/check_mail.html", message=message)


def _sign_in(db, account, remember: bool) -> None:
    """A new session for a new sign-in (no session fixation), recorded on the server for as
    long as its cookie may live: the session's lifetime, or that of "remember me"."""
    lifetime = current_app.permanent_session_lifetime
    if remember:
        lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
        if not isinstance(lifetime, timedelta):
            lifetime = timedelta(seconds=lifetime)
    token = accounts.start_session(db, account, lifetime)
    db.commit()
    session.clear()
    login_user(SignedIn(account, token), remember=remember, fresh=True)


def _tokens() -> accounts.Tokens:
    return accounts.Tokens(current_app.secret_key)


# -- sign up and confirm the address -----------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def signup():
    form = SignupForm()
    if not form.validate_on_submit():
        return _form_page("account/signup.html", form)
    existing = _create_or_find(form.email.data, form.password.data)
    if existing is not None:
        mails.send_signup_existing(existing)
    return _check_mail(
        _(
            "We sent a message to %(email)s. Follow the link in it to confirm your address, "
            "then sign in.",
            email=form.email.data,
        )
    )


def _create_or_find(email: str, password: str):
    """Create an unverified account and mail its link; or return the account that already
    has this address (after as much work as a creation, so timing tells nothing)."""
    db = get_session()
    existing = accounts.find_account(db, email)
    if existing is None:
        try:
            account = accounts.create_account(db, email, password)
            accounts.audit(db, account, "account_created")
            db.commit()
        except IntegrityError:  # the same address signed up at the same moment
            db.rollback()
            return accounts.find_account(db, email)
        mails.send_verification(account)
        return None
    accounts.hash_password(password)
    return existing


@bp.get("/verify/<token>")
def verify(token: str):
    db = get_session()
    account = _tokens().read_email_verification(db, token)
    if account is None or account.disabled:
        return render_template("account/verify_failed.html", form=EmailForm()), 400
    if account.email_verified_at is None:
        account.email_verified_at = utcnow()
        accounts.audit(db, account, "email_verified")
        db.commit()
    flash(_("Thank you: your address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("account.login"))


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def resend_verification():
    form = EmailForm()
    if not form.validate_on_submit():
        return _form_page("account/resend.html", form)
    account = accounts.find_account(get_session(), form.email.data)
    if account is not None and account.email_verified_at is None and not account.disabled:
        mails.send_verification(account)
    return _check_mail(
        _(
            "If an account is waiting for the confirmation of %(email)s, we sent it a new link.",
            email=form.email.data,
        )
    )


# -- sign in and out ---------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return _form_page("account/login.html", form, next=target)
    db = get_session()
    account = accounts.find_account(db, form.email.data)
    if not accounts.check_password(db, account, form.password.data):
        log.info("Sign-in refused: wrong address or password (from %s)", request.remote_addr)
        error = _("Wrong e-mail address or password.")
        return render_template("account/login.html", form=form, next=target, error=error), 400
    refusal = _refusal(account)
    if refusal is not None:
        return refusal
    account.last_login_at = utcnow()
    accounts.audit(db, account, "login")
    _sign_in(db, account, remember=form.remember.data)
    return redirect(target or url_for("dashboard.index"))


def _refusal(account):
    """Why an account whose password was right still may not sign in, as a page; or None."""
    if account.disabled:
        return render_template("account/disabled.html"), 403
    if account.email_verified_at is None:
        form = EmailForm(formdata=None, data={"email": account.email})
        return render_template("account/resend.html", form=form, unverified=True), 403
    return None


@bp.post("/logout")
def logout():
    token = current_session_token()
    if token is not None:  # end it on the server: a copy of the cookie is refused from now on
        db = get_session()
        accounts.end_session(db, token)
        db.commit()
    _forget_session()
    flash(_("You are signed out."))
    return redirect(url_for("public.home"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    account = current_account()
    db = get_session()
    ended = accounts.end_sessions(db, account)
    accounts.audit(db, account, "signed_out_everywhere", sessions=ended)
    db.commit()
    _forget_session()
    flash(_("You are signed out everywhere: on this device and on every other one."))
    return redirect(url_for("account.login"))


def _forget_session() -> None:
    session.clear()
    logout_user()  # after clear(): it marks the "remember me" cookie for deletion


# -- passwords ---------------------------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def reset_request():
    form = EmailForm()
    if not form.validate_on_submit():
        return _form_page("account/reset_request.html", form)
    account = accounts.find_account(get_session(), form.email.data)
    if account is not None and not account.disabled:
        mails.send_reset(account)
    return _check_mail(
        _(
            "If an account exists for %(email)s, we sent it a link to choose a new password. "
            "The link is valid for one hour.",
            email=form.email.data,
        )
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    db = get_session()
    account = _tokens().read_password_reset(db, token)
    if account is None or account.disabled:
        return render_template("account/reset_failed.html"), 400
    form = ResetPasswordForm(account.email)
    if not form.validate_on_submit():
        return _form_page("account/reset_password.html", form)
    accounts.set_password(db, account, form.password.data)  # ends every sign-in
    # The link reached the mailbox: the address is confirmed too.
    account.email_verified_at = account.email_verified_at or utcnow()
    accounts.audit(db, account, "password_reset")
    db.commit()
    mails.send_password_changed(account)
    flash(_("Your new password is set. You can sign in with it now."), "success")
    return redirect(url_for("account.login"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@fresh_login_required
def change_password():
    account = current_account()
    form = ChangePasswordForm(account.email)
    db = get_session()
    if form.validate_on_submit():
        if not accounts.check_password(db, account, form.current.data):
            form.current.errors.append(_("This is not your current password."))
            return _form_page("account/password.html", form)
        # Ends every other sign-in of the account; this one stays.
        accounts.set_password(db, account, form.password.data, keep=current_session_token())
        accounts.audit(db, account, "password_changed")
        db.commit()
        mails.send_password_changed(account)
        flash(_("Your password was changed. Your other sessions are signed out."), "success")
        return redirect(url_for("account.index"))
    return _form_page("account/password.html", form)


# -- the account page and its deletion ----------------------------------------------------------


@bp.get("/")
@login_required
def index():
    account = current_account()
    db = get_session()
    return render_template(
        "account/index.html",
        account=account,
        role=labels.ROLE.get(account.role, account.role),
        organizations=accounts.organizations_of(db, account),
        other_sessions=accounts.other_sessions(db, account, current_session_token()),
    )


@bp.route("/delete", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@login_required
def delete():
    account = current_account()
    db = get_session()
    last_admin = account.role == "admin" and accounts.count_admins(db) <= 1
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _form_page("account/delete.html", form, last_admin=last_admin)
    if not accounts.check_password(db, account, form.password.data):
        form.password.errors.append(_("This is not your password."))
    elif not last_admin:
        accounts.audit(db, account, "account_deleted", account_id=account.id)
        db.delete(account)  # its editing rights and sign-ins go with it (ON DELETE CASCADE)
        db.commit()
        _forget_session()
        flash(_("Your account was deleted."))
        return redirect(url_for("public.home"))
    return render_template("account/delete.html", form=form, last_admin=last_admin), 400
