"""Run by tests/test_reliability.py as a process to be killed: ingest a folder with the fake embedder.

Usage: python -m tests.crash_ingest FOLDER STORE_DIR
Prints "started" once imports are done, then ingests in small batches (so the
kill can land between and inside writes), then prints "done".
"""

from __future__ import annotations

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
    from bot.embeddings import load_tokenizer

    tokenizer = load_tokenizer(default_embedding_model())
    store = open_store(store_dir, None, 8000, "news")
    pipeline.ARTICLES_PER_BATCH = 4
    indexer = pipeline.Indexer(default_embedding_model(), embeddings=SlowKeywordEmbeddings(), tokenizer=tokenizer)
    print("started", flush=True)
    report = pipeline.ingest([folder], store, indexer)
    print("done", report.as_dict(), flush=True)


if __name__ == "__main__":
    main()
