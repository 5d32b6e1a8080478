"""Membership: the application form, its state and conversation, and the proof of the domain."""

from flask import Blueprint

bp = Blueprint("apply", __name__, url_prefix="/apply")

from directory.web.apply import routes  # noqa: E402,F401
