"""Hybrid retrieval: filters in the store query, keyword hits, the as-of bound, date preference, diversity.

These use the keyword-count fake embedder, so rankings can be checked by eye;
retrieval quality on real questions is measured by bench.eval.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3

import numpy as np

from bot.lexical import KeywordRow, LexicalIndex, bm25
from bot.retrieve import Filters, Retriever
from bot.store import open_store
from ingest.pipeline import ingest
from tests.conftest import KeywordEmbeddings


def _feed(tmp_path, rows):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    return feed


def _article(n, body, published="2023-06-20", source="Wire", title=None):
    return {"title": title or f"Story {n}", "source": source, "published": published, "url": f"https://x/{n}",
            "body": body}


def test_date_filters_become_one_chroma_clause():
    filters = Filters(dt.date(2023, 6, 1), dt.date(2023, 6, 30), ["CNN"])
    assert filters.where() == {"$and": [
        {"$and": [{"published_num": {"$gte": 20230601}}, {"published_num": {"$lte": 20230630}}]},
        {"source": {"$in": ["CNN"]}},
    ]}
    assert Filters().where() is None


def test_the_as_of_bound_lets_undated_articles_through_but_a_chosen_range_does_not():
    bounded = Filters().until(dt.date(2023, 6, 23))
    assert bounded.undated and bounded.date_range() == (1, 20230623)
    chosen = Filters(date_from=dt.date(2023, 1, 1)).until(dt.date(2023, 6, 23))
    assert not chosen.undated and chosen.date_range() == (20230101, 20230623)


def test_a_rare_word_is_found_by_keyword_search(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    rows = [_article(n, f"General news item number {n} about the economy and markets.") for n in range(30)]
    rows.append(_article(99, "The zygomorphic orchid bloomed in the city garden."))
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    retriever = Retriever(store, KeywordEmbeddings(), k=3)
    assert retriever.search("Where did the zygomorphic orchid bloom?")[0].article_id == "https://x/99"


def test_nothing_published_after_the_as_of_date_is_retrieved(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    rows = [_article(1, "The mayor opened the bridge.", "2023-06-20"),
            _article(2, "The mayor opened the bridge again.", "2024-01-05")]
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    retriever = Retriever(store, KeywordEmbeddings(), k=5)
    found = retriever.search("Did the mayor open the bridge?", as_of=dt.date(2023, 6, 23))
    assert [p.article_id for p in found] == ["https://x/1"]
    assert len(retriever.search("Did the mayor open the bridge?")) == 2


def test_this_week_prefers_articles_from_the_week_before_the_as_of_date(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    rows = [_article(1, "The council voted on the harbour budget.", "2023-01-10"),
            _article(2, "The council voted on the harbour budget.", "2023-06-21")]
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    retriever = Retriever(store, KeywordEmbeddings(), k=2)
    found = retriever.search("What did the council vote on this week?", as_of=dt.date(2023, 6, 23))
    assert found[0].article_id == "https://x/2" and len(found) == 2


def test_a_question_naming_no_time_prefers_the_latest_week_unless_that_is_turned_off(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    rows = [_article(1, "The harbour council voted on the harbour budget again.", "2023-01-10"),
            _article(2, "The council voted on a budget.", "2023-06-21")]
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    as_of = dt.date(2023, 6, 23)
    recent = Retriever(store, KeywordEmbeddings(), k=2, recency_days=7).search("harbour council budget", as_of=as_of)
    plain = Retriever(store, KeywordEmbeddings(), k=2, recency_days=0).search("harbour council budget", as_of=as_of)
    assert [p.article_id for p in recent] == ["https://x/2", "https://x/1"]  # a preference, not a filter
    assert [p.article_id for p in plain] == ["https://x/1", "https://x/2"]


def test_an_archive_older_than_the_recency_preference_scores_as_if_there_were_none(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    rows = [_article(1, "The harbour council voted on the harbour budget again.", "2023-01-10"),
            _article(2, "A ferry timetable was printed for the summer.", "2023-01-12")]
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    as_of, question = dt.date(2026, 12, 1), "harbour council budget"  # asked years later: nothing is recent
    archive = Retriever(store, KeywordEmbeddings(), k=2, recency_days=7).search(question, as_of=as_of)
    plain = Retriever(store, KeywordEmbeddings(), k=2, recency_days=0).search(question, as_of=as_of)
    assert archive[0].article_id == "https://x/1" and archive[0].score == plain[0].score == 1.0
    # a store that does hold news of that week, none of it near the question: the week's lists still count,
    # and the old article's score says it is not the latest news
    ingest([_feed(tmp_path, [*rows, _article(3, "A choir sang at the town hall.", "2026-11-30")])], store,
           fake_indexer)
    found = Retriever(store, KeywordEmbeddings(), k=2, recency_days=7).search(question, as_of=as_of)
    assert found[0].article_id == "https://x/1" and found[0].score == 0.5


def test_one_article_fills_at_most_two_places(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    long_body = "\n".join(f"The solar farm produced power on day {n} of the trial." for n in range(400))
    rows = [_article(1, long_body), _article(2, "A solar farm opened in the valley.")]
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    found = Retriever(store, KeywordEmbeddings(), k=5).search("solar farm power")
    assert [p.article_id for p in found].count("https://x/1") == 2
    assert "https://x/2" in [p.article_id for p in found]


def test_the_keyword_index_follows_updates_and_prunes(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    feed = _feed(tmp_path, [_article(1, "Alpha story about kittens."), _article(2, "Beta story about puppies.")])
    ingest([feed], store, fake_indexer)
    assert store.lexical.count() == store.count_chunks() == 2
    _feed(tmp_path, [_article(1, "Alpha story rewritten about ferrets.")])
    ingest([feed], store, fake_indexer)
    assert store.lexical.count() == store.count_chunks() == 1
    assert store.keyword("kittens", 5) == [] and store.keyword("puppies", 5) == []
    assert len(store.keyword("ferrets", 5)) == 1
    ids = list(store.all_chunks())
    assert list(store.filters_of([*ids, "gone"])) == ids  # the filter table follows too
    assert store.keyword("ferrets", 5) == [(ids[0], {"article_id": "https://x/1", "source": "Wire",
                                                     "published_num": 20230620})]
    assert store.check() == []


def test_a_keyword_index_from_an_older_version_is_replaced_and_caught_up_from_the_store(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    ingest([_feed(tmp_path, [_article(1, "Story about ferrets.")])], store, fake_indexer)
    store.close()
    old = sqlite3.connect(store.lexical.path)  # what version 1 wrote: an FTS5 table, user_version 0
    old.executescript("DROP TABLE chunk_filters; PRAGMA user_version = 0; "
                      "CREATE VIRTUAL TABLE chunks USING fts5(title, text, chunk_id UNINDEXED)")
    old.close()
    reopened = open_store(tmp_path / "s", None, 8000, "news")
    assert reopened.lexical.count() == 0  # opening does not wait for the index
    assert reopened.refresh()
    assert reopened.lexical.count() == 1 and reopened.keyword("ferrets", 5)
    assert reopened.check() == []


def test_a_missing_keyword_index_is_caught_up_once_from_the_store(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    ingest([_feed(tmp_path, [_article(1, "Story about ferrets.")])], store, fake_indexer)
    store.lexical.clear()
    reopened = open_store(tmp_path / "s", None, 8000, "news")
    assert reopened.refresh() and not reopened.refresh()
    assert reopened.lexical.count() == 1 and reopened.keyword("ferrets", 5)


_WORDS = ["harbour", "council", "ferret", "garden", "budget", "school", "river", "train", "museum", "festival",
          "market", "storm"]


def _rows(n, seed):
    rng = random.Random(seed)
    return [KeywordRow(f"c{seed}-{i}", f"a{seed}-{i % 7}", "v1", "Wire", 20230101, " ".join(rng.sample(_WORDS, 2)),
                       " ".join(rng.choices(_WORDS, k=rng.randint(3, 30)))) for i in range(n)]


def test_keyword_scores_are_fts5_bm25_with_the_title_counted_twice(tmp_path):
    rows = _rows(60, 1)
    index = LexicalIndex(tmp_path / "lexical.sqlite3")
    index.add(rows)
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE t USING fts5(title, text, chunk_id UNINDEXED, tokenize='porter unicode61')")
    fts.executemany("INSERT INTO t VALUES (?, ?, ?)", [(row.title, row.text, row.chunk_id) for row in rows])
    for query in ["harbour ferrets", "storm market museum", "the budget of the school"]:
        expected = fts.execute("SELECT chunk_id, -bm25(t, 2.0, 1.0) FROM t WHERE t MATCH ? ORDER BY bm25(t, 2.0, 1.0)",
                               [" OR ".join(w for w in query.split() if w not in ("the", "of"))]).fetchall()
        got = {chunk_id: score for chunk_id, _, score in index.scored(query, 100)}
        assert set(got) == {chunk_id for chunk_id, _ in expected}
        assert all(abs(got[chunk_id] - score) < 1e-4 * max(1.0, abs(score)) for chunk_id, score in expected), query


def test_bm25_scores_one_term_over_postings_without_sqlite():
    lengths = np.array([0, 10, 10, 40], np.float32)  # chunk 0 does not exist
    scores = np.zeros(4, np.float32)
    bm25([(np.array([1, 3]), np.array([1.0, 1.0], np.float32)), (np.array([2]), np.array([3.0], np.float32))],
         lengths, average_length=20.0, chunks=10, scores=scores)
    assert scores[0] == 0 and scores[2] > scores[1] > scores[3] > 0  # more occurrences, then shorter chunks
    common = np.zeros(4, np.float32)
    bm25([(np.array([1, 2, 3]), np.ones(3, np.float32))], lengths, 20.0, chunks=3, scores=common)
    assert 0 < common[1] < 1e-5  # a term in every chunk says nothing (idf floored, as FTS5 does)


def test_keyword_search_after_many_writes_and_deletes_equals_a_fresh_index(tmp_path, monkeypatch):
    from bot import lexical

    monkeypatch.setattr(lexical, "_COMPACT_MIN", 40)  # snapshots along the way
    index = lexical.LexicalIndex(tmp_path / "grown.sqlite3")
    live: dict[str, KeywordRow] = {}
    for batch in range(12):
        rows = _rows(25, batch)
        gone = [f"a{batch - 1}-{i}" for i in range(3)] if batch else []
        index.remove(gone)
        index.add(rows)
        live = {row.chunk_id: row for row in live.values() if row.article_id not in gone} | {
            row.chunk_id: row for row in rows}
        found = index.nearest("ferret garden", 10_000)
        assert {chunk_id for chunk_id, _ in found} == {i for i, row in live.items() if {"ferret", "garden"} & set(
            (row.title + " " + row.text).split())}
    assert index._db.execute("SELECT generation FROM snapshot").fetchone()[0] >= 2
    index.compact()  # document frequencies count deleted chunks until a snapshot drops them
    fresh = lexical.LexicalIndex(tmp_path / "fresh.sqlite3")
    fresh.add(list(live.values()))
    for query in ["ferret garden", "storm", "river train school"]:
        grown = {chunk_id: round(score, 4) for chunk_id, _, score in index.scored(query, 10_000)}
        assert grown == {chunk_id: round(score, 4) for chunk_id, _, score in fresh.scored(query, 10_000)}


def test_retiring_a_version_keeps_only_the_current_rows(tmp_path):
    index = LexicalIndex(tmp_path / "lexical.sqlite3")
    index.add([KeywordRow("c1", "a1", "v1", "Wire", 0, "T", "old aardvark"),
               KeywordRow("c2", "a1", "v2", "Wire", 0, "T", "new okapi")])
    assert len(index.nearest("aardvark okapi", 5)) == 2  # both versions while a write is under way
    index.retire({"a1": "v2"})
    assert [chunk_id for chunk_id, _ in index.nearest("aardvark okapi", 5)] == ["c2"]
    assert index.versions() == {"a1": "v2"} and index.article_count() == 1


def test_a_second_process_sees_the_keyword_index_change(tmp_path):
    reader, writer = LexicalIndex(tmp_path / "lexical.sqlite3"), LexicalIndex(tmp_path / "lexical.sqlite3")
    assert reader.nearest("aardvark", 5) == []
    writer.add([KeywordRow("c1", "a1", "v1", "Wire", 20230101, "Title", "a rare aardvark")])
    assert [chunk_id for chunk_id, _ in reader.nearest("aardvark", 5)] == ["c1"]
    writer.remove(["a1"])
    assert reader.nearest("aardvark", 5) == []


def test_a_deleted_chunks_number_is_never_given_to_a_new_one(tmp_path):
    index = LexicalIndex(tmp_path / "lexical.sqlite3")
    index.add([KeywordRow("c1", "a1", "v1", "Wire", 20230101, "Title", "a rare aardvark")])
    (first,) = index._db.execute("SELECT id FROM chunk_filters").fetchone()
    index.remove(["a1"])  # a search that began before this may still hold postings under that number
    index.add([KeywordRow("c2", "a2", "v1", "Wire", 20230101, "Title", "an okapi")])
    assert index._db.execute("SELECT id FROM chunk_filters").fetchone()[0] > first
    assert [chunk_id for chunk_id, _ in index.nearest("okapi aardvark", 5)] == ["c2"]


def test_the_python_filter_admits_exactly_what_the_chroma_clause_selects(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    rows = [_article(n, f"Story number {n} about the harbour.", published, source)
            for n, (published, source) in enumerate([("2023-06-20", "Wire"), ("2023-01-05", "CNN"),
                                                      ("", "Wire"), ("2024-02-01", "CNN"), ("2023-06-30", "AP")])]
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    chunks = store._handle.chunks  # the Chroma collection itself: the clause is checked against Chroma
    everything = chunks.get(include=["metadatas"])
    for filters in [Filters(), Filters().until(dt.date(2023, 6, 25)), Filters(sources=["CNN", "AP"]),
                    Filters(dt.date(2023, 6, 1), dt.date(2023, 6, 30)), Filters(exclude_articles=["https://x/0"]),
                    Filters(dt.date(2023, 1, 1), None, ["Wire"]).until(dt.date(2023, 12, 31)),
                    Filters(articles=["https://x/1", "https://x/3"]),
                    Filters().until(dt.date(2023, 6, 25)).within(dt.date(2023, 6, 18), dt.date(2023, 6, 25))]:
        chosen = set(chunks.get(where=filters.where())["ids"]) if filters.where() else set(everything["ids"])
        admitted = {i for i, meta in zip(everything["ids"], everything["metadatas"]) if filters.admits(meta)}
        assert admitted == chosen, filters


def test_a_narrow_filter_still_fills_the_list_from_the_store(tmp_path, fake_indexer):
    store = open_store(tmp_path / "s", None, 8000, "news")
    rows = [_article(n, f"The harbour council met again, meeting {n}.", "2023-06-20", "Wire") for n in range(400)]
    rows.append(_article(999, "A quiet note about gardens.", "2023-06-20", "Gazette"))
    rows.append(_article(998, "A long note on gardens, flowers, trees, hedges, lawns, ponds and paths near the "
                              "harbour, for the garden club.", "2023-06-20", "Gazette"))  # the weakest keyword match
    ingest([_feed(tmp_path, rows)], store, fake_indexer)
    retriever = Retriever(store, KeywordEmbeddings(), k=3)
    vector, metas = retriever.embeddings.embed_query("harbour council meeting"), {}
    nearest = retriever._nearest(vector, 80, metas)
    assert len(nearest) == 80 and all(metas[i]["source"] == "Wire" for i in nearest)
    dense = retriever._dense(vector, Filters(sources=["Gazette"]), nearest, metas)
    found = [metas[i]["article_id"] for i in dense]
    assert "https://x/998" in found and set(found) <= {"https://x/998", "https://x/999"}  # by the fallback
    keyword = retriever._keyword("harbour council")
    assert len(keyword) == 320 and all(meta["source"] == "Wire" for _, meta in keyword)
    (found,) = store.passages(retriever._lexical("harbour council", Filters(sources=["Gazette"]), keyword, metas))
    assert found.metadata["article_id"] == "https://x/998"
