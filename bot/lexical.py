"""BM25 keyword search over the chunks, in an SQLite FTS5 file beside the store.

Dense embeddings miss exact names, numbers and rare words; BM25 finds them.
The index holds one row per chunk (its title line and text, porter-stemmed)
plus the filter fields (article id, source, published_num), and is updated
incrementally with every store write and delete -- never rebuilt per query or
per start. If it is missing or disagrees with the store (an older store, a
store written by another machine's ingest in server mode), ``Store`` rebuilds
it once from the chunk texts held in Chroma.

What it leaves out: phrase and proximity queries; a question becomes an OR of
its content words, ranked by FTS5's bm25() with the title weighted above the text.
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
_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5(
    title, text, chunk_id UNINDEXED, article_id UNINDEXED, source UNINDEXED, published_num UNINDEXED,
    tokenize = 'porter unicode61'
);
"""


def match_expression(query: str) -> str:
    """An FTS5 query matching any content word of ``query`` (quoted, so no FTS syntax leaks in)."""
    words = sorted(content_words(query))
    return " OR ".join(f'"{word}"' for word in words if re.fullmatch(r"[a-z0-9]+", word))


class LexicalIndex:
    """Chunk rows in FTS5; thread-safe (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
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
    ) -> list[tuple[str, float]]:
        """(chunk_id, bm25 score, higher is better) of the best ``n`` chunks matching ``query``."""
        expression = match_expression(query)
        if not expression:
            return []
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

    def close(self) -> None:
        with self._lock:
            self._db.close()
