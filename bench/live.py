"""``python -m bench.live``: how soon a running reader sees another process's ingest, and what following costs.

A copy of the bench store of the dev articles plus a feed (default news-10k,
built once by the harness, see bench/common.py) is opened by a follower in this
process, as ``app.py`` opens it (``Store.follow``, ``NEWSBOT_REFRESH_SECONDS``).
Then ``--rounds`` times a separate ``python -m ingest`` process adds one new
article about an invented name, and this process polls (every 10 ms) until

- keyword search finds the article by its invented name, and
- a dense search with the article's own embedding returns one of its chunks,

each measured from the moment the ingest process printed its report (its last
write has committed by then). Also timed: each reopening of the Chroma client
(the folder store's vector index is loaded afresh), and retrieval p50 over the
dev questions with and without a follower running (the per-question cost of
keeping up). With ``--server`` the same runs against a ``chroma run`` on
127.0.0.1 holding the dev articles (two store folders: this process's keyword
index and the ingest's). Results go to bench/results/live.json.

    python -m bench.live [--corpus news-10k] [--rounds 10] [--questions 200] [--server]

What it leaves out: many writers at once (tests/test_live_store.py) and the web layer.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import EVAL, RESULTS, SHARED, cached_store, free_port, machine, offline, store_folder
from bench.query import corpus, percentile, search_times
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _article(folder: Path, n: int) -> tuple[str, str]:
    name = f"Zelquarium{n}"
    body = (f"The {name} observatory in the hills above Ostrak recorded a meteor shower lasting {n + 3} hours. "
            f"Astronomers at {name} said it was the brightest in a decade.")
    (folder / f"round-{n}.txt").write_text(f"title: {name} meteor shower\nsource: Bench Wire\n"
                                           f"published: 2023-06-22\n\n{body}\n", encoding="utf-8")
    return name, body


def _ingest(folder: Path, store_args: list[str]) -> float:
    """Run an ingest of ``folder``; the time its report came out (after its last write committed)."""
    process = subprocess.Popen([sys.executable, "-m", "ingest", str(folder), "--no-prune", "--json", *store_args],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    committed = time.monotonic()
    process.communicate(timeout=600)
    if process.returncode != 0 or not line.startswith("{"):
        raise RuntimeError(f"ingest failed: {line}")
    return committed


def _rounds(store, embeddings, store_args: list[str], rounds: int) -> dict:
    keyword, dense = [], []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(rounds):
            name, body = _article(Path(folder), n)
            vector = embeddings.embed_documents([body])[0]
            committed = _ingest(Path(folder), store_args)
            seen_keyword = seen_dense = None
            while seen_keyword is None or seen_dense is None:
                now = time.monotonic()
                if now - committed > 120:
                    raise RuntimeError(f"round {n}: not seen after 120 s")
                if seen_keyword is None and any(name in p.text for p in store.passages(
                        [chunk for chunk, _ in store.keyword(name, 3)])):
                    seen_keyword = now - committed
                if seen_dense is None and any(name in p.text for p in store.passages(store.nearest(vector, 3))):
                    seen_dense = now - committed
                time.sleep(0.01)
            keyword.append(seen_keyword)
            dense.append(seen_dense)
            print(f"round {n}: keyword {seen_keyword:.2f} s, dense {seen_dense:.2f} s", flush=True)
    return {"rounds": rounds, "keyword_s": _spread(keyword), "dense_s": _spread(dense)}


def _spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3),
            "min": round(min(values), 3)}


def _search_p50(store, embeddings, settings: Settings, n: int) -> tuple[float, float]:
    from bot.retrieve import Retriever

    seconds = search_times(Retriever.from_settings(store, embeddings, settings), n)
    return round(1000 * statistics.median(seconds), 1), round(1000 * percentile(seconds, 0.95), 1)


def _timed_reopens(store) -> list[float]:
    """Wrap the store's reopen so each one is timed (seconds)."""
    times: list[float] = []
    reopen = store._reopen

    def timed() -> None:
        started = time.perf_counter()
        reopen()
        times.append(time.perf_counter() - started)

    store._reopen = timed
    return times


def folder_mode(feed: Path, settings: Settings, rounds: int, n: int) -> dict:
    from bot.embeddings import embeddings_for
    from bot.store import open_store

    source, _ = cached_store(*corpus(feed), settings)
    source.close()
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        copy = Path(tmp) / "chroma"
        shutil.copytree(store_folder(*corpus(feed), settings) / "chroma", copy)
        embeddings = embeddings_for(settings)
        store = open_store(copy, None, 8000, "news")
        store.refresh()
        plain = _search_p50(store, embeddings, settings, n)
        reopens = _timed_reopens(store)
        store.follow(settings.refresh_seconds)
        following = _search_p50(store, embeddings, settings, n)
        result = _rounds(store, embeddings, ["--store", str(copy)], rounds)
        store.close()
    return {"mode": "folder", "corpus": f"dev+{feed.name}", **result,
            "reopen_s": _spread(reopens) if reopens else None,
            "search_p50_ms": {"without follower": plain[0], "with follower": following[0]},
            "search_p95_ms": {"without follower": plain[1], "with follower": following[1]}}


def server_mode(settings: Settings, rounds: int, n: int) -> dict:
    from bot.embeddings import embeddings_for
    from bot.store import open_store

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-live-server-") as tmp:
        chroma = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", f"{tmp}/data",
                                   "--host", "127.0.0.1", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            args = ["--chroma-host", "127.0.0.1", "--chroma-port", str(port)]
            deadline = time.monotonic() + 60
            while True:
                try:
                    open_store(Path(tmp) / "probe", "127.0.0.1", port, "probe").close()
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            subprocess.run([sys.executable, "-m", "ingest", str(EVAL / "articles"), "--store", f"{tmp}/writer",
                            *args], cwd=ROOT, check=True, capture_output=True)
            embeddings = embeddings_for(settings)
            store = open_store(Path(tmp) / "reader", "127.0.0.1", port, "news")
            store.refresh()
            plain = _search_p50(store, embeddings, settings, n)
            store.follow(settings.refresh_seconds)
            following = _search_p50(store, embeddings, settings, n)
            result = _rounds(store, embeddings, ["--store", f"{tmp}/writer", *args], rounds)
            store.close()
        finally:
            chroma.terminate()
            chroma.wait(timeout=30)
    return {"mode": "server", "corpus": "dev", **result,
            "search_p50_ms": {"without follower": plain[0], "with follower": following[0]},
            "search_p95_ms": {"without follower": plain[1], "with follower": following[1]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live")
    parser.add_argument("--corpus", default="news-10k", help="feed name under ../shared/bench")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--server", action="store_true", help="also against a chroma run server (dev articles)")
    args = parser.parse_args(argv)
    offline()
    settings = Settings()
    rows = [folder_mode(SHARED / "bench" / f"{args.corpus}.jsonl.gz", settings, args.rounds, args.questions)]
    if args.server:
        rows.append(server_mode(settings, args.rounds, args.questions))
    for row in rows:
        print(f"{row['mode']:<7} {row['corpus']:<22} keyword seen after {row['keyword_s']['median']} s "
              f"(max {row['keyword_s']['max']}), dense after {row['dense_s']['median']} s "
              f"(max {row['dense_s']['max']}); search p50 {row['search_p50_ms']['without follower']} ms without a "
              f"follower, {row['search_p50_ms']['with follower']} ms with one"
              + (f"; reopen {row['reopen_s']['median']} s" if row.get("reopen_s") else ""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "live.json").write_text(json.dumps({"machine": machine(), "refresh_seconds": settings.refresh_seconds,
                                                   "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
