"""``python -m ingest PATH|URL...``: add, update and prune articles in the store; ``--watch`` keeps up.

Exit status: 0 when every input was ingested, 1 when some failed (the others are
still ingested), 2 for usage or configuration errors, 130 when interrupted.
Another ingest (or the app) writing the same store at the same time is waited
for, and said so. With ``--watch MINUTES`` the same inputs are ingested again
every MINUTES until Ctrl-C, which ends it between articles; a URL unfollowed
meanwhile (the app's button, ``--unfollow`` elsewhere) is watched no more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import signal
import sys
import threading
from typing import Any

from bot.embeddings import EXPORT_NOTE, export_pending
from bot.errors import ConfigError, NewsBotError, StoreError
from bot.settings import add_store_arguments, load_settings
from bot.store import open_store
from ingest.feeds import StoreRobots
from ingest.pipeline import Indexer, Pruning, Report, ingest
from ingest.sources import FILE_TYPES, Limits
from ingest.web import Fetcher, is_url
from ingest.web import Limits as FetchLimits


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description=f"Add or re-ingest news articles: folders of {', '.join(FILE_TYPES)} files, or such files; "
                    "URLs of RSS/Atom/JSON feeds, sitemaps or article pages; OPML files of feeds.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH|URL", help="folder, file, .opml file or http(s) URL")
    add_store_arguments(parser, llm=False)
    parser.add_argument("--no-prune", action="store_true", help="keep articles that are gone from PATH")
    parser.add_argument("--force-prune", action="store_true",
                        help="prune even when PATH now holds none or far fewer of its articles")
    parser.add_argument("--watch", type=float, metavar="MINUTES",
                        help="ingest the same inputs again every MINUTES until Ctrl-C")
    parser.add_argument("--verbose", action="store_true", help="also print notes (dates left out, titles cut)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on the last line")
    parser.add_argument("--unfollow", action="append", default=[], metavar="URL",
                        help="stop following this feed (the app's 'Check the feeds now' reads it no more; its "
                             "articles stay); repeatable, alone or with PATHs")
    return parser


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _one_line(text: str) -> str:
    """``text`` with its control characters escaped: a file named "a\nerror: b.txt" prints as one line."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda match: repr(match.group())[1:-1], text)


class _Stop:
    """Ctrl-C asks the run to stop between articles; a second Ctrl-C stops at once."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self) -> bool:
        return self.event.is_set()

    def handle(self, *_: Any) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        _say("stopping (after the article being read, if any; Ctrl-C again to stop at once) …")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.paths and not args.unfollow:
        parser.print_usage(sys.stderr)
        _say("error: give one or more PATHs or URLs to ingest (or --unfollow URL)")
        return 2
    if args.watch is not None and args.watch <= 0:
        _say("error: --watch takes the minutes between runs, more than 0")
        return 2
    stop = _Stop()
    try:
        settings = load_settings(
            store_dir=args.store_dir, chroma_host=args.chroma_host,
            chroma_port=args.chroma_port, collection=args.collection,
        )
        store = open_store(settings.store_dir, settings.chroma_host, settings.chroma_port, settings.collection,
                           min_free_mb=settings.min_free_mb, lock_timeout=settings.lock_timeout, on_wait=_say)
        if args.unfollow:
            _unfollow(store, args.unfollow)
            if not args.paths:
                return 0
        indexer = Indexer.from_settings(settings)
        if export_pending(settings):
            _say(EXPORT_NOTE)
        pruning = Pruning(enabled=not args.no_prune, force=args.force_prune, max_share=settings.prune_max_share)
        if args.watch is not None:
            signal.signal(signal.SIGINT, stop.handle)
        watched, followed = list(args.paths), set()  # the inputs; the URLs among them seen followed
        with Fetcher(FetchLimits.from_settings(settings, trusted=True), StoreRobots(store)) as fetcher:
            while True:
                with _ProgressBar(enabled=sys.stderr.isatty() and not args.json) as bar:
                    report = ingest(watched, store, indexer, prune=pruning, limits=Limits.from_settings(settings),
                                    progress=bar.advance, on_total=bar.set_total, stop=stop, fetcher=fetcher,
                                    max_items=settings.fetch_max_items)
                _print(report, args)
                if args.watch is None:
                    break
                if urls := [path for path in watched if is_url(path)]:
                    followed |= set(store.feed_states(urls))
                if stop() or stop.event.wait(args.watch * 60):
                    break
                watched = _still_watched(store, watched, followed)
                if not watched:
                    _say("nothing left to watch: every URL given was unfollowed meanwhile")
                    break
    except (ConfigError, StoreError) as exc:
        _say(f"error: {exc}")
        return 2
    except NewsBotError as exc:
        _say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("error: interrupted; what was written stays written, run again to finish")
        return 130
    except Exception as exc:  # a bug of ours: one line, not a traceback
        _say(f"error: ingest failed unexpectedly ({type(exc).__name__}: {str(exc)[:300]}); please report it")
        return 2
    return 1 if report.failed else 0


def _still_watched(store: Any, watched: list[str], followed: set[str]) -> list[str]:
    """The inputs ``--watch`` reads again: not a URL it has seen followed that is no longer followed (the app's
    "Stop following", or ``--unfollow`` from another process, while it waited): reading it again would follow
    it again."""
    if not followed:
        return watched
    dropped = followed - set(store.feed_states(list(followed)))
    for url in sorted(dropped):
        _say(f"no longer watched: {_one_line(url)} (unfollowed meanwhile)")
    followed -= dropped
    return [path for path in watched if path not in dropped]


def _unfollow(store: Any, urls: list[str]) -> None:
    """Stop following these feeds, saying which were followed and which were not."""
    forgotten = store.forget_feeds(urls)
    for url in urls:
        _say(f"{'no longer following' if url in forgotten else 'not followed (nothing to stop)'}: {_one_line(url)}")


def _print(report: Report, args: argparse.Namespace) -> None:
    for failure in report.failed:
        _say(f"error: {_one_line(failure['path'])}: {_one_line(failure['error'])}")
    if args.verbose:
        for note in report.notes:
            _say(f"note: {_one_line(note['path'])}: {_one_line(note['note'])}")
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False), flush=True)
    else:
        stamp = f"[{dt.datetime.now().strftime('%H:%M:%S')}] " if args.watch is not None else ""
        print(stamp + report.summary(), flush=True)


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
