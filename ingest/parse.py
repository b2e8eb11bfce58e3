"""Turn the text of one file (or one feed line) into an Article.

Formats:
- ``.txt`` with a header (``title:``, ``source:``, ``author:``, ``published:``,
  ``url:`` lines, a blank line, then the body), as in the eval articles;
- ``.txt`` raw, as copied from a page: title line, a byline such as
  ``By Asbarez | Friday, 23 June 2023``, then the body; trailing page debris
  (a lone "comments", "Share" …) is dropped;
- ``.md`` with YAML front matter (title, source, author, published/date, url);
- ``.html`` saved pages, read with trafilatura (main text and metadata; ``read_page``, which fetched
  pages go through too), their data tables row by row (``tables_as_lines``), a lede set apart from the
  story put back (``_with_lede``), a page built by its scripts read from the text its JSON-LD declares
  (``_declared_body``): a cookie-consent wall or an index of stories is no article (``NotAnArticle``);
- one JSON object of a feed line (title, source, author, published, url, body).

Each parser gets text that is already decoded and size-checked (see
``ingest.sources``) and raises ArticleError naming the place and the fix. The
body is kept as found, except for line endings and outer whitespace, because
chunk offsets and quotes point into it.

Only what is there is stored: a date must name its year, month and day (a
weekday or a lone "12" is not a date, and nothing is filled in from today), may
lie at most two days in the future, and is otherwise left empty with a note
(``notes``), never an error. Titles, authors and sources are cut to
``max_title`` characters. YAML front matter may not use aliases or nest deeply
(an alias bomb expands a few hundred bytes into gigabytes). Every step is
linear in its input.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

from bot.errors import ArticleError
from bot.text import clean_text, valid_unicode
from bot.types import Article

HEADER_KEYS = ("title", "source", "author", "published", "url")
_UNKNOWN = {"", "unknown", "none", "null", "n/a"}
_HEADER_LINE = re.compile(r"^(title|source|author|published|date|url):[ \t]*(.*)$", re.IGNORECASE)
#: Other keys a header may hold (what blog and CMS exports add); they are not stored, and a note says so.
_OTHER_HEADER = re.compile(r"^(tags|tag|category|categories|keywords|description|summary|subtitle|section|lang|"
                           r"language|slug|id|image|updated|modified|byline|location|dateline|status):[ \t]*(.*)$",
                           re.IGNORECASE)
_BYLINE_SEPARATORS = "|•·"
_PAGE_DEBRIS = {
    "comments", "comment", "share", "share this", "tweet", "print", "email",
    "advertisement", "related", "read more", "leave a comment", "0 comments",
}
_FUTURE_DAYS = 2  # a date this far past today is a typo or a time zone, not news from the future
_URL_CHARS = 2048
_YAML_DEPTH = 20
_DATE_CHARS = 200
_OTHER_SCHEME = re.compile(r"(?!https?:)[A-Za-z][A-Za-z0-9+.-]{0,30}:", re.IGNORECASE)


def parse_date(value: object, where: str, notes: list[str] | None = None) -> dt.date | None:
    """A date from 'YYYY-MM-DD', an ISO timestamp or a written date that names year, month and day.

    Anything else (a weekday, "Comments 12", a date too far in the future, a number) is no date:
    None, with a note saying why.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return _plausible(value.date(), where, notes)
    if isinstance(value, dt.date):
        return _plausible(value, where, notes)
    if not isinstance(value, str):
        _note(notes, f"published {str(value)[:40]!r} is not a date (a {type(value).__name__}); left empty")
        return None
    text = value.strip()
    if text.lower() in _UNKNOWN:
        return None
    try:
        return _plausible(dt.date.fromisoformat(text[:10]), where, notes)
    except ValueError:
        pass
    found = _written_date(text[:_DATE_CHARS])
    if found is None:
        _note(notes, f"published {text[:60]!r} has no full date (year, month and day); left empty")
        return None
    return _plausible(found, where, notes)


#: A date written with dots: "12.05.2024", "1.2.23".
_DOTTED = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})(?![\d.])")


def _written_date(text: str) -> dt.date | None:
    """A date dateutil reads with every part from the text: parsed with two different defaults, both agree.
    Dotted numbers are day first, as the countries that write them read them ("12.05.2024": 12 May)."""
    from dateutil import parser as date_parser

    results = []
    dayfirst = _DOTTED.search(text) is not None
    for default in (dt.datetime(1904, 1, 1), dt.datetime(1908, 12, 28)):
        try:
            results.append(date_parser.parse(text, fuzzy=True, default=default, ignoretz=True,
                                             dayfirst=dayfirst).date())
        except (ValueError, OverflowError, TypeError):
            return None
    return results[0] if results[0] == results[1] else None


def _plausible(date: dt.date, where: str, notes: list[str] | None) -> dt.date | None:
    if date > dt.date.today() + dt.timedelta(days=_FUTURE_DAYS):
        _note(notes, f"published {date.isoformat()} is in the future; left empty")
        return None
    if date.year < 1800:
        _note(notes, f"published {date.isoformat()} is before 1800; left empty")
        return None
    return date


def _note(notes: list[str] | None, message: str) -> None:
    if notes is not None:
        notes.append(message)


def _clean(value: object, limit: int, notes: list[str] | None = None, name: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple | set):
        _note(notes, f"{name} is a {type(value).__name__}, not text; left empty")
        return ""
    text = " ".join(clean_text(str(value)).split())  # one line: a title, a name, an address
    if text.lower() in _UNKNOWN:
        return ""
    if len(text) > limit:
        _note(notes, f"{name} is {len(text):,} characters long; cut to {limit} (NEWSBOT_MAX_TITLE_CHARS)")
        text = text[: limit - 1].rstrip() + "…"
    return text


def _body(text: str, where: str) -> str:
    body = clean_text(text).strip()
    if not body:
        raise ArticleError(where, "the article has no body text; add the text or remove the file")
    return body


def make_article(where: str, article_id: str, path: str, fields: dict[str, Any], body: str,
                 notes: list[str] | None = None, max_title: int = 300) -> Article:
    """An Article from loosely typed fields; the id falls back to the url when there is one."""
    url = _clean(fields.get("url"), _URL_CHARS, notes, "url")
    if _OTHER_SCHEME.match(url):  # javascript:, data:, file: … are no article's address
        _note(notes, f"url {url[:40]!r} is not an http(s) address; left empty")
        url = ""
    body = _body(body, where)
    title = (_clean(fields.get("title"), max_title, notes, "title")
             or _clean(body.split("\n", 1)[0], max_title, None))
    return Article(
        article_id=url or article_id,
        title=title,
        body=body,
        source=_clean(fields.get("source"), max_title, notes, "source"),
        author=_clean(fields.get("author"), max_title, notes, "author"),
        published=parse_date(fields.get("published") or fields.get("date"), where, notes),
        url=url,
        path=path,
    )


def parse_txt(text: str, where: str, article_id: str, path: str, notes: list[str] | None = None,
              max_title: int = 300) -> Article:
    """A .txt article, with a header block or raw as copied from a page."""
    lines = text.split("\n")
    if lines and _HEADER_LINE.match(lines[0]):
        return _parse_header_txt(lines, where, article_id, path, notes, max_title)
    return _parse_raw_txt(lines, where, article_id, path, notes, max_title)


def _parse_header_txt(lines: list[str], where: str, article_id: str, path: str, notes: list[str] | None,
                      max_title: int) -> Article:
    fields: dict[str, str] = {}
    for number, line in enumerate(lines):
        if not line.strip():
            return make_article(where, article_id, path, fields, "\n".join(lines[number + 1 :]), notes, max_title)
        match = _HEADER_LINE.match(line)
        if not match and (other := _OTHER_HEADER.match(line)):
            _note(notes, f"header line {number + 1} ({other.group(1)!r}) is not stored "
                         f"(keys: {', '.join(HEADER_KEYS)})")
            continue
        if not match:
            raise ArticleError(
                f"{where}:{number + 1}",
                f"header line {line[:60]!r} is not 'key: value' (keys: {', '.join(HEADER_KEYS)}); "
                "end the header with a blank line",
            )
        fields[match.group(1).lower()] = match.group(2)
    raise ArticleError(where, "header has no blank line after it, so there is no body")


def byline(line: str) -> tuple[str, str] | None:
    """(who, rest) of a byline such as "By Asbarez | Friday, 23 June 2023", else None. Linear in the line."""
    if len(line) < 4 or line[:2].lower() != "by" or not line[2].isspace():
        return None
    text = line[3:]
    cut = min((i for i in (text.find(s) for s in _BYLINE_SEPARATORS) if i != -1), default=-1)
    who, rest = (text, "") if cut == -1 else (text[:cut], text[cut + 1 :])
    who, rest = who.strip(), rest.strip()
    return (who, rest) if who else None


def _parse_raw_txt(lines: list[str], where: str, article_id: str, path: str, notes: list[str] | None,
                   max_title: int) -> Article:
    content = list(lines)
    start = 0
    while start < len(content) and not content[start].strip():
        start += 1
    content = content[start:]
    if not content:
        raise ArticleError(where, "the file holds only whitespace; add the article text")
    title = content.pop(0).strip()
    fields: dict[str, Any] = {"title": title}
    start = 0
    while start < len(content) and not content[start].strip():
        start += 1
    content = content[start:]
    if content and (found := byline(content[0].strip())):
        fields["author"] = fields["source"] = found[0]
        if found[1]:
            fields["published"] = found[1]
        content.pop(0)
    while content and (not content[-1].strip() or content[-1].strip().lower() in _PAGE_DEBRIS):
        content.pop()
    if not content:
        raise ArticleError(where, "the file has a title but no body; add the article text below it")
    return make_article(where, article_id, path, fields, "\n".join(content), notes, max_title)


def parse_markdown(text: str, where: str, article_id: str, path: str, notes: list[str] | None = None,
                   max_title: int = 300) -> Article:
    """A .md article with YAML front matter; without one, the first '# ' heading is the title."""
    fields, body = _front_matter(text, where)
    if not fields.get("title"):
        heading = re.match(r"[ \t\n]*#[ \t]+([^\n]+)\n", body)
        if heading:
            fields["title"] = heading.group(1).strip()
            body = body[heading.end() :]
    return make_article(where, article_id, path, fields, body, notes, max_title)


_OPENING = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\n")
_CLOSING = {"---": re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE),
            "+++": re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)}


def _front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    """(fields, body) of a Markdown text: YAML between leading '---' lines (or '---' and '...'), or TOML
    between '+++' lines (Hugo), read safely; YAML dates stay text, so that a wrong one ("2023-02-30") is
    a note, not a lost article."""
    match = _OPENING.match(text)
    if not match:
        return {}, text
    closing = _CLOSING[match.group(1)].search(text, match.end())
    if not closing:
        raise ArticleError(where, f"front matter opened with '{match.group(1)}' is never closed; "
                                  f"add a '{match.group(1)}' line after it")
    source, body = text[match.end() : closing.start()], text[closing.end() + 1 :]
    if match.group(1) == "+++":
        return _toml_front_matter(source, where), body
    return _yaml_front_matter(source, where), body


def _toml_front_matter(source: str, where: str) -> dict[str, Any]:
    import tomllib

    try:
        fields = tomllib.loads(source)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise ArticleError(where, f"front matter is not valid TOML ({' '.join(str(exc).split())[:200]}); "
                                  "fix it between the '+++' lines") from None
    return {str(key): value for key, value in fields.items()}


def _yaml_front_matter(source: str, where: str) -> dict[str, Any]:
    import yaml

    try:
        depth = 0
        for token in yaml.scan(source):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                raise ArticleError(where, "front matter uses YAML anchors or aliases (&name, *name); "
                                          "write the values out")
            if isinstance(token, yaml.BlockMappingStartToken | yaml.BlockSequenceStartToken |
                          yaml.FlowMappingStartToken | yaml.FlowSequenceStartToken):
                depth += 1
                if depth > _YAML_DEPTH:
                    raise ArticleError(where, f"front matter nests deeper than {_YAML_DEPTH} levels; "
                                              "it should hold title, source, author, date and url")
            elif isinstance(token, yaml.BlockEndToken | yaml.FlowMappingEndToken | yaml.FlowSequenceEndToken):
                depth -= 1
        fields = yaml.load(source, Loader=_dates_as_text())  # noqa: S506 - a SafeLoader, only without dates
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an integer of thousands of digits
        raise ArticleError(where, f"front matter is not valid YAML ({' '.join(str(exc).split())[:200]}); "
                                  "fix it between the '---' lines") from None
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise ArticleError(where, "front matter is not a list of 'key: value' lines; fix it between the '---' lines")
    return {str(key): value for key, value in fields.items()}


@functools.cache
def _dates_as_text() -> type:
    import yaml

    class DatesAsText(yaml.SafeLoader):
        """YAML's safe loader, with dates and times left as text for ``parse_date``."""

    DatesAsText.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return DatesAsText


def parse_html(text: str, where: str, article_id: str, path: str, notes: list[str] | None = None,
               max_title: int = 300, saved_from: str | None = None) -> Article:
    """A saved .html page: trafilatura finds the main text, title, author and date (``read_page``); the url is
    the page's own (canonical, og:url), else the one a browser noted when saving it (``saved_from``, from a
    web archive's headers, or the page's "saved from" comment)."""
    document = read_page(text, where)
    noted = _SAVED_FROM.search(text[:4096])
    saved_from = saved_from or (noted.group(1) if noted else None)
    fields = {
        "title": document.title,
        "author": document.author,
        "source": document.sitename or document.hostname,
        "published": document.date or document.guessed,
        "url": document.url or (canonical(saved_from) if saved_from else None),
    }
    return make_article(where, article_id, path, fields, without_headline(document.text, document.title), notes,
                        max_title)


def canonical(url: str) -> str:
    """``url`` normalized, without tracking parameters (utm_*, fbclid, gclid …) and fragment (courlan)."""
    import courlan

    try:
        return urldefrag(courlan.normalize_url(url)).url
    except (ValueError, AttributeError):
        return url


#: The address a browser notes when it saves a page ("Save Page As" in Chrome, Edge, Internet Explorer).
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d{1,5}\)(https?://[^\s<>\"]{1,2048}?)\s*-->", re.IGNORECASE)


class NotAnArticle(ArticleError):
    """A page that holds no article: an index or front page listing stories, or a cookie-consent wall.

    ``feeds``: the RSS / Atom feeds the page advertises (``<link rel="alternate">``), absolute when the page's
    URL is known: an index page's stories are better read from there."""

    def __init__(self, where: str, problem: str, feeds: list[str] | None = None) -> None:
        super().__init__(where, problem)
        self.feeds = feeds or []


#: lxml's HTML parser stops at 256 levels of nesting; with ``huge_tree`` at 2,048 (libxml2's limits).
_HUGE_PARSER_OPTIONS = {"huge_tree": True, "collect_ids": False, "default_doctype": False, "remove_comments": True,
                        "remove_pis": True}
#: Layout and inline tags a page nested deeper than even that is read without (their text stays).
_WRAPPERS = re.compile(r"</?(?:div|span|section|font|center|table|tbody|tr|td|b|i|u|em|strong|small|big|a)\b"
                       r"[^>]{0,2000}>", re.IGNORECASE)


@dataclass(frozen=True)
class PageText:
    """What ``read_page`` found in a page: its main text and the metadata trafilatura read."""

    text: str
    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    date: str | None = None
    url: str | None = None
    guessed: str | None = None  # a date found in the text, for a page whose metadata has none (``_guessed_date``)


#: A page this big (characters of HTML) is read in a child process, stopped after ``PAGE_SECONDS``: some pages
#: take trafilatura minutes (60,000 ``<span>`` in one paragraph, 1.2 MB: 118 s), and one page must never hold
#: up the rest.
ISOLATE_CHARS, PAGE_SECONDS = 300_000, 60.0


#: A page's date comes from its metadata (trafilatura's htmldate without its extensive search); only when that
#: has none is the page's text searched (``PageText.guessed``), and a date found there kept only if it names a
#: day other than the 1st: htmldate fills in a missing month or day with 1, and what it guessed so was a footer's
#: "© 2019", a "June 2023", a URL's "/2021/07/" or a CSS "1995px". On the 799 pages of htmldate's evaluation
#: set with known dates: 692 right, 59 wrong, 48 none from metadata; 721 / 66 / 12 with the text's guesses
#: added so; 724 / 73 / 2 with htmldate's extensive search as it is.
_DATES = {"extensive_search": False, "original_date": True}


def read_page(text: str, where: str, url: str | None = None) -> PageText:
    """A web page's main text and metadata (``_read_page``), or ArticleError / NotAnArticle; a big page is read
    in a forked child process given ``PAGE_SECONDS`` (where the platform forks), so that no page hangs ingest."""
    import multiprocessing

    if len(text) < ISOLATE_CHARS or "fork" not in multiprocessing.get_all_start_methods():
        return _read_page(text, where, url)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_read_in_child, args=(sending, text, where, url, os.getpid()), daemon=True)
    child.start()
    sending.close()
    try:
        if not receiving.poll(PAGE_SECONDS):
            raise ArticleError(where, f"took over {PAGE_SECONDS:g} s to read (a page built to be slow, or too "
                                      "complex); save the article's text as a .txt or .md file and ingest that")
        outcome = receiving.recv()
    except EOFError:
        raise ArticleError(where, "could not be read (the reader stopped: out of memory?); save the article's "
                                  "text as a .txt or .md file and ingest that") from None
    finally:
        child.kill()
        child.join()
        receiving.close()
    if isinstance(outcome, PageText):
        return outcome
    kind, problem, feeds = outcome
    raise NotAnArticle(where, problem, feeds) if kind == "not an article" else ArticleError(where, problem)


def _read_in_child(sending: Any, text: str, where: str, url: str | None, parent: int) -> None:
    _die_with(parent)
    try:
        outcome: Any = _read_page(text, where, url)
    except NotAnArticle as error:
        outcome = ("not an article", error.problem, error.feeds)
    except ArticleError as error:
        outcome = ("error", error.problem, [])
    except Exception as exc:  # anything the parsers raise is this page's failure
        outcome = ("error", f"could not be read ({type(exc).__name__}: {str(exc)[:200]})", [])
    sending.send(outcome)
    sending.close()


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies (Linux's PR_SET_PDEATHSIG): an ingest killed while
    a page is read must not leave the reader running, minutes on a slow page. Elsewhere the parent's timeout
    ends it, as long as the parent lives."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl: not Linux
        return
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _read_page(text: str, where: str, url: str | None = None) -> PageText:
    """A web page's main text and metadata, by trafilatura, or ArticleError / NotAnArticle.

    What a reader never sees is taken out first (``_UNSEEN``: ``hidden`` elements, templates, ad slots, the
    body's scripts). A page past lxml's default limits (nested deeper than 256 levels, or a text node over 10
    MB) is read from a parse with lxml's huge-tree option and again without its layout and inline wrappers, and
    the fuller text kept: that parse stops at 2,048 levels, and what lies deeper (the article) would be lost to
    the shallow parts (a menu, a byline). A page whose only text is its headline has no article text. A page
    that is no article raises ``NotAnArticle`` (``_not_an_article``), naming the feeds the page advertises; when the
    text extracted looks like an index but a fuller extraction (trafilatura's ``favor_recall``) does not, the
    page is an article whose body the first pass missed (an old CMS laying out text in ``<font>`` and ``<br>``).
    The date: see ``_DATES``.
    """
    import trafilatura

    def extract(page: Any, recall: bool = False) -> Any:
        if page is None:
            return None
        found = trafilatura.bare_extraction(page, url=url, with_metadata=True, include_comments=False,
                                            include_tables=False, favor_recall=recall, date_extraction_params=_DATES)
        return found if found is not None and (found.text or "").strip() else None

    tree = _tree(text)
    limited = _past_parser_limits(text)  # nested past 256 levels, or a text node over 10 MB
    page = text if tree is None or limited else _readable(tree) or text  # as it is, when nothing needs changing
    document = extract(_tree(page) if limited else page)  # trafilatura works on the tree it is given
    if limited:  # the parse stops at 2,048 levels: what lies deeper (the article) would be lost
        unwrapped = extract(_tree(_WRAPPERS.sub("", page)))
        if unwrapped is not None and (document is None or len(unwrapped.text) > len(document.text)):
            document = unwrapped
    declared = _declared_body(tree) if tree is not None else ""
    if declared and (document is None or _only_headline(document.text, document.title)
                     or len(document.text) * _DECLARED_SHARE < len(declared)
                     or not _shown(tree, document.text)):
        # a page built by its scripts; or trafilatura read the declared text too (its fallback), but ran its
        # paragraphs together and kept the text of scripts in it
        document = _declared_document(document, declared, page, url)
    if document is None or _only_headline(document.text, document.title):
        raise ArticleError(where, "no article text found in this page; save or link the article page itself, "
                                  "not an index, login or script-only page")
    problem = _not_an_article(document, tree, url) if tree is not None else ""
    if problem and problem.startswith("is an index") and len(text) < _RECALL_CHARS and \
            (fuller := extract(page, recall=True)) is not None and not _not_an_article(fuller, tree, url):
        document, problem = fuller, ""
    if problem:
        feeds = [feed for feed in _advertised_feeds(tree, url) if _elsewhere(feed, url)] \
            if problem.startswith("is an index") else []
        raise NotAnArticle(where, problem + (f"; its feed is {feeds[0]}: ingest that" if feeds else ""), feeds)
    text = _with_lede(_without_prompts(_in_paragraphs(document.text, tree)), tree, document.title)
    if not text.strip() or _only_headline(text, document.title):
        raise ArticleError(where, "holds only a prompt to sign in or subscribe, not the article; save the article "
                                  "from a browser where you can read it")
    return PageText(text, document.title, document.author, document.sitename, document.hostname,
                    document.date, _own_url(document.url, url),
                    None if document.date else _guessed_date(page, url))


#: What stands between a headline and the story's text without being its lede: bylines, dates, captions,
#: share buttons, labels, promotions (matched in the class or id of the block and of what holds it).
_NOT_LEDE = re.compile(r"byline|author|date|time|caption|credit|share|social|breadcrumb|tag|label|kicker|meta|"
                       r"newsletter|promo|related|advert|sponsor|disclaimer|notice|alert|banner|cookie|consent|"
                       r"sidebar|widget|navigation|site-description|sign-?up|sign-?in|log-?in|subscri|register|"
                       r"prompt|modal|dropdown|menu|toolbar|error|loader",
                       re.IGNORECASE)
_NOT_LEDE_TAGS = ("figure", "figcaption", "nav", "aside", "footer", "form", "button", "time", "address", "li",
                  "blockquote", "table", "a", "label", "select", "noscript")
_LEDE_TAGS = ("p", "div", "h2", "span", "strong", "section")
_LEDE_WORDS, _LEDE_CHARS, _LEDES, _LEDE_ELEMENTS = 8, 600, 2, 2000


def _with_lede(text: str, tree: Any, title: str | None) -> str:
    """``text`` with the story's lede (its summary, standfirst or intro) put back before its first paragraph
    when the page sets it between the headline and the story, outside the box trafilatura took the story
    from (a ``<div class="standfirst">`` in the header, a ``<p class="intro">`` in a hero box).

    A lede is a block of text after the page's headline (the ``<h1>`` that is its title, not a site's name) and
    before the block where the text begins (found within the next 2,000 blocks, else nothing is added): a
    sentence of 8 or more words (at most 600 characters), not mostly link text (``_lede``), set apart from
    figures, lists, quotes, navigation, forms, bylines, dates, captions, labels and promotions
    (``_set_apart``); at most two such blocks, each not already in the text."""
    headline = _headline(tree, title) if tree is not None and title else None
    lines = text.split("\n")
    at = 1 if headline is not None and _same_text(lines[0], headline.text_content()) else 0
    if headline is None or at >= len(lines) or not (opening := " ".join(lines[at].split())[:60]) or \
            any(_same_text(line, headline.text_content()) for line in lines[at:]):
        return text  # (the text holds what stands before the headline: it does not begin with the story)
    read, found = " ".join(text.split()), []
    for element in itertools.islice(_blocks_after(headline), _LEDE_ELEMENTS):
        own = " ".join(element.text_content().split())
        if own.startswith(opening):  # the story begins here
            shared = {*element.iterancestors(), *headline.iterancestors()}  # what holds the story or the headline
            ledes = [lede for lede, block in found if _set_apart(block, shared)][:_LEDES]
            return "\n".join(lines[:at] + ledes + lines[at:]) if ledes else text
        if element.tag in _LEDE_TAGS and _lede(element, own) and own not in read and \
                not any(own in lede for lede, _ in found):
            found.append((own, element))
    return text


def _headline(tree: Any, title: str) -> Any:
    """The page's ``<h1>`` that is its title (the title may add the site's name, or the page may show a
    headline that begins as its title does, the first four words alike), or None."""
    wanted = _plain_words(title)
    for heading in itertools.islice(tree.iter("h1"), 20):
        words = _plain_words(heading.text_content())
        if words and (words == wanted or (len(words.split()) >= 3 and words in wanted) or wanted in words
                      or words.split()[:4] == wanted.split()[:4] and len(wanted.split()) >= 4):
            return heading
    return None


_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"',
                              "„": '"'})


def _plain_words(text: str) -> str:
    """``text`` for comparing: one space between words, lower case, typographic quotes as plain ones."""
    return " ".join(text.split()).casefold().translate(_QUOTE_MARKS)


def _blocks_after(element: Any) -> Iterator[Any]:
    """The innermost blocks after ``element`` in document order (not those inside it): each text is read once."""
    for holder in itertools.chain([element], element.iterancestors()):
        for following in holder.itersiblings():
            stack = [following]
            while stack:
                block = stack.pop()
                if not isinstance(block.tag, str):
                    continue
                if _holds_blocks(block):
                    stack.extend(reversed(block))
                else:
                    yield block


def _holds_blocks(element: Any) -> bool:
    """Whether a block holds other blocks (its text is read from them)."""
    return any(isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in element)


def _lede(element: Any, own: str) -> bool:
    """Whether a block of text between the headline and the story reads as its lede (``_with_lede``)."""
    if len(own.split()) < _LEDE_WORDS or len(own) > _LEDE_CHARS or not re.search(r"[.!?…][”\"'’)]?$", own):
        return False
    linked = sum(len(" ".join(link.text_content().split())) for link in element.iter("a"))
    return linked * 2 <= len(own) and not _PROMPT.search(own)


def _set_apart(element: Any, shared: set[Any]) -> bool:
    """Whether a lede's block, and what holds it below the boxes it shares with the story or the headline
    (``shared``: a layout's "sidebar-layout" row holds all three), is no figure, list, quote, navigation or
    form, and no byline, date, caption, label, sidebar or promotion by its class or id."""
    for holder in itertools.chain([element], element.iterancestors()):
        if holder in shared or holder.tag in ("body", "main", "article", "header"):
            return True
        if holder.tag in _NOT_LEDE_TAGS or _NOT_LEDE.search(f"{holder.get('class', '')} {holder.get('id', '')}"):
            return False
    return True


def _same_text(line: str, other: str) -> bool:
    return _plain_words(line) == _plain_words(other)


#: A page's text is read from its JSON-LD's ``articleBody`` when what trafilatura finds is less than a third of it.
_DECLARED_SHARE, _DECLARED_CHARS, _JSON_LD_CHARS = 3, 200, 5_000_000


def _declared_body(tree: Any) -> str:
    """The article's text as the page's JSON-LD declares it (``articleBody``, the longest; HTML in it read as
    text, a line per paragraph), or '' when there is none of 200 characters or more. Sites that build the page
    with scripts (the text is not in its HTML) often still declare it so."""
    found = [body for value in _json_ld(tree, ("@graph", "mainEntity", "mainEntityOfPage", "hasPart"))
             if isinstance(body := value.get("articleBody"), str)]
    text = html_text(max(found, key=len)) if found else ""
    return text if len(text) >= _DECLARED_CHARS else ""


def _shown(tree: Any, text: str) -> bool:
    """Whether ``text`` begins with words the page's HTML shows (not text from its scripts or metadata)."""
    opening = " ".join(text.split())[:60]
    shown = " ".join(" ".join(tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")).split())
    return opening in shown


def _declared_document(document: Any, declared: str, page: Any, url: str | None) -> Any:
    """trafilatura's document (or, when it found none, the page's metadata) with the declared text."""
    if document is None:
        from trafilatura.metadata import extract_metadata

        document = extract_metadata(page, default_url=url, date_config=_DATES, extensive=False)
    document.text = declared
    return document


def _guessed_date(page: Any, url: str | None) -> str | None:
    """The date htmldate's extensive search finds in a page without a dated metadata, unless it names the 1st of
    a month (how a year or a month alone comes out: see ``_DATES``)."""
    from htmldate import find_date

    try:
        found = find_date(page, url=url, extensive_search=True, original_date=True)
    except Exception:  # noqa: BLE001 - a date is optional: any failure of the search is no date
        return None
    return found if found and not found.endswith("-01") else None


def _without_prompts(text: str) -> str:
    """A page's text without the short lines of a paywall's prompt left in it (``_PROMPT``, under
    ``_PROMPT_CHARS``): the teaser an article shows to visitors who don't subscribe."""
    lines = text.split("\n")
    kept = [line for line in lines if len(line) >= _PROMPT_CHARS or not _PROMPT.search(line)]
    return "\n".join(kept) if len(kept) < len(lines) else text


def _only_headline(text: str, title: str | None) -> bool:
    """Whether a page's text is its headline and nothing more (a script-built page shows only its <h1>; the
    title may add the site's name)."""
    return bool(title) and " ".join(text.split()).casefold() in " ".join(title.split()).casefold()


#: What a reader of the page never sees: ``hidden`` elements (as trafilatura leaves out ``display: none``),
#: templates, AMP ad slots, and the body's scripts and style sheets (a tracking snippet inside the ``<h1>`` would
#: otherwise join the headline), except its structured data (JSON, JSON-LD: metadata). (Not text for screen
#: readers: a site may put its story links' headlines only there.)
_UNSEEN = ("//*[@hidden] | //template | //amp-ad | //amp-embed | //amp-sticky-ad | //body//style"
           " | //body//script[not(contains(translate(@type, 'JSON', 'json'), 'json'))]")


def _readable(tree: Any) -> str | None:
    """The page as HTML without what a reader never sees (``_UNSEEN``; the text after each element stays) and
    with a line break between text and a block beside it (``<div>First.<div>Second.</div></div>``, which
    trafilatura reads as "First.Second."); None when neither is needed (the tree is changed)."""
    import lxml.html

    unseen = tree.xpath(_UNSEEN)
    for element in unseen:
        if element.getparent() is not None:
            element.drop_tree()
    tables = tables_as_lines(tree)
    apart = False
    for block in tree.iter(*_BLOCK_TAGS):
        before = block.getprevious()
        if before is None and (parent := block.getparent()) is not None and (parent.text or "").strip():
            parent.text, apart = parent.text.rstrip() + "\n", True
        elif before is not None and (before.tail or "").strip():
            before.tail, apart = before.tail.rstrip() + "\n", True
        if (block.tail or "").strip():
            block.tail, apart = "\n" + block.tail.lstrip(), True
    return lxml.html.tostring(tree, encoding="unicode") if unseen or tables or apart else None


#: A data table's cells are short (a name, a figure, a date): a cell longer than this, or holding more than one
#: paragraph, a heading, a list or a form, is a page laid out in a table, whose text trafilatura reads as it is.
_CELL_CHARS = 150
#: A table's rows: ``<tr>``, and the header cells a ``<thead>`` holds with no row around them, as pages write them.
_ROW_TAGS, _CELL_TAGS = ("tr", "thead"), ("td", "th")
_LAYOUT_IN_CELL = ("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "form", "iframe", "article",
                   "section", "nav")


def tables_as_lines(tree: Any) -> bool:
    """Each data table of the page as lines of text, one per row: trafilatura leaves tables out (a layout table's
    cells would come out as one run-on row), and an election's results or a match's scores are the news.

    A data table has two or more rows of two or more filled cells, none of them long (``_CELL_CHARS``) or laying
    out part of a page (``_laid_out``), no table inside it and no text outside its rows. A row reads "Header:
    cell; Header: cell" under a header row (``<th>`` cells, or ``<thead>``), "Label: cell" in a table of two
    columns, else its cells joined by "; ". A row of one filled cell (a group's heading) and the caption are
    lines of their own. Layout tables are left as they are. Returns whether a table was changed (the tree is
    changed)."""
    import lxml.html

    changed = False
    for table in list(tree.iter("table")):
        lines = _table_lines(table)
        if lines is None or table.getparent() is None:
            continue
        block = lxml.html.Element("div")
        for line in lines:
            paragraph = lxml.html.Element("p")
            paragraph.text = line
            block.append(paragraph)
        block.tail = table.tail
        table.getparent().replace(table, block)
        changed = True
    return changed


def _table_lines(table: Any) -> list[str] | None:
    """A data table's lines (``tables_as_lines``), or None for a table that lays out a page."""
    if table.get("role", "").lower() in ("presentation", "none") or table.find(".//table") is not None:
        return None
    rows: list[tuple[list[str], bool]] = []  # the cells' texts, and whether the row is a header
    for row in table.iter(*_ROW_TAGS):
        cells = [cell for cell in row if isinstance(cell.tag, str) and cell.tag in _CELL_TAGS]
        if row.tag != "tr" and not cells:
            continue
        if any(_laid_out(cell) for cell in cells):
            return None
        texts = [_cell_text(cell) for cell in cells]
        if any(len(text) > _CELL_CHARS for text in texts):
            return None
        header = bool(cells) and (all(cell.tag == "th" for cell in cells)
                                  or "thead" in (row.tag, getattr(row.getparent(), "tag", None)))
        rows.append((texts, header))
    if sum(len([text for text in texts if text]) >= 2 for texts, _ in rows) < 2:
        return None
    caption = table.find("caption")
    lines = [" ".join(caption.text_content().split())] if caption is not None else []
    if _letters(table.text_content()) > _letters(" ".join(lines + [text for texts, _ in rows for text in texts])):
        return None  # text outside its rows (a cell outside any row, in broken markup): the table is no grid
    names: list[str] = []
    columns = max(len(texts) for texts, _ in rows)
    for texts, header in rows:
        filled = [text for text in texts if text]
        if header and len(filled) >= 2:  # the first header row, or one repeated (or a new one) further down
            names = texts
            continue
        if len(filled) <= 1:
            lines += filled
        elif names and len(texts) == len(names):
            lines.append("; ".join(f"{_label(name)} {text}" if name else text
                                   for name, text in zip(names, texts) if text))
        elif columns == 2:
            lines.append(f"{_label(texts[0])} {texts[1]}")
        else:
            lines.append("; ".join(filled))
    return [line for line in lines if line]


def _letters(text: str) -> int:
    return len("".join(text.split()))


def _laid_out(cell: Any) -> bool:
    """Whether a table's cell lays out part of a page (``_LAYOUT_IN_CELL``, or two paragraphs) rather than
    holding a value."""
    return next(cell.iter(*_LAYOUT_IN_CELL), None) is not None or len(list(itertools.islice(cell.iter("p"), 2))) > 1


def _cell_text(cell: Any) -> str:
    """A cell's text on one line, its line breaks as spaces ("10:00 beginners<br>11:15 advanced"; a space after
    each ``<br>`` changes nothing a browser shows)."""
    for line_break in cell.iter("br"):
        line_break.tail = " " + (line_break.tail or "")
    return " ".join(cell.text_content().split())


def _label(name: str) -> str:
    """A header or a row's first cell as the label of a value: "Winner:" (a colon already there is kept)."""
    return name if name.endswith(":") else f"{name}:"


#: Tags a browser lays out as blocks of their own (text beside one is a paragraph apart from it).
_BLOCK_TAGS = ("div", "section", "article", "main", "header", "footer", "aside", "p", "ul", "ol", "li", "table",
               "blockquote", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dd", "dt", "nav",
               "form", "pre", "address", "hr")


def html_text(content: str, plain: bool = False) -> str:
    """The text of a piece of HTML, as feeds carry an item's content and pages their JSON-LD's ``articleBody``
    (every piece of text kept, before, between and after tags, but a script's or a style sheet's; entities
    decoded; a line break at each block, ``<br>`` and table cell; a data table read row by row, as on a page:
    ``tables_as_lines``), or ``plain`` text as it is."""
    if plain or ("<" not in content and "&" not in content):
        return content.strip()
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(content, create_parent="div")
    except (ValueError, TypeError, lxml.etree.ParserError):
        return ""
    tables_as_lines(root)  # a data table's rows as lines under their headers, as on a page
    parts: list[str] = []
    hidden = 0  # inside <script> or <style>
    for event, element in lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):
            parts.append(element.tail or "")
            continue
        block = element.tag in _TEXT_BLOCKS
        if event == "start":
            hidden += element.tag in ("script", "style")
            parts.append(("\n" if block else "") + ("" if hidden else element.text or ""))
        else:
            hidden -= element.tag in ("script", "style")
            parts.append(("\n" if block else "") + ("" if element is root else element.tail or ""))
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


#: Elements that begin a new line of a piece of HTML's text: the blocks a browser lays out, line breaks, table cells.
_TEXT_BLOCKS = frozenset([*_BLOCK_TAGS, "br", "tr", "td", "th", "caption"])


def _own_url(found: str | None, fetched: str | None) -> str | None:
    """The page's own address from its metadata (canonical link, og:url), unless that names a site's front page
    for an article page (a CMS that gives every page the site's address): then the address it was fetched
    from (None when unknown)."""
    if not found:
        return None
    if _at_root(found) and not (fetched and _at_root(fetched)):
        return None
    return found


def _at_root(url: str) -> bool:
    """Whether ``url`` is a site's front page (no path, no query: "https://daily.example/")."""
    parts = urlsplit(url)
    return not parts.path.strip("/") and not parts.query


#: A page looked at again with trafilatura's ``favor_recall`` when it looks like an index is at most this big (an
#: old CMS's article is a small page; a big index is not read twice).
_RECALL_CHARS = 1_000_000


def _past_parser_limits(text: str) -> bool:
    """Whether lxml's HTML parser, as trafilatura runs it, stops at one of its limits on ``text`` (256 levels of
    nesting, 10 MB in one text node): then the page is read from a huge-tree parse instead."""
    import lxml.html

    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True)
    try:
        lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (ValueError, TypeError, lxml.etree.ParserError):
        return True
    return any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)


def _tree(text: str) -> Any:
    """``text`` parsed by lxml with the huge-tree option, or None when it can't be."""
    import lxml.html

    try:
        return lxml.html.fromstring(text.encode("utf-8", "surrogatepass"),
                                    parser=lxml.html.HTMLParser(encoding="utf-8", **_HUGE_PARSER_OPTIONS))
    except (ValueError, TypeError, lxml.etree.ParserError):
        return None


#: What a cookie-consent wall says, one pattern per thing it speaks of (English, German, French).
_CONSENT_SAYS = [re.compile(pattern, re.IGNORECASE) for pattern in (
    r"\bcookies?\b",
    r"\b(?:consent|zustimmung|einwilligung|consentement)\b",
    r"\b(?:our|\d+) (?:\w+ )?partners\b|\b(?:unsere|nos) partner",
    r"\b(?:personal data|personal information|(?:unique|device) identifiers|precise geolocation|"
    r"personenbezogene|données personnelles)",
    r"\b(?:personali[sz]ed (?:ads|advertising|content)|ad and content measurement|personalisierte werbung|"
    r"publicités? personnalisées?)",
    r"\b(?:accept all|reject all|manage (?:preferences|options|cookies|settings)|your choices|more options|"
    r"alle akzeptieren|tout accepter|tout refuser)",
    r"\b(?:we value your privacy|legitimate interest|privacy (?:settings|preferences|centre|center|tools)|"
    r"datenschutz|vie privée)",
)]
#: The button of such a wall.
_CONSENT_CONTROL = re.compile(r"\b(?:accept|agree|reject|consent|allow|manage|options|akzeptieren|zustimmen|"
                              r"accepter|refuser|continuer)", re.IGNORECASE)
_CONSENT_KINDS, _CONSENT_CHARS, _CONSENT_MOST = 4, 3000, 6000  # read in its first 3,000 characters, of 6,000
#: What the text says on a login or subscription page standing where the article should be.
_LOCKED = re.compile(r"\b(?:subscribe to (?:continue|keep) reading|already a subscriber|sign in to (?:your account|"
                     r"continue)|log in to (?:continue|read)|create (?:a free|an) account to (?:continue|read))",
                     re.IGNORECASE)
_LOCKED_CHARS = 600
#: Tags of a page's paragraphs (and of the lines of a gallery, a list or a table).
_PARAGRAPH_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "li", "blockquote", "dd", "dt", "pre", "td",
                   "caption")
#: Text this long on one line, from a page of paragraphs, is trafilatura's fallback (the page's text run together).
_ONE_LINE_CHARS, _PARAGRAPHS_READ = 400, 5000


def _in_paragraphs(text: str, tree: Any) -> str:
    """``text`` with its paragraphs apart again when trafilatura gave it as one long line (its fallback reads a
    gallery of captions so, the headline run into the first sentence): a line break where each of the page's
    paragraphs begins, nothing else changed."""
    if tree is None or len(text) < _ONE_LINE_CHARS or "\n" in text.strip():
        return text
    chars, at = list(text), 0
    for block in itertools.islice(tree.iter(*_PARAGRAPH_TAGS), _PARAGRAPHS_READ):
        start = " ".join(block.text_content().split())[:60]
        if len(start) < 3:
            continue
        found = text.find(start, at)
        if found > 0 and chars[found - 1] == " ":
            chars[found - 1] = "\n"
        at = found + len(start) if found >= 0 else at
    return "".join(chars)


#: A line of a paywall's prompt: "Subscribe to continue reading", "Get unlimited access for $1 a week".
_PROMPT = re.compile(_LOCKED.pattern + r"|\b(?:get|unlock) (?:unlimited|full|digital) access\b", re.IGNORECASE)
_PROMPT_CHARS = 120
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage"}
_ARTICLE_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)
_HEADLINE_WORDS, _HEADLINES, _HEADLINE_RUNS, _RUNS_SHARE, _HEADLINE_SHARE = 4, 8, 5, 0.2, 0.5
_LINES_READ, _LINKS_READ = 400, 5000  # an index shows itself early: bounded work on a page of thousands
#: The boxes a story link and its teaser sit in on an index ("<article><h3><a>…</a></h3><p>…</p></article>").
_CARDS, _CARD_CHARS = ("article", "li", "div", "section"), 400


def _not_an_article(document: Any, tree: Any, url: str | None = None) -> str:
    """Why the page is no article, or '' when it is one:

    - a cookie-consent wall: a short text speaking, in its first lines, of at least four of cookies, consent,
      partners, personal data, personalised ads, choices and privacy, with a button to accept or refuse;
    - a login or subscription page: a short text asking to sign in or subscribe;
    - an index of stories (a front, section, tag or search page): eight or more lines of the text extracted
      are story links (a line that is a link's text of four or more words, or begins with one and runs on
      as its teaser, or is the teaser beside one in a small box of its own), standing apart in five or more
      places (and then at least a fifth of the text: an article may link stories between its paragraphs) or
      making up half the text; or its schema.org metadata declares a ``CollectionPage``,
      ``ItemList`` or ``SearchResultsPage`` and no article;
    - an archive of whole posts (a blog's tag or category page): three or more posts in full, each in a block
      of its own with a headline that links to the post (``_whole_posts``).
    A page whose metadata declares a ``NewsArticle`` or any other ``*Article`` / ``*Posting`` type (JSON-LD or
    og:type), or ``article:published_time``, is an article (unless it also declares a collection, as tag
    archives do). Links to a place on the page itself (a live blog's entry permalinks) are no story links.
    """
    types = _page_types(tree)
    article = any(_ARTICLE_TYPES.search(kind) for kind in types)
    if types & _LISTING_TYPES and not article:
        listing = next(kind for kind in ("collectionpage", "itemlist", "searchresultspage") if kind in types)
        return f"is an index of stories (its metadata says {listing}), not an article; link or save the article " \
               "pages themselves"
    unsettled = bool(types & _LISTING_TYPES) or not (  # the metadata does not say it is an article
        article or tree.xpath("//meta[@property='article:published_time' or @name='article:published_time']"))
    text = f"{document.title or ''}\n{document.text}"
    if unsettled and len(text) < _CONSENT_MOST and \
            sum(1 for says in _CONSENT_SAYS if says.search(text[:_CONSENT_CHARS])) >= _CONSENT_KINDS and \
            any(_CONSENT_CONTROL.search(" ".join(control.text_content().split()) or control.get("value") or "")
                for control in tree.xpath("//button | //input[@type='button' or @type='submit']")[:500]):
        return ("is a cookie-consent page, not the article (the site shows it to visitors without its cookie); "
                "save the page from a browser after accepting, and ingest the saved file")
    if unsettled and len(document.text) < _LOCKED_CHARS and _LOCKED.search(text):
        return ("is a login or subscription page, not the article; save the article from a browser where you can "
                "read it")
    here = [address for address in (url, document.url) if address]
    lines, runs, share = _headline_lines(document.text, tree, here)
    if unsettled and lines >= _HEADLINES and (runs >= _HEADLINE_RUNS and share >= _RUNS_SHARE
                                             or share >= _HEADLINE_SHARE):
        return (f"is an index of stories ({lines} story links), not an article; link or save the article pages "
                "themselves")
    if unsettled and (posts := _whole_posts(tree, here)) >= _POSTS:
        return (f"is an archive of {posts} whole posts (a tag, category or front page that shows them in full), "
                "not one article; link or save the post pages themselves")
    return ""


#: An archive page showing whole posts: this many blocks, each with a linked headline and this many characters
#: of text (about 100 words).
_POSTS, _POST_CHARS, _BLOCKS_READ = 3, 600, 200
_POST_CLASSES = frozenset(["post", "hentry", "h-entry"])


def _whole_posts(tree: Any, here: list[str]) -> int:
    """How many blocks of the page are whole posts: an ``<article>`` (or a block of class ``post``, ``hentry``
    or ``h-entry``) not inside another, headed by a link (an ``<h1>``-``<h3>`` holding ``<a href>``: a post's
    title links to its own page) and holding ``_POST_CHARS`` characters of text or more (read no further).
    An article's related-story cards are short; its comments have no linked headline."""
    blocks = list(itertools.islice(
        (element for element in tree.iter() if element.tag == "article"
         or isinstance(element.tag, str) and _POST_CLASSES.intersection((element.get("class") or "").split())),
        _BLOCKS_READ))  # the first, in document order: read no further
    inside = set(blocks)
    return sum(1 for block in blocks
               if not any(up in inside for up in block.iterancestors())
               and any(not _on_this_page(href, here) for href in block.xpath("(.//h1 | .//h2 | .//h3)//a/@href"))
               and _short_text(block, _POST_CHARS) is None)


def _page_types(tree: Any) -> set[str]:
    """The schema.org types the page's JSON-LD declares, and its og:type (lower case)."""

    types = {str(kind).strip().lower() for kind in tree.xpath("//meta[@property='og:type']/@content")[:3]}
    for value in _json_ld(tree, ("@graph",)):
        kind = value.get("@type")
        types.update(name.lower() for name in (kind if isinstance(kind, list) else [kind]) if isinstance(name, str))
    return types


def _json_ld(tree: Any, inside: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects of the page's JSON-LD scripts (the first 20), and those under their keys ``inside``
    (``@graph`` …), six levels deep at most, 50 of a list."""
    import json

    found: list[dict[str, Any]] = []

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(value, list):
            for part in value[:50]:
                walk(part, depth + 1)
        elif isinstance(value, dict):
            found.append(value)
            for name in inside:
                walk(value.get(name), depth + 1)

    for script in tree.xpath("//script[contains(translate(@type, 'JSON', 'json'), 'ld+json')]")[:20]:
        try:
            walk(json.loads(script.text_content()[:_JSON_LD_CHARS]))
        except (ValueError, RecursionError):
            continue
    return found


def _headline_lines(text: str, tree: Any, here: list[str]) -> tuple[int, int, float]:
    """How many lines of ``text`` are story links (see ``_not_an_article``; not links to a place on the page
    itself, at an address in ``here``), in how many runs, and their share of the text's characters."""
    links, teasers = set(), set()
    for anchor in itertools.islice(tree.iter("a"), _LINKS_READ):
        link = " ".join(anchor.text_content().split()).casefold()
        if len(link.split()) < _HEADLINE_WORDS or _on_this_page(anchor.get("href") or "", here):
            continue
        links.add(link)
        card = next((up for up in anchor.iterancestors(*_CARDS)), None)  # a teaser beside it in a small box
        if card is not None and (told := _short_text(card, _CARD_CHARS)) is not None:
            teasers.update(part.strip() for part in told.split(link) if part.strip())
    heads = sorted((link for link in links if len(link) > 20), key=len, reverse=True)[:2000]
    joined = "\n".join(links | teasers)
    lines = [" ".join(line.split()).casefold().lstrip("-•| ") for line in text.splitlines() if line.strip()]
    lines = lines[:_LINES_READ]
    flags = [line in links or line in teasers or (len(line) >= 20 and line in joined)
             or any(line.startswith(head) and len(line) - len(head) >= 80 for head in heads) for line in lines]
    runs = sum(1 for i, flag in enumerate(flags) if flag and (i == 0 or not flags[i - 1]))
    share = sum(len(line) for line, flag in zip(lines, flags) if flag) / max(1, sum(map(len, lines)))
    return sum(flags), runs, share


def _on_this_page(href: str, here: list[str]) -> bool:
    """Whether a link's ``href`` points at a place on the page itself ("#post-12", or this page's address with a
    fragment)."""
    address, hashed, _ = href.strip().partition("#")
    if not hashed:
        return False
    return not address or any(address.rstrip("/") in (page.split("#", 1)[0].rstrip("/"),
                                                      urlsplit(page).path.rstrip("/")) for page in here)


def _elsewhere(feed: str, url: str | None) -> bool:
    """Whether a feed link points somewhere else than the page itself (a page may name itself as its feed)."""
    def bare(address: str) -> str:
        return address.split("#", 1)[0].rstrip("/")

    return not url or bare(feed) != bare(url)


def _short_text(element: Any, limit: int) -> str | None:
    """The element's text (whitespace collapsed, lower case) if it holds under ``limit`` characters, else None:
    read no further than that, however big the element (a page's body around each of thousands of links)."""
    parts, size = [], 0
    for part in element.itertext():
        parts.append(part)
        size += len(part)
        if size >= limit * 4:  # whitespace collapses; past this it can't be short
            return None
    told = " ".join("".join(parts).split()).casefold()
    return told if len(told) < limit else None


def _advertised_feeds(tree: Any, url: str | None) -> list[str]:
    """The RSS / Atom feeds a page names in ``<link rel="alternate">``, absolute against ``url``."""
    from urllib.parse import urljoin

    hrefs = tree.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"
                       "[@type='application/rss+xml' or @type='application/atom+xml']/@href")
    feeds = []
    for href in hrefs[:10]:
        try:
            feeds.append(urljoin(url or "", str(href).strip()))
        except ValueError:
            continue
    return [feed for feed in dict.fromkeys(feeds) if feed.startswith(("http://", "https://"))] if url else \
        list(dict.fromkeys(feeds))


def without_headline(text: str, title: str | None) -> str:
    """A page's main text without its first line when that is the headline (trafilatura keeps the <h1>,
    and the title is stored on its own: as a sentence of the body it only repeats the question)."""
    first, _, rest = text.strip().partition("\n")
    return rest if title and rest.strip() and first.strip().casefold() == title.strip().casefold() else text


def parse_feed_record(record: object, where: str, prefix: str | None, path: str, notes: list[str] | None = None,
                      max_title: int = 300) -> Article:
    """One decoded JSON Lines record of a news feed.

    Without a url it is named ``prefix#id`` by its ``id`` field, else ``prefix#sha:…`` by a hash of its
    title and body (``prefix`` None: by the hash alone, for uploads), so two different lines never merge.
    """
    if not isinstance(record, dict):
        raise ArticleError(where, f"line is JSON {type(record).__name__}, not an object with title, body, …")
    for key in ("title", "source", "author", "url", "body", "id"):
        value = record.get(key)
        if value is not None and not (isinstance(value, str) or (key == "id" and isinstance(value, int)
                                                                 and not isinstance(value, bool))):
            raise ArticleError(where, f"field {key!r} must be a string, not {type(value).__name__}")
    body = record.get("body")
    if not isinstance(body, str) or not body.strip():
        raise ArticleError(where, "line has no 'body' text; every feed line needs the article body")
    key = record.get("id")
    if key is None or prefix is None or not str(key).strip():
        content = f"{record.get('title') or ''}\n{body}".encode("utf-8", "surrogatepass")
        key = f"sha:{hashlib.sha256(content).hexdigest()[:24]}"
    article_id = f"{prefix}#{valid_unicode(str(key))[:200]}" if prefix else f"upload:{key}"
    return make_article(where, article_id, path, record, body, notes, max_title)
