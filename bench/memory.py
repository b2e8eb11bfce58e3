"""``python -m bench.memory``: peak memory of ``python -m ingest`` on a big feed, sampled while it runs.

Runs ``python -m ingest FEED --store <temp>`` (default ../shared/bench/news-10k.jsonl.gz) in a
subprocess, samples its resident memory (VmRSS, and VmHWM, the kernel's own peak) every second,
and after ``--minutes`` (or when it ends) interrupts it (SIGINT: the ingest stops between batches)
and reports the peak and how many chunks it had written. The store is thrown away. ``--python``
and ``--cwd`` run another checkout's ingest with the same interpreter, to compare versions in one
sitting. Results go to bench/results/memory-<label>.json.

    python -m bench.memory [--feed PATH] [--minutes 8] [--label NAME] [--cwd DIR]

What it leaves out: the memory of searching (``bench.query`` measures a serving process).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, SHARED, machine

ROOT = Path(__file__).resolve().parents[1]


def _status(pid: int) -> dict[str, int]:
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) // 1024
    except (OSError, ValueError):
        pass
    return found


def measure(feed: Path, minutes: float, cwd: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as store:
        env = {**os.environ, "PYTHONPATH": str(cwd)}
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "ingest", str(feed), "--store", store, "--json"], cwd=cwd,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = {"VmRSS": 0, "VmHWM": 0}
        timeline = []
        while process.poll() is None and time.monotonic() - started < 60 * minutes:
            now = _status(process.pid)
            peak = {key: max(peak[key], now.get(key, 0)) for key in peak}
            timeline.append((round(time.monotonic() - started), now.get("VmRSS", 0)))
            time.sleep(1.0)
        finished = process.poll() is not None
        if not finished:
            peak["VmHWM"] = max(peak["VmHWM"], _status(process.pid).get("VmHWM", 0))
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=600)
        seconds = time.monotonic() - started
        chunks = _chunks(Path(store))
    return {"feed": feed.name, "finished": finished, "seconds": round(seconds, 1), "chunks_written": chunks,
            "peak_rss_mb": max(peak.values()), "rss_every_minute_mb": timeline[::60],
            "exit": process.returncode, "stderr_tail": err[-500:]}


def _chunks(store: Path) -> int:
    import sqlite3

    try:
        db = sqlite3.connect(f"file:{store / 'chroma.sqlite3'}?mode=ro", uri=True)
        return int(db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    except sqlite3.Error:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("--feed", type=Path, default=SHARED / "bench" / "news-10k.jsonl.gz")
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--label", default="current")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="the checkout whose ingest runs")
    args = parser.parse_args(argv)
    result = {"label": args.label, "machine": machine(), **measure(args.feed, args.minutes, args.cwd)}
    print(f"{args.label}: peak RSS {result['peak_rss_mb']} MB over {result['seconds']} s "
          f"({result['chunks_written']} Chroma rows written, finished: {result['finished']})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"memory-{args.label}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
