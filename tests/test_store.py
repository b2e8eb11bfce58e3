"""bot/store.py on a real Chroma folder: versioned writes, reads of the current version, delete, check, catalog."""

from __future__ import annotations

import datetime as dt

from bot.store import ALREADY_WRITTEN, SUPERSEDED, Indexed, chunk_id, open_store
from bot.types import Article, Chunk


def _indexed(article_id: str, body: str, version: str, title: str = "Harbour news", axis: int = 0) -> Indexed:
    article = Article(article_id=article_id, title=title, body=body, source="Wire", published=dt.date(2023, 6, 20))
    sentences = [part for part in body.split(". ") if part]
    chunks, start = [], 0
    for index, sentence in enumerate(sentences):
        text = sentence if sentence.endswith(".") else sentence + "."
        start = body.index(text, start)
        chunks.append(Chunk(article_id, index, start, start + len(text), text, len(text.split())))
        start += len(text)
    vectors = [[1.0 if d == (axis + i) % 8 else 0.0 for d in range(8)] for i in range(len(chunks))]
    return Indexed(article, version, chunks, vectors)


def test_a_written_article_is_read_back_whole_and_its_chunks_are_spans_of_its_body(tmp_path):
    store = open_store(tmp_path / "store", None, 8000, "news")
    body = "The harbour bridge reopened. Traffic returned at noon."
    store.write([_indexed("a", body, "v1")], origin="feed.jsonl")
    assert store.count_articles() == 1 and store.count_chunks() == 2
    record = store.records(["a"])["a"]
    assert record["hash"] == "v1" and record["origin"] == "feed.jsonl"
    found = store.passages([chunk_id("a", "v1", 0), chunk_id("a", "v1", 1)])
    assert [p.body[p.metadata["start"]:p.metadata["end"]] for p in found] == [p.text for p in found]
    assert store.check() == []


def test_a_new_version_replaces_the_old_chunks_and_old_ids_read_as_gone(tmp_path):
    store = open_store(tmp_path / "store", None, 8000, "news")
    store.write([_indexed("a", "Old text here. Second old sentence.", "v1")], origin="x")
    store.write([_indexed("a", "New text only.", "v2", axis=3)], origin="x")
    assert store.passages([chunk_id("a", "v1", 0)]) == []  # a reader holding old ids gets nothing stale
    assert [p.text for p in store.passages([chunk_id("a", "v2", 0)])] == ["New text only."]
    assert store.count_chunks() == 1 and store.check() == []
    assert [hit for hit, _ in store.keyword("new text", 5)] == [chunk_id("a", "v2", 0)]


def test_delete_removes_record_chunks_and_keyword_rows_and_the_catalog_follows(tmp_path):
    store = open_store(tmp_path / "store", None, 8000, "news")
    store.write([_indexed("a", "The harbour bridge reopened. Traffic returned.", "v1"),
                 _indexed("b", "A rare orchid bloomed today.", "v1", title="Orchid", axis=5)], origin="x")
    rows, total = store.library()
    assert total == 2 and {row["title"] for row in rows} == {"Harbour news", "Orchid"}
    assert store.library_summary()["chunks"] == 3
    store.delete(["a"])
    assert list(store.all_records()) == ["b"] and store.count_chunks() == 1
    assert store.keyword("harbour bridge", 5) == []
    assert store.library()[1] == 1 and store.check() == []


def test_the_nearest_chunks_come_from_the_vectors(tmp_path):
    store = open_store(tmp_path / "store", None, 8000, "news")
    store.write([_indexed("a", "One sentence here. Another sentence here.", "v1", axis=0)], origin="x")
    store.write([_indexed("b", "Far away text.", "v1", axis=4)], origin="x")
    probe = [0.0] * 8
    probe[4] = 1.0
    assert store.nearest(probe, 1) == [chunk_id("b", "v1", 0)]


def test_near_duplicate_articles_stay_reachable_by_a_dense_query_however_the_index_is_rebuilt(tmp_path):
    """Chroma rebuilds a small vector index from its log on every open, in parallel, so differently each time;
    with its default 16 links per node, 40 near-identical articles lost 1-8 vectors in about 1 open of 12."""
    from tests.conftest import KeywordEmbeddings

    store = open_store(tmp_path / "store", None, 8000, "news")
    bodies = [" ".join(f"Story {n} sentence {s} about the harbour and the bridge." for s in range(12))
              for n in range(40)]
    vectors = KeywordEmbeddings().embed_documents(bodies)
    items = [Indexed(Article(article_id=f"a{n}", title=f"Story {n}", body=body, source="Wire"), "v1",
                     [Chunk(f"a{n}", 0, 0, len(body), body, len(body.split()))], [vector])
             for n, (body, vector) in enumerate(zip(bodies, vectors, strict=True))]
    for start in range(0, len(items), 4):  # as the ingest writes: a few articles at a time
        store.write(items[start:start + 4], origin="x")
    for _ in range(30):
        store._reopen()  # a fresh client: its vector index is rebuilt from the log
        assert store.check() == []
    store.close()


def test_a_write_the_disk_has_no_room_for_is_refused_before_it_begins_and_leaves_the_store_as_it_was(tmp_path):
    import shutil

    import pytest

    from bot.errors import StoreError

    store = open_store(tmp_path / "store", None, 8000, "news")
    store.write([_indexed("a", "The harbour bridge reopened.", "v1")], origin="x")
    free_mb = shutil.disk_usage(tmp_path).free / 1e6
    crowded = open_store(tmp_path / "store", None, 8000, "news", min_free_mb=free_mb + 10_000)
    with pytest.raises(StoreError, match=r"MB free; this write needs about .* free some space"):
        crowded.write([_indexed("b", "Another story.", "v1")], origin="x")
    store.write([_indexed("c", "A third story, written after the refusal.", "v1")], origin="x")  # no lock left held
    store.refresh()
    assert sorted(store.records(["a", "b", "c"])) == ["a", "c"] and store.check() == []


def test_of_two_writers_of_one_article_the_version_read_last_stays(tmp_path):
    from dataclasses import replace

    def read_at(item: Indexed, when: float) -> Indexed:
        return replace(item, article=replace(item.article, read_at=when))

    store = open_store(tmp_path / "store", None, 8000, "news")
    edited = read_at(_indexed("a", "The pier reopens on Monday, after the edit.", "v2"), 200.0)
    assert store.write([edited], origin="x") == {}
    # a process that read the file before the edit writes after the one that read it after
    assert store.write([read_at(_indexed("a", "The pier stays shut.", "v1"), 100.0),
                        read_at(_indexed("b", "Another story.", "v1"), 100.0)], origin="x") == {"a": SUPERSEDED}
    assert store.records(["a"])["a"]["hash"] == "v2" and store.records(["b"])["b"]["hash"] == "v1"
    assert [p.text for p in store.passages([chunk_id("a", "v2", 0)])] == ["The pier reopens on Monday, after the edit."]
    # a process that read the same version (an ingest of the same folder at the same time): nothing to write
    assert store.write([read_at(_indexed("b", "Another story.", "v1"), 150.0)], origin="x") == {"b": ALREADY_WRITTEN}
    assert store.write([read_at(_indexed("b", "Another story.", "v1"), 150.0)], origin="y") == {}  # moved: written
    assert store.write([read_at(_indexed("a", "Read later still.", "v3"), 300.0)], origin="x") == {}
    assert store.write([_indexed("a", "Read at an unknown time: written.", "v4")], origin="x") == {}
    assert store.records(["a"])["a"]["hash"] == "v4" and store.check() == []
