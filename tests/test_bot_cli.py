"""``python -m bot``: ask (text and JSON), chat with follow-ups, and the message for an empty store."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT_DIR


def test_the_ask_command_prints_json_with_verbatim_quotes_and_the_words_it_searched_as_others(seed_store):
    store_dir = seed_store.where
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Who called on Baku to unblock the Lachin Coridor?",
         "--store", store_dir, "--json"],
        cwd=ROOT_DIR, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["refused"] is False
    citation = answer["citations"][0]
    body, _ = seed_store.article(citation["article_id"])
    assert body[citation["start"] : citation["end"]] == citation["quote"]
    assert "[1] Russia Urges Baku" in result.stdout
    assert answer["read_as"] == {"Coridor": "Corridor"}
    assert result.stdout.startswith("(Searched for “Corridor” — typed “Coridor”.)\n")


def test_an_empty_store_says_how_to_fill_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Anything?", "--store", str(tmp_path / "empty")],
        cwd=ROOT_DIR, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    assert f"No articles in {tmp_path / 'empty'}. Run: python -m ingest" in result.stderr


def test_the_chat_command_keeps_the_conversation(seed_store):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--store", seed_store.where],
        input="Who is Maria Zakharova?\nWhat did she say about peacekeepers?\n\n",
        cwd=ROOT_DIR, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("\n> ")[1:3]
    assert "Zakharova" in first
    assert "peacekeep" in second
