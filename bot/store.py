"""The store: article chunks with their vectors, one record per article, and the keyword index beside them.

This module is the only code that talks to Chroma and to the keyword index.
Three collections per index, in an embedded folder or on a Chroma server alike:

- ``<name>``: one entry per chunk: its text, its vector, the article's metadata
  (title, source, author, published and published_num, url, path), its
  character span (start, end) in the body, and the ``version`` of the article
  it belongs to (the article's content hash);
- ``<name>__articles``: one record per article: its whole body (quotes are
  checked against it), metadata, content hash, origin, and ``changed_at``, the
  time of its last write;
- ``<name>__journal``: the writes in progress (which articles), for repair.

**Versions, not overwrites.** A new version of an article gets new chunk ids
(the version is part of them). A write adds the new chunks, then upserts the
record (one atomic row: body, hash, changed_at), then deletes the old version's
chunks. A reader keeps a chunk only when its version is its record's, and it
takes the body from that same record: a question asked during a write sees the
old article or the new one, never a mix and never an article without chunks.
A crash leaves at worst chunks no record points to (invisible to readers); the
journal names them, and the next writer, or the app, removes them.

**Many processes.** Chroma's embedded client is not process-safe (``bot/locks.py``
says why), so on a folder store every write, every client open and every repair
holds the folder's ``StoreLock``, and a counter file says when the content
changed: a long-lived reader (``follow``) then opens a fresh client, whose
vector index holds the other process's chunks, and swaps it in while searches
go on; a writer reopens before writing when anybody touched the files. A Chroma
server is safe for many clients by itself; there the lock only guards this
machine's keyword index file, and writers tolerate each other: once its chunks
are in, a writer reads the records again (another machine may have written a
version read later: its own is then withdrawn), deletes only the version it
replaced, and the journal clears what a dead writer leaves. What remains is the
moment between that read and its record's upsert (Chroma has no compare-and-set).

**The keyword index is derived.** Each write updates it too; everything else
-- another process's or machine's writes, a crash between Chroma and the
index, an index that is new or from an older version -- is caught up from the
records: those changed since the index's watermark (``changed_at``, with a
margin for clocks and slow commits), plus a full comparison of ids when the
counts disagree (deletions). Catching up is incremental and resumable, and a
follower does it in the background, so opening never waits on a rebuild.

Nothing here parses files or computes embeddings; vectors come in ready-made.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, EmptyStoreError, StoreError
from bot.lexical import FILTER_FIELDS, KeywordRow, LexicalIndex
from bot.locks import Generation, StoreLock
from bot.settings import Settings
from bot.types import Article, Chunk, published_number

READY, PENDING = "ready", "pending"
#: Records written by this version of the store carry ``layout: 2``; older records own chunks without a version.
LAYOUT = 2
_RECORD_VECTOR = [0.0]  # records and journal entries are looked up by id and metadata, never by vector
#: Records changed up to this many seconds before the keyword index's watermark are read again when it
#: catches up: a write's changed_at is taken just before its record is upserted, maybe on another machine.
CLOCK_MARGIN = 10.0
#: A journal entry this old is a dead writer's, even on a Chroma server where nobody holds a lock.
_JOURNAL_GRACE = 900.0
#: How often a follower looks for dead writers' journal entries (seconds).
_REPAIR_EVERY = 60.0
_CATCH_UP_BATCH = 64  # articles per catch-up step (each step holds the lock briefly)
#: Metadata values are capped so that one odd article cannot bloat every chunk's metadata.
_META_CAPS = {"title": 500, "source": 200, "author": 300, "url": 2000, "path": 1000}
#: The chunk collection's vector index: cosine, and 32 links per node, not Chroma's 16. With 16, near-duplicate
#: vectors (one wire story in many outlets, an article's versions) leave some nodes unreachable: a dense query
#: misses them, even with their own vector, even asking for every chunk. Chroma rebuilds a small index from
#: its log on every open, in parallel and so differently each time: in a test store of 40 near-identical
#: articles, 5 of 60 fresh opens lost 1-8 vectors with 16 links, none of 300 with 32. It is fixed when a
#: collection is created: older stores keep their 16 (``check`` reports what that costs them).
CHUNK_INDEX = {"hnsw:space": "cosine", "hnsw:M": 32}


#: Free space (MB) a write leaves on the store's disk at least, unless open_store is told otherwise.
DEFAULT_MIN_FREE_MB: float = Settings.model_fields["min_free_mb"].default
#: What a chunk costs on disk besides its text and vector: metadata, ids, index entries (bytes, roughly).
_ROW_BYTES = 2_000


def chunk_id(article_id: str, version: str, index: int) -> str:
    return f"{hashlib.sha1(article_id.encode('utf-8')).hexdigest()[:20]}:{version[:12]}:{index:05d}"


def _cap(key: str, value: str) -> str:
    limit = _META_CAPS.get(key)
    return value if limit is None or len(value) <= limit else value[: limit - 1] + "…"


def article_metadata(article: Article) -> dict[str, Any]:
    fields = {"article_id": article.article_id, "title": article.title, "source": article.source,
              "author": article.author, "published": article.published_iso, "url": article.url,
              "path": article.path}
    return {**{key: _cap(key, value) for key, value in fields.items()},
            "published_num": published_number(article.published)}


@dataclass(frozen=True)
class Indexed:
    """An article ready to be written: its chunks and one vector per chunk."""

    article: Article
    content_hash: str
    chunks: Sequence[Chunk]
    vectors: Sequence[Sequence[float]]


@dataclass(frozen=True)
class StoredChunk:
    """A chunk of an article's current version, with that version's body (``body[start:end] == text``)."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]
    body: str


def superseded_by(item: Indexed, old: dict[str, dict[str, Any]]) -> bool:
    """Whether the store holds a version of the item's article read after this one was (by another process):
    writing it would put back what its source said before."""
    record = old.get(item.article.article_id)
    if not (record and item.article.read_at and record.get("state") == READY):
        return False
    return record.get("hash") != item.content_hash and float(record.get("read_at") or 0) > item.article.read_at


def already_written(item: Indexed, old: dict[str, dict[str, Any]], origin: str) -> bool:
    """Whether the store holds just this version of the item's article, from this origin and feed item: another
    process (an ingest of the same inputs at the same time) wrote it after this one compared: nothing to write."""
    record = old.get(item.article.article_id)
    return bool(record) and record.get("state") == READY and record.get("hash") == item.content_hash and (
        record.get("origin") == origin and record.get("item_version", "") == item.article.source_version)


#: Why ``Store.write`` left an article as it was.
SUPERSEDED, ALREADY_WRITTEN = "superseded", "already written"


def _left_as_is(item: Indexed, old: dict[str, dict[str, Any]], origin: str) -> str | None:
    """Why ``Store.write`` leaves this item's article as it is (``SUPERSEDED``, ``ALREADY_WRITTEN``), or None."""
    if superseded_by(item, old):
        return SUPERSEDED
    return ALREADY_WRITTEN if already_written(item, old, origin) else None


def is_current(chunk: dict[str, Any], record: dict[str, Any] | None) -> bool:
    """Whether a chunk (its metadata) belongs to the version of its article that the record describes."""
    if record is None or record.get("state") != READY:
        return False
    version = chunk.get("version")
    if version is None:  # written before versions: it belongs to a record of that time
        return record.get("layout") is None
    return version == record.get("hash")


class _Handle:
    """One Chroma client and its three collections; closed once replaced and no search uses it."""

    def __init__(self, client: Any, name: str, files: int) -> None:
        self.client = client
        self.chunks = client.get_or_create_collection(name, metadata=CHUNK_INDEX,
                                                      embedding_function=None)
        self.articles = client.get_or_create_collection(f"{name}__articles", embedding_function=None)
        self.journal = client.get_or_create_collection(f"{name}__journal", embedding_function=None)
        self.feeds = client.get_or_create_collection(f"{name}__feeds", embedding_function=None)
        self.batch = int(client.get_max_batch_size())
        self.files = files  # the folder's files counter this client's view of the files is from
        self.users = 0
        self.retired = False
        self._dimension: int | None = None

    def dimension(self) -> int | None:
        """The length of the vectors the collection holds (None while it is empty)."""
        if self._dimension is None:
            try:
                found = self.chunks.get(limit=1, include=["embeddings"])["embeddings"]
            except Exception:  # noqa: BLE001 - a client new to vectors another process has not flushed yet
                return None  # unknown: Chroma's own check on the write still refuses a wrong length
            if len(found):
                self._dimension = len(found[0])
        return self._dimension

    def warm_up(self) -> None:
        """Load the vector index now (a client reads it from disk on first use): under the lock, not later."""
        self.articles.count()
        if self.chunks.count():
            vector = self.chunks.get(limit=1, include=["embeddings"])["embeddings"][0]
            self.chunks.query(query_embeddings=[list(vector)], n_results=1, include=[])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        _release_memory()


def _release_memory() -> None:
    """Give a closed client's vector index back to the OS (glibc keeps freed arenas otherwise)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class Store:
    """The chunks, article records and keyword index of one collection; safe for threads and processes.

    ``connect(n)`` makes Chroma client number ``n`` (a folder store gives each
    reopened client its own name for the folder, so it loads fresh); ``generation``
    is None for a Chroma server. ``step_hook(step)`` is called between the steps
    of a write (tests kill a writer there).
    """

    def __init__(
        self, connect: Callable[[int], Any], name: str, where: str, lexical: LexicalIndex, lock: StoreLock,
        generation: Generation | None = None, step_hook: Callable[[str], None] | None = None,
        min_free_mb: float = DEFAULT_MIN_FREE_MB,
    ) -> None:
        self.name = name
        self.where = where
        self.lexical = lexical
        self.lock = lock
        self.generation = generation
        self.step_hook = step_hook or (lambda step: None)
        self.min_free_bytes = int(min_free_mb * 1e6)
        self._connect = connect
        self._opened = 0
        self._handle_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._follower: threading.Thread | None = None
        self._stop = threading.Event()
        self.last_refresh_error = ""
        self._repaired_at = time.monotonic()
        with self.lock.held():
            self._handle = self._open()
            self._seen = self.generation.read().content if self.generation else 0
            self._repair()

    # --- clients -----------------------------------------------------------------
    def _open(self) -> _Handle:
        """A new client with its collections (hold the lock)."""
        self._opened += 1
        try:
            client = self._connect(self._opened - 1)
            files = self.generation.bump(content=False).files if self.generation else 0
            handle = _Handle(client, self.name, files)
            if self.generation:
                handle.warm_up()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"Can't open collection {self.name!r} in {self.where} ({exc})") from exc
        return handle

    def _swap(self, handle: _Handle) -> None:
        with self._handle_lock:
            old, self._handle = self._handle, handle
            old.retired = True
            idle = old.users == 0
        if idle:
            old.close()

    @contextlib.contextmanager
    def _use(self) -> Iterator[_Handle]:
        """The current client, kept open until the block ends even if a newer one replaces it."""
        with self._handle_lock:
            handle = self._handle
            handle.users += 1
        try:
            yield handle
        finally:
            with self._handle_lock:
                handle.users -= 1
                idle = handle.retired and handle.users == 0
            if idle:
                handle.close()

    def _reopen(self) -> None:
        """Swap in a fresh client (a folder store's vector index then holds other processes' writes)."""
        with self.lock.held():
            seen = self.generation.read().content if self.generation else 0
            handle = self._open()
        self._seen = seen
        self._swap(handle)

    # --- reading -------------------------------------------------------------------
    def count_articles(self) -> int:
        with self._use() as h:
            return int(h.articles.count())

    def count_chunks(self) -> int:
        with self._use() as h:
            return int(h.chunks.count())

    def require_articles(self) -> None:
        if self.count_articles() == 0:
            raise EmptyStoreError(f"No articles in {self.where}. Run: python -m ingest samples/")

    def nearest(self, vector: Sequence[float], n: int, where: dict[str, Any] | None = None) -> list[str]:
        """Ids of the ``n`` chunks nearest ``vector`` (that match the Chroma ``where`` clause), best first.

        Ids only: reading 80 chunks' metadata from Chroma costs more than the search
        (``filters_of`` has the filter fields). Chunks of old versions may be among them;
        ``passages`` leaves those out. A folder client that another process's write made stale
        can fail a filtered query (ids it lacks): then it is reopened and asked again.
        """
        for attempt in (1, 2):
            try:
                with self._use() as h:
                    self._check_dimension(h, len(vector))
                    found = h.chunks.query(query_embeddings=[list(vector)], n_results=n, where=where, include=[])
                return list(found["ids"][0])
            except Exception as error:
                if attempt == 2 or self.generation is None or isinstance(error, ConfigError):
                    raise
                self._reopen()
        raise AssertionError("unreachable")

    def _check_dimension(self, h: _Handle, length: int) -> None:
        """A ConfigError naming the fix when vectors of ``length`` do not fit the ones the store holds."""
        held = h.dimension()
        if held is not None and held != length:
            raise ConfigError(
                f"{self.where}: the store holds vectors of {held} numbers and this embedding model gives {length}: "
                "the store was made with another embedding backend or model. Use the ones it was made with "
                "(NEWSBOT_EMBEDDING_BACKEND, NEWSBOT_EMBEDDING_MODEL), or another --store or --collection."
            )

    def keyword(self, query: str, n: int, admits: Callable[[dict[str, Any]], bool] | None = None
                ) -> list[tuple[str, dict[str, Any]]]:
        """The best ``n`` keyword (BM25) hits (that ``admits`` accepts), best first: (chunk id, filter fields)."""
        return self.lexical.nearest(query, n, admits)

    def known_words(self, words: Sequence[str]) -> set[str]:
        """Those of ``words`` some article in the store uses (per the keyword index)."""
        return self.lexical.known(words)

    def any_published(self, first: int, last: int) -> bool:
        """Whether the store holds an article published between ``first`` and ``last`` (YYYYMMDD numbers)."""
        return self.lexical.any_published(first, last)

    def filters_of(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """chunk id -> {"article_id", "source", "published_num"} of these chunks (those that exist).

        From the keyword index's table; chunks it does not hold yet (it is catching up) from Chroma.
        """
        found = self.lexical.filters_of(chunk_ids)
        missing = [chunk for chunk in chunk_ids if chunk not in found]
        if missing:
            with self._use() as h:
                result = h.chunks.get(ids=missing, include=["metadatas"])
            found.update((chunk, {key: meta.get(key) for key in FILTER_FIELDS})
                         for chunk, meta in zip(result["ids"], result["metadatas"]))
        return found

    def passages(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        """These chunks with their article bodies, in the order asked, leaving out any that is not of its
        article's current version (or gone)."""
        if not chunk_ids:
            return []
        with self._use() as h:
            found = h.chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
            chunks = {i: (text, meta) for i, text, meta in zip(found["ids"], found["documents"], found["metadatas"])}
            owners = list(dict.fromkeys(meta["article_id"] for _, meta in chunks.values()))
            records = h.articles.get(ids=owners, include=["documents", "metadatas"]) if owners else None
        current = {i: (body, meta) for i, body, meta in
                   zip(records["ids"], records["documents"], records["metadatas"])} if records else {}
        kept = []
        for chunk in chunk_ids:
            if chunk not in chunks:
                continue
            text, meta = chunks[chunk]
            body, record = current.get(meta["article_id"], ("", None))
            if is_current(meta, record) and body[int(meta["start"]) : int(meta["end"])] == text:
                kept.append(StoredChunk(chunk, text, meta, body))
        return kept

    def records(self, article_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored records (metadata) of these articles, by id; missing ones are left out."""
        found: dict[str, dict[str, Any]] = {}
        with self._use() as h:
            for batch in _batches(list(dict.fromkeys(article_ids)), h.batch):
                result = h.articles.get(ids=batch, include=["metadatas"])
                found.update(zip(result["ids"], result["metadatas"]))
        return found

    def records_from(self, origin: str) -> dict[str, dict[str, Any]]:
        """The records of every article that was last ingested from ``origin``."""
        with self._use() as h:
            result = h.articles.get(where={"origin": origin}, include=["metadatas"])
        return dict(zip(result["ids"], result["metadatas"]))

    def records_from_paths(self, paths: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """path -> (article id, record) of the articles read from these paths (files, or feed item links)."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        with self._use() as h:
            for batch in _batches(list(dict.fromkeys(paths)), 200):
                result = h.articles.get(where={"path": {"$in": batch}}, include=["metadatas"])
                found.update((meta["path"], (article_id, meta))
                             for article_id, meta in zip(result["ids"], result["metadatas"]))
        return found

    def feed_states(self, urls: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """What the feeds (or pages) at these URLs answered last time (all followed feeds when None):
        etag, last_modified, checked_at, title, kind, result, failed, and items (JSON: the items read)."""
        with self._use() as h:
            result = h.feeds.get(ids=list(urls), include=["metadatas"]) if urls else h.feeds.get(
                include=["metadatas"])
        return {url: meta for url, meta in zip(result["ids"], result["metadatas"]) if meta.get("kind") != "robots"}

    def robots(self, site: str, newer_than: float) -> str | None:
        """The robots.txt of ``site`` (scheme://host) kept since ``newer_than`` (a time), or None."""
        with self._use() as h:
            result = h.feeds.get(ids=[f"robots {site}"], include=["documents", "metadatas"])
        if not result["ids"] or float(result["metadatas"][0].get("checked_at", 0)) < newer_than:
            return None
        return result["documents"][0] or ""

    def save_robots(self, site: str, text: str) -> None:
        with self.lock.held(), self._use() as h:
            h.feeds.upsert(ids=[f"robots {site}"], embeddings=[_RECORD_VECTOR], documents=[text],
                           metadatas=[{"kind": "robots", "checked_at": time.time()}])

    def save_feed_states(self, states: dict[str, dict[str, Any]], followed: Collection[str] = ()) -> None:
        """Remember what these feeds answered (see ``feed_states``). Those ``followed`` when they were read are
        saved only while they still are: one unfollowed meanwhile (``forget_feeds``, by any process) stays so."""
        clean = {url: {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)}
                 for url, meta in states.items()}
        with self.lock.held(), self._use() as h:
            if was := [url for url in clean if url in followed]:
                still = set(h.feeds.get(ids=was, include=[])["ids"])
                clean = {url: meta for url, meta in clean.items() if url not in followed or url in still}
            if not clean:
                return
            h.feeds.upsert(ids=list(clean), embeddings=[_RECORD_VECTOR] * len(clean), documents=list(clean),
                           metadatas=list(clean.values()))

    def forget_feeds(self, urls: Sequence[str]) -> list[str]:
        """Stop following the feeds (or pages) at these URLs: their states go (what they answered, their
        items), the articles read from them stay. Returns the URLs that were followed."""
        with self.lock.held(), self._use() as h:
            known = h.feeds.get(ids=list(dict.fromkeys(urls)), include=["metadatas"])["ids"]
            if known:
                h.feeds.delete(ids=known)
        return known

    def all_records(self, with_bodies: bool = False) -> dict[str, tuple[dict[str, Any], str]]:
        """Every record: id -> (metadata, body or "")."""
        found: dict[str, tuple[dict[str, Any], str]] = {}
        include = ["metadatas", "documents"] if with_bodies else ["metadatas"]
        with self._use() as h:
            total = int(h.articles.count())
            for offset in range(0, total, h.batch):
                result = h.articles.get(include=include, limit=h.batch, offset=offset)
                bodies = result["documents"] if with_bodies else [""] * len(result["ids"])
                found.update(zip(result["ids"], zip(result["metadatas"], bodies)))
        return found

    def all_chunks(self) -> dict[str, tuple[dict[str, Any], str]]:
        """Every chunk in Chroma: id -> (metadata, text), old versions and orphans included (for checks)."""
        found: dict[str, tuple[dict[str, Any], str]] = {}
        with self._use() as h:
            total = int(h.chunks.count())
            for offset in range(0, total, h.batch):
                result = h.chunks.get(include=["metadatas", "documents"], limit=h.batch, offset=offset)
                found.update(zip(result["ids"], zip(result["metadatas"], result["documents"])))
        return found

    def article(self, article_id: str) -> tuple[str, dict[str, Any]] | None:
        """(body, metadata) of one article, or None."""
        with self._use() as h:
            result = h.articles.get(ids=[article_id], include=["documents", "metadatas"])
        if not result["ids"]:
            return None
        return result["documents"][0], result["metadatas"][0]

    def bodies(self, article_ids: Iterable[str]) -> dict[str, str]:
        """The bodies of these articles, by id."""
        found: dict[str, str] = {}
        with self._use() as h:
            for batch in _batches(list(dict.fromkeys(article_ids)), h.batch):
                result = h.articles.get(ids=batch, include=["documents"])
                found.update(zip(result["ids"], result["documents"]))
        return found

    def sources(self) -> list[str]:
        """The sources of the stored articles, sorted (from the keyword index's filter table)."""
        return self.lexical.sources()

    def library(self, words: str = "", sources: Sequence[str] = (), since: str = "", until: str = "",
                offset: int = 0, limit: int = 25) -> tuple[list[dict[str, Any]], int]:
        """A page of the stored articles, newest first (title, source, published, url, chunks, ingested_at),
        whose titles hold every word of ``words``, from ``sources``, published within since..until (YYYY-MM-DD),
        and how many match. Read from the keyword index's catalog: fast at any size."""
        return self.lexical.catalog(words, sources, since, until, offset, limit)

    def library_summary(self, words: str = "", sources: Sequence[str] = (), since: str = "",
                        until: str = "") -> dict[str, Any]:
        """Counts of the matching articles: articles, chunks, sources, first and last date, last ingest."""
        return self.lexical.catalog_summary(words, sources, since, until)

    def per_day(self, words: str = "", sources: Sequence[str] = (), since: str = "",
                until: str = "") -> list[tuple[str, str, int]]:
        """(published day, source, articles) of the matching dated articles, by day."""
        return self.lexical.per_day(words, sources, since, until)

    # --- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _writing(self, article_ids: Sequence[str], dimension: int | None = None, adds: int = 0) -> Iterator[_Handle]:
        """Hold the lock, with a client whose view of the files is current, and a journal entry for the block
        (vectors of ``dimension`` numbers are checked against the store's first: a refused write leaves nothing;
        so is one the disk has no room for, ``adds`` bytes about to be added: ``_check_space``)."""
        self._check_space(adds)
        with self.lock.held():
            if self.generation and self.generation.read().files != self._handle.files:
                self._swap(self._open())  # somebody else touched the files since this client loaded them
            with self._use() as h:
                if dimension is not None:
                    self._check_dimension(h, dimension)
                entry = uuid.uuid4().hex
                h.journal.add(ids=[entry], embeddings=[_RECORD_VECTOR], documents=[json.dumps(list(article_ids))],
                              metadatas=[{"started_at": time.time(), "pid": os.getpid(), "host": socket.gethostname()}])
                self.step_hook("journal")
                yield h
                h.journal.delete(ids=[entry])
                if self.generation:
                    h.files = self.generation.bump(content=True).files
                    self._seen = self.generation.read().content

    def _check_space(self, adds: int) -> None:
        """A StoreError when the disk holding the store folder has less than ``min_free_bytes`` free beside four
        times ``adds`` (vectors, text, index, write-ahead log): Chroma blocks, lock held, on a full disk."""
        folder = self.lock.path.parent
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            return  # nothing to measure: the write says what is wrong
        needed = self.min_free_bytes + 4 * adds
        if free < needed:
            raise StoreError(f"The disk holding {folder} has {free / 1e6:.0f} MB free; this write needs about "
                             f"{needed / 1e6:.0f} MB (NEWSBOT_MIN_FREE_MB, plus four times what it adds). Nothing "
                             "was written: free some space, or move the store (NEWSBOT_STORE_DIR), and run again")

    def write(self, items: Sequence[Indexed], origin: str) -> dict[str, str]:
        """Write these articles' new versions (see the module docstring: readers never see a mix); returns the
        ids of those left as they are, and why: another process wrote a version it read later (two ingests of
        one folder, one holding a file it read before an edit): ``SUPERSEDED``; or it wrote this very version
        since the caller compared (two ingests of the same inputs at once): ``ALREADY_WRITTEN``."""
        if not items:
            return {}
        ids = [item.article.article_id for item in items]
        versions = {item.article.article_id: item.content_hash for item in items}
        length = next((len(vector) for item in items for vector in item.vectors), None)
        adds = sum(len(chunk.text.encode("utf-8", "surrogatepass")) + 4 * (length or 0) + _ROW_BYTES
                   for item in items for chunk in item.chunks)
        with self._writing(ids, length, adds) as h:
            old = self.records(ids)
            left = {item.article.article_id: why for item in items if (why := _left_as_is(item, old, origin))}
            if left:
                kept = set(versions) - set(left)
                items = [item for item in items if item.article.article_id in kept]
                versions = {article_id: versions[article_id] for article_id in kept}
            rows = [
                (chunk_id(item.article.article_id, item.content_hash, chunk.index), vector, chunk.text,
                 {**article_metadata(item.article), "version": item.content_hash, "chunk": chunk.index,
                  "start": chunk.start, "end": chunk.end})
                for item in items
                for chunk, vector in zip(item.chunks, item.vectors, strict=True)
            ]
            for batch in _batches(rows, h.batch):
                chunk_ids, vectors, texts, metadatas = zip(*batch)
                h.chunks.upsert(ids=list(chunk_ids), embeddings=[list(v) for v in vectors],
                                documents=list(texts), metadatas=list(metadatas))
            self.step_hook("chunks")
            self.lexical.add([_keyword_row(i, t, m) for i, _, t, m in rows])
            self.step_hook("keyword")
            if self.generation is None and items:
                items, versions, old = self._after_others(h, items, versions, rows, left)
            now = time.time()
            self._put_records(h, items, origin, now)
            self.step_hook("records")
            self._drop_old_versions(h, versions, old)
            self.lexical.retire(versions, {item.article.article_id: {
                **article_metadata(item.article), "chunks": len(item.chunks), "ingested_at": now} for item in items})
            self.step_hook("old versions")
        return left

    def _after_others(self, h: _Handle, items: Sequence[Indexed], versions: dict[str, str], rows: list[Any],
                      left: dict[str, str]) -> tuple[list[Indexed], dict[str, str], dict[str, dict[str, Any]]]:
        """On a server, where our lock holds off no other machine: the records as they are now that our chunks are
        in, and what of this write still goes ahead. Another machine may have written some of these articles
        since ``write`` began, a version read after ours: ours is then superseded after all (its chunks are
        removed again); otherwise the version we replace is that one (its chunks are dropped, not left behind
        as orphans: the records read at the start named an older one)."""
        old = self.records(list(versions))
        late = {item.article.article_id for item in items if superseded_by(item, old)}
        if not late:
            return list(items), versions, old
        left.update(dict.fromkeys(late, SUPERSEDED))
        ours = [row[0] for row in rows if row[3]["article_id"] in late]
        for batch in _batches(ours, h.batch):
            h.chunks.delete(ids=batch)
        self._index(h, {article_id: old[article_id] for article_id in late})  # our keyword rows go too
        return ([item for item in items if item.article.article_id not in late],
                {a: v for a, v in versions.items() if a not in late}, old)

    def update_records(self, changes: dict[str, dict[str, Any]]) -> None:
        """Change some metadata of these (unchanged) articles' records, e.g. ``{"origin": …}``: pruning goes by
        origin, and ``item_version`` says which state of a feed item the article is of."""
        if not changes:
            return
        with self._writing(list(changes)) as h:
            now = time.time()  # a change too: a prune whose listing is older leaves it (``delete``)
            items = list(changes.items())
            for batch in _batches(items, h.batch):
                h.articles.update(ids=[i for i, _ in batch],
                                  metadatas=[{**change, "changed_at": now} for _, change in batch])

    def delete(self, article_ids: Sequence[str], origin: str | None = None,
               changed_before: float | None = None) -> list[str]:
        """Remove these articles: records first (readers stop at once), then chunks and keyword rows.

        A prune passes ``origin`` and ``changed_before`` (when it listed the origin): an article another
        process wrote or moved since, or into another origin, is then left (its record is read again under
        the lock), since that listing could not see it. Returns the ids removed."""
        if not article_ids:
            return []
        with self._writing(article_ids) as h:
            if origin is not None or changed_before is not None:
                records = self.records(article_ids)
                article_ids = [a for a, meta in records.items()
                               if (origin is None or meta.get("origin") == origin)
                               and (changed_before is None or float(meta.get("changed_at") or 0) < changed_before)]
            for batch in _batches(list(article_ids), h.batch):
                h.articles.delete(ids=batch)
                self.step_hook("records")
                self._delete_chunks_of(h, batch)
                self.lexical.remove(batch)
        return list(article_ids)

    def _put_records(self, h: _Handle, items: Sequence[Indexed], origin: str, now: float) -> None:
        for batch in _batches(list(items), h.batch):
            h.articles.upsert(
                ids=[item.article.article_id for item in batch],
                embeddings=[_RECORD_VECTOR] * len(batch),
                documents=[item.article.body for item in batch],
                metadatas=[
                    {**article_metadata(item.article), "hash": item.content_hash, "origin": origin,
                     "state": READY, "layout": LAYOUT, "chunks": len(item.chunks), "ingested_at": int(now),
                     "changed_at": now, "item_version": item.article.source_version,
                     "read_at": item.article.read_at}
                    for item in batch
                ],
            )

    def _drop_old_versions(self, h: _Handle, versions: dict[str, str], old: dict[str, dict[str, Any]]) -> None:
        """Delete the chunks of versions these articles no longer have.

        On a folder (writers hold the lock) that is every other version; on a server, where another
        machine may be writing a newer one this very moment, only the version this write replaced.
        """
        stale = []
        for chunk, meta in self._chunk_listing(h, list(versions)):
            article_id, version = meta["article_id"], meta.get("version")
            if version == versions[article_id]:
                continue
            replaced = old.get(article_id)
            if self.generation or (replaced is not None and is_current(meta, replaced)):
                stale.append(chunk)
        for batch in _batches(stale, h.batch):
            h.chunks.delete(ids=batch)

    @staticmethod
    def _chunk_listing(h: _Handle, article_ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
        found: list[tuple[str, dict[str, Any]]] = []
        for batch in _batches(article_ids, 200):
            result = h.chunks.get(where={"article_id": {"$in": batch}}, include=["metadatas"])
            found.extend(zip(result["ids"], result["metadatas"]))
        return found

    @staticmethod
    def _delete_chunks_of(h: _Handle, article_ids: list[str]) -> None:
        for batch in _batches(article_ids, 200):
            h.chunks.delete(where={"article_id": {"$in": batch}})

    # --- repair and catching up ----------------------------------------------------------
    def _repair(self) -> int:
        """Finish what dead writers left (journal entries, records from before versions left pending).

        Hold the lock. On a folder every entry is then a dead writer's. On a server, entries older
        than ``_JOURNAL_GRACE`` are. Returns the number of articles looked at.
        """
        with self._use() as h:
            entries = h.journal.get(include=["documents", "metadatas"])
            pending = h.articles.get(where={"state": PENDING}, include=[])["ids"]
        dead = [(entry, json.loads(document)) for entry, document, meta in
                zip(entries["ids"], entries["documents"], entries["metadatas"])
                if self.generation or time.time() - float(meta.get("started_at", 0)) > _JOURNAL_GRACE]
        if not dead and not pending:
            return 0
        touched = list(dict.fromkeys([*pending, *(a for _, ids in dead for a in ids)]))
        with self._use() as h:
            if pending:  # half-written by a version without versions: not servable, re-ingesting restores them
                for batch in _batches(pending, h.batch):
                    h.articles.delete(ids=batch)
            records = self.records(touched)
            stale = [chunk for chunk, meta in self._chunk_listing(h, touched)
                     if not is_current(meta, records.get(meta["article_id"]))]
            for batch in _batches(stale, h.batch):
                h.chunks.delete(ids=batch)
            self.lexical.remove(touched)  # re-indexed from what is left, below
            self._index(h, {a: records[a] for a in touched if a in records})
            if dead:
                h.journal.delete(ids=[entry for entry, _ in dead])
            if self.generation:
                h.files = self.generation.bump(content=True).files
        return len(touched)

    def repair(self) -> int:
        """Finish what dead writers left now (opening does this too); the number of articles looked at."""
        with self.lock.held():
            return self._repair()

    def refresh(self) -> bool:
        """Catch up with writes by other processes now; True if anything changed.

        A folder store reloads its client when the content counter moved and catches the keyword
        index up; a server store catches up its keyword index (its searches are always current).
        """
        with self._refresh_lock:
            changed = False
            if self.generation and self.generation.read().content != self._seen:
                self._reopen()
                changed = True
            changed = self._catch_up() > 0 or changed
            if time.monotonic() - self._repaired_at > _REPAIR_EVERY and self._journal_size():
                with self.lock.held():
                    changed = self._repair() > 0 or changed
                self._repaired_at = time.monotonic()
            return changed

    def _catch_up(self) -> int:
        """Bring the keyword index in line with the records; the number of articles (re)indexed or dropped."""
        since = self.lexical.watermark()
        started = time.time()
        with self._use() as h:
            total = int(h.articles.count())
            if since:
                result = h.articles.get(where={"changed_at": {"$gte": since - CLOCK_MARGIN}}, include=["metadatas"])
                changed = dict(zip(result["ids"], result["metadatas"]))
        if since:
            have = self.lexical.versions(changed)
            todo = {a: m for a, m in changed.items() if m.get("state") == READY and have.get(a) != m.get("hash")}
            done = self._index_in_steps(todo)
            if self.lexical.article_count() == total and not self.lexical.undescribed():
                self.lexical.set_watermark(started)
                return done
        else:
            done = 0
        records = {a: meta for a, (meta, _) in self.all_records().items()}  # new index, or counts disagree
        have = self.lexical.versions()
        todo = {a: m for a, m in records.items() if m.get("state") == READY and have.get(a) != m.get("hash")}
        gone = [a for a in have if a not in records]
        done += self._index_in_steps(todo)
        if gone:
            with self.lock.held():
                self.lexical.remove(gone)
        if self.lexical.undescribed():  # an index from before the catalog: its entries, once
            with self.lock.held():
                self.lexical.describe({a: m for a, m in records.items() if a in have and a not in todo})
        self.lexical.set_watermark(started)
        return done + len(gone)

    def _index_in_steps(self, todo: dict[str, dict[str, Any]]) -> int:
        items = list(todo.items())
        for start in range(0, len(items), _CATCH_UP_BATCH):
            with self.lock.held(), self._use() as h:
                batch = dict(items[start : start + _CATCH_UP_BATCH])
                fresh = self.records(batch)  # as of now, under the lock
                self._index(h, {a: m for a, m in fresh.items() if m.get("state") == READY})
        return len(items)

    def _index(self, h: _Handle, records: dict[str, dict[str, Any]]) -> None:
        """(Re)index these articles' current chunks in the keyword index, from Chroma. Hold the lock."""
        if not records:
            return
        rows = []
        for batch in _batches(list(records), 200):
            result = h.chunks.get(where={"article_id": {"$in": batch}}, include=["documents", "metadatas"])
            rows += [_keyword_row(i, text, meta, records[meta["article_id"]].get("hash", "")) for i, text, meta in
                     zip(result["ids"], result["documents"], result["metadatas"])
                     if is_current(meta, records.get(meta["article_id"]))]
        self.lexical.add(rows)
        self.lexical.retire({a: m.get("hash", "") for a, m in records.items()}, records)

    def follow(self, interval: float = 1.0, on_error: Callable[[str], None] | None = None) -> None:
        """Keep catching up in a background thread, every ``interval`` seconds, until ``close()``."""
        if self._follower is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.refresh()
                    self.last_refresh_error = ""
                except Exception as exc:  # a server that went away, a lock held too long: try again later
                    message = f"catching up with {self.where} failed ({type(exc).__name__}: {exc})"
                    if message != self.last_refresh_error and on_error:
                        on_error(message)
                    self.last_refresh_error = message
                self._stop.wait(interval)

        self._follower = threading.Thread(target=loop, name="store-follower", daemon=True)
        self._follower.start()

    # --- checking ----------------------------------------------------------------------
    def check(self, vectors: bool = True) -> list[str]:
        """What is inconsistent (empty when all is well): records, chunks, spans, keyword rows, vectors.

        Every record ready with exactly its chunks 0..n-1 of its version; no chunk of another version or
        without a record; every chunk the exact span of its body; the keyword index holding exactly the
        chunks Chroma holds; with ``vectors``, every chunk's own vector found by a dense query among the
        nearest ten (or an identical twin of it first).
        """
        self.refresh()
        problems: list[str] = []
        records = self.all_records(with_bodies=True)
        chunks = self.all_chunks()
        per_article: dict[str, list[int]] = {}
        for chunk, (meta, text) in chunks.items():
            record = records.get(meta["article_id"])
            if not is_current(meta, record[0] if record else None):
                problems.append(f"chunk {chunk} of {meta['article_id']!r} is not of its article's current version")
                continue
            body = record[1]
            if body[int(meta["start"]) : int(meta["end"])] != text:
                problems.append(f"chunk {chunk}: its text is not body[{meta['start']}:{meta['end']}]")
            per_article.setdefault(meta["article_id"], []).append(int(meta["chunk"]))
        for article_id, (meta, _) in records.items():
            if meta.get("state") != READY:
                problems.append(f"record {article_id!r} is {meta.get('state')}")
            if sorted(per_article.get(article_id, [])) != list(range(int(meta.get("chunks", -1)))):
                problems.append(f"record {article_id!r}: chunks {sorted(per_article.get(article_id, []))} "
                                f"for a count of {meta.get('chunks')}")
        indexed = self.lexical.chunk_ids()
        if set(indexed) != set(chunks):
            problems.append(f"keyword index: {len(set(indexed) - set(chunks))} rows without a chunk, "
                            f"{len(set(chunks) - set(indexed))} chunks without a row")
        if vectors and chunks:
            with self._use() as h:
                for batch in _batches(list(chunks), 200):
                    got = h.chunks.get(ids=batch, include=["embeddings"])
                    found = h.chunks.query(query_embeddings=[list(v) for v in got["embeddings"]],
                                           n_results=min(10, len(chunks)), include=["distances"])
                    for chunk, ids, distances in zip(got["ids"], found["ids"], found["distances"]):
                        # among the nearest few (HNSW is approximate), or an identical twin first
                        if chunk not in ids and not (distances and distances[0] <= 1e-5):
                            problems.append(f"chunk {chunk}: a dense query with its own vector does not find it")
        if self._journal_size():
            problems.append("journal: writes in progress or unrepaired")
        return problems

    def _journal_size(self) -> int:
        with self._use() as h:
            return int(h.journal.count())

    def close(self) -> None:
        self._stop.set()
        if self._follower is not None:
            self._follower.join(timeout=30)
        self._handle.close()
        self.lexical.close()
        self.lock.close()


def connect(store_dir: Path, host: str | None = None, port: int = 8000, number: int = 0) -> Any:
    """A Chroma client: a server when ``host`` is set, else a folder on disk.

    ``number`` > 0 names the folder differently (``folder/./.``…), so that the client gets a System
    of its own, which loads the vector index afresh, instead of the process's cached one.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if host:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
            return client
        store_dir.mkdir(parents=True, exist_ok=True)
        path = os.path.join(str(store_dir), *["."] * _free_alias(str(store_dir), number))
        return chromadb.PersistentClient(path=path, settings=settings)
    except Exception as exc:  # chromadb raises many types (httpx, ValueError, its own)
        if host:
            raise StoreError(
                f"Can't reach the Chroma server at {host}:{port} ({exc}). Start it with "
                f"`chroma run --path DIR --host {host} --port {port}`, or unset NEWSBOT_CHROMA_HOST "
                "to use the folder store."
            ) from exc
        raise StoreError(
            f"Can't open the Chroma store in {store_dir} ({exc}); check the folder or pass --store"
        ) from exc


def _free_alias(folder: str, number: int) -> int:
    """How many ``/.`` to add to ``folder`` for client ``number``: 0 for the first (shared by every store of
    the folder in this process), else the fewest whose System is not alive in this process."""
    if number == 0:
        return 0
    from chromadb.api.shared_system_client import SharedSystemClient

    alive = set(SharedSystemClient._identifier_to_system)  # chromadb keeps one System per path string
    dots = 1
    while os.path.join(folder, *["."] * dots) in alive:
        dots += 1
    return dots


def open_store(
    store_dir: Path, host: str | None, port: int, collection: str, *, lock_timeout: float = 600.0,
    on_wait: Callable[[str], None] | None = None, min_free_mb: float = DEFAULT_MIN_FREE_MB,
) -> Store:
    """The store named by the settings' store_dir / chroma_host / chroma_port / collection.

    The keyword index and the lock live in store_dir either way: beside the Chroma files,
    or, for a server, in files named after the server and collection.
    """
    where = f"Chroma server {host}:{port}" if host else str(store_dir)
    if host:
        stem = f"lexical-{host}-{port}-{collection}"
        lock = StoreLock(store_dir / f"{stem}.lock", where, lock_timeout, on_wait)
        generation = None
    else:
        stem = f"lexical-{collection}"
        lock = StoreLock(store_dir / "newsbot.lock", where, lock_timeout, on_wait)
        generation = Generation(store_dir / "newsbot.generation")
    try:
        with lock.held():  # the keyword index's schema, and a new Chroma folder's tables, are made once
            lexical = LexicalIndex(store_dir / f"{stem}.sqlite3")
        return Store(lambda n: connect(store_dir, host, port, n), collection, where, lexical, lock, generation,
                     min_free_mb=min_free_mb)
    except BaseException:
        lock.close()
        raise


def _keyword_row(chunk: str, text: str, metadata: dict[str, Any], version: str = "") -> KeywordRow:
    """The keyword index's row of a chunk; ``version``: its record's hash, for chunks written before versions."""
    return KeywordRow(chunk, metadata["article_id"], metadata.get("version") or version, metadata.get("source", ""),
                      int(metadata.get("published_num", 0)), metadata.get("title", ""), text)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
