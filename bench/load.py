"""``python -m bench.load``: many chat sessions at once against the real app, on loopback, bounded.

Starts ``python app.py`` (extractive backend) on a free 127.0.0.1 port over a
store (default: a copy of the cached dev-set store, built by bench.eval if
missing), then runs ``--sessions`` concurrent gradio_client sessions. Each asks
a dev question, then a follow-up that only makes sense with its own history
("What else do the articles say about that?"), then one more question. Checks:
every request answered without error, and each session's follow-up cites the
article its own first answer cited (answers are not mixed between sessions).
Midway, one more client uploads articles through the UI while the others chat.
Reports p50/p95 latency, errors, and the app process's peak RSS; writes
bench/results/load.json. Every loop is bounded in count and time.

    python -m bench.load [--sessions 50] [--questions-per-session 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import (
    EVAL,
    RESULTS,
    cached_store,
    free_port,
    load_questions,
    machine,
    offline,
    store_folder,
    wait_until_up,
)
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FOLLOW_UP = "What else do the articles say about that?"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def session(url: str, questions: list[dict], latencies: list[float], errors: list[str]) -> dict:
    from gradio_client import Client

    client = Client(url, verbose=False)
    history: list[list[str]] = []
    cited: list[set[str]] = []
    for number, question in enumerate(questions):
        text = FOLLOW_UP if number == 1 else question["question"]
        started = time.perf_counter()
        try:
            answer = json.loads(client.predict(text, history, question["question_date"], 0, api_name="/ask"))
        except Exception as exc:  # count every failure, keep going
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        latencies.append(time.perf_counter() - started)
        history.append([text, answer["text"]])
        cited.append({c["article_id"] for c in answer["citations"]})
    same = len(cited) > 1 and bool(cited[0]) and bool(cited[0] & cited[1])
    return {"follow_up_kept_context": same}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--questions-per-session", type=int, default=3)
    args = parser.parse_args(argv)
    offline()
    settings = Settings()
    articles = EVAL / "articles"
    cached_store([articles], "eval", settings)
    questions = load_questions(EVAL / "dev_questions.jsonl")
    with tempfile.TemporaryDirectory() as folder:
        store_dir = Path(folder) / "store"
        shutil.copytree(store_folder([articles], "eval", settings) / "chroma", store_dir)
        port = free_port()
        env = {**os.environ, "NEWSBOT_STORE_DIR": str(store_dir), "GRADIO_ANALYTICS_ENABLED": "False"}
        app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_until_up(url, app, 300, poll=0.5)
            latencies: list[float] = []
            errors: list[str] = []
            upload: dict = {}

            def uploader() -> None:
                from gradio_client import Client, handle_file

                time.sleep(5)
                files = [handle_file(str(ROOT / "samples" / "asbarez-2023-06-23-lachin.txt"))]
                started = time.perf_counter()
                summary, _ = Client(url, verbose=False).predict(files, api_name="/upload")
                upload.update(summary=summary, seconds=round(time.perf_counter() - started, 2))

            side = threading.Thread(target=uploader)
            started = time.perf_counter()
            side.start()
            with ThreadPoolExecutor(max_workers=args.sessions) as pool:
                futures = [
                    pool.submit(session, url, [questions[(s + i * 7) % len(questions)]
                                               for i in range(args.questions_per_session)], latencies, errors)
                    for s in range(args.sessions)
                ]
                results = [future.result(timeout=1800) for future in futures]
            side.join(timeout=600)
            wall = time.perf_counter() - started
            peak = _rss_mb(app.pid)
        finally:
            app.terminate()
            app.wait(timeout=30)
    asked = args.sessions * args.questions_per_session
    kept = sum(r["follow_up_kept_context"] for r in results)
    ordered = sorted(latencies)
    result = {
        "machine": machine(), "sessions": args.sessions, "requests": asked, "answered": len(latencies),
        "errors": len(errors), "error_samples": errors[:5], "follow_ups_citing_their_own_first_article": kept,
        "latency_p50_s": round(statistics.median(ordered), 2) if ordered else None,
        "latency_p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 2) if ordered else None,
        "wall_s": round(wall, 1), "app_peak_rss_mb": round(peak, 1), "upload_during_load": upload,
    }
    print(json.dumps(result, indent=1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=1))
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
