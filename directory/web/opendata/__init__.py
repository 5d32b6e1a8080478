"""Open data on the site: change feeds (Atom), the ChatonsInfos export, the badge and the
public validator. The rules live in directory/opendata/; these views word and serve them."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)

from directory.web.opendata import routes  # noqa: E402,F401
