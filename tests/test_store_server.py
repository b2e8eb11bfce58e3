"""The same ingest against a real `chroma run` server on 127.0.0.1 gives the same counts."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.store import open_store
from ingest.pipeline import ingest
from tests.conftest import ROOT_DIR, SAMPLES


def test_the_dev_articles_sync_the_same_way_on_a_chroma_server(chroma_server, eval_copy, fake_indexer, tmp_path):
    host, port, _ = chroma_server
    store = open_store(tmp_path, host, port, "news")  # tmp_path: where the keyword index file goes
    first = ingest([eval_copy], store, fake_indexer)
    assert (first.added, first.failed, first.articles) == (168, [], 168)
    second = ingest([eval_copy], open_store(tmp_path, host, port, "news"), fake_indexer)
    assert (second.unchanged, second.added, second.updated, second.deleted) == (168, 0, 0, 0)
    assert second.chunks == first.chunks
    (eval_copy / "2022-06-12-cnn-lightning-cable-usbc-nightcap.txt").unlink()
    edited = eval_copy / "2022-06-11-cnn-average-us-gas-price-hits-5-for-first-time-cnn.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    third = ingest([eval_copy], store, fake_indexer)
    assert (third.updated, third.deleted, third.unchanged, third.articles) == (1, 1, 166, 167)


def test_the_cli_ingests_the_sample_into_a_chroma_server_with_the_real_model(chroma_server, tmp_path):
    host, port, _ = chroma_server
    command = [sys.executable, "-m", "ingest", str(SAMPLES), "--chroma-host", host, "--chroma-port", str(port)]
    command += ["--store", str(tmp_path / "local"), "--json"]
    first = subprocess.run(command, cwd=ROOT_DIR, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout.splitlines()[-1])["added"] == 1
    second = subprocess.run(command, cwd=ROOT_DIR, capture_output=True, text=True, timeout=600)
    assert json.loads(second.stdout.splitlines()[-1])["unchanged"] == 1


def test_feed_states_on_a_chroma_server_stay_forgotten_once_unfollowed(chroma_server, tmp_path):
    host, port, _ = chroma_server
    store = open_store(tmp_path, host, port, "news")
    daily, weekly = "https://daily.example/feed.xml", "https://weekly.example/feed.xml"
    store.save_feed_states({daily: {"kind": "feed", "result": "ok"}, weekly: {"kind": "feed", "result": "ok"}})
    assert store.forget_feeds([daily, "https://never.example/feed"]) == [daily]
    # a read that began while both were followed ends after the unfollow: the unfollowed one is not saved again
    store.save_feed_states({daily: {"kind": "feed", "result": "ok, 2 items"},
                            weekly: {"kind": "feed", "result": "ok, 3 items"}}, followed={daily, weekly})
    assert {url: state["result"] for url, state in store.feed_states().items()} == {weekly: "ok, 3 items"}
