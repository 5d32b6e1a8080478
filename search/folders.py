"""The index on disk: builds behind one link, the locks and the rebuild's journal of changes.

`PORTEE_INDEX_DIR` holds:

    current       a symbolic link to the build in use, replaced atomically by a rebuild
    build-…/      one build: Whoosh's files, `identity.json` (schema, database id) and `mark`
                  (how far in the database's change table this build has applied; search/follow.py)
    rebuild.lock  held (flock) by the one rebuild running, in whatever process
    swap.lock     held shared by each writer while it writes, exclusively by a rebuild's swap
    changes       while a rebuild runs: the organizations committed since it began

A rebuild writes a new build beside the one in use, so readers go on reading the old build
until the link names the new one; swapping the link is one `rename()`, so a reader finds one
build or the other, never none. Whoosh's own lock stays inside each build.

The locks are `flock()` locks: they hold between processes and between threads alike (each
acquisition opens the file again), and the system releases them when a process dies.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

CURRENT = "current"
BUILD_PREFIX = "build-"
IDENTITY = "identity.json"
MARK = "mark"
JOURNAL = "changes"
REBUILD_LOCK = "rebuild.lock"
SWAP_LOCK = "swap.lock"


class Folder:
    def __init__(self, root: str | Path, index_name: str) -> None:
        self.root = Path(root)
        self.link = self.root / CURRENT
        self.index_name = index_name

    # -- the build in use --------------------------------------------------------------------
    def resolve(self) -> Path | None:
        """The build the link names now (None when there is none)."""
        try:
            target = os.readlink(self.link)
        except FileNotFoundError:
            return None
        except OSError:  # not a link: a folder copied without its links (cp -L, copytree)
            return self.link if self.link.is_dir() else None
        return self.root / target

    def new_build(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        return Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{stamp}-", dir=self.root))

    def publish(self, build: Path) -> None:
        """Make `build` the one in use: one atomic rename of a new link over the old one."""
        staged = self.root / f".{CURRENT}-{secrets.token_hex(6)}"
        os.symlink(build.name, staged)
        try:
            os.replace(staged, self.link)
        except IsADirectoryError:
            # A copied folder in place of the link: move it aside first (readers retry).
            self.link.rename(self.root / f"{BUILD_PREFIX}copied-{secrets.token_hex(6)}")
            os.replace(staged, self.link)

    def remove_all_but(self, keep: Path) -> None:
        """Delete the builds no longer in use (readers that still hold one keep their open
        files), unfinished ones of a rebuild that died, and the files of the single-folder
        layout of earlier versions."""
        legacy = (f"_{self.index_name}_", f"{self.index_name}_", "SCHEMA_VERSION")
        for entry in self.root.iterdir():
            name = entry.name
            if entry.is_dir() and not entry.is_symlink() and entry != keep:
                if name.startswith((BUILD_PREFIX, ".rebuild-", ".old-")):
                    shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_file() and name.startswith(legacy):
                entry.unlink(missing_ok=True)

    # -- what a build says of itself ---------------------------------------------------------
    @staticmethod
    def identity(build: Path) -> dict | None:
        try:
            return json.loads((build / IDENTITY).read_text())
        except (OSError, ValueError):
            return None

    @staticmethod
    def write_identity(build: Path, identity: dict) -> None:
        (build / IDENTITY).write_text(json.dumps(identity, sort_keys=True))

    @staticmethod
    def mark(build: Path) -> int | None:
        """The last change-table id this build has applied (None: unknown, an older build)."""
        try:
            return int((build / MARK).read_text())
        except (OSError, ValueError):
            return None

    @staticmethod
    def write_mark(build: Path, mark: int) -> None:
        staged = build / f".{MARK}-{secrets.token_hex(6)}"
        staged.write_text(str(mark))
        os.replace(staged, build / MARK)

    # -- locks -------------------------------------------------------------------------------
    @contextmanager
    def lock(self, name: str, *, shared: bool = False, wait: bool = True) -> Iterator[bool]:
        """Hold the lock `name` for the block; yields False (not held) if `wait` is off and
        someone else holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / name, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            try:
                fcntl.flock(fd, mode if wait else mode | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # releases the lock

    def rebuild_running(self) -> bool:
        with self.lock(REBUILD_LOCK, wait=False) as held:
            return not held

    # -- the journal of changes committed while a rebuild runs -------------------------------
    def start_journal(self) -> None:
        """Called by the rebuild, before it reads the database."""
        fd = os.open(self.root / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.close(fd)

    def record(self, organization_ids: Iterable[int]) -> bool:
        """Called by a writer holding the swap lock (shared): notes the organizations if a
        rebuild is running. One append of one line, atomic between processes."""
        try:
            fd = os.open(self.root / JOURNAL, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            return False
        try:
            os.write(fd, (" ".join(map(str, sorted(organization_ids))) + "\n").encode())
        finally:
            os.close(fd)
        return True

    def take_journal(self) -> set[int]:
        """What the journal holds, which it then forgets (called with the swap lock held
        exclusively, so that no writer appends in between)."""
        path = self.root / JOURNAL
        try:
            with open(path, "r+b") as journal:
                text = journal.read().decode()
                journal.truncate(0)
        except FileNotFoundError:
            return set()
        return {int(word) for word in text.split()}

    def stop_journal(self) -> None:
        (self.root / JOURNAL).unlink(missing_ok=True)
