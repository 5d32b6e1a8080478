"""The JSON API (v1): search and organization records, for other sites and apps; its OpenAPI
description, and the human page about it (`docs`, at /api/)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
docs = Blueprint("apidocs", __name__)

from directory.web.api import docs_routes, routes  # noqa: E402,F401
