"""Gunicorn's settings for Portée: `gunicorn -c deploy/gunicorn.conf.py` from the checkout
(deploy/systemd/portee-web.service). Each setting can be changed by the environment below,
or on the command line (which wins).

Each worker reads the search index as soon as it starts (post_worker_init), so the first
visitor waits no longer than the next; with PORTEE_LOG_FORMAT=json gunicorn's own lines are
JSON objects like the app's (directory/logs.py).
"""

import os

wsgi_app = "app:app"
# nginx talks to this address (deploy/nginx/portee.conf); keep it on the loopback.
bind = os.environ.get("PORTEE_BIND", "127.0.0.1:8000")
# Sync workers: a page is CPU work (10–20 ms uncached). About one per core, ~140 MB each.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to the app open (its `keepalive` upstream setting)
# Each worker is replaced after this many requests (with jitter): memory stays what it was.
max_requests = int(os.environ.get("PORTEE_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
accesslog = None  # nginx logs every request; gunicorn logs errors
errorlog = "-"
loglevel = os.environ.get("PORTEE_LOG_LEVEL", "info")

if os.environ.get("PORTEE_LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
            "httpx": {"level": "WARNING"},
        },
        "handlers": {"json": {"class": "directory.logs.JsonHandler", "stream": "ext://sys.stderr"}},
        "formatters": {},
    }


def post_worker_init(worker):
    """The worker has loaded the app: read the index now rather than at the first search."""
    from search import warm

    app = getattr(worker, "wsgi", None)
    if hasattr(app, "extensions"):  # the Flask app itself (not wrapped by a middleware)
        warm(app)
