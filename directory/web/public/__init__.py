"""The public site: home, search, organization, category and software pages."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from directory.web.public import routes  # noqa: E402,F401
