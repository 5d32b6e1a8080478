"""The load run: gunicorn (2 workers) serving the app on 127.0.0.1, a load generator on
127.0.0.1, first quietly, then while the importer writes to the same database and index.

The load generator is `wrk` (Debian package `wrk`) with a Lua script that rotates a few search
URLs and counts pages saying "search is unavailable"; without wrk, a bounded Python generator
(threads, one keep-alive connection each). Every loop is bounded in time and in count, and all
traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from bench import generate
from bench.run import ROOT, UNAVAILABLE_MARKERS, Options, SizeBench
from bench.stats import peak_rss_mb, percentile, rss_mb

WORKERS = 2
WRK_THREADS = 1  # one event loop is plenty for 16 connections; leaves the cores to the server
TIMEOUT_S = 5  # a request slower than this counts as an error (a timeout)
MAX_IMPORT_ROUNDS = 20
CHANGED_SHARE = 0.02  # of service files edited before each import round
LOAD_URLS = [
    "/search?q=pad",
    "/search?q=visio&language=fr",
    "/search?q=partage+de+fichiers",
    "/search?q=nextcloud&country=FR",
    "/search?q=etherpda",
    "/search?q=sondage&registration=none",
    "/search?q=cloud&page=2",
    "/search?q=jitsi",
]

LUA = """
local paths = {%(paths)s}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  counter = math.random(1, #paths)
  unavailable = 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body)
  if body and (string.find(body, "%(marker_en)s", 1, true) or
               string.find(body, "%(marker_fr)s", 1, true)) then
    unavailable = unavailable + 1
  end
end
function done(summary, latency, requests)
  local u = 0
  for _, t in ipairs(threads) do u = u + t:get("unavailable") end
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "unavailable": %%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, u))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def wrk_load(port: int, seconds: int, connections: int, folder: Path) -> dict:
    script = folder / "rotate.lua"
    script.write_text(
        LUA
        % {
            "paths": ", ".join(json.dumps(u) for u in LOAD_URLS),
            "marker_en": UNAVAILABLE_MARKERS[0],
            "marker_fr": UNAVAILABLE_MARKERS[1],
        },
        encoding="utf-8",
    )
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", f"--timeout={TIMEOUT_S}s",
        "-s", str(script), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    data = json.loads(line[len("BENCH ") :])
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    elapsed = data["duration_us"] / 1e6
    return {
        "seconds": round(elapsed, 1),
        "requests": data["requests"],
        "requests_per_s": round(data["requests"] / elapsed, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        "non_2xx": data["status"],
        "socket_errors": socket_errors,
        "unavailable": data["unavailable"],
        "errors": data["status"] + socket_errors,
    }


def python_load(port: int, seconds: int, connections: int, max_requests: int = 200_000) -> dict:
    """A bounded load generator: `connections` threads, keep-alive, until time or count."""
    latencies: list[float] = []
    counts = {"non_2xx": 0, "socket_errors": 0, "unavailable": 0, "requests": 0}
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    per_thread = max_requests // connections

    def worker(offset: int) -> None:
        mine: list[float] = []
        mine_counts = dict.fromkeys(counts, 0)
        connection = None
        for n in range(per_thread):
            if time.perf_counter() >= deadline:
                break
            url = LOAD_URLS[(offset + n) % len(LOAD_URLS)]
            begin = time.perf_counter()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
                connection.request("GET", url)
                response = connection.getresponse()
                body = response.read().decode("utf-8", "replace")
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                mine_counts["socket_errors"] += 1
                if connection is not None:
                    connection.close()
                connection = None
                continue
            mine.append(time.perf_counter() - begin)
            mine_counts["requests"] += 1
            if not 200 <= response.status < 300:
                mine_counts["non_2xx"] += 1
            elif any(marker in body for marker in UNAVAILABLE_MARKERS):
                mine_counts["unavailable"] += 1
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)
            for key, value in mine_counts.items():
                counts[key] += value

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 2 * TIMEOUT_S + 10)
    elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies] or [0.0]
    return {
        "seconds": round(elapsed, 1),
        "requests": counts["requests"],
        "requests_per_s": round(counts["requests"] / elapsed, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "non_2xx": counts["non_2xx"],
        "socket_errors": counts["socket_errors"],
        "unavailable": counts["unavailable"],
        "errors": counts["non_2xx"] + counts["socket_errors"],
    }


def _import_loop(bench: SizeBench, stop: threading.Event, rounds: list, seed: int) -> None:
    """Edit a few service files, re-import the federation; again until told to stop (bounded)."""
    rng = random.Random(seed)
    written = [s for s in bench.federation.services if s.written]
    for number in range(1, MAX_IMPORT_ROUNDS + 1):
        if stop.is_set():
            return
        chosen = rng.sample(written, max(1, int(len(written) * CHANGED_SHARE)))
        for service in chosen:
            generate.touch_description(service, number)
        started = time.perf_counter()
        try:
            result = bench.import_federation(
                bench.federation.shards, f"Import round {number}", "bench-load", progress=False
            )
        except Exception as exc:  # reported, not raised: the load run goes on
            rounds.append({"round": number, "error": repr(exc)})
            return
        rounds.append(
            {
                "round": number,
                "seconds": round(time.perf_counter() - started, 1),
                "edited_files": len(chosen),
                "changed": result["changed"],
            }
        )


def run_load(bench: SizeBench, options: Options) -> dict:
    site = (bench.folder / "site").resolve()
    port = free_port()
    log_path = bench.folder / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{site / 'portee.sqlite3'}",
        "PORTEE_INDEX_DIR": str(site / "index"),
        "SECRET_KEY": "bench-secret",
    }
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
        "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning",
        "--error-logfile", str(log_path), "app:app",
    ]  # fmt: skip
    tool = "wrk" if shutil.which("wrk") else "python"
    generate_load = (
        (lambda seconds: wrk_load(port, seconds, options.connections, bench.folder))
        if tool == "wrk"
        else (lambda seconds: python_load(port, seconds, options.connections))
    )
    process = subprocess.Popen(
        command, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    rounds: list[dict] = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
            while True:
                try:
                    if client.get("/search?q=pad").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start: see {log_path}")
                time.sleep(0.2)
            for _ in range(2 * WORKERS):  # warm both workers on every URL
                for url in LOAD_URLS:
                    client.get(url)
        idle = generate_load(options.idle_seconds)
        stop = threading.Event()
        importer = threading.Thread(
            target=_import_loop, args=(bench, stop, rounds, options.seed), daemon=True
        )
        importer.start()
        importing = generate_load(options.load_seconds)
        stop.set()
        importer.join(timeout=600)
        workers = worker_pids(process.pid)
        worker_peak = [peak_rss_mb(pid) for pid in workers]
        worker_now = [rss_mb(pid) for pid in workers]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    return {
        "tool": tool,
        "workers": WORKERS,
        "connections": options.connections,
        "organizations": bench.size,
        "urls": LOAD_URLS,
        "idle": idle,
        "importing": importing,
        "import_rounds": sum(1 for r in rounds if "error" not in r),
        "import_round_details": rounds,
        "worker_peak_rss_mb": max(worker_peak) if worker_peak else 0.0,
        "worker_rss_mb": worker_now,
        "server_tracebacks": log.count("Traceback"),
    }


LUA_CACHED = """
local paths = {%(paths)s}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  counter = math.random(1, #paths)
  hits = 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body)
  local cache = headers["X-Cache-Status"] or headers["x-cache-status"]
  if cache == "HIT" or cache == "STALE" or cache == "UPDATING" or cache == "REVALIDATED" then
    hits = hits + 1
  end
end
function done(summary, latency, requests)
  local h = 0
  for _, t in ipairs(threads) do h = h + t:get("hits") end
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "hits": %%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, h))
end
"""


def run_cached_load(bench: SizeBench, options: Options) -> dict:
    """Run (b): Debian's nginx with the shipped deploy/nginx/portee.conf in front of one node
    (gunicorn with deploy/gunicorn.conf.py, 2 workers); wrk asks nginx for the anonymous
    search pages. Reports requests per second, errors and the share nginx served from its
    cache (X-Cache-Status HIT, or STALE/UPDATING/REVALIDATED)."""
    from bench import nginx

    if not shutil.which("wrk") or nginx.executable() is None:
        return {"skipped": "needs Debian's wrk and nginx"}
    site = (bench.folder / "site").resolve()
    app_port, port = free_port(), free_port()
    folder = bench.folder / "nginx"
    log_path = bench.folder / "gunicorn-cached.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{site / 'portee.sqlite3'}",
        "PORTEE_INDEX_DIR": str(site / "index"),
        "SECRET_KEY": "bench-secret",
        "PORTEE_TRUSTED_PROXIES": "1",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    app_command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{app_port}", "--log-level", "warning",
        "--error-logfile", str(log_path),
    ]  # fmt: skip
    app_process = subprocess.Popen(
        app_command, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    proxy = subprocess.Popen(
        nginx.command(folder, port, f"127.0.0.1:{app_port}", workers="auto"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
            while True:
                try:
                    if client.get("/search?q=pad").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or app_process.poll() or proxy.poll():
                    raise RuntimeError(f"nginx or gunicorn did not start: see {folder}")
                time.sleep(0.2)
        script = bench.folder / "cached.lua"
        script.write_text(
            LUA_CACHED % {"paths": ", ".join(json.dumps(u) for u in LOAD_URLS)}, encoding="utf-8"
        )
        seconds = options.idle_seconds + options.load_seconds
        command = [
            "wrk", f"-t{WRK_THREADS}", f"-c{options.connections}", f"-d{seconds}s",
            f"--timeout={TIMEOUT_S}s", "-s", str(script), base,
        ]  # fmt: skip
        output = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
        line = next(line for line in output.splitlines() if line.startswith("BENCH "))
        data = json.loads(line[len("BENCH ") :])
        workers = worker_pids(app_process.pid)
        worker_peak = [peak_rss_mb(pid) for pid in workers]
    finally:
        for process in (proxy, app_process):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=30)
    elapsed = data["duration_us"] / 1e6
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return {
        "tool": "wrk",
        "workers": WORKERS,
        "connections": options.connections,
        "organizations": bench.size,
        "urls": LOAD_URLS,
        "seconds": round(elapsed, 1),
        "requests": data["requests"],
        "requests_per_s": round(data["requests"] / elapsed, 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "non_2xx": data["status"],
        "socket_errors": socket_errors,
        "errors": data["status"] + socket_errors,
        "cache_hits": data["hits"],
        "cache_share": round(data["hits"] / max(1, data["requests"]), 4),
        "worker_peak_rss_mb": max(worker_peak) if worker_peak else 0.0,
    }
