"""Fetch feeds and pages over HTTP, politely and within limits, saying clearly what went wrong.

One ``Fetcher`` per ingest run, on httpx:

- limits: connect and read timeouts, a total time per request (a server that
  dribbles one byte, or one header line, every few seconds is cut off too: no
  read waits past the request's deadline), at most
  ``max_redirects`` redirects, at most ``max_bytes`` of body after
  decompression (gzip is asked for and undone on the fly);
- manners: a User-Agent that names the bot, one request at a time per host
  with ``delay`` seconds between them, ``robots.txt`` obeyed (RFC 9309: a
  missing file allows all, a server error disallows for now) unless
  ``ignore_robots`` (for your own sites);
- conditional requests: ``fetch(url, etag, last_modified)`` sends
  If-None-Match / If-Modified-Since, and a 304 comes back as ``not_modified``;
- ``private`` (False for URLs from untrusted users, e.g. the web page): hosts
  that resolve to loopback, private, link-local (cloud metadata), reserved or
  multicast addresses are refused, checked for the address actually connected
  to at every hop, redirects included, so DNS tricks do not get around it.

Every failure is a FetchError whose message names the URL and what to do:
DNS, timeout, HTTP status, too large, not allowed by robots.txt, refused
address, too many redirects.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from bot.errors import ArticleError
from bot.settings import Settings

USER_AGENT = "newsbot/0.1 (a news question-answering bot; feed reader)"
#: Body types worth reading as a page or a feed.
TEXT_TYPES = ("text/", "application/xml", "application/rss", "application/atom", "application/rdf",
              "application/json", "application/feed+json", "application/xhtml")


class FetchError(ArticleError):
    """A URL could not be fetched (or may not be); ``problem`` says why and what to do."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0  # connect and each read
    total: float = 60.0  # a whole request, body included
    max_bytes: int = 20_000_000
    max_redirects: int = 5
    delay: float = 1.0  # seconds between two requests to one host
    ignore_robots: bool = False
    private: bool = True  # may fetch loopback / private addresses (the CLI: yes; the web page: no)

    @classmethod
    def from_settings(cls, settings: Settings, trusted: bool = True) -> Limits:
        return cls(settings.fetch_timeout, settings.fetch_total_seconds, int(settings.fetch_max_mb * 1e6),
                   settings.fetch_max_redirects, settings.fetch_delay, settings.fetch_ignore_robots,
                   trusted or settings.fetch_allow_private)


@dataclass(frozen=True)
class Page:
    """What a URL answered: the final URL (after redirects), status, headers and body."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ")
        return None


def _check_url(url: str) -> None:
    """A FetchError unless ``url`` is one an HTTP client can ask for ("http://[bad/x" and control characters
    are not)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is no number
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise FetchError(url.encode("unicode_escape").decode("ascii")[:200],
                         f"is not a valid URL ({exc}); fix the link") from None
    if not parts.hostname:
        raise FetchError(url[:200], "is not a valid URL (no host name); fix the link")


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def refused_address(ip: str) -> str | None:
    """Why an address may not be fetched for an untrusted user, or None if it may."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for kind in ("loopback", "private", "link_local", "reserved", "multicast", "unspecified"):
        if getattr(address, f"is_{kind}"):
            return f"{kind.replace('_', '-')} address {address}"
    if address in ipaddress.ip_network("100.64.0.0/10"):
        return f"shared (carrier-grade NAT) address {address}"
    return None


class _Deadline:
    """When the request under way in this thread must be done (``Limits.total``), or None between requests."""

    def __init__(self) -> None:
        self._local = threading.local()

    def set(self, when: float | None) -> None:
        self._local.when = when

    def bound(self, timeout: float | None, error: type[Exception]) -> float | None:
        """``timeout`` cut to the time left before the deadline; ``error`` once it has passed."""
        when = getattr(self._local, "when", None)
        if when is None:
            return timeout
        left = when - time.monotonic()
        if left <= 0:
            raise error("the request's total time is up")
        return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose reads and writes never wait past the deadline: httpx's read timeout starts again at
    every byte, so a server sending a header line every few seconds would otherwise hold a request forever."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self.stream = stream
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self.deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _BoundedStream(self.stream.start_tls(ssl_context, server_hostname,
                                                    self.deadline.bound(timeout, httpcore.ConnectTimeout)),
                              self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class _GuardedBackend(httpcore.SyncBackend):
    """Connects within the deadline, and with ``guard`` only to public addresses: resolves the host itself
    and checks every address it tries."""

    def __init__(self, deadline: _Deadline, guard: bool) -> None:
        self.deadline = deadline
        self.guard = guard

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        timeout = self.deadline.bound(timeout, httpcore.ConnectTimeout)
        if not self.guard:
            return _BoundedStream(super().connect_tcp(host, port, timeout, local_address, socket_options),
                                  self.deadline)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"can't resolve {host}: {exc}") from exc
        problems = []
        for _, _, _, _, address in infos:
            reason = refused_address(address[0])
            if reason:
                problems.append(reason)
                continue
            return _BoundedStream(super().connect_tcp(address[0], port, timeout, local_address, socket_options),
                                  self.deadline)
        raise httpcore.ConnectError(f"{_REFUSED}{host} resolves to a {problems[0]}" if problems
                                    else f"{_REFUSED}{host} has no address")


_REFUSED = "refused: "  # how a refused address shows in the connect error httpx passes on


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, deadline: _Deadline, guard: bool) -> None:
        super().__init__(retries=0)
        # httpx builds its connection pool without a way to pass a network backend: rebuild it with ours
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=not guard),
                                             network_backend=_GuardedBackend(deadline, guard))


class RobotsCache(Protocol):
    """Where robots.txt files are kept between runs (RFC 9309 allows a day): the store, for ingest."""

    def load(self, site: str, newer_than: float) -> str | None: ...

    def save(self, site: str, text: str) -> None: ...


#: A robots.txt is read again after a day (RFC 9309: caches should not be used for longer).
ROBOTS_MAX_AGE = 86_400.0


class Fetcher:
    """HTTP for one ingest run (see the module docstring); close it, or use it as a context manager.

    ``robots`` keeps robots.txt files between runs, so that an unchanged feed costs one request.
    """

    def __init__(self, limits: Limits | None = None, robots: RobotsCache | None = None) -> None:
        self.limits = limits = limits or Limits()
        self.robots_cache = robots
        self._deadline = _Deadline()
        transport = _GuardedTransport(self._deadline, guard=not limits.private)
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(limits.timeout), follow_redirects=False, transport=transport,
            trust_env=limits.private,  # an environment proxy would hide where a refused URL really goes
        )
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | FetchError] = {}
        self.requests = 0

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def fetch(self, url: str, etag: str = "", last_modified: str = "", robots: bool = True) -> Page:
        """The page at ``url`` (following redirects), or a 304 ``Page`` when it has not changed."""
        _check_url(url)
        if robots:
            self._check_robots(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = [url]
        for _ in range(self.limits.max_redirects + 1):
            page = self._get(seen[-1], headers)
            if page.status not in (301, 302, 303, 307, 308):
                return page
            target = page.headers.get("location")
            if not target:
                raise FetchError(seen[-1], f"redirect ({page.status}) without a Location; report it to the site")
            target = urljoin(seen[-1], target)
            if not is_url(target):
                raise FetchError(url, f"redirects to {target[:100]!r}, not an http(s) URL")
            _check_url(target)
            if target in seen:
                raise FetchError(url, f"redirects in a loop ({' -> '.join(seen[-3:])} -> {target}); "
                                      "check the URL in a browser")
            if robots:
                self._check_robots(target)
            seen.append(target)
        raise FetchError(url, f"redirects more than {self.limits.max_redirects} times "
                              "(NEWSBOT_FETCH_MAX_REDIRECTS); use the final URL")

    def _get(self, url: str, headers: dict[str, str]) -> Page:
        self._wait_for(url)
        self.requests += 1
        started = time.monotonic()
        self._deadline.set(started + self.limits.total)
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                body = b"" if response.status_code in (304, 301, 302, 303, 307, 308) else self._body(url, response,
                                                                                                    started)
                page = Page(str(response.url), response.status_code,
                            {k.lower(): v for k, v in response.headers.items()}, body)
        except FetchError:
            raise
        except httpx.TimeoutException:
            if time.monotonic() - started >= self.limits.total:
                raise self._too_slow(url) from None
            raise FetchError(url, f"timed out after {self.limits.timeout:g} s (NEWSBOT_FETCH_TIMEOUT); "
                                  "try again later") from None
        except httpx.ConnectError as exc:
            text = str(exc)
            if text.startswith(_REFUSED):
                raise FetchError(url, f"{text}; only public addresses may be fetched from here "
                                      "(NEWSBOT_FETCH_ALLOW_PRIVATE allows others)") from None
            if "resolve" in text or "Name or service not known" in text or "nodename nor servname" in text \
                    or "getaddrinfo" in text:
                raise FetchError(url, f"can't find the host {urlsplit(url).hostname!r} (DNS); check the URL") \
                    from None
            raise FetchError(url, f"can't connect ({text[:120]}); check the URL, or try again later") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"failed ({type(exc).__name__}: {str(exc)[:120]}); try again later") from None
        finally:
            self._deadline.set(None)
            self._last[urlsplit(url).netloc] = time.monotonic()
        if page.status >= 400:
            hint = {404: "the page is gone; remove it from the feed list", 410: "the page is gone",
                    401: "it needs a login", 403: "the site refuses the bot",
                    429: "the site asks to slow down (NEWSBOT_FETCH_DELAY)"}.get(page.status)
            hint = hint or ("the site has a problem; try again later" if page.status >= 500 else "check the URL")
            raise FetchError(url, f"HTTP {page.status}; {hint}")
        return page

    def _body(self, url: str, response: httpx.Response, started: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise self._too_large(url, int(declared))
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise self._too_large(url, size)
            if time.monotonic() - started > self.limits.total:
                raise self._too_slow(url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_slow(self, url: str) -> FetchError:
        return FetchError(url, f"took longer than {self.limits.total:g} s to send (NEWSBOT_FETCH_TOTAL_SECONDS); "
                               "try again later")

    def _too_large(self, url: str, size: int) -> FetchError:
        return FetchError(url, f"is over {self.limits.max_bytes / 1e6:g} MB (at least {size / 1e6:.1f} MB); "
                               "raise NEWSBOT_FETCH_MAX_MB if it really is one article or feed")

    def _wait_for(self, url: str) -> None:
        """One host, one request at a time, ``delay`` seconds apart."""
        last = self._last.get(urlsplit(url).netloc)
        if last is not None:
            wait = self.limits.delay - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)

    def _check_robots(self, url: str) -> None:
        if self.limits.ignore_robots:
            return
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._robots:
            self._robots[key] = self._read_robots(key)
        rules = self._robots[key]
        if isinstance(rules, FetchError):
            raise FetchError(url, rules.problem)
        if not rules.can_fetch(USER_AGENT, url):
            raise FetchError(url, f"{key}/robots.txt does not allow the bot here; for your own site set "
                                  "NEWSBOT_FETCH_IGNORE_ROBOTS=true")

    def _read_robots(self, site: str) -> urllib.robotparser.RobotFileParser | FetchError:
        rules = urllib.robotparser.RobotFileParser()
        kept = self.robots_cache.load(site, time.time() - ROBOTS_MAX_AGE) if self.robots_cache else None
        if kept is not None:
            rules.parse(kept.splitlines())
            return rules
        try:
            page = self._get(f"{site}/robots.txt", {})
        except FetchError as error:
            if error.problem.startswith("HTTP 4"):  # no robots.txt: everything is allowed (RFC 9309)
                rules.parse([])
                if self.robots_cache:
                    self.robots_cache.save(site, "")
                return rules
            if error.problem.startswith(("HTTP 5", "timed out", "took longer")):  # a server error disallows, for now
                return FetchError(site, f"{site}/robots.txt can't be read ({error.problem}), so the site is not "
                                        "fetched for now")
            return error  # the site itself can't be reached, or may not be
        text = page.body[:500_000].decode("utf-8", "replace")
        rules.parse(text.splitlines())
        if self.robots_cache:
            self.robots_cache.save(site, text)
        return rules

