"""BM25 keyword search over the chunks, in an SQLite file, scored in numpy: derived from the store.

Dense embeddings miss exact names, numbers and rare words; BM25 finds them.

The index is derived state: Chroma holds the truth, and ``bot.store.Store``
keeps this file in step -- rows for the chunks it writes, in the same write,
and a catch-up from the article records for everything else (another
process's or another machine's writes, a crash between the two). So the file
also holds, per article, the version (content hash) its rows are of, and the
``watermark`` up to which the records have been read.

What the file holds per chunk: its filter fields (chunk id, article id,
version, source, published_num) and its terms -- words folded to lower case
without accents, stopwords left out, Porter-stemmed, each a 64-bit hash -- with
their counts (a title word counts ``TITLE_WEIGHT`` times) and the chunk's length
in words. Writes run in ``BEGIN IMMEDIATE`` transactions, so processes that
share the file serialize on SQLite's own lock, and chunk numbers are drawn
inside them (never reused).

How it is searched: the postings (term -> chunks) are kept as a *snapshot*,
numpy arrays sorted by term stored as blobs, plus the chunks written since
(the *delta*, read and sorted in memory on the first search after a write,
whichever process wrote). Chunks deleted since the snapshot are listed and
scored zero. When delta and deleted chunks together pass a quarter of the
snapshot, the write that crossed the line writes a new snapshot, so each
posting is re-sorted a bounded number of times over the index's life. A
search gives every chunk holding any of the question's terms its BM25 score
(``bm25``: SQLite FTS5's formula, k1 1.2, b 0.75, idf floored at 1e-6) with a
few numpy operations per term. Document frequencies count deleted chunks until
the next snapshot, as Lucene's do until a merge.

What it leaves out: phrase and proximity queries.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from bot.text import STOPWORDS

TITLE_WEIGHT = 2.0
K1, B = 1.2, 0.75
#: A new snapshot is written when delta + deleted chunks exceed this share of it (and ``_COMPACT_MIN``).
_COMPACT_SHARE, _COMPACT_MIN = 0.25, 2_000
#: The filter fields ``nearest`` and ``filters_of`` return for each chunk.
FILTER_FIELDS = ("article_id", "source", "published_num")
_VERSION = 4  # PRAGMA user_version; 1 was an FTS5 table, 2 had no article versions, 3 no catalog
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunk_filters (
    id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, article_id TEXT, version TEXT, source TEXT,
    published_num INTEGER
);
CREATE INDEX IF NOT EXISTS chunk_filters_article ON chunk_filters(article_id);
CREATE INDEX IF NOT EXISTS chunk_filters_source ON chunk_filters(source);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, version TEXT, title TEXT, source TEXT, published TEXT, url TEXT, chunks INTEGER,
    ingested_at REAL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value REAL);
CREATE TABLE IF NOT EXISTS chunk_terms (id INTEGER PRIMARY KEY, length INTEGER, terms BLOB, counts BLOB);
CREATE TABLE IF NOT EXISTS deleted (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS next_id (one INTEGER PRIMARY KEY CHECK (one = 1), id INTEGER);
CREATE TABLE IF NOT EXISTS snapshot (
    one INTEGER PRIMARY KEY CHECK (one = 1), generation INTEGER, upto INTEGER, chunks INTEGER, words INTEGER,
    terms BLOB, starts BLOB, ids BLOB, counts BLOB, lengths BLOB
);
"""
_TOKEN = re.compile(r"[^\W_]+")
_local = threading.local()  # one stemmer per thread: PyStemmer's are not thread-safe


def _stem(words: list[str]) -> list[str]:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("porter")  # the algorithm of FTS5's porter tokenizer
    return list(stemmer.stemWords(words))


def _fold(text: str) -> str:
    """Lower case without accents ("Café" -> "cafe")."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)
def _term_hash(term: str) -> int:
    """A term's stable 64-bit id (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little", signed=True)


def terms(text: str) -> tuple[list[str], int]:
    """The searchable terms of ``text`` (stemmed, stopwords left out) and its length in words."""
    words = _TOKEN.findall(_fold(text))
    return _stem([word for word in words if word not in STOPWORDS]), len(words)


def query_terms(query: str) -> np.ndarray:
    """The distinct term hashes of a question."""
    return np.array(sorted({_term_hash(term) for term in terms(query)[0]}), dtype=np.int64)


class KeywordRow(NamedTuple):
    """What the index keeps of one chunk."""

    chunk_id: str
    article_id: str
    version: str
    source: str
    published_num: int
    title: str
    text: str


@lru_cache(maxsize=256)
def _title_counts(title: str) -> tuple[tuple[tuple[int, float], ...], int]:
    """A title's weighted term counts and length (every chunk of an article has the same title)."""
    title_terms, title_length = terms(title)
    counts: Counter[int] = Counter()
    for term in title_terms:
        counts[_term_hash(term)] += TITLE_WEIGHT
    return tuple(counts.items()), title_length


def _chunk_terms(title: str, text: str) -> tuple[int, bytes, bytes]:
    """(length, term hashes, counts) of one chunk: its title's words count TITLE_WEIGHT times."""
    title_counts, title_length = _title_counts(title)
    text_terms, text_length = terms(text)
    counts: Counter[int] = Counter(dict(title_counts))
    for term in text_terms:
        counts[_term_hash(term)] += 1.0
    keys = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    return title_length + text_length, keys.tobytes(), values.tobytes()


def _catalog_row(meta: dict[str, Any]) -> tuple[Any, ...]:
    return (meta.get("title", ""), meta.get("source", ""), meta.get("published", ""), meta.get("url", ""),
            int(meta.get("chunks", 0) or 0), float(meta.get("ingested_at", 0) or 0))


def _catalog_filter(words: str, sources: Sequence[str], since: str, until: str) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of a catalog query: every word of ``words`` in the title."""
    clauses, params = ["title IS NOT NULL"], []
    for word in words.split()[:10]:
        clauses.append("title LIKE ? ESCAPE '\\'")
        params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if sources:
        clauses.append(f"source IN ({','.join('?' * len(sources))})")
        params += list(sources)
    if since:
        clauses.append("published >= ?")
        params.append(since)
    if until:
        clauses.append("published != '' AND published <= ?")
        params.append(until)
    return "WHERE " + " AND ".join(clauses), params


@dataclass(frozen=True)
class _Postings:
    """Postings sorted by term: ``terms[i]`` is held by ``ids[starts[i]:starts[i + 1]]``."""

    terms: np.ndarray  # int64, ascending, distinct
    starts: np.ndarray  # int64, len(terms) + 1
    ids: np.ndarray  # int32 chunk ids
    counts: np.ndarray  # float32 weighted term counts

    @classmethod
    def build(cls, ids: np.ndarray, terms: np.ndarray, counts: np.ndarray) -> _Postings:
        order = np.argsort(terms, kind="stable")
        sorted_terms = terms[order]
        distinct, first = np.unique(sorted_terms, return_index=True)
        starts = np.append(first, len(sorted_terms)).astype(np.int64)
        return cls(distinct, starts, ids[order].astype(np.int32), counts[order].astype(np.float32))

    def of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        at = int(np.searchsorted(self.terms, term))
        if at == len(self.terms) or self.terms[at] != term:
            return self.ids[:0], self.counts[:0]
        start, end = self.starts[at], self.starts[at + 1]
        return self.ids[start:end], self.counts[start:end]


_EMPTY = _Postings(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))


@dataclass(frozen=True)
class _View:
    """What a search reads: snapshot + delta postings, every chunk's length, the deleted ids."""

    stamp: tuple[int, int]
    generation: int
    snapshot: _Postings
    delta: _Postings
    lengths: np.ndarray  # float32 by chunk id
    deleted: np.ndarray  # int32 ids
    chunks: int
    average_length: float


def bm25(parts: Sequence[tuple[np.ndarray, np.ndarray]], lengths: np.ndarray, average_length: float, chunks: int,
         scores: np.ndarray) -> None:
    """Add one query term's BM25 contribution to ``scores`` (by chunk id), FTS5's formula.

    ``parts``: the term's postings, (chunk ids, weighted counts) per source; ``lengths``: every chunk's length
    in words by id; ``chunks``: how many chunks the index holds.
    """
    df = sum(len(ids) for ids, _ in parts)
    if not df:
        return
    idf = math.log((chunks - df + 0.5) / (df + 0.5)) if chunks > df else 0.0
    idf = idf if idf > 0 else 1e-6
    for ids, counts in parts:
        norm = K1 * (1 - B + B * lengths[ids] / average_length)
        scores[ids] += idf * counts * (K1 + 1) / (counts + norm)


class LexicalIndex:
    """Keyword (BM25) search over chunk rows; safe for many threads and processes.

    Writes go through one connection under a thread lock, in ``BEGIN IMMEDIATE``
    transactions (other processes wait on SQLite's lock); each reading thread has
    its own connection (WAL mode), and a search reads an immutable view of the
    postings, replaced after writes by any process.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._writes = 0
        self._db = self._connect()
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._writing():
            if int(self._db.execute("PRAGMA user_version").fetchone()[0]) == 3:  # add the catalog's columns
                for column in ("title TEXT", "source TEXT", "published TEXT", "url TEXT", "chunks INTEGER",
                               "ingested_at REAL"):
                    self._db.execute(f"ALTER TABLE articles ADD COLUMN {column}")
                self._db.execute(f"PRAGMA user_version = {_VERSION}")
            if int(self._db.execute("PRAGMA user_version").fetchone()[0]) != _VERSION:  # new, or an older file
                for table in ("chunks", "chunk_filters", "chunk_terms", "deleted", "next_id", "snapshot",
                              "articles", "state"):
                    self._db.execute(f"DROP TABLE IF EXISTS {table}")
                self._db.execute(f"PRAGMA user_version = {_VERSION}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
        self._view: _View | None = None
        self._view_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        # timeout: how long a statement waits for another process's write transaction
        return sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=600)

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
            with self._lock:
                self._readers.append(db)
        return db

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, exclusive among threads (the lock) and processes (BEGIN IMMEDIATE)."""
        with self._lock:
            self._writes += 1
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # --- writing ---------------------------------------------------------------
    def add(self, rows: Sequence[KeywordRow]) -> None:
        """Index these chunks (a chunk id already indexed is left as it is)."""
        terms_of = [_chunk_terms(row.title, row.text) for row in rows]  # outside the lock: searches go on
        with self._writing() as db:
            present = self._present(db, [row.chunk_id for row in rows])
            todo = [(row, found) for row, found in zip(rows, terms_of) if row.chunk_id not in present]
            upto = self._snapshot_upto(db)
            first = max(  # ids are never reused: a search may still hold postings of a deleted one
                int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM chunk_filters").fetchone()[0]),
                int((db.execute("SELECT id FROM next_id").fetchone() or [0])[0]), upto + 1,
            )
            db.executemany("INSERT INTO chunk_filters VALUES (?, ?, ?, ?, ?, ?)", [
                (first + i, row.chunk_id, row.article_id, row.version, row.source, row.published_num)
                for i, (row, _) in enumerate(todo)
            ])
            db.executemany("INSERT INTO chunk_terms VALUES (?, ?, ?, ?)",
                           [(first + i, *found) for i, (_, found) in enumerate(todo)])
            db.execute("INSERT OR REPLACE INTO next_id VALUES (1, ?)", [first + len(todo)])
        self._compact_if_due()

    def retire(self, versions: dict[str, str], catalog: dict[str, dict[str, Any]] | None = None) -> None:
        """Record each article's current version (and its ``catalog`` entry: title, source, published, url,
        chunks, ingested_at) and drop its rows of any other version."""
        catalog = catalog or {}
        with self._writing() as db:
            upto = self._snapshot_upto(db)
            for article_id, version in versions.items():
                self._delete(db, "article_id = ? AND version IS NOT ?", [article_id, version], upto)
            db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
                (article_id, version, *_catalog_row(catalog.get(article_id, {}))) for article_id, version in
                versions.items()])
        self._compact_if_due()

    def describe(self, catalog: dict[str, dict[str, Any]]) -> None:
        """Fill in the catalog entries of these (indexed) articles."""
        with self._writing() as db:
            db.executemany("UPDATE articles SET title = ?, source = ?, published = ?, url = ?, chunks = ?, "
                           "ingested_at = ? WHERE article_id = ?",
                           [(*_catalog_row(meta), article_id) for article_id, meta in catalog.items()])

    def undescribed(self) -> int:
        """How many indexed articles have no catalog entry yet (an index from before the catalog)."""
        return int(self._reader().execute("SELECT count(*) FROM articles WHERE title IS NULL").fetchone()[0])

    def catalog(self, words: str = "", sources: Sequence[str] = (), since: str = "", until: str = "",
                offset: int = 0, limit: int = 25) -> tuple[list[dict[str, Any]], int]:
        """A page of the catalog (newest first) matching a title search, sources and a published range
        (YYYY-MM-DD), and how many match in all."""
        where, params = _catalog_filter(words, sources, since, until)
        db = self._reader()
        total = int(db.execute(f"SELECT count(*) FROM articles {where}", params).fetchone()[0])
        rows = db.execute(
            "SELECT article_id, title, source, published, url, chunks, ingested_at FROM articles "
            f"{where} ORDER BY published DESC, title LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        fields = ("article_id", "title", "source", "published", "url", "chunks", "ingested_at")
        return [dict(zip(fields, row)) for row in rows], total

    def catalog_summary(self, words: str = "", sources: Sequence[str] = (), since: str = "",
                        until: str = "") -> dict[str, Any]:
        """Counts over the matching catalog: articles, chunks, sources, first and last date, last ingest."""
        where, params = _catalog_filter(words, sources, since, until)
        row = self._reader().execute(
            "SELECT count(*), coalesce(sum(chunks), 0), count(DISTINCT nullif(source, '')), "
            "min(nullif(published, '')), max(nullif(published, '')), max(ingested_at) FROM articles "
            f"{where}", params).fetchone()
        return dict(zip(("articles", "chunks", "sources", "first", "last", "last_ingest"), row))

    def per_day(self, words: str = "", sources: Sequence[str] = (), since: str = "",
                until: str = "") -> list[tuple[str, str, int]]:
        """(published day, source, articles) over the matching catalog, dated articles only."""
        where, params = _catalog_filter(words, sources, since, until)
        where = f"{where} AND" if where else "WHERE"
        return [tuple(row) for row in self._reader().execute(
            f"SELECT published, source, count(*) FROM articles {where} published != '' "
            "GROUP BY published, source ORDER BY published", params)]

    def remove(self, article_ids: Iterable[str]) -> None:
        """Drop every row of these articles."""
        ids = list(article_ids)
        with self._writing() as db:
            upto = self._snapshot_upto(db)
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                marks = ",".join("?" * len(batch))
                self._delete(db, f"article_id IN ({marks})", batch, upto)
                db.execute(f"DELETE FROM articles WHERE article_id IN ({marks})", batch)
        self._compact_if_due()

    def set_watermark(self, value: float) -> None:
        """Remember that the store's records up to ``value`` (their changed_at) are in the index."""
        with self._writing() as db:
            db.execute("INSERT OR REPLACE INTO state VALUES ('watermark', ?)", [value])

    def clear(self) -> None:
        with self._writing() as db:
            for table in ("chunk_filters", "chunk_terms", "deleted", "snapshot", "articles", "state"):
                db.execute(f"DELETE FROM {table}")

    @staticmethod
    def _present(db: sqlite3.Connection, chunk_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(chunk_ids), 500):
            batch = chunk_ids[start : start + 500]
            found.update(row[0] for row in db.execute(
                f"SELECT chunk_id FROM chunk_filters WHERE chunk_id IN ({','.join('?' * len(batch))})", batch))
        return found

    @staticmethod
    def _snapshot_upto(db: sqlite3.Connection) -> int:
        row = db.execute("SELECT upto FROM snapshot").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _delete(db: sqlite3.Connection, where: str, params: Sequence[Any], upto: int) -> None:
        inside = f"SELECT id FROM chunk_filters WHERE {where}"
        db.execute(f"INSERT OR IGNORE INTO deleted {inside} AND id <= ?", [*params, upto])
        db.execute(f"DELETE FROM chunk_terms WHERE id IN ({inside})", params)
        db.execute(f"DELETE FROM chunk_filters WHERE {where}", params)

    def _compact_if_due(self) -> None:
        """A new snapshot when delta + deleted chunks pass a quarter of the old one."""
        db = self._reader()
        snapshot = int((db.execute("SELECT chunks FROM snapshot").fetchone() or [0])[0])
        upto = self._snapshot_upto(db)
        changed = int(db.execute("SELECT count(*) FROM chunk_terms WHERE id > ?", [upto]).fetchone()[0])
        changed += int(db.execute("SELECT count(*) FROM deleted").fetchone()[0])
        if changed > max(_COMPACT_MIN, _COMPACT_SHARE * snapshot):
            self.compact()

    def compact(self) -> None:
        """Write a new snapshot of every chunk's postings now (writes do it when due)."""
        with self._writing() as db:
            ids, lengths, postings = self._read_terms(db, "")
            generation = int((db.execute("SELECT generation FROM snapshot").fetchone() or [0])[0]) + 1
            by_id = np.zeros(int(ids.max()) + 1 if len(ids) else 1, np.float32)
            by_id[ids] = lengths
            db.execute("DELETE FROM snapshot")
            db.execute("DELETE FROM deleted")
            db.execute(
                "INSERT INTO snapshot VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [generation, int(ids.max()) if len(ids) else 0, len(ids), int(lengths.sum()),
                 postings.terms.tobytes(), postings.starts.tobytes(), postings.ids.tobytes(),
                 postings.counts.tobytes(), by_id.tobytes()],
            )

    @staticmethod
    def _read_terms(db: sqlite3.Connection, where: str, params: Sequence[Any] = ()
                    ) -> tuple[np.ndarray, np.ndarray, _Postings]:
        """(ids, lengths, postings) of the chunk_terms rows matching ``where``."""
        rows = db.execute(f"SELECT id, length, terms, counts FROM chunk_terms {where}", params).fetchall()
        if not rows:
            return np.zeros(0, np.int32), np.zeros(0, np.float32), _EMPTY
        ids = np.fromiter((row[0] for row in rows), np.int32, len(rows))
        lengths = np.fromiter((row[1] for row in rows), np.float32, len(rows))
        keys = [np.frombuffer(row[2], np.int64) for row in rows]
        owner = np.repeat(ids, [len(k) for k in keys])
        counts = np.concatenate([np.frombuffer(row[3], np.float32) for row in rows])
        return ids, lengths, _Postings.build(owner, np.concatenate(keys), counts)

    # --- reading ---------------------------------------------------------------
    def count(self) -> int:
        """How many chunks are indexed."""
        return int(self._reader().execute("SELECT count(*) FROM chunk_filters").fetchone()[0])

    def any_published(self, first: int, last: int) -> bool:
        """Whether some chunk's article was published between the dates ``first`` and ``last`` (YYYYMMDD)."""
        return self._reader().execute("SELECT 1 FROM chunk_filters WHERE published_num BETWEEN ? AND ? LIMIT 1",
                                      (first, last)).fetchone() is not None

    def article_count(self) -> int:
        """How many articles the index has a version of."""
        return int(self._reader().execute("SELECT count(*) FROM articles").fetchone()[0])

    def watermark(self) -> float:
        row = self._reader().execute("SELECT value FROM state WHERE key = 'watermark'").fetchone()
        return float(row[0]) if row else 0.0

    def versions(self, article_ids: Iterable[str] | None = None) -> dict[str, str]:
        """article id -> the version its rows are of (all articles, or these)."""
        db = self._reader()
        if article_ids is None:
            return dict(db.execute("SELECT article_id, version FROM articles"))
        ids, found = list(article_ids), {}
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            found.update(db.execute(
                f"SELECT article_id, version FROM articles WHERE article_id IN ({','.join('?' * len(batch))})",
                batch))
        return found

    def chunk_ids(self) -> dict[str, tuple[str, str]]:
        """chunk id -> (article id, version) of every indexed chunk (for consistency checks)."""
        rows = self._reader().execute("SELECT chunk_id, article_id, version FROM chunk_filters")
        return {chunk_id: (article_id, version) for chunk_id, article_id, version in rows}

    def sources(self) -> list[str]:
        """The distinct non-empty sources of the indexed chunks, sorted."""
        rows = self._reader().execute("SELECT DISTINCT source FROM chunk_filters WHERE source != '' ORDER BY source")
        return [row[0] for row in rows]

    def _current(self) -> _View:
        """The view of the postings as of the last commit, by this process or another."""
        with self._lock:
            stamp = (int(self._db.execute("PRAGMA data_version").fetchone()[0]), self._writes)
        view = self._view
        if view is not None and view.stamp == stamp:
            return view
        with self._view_lock:
            if self._view is not None and self._view.stamp == stamp:
                return self._view
            self._view = self._load(stamp, self._view)
            return self._view

    def _load(self, stamp: tuple[int, int], old: _View | None) -> _View:
        db = self._reader()
        db.execute("BEGIN")  # one consistent read of snapshot, delta and deleted
        try:
            head = db.execute("SELECT generation, upto, chunks, words FROM snapshot").fetchone()
            generation, upto, chunks, words = head or (0, 0, 0, 0)
            if old is not None and old.generation == generation and head:
                snapshot, lengths = old.snapshot, old.lengths[: upto + 1]
            elif head:
                blobs = db.execute("SELECT terms, starts, ids, counts, lengths FROM snapshot").fetchone()
                snapshot = _Postings(np.frombuffer(blobs[0], np.int64), np.frombuffer(blobs[1], np.int64),
                                     np.frombuffer(blobs[2], np.int32), np.frombuffer(blobs[3], np.float32))
                lengths = np.frombuffer(blobs[4], np.float32)
            else:
                snapshot, lengths = _EMPTY, np.zeros(1, np.float32)
            ids, delta_lengths, delta = self._read_terms(db, "WHERE id > ?", [upto])
            deleted = np.array([row[0] for row in db.execute("SELECT id FROM deleted")], np.int32)
        finally:
            db.execute("COMMIT")
        size = max(len(lengths), int(ids.max()) + 1 if len(ids) else 0)
        all_lengths = np.zeros(size, np.float32)
        all_lengths[: len(lengths)] = lengths
        all_lengths[ids] = delta_lengths
        live = chunks - len(deleted) + len(ids)
        total = words - float(all_lengths[deleted].sum()) + float(delta_lengths.sum())
        return _View(stamp, generation, snapshot, delta, all_lengths, deleted, max(live, 0),
                     total / live if live > 0 else 1.0)

    def _ranked(self, query: str, top: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, BM25 scores) of the best ``top`` (None: all) live chunks holding a term of ``query``,
        best first."""
        view = self._current()
        scores = np.zeros(len(view.lengths), np.float32)
        for term in query_terms(query):
            parts = [view.snapshot.of(int(term)), view.delta.of(int(term))]
            bm25(parts, view.lengths, view.average_length, view.chunks, scores)
        scores[view.deleted[view.deleted < len(scores)]] = 0
        hit = np.flatnonzero(scores)
        if top is not None and len(hit) > top:
            best = np.argpartition(-scores[hit], top - 1)[:top]
            cut = scores[hit[best]].min()
            hit = hit[scores[hit] >= cut]  # everything tied with the last place, so ties break by id as below
        order = np.lexsort((hit, -scores[hit]))  # best first; ties by id, so results are repeatable
        if top is not None:
            order = order[:top]
        return hit[order], scores[hit[order]]

    def known(self, words: Sequence[str]) -> set[str]:
        """Those of ``words`` some chunk holds (as a term: "fires" is held where "fire" is; a stopword is
        held; the words of a deleted chunk may count until the next snapshot)."""
        view = self._current()
        held = set()
        for word in words:
            found = terms(word)[0]
            if all(len(view.snapshot.of(h)[0]) or len(view.delta.of(h)[0]) for h in map(_term_hash, found)):
                held.add(word)
        return held

    def nearest(
        self, query: str, n: int, admits: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """The best ``n`` chunks for ``query`` (that ``admits`` accepts, if given), best first:
        (chunk_id, {"article_id", "source", "published_num"})."""
        return [(chunk_id, meta) for chunk_id, meta, _ in self.scored(query, n, admits)]

    def scored(
        self, query: str, n: int, admits: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[tuple[str, dict[str, Any], float]]:
        """``nearest`` with each chunk's BM25 score. With ``admits``, chunks are read best first until
        ``n`` pass (all of the matching ones, if need be)."""
        ids, scores = self._ranked(query, n if admits is None else None)
        found: list[tuple[str, dict[str, Any], float]] = []
        step = max(4 * n, 100)
        for start in range(0, len(ids), step):
            batch = ids[start : start + step].tolist()
            marks = ",".join("?" * len(batch))
            rows = {row[0]: row[1:] for row in self._reader().execute(
                f"SELECT id, chunk_id, article_id, source, published_num FROM chunk_filters WHERE id IN ({marks})",
                batch,
            )}
            for number, score in zip(batch, scores[start : start + len(batch)].tolist()):
                if number not in rows:
                    continue
                meta = dict(zip(FILTER_FIELDS, rows[number][1:]))
                if admits is None or admits(meta):
                    found.append((rows[number][0], meta, score))
                    if len(found) == n:
                        return found
        return found

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

    def close(self) -> None:
        with self._lock:
            for db in [*self._readers, self._db]:
                db.close()
            self._readers.clear()
