"""A host's dashboard: its organizations, their profile, services, sources and editors."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from directory.web.dashboard import routes  # noqa: E402,F401
