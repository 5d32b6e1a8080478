"""Moderation: the review queue and collective decisions, suspensions, the public log, the
audit trail, failing sources and the team of moderators."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

from directory.web.moderation import routes  # noqa: E402,F401
