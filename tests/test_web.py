"""ingest/web.py: URLs, refused addresses, Limits, and the Fetcher's limits against real servers on 127.0.0.1.

tests/test_feeds.py fetches through the feed reader (a redirect loop, a huge
declared Content-Length, a dribbling server, robots.txt, loopback refusals,
DNS and 404 errors); here: what it leaves out -- a body over the limit that
declares no size or arrives compressed, a server that never answers, exactly
``max_redirects`` hops, odd redirects, a failing robots.txt, pages' headers,
and the settings that make a fetcher untrusted. Every server listens on
127.0.0.1 only, sends a bounded amount, and is closed by its fixture.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import socket
from http.server import BaseHTTPRequestHandler

import pytest

from bench.site import NewsSite, Resource
from bot.settings import Settings
from ingest.web import Fetcher, FetchError, Limits, Page, is_url, refused_address

MB = 1_000_000
FAST = Limits(timeout=5, total=20, delay=0, ignore_robots=True)
SMALL = Limits(timeout=5, total=20, max_bytes=MB, delay=0, ignore_robots=True)


class OddSite(NewsSite):
    """``bench.site.NewsSite`` plus a few responses it can't make: no Content-Length, gzip, no Location."""

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        if path == "/unsized":  # 3 MB with no Content-Length: the body ends when the connection closes
            self.log.append(("GET", path, 200))
            request.close_connection = True
            request.send_response(200)
            request.send_header("Content-Type", "text/html")
            request.send_header("Connection", "close")
            request.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for _ in range(48):
                    request.wfile.write(b"x" * 65536)
        elif path in ("/gzip-small", "/gzip-bomb"):  # a few kB on the wire
            raw = b"<p>small page</p>" if path == "/gzip-small" else b"\0" * (5 * MB)
            body = gzip.compress(raw, compresslevel=9)
            self.log.append(("GET", path, 200))
            request.send_response(200)
            request.send_header("Content-Type", "text/html")
            request.send_header("Content-Encoding", "gzip")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                request.wfile.write(body)
        elif path == "/nowhere":
            self.log.append(("GET", path, 302))
            request.send_response(302)
            request.send_header("Content-Length", "0")
            request.end_headers()
        else:
            super()._serve(request)


@pytest.fixture
def site():
    server = OddSite()
    yield server
    server.close()


@pytest.fixture
def silent_url():
    """A port on 127.0.0.1 that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


# --- URLs, addresses, limits, pages -----------------------------------------------------------------------------
def test_only_http_and_https_urls_are_urls():
    assert is_url("http://x.test/a") and is_url("HTTPS://X.TEST/feed.xml")
    for text in ("ftp://x.test/a", "file:///etc/passwd", "x.test/a", "articles/a.txt", "javascript:alert(1)", ""):
        assert not is_url(text), text


@pytest.mark.parametrize(("address", "why"), [
    ("127.0.0.1", "loopback address 127.0.0.1"),
    ("::ffff:127.0.0.1", "loopback address 127.0.0.1"),  # an IPv4 address in IPv6 clothing is judged as IPv4
    ("10.1.2.3", "private address 10.1.2.3"),
    ("172.16.0.1", "private address 172.16.0.1"),
    ("224.0.0.251", "multicast address 224.0.0.251"),
    ("ff02::1", "multicast address ff02::1"),
    ("100.64.0.1", "shared (carrier-grade NAT) address 100.64.0.1"),
])
def test_an_address_that_is_not_public_is_refused_saying_what_kind_it_is(address, why):
    assert refused_address(address) == why


# Python counts these as private too, so that is the kind the reason names (checked first)
@pytest.mark.parametrize(("address", "shown"), [
    ("169.254.169.254", "169.254.169.254"),  # cloud metadata
    ("fe80::1%eth0", "fe80::1"),  # a zone index does not hide a link-local address
    ("240.0.0.1", "240.0.0.1"),  # reserved
    ("192.0.2.1", "192.0.2.1"),  # documentation
    ("::", "::"),  # unspecified
])
def test_link_local_reserved_and_unspecified_addresses_are_refused_too(address, shown):
    assert refused_address(address).endswith(f" address {shown}")


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_a_public_address_may_be_fetched(address):
    assert refused_address(address) is None


def test_limits_from_settings_are_trusted_for_the_cli_and_untrusted_for_the_web_page_unless_allowed():
    settings = Settings(fetch_timeout=3, fetch_total_seconds=9, fetch_max_mb=2.5, fetch_max_redirects=4,
                        fetch_delay=0.5, fetch_ignore_robots=True, fetch_allow_private=False)
    assert Limits.from_settings(settings) == Limits(3, 9, 2_500_000, 4, 0.5, True, True)
    assert Limits.from_settings(settings, trusted=False).private is False
    allowed = Settings(fetch_allow_private=True)
    assert Limits.from_settings(allowed, trusted=False).private is True


def test_a_pages_type_and_charset_are_read_from_its_content_type():
    page = Page("http://x.test/", 200, {"content-type": 'Text/HTML; Charset="ISO-8859-1"; foo=bar'})
    assert (page.content_type, page.charset, page.not_modified) == ("text/html", "ISO-8859-1", False)
    bare = Page("http://x.test/", 304)
    assert (bare.content_type, bare.charset, bare.not_modified) == ("", None, True)


# --- the Fetcher against real servers ---------------------------------------------------------------------------
def _failure(limits: Limits, url: str) -> FetchError:
    """The FetchError a fresh fetcher with these limits raises for ``url``."""
    with Fetcher(limits) as fetcher, pytest.raises(FetchError) as failed:
        fetcher.fetch(url)
    return failed.value


def test_a_body_without_a_declared_size_is_cut_off_at_the_limit(site):
    error = _failure(SMALL, site.url("/unsized"))
    assert error.where == site.url("/unsized")
    assert re.fullmatch(r"is over 1 MB \(at least 1\.\d MB\); raise NEWSBOT_FETCH_MAX_MB if .*", error.problem)
    assert site.requests("/unsized") == 1


def test_gzip_is_asked_for_undone_and_its_inflated_size_is_what_the_limit_counts(site):
    with Fetcher(SMALL) as fetcher:
        assert fetcher.fetch(site.url("/gzip-small")).body == b"<p>small page</p>"
    assert _failure(SMALL, site.url("/gzip-bomb")).problem.startswith("is over 1 MB")  # a few kB on the wire


def test_a_server_that_never_answers_times_out_with_the_setting_to_raise(silent_url):
    error = _failure(Limits(timeout=0.5, total=5, delay=0, ignore_robots=True), silent_url + "/feed.xml")
    assert error.problem == "timed out after 0.5 s (NEWSBOT_FETCH_TIMEOUT); try again later"


def test_a_site_whose_robots_txt_does_not_answer_is_not_fetched_for_now(silent_url):
    error = _failure(Limits(timeout=0.5, total=5, delay=0), silent_url + "/feed.xml")
    assert error.where == silent_url + "/feed.xml"
    assert re.fullmatch(r".*/robots\.txt can't be read \(timed out.*\), so the site is not fetched for now",
                        error.problem)


def test_a_robots_txt_server_error_disallows_the_site_and_a_missing_one_allows_it(site):
    site.routes["/robots.txt"] = Resource(b"busy", status=503)
    site.routes["/page.html"] = Resource(b"<p>hello</p>")
    assert "robots.txt can't be read (HTTP 503" in _failure(Limits(timeout=5, total=20, delay=0),
                                                             site.url("/page.html")).problem
    assert site.requests("/page.html") == 0
    del site.routes["/robots.txt"]
    with Fetcher(Limits(timeout=5, total=20, delay=0)) as fetcher:
        assert fetcher.fetch(site.url("/page.html")).body == b"<p>hello</p>"


def test_exactly_max_redirects_hops_are_followed_to_the_final_url(site):
    site.routes["/hop1"] = Resource(redirect="/hop2")  # relative Locations are resolved against the hop
    site.routes["/hop2"] = Resource(redirect=site.url("/final"))
    site.routes["/final"] = Resource(b"<p>arrived</p>")
    with Fetcher(Limits(timeout=5, total=20, max_redirects=2, delay=0, ignore_robots=True)) as fetcher:
        page = fetcher.fetch(site.url("/hop1"))
    assert (page.url, page.status, page.body) == (site.url("/final"), 200, b"<p>arrived</p>")
    assert [path for _, path, _ in site.log] == ["/hop1", "/hop2", "/final"]


def test_a_redirect_to_another_scheme_or_without_a_location_is_refused(site):
    site.routes["/to-ftp"] = Resource(redirect="ftp://x.test/file")
    assert _failure(FAST, site.url("/to-ftp")).problem == "redirects to 'ftp://x.test/file', not an http(s) URL"
    assert _failure(FAST, site.url("/nowhere")).problem == "redirect (302) without a Location; report it to the site"


def test_an_etag_or_a_date_makes_the_request_conditional_and_an_unchanged_page_comes_back_as_not_modified(site):
    site.routes["/feed.xml"] = Resource(b"<rss></rss>", content_type="application/rss+xml")
    with Fetcher(FAST) as fetcher:
        first = fetcher.fetch(site.url("/feed.xml"))
        by_etag = fetcher.fetch(site.url("/feed.xml"), etag=first.headers["etag"])
        by_date = fetcher.fetch(site.url("/feed.xml"), last_modified=first.headers["last-modified"])
    assert first.status == 200 and first.body == b"<rss></rss>"
    assert by_etag.not_modified and by_etag.body == b"" and by_date.not_modified
    assert fetcher.requests == 3


@pytest.mark.parametrize("host", ["[::1]", "0.0.0.0", "127.1.2.3"])
def test_an_untrusted_fetcher_refuses_other_loopback_spellings_before_connecting(host, site):
    error = _failure(Limits(private=False, delay=0, ignore_robots=True),
                     site.url("/page.html").replace("127.0.0.1", host))
    assert error.problem.startswith(f"refused: {host.strip('[]')} resolves to a ")
    assert "NEWSBOT_FETCH_ALLOW_PRIVATE" in error.problem
    assert site.requests() == 0


def test_the_web_pages_fetcher_refuses_loopback_unless_the_setting_allows_private_addresses(site):
    site.routes["/page.html"] = Resource(b"<p>hello</p>")
    untrusted = Limits.from_settings(Settings(fetch_delay=0, fetch_ignore_robots=True), trusted=False)
    assert _failure(untrusted, site.url("/page.html")).problem.startswith("refused: 127.0.0.1 resolves to a loopback")
    allowed = Limits.from_settings(Settings(fetch_delay=0, fetch_ignore_robots=True, fetch_allow_private=True),
                                   trusted=False)
    with Fetcher(allowed) as fetcher:
        assert fetcher.fetch(site.url("/page.html")).body == b"<p>hello</p>"
    assert site.requests("/page.html") == 1
