"""One writer at a time per store folder, across threads and processes, and a counter of what changed.

Chroma's embedded client is not process-safe: two processes that write one
folder at once, or one that loads the vector index while another persists it,
corrupt or fail ("Nothing found on disk", "Error getting embedding"). So every
step that may write the folder -- a write, opening a client (its first read
replays the log into the vector index and may persist it), a repair, a keyword
index catch-up -- runs holding ``StoreLock``: an exclusive ``flock`` on a file in
the store folder, plus a thread lock for the threads of one process. The holder
writes its pid into the lock file, so a waiter can say whom it waits for.

Beside the lock, ``Generation`` counts in a small file what happened to the
folder: ``content`` goes up with every write of articles (readers then reload
their vector index and catch up their keyword index), ``files`` with anything
that may have touched Chroma's files, opening included (a writer then reopens
its client before writing, so it never persists a vector index older than the
files). Reading it costs one small file read, so a reader can check per question.

What it leaves out: Windows (``fcntl``) and network file systems whose ``flock``
is not shared between machines; use the Chroma server there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StoreError

#: Waiting longer than this for the lock is said (once per wait) through ``on_wait``.
_SAY_AFTER = 1.0
_POLL = 0.05
#: Every open StoreLock of this process, for ``_close_in_child``.
_OPEN: weakref.WeakSet[StoreLock] = weakref.WeakSet()


def _close_in_child() -> None:
    """A forked child closes its copies of the lock files. A ``flock`` belongs to the open file, which a fork
    shares: a child (ingest reads a big page in one) that outlived a parent killed while it held the lock, or
    that shared the file when the parent took it later, kept the store locked until it ended, minutes for a
    slow page, every other process waiting on a dead pid. Closing a copy releases nothing the parent holds."""
    for lock in list(_OPEN):
        with contextlib.suppress(OSError, ValueError):
            lock._file.close()


os.register_at_fork(after_in_child=_close_in_child)


class StoreLock:
    """An exclusive lock on a store folder, re-entrant within a thread, waited for with a timeout."""

    def __init__(self, path: Path, what: str, timeout: float = 600.0,
                 on_wait: Callable[[str], None] | None = None) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            in_the_way = next((folder for folder in [path.parent, *path.parent.parents] if folder.is_file()),
                              path.parent)
            raise StoreError(f"{in_the_way} is a file, not a store folder: give --store (NEWSBOT_STORE_DIR) "
                             "a folder, new or one made by the bot") from None
        except OSError as exc:
            raise StoreError(f"Can't make the store folder {path.parent} ({exc.strerror}); check its "
                             "permissions, or give --store (NEWSBOT_STORE_DIR) another folder") from None
        self.path = path
        self.what = what
        self.timeout = timeout
        self.on_wait = on_wait
        self._threads = threading.RLock()
        self._depth = 0
        try:
            self._file = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the lock's life
        except OSError as exc:
            raise StoreError(f"Can't open {path} ({exc.strerror}): the bot writes in the store folder "
                             f"{path.parent} to ask as well as to ingest (its lock and keyword index live there); "
                             "make it writable, or copy the store to a folder that is") from None
        _OPEN.add(self)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block (waiting up to ``timeout`` seconds for another holder)."""
        started = time.monotonic()
        if not self._threads.acquire(timeout=self.timeout):
            raise StoreError(self._timeout_message(started))
        try:
            if self._depth == 0:
                self._acquire_file(started)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _acquire_file(self, started: float) -> None:
        said = False
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited > self.timeout:
                    raise StoreError(self._timeout_message(started)) from None
                if not said and waited > _SAY_AFTER and self.on_wait:
                    self.on_wait(f"waiting for another process writing {self.what} (pid {self.holder() or '?'}) …")
                    said = True
                time.sleep(_POLL)
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def holder(self) -> str:
        """The pid the current holder wrote (it may be a finished one's, if nobody holds the lock)."""
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def _timeout_message(self, started: float) -> str:
        return (f"Waited {time.monotonic() - started:.0f} s for another process (pid {self.holder() or '?'}) "
                f"writing {self.what}; if it is stuck, stop it, or raise NEWSBOT_LOCK_TIMEOUT")

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class Counts:
    content: int = 0
    files: int = 0


class Generation:
    """Two counters in a file, changed only by the lock's holder; readable by anyone at any time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Counts:
        try:
            content, files = self.path.read_text(encoding="ascii").split()
            return Counts(int(content), int(files))
        except (OSError, ValueError):
            return Counts()

    def bump(self, content: bool) -> Counts:
        """Count one more touch of the files (and of the content, if ``content``). Hold the lock."""
        now = self.read()
        new = Counts(now.content + (1 if content else 0), now.files + 1)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(f"{new.content} {new.files}\n", encoding="ascii")
        os.replace(tmp, self.path)
        return new
