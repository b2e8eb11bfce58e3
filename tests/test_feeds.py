"""News by URL: feeds, pages, sitemaps and OPML from a real HTTP server on 127.0.0.1 (``bench.site``).

The reading, fetching, parsing and chunking are the product's own; the
embedding model is the fast fake except where a real process runs the CLI.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from bench.site import NewsSite, Resource, article_page, atom, opml, rss, sitemap
from bot.store import open_store
from ingest.feeds import StoreRobots, followed
from ingest.pipeline import ingest
from ingest.web import Fetcher, FetchError, Limits, refused_address
from tests.conftest import ROOT_DIR

FAST = Limits(timeout=5, total=10, delay=0)


@pytest.fixture
def site():
    server = NewsSite()
    yield server
    server.close()


def _story(n: int) -> str:
    return "\n".join(f"Paragraph {k} of story {n}: the harbour council of Ostrak voted on ferry line {n} "
                     f"after a long debate about fares and timetables." for k in range(5))


def _publish(site: NewsSite, numbers, feed: str = "/feed.xml", kind: str = "rss") -> list[dict[str, str]]:
    """Pages /news/N.html and a feed listing them (RSS with RFC 822 dates, or Atom)."""
    items = []
    for n in numbers:
        path = f"/news/{n}.html"
        site.routes.setdefault(path, Resource(article_page(f"Story {n}", _story(n), canonical=site.url(path),
                                                           published=f"2023-06-{10 + n:02d}", author="Ann Reporter")))
        items.append({"title": f"Story {n}", "link": site.url(path) + "?utm_source=feed&utm_medium=rss",
                      "pubDate": f"Sat, {10 + n:02d} Jun 2023 10:00:00 GMT",
                      "updated": f"2023-06-{10 + n:02d}T10:00:00Z", "description": f"Story {n} in short."})
    body = rss("Loopback Times", items) if kind == "rss" else atom("Loopback Wire", items)
    site.routes[feed] = Resource(body, content_type="application/rss+xml" if kind == "rss" else "application/atom+xml")
    return items


def _pages(site: NewsSite) -> int:
    return sum(1 for _, path, _ in site.log if path.startswith("/news/"))


def _run(site_urls, store, fake_indexer, limits=FAST, **options):
    with Fetcher(limits, StoreRobots(store)) as fetcher:
        return ingest(site_urls, store, fake_indexer, fetcher=fetcher, **options)


def test_a_feed_is_read_once_then_an_unchanged_rerun_fetches_no_page(site, store, fake_indexer):
    _publish(site, range(4))
    first = _run([site.url("/feed.xml")], store, fake_indexer)
    assert (first.added, first.failed) == (4, [])
    records = store.all_records(with_bodies=True)
    meta, body = records[site.url("/news/2.html")]  # the canonical url, tracking parameters stripped
    assert (meta["title"], meta["published"], meta["author"]) == ("Story 2", "2023-06-12", "Ann Reporter")
    assert meta["source"] == "Loopback Times" and "ferry line 2" in body
    site.log.clear()
    again = _run([site.url("/feed.xml")], store, fake_indexer)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert site.log == [("GET", "/feed.xml", 304)]  # one conditional request; robots.txt is kept for a day
    assert store.check() == []


def test_new_items_are_added_and_items_that_fall_off_the_feed_stay(site, store, fake_indexer):
    _publish(site, range(4))
    _run([site.url("/feed.xml")], store, fake_indexer)
    _publish(site, range(2, 6))  # two new, two dropped
    site.log.clear()
    report = _run([site.url("/feed.xml")], store, fake_indexer)
    assert (report.added, report.unchanged, report.deleted) == (2, 2, 0)
    assert _pages(site) == 2  # only the new items' pages
    assert len(store.all_records()) == 6


def test_an_item_whose_date_or_content_changed_is_fetched_again_and_replaced(site, store, fake_indexer):
    items = _publish(site, range(2))
    _run([site.url("/feed.xml")], store, fake_indexer)
    site.routes["/news/1.html"] = Resource(article_page("Story 1", "A correction: the ferry line was cancelled. "
                                                        "The council will vote again in July.",
                                                        canonical=site.url("/news/1.html")))
    items[1]["pubDate"] = "Sun, 11 Jun 2023 18:00:00 GMT"
    site.routes["/feed.xml"] = Resource(rss("Loopback Times", items), content_type="application/rss+xml")
    site.log.clear()
    report = _run([site.url("/feed.xml")], store, fake_indexer)
    assert (report.updated, report.unchanged, _pages(site)) == (1, 1, 1)
    assert "cancelled" in store.article(site.url("/news/1.html"))[0]
    assert store.check() == []


def test_atom_and_a_malformed_rss_feed_are_read_too(site, store, fake_indexer):
    _publish(site, range(2), feed="/atom.xml", kind="atom")
    broken = rss("Broken & Co", [{"title": "Story 9 & more", "link": site.url("/news/9.html"),
                                  "pubDate": "Sat, 19 Jun 2023 10:00:00 GMT"}]).replace(b"&amp;", b"&")
    site.routes["/news/9.html"] = Resource(article_page("Story 9", _story(9)))
    site.routes["/broken.xml"] = Resource(broken.replace(b"</channel></rss>", b""), content_type="text/xml")
    report = _run([site.url("/atom.xml"), site.url("/broken.xml")], store, fake_indexer)
    assert (report.added, report.failed) == (3, [])


def test_a_story_two_feeds_share_is_taken_from_the_first_and_unchanged_on_the_next_run(site, store, fake_indexer):
    _publish(site, [1], feed="/x.xml")
    site.routes["/y.xml"] = Resource(rss("Other Gazette", [{"title": "Story 1", "link": site.url("/news/1.html"),
                                                           "pubDate": "Sun, 11 Jun 2023 12:00:00 GMT"}]),
                                     content_type="application/rss+xml")
    feeds = [site.url("/x.xml"), site.url("/y.xml")]
    first = _run(feeds, store, fake_indexer)
    for path in ("/x.xml", "/y.xml"):  # both feeds change (same items), so both are read again in full
        site.routes[path] = replace(site.routes[path], body=site.routes[path].body + b"\n")
    second = _run(feeds, store, fake_indexer)
    assert [(r.added, r.updated, r.failed) for r in (first, second)] == [(1, 0, []), (0, 0, [])]
    assert store.records([site.url("/news/1.html")])[site.url("/news/1.html")]["source"] == "Loopback Times"
    assert _pages(site) == 2, "the second run fetches the page for neither feed"


def test_an_item_that_links_nowhere_is_its_own_full_text_and_unchanged_on_the_next_run(site, store, fake_indexer):
    full = "<p>" + "The newsletter tells the whole story of the harbour vote in the feed itself. " * 5 + "</p>"
    items = [{"title": "Letter one", "link": "", "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT", "content": full},
             {"title": "Teaser", "link": "", "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT", "description": "Too short."}]
    body = rss("Loopback Letters", items).replace(b"<link></link><guid></guid>",
                                                  b'<guid isPermaLink="false">letter-1</guid>', 1)
    body = body.replace(b"<link></link><guid></guid>", b"")
    site.routes["/letters.xml"] = Resource(body, content_type="application/rss+xml")
    first = _run([site.url("/letters.xml")], store, fake_indexer)
    assert (first.added, first.failed) == (1, []), body
    (article_id, (meta, text)), = store.all_records(with_bodies=True).items()
    assert article_id.startswith(site.url("/letters.xml") + "#item-") and meta["url"] == ""
    assert (meta["title"], meta["source"], meta["published"]) == ("Letter one", "Loopback Letters", "2023-06-10")
    assert "whole story of the harbour vote" in text and site.requests("/letters.xml") == 1  # nothing else fetched
    assert any(note["path"] == site.url("/letters.xml") and "1 item(s) link nowhere" in note["note"]
               for note in first.notes), first.notes
    site.routes["/letters.xml"] = replace(site.routes["/letters.xml"], body=body + b"\n")
    again = _run([site.url("/letters.xml")], store, fake_indexer)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


def test_an_items_own_text_keeps_every_piece_its_html_gives_and_a_guid_that_is_no_address_links_nowhere(
        site, store, fake_indexer):
    lead = "The harbour council of Ostrak voted on Tuesday to rebuild the ferry pier before the winter storms."
    rest = "AT&amp;T and the port&#8217;s owners will share the cost, 5 &lt; 7 million, the mayor said at length."
    broken = f"{lead}<br/><br/>{rest} <b>Bold</b> words and a tail the pier deserves, told at length."
    items = [{"title": "Split by breaks", "link": "", "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT",
              "description": broken},
             {"title": "Teaser", "link": "", "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT", "description": "Too short."}]
    body = rss("Loopback Letters", items)
    for number in (1, 2):  # a guid that is a name: feedparser takes it for the item's link
        body = body.replace(b"<link></link><guid></guid>", f"<guid>post-{number}</guid>".encode(), 1)
    site.routes["/letters.xml"] = Resource(body, content_type="application/rss+xml")
    report = _run([site.url("/letters.xml")], store, fake_indexer)
    assert (report.added, report.failed) == (1, []), report.failed
    assert not any("/post-" in path for _, path, _ in site.log)  # no page fetched for a guid
    (article_id, (meta, text)), = store.all_records(with_bodies=True).items()
    assert article_id.startswith(site.url("/letters.xml") + "#item-") and meta["url"] == ""
    assert text.startswith(lead) and "AT&T and the port’s owners will share the cost, 5 < 7 million" in text
    assert "Bold words and a tail the pier deserves" in text and "&amp;" not in text and "<b>" not in text


def test_an_items_table_is_read_row_by_row_and_a_layout_tables_cells_stay_apart(site, store, fake_indexer):
    """Cells ran together ("NevadaCatherine Cortez Masto") in an item's own text."""
    lead = "Democrats kept control of the Senate on Saturday after the race in Nevada was called for the incumbent."
    results = ("<table><tr><th>State</th><th>Winner</th></tr><tr><td>Nevada</td><td>Catherine Cortez Masto</td>"
               "</tr><tr><td>Arizona</td><td>Mark Kelly</td></tr></table>")
    runoff = "Georgia goes to a runoff. " * 8
    layout = f"<table><tr><td>Votes are still being counted.</td><td>{runoff}</td></tr></table>"
    items = [{"title": "Senate", "link": "", "pubDate": "Sat, 12 Nov 2022 10:00:00 GMT",
              "description": f"<p>{lead}</p>{results}{layout}"}]
    site.routes["/results.xml"] = Resource(rss("Loopback Letters", items), content_type="application/rss+xml")
    report = _run([site.url("/results.xml")], store, fake_indexer)
    assert (report.added, report.failed) == (1, []), report.failed
    (_, (_, text)), = store.all_records(with_bodies=True).items()
    assert text.split("\n")[:5] == [lead, "State: Nevada; Winner: Catherine Cortez Masto",
                                     "State: Arizona; Winner: Mark Kelly", "Votes are still being counted.",
                                     runoff.strip()]


def test_a_feed_served_with_a_content_location_resolves_its_links_there_and_its_guids_stay_names(
        site, store, fake_indexer):
    """A server may say where a feed lives (Content-Location): its relative links resolve there; a <guid> that is
    a name ("post-1") stays a name, never a page to fetch (feedparser, given the header, had resolved it into
    one: a request that 404s, and an article cited by an address that never existed)."""
    told = "The newsletter tells the whole story of the harbour vote in the feed itself, at length. " * 4
    items = [{"title": "Letter one", "link": "", "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT", "description": told},
             {"title": "Pier rebuilt", "link": "pier.html", "pubDate": "Sat, 10 Jun 2023 11:00:00 GMT"}]
    body = rss("Loopback Letters", items).replace(b"<link></link><guid></guid>", b"<guid>post-1</guid>", 1)
    site.routes["/feeds/letters.xml"] = Resource(body, content_type="application/rss+xml",
                                                 headers={"Content-Location": site.url("/news/letters.xml")})
    site.routes["/news/pier.html"] = Resource(article_page("Pier rebuilt", "The pier was rebuilt in May. " * 8))
    report = _run([site.url("/feeds/letters.xml")], store, fake_indexer)
    assert (report.added, report.failed) == (2, []), report.failed
    assert not any("post-1" in path for _, path, _ in site.log)  # no page fetched for a guid
    records = store.all_records()
    assert {meta["title"]: meta["url"] for meta, _ in records.values()} == {
        "Letter one": "", "Pier rebuilt": site.url("/news/pier.html")}


def _front_page(feed: str = "") -> bytes:
    teasers = "".join(f'<article><h3><a href="/news/{n}.html">Story {n}: the harbour council votes on ferry line '
                      f'{n}</a></h3><p>Story {n} in short.</p></article>' for n in range(1, 13))
    link = f'<link rel="alternate" type="application/rss+xml" title="Top stories" href="{feed}">' if feed else ""
    return (f"<!doctype html><html><head><title>Loopback Times</title>{link}</head><body><main>{teasers}</main>"
            "</body></html>").encode()


def test_a_front_page_is_read_through_the_feed_it_advertises_and_without_one_fails_by_its_url(site, store,
                                                                                             fake_indexer):
    _publish(site, [1, 2])
    site.routes["/"] = Resource(_front_page("/feed.xml"))
    site.routes["/section"] = Resource(_front_page())
    report = _run([site.url("/"), site.url("/section")], store, fake_indexer)
    assert report.added == 2
    assert {meta["title"] for meta, _ in store.all_records().values()} == {"Story 1", "Story 2"}
    assert any(note["path"] == site.url("/") and f"reading the feed it advertises, {site.url('/feed.xml')}"
               in note["note"] for note in report.notes), report.notes
    (failed,) = report.failed
    assert failed["path"] == site.url("/section") and "is an index of stories (13 story links)" in failed["error"]
    _publish(site, [1, 2, 3])  # the feed gains a story; the front page's HTML stays as it was (it would answer 304)
    again = _run([site.url("/")], store, fake_indexer)
    assert (again.added, again.unchanged, again.failed) == (1, 2, [])


def test_a_front_page_whose_first_feed_is_dead_is_read_through_the_next_one(site, store, fake_indexer):
    _publish(site, [1, 2])
    page = _front_page("/gone.xml").replace(b"</head>", b'<link rel="alternate" type="application/atom+xml" '
                                                         b'href="/feed.xml"></head>')
    site.routes["/"] = Resource(page)
    report = _run([site.url("/")], store, fake_indexer)
    assert (report.added, report.failed) == (2, [])
    assert any(f"its feed {site.url('/gone.xml')} failed (HTTP 404" in note["note"] for note in report.notes)


def test_a_dead_link_fails_by_its_url_and_the_rest_go_in(site, store, fake_indexer):
    items = _publish(site, range(3))
    del site.routes["/news/1.html"]
    report = _run([site.url("/feed.xml")], store, fake_indexer)
    assert report.added == 2
    assert [(f["path"], f["error"][:8]) for f in report.failed] == [(items[1]["link"], "HTTP 404")]


def test_a_page_without_text_falls_back_to_the_items_own_content(site, store, fake_indexer):
    full = "<p>" + "The whole story is in the feed itself, told at length. " * 8 + "</p>"
    items = [{"title": "In the feed", "link": site.url("/app.html"), "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT",
              "content": full},
             {"title": "Nowhere", "link": site.url("/app2.html"), "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT"}]
    site.routes["/app.html"] = site.routes["/app2.html"] = Resource(b"<html><body><script>app()</script></body>"
                                                                   b"</html>")
    site.routes["/feed.xml"] = Resource(rss("Loopback Times", items), content_type="application/rss+xml")
    report = _run([site.url("/feed.xml")], store, fake_indexer)
    assert report.added == 1 and "told at length" in store.article(site.url("/app.html"))[0]
    assert report.failed[0]["path"] == site.url("/app2.html") and "no article text" in report.failed[0]["error"]


def test_a_single_page_a_sitemap_and_an_opml_list_work(site, store, fake_indexer, tmp_path):
    site.routes["/one.html"] = Resource(article_page("A page", _story(1), published="2023-06-11"))
    for n in (3, 4):
        site.routes[f"/s/{n}.html"] = Resource(article_page(f"Mapped {n}", _story(n)))
    site.routes["/sitemap.xml"] = Resource(sitemap([(site.url(f"/s/{n}.html"), f"2023-06-2{n}") for n in (3, 4)]),
                                           content_type="application/xml")
    _publish(site, [7], feed="/a.xml")
    _publish(site, [8], feed="/b.xml", kind="atom")
    (tmp_path / "feeds.opml").write_bytes(opml([site.url("/a.xml"), site.url("/b.xml")]))
    report = _run([site.url("/one.html"), site.url("/sitemap.xml"), str(tmp_path / "feeds.opml")], store,
                  fake_indexer)
    assert (report.added, report.failed) == (5, [])
    assert store.records([site.url("/s/4.html")])[site.url("/s/4.html")]["published"] == "2023-06-24"
    site.log.clear()
    again = _run([site.url("/one.html"), site.url("/sitemap.xml"), str(tmp_path / "feeds.opml")], store,
                 fake_indexer)
    assert again.added == again.updated == 0
    assert {status for _, path, status in site.log if path != "/robots.txt"} == {304}


def test_sitemaps_without_a_namespace_gzipped_or_in_a_gzipped_index_and_opml_url_attributes_are_read(
        site, store, fake_indexer):
    for n in range(1, 5):
        site.routes[f"/s/{n}.html"] = Resource(article_page(f"Mapped {n}", _story(n)))
    bare = sitemap([(site.url("/s/1.html"), "2023-06-21")]).replace(
        b' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"', b"")
    site.routes["/bare.xml"] = Resource(bare, content_type="text/xml")
    site.routes["/child.xml.gz"] = Resource(gzip.compress(sitemap([(site.url("/s/2.html"), "2023-06-22")])),
                                            content_type="application/gzip")
    site.routes["/index.xml"] = Resource(
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
        + site.url("/child.xml.gz").encode() + b"</loc></sitemap></sitemapindex>", content_type="application/xml")
    site.routes["/top.xml.gz"] = Resource(gzip.compress(sitemap([(site.url("/s/3.html"), "2023-06-23")])),
                                          content_type="application/x-gzip")
    _publish(site, [7], feed="/a.xml")
    site.routes["/list.opml"] = Resource(opml([site.url("/a.xml")]).replace(b"xmlUrl=", b"url="),
                                         content_type="text/x-opml")
    urls = [site.url(path) for path in ("/bare.xml", "/index.xml", "/top.xml.gz", "/list.opml")]
    report = _run(urls, store, fake_indexer)
    assert (report.added, report.failed) == (4, [])
    assert store.records([site.url("/s/2.html")])[site.url("/s/2.html")]["published"] == "2023-06-22"


def test_a_json_feed_is_read(site, store, fake_indexer):
    site.routes["/j/1.html"] = Resource(article_page("Jay one", _story(1)))
    site.routes["/feed.json"] = Resource(json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON Times",
        "items": [{"id": "1", "url": site.url("/j/1.html"), "title": "Jay one",
                   "date_published": "2023-06-21T10:00:00Z"}],
    }).encode(), content_type="application/feed+json")
    report = _run([site.url("/feed.json")], store, fake_indexer)
    assert report.added == 1 and store.records([site.url("/j/1.html")])[site.url("/j/1.html")]["source"] == "JSON Times"


def test_a_redirect_loop_a_huge_response_and_a_slow_server_are_cut_off(site):
    site.routes["/loop-a"] = Resource(redirect=site.url("/loop-b"))
    site.routes["/loop-b"] = Resource(redirect=site.url("/loop-a"))
    site.routes["/huge"] = Resource(size=50_000_000, content_type="application/rss+xml")
    site.routes["/slow"] = Resource(b"<rss>" + b" " * 100, dribble=0.5)
    site.routes["/slow-headers"] = Resource(b"<rss></rss>", slow_headers=0.5)  # each line well within the timeout
    with Fetcher(Limits(timeout=2, total=3, max_bytes=1_000_000, delay=0)) as fetcher:
        with pytest.raises(FetchError, match="redirects in a loop"):
            fetcher.fetch(site.url("/loop-a"))
        started = time.monotonic()
        with pytest.raises(FetchError, match="over 1 MB"):
            fetcher.fetch(site.url("/huge"))
        with pytest.raises(FetchError, match="longer than 3 s"):
            fetcher.fetch(site.url("/slow"))
        assert time.monotonic() - started < 30
        started = time.monotonic()
        with pytest.raises(FetchError, match="longer than 3 s"):
            fetcher.fetch(site.url("/slow-headers"))
        assert time.monotonic() - started < 15  # the server would take 20 s
    with Fetcher(Limits(max_redirects=1, delay=0)) as fetcher:
        site.routes["/hop1"] = Resource(redirect=site.url("/hop2"))
        site.routes["/hop2"] = Resource(redirect=site.url("/hop3"))
        with pytest.raises(FetchError, match="more than 1 times"):
            fetcher.fetch(site.url("/hop1"))


def test_robots_txt_is_obeyed_unless_told_otherwise(site, store, fake_indexer):
    site.routes["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.routes["/private/p.html"] = Resource(article_page("Private", _story(1)))
    report = _run([site.url("/private/p.html")], store, fake_indexer)
    assert report.added == 0 and "robots.txt does not allow" in report.failed[0]["error"]
    assert ("GET", "/private/p.html", 200) not in site.log
    allowed = _run([site.url("/private/p.html")], store, fake_indexer, limits=Limits(delay=0, ignore_robots=True))
    assert allowed.added == 1


def test_untrusted_fetches_refuse_loopback_private_and_metadata_addresses(site):
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "0.0.0.0",
                    "100.64.0.1", "fc00::1"):
        assert refused_address(address), address
    assert refused_address("93.184.216.34") is None
    site.routes["/page.html"] = Resource(article_page("P", _story(1)))
    with Fetcher(Limits(private=False, delay=0)) as untrusted:
        with pytest.raises(FetchError, match="refused: 127.0.0.1 resolves to a loopback address"):
            untrusted.fetch(site.url("/page.html"))
        with pytest.raises(FetchError, match="refused: localhost resolves to a loopback"):
            untrusted.fetch(site.url("/page.html").replace("127.0.0.1", "localhost"))
    assert site.requests() == 0  # not even the robots.txt was asked for


def test_failures_name_the_url_and_what_to_do(site, store, fake_indexer):
    with Fetcher(Limits(timeout=2, delay=0)) as fetcher:
        with pytest.raises(FetchError, match=r"can't find the host 'no-such-host\.invalid' \(DNS\)"):
            fetcher.fetch("http://no-such-host.invalid/feed.xml")
        with pytest.raises(FetchError, match="HTTP 404; the page is gone"):
            fetcher.fetch(site.url("/missing"))
    site.routes["/image.png"] = Resource(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    report = _run([site.url("/image.png")], store, fake_indexer)
    assert report.failed == [{"path": site.url("/image.png"),
                              "error": "is neither a feed, a sitemap nor an article page (image/png); check the URL"}]


def test_a_broken_url_a_bad_link_or_an_odd_json_feed_fails_alone_and_the_other_inputs_go_in(site, store,
                                                                                            fake_indexer):
    site.routes["/empty.html"] = Resource(b"")
    site.routes["/good.html"] = Resource(article_page("Good page", _story(1)))
    site.routes["/news/2.html"] = Resource(article_page("Story 2", _story(2)))
    items = [{"title": "Bad", "link": "http://[bad/x", "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT"},
             {"title": "Control", "link": site.url("/sh\x01ared.html"), "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT"},
             {"title": "Story 2", "link": site.url("/news/2.html"), "pubDate": "Sat, 10 Jun 2023 10:00:00 GMT"}]
    site.routes["/feed.xml"] = Resource(rss("Loopback Times", items), content_type="application/rss+xml")
    site.routes["/odd.json"] = Resource(json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": ["Odd"],
                                                    "items": [{"url": site.url("/good.html"), "authors": 7}]}
                                                   ).encode(), content_type="application/feed+json")
    site.routes["/items.json"] = Resource(b'{"version": "https://jsonfeed.org/version/1", "items": 5}',
                                          content_type="application/feed+json")
    urls = ["/empty.html", "/feed.xml", "/items.json", "/odd.json", "/good.html"]
    report = _run([site.url(path) for path in urls], store, fake_indexer)
    failed = {f["path"]: f["error"] for f in report.failed}
    assert failed[site.url("/empty.html")].startswith("is an empty page")
    assert "is not a valid URL (Invalid IPv6 URL)" in failed["http://[bad/x"]
    assert "is not a valid URL (Invalid non-printable ASCII character" in failed[site.url("/sh\x01ared.html")]
    assert failed[site.url("/items.json")].startswith("is a JSON Feed without a list of items")
    assert len(failed) == 4 and report.added == 2  # story 2, and the good page (from the odd feed, first)
    assert store.records([site.url("/good.html")])[site.url("/good.html")]["source"] == "Odd"


def test_pages_are_decoded_as_browsers_read_their_charset_labels(site, store, fake_indexer):
    text = "The minister\u2019s plan was \u201cready\u201d \u2013 and would cost \u20ac5 million, officials said. "
    for path, header, meta in [("/latin1.html", "text/html; charset=ISO-8859-1", ""),
                               ("/meta.html", "text/html", '<meta charset="iso-8859-1">'),
                               ("/none.html", "text/html", "")]:
        page = f"<html><head>{meta}<title>Plan</title></head><body><article><p>{text * 6}</p></article></body></html>"
        site.routes[path] = Resource(page.encode("cp1252"), content_type=header)
    site.routes["/gbk.html"] = Resource(
        ('<html><head><meta charset="gb2312"><title>T</title></head><body><article><p>'
         + "\u9555\u5b57\u6d4b\u8bd5\u3002" * 60 + "</p></article></body></html>").encode("gbk"))
    report = _run([site.url(p) for p in ("/latin1.html", "/meta.html", "/none.html", "/gbk.html")], store,
                  fake_indexer)
    assert (report.added, report.failed) == (4, [])
    for path in ("/latin1.html", "/meta.html", "/none.html"):
        body = store.article(site.url(path))[0]
        assert "minister\u2019s plan was \u201cready\u201d \u2013 and would cost \u20ac5" in body
    assert "\u9555\u5b57" in store.article(site.url("/gbk.html"))[0]  # a GBK character outside GB2312


def test_an_rss_feed_served_as_a_web_page_is_still_a_feed(site, store, fake_indexer):
    _publish(site, range(2))
    site.routes["/feed.xml"] = replace(site.routes["/feed.xml"], content_type="text/html; charset=utf-8")
    report = _run([site.url("/feed.xml")], store, fake_indexer)
    assert (report.added, report.failed) == (2, [])


def test_a_url_never_read_is_not_remembered_and_a_followed_feed_that_fails_stays_followed(site, store,
                                                                                        fake_indexer):
    _publish(site, range(1))
    feed = site.url("/feed.xml")
    site.routes["/image.png"] = Resource(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    first = _run([feed, site.url("/gone.xml"), site.url("/image.png")], store, fake_indexer)
    assert (first.added, len(first.failed)) == (1, 2)
    assert list(store.feed_states()) == [feed] and followed(store) == [feed]
    del site.routes["/feed.xml"]
    again = _run([feed], store, fake_indexer)
    state = store.feed_states()[feed]
    assert again.failed and state["result"].startswith("failed: HTTP 404") and state["kind"] == "feed"
    assert followed(store) == [feed]  # a feed that is down for a while is still followed


def test_the_page_follows_only_feeds_it_could_read_and_checks_only_those_again(site, store):
    from app import ChatApp
    from bot.settings import Settings
    from tests.conftest import KeywordEmbeddings, make_bot

    _publish(site, range(2))
    site.routes["/one.html"] = Resource(article_page("A page", _story(7)))
    store.save_feed_states({"http://junk.invalid/feed": {"result": "failed: can't find the host"}})  # kept before
    app = ChatApp(make_bot(store, KeywordEmbeddings()), Settings(fetch_allow_private=True, fetch_delay=0))
    urls = [site.url("/feed.xml"), site.url("/one.html"), site.url("/gone.xml"), site.url("/gone.html")]
    summary, _, table = app.add_urls("\n".join(urls))
    assert "3 added, 0 updated, 0 unchanged, 2 failed" in summary
    assert [(row[0], row[2]) for row in table] == [(site.url("/feed.xml"), "feed"), (site.url("/one.html"), "page")]
    site.log.clear()
    app.check_feeds()
    assert {path for _, path, _ in site.log} == {"/feed.xml"}  # not the page, the dead URLs or the junk


@pytest.mark.slow
def test_watch_picks_up_a_new_item_and_stops_cleanly_on_ctrl_c(site, tmp_path):
    _publish(site, range(2))
    store_dir = tmp_path / "store"
    watcher = subprocess.Popen(
        [sys.executable, "-m", "ingest", site.url("/feed.xml"), "--store", str(store_dir), "--watch", "0.02",
         "--json"], cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NEWSBOT_FETCH_DELAY": "0"},
    )
    try:
        first = json.loads(watcher.stdout.readline())
        assert first["added"] == 2
        _publish(site, range(3))
        for _ in range(20):
            report = json.loads(watcher.stdout.readline())
            if report["added"]:
                break
        assert report["added"] == 1
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=120)
        assert watcher.returncode == 0 and "Traceback" not in err
    finally:
        if watcher.poll() is None:
            watcher.kill()
    store = open_store(store_dir, None, 8000, "news")
    assert len(store.all_records()) == 3 and store.check() == []


@pytest.mark.slow
def test_a_feed_unfollowed_by_another_process_while_watched_is_watched_no_more(site, tmp_path):
    _publish(site, range(2))
    store_dir = tmp_path / "store"
    environment = {**os.environ, "NEWSBOT_FETCH_DELAY": "0"}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "ingest", site.url("/feed.xml"), "--store", str(store_dir), "--watch", "0.02",
         "--json"], cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        assert json.loads(watcher.stdout.readline())["added"] == 2
        unfollowed = subprocess.run([sys.executable, "-m", "ingest", "--unfollow", site.url("/feed.xml"), "--store",
                                     str(store_dir)], cwd=ROOT_DIR, capture_output=True, text=True, timeout=300,
                                    env=environment)
        assert unfollowed.returncode == 0 and "no longer following" in unfollowed.stderr
        out, err = watcher.communicate(timeout=120)  # it ends by itself: nothing is left to watch
        assert watcher.returncode == 0 and "Traceback" not in err
        assert f"no longer watched: {site.url('/feed.xml')} (unfollowed meanwhile)" in err
    finally:
        if watcher.poll() is None:
            watcher.kill()
    store = open_store(store_dir, None, 8000, "news")
    assert store.feed_states() == {} and len(store.all_records()) == 2  # unfollowed for good; its articles stay


@pytest.mark.slow
def test_the_web_page_refuses_loopback_urls_unless_allowed(site, tmp_path):
    from gradio_client import Client

    from app import unplain
    from tests.conftest import start_app, stop

    _publish(site, range(1))
    url, app = start_app(tmp_path / "store")
    try:
        summary, _, _ = Client(url, verbose=False).predict(site.url("/feed.xml"), api_name="/add_urls")
    finally:
        stop(app)
    said = unplain(summary)  # the page shows it as Markdown, escaped
    assert "1 failed" in said and "refused: 127.0.0.1 resolves to a loopback address" in said
    assert "NEWSBOT_FETCH_ALLOW_PRIVATE" in said
    assert site.requests() == 0


_OWN_TEXT = "The harbour council of Ostrak voted on Tuesday to keep the ferry line running after a long debate. " * 4


def test_feeds_as_servers_and_feed_software_really_send_them_are_read_item_by_item(site, store, fake_indexer):
    """A WordPress feed behind a PHP warning, served text/html, that mentions <opml> in its description; an
    HTML-typed title, an author with an e-mail, a date late in the evening west of UTC; and a JSON Feed with a
    byte order mark, served text/plain, whose item has no url."""
    feed = (b"<br />\n<b>Warning</b>: Cannot modify header information - headers already sent in <b>/var/www/"
            b"wp-includes/feed-rss2.php</b> on line <b>8</b><br />\n<?xml version='1.0' encoding='UTF-8'?>\n"
            b"<rss version='2.0' xmlns:atom='http://www.w3.org/2005/Atom'><channel>"
            b"<title>Ostrak &amp;amp; Co</title><link>/</link><description><![CDATA[Our <opml> list]]></description>"
            b"<item><title>Q&amp;amp;A: the mayor on &lt;em&gt;ferries&lt;/em&gt;</title>"
            b"<link>/news/story.html</link><author>me@ostrak.example (Ann Reporter)</author>"
            b"<pubDate>Tue, 06 Apr 2004 23:05:43 -0500</pubDate><description>" + _OWN_TEXT.encode() +
            b"</description></item></channel></rss>")
    site.routes["/wp/feed"] = Resource(feed, content_type="text/html; charset=UTF-8")
    site.routes["/micro.json"] = Resource(b"\xef\xbb\xbf" + json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Micro",
        "items": [{"id": "note-1", "content_text": _OWN_TEXT.replace("Tuesday", "Wednesday"),
                   "date_published": "2004-04-07T08:00:00+09:00"}, {"id": "note-2", "content_text": "Too short."}],
    }).encode(), content_type="text/plain")
    report = _run([site.url("/wp/feed"), site.url("/micro.json")], store, fake_indexer)
    assert (report.added, report.failed) == (2, [])  # the item's page is missing: its own text stands in
    assert "/news/story.html" in {path for _, path, _ in site.log}
    records = {meta["title"]: meta for meta, _ in store.all_records().values()}
    assert records["Q&A: the mayor on ferries"]["author"] == "Ann Reporter"
    assert records["Q&A: the mayor on ferries"]["published"] == "2004-04-06"  # the day the feed says, not UTC's
    assert records["Q&A: the mayor on ferries"]["source"] == "Ostrak & Co"
    [micro] = [meta for meta in records.values() if meta["source"] == "Micro"]
    assert micro["published"] == "2004-04-07" and micro["url"] == ""
    assert all("Too short" not in body for _, body in store.all_records(with_bodies=True).values())
    assert " ".join(note["note"] for note in report.notes).count("link nowhere") == 1


def test_real_feeds_shapes_relative_atom_links_posts_of_one_page_stub_contents_foreign_dates_and_a_bad_byte(
        site, store, fake_indexer):
    """Shapes seen in real feeds (a 2026-12-03 audit of 60): Atom entries with a tag: id and a relative link
    (Sam Ruby's, GitHub's releases); posts that share a page and differ by #fragment (Blogger archives, Scripting
    News); an empty <og><description> that feedparser reads as the item's content beside the post in
    <description> (the Google Cloud blog); RFC 822 dates in Portuguese, with a weekday that is also a month
    ("mar"); one byte that is not UTF-8 in a UTF-8 feed; a title broken over lines (arXiv)."""
    site.routes["/blog/plex.html"] = Resource(article_page("Plex", _story(1), published="2013-01-30"))
    site.routes["/blog/2013/nested.html"] = Resource(article_page("Nested", _story(2), published="2013-01-31"))
    site.routes["/atom.xml"] = Resource(
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/">'
        b'<title>Intertwingly</title>'
        b'<entry><id>tag:intertwingly.net,2004:3310</id><title>Plex</title><link href="/blog/plex.html"/>'
        b'<updated>2013-01-30T12:00:00Z</updated><summary>Short.</summary></entry>'
        b'<entry xml:base="2013/"><id>tag:intertwingly.net,2004:3311</id><title>Nested</title>'
        b'<link href="nested.html"/><summary>Short.</summary></entry></feed>',
        content_type="application/atom+xml")
    posts = "".join(
        f"<item><link>{site.url('/2017/06/26.html')}#a0{n}</link><guid>{site.url('/2017/06/26.html')}#a0{n}</guid>"
        f"<description>Post {n}: the ferry to Ostrak’s café runs again{'!' * n}</description>"
        f"<pubDate>Mon, 26 Jun 2017 0{n}:00:00 GMT</pubDate></item>" for n in range(1, 4))
    stub = ("<item><title>Shadow IT</title><link>{}</link><description>&lt;div class=\"rich-text\"&gt;&lt;p&gt;"
            + _OWN_TEXT + "&lt;/p&gt;&lt;/div&gt;</description><og xmlns:og=\"http://ogp.me/ns#\">"
            "<description></description></og><pubDate>mar, 25 set 2018 19:42:40 -0300</pubDate></item>")
    site.routes["/rss.xml"] = Resource(
        ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Scripting</title>'
         + posts + stub.format(site.url("/gone.html")) + "<item><title>Electron\n   Flux Spectra</title><link>"
         + site.url("/gone2.html") + "</link><description>" + _OWN_TEXT.replace("Tuesday", "Monday")
         + "</description><pubDate>Seg, 24 Set 2018 10:00:00 -0300</pubDate></item></channel></rss>"
         ).encode().replace("café runs again!!!".encode(), b"caf\xc3 runs again!!"),  # a cut character
        content_type="application/rss+xml")
    report = _run([site.url("/atom.xml"), site.url("/rss.xml")], store, fake_indexer)
    assert report.failed == [] and report.added == 7
    records = store.all_records(with_bodies=True)
    assert records[site.url("/blog/plex.html")][0]["title"] == "Plex"  # the relative link, fetched
    assert records[site.url("/blog/2013/nested.html")][0]["title"] == "Nested"  # xml:base "/blog/", then "2013/"
    for n in range(1, 4):  # three posts, three articles, each named and linked by its own #fragment
        meta, body = records[f"{site.url('/2017/06/26.html')}#a0{n}"]
        assert meta["url"] == f"{site.url('/2017/06/26.html')}#a0{n}" and body.startswith(f"Post {n}: the ferry")
    assert "/2017/06/26.html" not in {path for _, path, _ in site.log}  # one page holds them all: not fetched
    assert "Ostrak’s caf\ufffd runs again!!" in records[f"{site.url('/2017/06/26.html')}#a03"][1]  # the rest as written
    by_title = {meta["title"]: (meta, body) for meta, body in records.values()}
    meta, body = by_title["Shadow IT"]  # the post in <description>, as text, not the empty <og> stub
    assert body == _OWN_TEXT.strip() and meta["published"] == "2018-09-25"  # "mar," a Tuesday; "set": September
    assert by_title["Electron Flux Spectra"][0]["published"] == "2018-09-24"  # one line; "Seg, 24 Set"
    assert store.check(vectors=False) == []
    site.routes["/latin1.xml"] = Resource(  # an ASCII feed with one Latin-1 letter and no charset: Latin-1
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Le caf\xe9</title><item><title>Caf\xe9</title>'
        b"<link>" + site.url("/gone3.html").encode() + b"</link><description>" + _OWN_TEXT.encode()
        + b"</description></item></channel></rss>", content_type="application/rss+xml")
    _run([site.url("/latin1.xml")], store, fake_indexer)
    assert {meta["source"] for meta, _ in store.all_records().values()} >= {"Le café"}
