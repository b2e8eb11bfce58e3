"""Shared fixtures: real Chroma in tmp folders, the real tokenizer, a tiny fake embedder.

The fake (``KeywordEmbeddings``) counts hashed words, so its rankings can be
checked by eye; tests about retrieval quality use the real model instead.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from bench.common import free_port, wait_until_up  # noqa: F401  # the tests start servers with these too
from bot.settings import default_embedding_model
from bot.store import Store, open_store
from ingest.pipeline import Indexer

SHARED = Path(__file__).resolve().parents[2] / "shared"
EVAL_ARTICLES = SHARED / "eval" / "articles"
ROOT_DIR = Path(__file__).resolve().parents[1]
SAMPLES = ROOT_DIR / "samples"
SEED = SAMPLES / "asbarez-2023-06-23-lachin.txt"


class KeywordEmbeddings(Embeddings):
    """Bag-of-words vectors over 256 hashed buckets, L2-normalized; counts calls."""

    def __init__(self) -> None:
        self.embedded = 0

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * 256
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % 256] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@pytest.fixture(scope="session")
def tokenizer():
    from bot.embeddings import load_tokenizer

    return load_tokenizer(default_embedding_model())


@pytest.fixture
def fake_indexer(tokenizer) -> Indexer:
    return Indexer(default_embedding_model(), embeddings=KeywordEmbeddings(), tokenizer=tokenizer)


@pytest.fixture
def store(tmp_path) -> Store:
    return open_store(tmp_path / "store", None, 8000, "news")


@pytest.fixture
def eval_copy(tmp_path) -> Path:
    """The 168 dev-set articles, copied to a folder the test may change."""
    if not EVAL_ARTICLES.exists():
        pytest.skip(f"{EVAL_ARTICLES} is not here (the shared eval set sits beside the repository)")
    target = tmp_path / "articles"
    shutil.copytree(EVAL_ARTICLES, target)
    return target




@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` on 127.0.0.1, stopped (by its PID) after the test; yields (host, port, process)."""
    import subprocess
    import sys

    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    data = tmp_path / "chroma-server"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", process, 60)
    yield "127.0.0.1", port, process
    stop(process)


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory):
    """One folder for this run's ONNX exports of the real model, used by every process the tests start.

    The export happens once, on first use, as it does for a user (into data/models by default).
    """
    import os

    cache = tmp_path_factory.mktemp("models")
    previous = os.environ.get("NEWSBOT_EMBEDDING_CACHE_DIR")
    os.environ["NEWSBOT_EMBEDDING_CACHE_DIR"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("NEWSBOT_EMBEDDING_CACHE_DIR", None)
    else:
        os.environ["NEWSBOT_EMBEDDING_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def real_embeddings(model_cache):
    """The real model on the default embedding backend, as the product runs it."""
    from bot.embeddings import load_embeddings

    return load_embeddings(default_embedding_model(), cache_dir=model_cache)


@pytest.fixture(scope="session")
def torch_embeddings():
    """The real model on sentence-transformers (torch): the reference the ONNX backends are checked against."""
    from bot.embeddings import load_embeddings

    return load_embeddings(default_embedding_model(), backend="torch")


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory, real_embeddings, tokenizer) -> Store:
    """A store holding the raw seed article, ingested with the real model."""
    from ingest.pipeline import ingest

    store = open_store(tmp_path_factory.mktemp("seed") / "store", None, 8000, "news")
    indexer = Indexer(default_embedding_model(), embeddings=real_embeddings, tokenizer=tokenizer)
    assert ingest([SAMPLES], store, indexer).added == 1
    return store


def make_bot(store, embeddings, llm=None, backend="extractive"):
    """A NewsBot over ``store``: the extractive backend, or ``llm`` (a chat model) as the backend named ``backend``."""
    from bot.chain import NewsBot
    from bot.extractive import ExtractiveAnswerer
    from bot.llm import ChatBackend
    from bot.retrieve import Retriever

    extractive = ExtractiveAnswerer(embeddings)
    answering = ChatBackend(backend, llm) if llm is not None else None
    from bot.spelling import dictionary

    return NewsBot(store, Retriever(store, embeddings, k=6), extractive, answering,
                   dictionary=dictionary(default_embedding_model()))


def assert_quotes_verbatim(answer, store):
    """Every citation's quote is exactly its article body's [start:end]."""
    for citation in answer.citations:
        body, _ = store.article(citation.article_id)
        assert body[citation.start : citation.end] == citation.quote


def start_app(store_dir: Path, *extra: str, env: dict[str, str] | None = None):
    """Start `python app.py` on a free port with this store; returns (url, process). Caller stops it."""
    import os
    import subprocess
    import sys
    import time

    port = free_port()
    environment = {**os.environ, "NEWSBOT_STORE_DIR": str(store_dir), "GRADIO_ANALYTICS_ENABLED": "False",
                   **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), *extra], cwd=ROOT_DIR, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 240
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Ready on"):
            return f"http://127.0.0.1:{port}/", process
    process.kill()
    raise RuntimeError("app.py did not start:\n" + "".join(lines[-30:]))


def stop(process) -> None:
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def seed_body() -> str:
    from ingest.parse import parse_txt

    return parse_txt(SEED.read_text(encoding="utf-8"), "seed", "seed", "seed").body
