"""Processes start lean and ready: no argon2 hash at import, the index read when the app is
created with PORTEE_WARM_INDEX; logs as one JSON object per line with PORTEE_LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

from servers import ROOT

from directory.db import get_database
from directory.logs import JsonFormatter
from search import EXTENSION_KEY

COUNT_ARGON2_HASHES = """
import argon2._password_hasher as hasher
made = []
real = hasher.hash_secret
def counting(*args, **kwargs):
    made.append(1)
    return real(*args, **kwargs)
hasher.hash_secret = counting
import directory.accounts as accounts
print(len(made))
accounts.check_password(None, None, "a guess")  # no such account: the dummy hash is verified
accounts.check_password(None, None, "another guess")
print(len(made))
"""


def test_importing_accounts_computes_no_argon2_hash():
    """An argon2 hash takes 64 MiB: it is made on the first sign-in attempt of an unknown
    address, once, not in every process that imports the module (CLI commands included)."""
    output = subprocess.run(
        [sys.executable, "-c", COUNT_ARGON2_HASHES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert output == ["0", "1"]


def test_the_index_is_read_when_the_app_is_created_if_asked(sites, empty_template, tmp_path):
    site = sites.copy(empty_template, tmp_path / "site")
    lazy = sites.app(site)
    warm = sites.app(site, PORTEE_WARM_INDEX=True)
    try:
        assert lazy.extensions[EXTENSION_KEY].index._snapshot is None
        assert warm.extensions[EXTENSION_KEY].index._snapshot is not None
    finally:
        for app in (lazy, warm):
            get_database(app).engine.dispose()
        sites.discard(site)


def test_json_log_lines(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("portee.test-json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with app.test_request_context("/search?q=pad", environ_base={"REMOTE_ADDR": "192.0.2.7"}):
            logger.warning("Slow page: %s ms", 1200)
        try:
            raise ValueError("a broken file")
        except ValueError:
            logger.exception("Could not read «%s»", "hôte")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["message"] == "Slow page: 1200 ms"
    assert (first["method"], first["path"], first["remote_addr"]) == ("GET", "/search", "192.0.2.7")
    assert first["logger"] == "portee.test-json" and first["time"].endswith("+00:00")
    assert second["message"] == "Could not read «hôte»" and "path" not in second
    assert second["exception"].endswith("ValueError: a broken file")
