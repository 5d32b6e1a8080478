"""The application factory: configuration, extensions, blueprints, CLI and index listeners."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from directory import config, db, logs
from directory.cli import init_app as init_cli
from directory.web import init_app as init_web
from search import init_app as init_search

log = logging.getLogger("portee")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="templates",
        static_folder="static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    config.secure_cookies(app.config)
    logs.init_app(app)
    if app.config["PORTEE_FETCH_ALLOW_PRIVATE"]:
        log.warning("PORTEE_FETCH_ALLOW_PRIVATE is on: the importer may fetch private addresses")

    db.init_app(app)
    init_search(app)
    init_web(app)
    init_cli(app)
    return app


app = create_app()
