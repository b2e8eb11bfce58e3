"""bot/locks.py: one holder of a store's lock at a time (threads and real processes), and the change counters.

Other processes are real ``python -c`` children that take the same lock file;
each is told by a line on its stdin when to let go, and is waited for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from bot.errors import StoreError
from bot.locks import Counts, Generation, StoreLock
from tests.conftest import ROOT_DIR

_HOLD = """
import sys
from pathlib import Path
from bot.locks import StoreLock
lock = StoreLock(Path(sys.argv[1]), "the child")
with lock.held():
    print("held", flush=True)
    sys.stdin.readline()
"""

_WAIT = """
import os, sys
from pathlib import Path
from bot.locks import StoreLock
lock = StoreLock(Path(sys.argv[1]), "the test store", timeout=60, on_wait=lambda m: print(m, flush=True))
with lock.held():
    print(f"held by {os.getpid()}", flush=True)
"""


def _child(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT_DIR, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(child: subprocess.Popen[str]) -> None:
    try:
        child.communicate("\n", timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.fixture
def holder(tmp_path):
    """A child process holding the lock on tmp_path/newsbot.lock until the test ends."""
    child = _child(_HOLD, str(tmp_path / "newsbot.lock"))
    try:
        assert child.stdout.readline() == "held\n", child.stderr.read()
        yield child
    finally:
        _finish(child)


def test_while_another_process_holds_the_lock_a_waiter_times_out_naming_its_pid(tmp_path, holder):
    said = []
    lock = StoreLock(tmp_path / "newsbot.lock", "the test store", timeout=1.5, on_wait=said.append)
    with pytest.raises(StoreError) as refused, lock.held():
        pass
    message = str(refused.value)
    assert f"another process (pid {holder.pid}) writing the test store" in message
    assert "NEWSBOT_LOCK_TIMEOUT" in message
    assert said == [f"waiting for another process writing the test store (pid {holder.pid}) …"]
    lock.close()


def test_a_process_waiting_for_the_lock_gets_it_once_the_holder_lets_go(tmp_path):
    path = tmp_path / "newsbot.lock"
    lock = StoreLock(path, "the test store")
    with lock.held():
        waiter = _child(_WAIT, str(path))
        try:
            # the waiter can't have the lock while we hold it, so the first thing it says is whom it waits for
            said = waiter.stdout.readline()
            assert said == f"waiting for another process writing the test store (pid {os.getpid()}) …\n"
        except BaseException:
            waiter.kill()
            waiter.wait()
            raise
    out, err = waiter.communicate(timeout=30)
    assert waiter.returncode == 0, err
    assert out == f"held by {waiter.pid}\n"
    assert lock.holder() == str(waiter.pid)
    lock.close()


def test_the_lock_is_reentrant_in_one_thread_and_held_until_the_outermost_block_ends(tmp_path):
    path = tmp_path / "newsbot.lock"
    lock, probe = StoreLock(path, "outer"), StoreLock(path, "probe", timeout=0.2)  # two open files: flock sees two
    with lock.held():
        with lock.held():
            assert lock.holder() == str(os.getpid())
        with pytest.raises(StoreError), probe.held():
            pass
    with probe.held():
        pass
    lock.close()
    probe.close()


def test_an_exception_inside_the_block_lets_the_lock_go(tmp_path):
    path = tmp_path / "newsbot.lock"
    lock, probe = StoreLock(path, "outer"), StoreLock(path, "probe", timeout=0.2)
    with pytest.raises(RuntimeError), lock.held():
        raise RuntimeError("a failed write")
    with probe.held():
        pass
    lock.close()
    probe.close()


def test_threads_sharing_one_lock_take_turns(tmp_path):
    lock = StoreLock(tmp_path / "newsbot.lock", "the test store", timeout=30)
    total = [0]
    inside = [0]
    overlaps = []

    def work() -> None:
        for _ in range(40):
            with lock.held():
                inside[0] += 1
                overlaps.append(inside[0])
                seen = total[0]
                time.sleep(0)  # let another thread run between the read and the write
                total[0] = seen + 1
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert total[0] == 160 and set(overlaps) == {1}
    lock.close()


def test_a_thread_waiting_on_another_threads_hold_times_out_with_a_store_error(tmp_path):
    lock = StoreLock(tmp_path / "newsbot.lock", "the test store", timeout=0.2)
    failures = []

    def wait() -> None:
        try:
            with lock.held():
                failures.append(None)
        except StoreError as error:
            failures.append(error)

    with lock.held():
        waiter = threading.Thread(target=wait)
        waiter.start()
        waiter.join(timeout=30)
    assert len(failures) == 1 and isinstance(failures[0], StoreError)
    assert "NEWSBOT_LOCK_TIMEOUT" in str(failures[0])
    lock.close()


def test_generation_counts_start_at_zero_and_every_bump_counts_files_and_only_writes_count_content(tmp_path):
    generation = Generation(tmp_path / "newsbot.generation")
    assert generation.read() == Counts(0, 0)
    assert generation.bump(content=True) == Counts(1, 1)
    assert generation.bump(content=False) == Counts(1, 2)
    assert generation.bump(content=True) == Counts(2, 3)
    assert Generation(tmp_path / "newsbot.generation").read() == Counts(2, 3)


def test_a_bump_in_another_process_is_read_back_by_this_ones_handle(tmp_path):
    path = tmp_path / "newsbot.generation"
    mine = Generation(path)
    mine.bump(content=False)
    script = ("import sys; from pathlib import Path; from bot.locks import Generation; "
              "print(Generation(Path(sys.argv[1])).bump(content=True))")
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT_DIR, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert mine.read() == Counts(1, 2)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # the write went through a rename


def test_an_unreadable_counter_file_reads_as_zero(tmp_path):
    path = tmp_path / "newsbot.generation"
    path.write_text("garbage\n", encoding="ascii")
    assert Generation(path).read() == Counts(0, 0)
    assert Generation(path).bump(content=True) == Counts(1, 1)


def test_a_store_folder_that_cannot_be_made_or_written_is_a_store_error_naming_it(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(StoreError, match=r"a-file is a file, not a store folder"):
        StoreLock(tmp_path / "a-file" / "sub" / "newsbot.lock", "x")
    (tmp_path / "store" / "newsbot.lock").mkdir(parents=True)  # open() fails as on a read-only disk
    with pytest.raises(StoreError, match=r"Can't open .*newsbot.lock .*make it writable"):
        StoreLock(tmp_path / "store" / "newsbot.lock", "x")
