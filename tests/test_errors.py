"""bot/errors.py: the one hierarchy of errors, and what the command lines make of them (real subprocesses).

The empty store (``python -m bot ask``) and ingest's in-process errors are
checked in tests/test_chain.py and tests/test_ingest_cli.py; here each CLI is
run as a user runs it, on a bad setting and on a store another process holds,
and must answer one ``error:`` line and exit 2, never a traceback.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys

import pytest

from bot import errors
from bot.errors import ArticleError, EmptyStoreError, NewsBotError, StoreError
from bot.locks import StoreLock
from ingest.web import FetchError
from tests.conftest import ROOT_DIR

CLASSES = {name: value for name, value in vars(errors).items()
           if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == errors.__name__}


def _drawn_tree() -> dict[str, str]:
    """child -> parent, as the module docstring draws the hierarchy."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        found = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z][A-Za-z]+Error)\b", line)
        if not found:
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[found.group(2)] = stack[-1][1]
        stack.append((depth, found.group(2)))
    return parents


def test_every_error_of_the_project_is_a_newsbot_error():
    assert set(CLASSES) == {"NewsBotError", "ConfigError", "ArticleError", "StoreError", "EmptyStoreError",
                            "BackendError", "RequestError"}
    for error in [*CLASSES.values(), FetchError]:
        assert issubclass(error, NewsBotError), error
    assert NewsBotError.__bases__ == (Exception,)


def test_an_empty_store_is_a_store_error_and_a_failed_fetch_is_an_article_error():
    assert issubclass(EmptyStoreError, StoreError)
    assert issubclass(FetchError, ArticleError)


def test_the_hierarchy_the_module_docstring_draws_is_the_real_one():
    drawn = _drawn_tree()
    assert set(drawn) | {"NewsBotError"} == set(CLASSES)
    assert {child: CLASSES[child].__bases__[0].__name__ for child in drawn} == drawn


def test_an_article_error_says_where_and_what_and_keeps_both():
    error = ArticleError("feeds/wire.jsonl:3", "not JSON; fix the line or remove it")
    assert str(error) == "feeds/wire.jsonl:3: not JSON; fix the line or remove it"
    assert (error.where, error.problem) == ("feeds/wire.jsonl:3", "not JSON; fix the line or remove it")


def _cli(command: list[str], store_dir, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command, "--store", str(store_dir)], cwd=ROOT_DIR,
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env})


COMMANDS = {"bot": ["bot", "articles"], "ingest": ["ingest", "no-such-article.txt"]}


@pytest.mark.parametrize("cli", COMMANDS)
def test_a_bad_setting_is_one_error_line_and_exit_status_2(cli, tmp_path):
    result = _cli(COMMANDS[cli], tmp_path / "store", NEWSBOT_LOCK_TIMEOUT="0")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: Bad setting (lock_timeout: Input should be greater than 0). Fix the flag, the NEWSBOT_* variable "
        "or .env."]


@pytest.mark.parametrize("cli", COMMANDS)
def test_a_store_held_by_another_process_is_one_error_line_naming_it_and_exit_status_2(cli, tmp_path):
    store_dir = tmp_path / "store"
    lock = StoreLock(store_dir / "newsbot.lock", "the test")
    with lock.held():
        result = _cli(COMMANDS[cli], store_dir, NEWSBOT_LOCK_TIMEOUT="1")
    lock.close()
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: Waited 1 s for another process (pid {os.getpid()}) writing {store_dir}; if it is stuck, stop it, "
        "or raise NEWSBOT_LOCK_TIMEOUT"]


def test_a_store_path_that_is_a_file_is_one_error_line(tmp_path):
    not_a_folder = tmp_path / "articles.jsonl"
    not_a_folder.write_text("{}\n", encoding="utf-8")
    result = _cli(["bot", "articles"], not_a_folder)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
