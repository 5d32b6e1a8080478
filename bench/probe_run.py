"""The probe run at scale: `python -m bench.probe_run [--services 10000] [--quick]`.

Issue 14 asks that 10,000 services be all checked within one 5-minute interval, and that the
search page's p95 measured during the run move by no more than 20 %. This builds that:

1. **A site** with SERVICES offered services: a federation from the benchmark's generator
   (about 8 services per host), bulk-loaded (bench/bulk.py), its index rebuilt.
2. **A farm** (bench/probe_farm.py, its own process): each service gets its own host name under
   `bench.example` on one HTTPS port of 127.0.0.1, certificate from a local authority
   (trustme): working installs of each software (most), parking pages answering 200, 500s, 502s,
   slow installs (3 s), servers that never answer (cut by the probe's deadline) and dead ports,
   in the MIX below. The run's resolver sends `*.bench.example` to 127.0.0.1: no name is looked
   up, no request leaves the machine.
3. **A searcher** (`python -m bench.probe_run search SITE`, its own process, as a web worker):
   the query mix's result pages through the WSGI app in a loop, each timed.
4. **The run**: `run_probes` — what `flask probes run` calls — with the default settings
   (interval 300 s, concurrency, 2 per host, jitter, 10 s deadline), its budget and all. The
   searcher's pages are compared between the idle window before the run and the run itself.

The report (printed, and `bench/results/probes-latest.json`) says how many services were due,
checked and left over, in how long, the outcomes against the mix, and search p50/p95 idle and
during the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import json
import math
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from bench import generate
from bench.probe_farm import SLOW_SECONDS, host_name
from bench.run import ROOT, make_app, prepare
from bench.stats import machine, summary_ms

# Share of services of each kind (bench/probe_farm.py): what a directory of small hosts meets.
MIX = (("w", 0.80), ("p", 0.04), ("e", 0.02), ("g", 0.03), ("s", 0.05), ("t", 0.03), ("d", 0.03))
KIND_NAMES = {
    "w": "working",
    "p": "parking page",
    "e": "500",
    "g": "502",
    "s": "slow (3 s)",
    "t": "never answers",
    "d": "dead port",
}
# What each kind should be found as (directory/probes/checks.py outcomes); a parking page is
# `failed` where the software has a functional check, `up` where only the generic check runs.
EXPECTED = {"w": "up", "s": "up", "p": "failed", "e": "down", "g": "down", "t": "down", "d": "down"}
LOOPBACK = ipaddress.ip_address("127.0.0.1")
PROBE_NICE = 10  # the probe run's niceness in production (deploy/systemd)


def kind_of(index: int) -> str:
    """The kind of the index-th service: the mix spread evenly (deterministic, no clustering)."""
    position = (index * 0.6180339887) % 1.0  # golden-ratio spacing
    total = 0.0
    for kind, share in MIX:
        total += share
        if position < total:
            return kind
    return MIX[0][0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def resolver(host: str, _port: int):
    from directory.outbound.guard import Refused

    if host.endswith(".bench.example"):
        return [LOOPBACK]
    raise Refused("host_not_found", host=host)


# -- the site ----------------------------------------------------------------------------------
def build_site(folder: Path, services: int, seed: int, port: int, dead_port: int) -> dict:
    """A site whose first `services` offered services point at the farm; returns counts."""
    from sqlalchemy import text

    from bench.bulk import bulk_load
    from directory.db import get_database

    hosts = folder / "hosts"
    hosts.mkdir(parents=True, exist_ok=True)
    organizations = max(2, math.ceil(services / 7.5))
    federation = generate.generate(hosts, organizations, "http://127.0.0.1:9", seed=seed)
    (folder / "site").mkdir(exist_ok=True)
    app = make_app(folder / "site")
    prepare(app)
    started = time.perf_counter()
    with app.app_context():
        database = get_database(app)
        bulk_load(database, federation, federation.shards)
        kinds: Counter = Counter()
        with database.engine.begin() as connection:
            rows = connection.execute(
                text(
                    "SELECT service.id, software.slug FROM service "
                    "LEFT JOIN software ON software.id = service.software_id "
                    "WHERE service.retired_at IS NULL AND service.website IS NOT NULL "
                    "ORDER BY service.id"
                )
            ).all()
            updates = []
            for index, (service_id, slug) in enumerate(rows):
                if index >= services:
                    updates.append({"id": service_id, "website": None})
                    continue
                kind = kind_of(index)
                kinds[kind] += 1
                target = dead_port if kind == "d" else port
                address = f"https://{host_name(kind, service_id, slug)}:{target}/"
                updates.append({"id": service_id, "website": address})
            connection.execute(
                text("UPDATE service SET website = :website WHERE id = :id"), updates
            )
        app.extensions["portee.search"].rebuild()
    return {
        "organizations": organizations,
        "services": min(services, len(rows)),
        "kinds": {KIND_NAMES[k]: kinds[k] for k, _share in MIX},
        "site_s": round(time.perf_counter() - started, 1),
    }


# -- the farm ----------------------------------------------------------------------------------
class FarmProcess:
    def __init__(self, folder: Path) -> None:
        import trustme

        self.ca = trustme.CA()
        certificate = self.ca.issue_cert("*.bench.example")
        self.cert = folder / "farm-cert.pem"
        self.key = folder / "farm-key.pem"
        certificate.cert_chain_pems[0].write_to_path(self.cert)
        for pem in certificate.cert_chain_pems[1:]:
            pem.write_to_path(self.cert, append=True)
        certificate.private_key_pem.write_to_path(self.key)
        self.port = free_port()
        # A dead port: bound, never listening, so connections to it are refused.
        self._dead = socket.socket()
        self._dead.bind(("127.0.0.1", 0))
        self.dead_port = self._dead.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def start(self, slow: float, nice: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.probe_farm", str(self.port), str(self.cert)]
            + [str(self.key), str(slow), str(nice)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the probe farm did not start: {line!r}")

    def trust(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self._dead.close()


# -- the searcher ------------------------------------------------------------------------------
def search_loop(site: Path, out: Path, quick: bool) -> None:
    """Serve the query mix's pages until SIGTERM; write (time, seconds) per page to `out`."""
    os.environ.update(
        DATABASE_URL=f"sqlite:///{site / 'portee.sqlite3'}",
        PORTEE_INDEX_DIR=str(site / "index"),
        SECRET_KEY="bench-secret",
        PORTEE_PAGE_CACHE_SIZE="0",  # pages rendered every time, as in the benchmark
    )
    from app import app
    from bench.queries import QUERIES, QUICK

    queries = QUICK if quick else QUERIES
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    client = app.test_client()
    for query in queries:  # warm-up, not recorded
        client.get(query.url(), follow_redirects=True)
    print("ready", flush=True)
    samples = []
    while not stopping:
        for query in queries:
            if stopping:
                break
            started = time.perf_counter()
            response = client.get(query.url(), follow_redirects=True)
            response.get_data()
            samples.append((time.time(), time.perf_counter() - started, response.status_code))
    out.write_text(json.dumps(samples))


class Searcher:
    def __init__(self, site: Path, folder: Path, quick: bool) -> None:
        self.out = folder / "search-samples.json"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.probe_run", "search", str(site), str(self.out)]
            + (["--quick"] if quick else []),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the searcher did not start: {line!r}")

    def stop(self) -> list[tuple[float, float, int]]:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.process.stdout.close()
        return [tuple(sample) for sample in json.loads(self.out.read_text())]


def expected_outcome(address: str) -> str:
    from directory.probes.checks import CHECKS

    kind, _id, slug = urlsplit(address).hostname.split(".", 1)[0].split("-", 2)
    if kind == "p" and slug not in CHECKS:
        return "up"
    return EXPECTED[kind]


def compare_outcomes(database) -> dict:
    """Each checked service's outcome against what its kind should give."""
    from sqlalchemy import text

    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT service.website, probestate.last_outcome FROM probestate "
                "JOIN service ON service.id = probestate.service_id"
            )
        ).all()
    wrong = [
        (address, outcome) for address, outcome in rows if expected_outcome(address) != outcome
    ]
    return {"compared": len(rows), "as_expected": len(rows) - len(wrong), "unexpected": wrong[:10]}


def window(samples, start: float, end: float) -> dict:
    inside = [seconds for at, seconds, _status in samples if start <= at <= end]
    errors = sum(1 for at, _s, status in samples if start <= at <= end and status != 200)
    return {"pages": len(inside), "errors": errors, **summary_ms(inside)}


# -- the run -----------------------------------------------------------------------------------
def run_probe_bench(
    services: int, work: Path, seed: int, idle_seconds: float, quick: bool, progress: bool
) -> dict:
    from directory.db import get_database
    from directory.outbound.fetch import Fetcher
    from directory.outbound.guard import AddressPolicy
    from directory.probes.runner import MAX_BYTES, ProbeSettings, run_probes

    report: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    report["machine"] = machine()
    folder = work / "probes"
    folder.mkdir(parents=True, exist_ok=True)
    farm = FarmProcess(folder)
    click.echo(f"Building a site of {services} services…")
    report["site"] = build_site(folder, services, seed, farm.port, farm.dead_port)
    app = make_app(folder / "site")
    settings = ProbeSettings.from_config(app.config)
    slow, farm_nice, probe_nice = SLOW_SECONDS, 15, PROBE_NICE
    if quick:
        # The CI smoke: the same kinds, shorter waits, and no niceness: in a test process that
        # shares two cores with another test worker, a niced farm can miss a 5 s deadline.
        settings = dataclasses.replace(settings, deadline=5.0, jitter=0.5)
        slow, farm_nice, probe_nice = 0.5, 0, 0
    report["settings"] = {
        "interval_s": settings.interval,
        "budget_s": round(settings.budget, 1),
        "concurrency": settings.concurrency,
        "per_host": settings.per_host,
        "jitter_s": settings.jitter,
        "deadline_s": settings.deadline,
    }
    farm.start(slow, farm_nice)
    searcher = None
    try:
        searcher = Searcher(folder / "site", folder, quick)
        idle_start = time.time()
        time.sleep(idle_seconds)
        idle_end = time.time()
        policy = AddressPolicy(
            trusted=(ipaddress.ip_network("127.0.0.1/32"),), any_port=True, resolver=resolver
        )
        fetcher = Fetcher(
            policy=policy,
            max_bytes=MAX_BYTES,
            deadline=settings.deadline,
            ssl_context=farm.trust(),
        )
        bar = None
        # As the shipped systemd unit runs it (deploy/systemd/portee-probes.service: Nice=10).
        if probe_nice:
            os.nice(probe_nice)
        with app.app_context(), fetcher:
            run_start = time.time()

            def started(count: int) -> None:
                nonlocal bar
                if progress:
                    bar = click.progressbar(length=count, label="Probes")
                    bar.__enter__()

            summary = run_probes(
                get_database(app),
                fetcher,
                settings,
                on_start=started,
                on_progress=(lambda: bar.update(1)) if progress else None,
            )
            run_end = time.time()
            if bar is not None:
                bar.__exit__(None, None, None)
        samples = searcher.stop()
        searcher = None
    finally:
        if searcher is not None:
            with contextlib.suppress(Exception):
                searcher.stop()
        farm.stop()
    idle = window(samples, idle_start, idle_end)
    during = window(samples, run_start, run_end)
    report["run"] = {
        "due": summary.due,
        "checked": summary.checked,
        "left": summary.left,
        "seconds": round(summary.seconds, 1),
        "checks_per_s": round(summary.checked / max(summary.seconds, 1e-6), 1),
        "within_interval": summary.left == 0 and summary.seconds <= settings.interval,
        "outcomes": dict(summary.outcomes),
        "compared": compare_outcomes(get_database(app)),
    }
    report["search_page"] = {
        "idle": idle,
        "during": during,
        "p95_change": round(during["p95_ms"] / idle["p95_ms"] - 1, 3) if idle["p95_ms"] else None,
    }
    return report


def echo(report: dict) -> None:
    site, run, page = report["site"], report["run"], report["search_page"]
    click.echo(
        f"\n{site['services']} services of {site['organizations']} hosts: "
        + ", ".join(f"{count} {kind}" for kind, count in site["kinds"].items())
    )
    click.echo(
        f"Run: {run['due']} due, {run['checked']} checked, {run['left']} left, in "
        f"{run['seconds']} s ({run['checks_per_s']} checks/s; interval "
        f"{report['settings']['interval_s']:.0f} s, budget {report['settings']['budget_s']} s, "
        f"concurrency {report['settings']['concurrency']})"
    )
    compared = run["compared"]
    click.echo(
        f"Outcomes: {run['outcomes']}; {compared['as_expected']} of {compared['compared']} "
        "services found as their kind should be"
        + (f" (unexpected: {compared['unexpected']})" if compared["unexpected"] else "")
    )
    idle, during = page["idle"], page["during"]
    click.echo(
        f"Search page: idle p50 {idle['p50_ms']} ms p95 {idle['p95_ms']} ms ({idle['pages']} "
        f"pages); during the run p50 {during['p50_ms']} ms p95 {during['p95_ms']} ms "
        f"({during['pages']} pages, {during['errors']} errors); p95 change "
        f"{page['p95_change']:+.0%}"
    )
    m = report["machine"]
    click.echo(
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}); load average at start "
        f"{m['load_average_at_start']}"
    )


@click.group(invoke_without_command=True)
@click.option("--services", default=10000, show_default=True, help="Services to probe.")
@click.option("--quick", is_flag=True, help="CI smoke: 120 services, a short idle window.")
@click.option("--idle-seconds", default=20.0, show_default=True, help="Search timed before.")
@click.option("--seed", default=2024, show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path), default=ROOT / "bench" / "results", show_default=True
)
@click.option("--keep", is_flag=True, help="Keep the working folder.")
@click.pass_context
def main(ctx, services, quick, idle_seconds, seed, out, keep) -> None:
    """Probe SERVICES services on 127.0.0.1 while the search page is timed."""
    if ctx.invoked_subcommand is not None:
        return
    if quick:
        services, idle_seconds = 120, 3.0
    work = Path(tempfile.mkdtemp(prefix="portee-probes-"))
    try:
        report = run_probe_bench(services, work, seed, idle_seconds, quick, progress=not quick)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    stamp = report["started_at"].replace(":", "").replace("-", "")[:15]
    text = json.dumps(report, indent=2, ensure_ascii=False)
    (out / f"probes-{stamp}.json").write_text(text, encoding="utf-8")
    (out / "probes-latest.json").write_text(text, encoding="utf-8")
    echo(report)


@main.command("search")
@click.argument("site", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--quick", is_flag=True)
def search_command(site, out, quick) -> None:
    """(internal) the searcher process."""
    search_loop(site, out, quick)


if __name__ == "__main__":
    main()
