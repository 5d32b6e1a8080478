"""Real servers from Debian's packages (redis-server, nginx) and gunicorn, started by tests on
127.0.0.1 and free ports, each start bounded in time, each stopped by the test that started
it. Where a package is missing the test is skipped, except in CI (`make system-test-deps`
installs them there)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ is not installed
from bench.nginx import command as nginx_command  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60  # a loaded machine: bounded, but not tight


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def program(name: str, package: str) -> str:
    """The path of a Debian program, or skip (fail in CI) when it is not installed."""
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )
    if path is None:
        message = f"{name} is not installed (Debian package {package}: make system-test-deps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, log: Path):
    deadline = time.monotonic() + START_SECONDS
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{what} did not start:\n{text}")
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=5, trust_env=False)
    except httpx.TransportError:
        return False
    return True


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throwaway redis-server that keeps nothing on disk; yields its redis:// URL."""
    executable = program("redis-server", "redis-server")
    port = free_port()
    log = folder / "redis.log"
    command = [
        executable, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
        "--appendonly", "no", "--dir", str(folder), "--logfile", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def ready() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        wait_until(ready, process, "redis-server", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


def site_environment(folder: Path, **extra: str) -> dict:
    """The environment of a Portée process over the site in `folder` (SQLite, index)."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'portee.sqlite3'}",
        "PORTEE_INDEX_DIR": str(folder / "index"),
        "SECRET_KEY": "test-secret",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def flask_command(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=site_environment(folder),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


@contextmanager
def gunicorn(folder: Path, **extra: str) -> Iterator[str]:
    """The app under gunicorn with the shipped deploy/gunicorn.conf.py (one worker), on a free
    port of 127.0.0.1; yields its base URL."""
    port = free_port()
    log = folder / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--error-logfile", str(log),
    ]  # fmt: skip
    env = site_environment(folder, **extra)
    with log.open("ab") as output:  # what the app and gunicorn write to stderr goes there too
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(base + "/static/portee.css"), process, "gunicorn", log)
        yield base
    finally:
        stop(process)


@contextmanager
def nginx(folder: Path, app_base: str) -> Iterator[str]:
    """Debian's nginx with the shipped site file, in front of the app at `app_base`."""
    program("nginx", "nginx")
    port = free_port()
    command = nginx_command(folder, port, app_base.removeprefix("http://"))
    log = folder / "error.log"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(base + "/static/portee.css"), process, "nginx", log)
        yield base
    finally:
        stop(process)
