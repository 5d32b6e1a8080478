"""Run (a) of issue 18: two app nodes over one PostgreSQL, each with its own index folder, its
gunicorn and its follower (`flask search follow`), under load while the importer writes
through node A.

    scripts/with-postgres .venv/bin/python -m bench.nodes --hosts 300 --seconds 30

It creates a database on the server PORTEE_TEST_POSTGRES_URL names (or `--database-url`),
generates and serves a federation, imports it through node A's app (this process, whose
index is node A's), starts both followers (B's index is empty: it rebuilds) and both
gunicorns, then for `--seconds` loads each node with its own wrk (or the Python generator)
while the importer re-imports edited files through node A and, once a second, a host's
description is saved through node A and node B's API is asked until it finds it: the time
for a change to be searchable on the other node. Reports requests per second per node,
errors, and that time's percentiles; writes bench/results/nodes-<UTC time>.json.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import click
import httpx
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from bench.load import LOAD_URLS, _import_loop, free_port, python_load, wrk_load
from bench.run import ROOT, Options, SizeBench
from bench.stats import percentile

VISIBLE_TIMEOUT = 30.0


def word_for(number: int) -> str:
    """A word no offer has (letters only: the catalogue reads digits apart)."""
    letters = ""
    while True:
        number, rest = divmod(number, 26)
        letters += string.ascii_lowercase[rest]
        if not number:
            return f"sondevisible{letters}"


class Node:
    """One node: gunicorn (`workers`) and its follower, on one index folder."""

    def __init__(self, name: str, database_url: str, folder: Path, workers: int) -> None:
        self.name = name
        self.folder = folder
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PORTEE_INDEX_DIR": str(folder / "index"),
            "PORTEE_NODE_NAME": name,
            "SECRET_KEY": "bench-secret",
            "MAIL_FOLDER": str(folder / "mail"),
        }
        self.workers = workers
        self.processes: list[subprocess.Popen] = []

    def _start(self, command: list[str], log: str) -> None:
        with open(self.folder / log, "ab") as out:
            self.processes.append(
                subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=out)
            )

    def start_follower(self) -> None:
        self._start(
            [sys.executable, "-m", "flask", "--app", "app", "search", "follow"], "follow.log"
        )

    def start_web(self) -> None:
        self._start(
            [
                sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
                "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--log-level", "warning",
                "app:app",
            ],
            "gunicorn.log",
        )  # fmt: skip

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""


def found(client: httpx.Client, word: str) -> bool:
    try:
        response = client.get(f"/api/v1/search?q={word}&per_page=1")
    except httpx.TransportError:
        return False
    return response.status_code == 200 and response.json()["total"] > 0


def visibility_loop(bench: SizeBench, base_b: str, stop: threading.Event, samples: list) -> None:
    """Once a second: a host's description saved through node A, then node B asked until its
    search finds it. Appends seconds (None when not found within VISIBLE_TIMEOUT)."""
    from directory import listings
    from directory.models import Organization
    from search.documents import offers_of

    with bench.database.session_scope() as session:
        organizations = [o.id for o in offers_of(session)][:200]
    with httpx.Client(base_url=base_b, timeout=10, trust_env=False) as client:
        number = 0
        while not stop.is_set():
            word = word_for(number)
            organization_id = organizations[number % len(organizations)]
            number += 1
            with bench.database.session_scope() as session:
                organization = session.get(Organization, organization_id)
                text = f"{organization.description or ''} {word}"
                listings.set_fields(session, organization, {"description": text}, "form")
                session.commit()
            saved = time.perf_counter()
            while not found(client, word):
                if time.perf_counter() - saved > VISIBLE_TIMEOUT:
                    samples.append(None)
                    break
                time.sleep(0.05)
            else:
                samples.append(time.perf_counter() - saved)
            stop.wait(max(0.0, 1.0 - (time.perf_counter() - saved)))


def wait_ready(base: str, seconds: float, path: str = "/healthz") -> None:
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=10, trust_env=False) as client:
        while time.monotonic() < deadline:
            try:
                response = client.get(path)
                if response.status_code == 200 and (
                    path != "/healthz" or response.json()["lag"]["changes"] == 0
                ):
                    return
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{base}{path} not ready after {seconds} s")


def run(
    hosts: int, seconds: int, connections: int, workers: int, database_url: str, keep: bool = False
) -> dict:
    load_before = os.getloadavg()
    options = Options(sizes=[hosts], progress=False)
    work = Path(tempfile.mkdtemp(prefix="portee-nodes-"))
    bench = SizeBench(hosts, options, work, database_url=database_url)
    nodes: list[Node] = []
    try:
        bench.setup()
        first = bench.import_federation(bench.federation.shards, "first import", "bench")
        a = Node("a", database_url, bench.folder / "site", workers)
        b_folder = bench.folder / "node-b"
        b_folder.mkdir()
        b = Node("b", database_url, b_folder, workers)
        nodes = [a, b]
        started = time.perf_counter()
        for node in nodes:
            node.start_follower()
            node.start_web()
        for node in nodes:
            wait_ready(f"http://127.0.0.1:{node.port}", 300)
        ready_s = time.perf_counter() - started
        with httpx.Client(timeout=30, trust_env=False) as client:
            for node in nodes:
                for url in LOAD_URLS * 2:
                    client.get(f"http://127.0.0.1:{node.port}{url}")

        tool = "wrk" if shutil.which("wrk") else "python"
        per_node = max(1, connections // 2)
        loads: dict[str, dict] = {}

        def load(node: Node) -> None:
            folder = node.folder
            loads[node.name] = (
                wrk_load(node.port, seconds, per_node, folder)
                if tool == "wrk"
                else python_load(node.port, seconds, per_node)
            )

        stop = threading.Event()
        rounds: list[dict] = []
        samples: list = []
        threads = [threading.Thread(target=load, args=(node,)) for node in nodes]
        importer = threading.Thread(target=_import_loop, args=(bench, stop, rounds, 7))
        prober = threading.Thread(
            target=visibility_loop, args=(bench, f"http://127.0.0.1:{b.port}", stop, samples)
        )
        for thread in (*threads, importer, prober):
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        importer.join(timeout=600)
        prober.join(timeout=VISIBLE_TIMEOUT + 10)
        with httpx.Client(timeout=10, trust_env=False) as client:
            health_b = client.get(f"http://127.0.0.1:{b.port}/healthz").json()
    finally:
        for node in nodes:
            node.stop()
        bench.close()
    seen = [s for s in samples if s is not None]
    report = {
        "run": "two nodes over one PostgreSQL",
        "organizations": hosts,
        "first_import": first,
        "workers_per_node": workers,
        "connections_per_node": per_node,
        "tool": tool,
        "seconds": seconds,
        "nodes_ready_s": round(ready_s, 1),
        "load": loads,
        "errors": sum(load["errors"] for load in loads.values()),
        "import_rounds": sum(1 for r in rounds if "error" not in r),
        "import_round_details": rounds,
        "visible_on_other_node": {
            "changes": len(samples),
            "not_seen": len(samples) - len(seen),
            "p50_s": round(percentile(seen, 50), 2) if seen else None,
            "p95_s": round(percentile(seen, 95), 2) if seen else None,
            "max_s": round(max(seen), 2) if seen else None,
        },
        "node_b_health_after": health_b,
        "tracebacks": sum(
            n.log(f).count("Traceback") for n in nodes for f in ("follow.log", "gunicorn.log")
        ),
        "load_average_before": load_before,
    }
    if keep:
        report["work"] = str(work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return report


@click.command()
@click.option("--hosts", default=300, show_default=True, help="organizations in the federation")
@click.option("--seconds", default=30, show_default=True, help="length of the loaded run")
@click.option("--connections", default=16, show_default=True, help="in all, half per node")
@click.option("--workers", default=1, show_default=True, help="gunicorn workers per node")
@click.option("--database-url", default=None, help="a PostgreSQL server's URL (admin)")
@click.option("--keep", is_flag=True, help="keep the work folder (logs, indexes)")
def main(hosts, seconds, connections, workers, database_url, keep) -> None:
    admin_url = database_url or os.environ.get("PORTEE_TEST_POSTGRES_URL")
    if not admin_url:
        raise click.UsageError("run it through scripts/with-postgres, or give --database-url")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"portee_nodes_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin_url.rsplit("/", 1)[0] + "/" + name
        report = run(hosts, seconds, connections, workers, url, keep)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (out / f"nodes-{stamp}.json").write_text(json.dumps(report, indent=2))
    for node, load in report["load"].items():
        click.echo(
            f"node {node}: {load['requests_per_s']} req/s, p95 {load['p95_ms']} ms,"
            f" {load['errors']} errors, {load['unavailable']} 'unavailable' pages"
        )
    visible = report["visible_on_other_node"]
    click.echo(
        f"change searchable on node b: p50 {visible['p50_s']} s, p95 {visible['p95_s']} s,"
        f" max {visible['max_s']} s over {visible['changes']} changes"
        f" ({visible['not_seen']} not seen within {VISIBLE_TIMEOUT:.0f} s);"
        f" {report['import_rounds']} import rounds through node a; tracebacks:"
        f" {report['tracebacks']}; written to bench/results/nodes-{stamp}.json"
    )


if __name__ == "__main__":
    main()
