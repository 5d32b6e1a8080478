"""Memory of a process that only serves pages: `python -m bench.probe SITE [--quick]`.

Opens the app on SITE (its `portee.sqlite3` and `index/`) and reads the index as a gunicorn
worker does when it starts (deploy/gunicorn.conf.py), measures, sends the query mix's result
pages through the WSGI app once, measures again, and prints
`{"started_rss_mb", "started_peak_rss_mb", "rss_mb", "peak_rss_mb"}` as its last line: what one
web worker holds once ready and after serving, without the importer and the benchmark around.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bench.queries import QUERIES, QUICK
from bench.stats import peak_rss_mb, rss_mb


def main(argv: list[str]) -> None:
    site = Path(argv[0]).resolve()
    # Configured from the environment, as a gunicorn worker importing `app:app` is.
    os.environ.update(
        DATABASE_URL=f"sqlite:///{site / 'portee.sqlite3'}",
        PORTEE_INDEX_DIR=str(site / "index"),
        SECRET_KEY="bench-secret",
    )
    from app import app
    from directory.db import get_database
    from search import warm

    warm(app)
    started = {"started_rss_mb": rss_mb(), "started_peak_rss_mb": peak_rss_mb()}

    queries = QUICK if "--quick" in argv else QUERIES
    client = app.test_client()
    for query in queries:
        response = client.get(query.url(), follow_redirects=True)
        if response.status_code != 200:
            raise SystemExit(f"{query.url()}: {response.status_code}")
    get_database(app).engine.dispose()
    print(json.dumps({**started, "peak_rss_mb": peak_rss_mb(), "rss_mb": rss_mb()}))


if __name__ == "__main__":
    main(sys.argv[1:])
