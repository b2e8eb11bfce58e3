"""Ingest keeps the store in sync: adds, replaces, prunes, and writes nothing when nothing changed."""

from __future__ import annotations

import json

from bot.store import READY, chunk_id
from ingest.pipeline import ingest


def _write(folder, name, title, body, url=None):
    header = f"title: {title}\nsource: Wire\nauthor: unknown\npublished: 2023-01-0{len(name) % 9 + 1}\n"
    header += f"url: {url or 'unknown'}\n\n"
    (folder / name).write_text(header + body, encoding="utf-8")


def _all_chunks(store):
    result = store.chunks.get(include=["metadatas", "documents"])
    rows = zip(result["ids"], result["metadatas"], result["documents"])
    return {i: (m["article_id"], m["start"], m["end"], d) for i, m, d in rows}


def _check_consistent(store):
    """Every chunk belongs to a ready record, and every record has exactly its chunk count."""
    records = store.articles.get(include=["metadatas", "documents"])
    by_id = dict(zip(records["ids"], zip(records["metadatas"], records["documents"])))
    counts: dict[str, int] = {}
    for article_id, start, end, text in _all_chunks(store).values():
        meta, body = by_id[article_id]
        assert body[start:end] == text
        counts[article_id] = counts.get(article_id, 0) + 1
    for article_id, (meta, _) in by_id.items():
        assert meta["state"] == READY
        assert counts.get(article_id, 0) == meta["chunks"]


def test_reingesting_an_unchanged_folder_writes_nothing(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.txt", "Alpha", "Alpha sentence one. Alpha sentence two.")
    _write(folder, "b.txt", "Beta", "Beta is here.", url="https://x/b")
    first = ingest([folder], store, fake_indexer)
    embedded = fake_indexer.embeddings.embedded
    before = _all_chunks(store)
    second = ingest([folder], store, fake_indexer)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.added, second.updated, second.unchanged, second.deleted) == (0, 0, 2, 0)
    assert fake_indexer.embeddings.embedded == embedded
    assert _all_chunks(store) == before
    assert (second.articles, second.chunks) == (2, len(before))


def test_an_edited_article_has_only_its_chunks_replaced(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.txt", "Alpha", "Alpha sentence one. Alpha sentence two.")
    _write(folder, "b.txt", "Beta", "Beta is here.")
    ingest([folder], store, fake_indexer)
    before = _all_chunks(store)
    _write(folder, "a.txt", "Alpha", "Alpha was rewritten entirely.")
    report = ingest([folder], store, fake_indexer)
    after = _all_chunks(store)
    assert (report.added, report.updated, report.unchanged, report.deleted) == (0, 1, 1, 0)
    assert {k: v for k, v in after.items() if v[0] == "b.txt"} == {k: v for k, v in before.items() if v[0] == "b.txt"}
    assert [v[3] for v in after.values() if v[0] == "a.txt"] == ["Alpha was rewritten entirely."]
    _check_consistent(store)


def test_a_removed_file_is_pruned_unless_told_not_to(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        _write(folder, name, name, f"Text of {name}.")
    ingest([folder], store, fake_indexer)
    (folder / "c.txt").unlink()
    kept = ingest([folder], store, fake_indexer, prune=False)
    assert kept.deleted == 0 and kept.articles == 3
    pruned = ingest([folder], store, fake_indexer)
    assert pruned.deleted == 1 and pruned.articles == 2
    assert store.records(["c.txt"]) == {}
    _check_consistent(store)


def test_pruning_is_limited_to_the_folder_that_was_reingested(tmp_path, store, fake_indexer):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    _write(one, "a.txt", "A", "From folder one.", url="https://x/a")
    _write(two, "b.txt", "B", "From folder two.", url="https://x/b")
    ingest([one], store, fake_indexer)
    ingest([two], store, fake_indexer)
    (one / "a.txt").unlink()
    report = ingest([two], store, fake_indexer)
    assert report.deleted == 0 and report.articles == 2


def test_a_file_that_breaks_keeps_its_stored_version(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.txt", "A", "Fine for now.")
    _write(folder, "b.txt", "B", "Always fine.")
    ingest([folder], store, fake_indexer)
    (folder / "a.txt").write_bytes(b"\xff\xfe broken")
    report = ingest([folder], store, fake_indexer)
    assert report.deleted == 0 and report.unchanged == 1
    assert [failure["path"] for failure in report.failed] == [str(folder / "a.txt")]
    assert store.records(["a.txt"])["a.txt"]["state"] == READY


def test_a_feed_line_that_disappears_is_pruned_and_the_rest_stay(tmp_path, store, fake_indexer):
    feed = tmp_path / "feed.jsonl"
    rows = [{"title": f"T{n}", "url": f"https://x/{n}", "body": f"Body number {n}."} for n in range(4)]
    feed.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert ingest([feed], store, fake_indexer).added == 4
    feed.write_text("\n".join(json.dumps(r) for r in rows[1:]), encoding="utf-8")
    report = ingest([feed], store, fake_indexer)
    assert (report.deleted, report.unchanged, report.articles) == (1, 3, 3)


def test_a_crash_mid_write_is_redone_by_the_next_run(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.txt", "A", "First version of a.")
    ingest([folder], store, fake_indexer)
    # Simulate a crash after the record was marked pending and the old chunks deleted.
    store.articles.update(ids=["a.txt"], metadatas=[{"state": "pending"}])
    store.chunks.delete(ids=[chunk_id("a.txt", 0)])
    report = ingest([folder], store, fake_indexer)
    assert report.updated == 1
    _check_consistent(store)


def test_chunks_carry_the_article_metadata_for_filters(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.txt", "Alpha", "Alpha body.", url="https://x/a")
    ingest([folder], store, fake_indexer)
    meta = store.chunks.get(include=["metadatas"])["metadatas"][0]
    assert {k: meta[k] for k in ("article_id", "title", "source", "url", "path")} == {
        "article_id": "https://x/a", "title": "Alpha", "source": "Wire", "url": "https://x/a", "path": "a.txt",
    }
    assert meta["published"].startswith("2023-01-0") and meta["published_num"] // 100 == 202301
