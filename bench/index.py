"""``python -m bench.index``: the chunk collection's vector index with 16 or 32 links per node (``hnsw:M``).

The store makes its chunk collection with 32 links per node (``bot.store.CHUNK_INDEX``), not Chroma's 16,
because with 16 near-duplicate vectors leave nodes a dense query cannot reach. This measures what that costs
and gives on real vectors: those of a cached store (dev + news-10k by default, built by ``bench.query`` or
``bench.eval --distractors``; ``--corpus news-1k`` for the smaller one), written into a fresh Chroma folder
for each setting in batches as the ingest writes them. Per setting: write seconds, the seconds a fresh
client takes to open the folder and answer its first query, search p50 / p95 for the dev questions' vectors
(the 80 nearest, as the retriever asks), recall of the 10 nearest against exact cosine search, and how many
of a sample of chunks a query with their own vector does not find among its 10 nearest. Results go to
bench/results/index.json.

    python -m bench.index [--corpus news-10k|news-1k] [--links 16 --links 32] [--sample 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import EVAL, RESULTS, SHARED, load_questions, machine, offline, store_folder
from bench.query import percentile
from bot.settings import Settings

WRITE_BATCH = 500  # chunks per upsert: about the size of one of the ingest's batches
_FIRST_QUERY = """
import sys, time, chromadb
started = time.perf_counter()
collection = chromadb.PersistentClient(sys.argv[1]).get_collection("news")
collection.query(query_embeddings=[[float(x) for x in sys.argv[2].split(",")]], n_results=10, include=[])
print(time.perf_counter() - started)
"""


def stored_vectors(folder: Path) -> tuple[list[str], np.ndarray]:
    import chromadb

    collection = chromadb.PersistentClient(str(folder)).get_collection("news")
    ids, vectors, offset = [], [], 0
    while True:
        got = collection.get(include=["embeddings"], limit=5000, offset=offset)
        if not got["ids"]:
            return ids, np.asarray(vectors, dtype=np.float32)
        ids.extend(got["ids"])
        vectors.extend(got["embeddings"])
        offset += len(got["ids"])


def measure(links: int, ids: list[str], vectors: np.ndarray, queries: np.ndarray, sample: list[int]) -> dict:
    import chromadb

    folder = Path(tempfile.mkdtemp(prefix=f"bench-index-{links}-"))
    try:
        collection = chromadb.PersistentClient(str(folder)).get_or_create_collection(
            "news", metadata={"hnsw:space": "cosine", "hnsw:M": links})
        started = time.perf_counter()
        for start in range(0, len(ids), WRITE_BATCH):
            collection.upsert(ids=ids[start:start + WRITE_BATCH], embeddings=vectors[start:start + WRITE_BATCH])
        write_seconds = time.perf_counter() - started
        first = subprocess.run([sys.executable, "-c", _FIRST_QUERY, str(folder), ",".join(map(str, queries[0]))],
                               capture_output=True, text=True, check=True)
        collection.query(query_embeddings=queries[:5], n_results=80, include=[])  # warm up
        times = []
        for query in queries:
            started = time.perf_counter()
            collection.query(query_embeddings=[query], n_results=80, include=[])
            times.append((time.perf_counter() - started) * 1000)
        found = collection.query(query_embeddings=queries, n_results=10, include=[])["ids"]
        exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
        recall = statistics.mean(len(set(got) & {ids[i] for i in row}) / 10 for got, row in zip(found, exact))
        own = collection.query(query_embeddings=vectors[sample], n_results=10, include=["distances"])
        missed = sum(ids[i] not in got and not (distances and distances[0] <= 1e-5)
                     for i, got, distances in zip(sample, own["ids"], own["distances"]))
        return {"links": links, "write_seconds": round(write_seconds, 1),
                "open_and_first_query_seconds": round(float(first.stdout.strip()), 2),
                "search_p50_ms": round(percentile(times, 0.5), 2), "search_p95_ms": round(percentile(times, 0.95), 2),
                "recall_at_10": round(recall, 4), "own_vector_missed": missed, "own_vector_sample": len(sample)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="news-10k", choices=["news-1k", "news-10k"])
    parser.add_argument("--links", type=int, action="append", help="links per node to try (default 16 and 32)")
    parser.add_argument("--sample", type=int, default=2000, help="chunks whose own vector is searched for")
    args = parser.parse_args()
    offline()
    settings = Settings()
    folder = store_folder([EVAL / "articles", SHARED / "bench" / f"{args.corpus}.jsonl.gz"], f"eval+{args.corpus}",
                          settings)
    if not (folder / "built.json").exists():
        sys.exit(f"No cached store {folder}: build it with `python -m bench.query --corpus {args.corpus}`.")
    ids, vectors = stored_vectors(folder / "chroma")
    from bot.embeddings import load_embeddings, runtime_for

    embeddings = load_embeddings(settings.embedding_model, backend=settings.embedding_backend,
                                 cache_dir=settings.embedding_cache_dir, runtime=runtime_for(settings))
    questions = [row["question"] for row in load_questions(EVAL / "dev_questions.jsonl")]
    queries = np.asarray([embeddings.embed_query(question) for question in questions], dtype=np.float32)
    sample = random.Random(0).sample(range(len(ids)), min(args.sample, len(ids)))
    rows = []
    for links in args.links or [16, 32]:
        row = measure(links, ids, vectors, queries, sample)
        print(json.dumps(row), flush=True)
        rows.append(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"corpus": f"dev + {args.corpus}", "chunks": len(ids), "questions": len(questions), "runs": rows,
              "machine": machine()}
    (RESULTS / "index.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
