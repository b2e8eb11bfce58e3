"""BM25 keyword search over the chunks, in an SQLite FTS5 file beside the store.

Dense embeddings miss exact names, numbers and rare words; BM25 finds them.
The index holds one row per chunk (its title line and text, porter-stemmed)
plus the filter fields (article id, source, published_num), and is updated
incrementally with every store write and delete -- never rebuilt per query or
per start. If it is missing or disagrees with the store (an older store, a
store written by another machine's ingest in server mode), ``Store`` rebuilds
it once from the chunk texts held in Chroma.

A question becomes an OR of its content words, ranked by FTS5's bm25() with
the title weighted above the text. FTS5 scores every row that matches any
word, so on a large store a few common words ("help", "support") would make
each search score tens of thousands of rows. The words are therefore taken
rarest first until their rows add up to ``postings_budget`` (at least the three
rarest are always kept): the common words dropped are the ones BM25 weighs
least. On a small store nothing is dropped.

What it leaves out: phrase and proximity queries.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.text import content_words

TITLE_WEIGHT = 2.0
#: Most matching rows (summed over the query's words) one search scores; see the module docstring.
POSTINGS_BUDGET = 20_000
_MIN_WORDS = 3
_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5(
    title, text, chunk_id UNINDEXED, article_id UNINDEXED, source UNINDEXED, published_num UNINDEXED,
    tokenize = 'porter unicode61'
);
CREATE TABLE IF NOT EXISTS chunk_filters (
    id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, article_id TEXT, source TEXT, published_num INTEGER
);
CREATE INDEX IF NOT EXISTS chunk_filters_article ON chunk_filters(article_id);
"""
#: The filter fields ``nearest`` and ``filters_of`` return for each chunk.
FILTER_FIELDS = ("article_id", "source", "published_num")


def query_words(query: str) -> list[str]:
    """The content words of ``query`` that can be searched (plain letters and digits, so no FTS syntax)."""
    return [word for word in sorted(content_words(query)) if re.fullmatch(r"[a-z0-9]+", word)]


def match_expression(words: Sequence[str]) -> str:
    """An FTS5 query matching any of ``words`` (from ``query_words``), each quoted."""
    return " OR ".join(f'"{word}"' for word in words)


class LexicalIndex:
    """Chunk rows in FTS5, plus a plain table of each chunk's filter fields by id.

    Thread-safe: writes go through one connection under a lock; each reading
    thread has its own connection (WAL mode), so a keyword search in one
    thread does not hold up a filter lookup in another.
    """

    def __init__(self, path: Path, postings_budget: int = POSTINGS_BUDGET) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.postings_budget = postings_budget
        self._rows: dict[str, int] = {}  # word -> rows matching it; cleared on every write
        self._writes = 0  # counts writes, so a count taken before one is not cached after it
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._db = self._connect()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._fill_filters()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
            with self._lock:
                self._readers.append(db)
        return db

    def _fill_filters(self) -> None:
        """Fill the filter table from the FTS rows once, for an index written before it existed."""
        with self._lock:
            chunks, filters = (int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                               for table in ("chunks", "chunk_filters"))
            if chunks != filters:
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM chunk_filters")
                self._db.execute("INSERT INTO chunk_filters SELECT rowid, chunk_id, article_id, source, "
                                 "published_num FROM chunks")
                self._db.execute("COMMIT")

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def replace(self, article_ids: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Delete these articles' rows and insert ``rows`` (title, text, chunk_id, article_id, source,
        published_num) in one transaction."""
        with self._lock:
            self._rows.clear()
            self._writes += 1
            self._db.execute("BEGIN")
            try:
                self._delete(article_ids)
                first = int(self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM chunk_filters").fetchone()[0])
                numbered = [(first + i, *row) for i, row in enumerate(rows)]
                self._db.executemany("INSERT INTO chunks(rowid, title, text, chunk_id, article_id, source, "
                                     "published_num) VALUES (?, ?, ?, ?, ?, ?, ?)", numbered)
                self._db.executemany("INSERT INTO chunk_filters VALUES (?, ?, ?, ?, ?)",
                                     [(row[0], *row[3:]) for row in numbered])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def delete(self, article_ids: Sequence[str]) -> None:
        self.replace(article_ids, [])

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._writes += 1
            self._db.execute("DELETE FROM chunks")
            self._db.execute("DELETE FROM chunk_filters")

    def _delete(self, article_ids: Sequence[str]) -> None:
        ids = list(article_ids)
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            self._db.execute(
                f"DELETE FROM chunks WHERE rowid IN (SELECT id FROM chunk_filters WHERE article_id IN ({marks}))",
                batch,
            )
            self._db.execute(f"DELETE FROM chunk_filters WHERE article_id IN ({marks})", batch)

    def search(
        self,
        query: str,
        n: int,
        date_range: tuple[int, int] | None = None,
        undated: bool = False,
        sources: Sequence[str] = (),
        exclude_articles: Sequence[str] = (),
        budget: int | None = None,
    ) -> list[tuple[str, float]]:
        """(chunk_id, bm25 score, higher is better) of the best ``n`` chunks matching ``query`` and the filters.

        ``budget`` overrides ``postings_budget`` for this search.
        """
        words = self._within_budget(query_words(query), budget)
        if not words:
            return []
        expression = match_expression(words)
        sql = f"SELECT chunk_id, -bm25(chunks, {TITLE_WEIGHT}, 1.0) AS score FROM chunks WHERE chunks MATCH ?"
        params: list[Any] = [expression]
        if date_range:
            in_range = "published_num BETWEEN ? AND ?"
            sql += f" AND (published_num = 0 OR {in_range})" if undated else f" AND {in_range}"
            params += list(date_range)
        if sources:
            sql += f" AND source IN ({','.join('?' * len(sources))})"
            params += list(sources)
        if exclude_articles:
            sql += f" AND article_id NOT IN ({','.join('?' * len(exclude_articles))})"
            params += list(exclude_articles)
        sql += " ORDER BY bm25(chunks, ?, 1.0) LIMIT ?"
        params += [TITLE_WEIGHT, n]
        return [(row[0], float(row[1])) for row in self._reader().execute(sql, params)]

    def nearest(self, query: str, n: int, budget: int | None = None) -> list[tuple[str, dict[str, Any]]]:
        """The best ``n`` chunks for ``query``, unfiltered: (chunk_id, {"article_id", "source", "published_num"}).

        The metadata lets a caller apply ``Filters.admits`` itself: reading the
        filter columns for every matching row makes a filtered search about twice
        as slow as this one. They are read for the best ``n`` only, by id (SQLite
        would carry them through the sort of every matching row).
        """
        words = self._within_budget(query_words(query), budget)
        if not words:
            return []
        sql = ("SELECT f.chunk_id, f.article_id, f.source, f.published_num FROM "
               "(SELECT rowid AS id, bm25(chunks, ?, 1.0) AS rank FROM chunks WHERE chunks MATCH ? "
               "ORDER BY rank LIMIT ?) AS best JOIN chunk_filters f ON f.id = best.id ORDER BY best.rank")
        rows = self._reader().execute(sql, [TITLE_WEIGHT, match_expression(words), n]).fetchall()
        return [(row[0], dict(zip(FILTER_FIELDS, row[1:]))) for row in rows]

    def filters_of(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """chunk_id -> {"article_id", "source", "published_num"} for those of ``chunk_ids`` indexed here."""
        found: dict[str, dict[str, Any]] = {}
        ids = list(chunk_ids)
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            rows = self._reader().execute(
                "SELECT chunk_id, article_id, source, published_num FROM chunk_filters "
                f"WHERE chunk_id IN ({','.join('?' * len(batch))})", batch,
            )
            found.update((row[0], dict(zip(FILTER_FIELDS, row[1:]))) for row in rows)
        return found

    def _within_budget(self, words: list[str], budget: int | None = None) -> list[str]:
        """The rarest of ``words`` whose matching rows add up to at most the budget (at least three)."""
        budget = self.postings_budget if budget is None else budget
        if not budget:
            return words
        with self._lock:
            if len(self._rows) > 100_000:
                self._rows.clear()
            known, writes = {word: self._rows[word] for word in words if word in self._rows}, self._writes
        counted = {word: int(self._reader().execute("SELECT count(*) FROM chunks WHERE chunks MATCH ?",
                                                    [f'"{word}"']).fetchone()[0])
                   for word in words if word not in known}
        with self._lock:
            if self._writes == writes:
                self._rows.update(counted)
        rows = {**known, **counted}
        kept, total = [], 0
        for word in sorted((word for word in words if rows[word]), key=lambda word: (rows[word], word)):
            if len(kept) >= _MIN_WORDS and total + rows[word] > budget:
                break
            kept.append(word)
            total += rows[word]
        return sorted(kept)

    def close(self) -> None:
        with self._lock:
            for db in [*self._readers, self._db]:
                db.close()
            self._readers.clear()
