"""Run by the hostile-input tests: ingest PATHs with the fake embedder, print the report and the peak RSS.

Usage: python -m tests.fake_ingest STORE_DIR PATH... ; the last line of output is
{"report": {...}, "peak_rss_mb": N}. The real tokenizer chunks, so parsing and
chunking are the product's own; only the embedding model is the fast fake.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from bot.embeddings import load_tokenizer
from bot.settings import default_embedding_model
from bot.store import open_store
from ingest.pipeline import Indexer, ingest
from tests.conftest import KeywordEmbeddings


def main() -> None:
    store_dir, paths = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    store = open_store(store_dir, None, 8000, "news")
    indexer = Indexer(default_embedding_model(), embeddings=KeywordEmbeddings(),
                      tokenizer=load_tokenizer(default_embedding_model()))
    report = ingest(paths, store, indexer)
    print(json.dumps({"report": report.as_dict(), "peak_rss_mb": round(peak_rss_mb(), 1)}))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
