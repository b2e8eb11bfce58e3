"""A news site on 127.0.0.1 for the feed tests and ``bench.feeds``: feeds, pages, and misbehaving URLs.

``NewsSite`` serves, from a thread, whatever is put in ``site.routes`` (path ->
``Resource``), with ETag and Last-Modified on every resource and 304 for
conditional requests that match, and logs every request (``site.log``). Helpers
write RSS 2.0, Atom, sitemaps, OPML and article pages. A few resources misbehave
on purpose: ``Resource(redirect=...)`` (loops are easy to make), ``Resource(size=...)``
streams that many bytes, ``Resource(dribble=...)`` sends one byte every that many
seconds. It listens on loopback only and stops with ``close()``.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Resource:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    redirect: str = ""
    size: int = 0  # stream this many bytes (a huge response)
    dribble: float = 0.0  # seconds between single bytes (a slow server)
    slow_headers: float = 0.0  # seconds between 40 extra header lines (a server that never finishes its headers)
    modified: float = field(default_factory=time.time)
    held: threading.Event | None = None  # answered only once this is set (a test decides when)
    headers: dict[str, str] = field(default_factory=dict)  # more response headers (Content-Location …)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class NewsSite:
    """A threaded HTTP server on 127.0.0.1 serving ``routes``; ``url(path)`` is where a path lives."""

    def __init__(self) -> None:
        self.routes: dict[str, Resource] = {}
        self.log: list[tuple[str, str, int]] = []  # (method, path, status)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                site._serve(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self, path: str | None = None) -> int:
        return sum(1 for _, p, _ in self.log if path is None or p == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        resource = self.routes.get(path) or self.routes.get(path.split("?")[0])  # query strings do not matter
        if resource is None:
            self.log.append(("GET", path, 404))
            request.send_error(404)
            return
        if resource.redirect:
            self.log.append(("GET", path, 302))
            request.send_response(302)
            request.send_header("Location", resource.redirect)
            request.end_headers()
            return
        last_modified = email.utils.formatdate(resource.modified, usegmt=True)
        if request.headers.get("If-None-Match") == resource.etag or (
                not request.headers.get("If-None-Match") and request.headers.get("If-Modified-Since") == last_modified):
            self.log.append(("GET", path, 304))
            request.send_response(304)
            request.end_headers()
            return
        self.log.append(("GET", path, resource.status))
        if resource.held is not None:
            resource.held.wait(timeout=60)
        request.send_response(resource.status)
        request.send_header("Content-Type", resource.content_type)
        request.send_header("ETag", resource.etag)
        request.send_header("Last-Modified", last_modified)
        for name, value in resource.headers.items():
            request.send_header(name, value)
        length = resource.size or len(resource.body)
        request.send_header("Content-Length", str(length if not resource.dribble else len(resource.body)))
        try:
            if resource.slow_headers:
                request.flush_headers()
                for n in range(40):
                    request.wfile.write(f"X-Slow-{n}: a\r\n".encode())
                    request.wfile.flush()
                    time.sleep(resource.slow_headers)
            request.end_headers()
            if resource.size:
                block = b"x" * 65536
                for start in range(0, resource.size, len(block)):
                    request.wfile.write(block[: resource.size - start])
            elif resource.dribble:
                for byte in resource.body:
                    request.wfile.write(bytes([byte]))
                    request.wfile.flush()
                    time.sleep(resource.dribble)
            else:
                request.wfile.write(resource.body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def article_page(title: str, body: str, canonical: str = "", published: str = "", author: str = "") -> bytes:
    """A news article page as sites write them: head metadata, an <article> with paragraphs."""
    meta = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    if published:
        meta += f'<meta property="article:published_time" content="{published}">'
    if author:
        meta += f'<meta name="author" content="{html.escape(author)}">'
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{meta}</head>"
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
            f"<footer>© The Loopback Times</footer></body></html>").encode()


def rss(title: str, items: list[dict[str, str]]) -> bytes:
    """RSS 2.0: items with link, title, pubDate (RFC 822), description and optional content (content:encoded)."""
    entries = "".join(
        f"<item><title>{html.escape(i['title'])}</title><link>{html.escape(i['link'])}</link>"
        f"<guid>{html.escape(i['link'])}</guid><pubDate>{i.get('pubDate', '')}</pubDate>"
        f"<description>{html.escape(i.get('description', ''))}</description>"
        + (f"<content:encoded><![CDATA[{i['content']}]]></content:encoded>" if i.get("content") else "")
        + "</item>" for i in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>{html.escape(title)}</title>'
            f"<link>http://127.0.0.1/</link><description>news</description>{entries}</channel></rss>").encode()


def atom(title: str, items: list[dict[str, str]]) -> bytes:
    """Atom 1.0: entries with link, title, updated (ISO 8601), summary and optional content."""
    entries = "".join(
        f"<entry><title>{html.escape(i['title'])}</title><link href=\"{html.escape(i['link'])}\"/>"
        f"<id>{html.escape(i['link'])}</id><updated>{i.get('updated', '2023-06-22T10:00:00Z')}</updated>"
        f"<summary>{html.escape(i.get('summary', ''))}</summary>"
        + (f"<content type=\"html\">{html.escape(i['content'])}</content>" if i.get("content") else "")
        + "</entry>" for i in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{html.escape(title)}</title><id>urn:loopback</id><updated>2023-06-22T10:00:00Z</updated>"
            f"{entries}</feed>").encode()


def sitemap(urls: list[tuple[str, str]]) -> bytes:
    """A sitemap of (loc, lastmod)."""
    entries = "".join(f"<url><loc>{html.escape(loc)}</loc><lastmod>{lastmod}</lastmod></url>" for loc, lastmod in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</urlset>").encode()


def opml(feeds: list[str]) -> bytes:
    outlines = "".join(f'<outline type="rss" text="feed" xmlUrl="{html.escape(f)}"/>' for f in feeds)
    return (f'<?xml version="1.0"?><opml version="2.0"><head><title>My feeds</title></head><body>'
            f'<outline text="News">{outlines}</outline></body></opml>').encode()
