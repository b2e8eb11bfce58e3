"""Keep the store in sync with the articles under some paths.

For each path (an *origin*): read its articles, compare each one's content hash
with the stored record, chunk and embed only the new and changed ones, write
them (crash-safely, see ``bot.store``), then prune the articles that came from
this origin earlier and are gone now. An unchanged article costs one record
lookup: nothing is chunked, embedded or written, and the model is never loaded
when nothing changed.

Why not LangChain's indexing API (``index()`` with a record manager)? It keeps
its bookkeeping in a second database beside Chroma (which must then travel with
a Chroma server and can disagree with it after a crash), hashes per chunk (so
unchanged articles are still chunked), counts chunks rather than articles, and
its "full" cleanup prunes by batch rather than by origin. Here the article
record inside Chroma is the single source of truth.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.embeddings import DEFAULT_BACKEND, DEFAULT_CACHE_DIR
from bot.errors import ArticleError
from bot.store import READY, Indexed, Store
from bot.types import Article
from ingest.chunk import Chunker
from ingest.sources import Origin, read_origin

#: Bump when chunking or the embedded text changes, so stored articles are re-indexed.
INDEX_VERSION = "1"
ARTICLES_PER_BATCH = 64


class Indexer:
    """Chunks and embeds articles; loads the tokenizer and model only when first needed."""

    def __init__(
        self,
        model_path: str,
        chunk_tokens: int = 0,
        batch_size: int = 64,
        embeddings: Embeddings | None = None,
        tokenizer: tuple[Any, int] | None = None,
        backend: str = DEFAULT_BACKEND,
        cache_dir: Path = DEFAULT_CACHE_DIR,
    ) -> None:
        self.model_path = model_path
        self.chunk_tokens = chunk_tokens
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = cache_dir
        self._embeddings = embeddings
        self._tokenizer = tokenizer

    @classmethod
    def from_settings(cls, settings: Any) -> Indexer:
        return cls(
            settings.embedding_model, settings.chunk_tokens, settings.embedding_batch_size,
            backend=settings.embedding_backend, cache_dir=settings.embedding_cache_dir,
        )

    @property
    def signature(self) -> str:
        """What the stored index depends on besides the article; part of every content hash."""
        vectors = "int8" if self.backend == "onnx-int8" else "fp32"  # torch and onnx (fp32) give the same vectors
        return f"v{INDEX_VERSION}|{Path(self.model_path).name}|{self.chunk_tokens}|{vectors}"

    @cached_property
    def chunker(self) -> Chunker:
        if self._tokenizer is None:
            from bot.embeddings import load_tokenizer

            self._tokenizer = load_tokenizer(self.model_path)
        tokenizer, model_limit = self._tokenizer
        limit = min(self.chunk_tokens, model_limit) if self.chunk_tokens else model_limit
        return Chunker(tokenizer, limit)

    @cached_property
    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            from bot.embeddings import load_embeddings

            self._embeddings = load_embeddings(self.model_path, self.batch_size, self.backend, self.cache_dir)
        return self._embeddings

    def index(self, articles: Sequence[Article], hashes: Sequence[str]) -> list[Indexed]:
        """Chunk these articles and embed all their chunks in one pass."""
        chunker = self.chunker
        chunk_lists = [chunker.chunks(article) for article in articles]
        texts = [
            chunker.embedding_text(article, chunk)
            for article, chunks in zip(articles, chunk_lists)
            for chunk in chunks
        ]
        vectors = self.embeddings.embed_documents(texts) if texts else []
        items, offset = [], 0
        for article, content_hash, chunks in zip(articles, hashes, chunk_lists):
            items.append(Indexed(article, content_hash, chunks, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        return items


@dataclass
class Report:
    """What one ingest run did; ``articles`` and ``chunks`` are store totals afterwards."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    articles: int = 0
    chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted, {len(self.failed)} failed; store: {self.articles} articles, "
            f"{self.chunks} chunks ({self.seconds:.1f} s)"
        )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "deleted": self.deleted, "failed": self.failed, "articles": self.articles,
            "chunks": self.chunks, "seconds": round(self.seconds, 3),
        }


Progress = Callable[[int, int], None]  # (articles done, chunks written) increments


def ingest(
    paths: Sequence[Path],
    store: Store,
    indexer: Indexer,
    *,
    prune: bool = True,
    max_file_bytes: int = 5_000_000,
    max_feed_bytes: int = 500_000_000,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Report:
    """Bring ``store`` in line with the articles under ``paths``."""
    started = time.perf_counter()
    report = Report()
    origins = [read_origin(Path(path), max_file_bytes, max_feed_bytes) for path in paths]
    if on_total:
        on_total(sum(len(origin.articles) for origin in origins))
    for origin in origins:
        _sync_origin(origin, store, indexer, prune, report, progress)
    report.articles = store.count_articles()
    report.chunks = store.count_chunks()
    report.seconds = time.perf_counter() - started
    return report


def _sync_origin(
    origin: Origin, store: Store, indexer: Indexer, prune: bool, report: Report, progress: Progress | None
) -> None:
    report.failed.extend(_failure(error) for error in origin.errors)
    articles = list({article.article_id: article for article in origin.articles}.values())
    stored = store.records(article.article_id for article in articles)
    hashes = {article.article_id: article.content_hash(indexer.signature) for article in articles}
    todo: list[Article] = []
    for article in articles:
        record = stored.get(article.article_id)
        if record and record.get("state") == READY and record.get("hash") == hashes[article.article_id]:
            report.unchanged += 1
            if record.get("origin") != origin.key:  # same article, now found here: adopt it
                store.articles.update(ids=[article.article_id], metadatas=[{"origin": origin.key}])
            if progress:
                progress(1, 0)
        else:
            todo.append(article)
    for start in range(0, len(todo), ARTICLES_PER_BATCH):
        batch = todo[start : start + ARTICLES_PER_BATCH]
        items = indexer.index(batch, [hashes[article.article_id] for article in batch])
        store.write(items, origin.key)
        for article in batch:
            if article.article_id in stored:
                report.updated += 1
            else:
                report.added += 1
        if progress:
            progress(len(batch), sum(len(item.chunks) for item in items))
    if prune and origin.readable:
        seen = set(hashes)
        gone = [
            article_id
            for article_id, record in store.records_from(origin.key).items()
            if article_id not in seen and record.get("path") not in origin.failed_paths
        ]
        store.delete(gone)
        report.deleted += len(gone)


def _failure(error: ArticleError) -> dict[str, str]:
    return {"path": error.where, "error": error.problem}
