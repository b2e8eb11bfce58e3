"""Find the passages that may answer a question: hybrid dense + keyword search, date-aware.

Four ranked lists are fused by weighted reciprocal rank fusion (RRF), each
passage's fused score scaled to 0..1 (1: first in every list), so that the
refusal gate reads it the same whatever lists a question gets:

- dense: the question's embedding against the chunk vectors in the Chroma
  collection ingest writes;
- lexical: BM25 over the chunk texts and titles (bot/lexical.py);
- the same two restricted to the time the question names ("this week", "in
  June 2023", see bot/dates.py), or else to the ``recency_days`` up to the
  as-of date: a preference, not a filter. News questions are mostly about the
  latest news (of the dev set's gold articles, 119 of 128 were published in the
  week before the question); an older article still ranks by the other lists.
  When the store holds nothing published in that time at all (an archive
  asked today), there is nothing to prefer and the two lists are left out;
  when it holds recent articles but none near the question, the empty lists
  still count, and every passage's fused score stays at most half: evidence
  for the gate that the news asked about is not in the store.

Filters (published-date range, sources, excluded articles) and the as-of date
(nothing published after it) are applied to both searches, so a filtered-out
chunk never takes a place. Each search first runs unfiltered and keeps the hits
the filters admit (``Filters.admits`` mirrors ``Filters.where``): Chroma's
filtered search costs about ten times its plain one (README, Latency). The
dense search fetches the nearest ``2 x candidates``, then ``8 x candidates``
when too few pass (an as-of date can exclude many of the nearest
chunks); the keyword search fetches ``8 x candidates`` at once. Only when still
too few pass does Chroma's filtered query run, or the keyword ranking get read
further down. The date-window lists come from the same unfiltered hits.

Speed: the keyword search runs in a worker thread while the question is
embedded and searched densely (numpy, SQLite and ONNX Runtime release the GIL). Chroma
is asked for ids only; the filter fields come from the keyword index's table
of them, and text and metadata are read from Chroma for the k passages
returned, not for the hundreds of candidates. Each passage comes with the body
of the article version it belongs to (``Store.passages``), so quotes are checked
against the text the passage was cut from even while the article is rewritten. At most ``per_article`` passages
come from one article, so the top k can span several articles.
``Retriever.runnable()`` plugs the search into an LCEL chain; ``NewsRetriever`` is
the same search as a LangChain ``BaseRetriever`` (Documents out), for anyone's
own LangChain code, and the chain's retrieve step goes through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from bot.dates import window
from bot.settings import Settings
from bot.store import Store
from bot.types import ARTICLE_FIELDS, Passage, published_number

#: The dense search fetches this many times ``Fusion.candidates`` unfiltered chunks (see the module docstring).
_OVERFETCH = 2
#: When too few of those pass the filters, a second unfiltered fetch this many times ``candidates``.
_WIDER = 8


@dataclass(frozen=True)
class Filters:
    """Which articles may be searched: a published-date range, some sources, only some articles, minus some.

    ``undated``: whether articles without a date pass the date range (they do
    for the as-of bound, not for a range a user picked).
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: Sequence[str] = field(default_factory=tuple)
    exclude_articles: Sequence[str] = field(default_factory=tuple)
    undated: bool = False
    articles: Sequence[str] = field(default_factory=tuple)  # only these articles (asking about one)

    def date_range(self) -> tuple[int, int] | None:
        if not (self.date_from or self.date_to):
            return None
        return (published_number(self.date_from) if self.date_from else 1,
                published_number(self.date_to) if self.date_to else 99991231)

    def admits(self, meta: dict[str, Any]) -> bool:
        """Whether a chunk with this metadata passes the filters: exactly what ``where()`` selects."""
        if date_range := self.date_range():
            number = int(meta.get("published_num") or 0)
            if not (date_range[0] <= number <= date_range[1] or (self.undated and number == 0)):
                return False
        if self.sources and meta.get("source") not in self.sources:
            return False
        if self.articles and meta.get("article_id") not in self.articles:
            return False
        return not (self.exclude_articles and meta.get("article_id") in self.exclude_articles)

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these filters, or None."""
        clauses: list[dict[str, Any]] = []
        if date_range := self.date_range():
            in_range = {"$and": [{"published_num": {"$gte": date_range[0]}},
                                 {"published_num": {"$lte": date_range[1]}}]}
            clauses.append({"$or": [{"published_num": 0}, in_range]} if self.undated else in_range)
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.exclude_articles:
            clauses.append({"article_id": {"$nin": list(self.exclude_articles)}})
        if self.articles:
            clauses.append({"article_id": {"$in": list(self.articles)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def until(self, as_of: dt.date) -> Filters:
        """These filters with nothing published after ``as_of``."""
        if self.date_from or self.date_to:
            end = min(self.date_to, as_of) if self.date_to else as_of
            return replace(self, date_to=end)
        return replace(self, date_to=as_of, undated=True)

    def within(self, start: dt.date, end: dt.date) -> Filters:
        """These filters narrowed to a window (dated articles only)."""
        return replace(
            self, date_from=max(start, self.date_from) if self.date_from else start,
            date_to=min(end, self.date_to) if self.date_to else end, undated=False,
        )


@dataclass(frozen=True)
class Fusion:
    """Weights of the fused lists; ``rrf_k`` damps the head of each list; ``candidates`` per list."""

    dense: float = 1.0
    lexical: float = 1.0
    window: float = 1.0
    rrf_k: int = 60
    candidates: int = 40


class Retriever:
    """question -> the top-k passages (numbered 1..k), each with its article metadata and span."""

    def __init__(
        self, store: Store, embeddings: Embeddings, k: int = 6, per_article: int = 2, fusion: Fusion = Fusion(),
        recency_days: int = 0,
    ) -> None:
        self.store = store
        self.embeddings = embeddings
        self.k = k
        self.per_article = per_article
        self.fusion = fusion
        self.recency_days = recency_days
        self._keyword_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword-search")

    @classmethod
    def from_settings(cls, store: Store, embeddings: Embeddings, settings: Settings) -> Retriever:
        fusion = Fusion(settings.fusion_dense, settings.fusion_lexical, settings.fusion_window, settings.fusion_rrf_k)
        return cls(store, embeddings, k=settings.k, per_article=settings.per_article, fusion=fusion,
                   recency_days=settings.recency_days)

    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, as_of: dt.date | None = None
    ) -> list[Passage]:
        k = k or self.k
        base = filters or Filters()
        if as_of:
            base = base.until(as_of)
        pending = self._keyword_pool.submit(self._keyword, query)  # BM25 runs while the question is embedded
        vector = self.embeddings.embed_query(query)
        metas: dict[str, dict[str, Any]] = {}
        nearest = self._nearest(vector, _OVERFETCH * self.fusion.candidates, metas)
        keyword = pending.result()
        metas.update(keyword)
        lists = [
            (self._dense(vector, base, nearest, metas), self.fusion.dense),
            (self._lexical(query, base, keyword, metas), self.fusion.lexical),
        ]
        if as_of and (span := window(query, as_of) or self._recent(as_of)):
            narrowed, n = base.within(*span), self.fusion.candidates
            recent = [([i for i in nearest if narrowed.admits(metas[i])][:n], self.fusion.window),
                      ([i for i, meta in keyword if narrowed.admits(meta)][:n], self.fusion.window)]
            if any(ranked for ranked, _ in recent) or self.store.any_published(*narrowed.date_range()):
                lists += recent  # else the store holds nothing of that time: an archive, no preference
        fused: dict[str, float] = {}
        most = sum(weight for _, weight in lists) / (self.fusion.rrf_k + 1) or 1.0  # first in every list
        for ranked, weight in lists:
            for rank, chunk_id in enumerate(ranked):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (self.fusion.rrf_k + rank + 1) / most
        order = sorted(fused, key=lambda chunk_id: -fused[chunk_id])
        return self._passages(order, fused, metas, k)

    def _recent(self, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
        """The ``recency_days`` up to ``as_of``, preferred when a question names no time."""
        return (as_of - dt.timedelta(days=self.recency_days), as_of) if self.recency_days else None

    def _nearest(
        self, vector: list[float], k: int, metas: dict[str, dict[str, Any]], where: dict[str, Any] | None = None
    ) -> list[str]:
        """Ids of the ``k`` chunks nearest ``vector`` (within ``where``), best first; their filter fields go
        to ``metas``."""
        ids = self.store.nearest(vector, k, where)
        metas.update(self.store.filters_of([i for i in ids if i not in metas]))
        return [chunk_id for chunk_id in ids if chunk_id in metas]

    def _dense(
        self, vector: list[float], filters: Filters, nearest: list[str], metas: dict[str, dict[str, Any]]
    ) -> list[str]:
        """The ``candidates`` nearest chunks that pass ``filters``: from ``nearest``, else from a wider
        unfiltered fetch (320 chunks), else from Chroma's filtered query (slow: the last resort)."""
        n = self.fusion.candidates
        hits, size = nearest, _OVERFETCH * n
        kept = [chunk_id for chunk_id in hits if filters.admits(metas[chunk_id])]
        if len(kept) < n and len(hits) == size:  # too few pass, and the store holds more
            hits, size = self._nearest(vector, _WIDER * n, metas), _WIDER * n
            kept = [chunk_id for chunk_id in hits if filters.admits(metas[chunk_id])]
            if len(kept) < n and len(hits) == size:
                return self._nearest(vector, n, metas, filters.where())
        return kept[:n]

    def _keyword(self, query: str) -> list[tuple[str, dict[str, Any]]]:
        """The ``8 x candidates`` best keyword hits, unfiltered, with their filter metadata.

        BM25 scores every matching chunk whatever the number asked for, so fetching more costs little.
        """
        return self.store.keyword(query, _WIDER * self.fusion.candidates)

    def _lexical(
        self, query: str, filters: Filters, keyword: list[tuple[str, dict[str, Any]]], metas: dict[str, Any]
    ) -> list[str]:
        """The ``candidates`` best keyword hits that pass ``filters``: from ``keyword`` if enough do, else read
        down the whole ranking until enough pass."""
        n = self.fusion.candidates
        kept = [chunk_id for chunk_id, meta in keyword if filters.admits(meta)]
        if len(kept) >= n or len(keyword) < _WIDER * n:
            return kept[:n]
        hits = self.store.keyword(query, n, filters.admits)
        metas.update(hits)
        return [chunk_id for chunk_id, _ in hits]

    def _passages(
        self, order: list[str], scores: dict[str, float], metas: dict[str, dict[str, Any]], k: int
    ) -> list[Passage]:
        """The best k of ``order``, at most ``per_article`` from one article; only these are read from Chroma."""
        taken: dict[str, int] = {}
        capped: list[str] = []
        for chunk_id in order:
            article_id = metas[chunk_id]["article_id"]
            if taken.get(article_id, 0) < self.per_article:
                taken[article_id] = taken.get(article_id, 0) + 1
                capped.append(chunk_id)
        passages: list[Passage] = []
        start = 0
        while len(passages) < k and start < len(capped):
            batch = capped[start : start + k - len(passages)]
            start += len(batch)
            for found in self.store.passages(batch):  # leaves out chunks of replaced versions
                meta = found.metadata
                article = {name: meta.get(name, "") for name in ARTICLE_FIELDS}
                passages.append(Passage(
                    n=len(passages) + 1, **article, text=found.text, start=int(meta["start"]), end=int(meta["end"]),
                    score=scores[found.chunk_id], body=found.body,
                ))
        return passages

    def runnable(self) -> Runnable[dict[str, Any], list[Passage]]:
        """An LCEL runnable: {"query", "k"?, "filters"?, "as_of"?} -> passages."""
        return RunnableLambda(
            lambda inputs: self.search(inputs["query"], inputs.get("k"), inputs.get("filters"), inputs.get("as_of"))
        )


class NewsRetriever(BaseRetriever):
    """The hybrid news search as a LangChain retriever: ``invoke(query)`` -> ``Document``s.

    Each Document holds a chunk's text, and in its metadata the article's
    ``article_id``, ``title``, ``source``, ``published``, ``url``, the chunk's
    ``start``/``end`` in the article body and the fused ``score`` (0..1). ``k``,
    ``filters`` (a ``Filters``) and ``as_of`` (a date) may be given at invoke time,
    e.g. ``retriever.invoke("Who won?", k=3)``::

        from bot import NewsRetriever
        retriever = NewsRetriever.from_store_dir("data/chroma", k=4)
        docs = retriever.invoke("Which country was shaken by an earthquake this week?")
    """

    engine: Retriever
    k: int = 4
    filters: Filters | None = None
    as_of: dt.date | None = None

    model_config = {"arbitrary_types_allowed": True}

    @classmethod
    def from_store_dir(cls, store_dir: Any, k: int = 4, **settings: Any) -> NewsRetriever:
        """A retriever over the store folder ``store_dir`` (any other ``Settings`` field as a keyword, e.g.
        ``chroma_host``); the embedding model is the settings' (the store's own)."""
        from bot.store import open_store

        config = Settings(store_dir=store_dir, **settings)
        store = open_store(config.store_dir, config.chroma_host, config.chroma_port, config.collection,
                           min_free_mb=config.min_free_mb, lock_timeout=config.lock_timeout)
        store.refresh()
        return cls.from_store(store, k=k, settings=config)

    @classmethod
    def from_store(cls, store: Store, embeddings: Embeddings | None = None, k: int = 4,
                   settings: Settings | None = None) -> NewsRetriever:
        """A retriever over an open ``store``, with ``embeddings`` (default: the settings' model)."""
        from bot.embeddings import embeddings_for

        config = settings or Settings()
        engine = Retriever.from_settings(store, embeddings or embeddings_for(config), config)
        return cls(engine=engine, k=k)

    def passages(self, query: str, k: int | None = None, filters: Filters | None = None,
                 as_of: dt.date | None = None) -> list[Passage]:
        """The top passages (with their article bodies, for quoting): what the Documents are made of."""
        return self.engine.search(query, k or self.k, filters or self.filters, as_of or self.as_of)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, filters: Filters | None = None,
                                as_of: dt.date | None = None) -> list[Document]:
        return [as_document(passage) for passage in self.passages(query, k, filters, as_of)]


def as_document(passage: Passage) -> Document:
    """A passage as a LangChain Document (its text; article and span in the metadata)."""
    return Document(
        page_content=passage.text, id=f"{passage.article_id}#{passage.start}",
        metadata={**passage.metadata(), "start": passage.start, "end": passage.end, "score": passage.score},
    )
