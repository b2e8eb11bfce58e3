"""``python -m ingest PATH...``: add, update and prune articles in the store.

Exit status: 0 when every input was ingested, 1 when some failed (the others are
still ingested), 2 for usage or configuration errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.embeddings import EXPORT_NOTE, export_pending
from bot.errors import ConfigError, NewsBotError, StoreError
from bot.settings import load_settings
from bot.store import open_store
from ingest.pipeline import Indexer, ingest
from ingest.sources import FILE_TYPES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description=f"Add or re-ingest news articles: folders of {', '.join(FILE_TYPES)} files, or such files.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="folder or file to ingest")
    parser.add_argument("--store", dest="store_dir", type=Path, help="folder of the embedded Chroma store")
    parser.add_argument("--chroma-host", help="use the Chroma server on this host instead of a folder")
    parser.add_argument("--chroma-port", type=int, help="port of the Chroma server")
    parser.add_argument("--collection", help="Chroma collection name")
    parser.add_argument("--no-prune", action="store_true", help="keep articles that are gone from PATH")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on the last line")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(
            store_dir=args.store_dir, chroma_host=args.chroma_host,
            chroma_port=args.chroma_port, collection=args.collection,
        )
        store = open_store(settings.store_dir, settings.chroma_host, settings.chroma_port, settings.collection)
        indexer = Indexer.from_settings(settings)
        if export_pending(settings):
            print(EXPORT_NOTE, file=sys.stderr)
        with _ProgressBar(enabled=sys.stderr.isatty() and not args.json) as bar:
            report = ingest(
                args.paths, store, indexer, prune=not args.no_prune,
                max_file_bytes=int(settings.max_file_mb * 1e6),
                max_feed_bytes=int(settings.max_feed_mb * 1e6),
                progress=bar.advance, on_total=bar.set_total,
            )
    except (ConfigError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except NewsBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for failure in report.failed:
        print(f"error: {failure['path']}: {failure['error']}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(report.summary())
    return 1 if report.failed else 0


class _ProgressBar:
    """A tqdm bar over articles, with the chunks written so far; silent when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.chunks = 0

    def __enter__(self) -> _ProgressBar:
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="article", file=sys.stderr, dynamic_ncols=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def set_total(self, total: int) -> None:
        if self.bar is not None:
            self.bar.reset(total=total)

    def advance(self, articles: int, chunks: int) -> None:
        if self.bar is not None:
            self.chunks += chunks
            self.bar.set_postfix(chunks=self.chunks, refresh=False)
            self.bar.update(articles)


if __name__ == "__main__":
    sys.exit(main())
