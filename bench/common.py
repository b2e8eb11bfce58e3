"""Shared by the bench scripts: build (or reuse) a store of a corpus with the product's ingest.

Stores are cached under bench/cache/<label>-<hash of the corpus files and index
settings>, so a second run starts at once. The eval set is read from
../shared/eval, never copied into the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from bot.embeddings import vectors_kind
from bot.settings import Settings
from bot.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"


def corpus_key(paths: list[Path], settings: Settings, recipe: str = "") -> str:
    """A hash of the corpus files (names and contents) and how they are indexed.

    Contents, not modification times: ../shared may be copied afresh (new
    times, same files), and a 10k-article store takes an hour to rebuild.
    Hashing the 34 MB of eval and bench files takes a fraction of a second.
    ``recipe`` names another way of indexing them (e.g. bench.naive's splitter), so its cache is apart.
    """
    digest = hashlib.sha256()
    from ingest.pipeline import INDEX_VERSION

    digest.update(f"{INDEX_VERSION}|{settings.chunk_tokens}|{settings.embedding_model}".encode())
    kind = vectors_kind(settings.embedding_backend)
    if kind != "fp32":  # torch and onnx give the same vectors (and the same key as before static existed)
        digest.update(f"|{kind}".encode())
    if recipe:
        digest.update(recipe.encode())
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(f"{file.name}|".encode())
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:12]


def store_folder(paths: list[Path], label: str, settings: Settings) -> Path:
    """Where ``cached_store`` keeps the store of ``paths`` (its built.json records the build)."""
    return CACHE / f"{label}-{corpus_key(paths, settings)}"


def cached_store(paths: list[Path], label: str, settings: Settings, quiet: bool = False) -> tuple[Store, float]:
    """A store holding exactly ``paths``, built once; returns it and the build seconds (0 if cached)."""
    from ingest.pipeline import Indexer, ingest

    folder = store_folder(paths, label, settings)
    done = folder / "built.json"
    store = open_store(folder / "chroma", None, 8000, "news")
    if done.exists():
        store.refresh()  # a keyword index from an older version is caught up here, before anything is timed
        return store, 0.0
    started = time.perf_counter()
    indexer = Indexer.from_settings(settings)
    report = ingest(paths, store, indexer)
    seconds = time.perf_counter() - started
    if not quiet:
        print(f"built store {folder.name}: {report.summary()}")
    done.write_text(json.dumps({**report.as_dict(), "build_seconds": seconds}))
    return store, seconds


def feed_name(feed: Path) -> str:
    """A feed file's name for labels: "news-1k" for news-1k.jsonl.gz."""
    return feed.name.split(".")[0]


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def article_ids_by_file(folder: Path) -> dict[str, str]:
    """file name -> the article id the product gives it (its url, else its relative path)."""
    from ingest.sources import read_origin

    origin = read_origin(folder, 5_000_000, 500_000_000)
    return {Path(article.path).name: article.article_id for article in origin.articles}


def offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def machine() -> dict[str, Any]:
    """What the numbers were measured on: CPUs, platform, torch threads and how busy the machine was."""
    import torch

    return {
        "cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(), "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]



def wait_until_up(url: str, process: Any, seconds: float, poll: float = 0.3) -> None:
    """Poll ``url`` until it answers; kill ``process`` and raise if it dies or ``seconds`` pass
    (benchmarks and tests start app.py and servers with it)."""
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{process.args[:3]} did not come up at {url}") from None
            time.sleep(poll)
