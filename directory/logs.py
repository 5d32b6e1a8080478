"""Logs as one JSON object per line (PORTEE_LOG_FORMAT=json), for log collectors (journald,
Loki, Elasticsearch…): time, level, logger, message, and the request and traceback when there
are some. The same formatter serves gunicorn's own log (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import Flask, has_request_context, request
from flask.logging import default_handler


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["method"] = request.method
            entry["path"] = request.path
            entry["remote_addr"] = request.remote_addr
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class JsonHandler(logging.StreamHandler):
    """Portée's handler on the root logger (one, however many apps a process creates; gunicorn's
    log configuration may have put it there already, deploy/gunicorn.conf.py)."""

    def __init__(self, stream=None) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())


def init_app(app: Flask) -> None:
    if app.config["PORTEE_LOG_FORMAT"] != "json":
        return
    root = logging.getLogger()
    if not any(isinstance(handler, JsonHandler) for handler in root.handlers):
        root.addHandler(JsonHandler())  # stderr: journald or gunicorn's log take it from there
    app.logger.removeHandler(default_handler)  # its lines would be text, and twice
