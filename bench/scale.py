"""``python -m bench.scale``: search latency, memory, open time and disk of one embedded store as it grows.

A million articles (8-10 M chunks) do not fit this machine's time to embed, so the
store is grown from the real dev + news-10k store (bench.query's, 83k chunks):
level 1 is a copy of it, and every further copy adds each of its articles again
under a new id (``<id>#copy<k>``), with the same title, body and chunk texts
(so the keyword index grows as a real one does, with realistic postings) and
each chunk vector perturbed by Gaussian noise and renormalized (cosine about
0.9 to the original, so the vector index is not handed exact duplicates). The
copies go through the product's own ``Store.write`` (Chroma, the keyword index,
the records), in article batches as ingest writes them.

At each level (default 83k, 250k and 500k chunks) a fresh process opens the
store and runs the dev questions (cycled to ``--questions``) through the
product's retriever with the real embedding model: open time (client and
vector index loaded), search p50/p95, and that process's peak RSS. Disk size
of the Chroma files and of the keyword index are measured beside it; growth
factors between levels give the extrapolation to 1 M articles that the README
states. Results go to bench/results/scale.json; the grown store stays in
bench/cache/scale-* (about 9 GB at 500k chunks) so that a rerun measures
without rebuilding.

    python -m bench.scale [--levels 83000,250000,500000] [--questions 200]

What it leaves out: the Chroma server (its memory is the server's, not the
app's), answer generation, and the quality of retrieval among copies (the
copies are near-duplicates by construction).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import CACHE, EVAL, RESULTS, SHARED, cached_store, machine, offline, store_folder
from bench.query import corpus, percentile
from bot.settings import Settings

NOISE = 0.02  # per coordinate, on 384 coordinates: cosine to the original about 0.9
WRITE_ARTICLES = 64  # articles per Store.write, as ingest batches them


def folder_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def read_base(base_dir: Path) -> tuple[dict[str, tuple[dict, str]], dict[str, list[tuple[dict, str, list[float]]]]]:
    """The base store's records (id -> (metadata, body)) and current chunks by article (metadata, text, vector)."""
    import chromadb

    from bot.store import is_current

    client = chromadb.PersistentClient(str(base_dir))
    chunks = client.get_collection("news")
    records_collection = client.get_collection("news__articles")
    records: dict[str, tuple[dict, str]] = {}
    total = records_collection.count()
    for offset in range(0, total, 2000):
        got = records_collection.get(include=["metadatas", "documents"], limit=2000, offset=offset)
        records.update(zip(got["ids"], zip(got["metadatas"], got["documents"])))
    by_article: dict[str, list[tuple[dict, str, list[float]]]] = {}
    total = chunks.count()
    for offset in range(0, total, 2000):
        got = chunks.get(include=["metadatas", "documents", "embeddings"], limit=2000, offset=offset)
        for metadata, text, vector in zip(got["metadatas"], got["documents"], got["embeddings"]):
            record = records.get(metadata["article_id"])
            if record and is_current(metadata, record[0]):  # the record's version (or one from before versions)
                by_article.setdefault(metadata["article_id"], []).append((metadata, text, list(vector)))
    return records, by_article


def copy_items(records: dict, by_article: dict, copy: int, rng: Any) -> list:
    """Every base article as copy number ``copy`` (0: itself), ready for ``Store.write``."""
    import datetime as dt

    import numpy as np

    from bot.store import Indexed
    from bot.types import Article, Chunk

    items = []
    for article_id, rows in by_article.items():
        metadata, body = records[article_id]
        published = dt.date.fromisoformat(metadata["published"]) if metadata.get("published") else None
        new_id = article_id if copy == 0 else f"{article_id}#copy{copy}"
        article = Article(article_id=new_id, title=metadata.get("title", ""), body=body,
                          source=metadata.get("source", ""), author=metadata.get("author", ""),
                          published=published, url=metadata.get("url", ""), path=metadata.get("path", ""))
        rows = sorted(rows, key=lambda row: row[0]["chunk"])
        chunks = [Chunk(new_id, m["chunk"], m["start"], m["end"], text, 0) for m, text, _ in rows]
        vectors = np.array([vector for _, _, vector in rows], dtype=np.float32)
        if copy:
            vectors = vectors + rng.normal(0, NOISE, vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        items.append(Indexed(article, article.content_hash(f"scale{copy}"), chunks, vectors.tolist()))
    return items


def grow(target: Path, base: tuple[dict, dict], chunks: int, state: dict, state_file: Path) -> dict:
    """Write copies into ``target`` until it holds at least ``chunks`` chunks; ``state`` (copies written,
    seconds each) is saved to ``state_file`` after each copy, so an interrupted run goes on where it stopped."""
    import numpy as np

    from bot.store import open_store

    records, by_article = base
    per_copy = sum(len(rows) for rows in by_article.values())
    store = open_store(target, None, 8000, "news")
    for copy in range(state.get("copies", 0), math.ceil(chunks / per_copy)):
        started = time.perf_counter()
        items = copy_items(records, by_article, copy, np.random.default_rng(copy))
        for start in range(0, len(items), WRITE_ARTICLES):
            store.write(items[start : start + WRITE_ARTICLES], origin=f"scale copy {copy}")
        state["copies"] = copy + 1
        state.setdefault("write_seconds", []).append(round(time.perf_counter() - started, 1))
        state_file.write_text(json.dumps(state))
        print(f"copy {copy}: {per_copy} chunks written in {state['write_seconds'][-1]} s "
              f"({store.count_chunks()} chunks in the store)", flush=True)
    store.close()
    return state


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from bot.embeddings import embeddings_for
from bot.retrieve import Retriever
from bot.settings import Settings
from bot.store import open_store
from bench.query import search_times
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
settings = Settings()
embeddings = embeddings_for(settings)
embeddings.embed_query("warm up")
loaded = time.perf_counter()
memory = {"model": rss()}
store = open_store(Path(sys.argv[1]), None, 8000, "news")
memory["opened"] = rss()
store.refresh()
memory["caught_up"] = rss()
opened = time.perf_counter()
retriever = Retriever.from_settings(store, embeddings, settings)
seconds = search_times(retriever, int(sys.argv[2]))
memory["searched"] = rss()
print(json.dumps({"open_s": opened - loaded, "chunks": store.count_chunks(), "articles": store.count_articles(),
                  "seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_mb": {key: round(value) for key, value in memory.items()}}))
"""


def measure(target: Path, questions: int) -> dict:
    """Open time, search p50/p95 and peak RSS of a fresh process serving ``target``; disk sizes."""
    result = subprocess.run([sys.executable, "-c", MEASURE, str(target), str(questions)], capture_output=True,
                            text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    data = json.loads(result.stdout.strip().splitlines()[-1])
    keyword = sum(file.stat().st_size for file in target.glob("lexical-*"))
    return {
        "chunks": data["chunks"], "articles": data["articles"], "open_s": round(data["open_s"], 2),
        "p50_ms": round(1000 * statistics.median(data["seconds"]), 1),
        "p95_ms": round(1000 * percentile(data["seconds"], 0.95), 1),
        "peak_rss_mb": round(data["peak_rss_mb"]), "rss_mb": data["rss_mb"],
        "disk_gb": round(folder_bytes(target) / 1e9, 2),
        "keyword_index_gb": round(keyword / 1e9, 2),
    }


def extrapolate(rows: list[dict], chunks: int) -> dict:
    """Each measure at ``chunks``, from a power law fitted to every level (least squares of log(value) on
    log(chunks)): the exponent says how it grows (1: linear, 0.5: as the square root)."""
    import numpy as np

    out: dict[str, Any] = {"chunks": chunks}
    sizes = np.log([row["chunks"] for row in rows])
    for key in ("open_s", "p50_ms", "p95_ms", "peak_rss_mb", "disk_gb", "keyword_index_gb"):
        values = [row[key] for row in rows]
        if min(values) <= 0:
            continue
        exponent, offset = np.polyfit(sizes, np.log(values), 1)
        out[key] = round(float(np.exp(offset + exponent * math.log(chunks))), 1)
        out[f"{key}_exponent"] = round(float(exponent), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="83000,250000,500000", help="chunk counts to measure at (comma list)")
    parser.add_argument("--questions", type=int, default=200, help="searches per level (default 200)")
    parser.add_argument("--million-chunks", type=float, default=9.0,
                        help="chunks of a million-article archive, in millions, for the extrapolation (default 9)")
    args = parser.parse_args(argv)
    offline()
    settings = Settings()
    levels = sorted(int(level) for level in args.levels.split(","))
    paths, label = corpus(SHARED / "bench" / "news-10k.jsonl.gz")
    if not (store_folder(paths, label, settings) / "built.json").exists():
        cached_store(paths, label, settings)[0].close()  # built once (about an hour), shared with bench.query
        raise SystemExit("built the news-10k store; run python -m bench.scale again to grow it")
    base = store_folder(paths, label, settings) / "chroma"  # read by its own client, below
    folder = CACHE / f"scale-{store_folder(paths, label, settings).name}"
    target = folder / "chroma"
    state_file = folder / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    rows = []
    folder.mkdir(parents=True, exist_ok=True)
    source = None
    for level in levels:
        per_copy = state.get("per_copy")
        if per_copy is None or state.get("copies", 0) < math.ceil(level / per_copy):
            source = source or read_base(base)
            state["per_copy"] = sum(len(rows) for rows in source[1].values())
            state = grow(target, source, level, state, state_file)
        row = measure(target, args.questions)
        rows.append(row)
        print(f"{row['chunks']:>9} chunks  open {row['open_s']:>6} s  p50 {row['p50_ms']:>7} ms  "
              f"p95 {row['p95_ms']:>7} ms  RSS {row['peak_rss_mb']:>6} MB  disk {row['disk_gb']:>6} GB "
              f"(keyword {row['keyword_index_gb']} GB)", flush=True)
    million = extrapolate(rows, int(args.million_chunks * 1e6)) if len(rows) > 1 else None
    if million:
        print(f"extrapolated to {million['chunks']:,} chunks (~1 M articles): "
              + ", ".join(f"{key} {million[key]}" for key in ("open_s", "p50_ms", "p95_ms", "peak_rss_mb",
                                                            "disk_gb") if key in million))
    result = {"machine": machine(), "noise": NOISE, "copies_written": state.get("copies"),
              "write_seconds_per_copy": state.get("write_seconds"), "levels": rows, "million": million,
              "eval_articles": str(EVAL / "articles")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"written to {RESULTS / 'scale.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
