"""The JSON API (v1): search and organization records, for other sites and apps."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from directory.web.api import routes  # noqa: E402,F401
