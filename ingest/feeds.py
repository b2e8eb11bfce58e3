"""News by URL: RSS 2.0 / Atom / RSS 1.0 (RDF) and JSON feeds, sitemaps, single article pages, OPML lists.

A URL given to ``python -m ingest`` is one ``UrlOrigin``. What it is, is found
out by fetching it: a feed (feedparser, which also reads the malformed feeds
found in the wild), a JSON Feed, a sitemap or sitemap index (news sitemaps'
titles and dates included), an OPML list of feeds, or else an article page.

Each feed item's link is fetched and its main text extracted (trafilatura, as
for saved pages). The article's id is its canonical URL -- the page's own
canonical link when it has one -- with tracking parameters stripped (courlan).
Title, author and date come from the page's metadata, else from the item (an
item's pubDate beats a guess: dates are only taken from the page's explicit
metadata). When the page can't be fetched or has no article text, the item's
own content (``content:encoded``, Atom ``content``) is used if it is long
enough; otherwise the item fails, named by its URL. A URL that is a front page
(an index of stories, ``ingest.parse.read_page``) is read through the feed it
advertises, if any.

Incremental: the store remembers, per article, the item it came from and what
that item looked like (its link, dates, title and summary, hashed): an item that
looks the same is not fetched again. Per feed, the ETag and Last-Modified it
answered with are kept in the store and sent back, so an unchanged feed costs
one conditional request (304). A feed's state is saved only once its articles
are written (``finish``), so a crash never marks items as seen that are not in
the store. Items that fall off a feed are never pruned: feeds list only the
latest items. A URL whose first read fails is not remembered, so it is not
followed (``followed``); one read before keeps its state, with the failure as
its last result.

What it leaves out: pages that need JavaScript, paywalls and logins, and
following links beyond what a feed or sitemap lists (no crawling).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
import time
import xml.etree.ElementTree as ElementTree
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.errors import ArticleError
from bot.store import Store
from bot.types import Article
from ingest import parse
from ingest.parse import canonical, html_text
from ingest.sources import Limits, Note, decode, few_replaced, mostly_utf8
from ingest.web import Fetcher, FetchError, Page, is_url

#: An item's own content must be this long (characters of text) to stand in for a page that failed.
MIN_ITEM_CHARS = 200
_CHILD_SITEMAPS = 20
_FEEDS_TRIED = 3  # of the feeds a front page advertises


#: What a URL read again at every check is: a list of articles (a front page is read through its feed).
FOLLOWED_KINDS = frozenset({"feed", "jsonfeed", "sitemap", "opml", "index"})


def followed(store: Store) -> list[str]:
    """The URLs a check of the feeds reads again: those read as a feed, sitemap, OPML list or front page; not
    an article page, nor a URL that could never be read."""
    return [url for url, state in store.feed_states().items() if state.get("kind") in FOLLOWED_KINDS]


@dataclass(frozen=True)
class Known:
    """An item the store holds as it is now: counted unchanged, not fetched."""

    article_id: str


@dataclass(frozen=True)
class Item:
    """One entry of a feed or sitemap."""

    link: str
    title: str = ""
    author: str = ""
    published: dt.date | None = None
    content: str = ""  # the item's own HTML or text, if the feed carries it
    source: str = ""  # the feed's title
    version: str = ""  # a hash of what the item looks like: changed means "fetch again"
    when: float = 0.0  # its time (seconds since 1970), to take the newest first; 0 when unknown
    own: bool = False  # no page to fetch: the item links nowhere, its own full text is the article
    plain: bool = False  # its content is plain text (Atom type="text", JSON Feed content_text), not HTML
    url: str = ""  # an item read from its own text: the address it has on the web, if any (a post's #fragment)


class StoreRobots:
    """robots.txt files kept in the store between runs (``ingest.web.RobotsCache``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, site: str, newer_than: float) -> str | None:
        return self.store.robots(site, newer_than)

    def save(self, site: str, text: str) -> None:
        self.store.save_robots(site, text)


@dataclass
class UrlOrigin:
    """A URL given to ingest (a feed, a sitemap, an OPML list or a page) and what reading it found."""

    key: str
    fetcher: Fetcher
    store: Store
    max_items: int = 200
    readable: bool = True
    prunable: bool = False  # items that fall off a feed stay
    seen: set[str] = field(default_factory=set)
    failed_paths: set[str] = field(default_factory=set)
    _states: dict[str, dict[str, Any]] = field(default_factory=dict)
    _followed: set[str] = field(default_factory=set)  # the URLs followed when this read began

    def read(self, limits: Limits, stop: Callable[[], bool] | None = None) -> Iterator[Any]:
        """Articles, errors, notes and Known items of this URL, fetched one at a time."""
        stop = stop or (lambda: False)
        yield from self._guarded(self.key, limits, stop, depth=0)

    def _guarded(self, url: str, limits: Limits, stop: Callable[[], bool], depth: int) -> Iterator[Any]:
        """``_read``, its failure an error naming the URL: a feed that fails never stops the other inputs."""
        try:
            yield from self._read(url, limits, stop, depth)
        except Exception as exc:  # any parser's failure is this URL's, never the run's
            error = exc if isinstance(exc, ArticleError) else ArticleError(
                url, f"could not be read ({type(exc).__name__}: {str(exc)[:200]}); check the URL")
            known = self._states.get(url) or self.store.feed_states([url]).get(url)
            if known:  # read before: followed as it was, its result saying what went wrong this time
                self._states[url] = {**known, "checked_at": time.time(), "result": f"failed: {error.problem}"}
            yield error  # a URL never read is not remembered: a typo or a dead host is not followed

    def finish(self) -> None:
        """Remember each feed's ETag, Last-Modified and last result (call once its articles are written)."""
        if self._states:
            self.store.save_feed_states(self._states, self._followed)

    def _read(self, url: str, limits: Limits, stop: Callable[[], bool], depth: int) -> Iterator[Any]:
        state = self.store.feed_states([url]).get(url, {})
        if state:
            self._followed.add(url)
        # after failures, ask again in full (the failed items are retried); a front page read through its feed is
        # asked in full too: its own HTML may not change while the feed it advertises does
        clean = state.get("failed", 0) == 0 and state.get("kind") != "index"
        page = self.fetcher.fetch(url, state.get("etag", "") if clean else "",
                                  state.get("last_modified", "") if clean else "")
        now = time.time()
        record = {"etag": page.headers.get("etag", ""), "last_modified": page.headers.get("last-modified", ""),
                  "checked_at": now, "title": state.get("title", "")}
        if page.not_modified:
            self._states[url] = {**state, "checked_at": now, "result": "not modified"}
            yield Note(url, "not modified since the last check (304): nothing to fetch")
            return
        listing = _items(page, self.fetcher, limits)
        kind, items = listing.kind, listing.items
        record["title"] = listing.title or record["title"]
        if listing.skipped:
            yield Note(url, f"{listing.skipped} item(s) link nowhere and hold under {MIN_ITEM_CHARS} characters of "
                            "text of their own (teasers?); skipped: there is no article to read")
        if kind == "opml":
            self._states[url] = {**record, "kind": kind, "result": f"{len(items)} feeds", "failed": 0}
            if depth:
                yield ArticleError(url, "an OPML list inside an OPML list is not followed")
                return
            for feed in items:
                yield from self._guarded(feed.link, limits, stop, depth + 1)
            return
        if kind == "page":
            try:
                article = _article_from_page(page, Item(url, version=_version(url, page.headers.get("etag", ""),
                                                                              page.headers.get("last-modified", ""))),
                                             limits)
            except parse.NotAnArticle as error:
                feeds = [feed for feed in error.feeds if canonical(feed) != canonical(url)][:_FEEDS_TRIED]
                if not feeds or depth > 1:
                    raise
                yield from self._through_feeds(url, feeds, record, limits, stop, depth)
                return
            self._states[url] = {**record, "kind": kind, "result": "page read", "failed": 0}
            yield article
            return
        yield from self._items(url, kind, items, record, limits, stop, _remembered(state))

    def _through_feeds(self, url: str, feeds: list[str], record: dict[str, Any], limits: Limits,
                       stop: Callable[[], bool], depth: int) -> Iterator[Any]:
        """A front page's stories, from the first of the feeds it advertises that can be read."""
        for number, feed in enumerate(feeds, 1):
            read = self._guarded(feed, limits, stop, depth + 1)
            first = next(read, None)
            if isinstance(first, ArticleError) and first.where == feed and number < len(feeds):
                yield Note(url, f"its feed {feed} failed ({first.problem}); trying the next one it advertises")
                continue
            self._states[url] = {**record, "kind": "index", "result": f"an index page: read its feed {feed}",
                                 "failed": 0}
            yield Note(url, f"is an index of stories, not an article: reading the feed it advertises, {feed}")
            if first is not None:
                yield first
                yield from read
            return

    def _items(self, url: str, kind: str, items: list[Item], record: dict[str, Any], limits: Limits,
               stop: Callable[[], bool], remembered: dict[str, tuple[str, str]]) -> Iterator[Any]:
        """The items' articles, fetching only those that are new or changed. An item is unchanged when the
        store holds its article and the item looks as it did when that article was written, or as it did in
        this feed last time (``remembered``: a story two feeds share was written from one of them, maybe
        under another link)."""
        items = sorted(items, key=lambda item: item.when or (  # newest first; the feed's own order breaks ties
            calendar.timegm(item.published.timetuple()) if item.published else 0.0), reverse=True)
        if len(items) > self.max_items:
            yield Note(url, f"lists {len(items)} items; the newest {self.max_items} are read this time "
                            "(NEWSBOT_FETCH_MAX_ITEMS)")
            items = items[: self.max_items]
        known = {link: (article_id, meta.get("item_version")) for link, (article_id, meta)
                 in self.store.records_from_paths([item.link for item in items]).items()}
        seen = {item.link: remembered[item.link] for item in items if item.link in remembered}
        held = self.store.records(list({article_id for _, article_id in seen.values()}))
        known.update((link, (article_id, version)) for link, (version, article_id) in seen.items()
                     if article_id in held and known.get(link, ("", ""))[1] != version)
        counts = {"unchanged": 0, "fetched": 0, "failed": 0}
        read: dict[str, tuple[str, str]] = {}  # link -> (version, article id) of the items read, for next time
        left = len(items)
        try:
            for item in items:
                left -= 1
                article_id, version = known.get(item.link, ("", ""))
                if article_id and version == item.version:
                    counts["unchanged"] += 1
                    read[item.link] = (item.version, article_id)
                    yield Known(article_id)
                    continue
                if stop():
                    left += 1  # this one, and the rest, wait for the next run
                    break
                try:
                    article = self._fetch_item(item, limits)
                except Exception as exc:  # one item's failure, never the feed's
                    error = exc if isinstance(exc, ArticleError) else ArticleError(
                        item.link, f"could not be read ({type(exc).__name__}: {str(exc)[:200]}); check the link")
                    counts["failed"] += 1
                    self.failed_paths.add(item.link)
                    yield error
                    continue
                counts["fetched"] += 1
                read[item.link] = (item.version, article.article_id)
                yield article
        finally:  # items not reached count as failed: the next run asks for the feed in full again
            self._states[url] = {**record, "kind": kind, "failed": counts["failed"] + left, "items": json.dumps(read),
                                 "result": f"{len(items)} items: {counts['fetched']} new or changed, "
                                           f"{counts['unchanged']} unchanged, {counts['failed']} failed"}

    def _fetch_item(self, item: Item, limits: Limits) -> Article:
        """The item's page as an article; its own content if the page fails (or it links nowhere); else the
        page's error."""
        if item.own:  # named by its feed and id, with no web address of its own
            article = parse.make_article(item.link, item.link, item.link, {
                "title": item.title, "author": item.author, "source": item.source or urlsplit(item.link).hostname,
                "published": item.published, "url": item.url}, html_text(item.content, item.plain), None,
                limits.max_title_chars)
            return replace(article, source_version=item.version)
        try:
            return _article_from_page(self.fetcher.fetch(item.link), item, limits)
        except ArticleError as error:
            text = html_text(item.content, item.plain)
            if len(text) >= MIN_ITEM_CHARS:
                return _article(item, item.link, text, {}, limits)
            raise ArticleError(item.link, f"{error.problem}; and the feed item has no full text of its own") \
                from None


@dataclass(frozen=True)
class Listing:
    """What a fetched document lists: its kind (feed, jsonfeed, sitemap, opml or page), items and title, and how
    many of its entries were left out (items that link nowhere and hold too little text of their own)."""

    kind: str
    items: list[Item]
    title: str = ""
    skipped: int = 0


def _remembered(state: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """link -> (version, article id) of the items a feed listed last time, from its saved state ({} when none)."""
    try:
        found = json.loads(state.get("items") or "{}")
    except (ValueError, TypeError, RecursionError):  # a state written by hand, or by another program
        return {}
    if not isinstance(found, dict):
        return {}
    return {link: (pair[0], pair[1]) for link, pair in found.items()
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)}


def _items(page: Page, fetcher: Fetcher, limits: Limits) -> Listing:
    """What a fetched document lists (``Listing``); a gzipped one (sitemap.xml.gz, feed.xml.gz) is read
    decompressed."""
    if page.body[:2] == b"\x1f\x8b":
        headers = {k: v for k, v in page.headers.items() if k != "content-type"}
        page = replace(page, body=_gunzipped(page.body, fetcher.limits.max_bytes, page.url), headers=headers)
    head = page.body[:2048].lstrip().removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if page.content_type in ("application/feed+json", "application/json") or head.startswith(b"{"):
        return Listing("jsonfeed", *_json_feed(page))
    root = _root(head)
    if root == b"opml" or root is None and b"<opml" in head:
        return Listing("opml", _opml(page.body, page.url))
    if root in (b"urlset", b"sitemapindex") or root is None and (b"<urlset" in head or b"<sitemapindex" in head):
        return Listing("sitemap", _sitemap(page, fetcher, depth=0))
    if root in (b"rss", b"feed", b"rdf"):  # a feed whatever the server calls it (text/html, text/plain)
        return _feed(page)
    if page.content_type in ("text/html", "application/xhtml+xml") or b"<html" in head or b"<!doctype html" in head:
        return Listing("page", [])
    return _feed(page)


#: What may come before an XML document's root: a declaration, processing instructions (a stylesheet),
#: comments, a DOCTYPE (the Netscape RSS 0.91 one, with or without an internal subset).
_PROLOG = rb"(?:<\?[^>]{0,300}\?>|<!--.{0,500}?-->|<!doctype[^>\[]{0,500}(?:\[.{0,2000}?\])?\s*>|\s+)*"
#: The root element of a feed, sitemap or OPML list (with a namespace prefix or none: "<atom:feed", "<rdf:RDF").
_ROOT = re.compile(_PROLOG + rb"<(?:[a-z][\w.-]{0,30}:)?(rss|feed|rdf|opml|urlset|sitemapindex)[\s>/]", re.DOTALL)


def _root(head: bytes) -> bytes | None:
    """The root element (lower case, no prefix) of the XML document opening with ``head`` (lower case), or None;
    read from its XML declaration on, when something comes before it (a PHP warning printed before the feed)."""
    start = head.find(b"<?xml")
    found = _ROOT.match(head, start if start > 0 else 0)
    return found.group(1) if found else None


def _feed(page: Page) -> Listing:
    import feedparser

    # feedparser is not told the feed's address (nor a Content-Location): it would resolve a <guid> that is a
    # name ("post-1") into a page to fetch; links are resolved here, against where the server says the feed lives
    body, headers = _mended(page), {k: v for k, v in page.headers.items() if k == "content-type"}
    parsed = feedparser.parse(body, response_headers=headers)
    base = _base(page)
    # xml:base on the feed and on an entry ("/blog/", then "2013/") nest: feedparser joins them only against an
    # absolute address, so such a feed is read a second time with its own for the entries' <link>s
    based = feedparser.parse(body, response_headers={**headers, "content-location": base}).entries \
        if b"xml:base" in body else []
    if not parsed.version and not parsed.entries:
        kind = page.content_type or "unknown"
        raise FetchError(page.url, f"is neither a feed, a sitemap nor an article page ({kind}); check the URL")
    title = _title(parsed.feed)
    items = []
    skipped = 0
    for number, entry in enumerate(parsed.entries):
        link = entry.get("link") or (entry.get("id") if is_url(entry.get("id") or "") else "")
        if entry.get("links") and number < len(based):
            link = based[number].get("link") or link
        if entry.get("guidislink") and not entry.get("links") and not is_url(link):
            link = ""  # no <link>, and a <guid> such as "post-101": a name, not a page
        content, plain = _content(entry)
        own = not link
        if own and not (link := _own_link(page.url, content, plain, entry.get("id") or "", entry.get("title", ""))):
            skipped += 1
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        seconds = float(calendar.timegm(when)) if when else 0.0
        written = _feed_date(entry.get("published") or entry.get("updated") or "", page.url)
        items.append(Item(
            link=link if own else _absolute(link, base), title=_title(entry),
            author=_author_name(entry.get("author", "")), content=content,
            source=title, when=seconds or _seconds(written), own=own, plain=plain,
            # the day as the feed writes it ("23:05 -05:00" on the 6th is the 6th), else feedparser's, in UTC
            published=written or (dt.datetime.fromtimestamp(seconds, dt.UTC).date() if when else None),
            version=_version(link, entry.get("updated", ""), entry.get("published", ""), entry.get("title", ""),
                             content),
        ))
    items, skipped = _posts_of_one_page(items, skipped)
    return Listing("feed", items, title, skipped)


def _mended(page: Page) -> bytes:
    """A feed's bytes, with the few bytes that are not UTF-8 replaced (U+FFFD) in a feed that says it is UTF-8 or
    says nothing (XML's default) and reads as UTF-8 otherwise (``ingest.sources.mostly_utf8``, as for pages):
    feedparser would read the whole feed in another charset for one bad byte. An ASCII feed with a stray Latin-1
    letter or two is left to feedparser, which reads it as Latin-1."""
    data = page.body
    head = data[:200].lower()
    declared = re.search(rb"""<\?xml[^>]*encoding=["']([\w.:-]+)""", head)
    if (declared and declared.group(1) not in (b"utf-8", b"utf8")) or (page.charset or "utf-8").lower() not in (
            "utf-8", "utf8") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    return text.encode("utf-8") if few_replaced(text) and mostly_utf8(text) else data


def _content(entry: Any) -> tuple[str, bool]:
    """An entry's own text and whether it is plain text: the longest of its contents (``content:encoded``, Atom
    ``content``) and its summary (``description``), some feeds putting a stub in one and the post in the other."""
    found = [*(entry.get("content") or []), entry.get("summary_detail") or {"value": entry.get("summary", "")}]
    best, best_plain, longest = "", False, -1
    for detail in found:
        value, plain = detail.get("value") or "", detail.get("type") == "text/plain"
        if value and (length := len(html_text(value, plain))) > longest:
            best, best_plain, longest = value, plain, length
    return best, best_plain


def _posts_of_one_page(items: list[Item], skipped: int) -> tuple[list[Item], int]:
    """The items, those whose links differ only by their #fragment (posts of one page: a blog's archive, a
    day of a microblog) made articles of their own text, each named by its link, fragment kept: the page holds
    them all, so fetching it would give one article for the lot; and how many items were left out."""
    pages: dict[str, set[str]] = {}
    for item in items:
        if not item.own and "#" in item.link:
            pages.setdefault(item.link.split("#", 1)[0], set()).add(item.link)
    shared = {page for page, links in pages.items() if len(links) > 1}
    if not shared:
        return items, skipped
    kept = []
    for item in items:
        if item.own or item.link.split("#", 1)[0] not in shared:
            kept.append(item)
        elif html_text(item.content, item.plain):
            kept.append(replace(item, own=True, url=item.link))
        else:
            skipped += 1
    return kept, skipped


#: Months in the languages feeds write RFC 822 dates in when they should not ("Seg, 24 Set 2018"): by the word,
#: else by its first three letters.
_MONTH_WORDS = {"juin": "jun", "juil": "jul", "juillet": "jul"}
_MONTHS = {"jan": "jan", "ene": "jan", "gen": "jan", "feb": "feb", "fev": "feb", "fév": "feb", "mar": "mar",
           "mär": "mar", "mrz": "mar", "apr": "apr", "abr": "apr", "avr": "apr", "may": "may", "mai": "may",
           "mag": "may", "jun": "jun", "giu": "jun", "jul": "jul", "lug": "jul", "aug": "aug", "ago": "aug",
           "aoû": "aug", "sep": "sep", "set": "sep", "oct": "oct", "out": "oct", "okt": "oct", "ott": "oct",
           "nov": "nov", "dec": "dec", "dez": "dec", "dic": "dec", "déc": "dec"}
#: An RFC 822 date, maybe in another language: weekday, day, month, year and the rest ("Mo, 24 Sep 2018 …").
_RFC822 = re.compile(r"^\s*(?:[^\W\d_]{2,9}\.?,\s*)?(\d{1,2})\s+([^\W\d_]{3,9})\.?\s+(\d{4})\b(.*)$", re.DOTALL)


def _feed_date(written: str, url: str) -> dt.date | None:
    """The day an entry's date names, as the feed writes it, or None: an RFC 822 date is read without its
    weekday ("mar, 25 set 2018" is a Tuesday in September, not March 25) and with other languages' months."""
    if not written:
        return None
    if found := _RFC822.match(written[:200]):
        day, month, year, rest = found.groups()
        month = _MONTH_WORDS.get(month.lower()) or _MONTHS.get(month.lower()[:3])
        return parse.parse_date(f"{day} {month} {year}{rest[:40]}", url) if month else None
    return parse.parse_date(written, url)


def _seconds(day: dt.date | None) -> float:
    return float(calendar.timegm(day.timetuple())) if day else 0.0


_EMAIL = re.compile(r"<?\(?\s*(?:mailto:)?[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\s*\)?>?")


def _author_name(author: str) -> str:
    """An item's author without the e-mail address RSS puts beside the name ("me@x.org (Ann Reporter)",
    "Ann Reporter <me@x.org>", Blogger's "Ann (noreply@blogger.com)"); an address alone is no name."""
    return " ".join(_EMAIL.sub(" ", author).replace("()", " ").split()).replace(" ,", ",").strip(" ,;-()") \
        if "@" in author else author


def _title(found: Any) -> str:
    """An entry's (or a feed's) title as text: one feedparser reads as HTML (Atom ``type="html"``, an RSS title
    with markup or entities) without its tags, its entities decoded, on one line."""
    title = found.get("title", "")
    if (found.get("title_detail") or {}).get("type") in ("text/html", "application/xhtml+xml"):
        return " ".join(html_text(title).split())
    return title


def _json_feed(page: Page) -> tuple[list[Item], str, int]:
    try:
        feed = json.loads(decode(page.body, page.url))
    except (ArticleError, ValueError, RecursionError):
        raise FetchError(page.url, "is JSON but not a JSON Feed (https://jsonfeed.org); check the URL") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/"):
        raise FetchError(page.url, "is JSON but not a JSON Feed (https://jsonfeed.org); check the URL")
    title = _json_text(feed.get("title"))
    entries = feed.get("items")
    if not isinstance(entries, list):
        raise FetchError(page.url, "is a JSON Feed without a list of items; check the URL")
    items, skipped = [], 0
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        authors = entry.get("authors")
        author = entry.get("author") or (authors[0] if isinstance(authors, list) and authors else {})
        when = parse.parse_date(entry.get("date_published") or entry.get("date_modified"), page.url)
        html = _json_text(entry.get("content_html"))
        content = html or _json_text(entry.get("content_text")) or _json_text(entry.get("summary"))
        link = entry["url"].strip() if isinstance(entry.get("url"), str) else ""
        own = not link
        if own and not (link := _own_link(page.url, content, not html, _json_text(entry.get("id")),
                                          _json_text(entry.get("title")))):
            skipped += 1
            continue
        items.append(Item(
            link=link if own else _absolute(link, _base(page)), title=_json_text(entry.get("title")),
            author=_json_text(author.get("name")) if isinstance(author, dict) else "", published=when,
            content=content, source=title, plain=not html, own=own,
            version=_version(link, str(entry.get("date_modified", "")),
                             str(entry.get("date_published", "")), str(entry.get("title", "")), content),
        ))
    items, skipped = _posts_of_one_page(items, skipped)
    return items, title, skipped


def _own_link(feed: str, content: str, plain: bool, name: str, title: str) -> str:
    """The name of an item that links nowhere (a newsletter's, a microblog's), whose own text is the article:
    ``FEED#item-…`` by its guid / id, else by its title and text; '' when it holds too little text of its own."""
    if len(html_text(content, plain)) < MIN_ITEM_CHARS:
        return ""
    return f"{feed}#item-{_version(name) if name else _version(title, content)}"


def _json_text(value: Any) -> str:
    """A JSON Feed field as text: a string, a number, or the strings of a list; anything else is none."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return " ".join(part for part in value if isinstance(part, str))
    return ""


def _xml(data: bytes, url: str) -> ElementTree.Element:
    try:  # the expat inside Python 3.11 refuses entity expansion bombs
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise FetchError(url, f"is not well-formed XML ({exc}); check the URL") from None


def _sitemap(page: Page, fetcher: Fetcher, depth: int) -> list[Item]:
    """The article URLs of a sitemap (with or without the sitemaps.org namespace), or of the child sitemaps of
    a sitemap index (gzipped ones too, up to ``_CHILD_SITEMAPS``)."""
    root = _xml(_gunzipped(page.body, fetcher.limits.max_bytes, page.url), page.url)
    if _local(root.tag) == "sitemapindex":
        if depth:
            return []
        items = []
        for loc in [e.text or "" for e in root.iter() if _local(e.tag) == "loc"][:_CHILD_SITEMAPS]:
            try:
                items += _sitemap(fetcher.fetch(loc.strip()), fetcher, depth + 1)
            except FetchError:
                continue  # one broken child sitemap costs only its own URLs
        return items
    items = []
    for entry in (e for e in root.iter() if _local(e.tag) == "url"):
        loc = _child_text(entry, "loc")
        if not is_url(loc):
            continue
        lastmod = _child_text(entry, "lastmod")
        news = next((e for e in entry if _local(e.tag) == "news"), None)
        title = _child_text(news, "title") if news is not None else ""
        published = _child_text(news, "publication_date") if news is not None else ""
        items.append(Item(link=loc, title=title, published=parse.parse_date(published or lastmod or None, loc),
                          source=urlsplit(loc).hostname or "", version=_version(loc, lastmod, published, title)))
    return items


def _local(tag: object) -> str:
    """An element's name without its namespace ("{http://www.sitemaps.org/…}url" is "url")."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: ElementTree.Element, name: str) -> str:
    return next(((child.text or "").strip() for child in element if _local(child.tag) == name), "")


def _gunzipped(data: bytes, limit: int, url: str) -> bytes:
    """``data`` decompressed if it is gzip (a sitemap.xml.gz), at most ``limit`` bytes of it."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = inflater.decompress(data, limit)
    except zlib.error as exc:
        raise FetchError(url, f"is a corrupt gzip file ({exc}); check the URL") from None
    if inflater.unconsumed_tail:
        raise FetchError(url, f"is over {limit / 1e6:g} MB once decompressed; link a smaller sitemap")
    return out


def _opml(data: bytes, url: str) -> list[Item]:
    root = _xml(data, url)
    feeds = [(outline.get("xmlUrl") or outline.get("xmlurl") or outline.get("url") or "").strip()
             for outline in root.iter("outline")]
    return [Item(link=feed) for feed in dict.fromkeys(feeds) if is_url(feed)]


def read_opml_file(path: Path) -> list[str]:
    """The feed URLs an OPML file lists (what feed readers export), or an ArticleError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(str(path), f"can't be read ({exc.strerror}); check the path") from None
    try:
        return [item.link for item in _opml(data, str(path))]
    except FetchError as error:
        raise ArticleError(str(path), error.problem.replace("check the URL", "check the file")) from None


def _article_from_page(page: Page, item: Item, limits: Limits) -> Article:
    """An article from a fetched page: trafilatura's text and metadata, the item's where the page has none."""
    if page.content_type and not page.content_type.startswith(("text/html", "application/xhtml", "text/plain")):
        raise FetchError(page.url, f"is not an HTML page ({page.content_type}); link the article page itself")
    try:
        document = parse.read_page(_decode_page(page), page.url, page.url)
    except parse.NotAnArticle:
        raise
    except ArticleError as error:  # as a FetchError: the item may then fall back to its own content
        raise FetchError(page.url, error.problem) from None
    host = urlsplit(page.url).netloc.lower()
    site = document.sitename if document.sitename and document.sitename.lower() not in (host, host.split(":")[0]) \
        else ""  # trafilatura names the host when the page names no site: the feed's title is better then
    found = {"title": document.title, "author": document.author, "source": site, "date": document.date,
             "guessed": document.guessed}
    text = parse.without_headline(document.text, document.title or item.title)
    return _article(item, canonical(document.url or page.url), text, found, limits)


def _article(item: Item, url: str, text: str, page: dict[str, Any], limits: Limits) -> Article:
    fields = {
        "title": page.get("title") or item.title,
        "author": page.get("author") or item.author,
        "source": page.get("source") or item.source or urlsplit(url).hostname,
        "published": page.get("date") or item.published or page.get("guessed"),  # the item's date beats a guess
        "url": canonical(url),
    }
    article = parse.make_article(item.link, canonical(url), item.link, fields, text, None, limits.max_title_chars)
    return replace(article, source_version=item.version)


def _decode_page(page: Page) -> str:
    """A fetched page's text, decoded as a browser would (``ingest.sources.decode``: its Content-Type header's
    charset before its <meta>, windows-1252 when it declares none)."""
    if not page.body.strip():
        raise FetchError(page.url, "is an empty page; check the URL, or try again later")
    try:
        return decode(page.body, page.url, html=True, header_charset=page.charset)
    except ArticleError as error:  # as a FetchError: the item may then fall back to its own content
        raise FetchError(page.url, error.problem) from None


def _base(page: Page) -> str:
    """What a feed's relative links are relative to: where the server says it lives (Content-Location), else
    its address."""
    return _absolute(page.headers.get("content-location", ""), page.url)


def _absolute(link: str, base: str) -> str:
    """``link`` resolved against ``base``; as it is when it can't be ("http://[bad": its fetch then fails, by
    its URL)."""
    try:
        return urljoin(base, link.strip())
    except ValueError:
        return link.strip()


def _version(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
