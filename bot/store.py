"""The Chroma store: article chunks with their vectors, and one record per article.

Two collections per index, in an embedded folder or on a Chroma server alike:

- ``<name>``: one entry per chunk: its text, its vector, and the article's
  metadata (title, source, author, published and published_num, url, path)
  plus its character span (start, end) in the article body;
- ``<name>__articles``: one entry per article: its whole body (quotes are
  checked against it), its metadata, content hash, origin and state.

The article record is the commit marker. A write first marks the record
``pending``, then replaces the chunks, then marks it ``ready`` with its chunk
count; an article counts as unchanged only when its record is ``ready`` with
the same hash. A crash at any point therefore leaves a record that the next
ingest redoes (or prunes) -- never two versions, duplicates or orphans.

Beside them, a keyword (BM25) index of the chunks (bot/lexical.py) is updated
in the same write, before the record is marked ready.

Nothing here parses files or computes embeddings; vectors come in ready-made.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import EmptyStoreError, StoreError
from bot.lexical import LexicalIndex
from bot.types import Article, Chunk, published_number

READY, PENDING = "ready", "pending"
_RECORD_VECTOR = [0.0]  # article records are looked up by id and metadata, never by vector


def chunk_id(article_id: str, index: int) -> str:
    return f"{hashlib.sha1(article_id.encode('utf-8')).hexdigest()[:20]}:{index:05d}"


def article_metadata(article: Article) -> dict[str, Any]:
    return {
        "article_id": article.article_id,
        "title": article.title,
        "source": article.source,
        "author": article.author,
        "published": article.published_iso,
        "published_num": published_number(article.published),
        "url": article.url,
        "path": article.path,
    }


@dataclass(frozen=True)
class Indexed:
    """An article ready to be written: its chunks and one vector per chunk."""

    article: Article
    content_hash: str
    chunks: Sequence[Chunk]
    vectors: Sequence[Sequence[float]]


def connect(store_dir: Path, host: str | None = None, port: int = 8000) -> Any:
    """A Chroma client: a server when ``host`` is set, else a folder on disk."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if host:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
            return client
        store_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(store_dir), settings=settings)
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


class Store:
    """The chunks and article records of one index in a Chroma client."""

    def __init__(self, client: Any, name: str = "news", where: str = "", lexical_path: Path | None = None) -> None:
        self.client = client
        self.name = name
        self.where = where or name
        try:
            self.chunks = client.get_or_create_collection(
                name, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
            self.articles = client.get_or_create_collection(f"{name}__articles", embedding_function=None)
            self._batch = int(client.get_max_batch_size())
        except Exception as exc:
            raise StoreError(f"Can't open collection {name!r} in {self.where} ({exc})") from exc
        self.lexical = LexicalIndex(lexical_path) if lexical_path else None
        if self.lexical and self.lexical.count() != self.count_chunks():
            self.rebuild_lexical()

    def rebuild_lexical(self) -> None:
        """Refill the keyword index from the chunk texts in Chroma (once, when it is out of step)."""
        assert self.lexical is not None
        self.lexical.clear()
        total = self.count_chunks()
        for offset in range(0, total, self._batch):
            result = self.chunks.get(include=["documents", "metadatas"], limit=self._batch, offset=offset)
            rows = [_lexical_row(i, d, m) for i, d, m in zip(result["ids"], result["documents"], result["metadatas"])]
            self.lexical.replace([], rows)

    # --- reading ---------------------------------------------------------------
    def count_articles(self) -> int:
        return int(self.articles.count())

    def count_chunks(self) -> int:
        return int(self.chunks.count())

    def require_articles(self) -> None:
        if self.count_articles() == 0:
            raise EmptyStoreError(f"No articles in {self.where}. Run: python -m ingest samples/")

    def records(self, article_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored records (metadata) of these articles, by id; missing ones are left out."""
        found: dict[str, dict[str, Any]] = {}
        for batch in _batches(list(dict.fromkeys(article_ids)), self._batch):
            result = self.articles.get(ids=batch, include=["metadatas"])
            found.update(zip(result["ids"], result["metadatas"]))
        return found

    def records_from(self, origin: str) -> dict[str, dict[str, Any]]:
        """The records of every article that was last ingested from ``origin``."""
        result = self.articles.get(where={"origin": origin}, include=["metadatas"])
        return dict(zip(result["ids"], result["metadatas"]))

    def article(self, article_id: str) -> tuple[str, dict[str, Any]] | None:
        """(body, metadata) of one article, or None."""
        result = self.articles.get(ids=[article_id], include=["documents", "metadatas"])
        if not result["ids"]:
            return None
        return result["documents"][0], result["metadatas"][0]

    def bodies(self, article_ids: Iterable[str]) -> dict[str, str]:
        """The bodies of these articles, by id."""
        found: dict[str, str] = {}
        for batch in _batches(list(dict.fromkeys(article_ids)), self._batch):
            result = self.articles.get(ids=batch, include=["documents"])
            found.update(zip(result["ids"], result["documents"]))
        return found

    # --- writing ---------------------------------------------------------------
    def write(self, items: Sequence[Indexed], origin: str) -> None:
        """Replace these articles' chunks, crash-safely (see the module docstring)."""
        if not items:
            return
        ids = [item.article.article_id for item in items]
        self._put_records(items, origin, PENDING)
        self._delete_chunks(ids)
        rows = [
            (chunk_id(item.article.article_id, chunk.index), vector, chunk.text,
             {**article_metadata(item.article), "chunk": chunk.index, "start": chunk.start, "end": chunk.end})
            for item in items
            for chunk, vector in zip(item.chunks, item.vectors, strict=True)
        ]
        for batch in _batches(rows, self._batch):
            chunk_ids, vectors, texts, metadatas = zip(*batch)
            self.chunks.add(
                ids=list(chunk_ids), embeddings=[list(v) for v in vectors],
                documents=list(texts), metadatas=list(metadatas),
            )
        if self.lexical:
            self.lexical.replace(ids, [_lexical_row(i, t, m) for i, _, t, m in rows])
        self._put_records(items, origin, READY)

    def delete(self, article_ids: Sequence[str]) -> None:
        """Remove these articles: their chunks first, then their records."""
        for batch in _batches(list(article_ids), self._batch):
            self._delete_chunks(batch)
            if self.lexical:
                self.lexical.delete(batch)
            self.articles.delete(ids=batch)

    def _delete_chunks(self, article_ids: Sequence[str]) -> None:
        for batch in _batches(list(article_ids), 500):
            self.chunks.delete(where={"article_id": {"$in": list(batch)}})

    def _put_records(self, items: Sequence[Indexed], origin: str, state: str) -> None:
        now = int(time.time())
        for batch in _batches(list(items), self._batch):
            self.articles.upsert(
                ids=[item.article.article_id for item in batch],
                embeddings=[_RECORD_VECTOR] * len(batch),
                documents=[item.article.body for item in batch],
                metadatas=[
                    {**article_metadata(item.article), "hash": item.content_hash, "origin": origin,
                     "state": state, "chunks": len(item.chunks), "ingested_at": now}
                    for item in batch
                ],
            )


def open_store(store_dir: Path, host: str | None, port: int, collection: str) -> Store:
    """The store named by the settings' store_dir / chroma_host / chroma_port / collection.

    The keyword index lives in store_dir either way: beside the Chroma files, or,
    for a server, in a file named after the server and collection.
    """
    where = f"Chroma server {host}:{port}" if host else str(store_dir)
    client = connect(store_dir, host, port)
    name = f"lexical-{host}-{port}-{collection}.sqlite3" if host else f"lexical-{collection}.sqlite3"
    return Store(client, collection, where, lexical_path=store_dir / name)


def _lexical_row(chunk_id: str, text: str, metadata: dict[str, Any]) -> tuple[Any, ...]:
    return (
        metadata.get("title", ""), text, chunk_id, metadata["article_id"],
        metadata.get("source", ""), int(metadata.get("published_num", 0)),
    )


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
