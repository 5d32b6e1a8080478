"""The matchmaker: several needs → hosts; click-through, "pick one for me", the fairness page."""

from flask import Blueprint

bp = Blueprint("match", __name__)

from directory.web.match import routes  # noqa: E402,F401
