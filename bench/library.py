"""``python -m bench.library``: how fast the Library's pages are on a big store.

On the bench store of the dev articles plus a feed (default news-10k, built
once by the harness), times what the Library tab does for a visitor: the first
page (25 articles, newest first) with the counts and the chart's data, a title
search, a source filter, a date range, and a page deep in the list. Each is
run ``--repeat`` times after one warm-up; the median is reported. Results go to
bench/results/library.json.

    python -m bench.library [--corpus news-10k] [--repeat 20]

What it leaves out: the browser's own rendering time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bench.common import RESULTS, SHARED, cached_store, machine, offline
from bench.query import corpus
from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library")
    parser.add_argument("--corpus", default="news-10k")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    offline()
    store, _ = cached_store(*corpus(SHARED / "bench" / f"{args.corpus}.jsonl.gz"), Settings())
    source = next(iter(store.sources()), "")

    def view(words: str = "", sources: tuple[str, ...] = (), since: str = "", until: str = "",
             offset: int = 0) -> None:
        store.library(words, sources, since, until, offset, 25)
        store.library_summary(words, sources, since, until)
        store.per_day(words, sources, since, until)

    cases = {
        "first page (counts, chart, 25 rows)": {},
        "title search 'tony awards'": {"words": "tony awards"},
        f"one source ({source})": {"sources": (source,)},
        "a month (June 2023)": {"since": "2023-06-01", "until": "2023-06-30"},
        "page 200": {"offset": 200 * 25},
    }
    rows = []
    for name, options in cases.items():
        view(**options)
        seconds = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            view(**options)
            seconds.append(time.perf_counter() - started)
        rows.append({"case": name, "median_ms": round(1000 * statistics.median(seconds), 1),
                     "max_ms": round(1000 * max(seconds), 1)})
        print(f"{name:<40} {rows[-1]['median_ms']:>8} ms (max {rows[-1]['max_ms']})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "library.json").write_text(json.dumps({
        "machine": machine(), "corpus": f"dev+{args.corpus}", "articles": store.count_articles(),
        "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
