"""Keep the store in sync with the articles under some paths.

For each path (an *origin*): stream its articles in batches, compare each one's
content hash with the stored record, chunk and embed only the new and changed
ones, write them (see ``bot.store``: readers never see a half-written article),
then prune the articles that came from this origin earlier and are gone now.
An unchanged article costs one record lookup: nothing is chunked, embedded or
written, and the model is never loaded when nothing changed.

Memory holds one batch of articles (and the ids seen so far), not the corpus.
While one batch is embedded, the one before it is written to the store by a
second thread. One article that fails to chunk, embed or write fails alone: the
batch is retried article by article and only the bad one is reported. Pruning
refuses to empty an origin, or to remove more than ``prune_max_share`` of what
came from it, unless told to (``force_prune``): an unmounted disk or a failed
sync looks exactly like "every article was deleted".

Why not LangChain's indexing API (``index()`` with a record manager)? It keeps
its bookkeeping in a second database beside Chroma (which must then travel with
a Chroma server and can disagree with it after a crash), hashes per chunk (so
unchanged articles are still chunked), counts chunks rather than articles, and
its "full" cleanup prunes by batch rather than by origin. Here the article
record inside Chroma is the single source of truth.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.embeddings import DEFAULT_BACKEND, DEFAULT_CACHE_DIR, vectors_kind
from bot.errors import ArticleError, ConfigError, StoreError
from bot.settings import Settings
from bot.store import ALREADY_WRITTEN, READY, SUPERSEDED, Indexed, Store
from bot.types import Article, Chunk
from ingest.chunk import Chunker
from ingest.feeds import Known, StoreRobots, UrlOrigin, read_opml_file
from ingest.sources import Limits, Note, Origin, estimate, scan
from ingest.web import Fetcher, is_url

#: Bump when chunking or the embedded text changes, so stored articles are re-indexed.
INDEX_VERSION = "1"
ARTICLES_PER_BATCH = 64
#: Pruning refuses to remove more than this share of an origin's articles (when that is more than _PRUNE_FEW).
PRUNE_MAX_SHARE = 0.5
_PRUNE_FEW = 5


class Indexer:
    """Chunks and embeds articles; loads the tokenizer and model only when first needed."""

    def __init__(
        self,
        model_path: str,
        chunk_tokens: int = 0,
        batch_size: int = 16,
        embeddings: Embeddings | None = None,
        tokenizer: tuple[Any, int] | None = None,
        backend: str = DEFAULT_BACKEND,
        cache_dir: Path = DEFAULT_CACHE_DIR,
        device: str = "cpu",
        gpu_batch_size: int = 0,
        threads: int = 0,
    ) -> None:
        self.model_path = model_path
        self.chunk_tokens = chunk_tokens
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = cache_dir
        self.device = device  # resolved (torch asked whether it sees a GPU) only when the model loads
        self.gpu_batch_size = gpu_batch_size
        self.threads = threads
        self._embeddings = embeddings
        self._tokenizer = tokenizer

    @classmethod
    def from_settings(cls, settings: Settings, embeddings: Embeddings | None = None) -> Indexer:
        """The indexer the settings describe; ``embeddings``: a model already loaded for them (the app's)."""
        return cls(
            settings.embedding_model, settings.chunk_tokens, settings.embedding_batch_size, embeddings=embeddings,
            backend=settings.embedding_backend, cache_dir=settings.embedding_cache_dir, device=settings.device,
            gpu_batch_size=settings.gpu_batch_size, threads=settings.embedding_threads,
        )

    @property
    def signature(self) -> str:
        """What the stored index depends on besides the article; part of every content hash."""
        return f"v{INDEX_VERSION}|{Path(self.model_path).name}|{self.chunk_tokens}|{vectors_kind(self.backend)}"

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
            from bot.embeddings import load_embeddings, make_runtime

            runtime = make_runtime(self.device, self.batch_size, self.gpu_batch_size, self.threads)
            self._embeddings = load_embeddings(self.model_path, backend=self.backend, cache_dir=self.cache_dir,
                                               runtime=runtime)
        return self._embeddings

    def chunk(self, article: Article) -> list[Chunk]:
        """The article's chunks; an ArticleError if it has no words to index."""
        chunks = self.chunker.chunks(article)
        if not chunks:
            raise ArticleError(article.path or article.article_id,
                               "the article has no words to index (only punctuation, symbols or spaces)")
        return chunks

    def embed(self, articles: Sequence[Article], hashes: Sequence[str],
              chunk_lists: Sequence[Sequence[Chunk]]) -> list[Indexed]:
        """Embed these articles' chunks in one pass."""
        chunker = self.chunker
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

    def index(self, articles: Sequence[Article], hashes: Sequence[str]) -> list[Indexed]:
        """Chunk these articles and embed all their chunks in one pass."""
        return self.embed(articles, hashes, [self.chunk(article) for article in articles])


_FEED_LINE = re.compile(r":\d+$")


@dataclass
class Report:
    """What one ingest run did; ``articles`` and ``chunks`` are store totals afterwards."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    articles: int = 0
    chunks: int = 0
    seconds: float = 0.0
    #: Of one file's (or URL's) notes, and of its articles' failures to chunk, embed or write, this many are
    #: kept, the rest counted (a feed of millions of lines that repeat one article: a note each had taken
    #: gigabytes); a feed's bad lines are capped where they are read (``Limits.max_errors``).
    max_per_file: int = 20
    _counted: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def note(self, path: str, note: str) -> None:
        self._keep(self.notes, "note", {"path": path, "note": note})

    def fail(self, path: str, error: str) -> None:
        """An article that was read but could not be indexed or written."""
        self._keep(self.failed, "error", {"path": path, "error": error})

    def _keep(self, entries: list[dict[str, str]], kind: str, entry: dict[str, str]) -> None:
        key = (kind, _FEED_LINE.sub("", entry["path"]))  # a feed's lines are one file's
        self._counted[key] = count = self._counted.get(key, 0) + 1
        if count <= self.max_per_file:
            entries.append(entry)

    def finish(self) -> None:
        """Say how many notes and failures of each file were counted, not kept."""
        for (kind, path), count in self._counted.items():
            if count > self.max_per_file:
                entries = self.notes if kind == "note" else self.failed
                entries.append({"path": path, kind: f"and {count - self.max_per_file:,} more like these (the "
                                                    f"first {self.max_per_file} are listed)"})
        self._counted.clear()

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
            "deleted": self.deleted, "failed": self.failed, "notes": self.notes, "articles": self.articles,
            "chunks": self.chunks, "seconds": round(self.seconds, 3),
        }


Progress = Callable[[int, int], None]  # (articles done, chunks written) increments


@dataclass(frozen=True)
class Pruning:
    """Whether and how far an ingest may prune what is gone from an origin."""

    enabled: bool = True
    force: bool = False
    max_share: float = PRUNE_MAX_SHARE


def ingest(
    paths: Sequence[Path | str],
    store: Store,
    indexer: Indexer,
    *,
    prune: bool | Pruning = True,
    limits: Limits | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    content_ids: bool = False,
    stop: Callable[[], bool] | None = None,
    fetcher: Fetcher | None = None,
    max_items: int = 200,
) -> Report:
    """Bring ``store`` in line with the articles under ``paths`` (folders, files, OPML files and URLs).

    ``content_ids``: name url-less articles by a hash of their file (uploads). ``stop``: asked between
    articles; when it says True the run ends there (what is written stays written, nothing is pruned).
    ``fetcher`` fetches the URLs (one with default limits, private addresses allowed, if None);
    ``max_items``: most items read from one feed or sitemap per run.
    """
    started = time.perf_counter()
    listed_at = time.time()  # the paths are listed after this: a prune leaves what was written since
    limits = limits or Limits()
    pruning = prune if isinstance(prune, Pruning) else Pruning(enabled=prune)
    report = Report(max_per_file=limits.max_errors)
    own_fetcher = fetcher is None and any(is_url(str(path)) or str(path).lower().endswith(".opml") for path in paths)
    fetcher = Fetcher(robots=StoreRobots(store)) if own_fetcher else fetcher
    try:
        origins: dict[str, Origin | UrlOrigin] = {}  # by key: a path or feed given twice is read once
        for path in paths:
            for origin in _origins(path, store, fetcher, content_ids, max_items):
                origins.setdefault(origin.key, origin)
        taken: set[str] = set()  # ids an earlier input of this run gave: a story two feeds share is read once
        if on_total and all(isinstance(origin, Origin) for origin in origins.values()):
            on_total(sum(estimate(origin, limits) for origin in origins.values()))
        with _Writer(store, report, progress) as writer:
            for origin in origins.values():
                finished = _sync_origin(origin, store, indexer, writer, limits, report, progress, stop, taken)
                writer.wait()
                origin.finish()
                if not finished:
                    break
                if pruning.enabled and origin.readable and origin.prunable:
                    _prune(origin, store, pruning, report, listed_at)
    finally:
        if own_fetcher and fetcher is not None:
            fetcher.close()
    report.finish()
    report.articles = store.count_articles()
    report.chunks = store.count_chunks()
    report.seconds = time.perf_counter() - started
    return report


def _origins(path: Path | str, store: Store, fetcher: Fetcher | None, content_ids: bool,
             max_items: int) -> list[Origin | UrlOrigin]:
    """What one command-line argument stands for: a URL, the feeds an OPML file lists, or a folder or file."""
    text = str(path)
    if is_url(text):
        return [UrlOrigin(text, fetcher, store, max_items)]
    if text.lower().endswith(".opml") and Path(text).is_file():
        try:
            return [UrlOrigin(url, fetcher, store, max_items) for url in read_opml_file(Path(text))]
        except ArticleError as error:
            failed = scan(Path(text))
            failed.readable = False
            failed.errors = [error]
            return [failed]
    return [scan(Path(text), content_ids)]


def _sync_origin(
    origin: Origin | UrlOrigin, store: Store, indexer: Indexer, writer: _Writer, limits: Limits, report: Report,
    progress: Progress | None, stop: Callable[[], bool] | None, taken: set[str],
) -> bool:
    """Read, compare, embed and hand over to the writer the articles of one origin; False if told to stop.

    ``taken``: the ids earlier origins of this run gave; an article one of them gave is left as that one
    wrote it (two feeds sharing a story, two folders holding one url), so a re-run finds it unchanged."""
    batch: list[Article] = []
    stopped = stop or (lambda: False)
    for item in origin.read(limits, stopped):
        if isinstance(item, ArticleError):
            report.failed.append(_failure(item))
        elif isinstance(item, Note):
            report.note(item.where, item.message)
        elif isinstance(item, Known):  # a feed item the store holds as it is: not even fetched
            origin.seen.add(item.article_id)
            taken.add(item.article_id)
            report.unchanged += 1
            if progress:
                progress(1, 0)
        elif item.article_id in origin.seen:
            report.note(item.path, f"same article as an earlier one ({item.article_id}); the first is kept")
        elif item.article_id in taken:
            origin.seen.add(item.article_id)  # not pruned from this origin either
            report.note(item.path, f"same article as one an earlier input gave ({item.article_id}); that one is kept")
        else:
            origin.seen.add(item.article_id)
            taken.add(item.article_id)
            batch.append(replace(item, read_at=time.time()))  # of two writers, the version read last stays
            if len(batch) == ARTICLES_PER_BATCH:
                _sync_batch(batch, origin, store, indexer, writer, report, progress)
                batch = []
        if stopped():
            _sync_batch(batch, origin, store, indexer, writer, report, progress)
            return False
    _sync_batch(batch, origin, store, indexer, writer, report, progress)
    return True


def _sync_batch(
    articles: list[Article], origin: Origin | UrlOrigin, store: Store, indexer: Indexer, writer: _Writer,
    report: Report, progress: Progress | None,
) -> None:
    if not articles:
        return
    stored = store.records(article.article_id for article in articles)
    hashes = {article.article_id: article.content_hash(indexer.signature) for article in articles}
    todo: list[Article] = []
    adopted: dict[str, dict[str, str]] = {}
    for article in articles:
        record = stored.get(article.article_id)
        if record and record.get("state") == READY and record.get("hash") == hashes[article.article_id]:
            report.unchanged += 1
            change = {}
            if record.get("origin") != origin.key:  # same article, now found here: adopt it
                change["origin"] = origin.key
            if article.source_version != record.get("item_version", ""):  # a feed item changed, its page did not
                change["item_version"] = article.source_version
            if change:
                adopted[article.article_id] = change
        else:
            todo.append(article)
    if adopted:
        writer.update_records(adopted)
    if progress and len(articles) > len(todo):
        progress(len(articles) - len(todo), 0)
    if todo:
        items = _index_each(todo, hashes, indexer, report)
        writer.submit(items, origin.key, {a.article_id for a in todo if a.article_id in stored})


def _index_each(articles: list[Article], hashes: dict[str, str], indexer: Indexer, report: Report) -> list[Indexed]:
    """Chunk each article (reporting the ones that fail), then embed the rest in one pass (if that fails,
    article by article)."""
    chunked: list[tuple[Article, list[Chunk]]] = []
    for article in articles:
        try:
            chunked.append((article, indexer.chunk(article)))
        except ArticleError as error:
            report.fail(error.where, error.problem)
        except Exception as exc:  # one odd article (a tokenizer error) fails alone
            report.fail(article.path or article.article_id,
                        f"could not be chunked ({type(exc).__name__}: {str(exc)[:200]})")
    try:
        return indexer.embed([a for a, _ in chunked], [hashes[a.article_id] for a, _ in chunked],
                             [chunks for _, chunks in chunked])
    except Exception:  # noqa: BLE001 - find the article it was
        if len(chunked) <= 1:
            raise
    items = []
    for article, chunks in chunked:
        try:
            items += indexer.embed([article], [hashes[article.article_id]], [chunks])
        except Exception as exc:
            report.fail(article.path or article.article_id,
                        f"could not be embedded ({type(exc).__name__}: {str(exc)[:200]})")
    return items


class _Writer:
    """Writes batches to the store in a second thread, one at a time, while the next batch is embedded."""

    def __init__(self, store: Store, report: Report, progress: Progress | None) -> None:
        self.store = store
        self.report = report
        self.progress = progress
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._pending: Future[None] | None = None
        self.failed_writes = False

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)
            if self.failed_writes:
                self.store.repair()  # a write that failed half-way left its journal entry

    def wait(self) -> None:
        """Until the write in flight is done (its exception, if it failed as a whole, is raised here)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def submit(self, items: list[Indexed], origin: str, known: set[str]) -> None:
        self.wait()
        self._pending = self._pool.submit(self._write, items, origin, known)

    def update_records(self, changes: dict[str, dict[str, str]]) -> None:
        self.wait()
        self.store.update_records(changes)

    def _write(self, items: list[Indexed], origin: str, known: set[str]) -> None:
        try:
            left = self.store.write(items, origin)  # id -> why it was left as it is
            written = [item for item in items if item.article.article_id not in left]
        except (StoreError, ConfigError):
            raise  # the store itself is unreachable, locked or of other vectors: the run cannot go on
        except Exception:  # noqa: BLE001 - one article Chroma refuses: find it, write the others
            self.failed_writes = True
            written, left = [], {}
            for item in items:
                try:
                    why = self.store.write([item], origin).get(item.article.article_id)
                    if why in (None, ALREADY_WRITTEN):  # already: maybe by the batch's own write, before it failed
                        written.append(item)
                    else:
                        left[item.article.article_id] = why
                except (StoreError, ConfigError):
                    raise
                except Exception as exc:
                    self.report.fail(item.article.path or item.article.article_id,
                                     f"could not be written to the store ({type(exc).__name__}: {str(exc)[:200]})")
        for item in items:
            why = left.get(item.article.article_id)
            if why == SUPERSEDED:
                self.report.note(item.article.path or item.article.article_id,
                                 "another process wrote a version of it read after this one; that one is kept")
            elif why == ALREADY_WRITTEN:  # an ingest of the same inputs at the same time: it counts it added
                self.report.unchanged += 1
                self.report.note(item.article.path or item.article.article_id,
                                 "another process wrote this same version meanwhile; not written again")
        for item in written:
            if item.article.article_id in known:
                self.report.updated += 1
            else:
                self.report.added += 1
        if self.progress:
            self.progress(len(items), sum(len(item.chunks) for item in written))


def _prune(origin: Origin, store: Store, pruning: Pruning, report: Report, listed_at: float) -> None:
    """Delete what came from this origin before and is gone now, unless that looks like a mistake.

    What another process wrote, or moved here, after ``listed_at`` (when this run listed the origin) stays,
    though this run did not see it: that process read a file this run's listing did not hold yet."""
    seen = origin.seen
    stored = store.records_from(origin.key)
    gone = [article_id for article_id, record in stored.items()
            if article_id not in seen and record.get("path") not in origin.failed_paths]
    if not gone:
        return
    if not pruning.force:
        if not seen:
            report.failed.append({"path": origin.key, "error": (
                f"holds no article now, but {len(stored)} came from it before; nothing was pruned. If they are "
                "really gone, run again with --force-prune (--no-prune keeps them without asking)")})
            return
        if len(gone) > _PRUNE_FEW and len(gone) > pruning.max_share * len(stored):
            report.failed.append({"path": origin.key, "error": (
                f"{len(gone)} of the {len(stored)} articles that came from it are gone; nothing was pruned "
                f"(more than {pruning.max_share:.0%}, NEWSBOT_PRUNE_MAX_SHARE). If they are really gone, run "
                "again with --force-prune")})
            return
    report.deleted += len(store.delete(gone, origin=origin.key, changed_before=listed_at))


def _failure(error: ArticleError) -> dict[str, str]:
    return {"path": error.where, "error": error.problem}
