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
"""


def query_words(query: str) -> list[str]:
    """The content words of ``query`` that can be searched (plain letters and digits, so no FTS syntax)."""
    return [word for word in sorted(content_words(query)) if re.fullmatch(r"[a-z0-9]+", word)]


def match_expression(words: Sequence[str]) -> str:
    """An FTS5 query matching any of ``words`` (from ``query_words``), each quoted."""
    return " OR ".join(f'"{word}"' for word in words)


class LexicalIndex:
    """Chunk rows in FTS5; thread-safe (one connection, one lock)."""

    def __init__(self, path: Path, postings_budget: int = POSTINGS_BUDGET) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.postings_budget = postings_budget
        self._rows: dict[str, int] = {}  # word -> rows matching it; cleared on every write
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def replace(self, article_ids: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Delete these articles' rows and insert ``rows`` (title, text, chunk_id, article_id, source,
        published_num) in one transaction."""
        with self._lock:
            self._rows.clear()
            self._db.execute("BEGIN")
            try:
                self._delete(article_ids)
                self._db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)", list(rows))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def delete(self, article_ids: Sequence[str]) -> None:
        self.replace(article_ids, [])

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._db.execute("DELETE FROM chunks")

    def _delete(self, article_ids: Sequence[str]) -> None:
        ids = list(article_ids)
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            self._db.execute(f"DELETE FROM chunks WHERE article_id IN ({','.join('?' * len(batch))})", batch)

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
        with self._lock:
            return [(row[0], float(row[1])) for row in self._db.execute(sql, params)]

    def nearest(self, query: str, n: int, budget: int | None = None) -> list[tuple[str, dict[str, Any]]]:
        """The best ``n`` chunks for ``query``, unfiltered: (chunk_id, {"article_id", "source", "published_num"}).

        The metadata lets a caller apply ``Filters.admits`` itself: reading the
        filter columns for every matching row makes a filtered search about twice
        as slow as this one.
        """
        words = self._within_budget(query_words(query), budget)
        if not words:
            return []
        sql = ("SELECT chunk_id, article_id, source, published_num FROM chunks WHERE chunks MATCH ? "
               "ORDER BY bm25(chunks, ?, 1.0) LIMIT ?")
        with self._lock:
            rows = self._db.execute(sql, [match_expression(words), TITLE_WEIGHT, n]).fetchall()
        return [(row[0], {"article_id": row[1], "source": row[2], "published_num": row[3]}) for row in rows]

    def _within_budget(self, words: list[str], budget: int | None = None) -> list[str]:
        """The rarest of ``words`` whose matching rows add up to at most the budget (at least three)."""
        budget = self.postings_budget if budget is None else budget
        if not budget:
            return words
        with self._lock:
            if len(self._rows) > 100_000:
                self._rows.clear()
            for word in words:
                if word not in self._rows:
                    self._rows[word] = int(self._db.execute(
                        "SELECT count(*) FROM chunks WHERE chunks MATCH ?", [f'"{word}"']
                    ).fetchone()[0])
            rows = {word: self._rows[word] for word in words}
        kept, total = [], 0
        for word in sorted((word for word in words if rows[word]), key=lambda word: (rows[word], word)):
            if len(kept) >= _MIN_WORDS and total + rows[word] > budget:
                break
            kept.append(word)
            total += rows[word]
        return sorted(kept)

    def close(self) -> None:
        with self._lock:
            self._db.close()
