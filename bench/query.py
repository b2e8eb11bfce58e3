"""``python -m bench.query``: retrieval latency as the store grows, and the memory of a serving process.

For each feed (default: ../shared/bench/news-1k.jsonl.gz and news-10k.jsonl.gz)
a store of the feed plus the 168 dev articles is built once with the product's
ingest and cached (bench/cache; the build time is reported when it happens and
kept in the cache's built.json). These are the very stores ``bench.eval
--distractors FEED`` uses, so each corpus is embedded once for both benchmarks,
and the dev questions searched here have their articles in the store.
Then the product's retriever (hybrid dense + keyword, no generation) answers
the dev questions, cycled to ``--questions`` (default 200) searches, after a
warm-up: p50/p95 latency per corpus, and the growth ratio of the largest to
the smallest. Finally a separate process opens the largest store and answers
the same questions end to end with the extractive backend, and its peak RSS is
reported. Results go to bench/results/query.json.

    python -m bench.query [--corpus news-1k] [--corpus news-10k] [--questions 200]

What it leaves out: concurrent load (see the reliability benchmarks) and
generation with a language model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import EVAL, RESULTS, SHARED, cached_store, load_questions, machine, offline, store_folder
from bot.settings import Settings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def questions(n: int) -> list[tuple[str, str]]:
    asked = [(q["question"], q["question_date"]) for q in load_questions(EVAL / "dev_questions.jsonl")]
    return [asked[i % len(asked)] for i in range(n)]


def corpus(feed: Path) -> tuple[list[Path], str]:
    """The paths and cache label of the store for ``feed``: the dev articles plus the feed (as bench.eval)."""
    return [EVAL / "articles", feed], f"eval+{feed.name.split('.')[0]}"


def search_times(retriever, n: int) -> list[float]:
    """Seconds per search for ``n`` dev questions as of their dates, after 10 warm-up searches."""
    import datetime as dt

    asked = questions(n)
    for text, date in asked[:10]:
        retriever.search(text, as_of=dt.date.fromisoformat(date))
    seconds = []
    for text, date in asked:
        started = time.perf_counter()
        retriever.search(text, as_of=dt.date.fromisoformat(date))
        seconds.append(time.perf_counter() - started)
    return seconds


def time_retrieval(feed: Path, settings: Settings, n: int) -> dict:
    from bot.embeddings import embeddings_for
    from bot.retrieve import Retriever

    store, built = cached_store(*corpus(feed), settings)
    record = json.loads((store_folder(*corpus(feed), settings) / "built.json").read_text())
    retriever = Retriever.from_settings(store, embeddings_for(settings), settings)
    seconds = search_times(retriever, n)
    return {
        "corpus": f"dev+{feed.name}", "articles": store.count_articles(), "chunks": store.count_chunks(),
        "build_seconds": round(record.get("build_seconds", built), 1), "searches": n,
        "p50_ms": round(1000 * statistics.median(seconds), 1), "p95_ms": round(1000 * percentile(seconds, 0.95), 1),
    }


def serve_rss(feed: Path, settings: Settings, n: int) -> dict:
    """Peak RSS of a fresh process holding the store open and answering ``n`` questions."""
    folder = store_folder(*corpus(feed), settings) / "chroma"
    script = (
        "import datetime as dt, json, resource, sys, time\n"
        "from bench.query import questions\n"
        "from bot.chain import build_bot\n"
        "from bot.settings import Settings\n"
        f"bot = build_bot(Settings(store_dir={str(folder)!r}))\n"
        "started = time.perf_counter()\n"
        f"for text, date in questions({n}):\n"
        "    bot.ask(text, as_of=dt.date.fromisoformat(date))\n"
        "print(json.dumps({'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'seconds': time.perf_counter() - started}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {"corpus": f"dev+{feed.name}", "questions": n, "peak_rss_mb": round(data["peak_rss_mb"], 1),
            "ask_seconds_each": round(data["seconds"] / n, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query")
    parser.add_argument("--corpus", action="append", help="feed name under ../shared/bench (repeatable)")
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args(argv)
    offline()
    settings = Settings()
    feeds = [SHARED / "bench" / f"{name}.jsonl.gz" for name in (args.corpus or ["news-1k", "news-10k"])]
    rows = [time_retrieval(feed, settings, args.questions) for feed in feeds]
    print(f"{'corpus':<24}{'articles':>9}{'chunks':>9}{'build s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for row in rows:
        print(f"{row['corpus']:<24}{row['articles']:>9}{row['chunks']:>9}{row['build_seconds']:>9}"
              f"{row['p50_ms']:>9}{row['p95_ms']:>9}")
    growth = None
    if len(rows) > 1:
        growth = round(rows[-1]["p50_ms"] / rows[0]["p50_ms"], 2)
        print(f"p50 growth {rows[-1]['corpus']} / {rows[0]['corpus']}: {growth}x")
    memory = serve_rss(feeds[-1], settings, args.questions)
    print(f"serving {memory['corpus']}: peak RSS {memory['peak_rss_mb']} MB over {memory['questions']} questions "
          f"({memory['ask_seconds_each']} s each, extractive)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine(), "retrieval": rows, "p50_growth": growth, "serving": memory}
    (RESULTS / "query.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
