"""Rate limits hold across web nodes: two app instances in two processes (one in the test, one
under gunicorn), whose Flask-Limiter storage is one real redis-server (Debian's package,
started on a free port), share the sign-in limit."""

from __future__ import annotations

import re

import httpx
import redis
from servers import gunicorn, redis_server

from directory.db import get_database
from support import csrf_token

WRONG = {"email": "someone@example.org", "password": "not the password"}
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_two_nodes_over_one_redis_share_the_sign_in_limit(sites, empty_template, tmp_path):
    site = sites.copy(empty_template, tmp_path / "site")
    with redis_server(tmp_path) as url, gunicorn(site.folder, RATELIMIT_STORAGE_URI=url) as base:
        node_a = sites.app(site, RATELIMIT_STORAGE_URI=url)
        try:
            web_a = node_a.test_client()
            token_a = csrf_token(web_a, "/account/login")
            with httpx.Client(base_url=base, timeout=30, trust_env=False) as web_b:
                token_b = CSRF_FIELD.search(web_b.get("/account/login").text).group(1)

                def on_a() -> int:
                    data = {"csrf_token": token_a, **WRONG}
                    return web_a.post("/account/login", data=data).status_code

                def on_b() -> int:
                    data = {"csrf_token": token_b, **WRONG}
                    return web_b.post("/account/login", data=data).status_code

                statuses = [on_a() if n % 2 else on_b() for n in range(10)]
                assert statuses == [400] * 10  # wrong password, five times on each node
                assert (on_a(), on_b()) == (429, 429)  # the eleventh in a minute, on either
            with redis.Redis.from_url(url) as client:
                assert client.keys("LIMITS:*"), "the counts are in Redis"
        finally:
            get_database(node_a).engine.dispose()
            sites.discard(site)
