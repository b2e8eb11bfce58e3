"""``python -m bench.feeds``: following a feed of 200 article pages on a local server.

A ``bench.site.NewsSite`` on 127.0.0.1 serves an RSS feed of ``--items`` items
(default 200), each linking to an article page (news-1k bodies, so the text
is real news). The product's ingest (real embedding model, a fresh store)
then runs three times, each timed and with its requests counted:

1. the first run: every page fetched, extracted, embedded and written;
2. an unchanged re-run: one conditional request for the feed (304), no page;
3. ten new items on the feed: the feed and the ten new pages.

``--delay`` is the pause between two requests to one host (NEWSBOT_FETCH_DELAY,
default 1 s for other people's sites; 0 for one's own). Results go to
bench/results/feeds.json.

    python -m bench.feeds [--items 200] [--delay 1.0]

What it leaves out: the network (everything is on loopback) and feeds of other hosts.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import json
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, SHARED, machine, offline
from bench.site import NewsSite, Resource, article_page, rss
from bot.settings import Settings


def _publish(site: NewsSite, stories: list[dict], count: int) -> None:
    items = []
    for n, story in enumerate(stories[:count]):
        path = f"/news/{n}.html"
        site.routes.setdefault(path, Resource(article_page(story["title"], story["body"], published="2023-06-20")))
        items.append({"title": story["title"], "link": site.url(path),
                      "pubDate": email.utils.formatdate(1687255200 + 60 * n, usegmt=True)})
    site.routes["/feed.xml"] = Resource(rss("Loopback Times", items), content_type="application/rss+xml")


def _run(site: NewsSite, store, indexer, settings: Settings, delay: float) -> dict:
    from ingest.feeds import StoreRobots
    from ingest.pipeline import ingest
    from ingest.sources import Limits
    from ingest.web import Fetcher
    from ingest.web import Limits as FetchLimits

    limits = FetchLimits.from_settings(settings)
    limits = FetchLimits(limits.timeout, limits.total, limits.max_bytes, limits.max_redirects, delay)
    before = len(site.log)
    started = time.perf_counter()
    with Fetcher(limits, StoreRobots(store)) as fetcher:
        report = ingest([site.url("/feed.xml")], store, indexer, fetcher=fetcher, limits=Limits.from_settings(settings))
    seconds = time.perf_counter() - started
    log = site.log[before:]
    return {"seconds": round(seconds, 2), "added": report.added, "unchanged": report.unchanged,
            "failed": len(report.failed), "feed_requests": sum(1 for _, p, _ in log if p == "/feed.xml"),
            "feed_not_modified": sum(1 for _, p, s in log if p == "/feed.xml" and s == 304),
            "page_requests": sum(1 for _, p, _ in log if p.startswith("/news/"))}


def main(argv: list[str] | None = None) -> int:
    from bot.store import open_store
    from ingest.pipeline import Indexer

    parser = argparse.ArgumentParser(prog="python -m bench.feeds")
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host")
    args = parser.parse_args(argv)
    offline()
    settings = Settings()
    with gzip.open(SHARED / "bench" / "news-1k.jsonl.gz", "rt", encoding="utf-8") as feed:
        stories = [json.loads(line) for _, line in zip(range(args.items + 10), feed)]
    site = NewsSite()
    indexer = Indexer.from_settings(settings)
    indexer.embeddings.embed_query("warm up")
    _ = indexer.chunker
    try:
        with tempfile.TemporaryDirectory(prefix="bench-feeds-") as folder:
            store = open_store(Path(folder), None, 8000, "news")
            _publish(site, stories, args.items)
            first = _run(site, store, indexer, settings, args.delay)
            again = _run(site, store, indexer, settings, args.delay)
            _publish(site, stories, args.items + 10)
            more = _run(site, store, indexer, settings, args.delay)
            store.close()
    finally:
        site.close()
    rows = {"first run": first, "unchanged re-run": again, "10 new items": more}
    print(f"{args.items} items, {args.delay:g} s between requests to the host")
    for name, row in rows.items():
        print(f"{name:<18}{row['seconds']:>8} s  added {row['added']:>3}  unchanged {row['unchanged']:>3}  "
              f"feed requests {row['feed_requests']} ({row['feed_not_modified']} answered 304)  "
              f"page requests {row['page_requests']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "feeds.json").write_text(json.dumps({"machine": machine(), "items": args.items,
                                                    "delay": args.delay, "runs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
