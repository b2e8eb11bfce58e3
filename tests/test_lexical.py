"""bot/lexical.py: terms, BM25 as a pure function, and the SQLite index (add, retire, remove, search)."""

from __future__ import annotations

import numpy as np

from bot.lexical import K1, KeywordRow, LexicalIndex, bm25, query_terms, terms


def test_terms_fold_case_and_accents_drop_stopwords_and_stem():
    found, length = terms("The Élysée Palace announced the ELECTIONS")
    assert found == ["elyse", "palac", "announc", "elect"]  # accents folded, then Porter-stemmed
    assert length == 6  # words counted before stopwords are dropped
    assert list(query_terms("election elections")) == list(query_terms("Elections"))


def test_bm25_rewards_rare_terms_and_short_chunks():
    lengths = np.array([10, 10, 100], dtype=np.float32)
    common = np.zeros(3)
    bm25([(np.array([0, 1, 2]), np.array([1.0, 1.0, 1.0]))], lengths, 40.0, 3, common)
    rare = np.zeros(3)
    bm25([(np.array([0]), np.array([1.0]))], lengths, 40.0, 3, rare)
    assert rare[0] > common[0] > 0  # a term in every chunk still counts (idf floor), less than a rare one
    assert common[0] > common[2]  # the same count in a longer chunk weighs less
    twice = np.zeros(3)
    bm25([(np.array([0]), np.array([2.0]))], lengths, 40.0, 3, twice)
    assert rare[0] < twice[0] < rare[0] * (K1 + 1)  # saturating in the count


def test_postings_split_between_snapshot_and_delta_score_as_one_list():
    lengths = np.array([10, 20, 30], dtype=np.float32)
    whole, split = np.zeros(3), np.zeros(3)
    bm25([(np.array([0, 2]), np.array([1.0, 3.0]))], lengths, 20.0, 3, whole)
    bm25([(np.array([0]), np.array([1.0])), (np.array([2]), np.array([3.0]))], lengths, 20.0, 3, split)
    assert np.allclose(whole, split)


def _row(chunk: str, article: str, text: str, version: str = "v1", title: str = "") -> KeywordRow:
    return KeywordRow(chunk, article, version, "Wire", 20230620, title, text)


def test_the_index_finds_retires_and_removes_rows(tmp_path):
    index = LexicalIndex(tmp_path / "lexical.sqlite3")
    index.add([_row("a#0", "a", "The harbour bridge reopened after repairs."),
               _row("b#0", "b", "A rare orchid bloomed in the botanical garden.", title="Orchid")])
    assert [chunk for chunk, _ in index.nearest("orchid garden", 5)] == ["b#0"]
    assert index.nearest("bridge", 5)[0][1] == {"article_id": "a", "source": "Wire", "published_num": 20230620}
    index.add([_row("a#1", "a", "The harbour bridge has a new deck.", version="v2")])
    index.retire({"a": "v2"})  # rows of the old version go
    assert [chunk for chunk, _ in index.nearest("bridge", 5)] == ["a#1"]
    assert index.versions()["a"] == "v2"
    index.remove(["a"])
    assert index.nearest("bridge", 5) == [] and index.count() == 1
    only_b = index.nearest("orchid", 5, admits=lambda meta: meta["article_id"] != "b")
    assert only_b == []


def test_a_second_handle_on_the_file_sees_the_first_ones_writes(tmp_path):
    writer, reader = LexicalIndex(tmp_path / "x.sqlite3"), LexicalIndex(tmp_path / "x.sqlite3")
    assert reader.nearest("okapi", 3) == []
    writer.add([_row("c#0", "c", "An okapi was born at the zoo.")])
    assert [chunk for chunk, _ in reader.nearest("okapi", 3)] == ["c#0"]
