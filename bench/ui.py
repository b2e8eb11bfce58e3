"""``python -m bench.ui``: how long a person waits: start to ready page, question to first streamed text.

Starts ``python app.py`` on a free port with a fresh store (so the first start
also ingests samples/), times until the page answers HTTP 200, then asks the
seed question through the page's own chat endpoint (gradio_client) and times
the first streamed text and the final answer. Five questions after a warm-up;
writes bench/results/ui.json.

What it leaves out: browser rendering time (see tests/test_browser.py for the page itself).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, free_port, machine, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Who called on Baku to unblock the Lachin Corridor?"


def _content(history: list) -> str:
    content = history[-1].get("content") if history else ""
    return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content or [])


def main() -> int:
    from gradio_client import Client

    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "NEWSBOT_STORE_DIR": str(Path(folder) / "store"), "GRADIO_ANALYTICS_ENABLED": "False"}
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_until_up(url, process, 300, poll=0.2)
            ready = time.perf_counter() - started
            client = Client(url, verbose=False)
            first, final = [], []
            for attempt in range(6):
                asked = time.perf_counter()
                first_at = None
                job = client.submit(QUESTION, [], None, None, [], None, 6, api_name="/respond")
                for history, _, _ in job:
                    if first_at is None and _content(history).strip():
                        first_at = time.perf_counter() - asked
                if attempt:  # the first is the warm-up
                    first.append(first_at)
                    final.append(time.perf_counter() - asked)
        finally:
            process.terminate()
            process.wait(timeout=30)
    result = {"machine": machine(), "start_to_ready_page_s": round(ready, 1),
              "question_to_first_text_s_median": round(statistics.median(first), 2),
              "question_to_final_answer_s_median": round(statistics.median(final), 2), "questions": len(first)}
    print(json.dumps(result, indent=1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ui.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
