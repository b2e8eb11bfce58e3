"""Run by the reliability tests as a process to be killed: ingest a folder with the fake embedder.

Usage: python -m tests.crash_ingest FOLDER STORE_DIR [STEP]
Prints "started" once imports are done, then ingests in small batches (so a kill
can land between and inside writes), then prints "done". With STEP (a write step
of ``bot.store.Store.write``: journal, chunks, keyword, records, old versions), the
process SIGKILLs itself when its second batch reaches that step.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from bot.settings import default_embedding_model
from bot.store import open_store
from ingest import pipeline
from tests.conftest import KeywordEmbeddings


class SlowKeywordEmbeddings(KeywordEmbeddings):
    """The fake embedder, slowed to a few ms per text so that a run lasts long enough to be interrupted."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        time.sleep(0.004 * len(texts))
        return super().embed_documents(texts)


def main() -> None:
    folder, store_dir = Path(sys.argv[1]), Path(sys.argv[2])
    crash_at = sys.argv[3] if len(sys.argv) > 3 else None
    from bot.embeddings import load_tokenizer

    tokenizer = load_tokenizer(default_embedding_model())
    store = open_store(store_dir, None, 8000, "news")
    if crash_at:
        reached = {"n": 0}

        def kill_at(step: str) -> None:
            if step == crash_at:
                reached["n"] += 1
                if reached["n"] == 2:
                    os.kill(os.getpid(), signal.SIGKILL)

        store.step_hook = kill_at
    pipeline.ARTICLES_PER_BATCH = 4
    indexer = pipeline.Indexer(default_embedding_model(), embeddings=SlowKeywordEmbeddings(), tokenizer=tokenizer)
    print("started", flush=True)
    report = pipeline.ingest([folder], store, indexer)
    print("done", report.as_dict(), flush=True)


if __name__ == "__main__":
    main()
