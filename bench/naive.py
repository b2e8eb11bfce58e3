"""The retrieval a user would build from LangChain's docs, for bench.eval to compare the product with.

    articles -> Document per article (a .txt file's whole text, as TextLoader reads it;
                a feed line's body, as bench.ingest reads the feed)
             -> RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
             -> HuggingFaceEmbeddings (the product's weights, Settings().embedding_model)
             -> langchain_chroma.Chroma.from_documents
    question -> similarity_search(question, k=10) -> articles in order of first appearance

The store is built once and kept under bench/cache/naive-<hash of the corpus and
this recipe>. Each Document carries the product's article id (its url, else its
path), so both pipelines are scored against the same gold ids.

What it leaves out: answering. There is no answerer, no refusal and no date or
per-article handling, so bench.eval reports retrieval and latency only.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import CACHE, corpus_key
from bench.metrics import first_appearances
from bot.settings import Settings
from ingest.sources import read_origin

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200
RECIPE = f"naive|TextLoader|RecursiveCharacterTextSplitter({CHUNK_SIZE},{CHUNK_OVERLAP})|HuggingFaceEmbeddings|Chroma"


def documents(paths: list[Path]) -> list[Any]:
    """One LangChain Document per article under ``paths``, with its product article id."""
    from langchain_core.documents import Document

    docs = []
    for path in paths:
        for article in read_origin(path, 5_000_000, 500_000_000).articles:
            if path.is_dir():  # a file of the folder: its whole text, header lines included
                text = (path / article.path).read_text(encoding="utf-8")
                source = str(path / article.path)
            else:  # a line of a feed: its body
                text, source = article.body, str(path)
            docs.append(Document(page_content=text, metadata={"article_id": article.article_id, "source": source}))
    return docs


class NaivePipeline:
    """question -> article ids ranked by the first of their chunks among the top k."""

    def __init__(self, vectorstore: Any) -> None:
        self.vectorstore = vectorstore

    def ranked(self, question: str, k: int = 10) -> list[str]:
        found = self.vectorstore.similarity_search(question, k=k)
        return first_appearances(doc.metadata["article_id"] for doc in found)


def cached_naive(paths: list[Path], settings: Settings) -> tuple[NaivePipeline, dict[str, Any]]:
    """The naive pipeline over ``paths``, its store built once; returns it and the build record."""
    import chromadb.config
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    on_torch = settings.model_copy(update={"embedding_backend": "torch"})  # what HuggingFaceEmbeddings runs
    folder = CACHE / f"naive-{corpus_key(paths, on_torch, RECIPE)}"
    done = folder / "built.json"
    embeddings = HuggingFaceEmbeddings(model_name=settings.embedding_model, model_kwargs={"device": "cpu"})
    client_settings = chromadb.config.Settings(anonymized_telemetry=False)
    if done.exists():
        vectorstore = Chroma(
            persist_directory=str(folder / "chroma"), embedding_function=embeddings, client_settings=client_settings
        )
        return NaivePipeline(vectorstore), {**json.loads(done.read_text()), "folder": folder.name, "cached": True}
    shutil.rmtree(folder, ignore_errors=True)  # a build that died half-way would leave duplicates
    started = time.perf_counter()
    docs = documents(paths)
    splits = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_documents(docs)
    vectorstore = Chroma.from_documents(
        splits, embeddings, persist_directory=str(folder / "chroma"), client_settings=client_settings
    )
    record = {"articles": len(docs), "chunks": len(splits), "build_seconds": round(time.perf_counter() - started, 3)}
    done.write_text(json.dumps(record))
    return NaivePipeline(vectorstore), {**record, "folder": folder.name, "cached": False}
