"""/healthz, for load balancers: the database answers and the index is present (200, else
503), with how far this node's index is behind the change table. No session, never cached."""

from __future__ import annotations

from flask import Blueprint, jsonify

from search import get_search
from search.follow import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    healthy, report = health(get_search())
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
