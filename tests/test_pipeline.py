"""Ingest keeps the store in sync: adds, replaces, prunes, and writes nothing when nothing changed."""

from __future__ import annotations

import json

import pytest

from bot.store import READY
from ingest.pipeline import Pruning, ingest


def _write(folder, name, title, body, url=None):
    header = f"title: {title}\nsource: Wire\nauthor: unknown\npublished: 2023-01-0{len(name) % 9 + 1}\n"
    header += f"url: {url or 'unknown'}\n\n"
    (folder / name).write_text(header + body, encoding="utf-8")


def _all_chunks(store):
    return {i: (m["article_id"], m["start"], m["end"], text) for i, (m, text) in store.all_chunks().items()}


def _check_consistent(store):
    """Every chunk belongs to a ready record, every record has exactly its chunks, the keyword index agrees."""
    assert store.check() == []


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


def test_one_url_in_two_folders_is_read_once_per_run_and_stays_unchanged(tmp_path, store, fake_indexer):
    first, second = tmp_path / "one", tmp_path / "two"
    for folder, text in ((first, "The first copy of the story."), (second, "The second copy, edited.")):
        folder.mkdir()
        _write(folder, "story.txt", "Story", text, url="https://x/story")
    runs = [ingest([first, second, first], store, fake_indexer) for _ in range(2)]
    assert [(r.added, r.updated, r.unchanged) for r in runs] == [(1, 0, 0), (0, 0, 1)]
    assert store.article("https://x/story")[0] == "The first copy of the story."  # the first input's copy
    assert any("an earlier input gave" in note["note"] for note in runs[1].notes)
    alone = ingest([second], store, fake_indexer)  # asked for alone, the other copy is read
    assert (alone.updated, alone.deleted) == (1, 0)
    _check_consistent(store)


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
    a, b = _id(folder, "a.txt"), _id(folder, "b.txt")
    assert {k: v for k, v in after.items() if v[0] == b} == {k: v for k, v in before.items() if v[0] == b}
    assert [v[3] for v in after.values() if v[0] == a] == ["Alpha was rewritten entirely."]
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
    assert store.records([_id(folder, "c.txt")]) == {}
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
    assert store.records([_id(folder, "a.txt")])[_id(folder, "a.txt")]["state"] == READY


def test_a_link_whose_file_is_gone_fails_by_name_and_keeps_its_article_until_the_link_goes(tmp_path, store,
                                                                                             fake_indexer):
    folder, elsewhere = tmp_path / "in", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    _write(elsewhere, "a.txt", "A", "Linked in.")
    _write(folder, "b.txt", "B", "Always fine.")
    (folder / "a.txt").symlink_to(elsewhere / "a.txt")
    (folder / "loop1.txt").symlink_to(folder / "loop2.txt")
    (folder / "loop2.txt").symlink_to(folder / "loop1.txt")
    first = ingest([folder], store, fake_indexer)
    assert first.added == 2 and sorted(f["path"] for f in first.failed) == [str(folder / "loop1.txt"),
                                                                           str(folder / "loop2.txt")]
    (elsewhere / "a.txt").rename(elsewhere / "moved.txt")  # an unmounted disk looks the same
    report = ingest([folder], store, fake_indexer)
    assert report.deleted == 0 and report.unchanged == 1
    failure = next(f for f in report.failed if f["path"] == str(folder / "a.txt"))
    assert "is a link to" in failure["error"] and "does not exist" in failure["error"]
    assert store.count_articles() == 2
    (folder / "a.txt").unlink()
    assert ingest([folder], store, fake_indexer).deleted == 1


def test_a_feed_line_that_disappears_is_pruned_and_the_rest_stay(tmp_path, store, fake_indexer):
    feed = tmp_path / "feed.jsonl"
    rows = [{"title": f"T{n}", "url": f"https://x/{n}", "body": f"Body number {n}."} for n in range(4)]
    feed.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert ingest([feed], store, fake_indexer).added == 4
    feed.write_text("\n".join(json.dumps(r) for r in rows[1:]), encoding="utf-8")
    report = ingest([feed], store, fake_indexer)
    assert (report.deleted, report.unchanged, report.articles) == (1, 3, 3)


class _Crash(BaseException):  # like a kill: nothing catches it
    pass


@pytest.mark.parametrize("step", ["journal", "chunks", "keyword", "records", "old versions"])
def test_a_write_that_stops_at_any_step_is_repaired_and_redone(tmp_path, store, fake_indexer, step):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.txt", "A", "First version of a.")
    ingest([folder], store, fake_indexer)
    _write(folder, "a.txt", "A", "Second version of a, longer. It has two sentences.")

    def crash(at):
        if at == step:
            raise _Crash(at)

    store.step_hook = crash
    with pytest.raises(_Crash):
        ingest([folder], store, fake_indexer)
    store.step_hook = lambda at: None
    body, _ = store.article(_id(folder, "a.txt"))
    assert body.startswith("Second" if step in ("records", "old versions") else "First")
    reopened = type(store)(store._connect, store.name, store.where, store.lexical, store.lock, store.generation)
    assert reopened.check() == []  # the journal named the article: opening repaired it
    report = ingest([folder], reopened, fake_indexer)
    assert report.updated + report.unchanged == 1
    assert reopened.article(_id(folder, "a.txt"))[0].startswith("Second")
    _check_consistent(reopened)


def _id(folder, name):
    """The id of an article without a url: its file's absolute path."""
    return str((folder / name).resolve())


def test_two_folders_with_the_same_file_name_hold_two_articles(tmp_path, store, fake_indexer):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    _write(one, "story.txt", "One", "The first story.")
    _write(two, "story.txt", "Two", "The second story.")
    assert ingest([one, two], store, fake_indexer).added == 2
    again = ingest([one, two], store, fake_indexer)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)  # and nothing is embedded again


def test_feed_lines_without_url_or_id_stay_apart(tmp_path, store, fake_indexer):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"body": f"Line {n} has its own text."}) for n in range(50)), encoding="utf-8")
    assert ingest([feed], store, fake_indexer).added == 50
    assert ingest([feed], store, fake_indexer).unchanged == 50


def test_an_origin_that_now_holds_nothing_is_not_pruned_without_being_told(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(8):
        _write(folder, f"s{n}.txt", f"S{n}", f"Story {n}.")
    ingest([folder], store, fake_indexer)
    for n in range(8):
        (folder / f"s{n}.txt").unlink()  # an unmounted disk looks the same
    refused = ingest([folder], store, fake_indexer)
    assert refused.deleted == 0 and refused.articles == 8
    assert "--force-prune" in refused.failed[0]["error"] and refused.failed[0]["path"] == str(folder.resolve())
    for n in range(2):
        _write(folder, f"s{n}.txt", f"S{n}", f"Story {n}.")
    most = ingest([folder], store, fake_indexer)  # 6 of 8 gone: past the default share
    assert most.deleted == 0 and "6 of the 8" in most.failed[0]["error"]
    forced = ingest([folder], store, fake_indexer, prune=Pruning(force=True))
    assert forced.deleted == 6 and forced.failed == [] and forced.articles == 2


def test_chunks_carry_the_article_metadata_for_filters(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a.txt", "Alpha", "Alpha body.", url="https://x/a")
    ingest([folder], store, fake_indexer)
    ((meta, _),) = store.all_chunks().values()
    assert {k: meta[k] for k in ("article_id", "title", "source", "url", "path")} == {
        "article_id": "https://x/a", "title": "Alpha", "source": "Wire", "url": "https://x/a", "path": "a.txt",
    }
    assert meta["published"].startswith("2023-01-0") and meta["published_num"] // 100 == 202301
