"""Find the passages that may answer a question: dense search in the Chroma store.

The search goes through LangChain's ``Chroma`` vector store (over the same
client and collection that ingest writes), so ``Retriever.runnable()`` plugs
into LCEL chains. Filters (published-date range, sources) are applied inside
the store query, not after it. At most ``per_article`` passages come from one
article, so the top k can span several articles.

Scores are cosine similarities (higher is better); the refusal threshold in
bot/chain.py is calibrated on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from bot.store import Store
from bot.types import Passage, published_number


@dataclass(frozen=True)
class Filters:
    """Which articles may be searched: a published-date range and/or some sources."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: Sequence[str] = field(default_factory=tuple)
    exclude_articles: Sequence[str] = field(default_factory=tuple)

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these filters, or None."""
        clauses: list[dict[str, Any]] = []
        if self.date_from:
            clauses.append({"published_num": {"$gte": published_number(self.date_from)}})
        if self.date_to:
            clauses.append({"published_num": {"$lte": published_number(self.date_to)}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.exclude_articles:
            clauses.append({"article_id": {"$nin": list(self.exclude_articles)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Retriever:
    """question -> the top-k passages (numbered 1..k), each with its article metadata and span."""

    def __init__(self, store: Store, embeddings: Embeddings, k: int = 6, per_article: int = 2) -> None:
        from langchain_chroma import Chroma

        self.store = store
        self.k = k
        self.per_article = per_article
        self.vectorstore = Chroma(client=store.client, collection_name=store.name, embedding_function=embeddings)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        k = k or self.k
        where = filters.where() if filters else None
        hits = self.vectorstore.similarity_search_with_score(query, k=k * 4, filter=where)
        taken: dict[str, int] = {}
        passages: list[Passage] = []
        for document, distance in hits:
            meta = document.metadata
            article_id = meta["article_id"]
            if taken.get(article_id, 0) >= self.per_article:
                continue
            taken[article_id] = taken.get(article_id, 0) + 1
            passages.append(
                Passage(
                    n=len(passages) + 1, article_id=article_id, title=meta.get("title", ""),
                    source=meta.get("source", ""), published=meta.get("published", ""), url=meta.get("url", ""),
                    path=meta.get("path", ""), text=document.page_content, start=int(meta["start"]),
                    end=int(meta["end"]), score=1.0 - float(distance),
                )
            )
            if len(passages) == k:
                break
        return passages

    def runnable(self) -> Runnable[dict[str, Any], list[Passage]]:
        """An LCEL runnable: {"query", "k"?, "filters"?} -> passages."""
        return RunnableLambda(lambda inputs: self.search(inputs["query"], inputs.get("k"), inputs.get("filters")))
