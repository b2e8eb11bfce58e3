"""LangChain's own standard tests (langchain-tests) over the project's LangChain seams.

``EmbeddingsIntegrationTests`` over every embedding backend (the real model, loaded from the
installed weights), ``RetrieversIntegrationTests`` over ``bot.NewsRetriever`` on a real store.
The project wraps no chat model of its own that LangChain lacks a test for: the llama.cpp
model is exercised against a real llama.cpp server in tests/test_llm.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES
from langchain_core.documents import Document
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests

import bot
from bot import embeddings
from bot.embeddings import load_embeddings
from bot.retrieve import Filters, NewsRetriever
from bot.settings import default_embedding_model
from ingest.pipeline import Indexer, ingest

STORIES = {
    "harbour.txt": "Harbour council approves bridge budget\n\nThe harbour council approved a budget of 12 million "
    "for the new bridge on Tuesday. Work starts in spring.",
    "ferry.txt": "Ferry timetable changes in June\n\nThe ferry company will run fewer crossings in June while "
    "the pier is repaired, the harbour office said.",
    "orchid.txt": "Rare orchid blooms in botanical garden\n\nA rare orchid bloomed at the botanical garden for "
    "the first time in twenty years, drawing long queues of visitors.",
    "storm.txt": "Storm cuts power to thousands\n\nA storm knocked out power to thousands of homes along the coast, "
    "and crews expect repairs to take until the weekend.",
}


@pytest.fixture(scope="module")
def news_store(tmp_path_factory, real_embeddings, tokenizer):
    from bot.store import open_store

    folder = tmp_path_factory.mktemp("langchain")
    for name, text in STORIES.items():
        (folder / "in" / name).parent.mkdir(exist_ok=True)
        (folder / "in" / name).write_text(text, encoding="utf-8")
    store = open_store(folder / "store", None, 8000, "news")
    indexer = Indexer(default_embedding_model(), embeddings=real_embeddings, tokenizer=tokenizer)
    assert ingest([folder / "in", SAMPLES], store, indexer).added == len(STORIES) + 1
    return store


class _Backend(EmbeddingsIntegrationTests):
    backend = ""

    @property
    def embeddings_class(self) -> Any:
        return load_embeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model_path": default_embedding_model(), "backend": self.backend,
                "cache_dir": os.environ["NEWSBOT_EMBEDDING_CACHE_DIR"]}  # the run's cache (conftest)


for _backend in embeddings.BACKENDS:  # TestOnnxInt8Embeddings, TestOnnxEmbeddings, TestTorchEmbeddings, ...
    _name = f"Test{_backend.title().replace('-', '')}Embeddings"
    globals()[_name] = pytest.mark.slow(type(_name, (_Backend,), {"backend": _backend}))


@pytest.mark.slow
class TestNewsRetriever(RetrieversIntegrationTests):
    store = None
    embeddings = None

    @pytest.fixture(autouse=True)
    def _on_the_news_store(self, news_store, real_embeddings):
        type(self).store, type(self).embeddings = news_store, real_embeddings

    @property
    def retriever_constructor(self) -> Any:
        return lambda **params: NewsRetriever.from_store(self.store, self.embeddings, **params)

    @property
    def retriever_query_example(self) -> str:
        return "What did the harbour council approve?"


@pytest.mark.slow
def test_documents_carry_the_article_and_the_span_of_the_chunk(news_store, real_embeddings):
    retriever = NewsRetriever.from_store(news_store, real_embeddings, k=2)
    docs = retriever.invoke("Which flower bloomed at the botanical garden?")
    assert all(isinstance(doc, Document) for doc in docs) and len(docs) == 2
    top = docs[0]
    assert top.metadata["title"] == "Rare orchid blooms in botanical garden"
    body = news_store.bodies([top.metadata["article_id"]])[top.metadata["article_id"]]
    assert body[top.metadata["start"]:top.metadata["end"]] == top.page_content
    assert set(top.metadata) >= {"article_id", "title", "source", "published", "url", "start", "end", "score"}
    only = retriever.invoke("Which flower bloomed?", filters=Filters(exclude_articles=(top.metadata["article_id"],)))
    assert top.metadata["article_id"] not in {doc.metadata["article_id"] for doc in only}


@pytest.mark.slow
def test_from_store_dir_opens_a_folder_store_by_path(news_store):
    retriever = bot.NewsRetriever.from_store_dir(Path(news_store.where), k=1)
    assert retriever.invoke("Who lost power in the storm?")[0].metadata["title"] == "Storm cuts power to thousands"


@pytest.mark.slow
def test_the_chain_retrieves_through_the_langchain_retriever(news_store, real_embeddings):
    from conftest import make_bot

    news = make_bot(news_store, real_embeddings)
    assert isinstance(news.news_retriever, NewsRetriever)
    answer = news.ask("What did the harbour council approve on Tuesday?")
    assert answer.citations and answer.citations[0].title == "Harbour council approves bridge budget"
