"""Portée's benchmark: search and import at scale, against a SQLite FTS5 floor, in one run.

`python -m bench` (see bench/README.md). The pieces:

- `generate`: synthetic federations written as ChatonsInfos files, deterministic by seed;
- `serve`: a threaded HTTP server for those files on 127.0.0.1, with ETag / 304 support;
- `queries`: the fixed mix of public queries;
- `fts`: the same offers in a SQLite FTS5 table, the floor search is compared with;
- `load`: gunicorn + wrk (or a bounded Python load generator) while an import writes;
- `run`: one size measured end to end; `__main__`: the command line, table and JSON.
"""
