"""``python -m bench.ingest``: time this project's ingest against the pipeline LangChain's docs suggest.

On the first N articles of the news benchmark feed (default 150 of
../shared/bench/news-1k.jsonl.gz, copied to a temporary .jsonl, never into the
repository), with the same embedding weights, it times:

  (a) ``ingest.pipeline.ingest`` into a fresh store;
  (b) Document -> RecursiveCharacterTextSplitter(1000, 200) -> HuggingFaceEmbeddings -> Chroma.from_documents,
      with the libraries' defaults (batch 32, vectors not normalized, no title in the embedded text);
  (c) (a)'s embedding model alone (NEWSBOT_EMBEDDING_BACKEND, default onnx-int8) on (a)'s exact
      chunk texts: how much of (a) is embedding;
  (d) re-ingesting the unchanged feed into store (a) with a fresh store object and Indexer
      (chromadb still reuses its in-process client for the folder);
  (e) (a) again into a fresh store with the torch backend (sentence-transformers, float32): what the
      ONNX backends gain (only when (a) uses one of them).

The settings choose (a)'s model: ``NEWSBOT_EMBEDDING_BACKEND=static`` times the
static mode, ``NEWSBOT_EMBEDDING_THREADS=1`` one embedding thread (``--out`` keeps
each run's file).

Every model is loaded and run once on a short text, and chromadb is imported,
before any timer starts, so start-up (model load, first call, imports) is left
out of all variants; reading the feed and opening the store are timed. Wall and
CPU seconds (all threads) are kept; the load average after each variant and
CPU use per thread flag runs that other processes slowed. Results go to bench/results/ingest.json.

It is a benchmark, not a test: it checks the targets ((a) no slower than (b),
(a) at least 3x as fast as (b), (d) at most 2 % of (a), no duplicate chunks) and
prints PASS/FAIL, but never fails. It leaves out answer quality, query latency and Chroma server mode.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import Settings
from bot.store import Store, open_store
from ingest.pipeline import Indexer, Report, ingest
from ingest.sources import read_origin

# Hugging Face libraries are imported lazily below, so this is set before any of them loads.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
FEED = Path("../shared/bench/news-1k.jsonl.gz")  # relative to the repository root
RESULTS = Path(__file__).parent / "results" / "ingest.json"
METADATA = ("title", "source", "url", "published")  # what (b) keeps with each Document
WARM_UP = "A short sentence to run the model once before timing."


def write_feed(source: Path, n: int, folder: Path) -> Path:
    """The first ``n`` lines of the gzipped feed ``source`` as a plain .jsonl in ``folder``."""
    target = folder / "news.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for _, line in zip(range(n), lines, strict=False):
            out.write(line)
    return target


@dataclass
class Timing:
    """One variant's wall and CPU (all threads) seconds, chunks, and the load average just after it."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0
    chunks: int = 0
    load_after: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        rate = round(self.chunks / self.seconds, 2) if self.chunks else None
        return {"seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3),
                "chunks": self.chunks, "chunks_per_s": rate, "load_after": self.load_after}


@contextmanager
def timed(timing: Timing) -> Iterator[Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield timing
    timing.seconds, timing.cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    # 1-minute load average: above the CPU count + 1, other processes took CPU from the timed run.
    timing.load_after = round(os.getloadavg()[0], 2)


def ready_indexer(settings: Settings) -> Indexer:
    """An Indexer with its tokenizer and model loaded and warmed up."""
    indexer = Indexer.from_settings(settings)
    _ = indexer.chunker
    indexer.embeddings.embed_query(WARM_UP)
    return indexer


def our_ingest(feed: Path, store_dir: Path, indexer: Indexer) -> tuple[Timing, Report, Store]:
    """(a) and (d): open the store and ingest the feed into it."""
    with timed(Timing()) as timing:
        store = open_store(store_dir, None, 8000, "news")
        report = ingest([feed], store, indexer)
    timing.chunks = report.chunks if report.added + report.updated else 0
    return timing, report, store


def langchain_pipeline(feed: Path, store_dir: Path, model_path: str) -> Timing:
    """(b): what a user would build from LangChain's docs."""
    import chromadb.config
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = HuggingFaceEmbeddings(model_name=model_path, model_kwargs={"device": "cpu"})
    embeddings.embed_query(WARM_UP)
    with timed(Timing()) as timing:
        records = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]
        docs = [
            Document(page_content=r["body"], metadata={key: r.get(key) or "" for key in METADATA}) for r in records
        ]
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        Chroma.from_documents(
            splits, embeddings, persist_directory=str(store_dir),
            client_settings=chromadb.config.Settings(anonymized_telemetry=False),
        )
    timing.chunks = len(splits)
    return timing


def encode_only(feed: Path, indexer: Indexer) -> Timing:
    """(c): (a)'s embedding model alone on the texts (a) embeds, with the same batch size."""
    articles = read_origin(feed, 5_000_000, 500_000_000).articles
    chunker = indexer.chunker
    texts = [chunker.embedding_text(article, chunk) for article in articles for chunk in chunker.chunks(article)]
    with timed(Timing(chunks=len(texts))) as timing:
        indexer.embeddings.embed_documents(texts)
    return timing


def duplicate_chunks(store: Store) -> int:
    """Chunks whose (article id, start offset, text) occurs more than once in the store."""
    keys = Counter((meta["article_id"], meta["start"], text) for meta, text in store.all_chunks().values())
    return sum(count - 1 for count in keys.values())


def machine() -> dict[str, Any]:
    import torch

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "commit": git("rev-parse", "--short", "HEAD") or None, "dirty": bool(git("status", "--porcelain")),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def run(feed_gz: Path, n: int) -> dict[str, Any]:
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        feed = write_feed(feed_gz, n, folder)
        indexer = ready_indexer(settings)
        import chromadb  # noqa: F401  # its import (~1 s) is start-up, like model load: keep it out of (a)

        a, a_report, _ = our_ingest(feed, folder / "a", indexer)
        b = langchain_pipeline(feed, folder / "b", settings.embedding_model)
        c = encode_only(feed, indexer)
        d, d_report, store = our_ingest(feed, folder / "a", Indexer.from_settings(settings))
        duplicates = duplicate_chunks(store)
        e = None
        if settings.embedding_backend.startswith("onnx"):
            on_torch = settings.model_copy(update={"embedding_backend": "torch"})
            e = our_ingest(feed, folder / "e", ready_indexer(on_torch))[0]
    unchanged_ok = (d_report.unchanged, d_report.added, d_report.updated, d_report.deleted) == (n, 0, 0, 0)
    return {
        "articles": n, "feed": str(feed_gz), "model": settings.embedding_model,
        "batch_size": settings.embedding_batch_size, "backend": settings.embedding_backend,
        "embedding_threads": settings.embedding_threads or os.cpu_count(), "machine": machine(),
        "variants": {"a": a.as_dict(), "b": b.as_dict(), "c": c.as_dict(), "d": d.as_dict(),
                     **({"e": e.as_dict()} if e else {})},
        "reports": {"a": a_report.as_dict(), "d": d_report.as_dict()},
        "ratios": {
            "speedup_a_over_b": round(b.seconds / a.seconds, 3), "c_share_of_a": round(c.seconds / a.seconds, 3),
            **({"speedup_a_over_e": round(e.seconds / a.seconds, 3)} if e else {}),
            "d_percent_of_a": round(100 * d.seconds / a.seconds, 2),
            "speedup_a_over_b_cpu": round(b.cpu_seconds / a.cpu_seconds, 3),
            "c_share_of_a_cpu": round(c.cpu_seconds / a.cpu_seconds, 3),
        },
        "duplicates": {
            "duplicate_chunks": duplicates, "chunks_before": a_report.chunks, "chunks_after": d_report.chunks,
        },
        "checks": {
            "(a) no slower than (b)": a.seconds <= b.seconds,
            "(a) at least 3x as fast as (b)": 3 * a.seconds <= b.seconds,
            "(d) <= 2 % of (a)": d.seconds <= 0.02 * a.seconds,
            f"(d) {n} unchanged, 0 added/updated/deleted": unchanged_ok,
            "zero duplicate chunks": duplicates == 0 and d_report.chunks == a_report.chunks,
        },
    }


NAMES = {"a": "(a) this ingest", "b": "(b) LangChain docs", "c": "(c) encode only", "d": "(d) re-ingest unchanged",
         "e": "(e) this ingest on torch"}


def print_summary(result: dict[str, Any]) -> None:
    m, r, d = result["machine"], result["ratios"], result["reports"]["d"]
    print(f"{result['articles']} articles, (a) embeds with {result['backend']} "
          f"({result.get('embedding_threads', m['cpu_count'])} threads); {m['cpu_count']} CPUs, "
          f"torch {m['torch']} ({m['torch_threads']} threads); commit {m['commit']}{' (dirty)' if m['dirty'] else ''}")
    print("Model load, a one-text warm-up run and imports happen before every timer; "
          "feed reading and store opening are timed.")
    print(f"{'variant':<26}{'seconds':>9}{'chunks':>8}{'chunks/s':>10}{'cpu s':>9}")
    for key, row in result["variants"].items():
        rate = f"{row['chunks_per_s']:.1f}" if row["chunks_per_s"] else "-"
        print(f"{NAMES[key]:<26}{row['seconds']:>9.2f}{row['chunks']:>8}{rate:>10}{row['cpu_seconds']:>9.1f}")
    print(f"speedup (a) over (b): {r['speedup_a_over_b']:.2f}x   (c)/(a): {100 * r['c_share_of_a']:.0f} %   "
          f"(d)/(a): {r['d_percent_of_a']:.2f} %"
          + (f"   (a) over (e): {r['speedup_a_over_e']:.2f}x" if "speedup_a_over_e" in r else ""))
    print(f"(d) report: {d['unchanged']} unchanged, {d['added']} added, {d['updated']} updated, "
          f"{d['deleted']} deleted; duplicate chunks: {result['duplicates']['duplicate_chunks']} "
          f"(chunks {result['duplicates']['chunks_before']} -> {result['duplicates']['chunks_after']})")
    loads = {key: row["load_after"] for key, row in result["variants"].items()}
    # CPU seconds per wall second and torch thread: about 0.9 when the run has the CPUs to itself.
    use = {k: round(row["cpu_seconds"] / row["seconds"] / m["torch_threads"], 2)
           for k, row in result["variants"].items() if row["seconds"] > 5}
    if max(loads.values()) > m["cpu_count"] + 1 or min(use.values(), default=1) < 0.8:
        print(f"WARNING: other processes took CPU (1-min load average after each variant: {loads}; CPU use per "
              f"thread: {use}); wall times are unreliable, rerun on a quiet machine. By CPU seconds: "
              f"speedup (a) over (b) {r['speedup_a_over_b_cpu']:.2f}x, (c)/(a) {100 * r['c_share_of_a_cpu']:.0f} %")
    for name, ok in result["checks"].items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=150, help="how many articles of the feed (default 150)")
    parser.add_argument("--feed", type=Path, help=f"gzipped JSON Lines feed (default: {FEED} from the repository root)")
    parser.add_argument("--json", action="store_true", help="print the JSON result as the last line")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help=f"results file (default {RESULTS.relative_to(ROOT)}; name another when comparing "
                        "settings, e.g. NEWSBOT_EMBEDDING_BACKEND=static)")
    args = parser.parse_args(argv)
    feed = args.feed or (ROOT / FEED).resolve()
    if not feed.exists():
        parser.error(f"no feed at {feed}; pass --feed")
    result = run(feed, args.articles)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_summary(result)
    print(f"written to {args.out}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
