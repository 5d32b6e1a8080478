"""Debian's nginx with the shipped site file (deploy/nginx/portee.conf) on 127.0.0.1, for the
benchmark's cached load run and the tests (tests/servers.py): the file's production paths and
addresses are replaced by local ones, nothing else is changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_FILE = ROOT / "deploy" / "nginx" / "portee.conf"

MAIN = """
{user}
daemon off;
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/portee.conf;
}}
"""


def executable() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


def site_file(folder: Path, port: int, app_address: str) -> str:
    """The shipped site file, listening on 127.0.0.1:`port`, caching into `folder`, serving
    the checkout's static files, in front of the app at `app_address` (host:port)."""
    text = SITE_FILE.read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "listen [::]:80;": "",
        "/var/cache/nginx/portee": str(folder / "cache"),
        "/srv/portee/": f"{ROOT}/",
        "server 127.0.0.1:8000;": f"server {app_address};",
    }
    for old, new in replacements.items():
        if old not in text:
            raise ValueError(f"deploy/nginx/portee.conf no longer says {old!r}")
        text = text.replace(old, new)
    return text


def command(folder: Path, port: int, app_address: str, workers: str = "1") -> list[str]:
    """Writes the configuration into `folder`; the command that runs nginx in the foreground."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "portee.conf").write_text(site_file(folder, port, app_address))
    # As root, nginx's workers would become another user, who could not read these files.
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(MAIN.format(user=user, folder=folder, workers=workers))
    program = executable()
    if program is None:
        raise FileNotFoundError("nginx is not installed (Debian package nginx)")
    return [
        program,
        "-p",
        str(folder),
        "-e",
        str(folder / "error.log"),
        "-c",
        str(folder / "nginx.conf"),
    ]
