"""Turn the text of one file (or one feed line) into an Article.

Formats:
- ``.txt`` with a header (``title:``, ``source:``, ``author:``, ``published:``,
  ``url:`` lines, a blank line, then the body), as in the eval articles;
- ``.txt`` raw, as copied from a page: title line, a byline such as
  ``By Asbarez | Friday, 23 June 2023``, then the body; trailing page debris
  (a lone "comments", "Share" …) is dropped;
- ``.md`` with YAML front matter (title, source, author, published/date, url);
- ``.html`` saved pages, read with trafilatura (main text and metadata; ``read_page``, which fetched
  pages go through too): a cookie-consent wall or an index of stories is no article (``NotAnArticle``);
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
import re
from typing import Any

from bot.errors import ArticleError
from bot.text import valid_unicode
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


def _written_date(text: str) -> dt.date | None:
    """A date dateutil reads with every part from the text: parsed with two different defaults, both agree."""
    from dateutil import parser as date_parser

    results = []
    for default in (dt.datetime(1904, 1, 1), dt.datetime(1908, 12, 28)):
        try:
            results.append(date_parser.parse(text, fuzzy=True, default=default, ignoretz=True).date())
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
    text = valid_unicode(str(value)).strip()
    if text.lower() in _UNKNOWN:
        return ""
    if len(text) > limit:
        _note(notes, f"{name} is {len(text):,} characters long; cut to {limit} (NEWSBOT_MAX_TITLE_CHARS)")
        text = text[: limit - 1].rstrip() + "…"
    return text


def _body(text: str, where: str) -> str:
    body = valid_unicode(text).strip()
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
               max_title: int = 300) -> Article:
    """A saved .html page: trafilatura finds the main text, title, author and date (``read_page``)."""
    document = read_page(text, where)
    fields = {
        "title": document.title,
        "author": document.author,
        "source": document.sitename or document.hostname,
        "published": document.date,
        "url": document.url,
    }
    return make_article(where, article_id, path, fields, without_headline(document.text, document.title), notes,
                        max_title)


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
#: Layout tags a page nested deeper than even that is read without (their text stays).
_WRAPPERS = re.compile(r"</?(?:div|span|section|font|center|table|tbody|tr|td)\b[^>]{0,2000}>", re.IGNORECASE)


def read_page(text: str, where: str, url: str | None = None, dates: dict[str, Any] | None = None) -> Any:
    """A web page's main text and metadata, by trafilatura (its ``Document``), or ArticleError / NotAnArticle.

    A page nested deeper than lxml's default limit (where trafilatura finds nothing) is parsed again with
    lxml's huge-tree option, and past that without its layout wrappers. A page that is no article raises
    ``NotAnArticle``: a cookie-consent wall (what sites show a visitor without their cookie), or an index of
    stories (a front or section page: the page's metadata says it is a website or a collection, or it
    says nothing and its text is short lines under many story links), naming the feeds the page advertises.
    """
    import trafilatura

    def extract(page: Any) -> Any:
        if page is None:
            return None
        found = trafilatura.bare_extraction(page, url=url, with_metadata=True, include_comments=False,
                                            include_tables=False, date_extraction_params=dates)
        return found if found is not None and (found.text or "").strip() else None

    document = extract(text)
    if document is None and (deep := _tree(text)) is not None:  # trafilatura works on the tree it is given
        document = extract(deep) or extract(_tree(_WRAPPERS.sub("", text)))
    if document is None:
        raise ArticleError(where, "no article text found in this page; save or link the article page itself, "
                                  "not an index, login or script-only page")
    if (tree := _tree(text)) is not None:
        _check_is_article(document, tree, where, url)
    return document


def _tree(text: str) -> Any:
    """``text`` parsed by lxml with the huge-tree option, or None when it can't be."""
    import lxml.html

    try:
        return lxml.html.fromstring(text.encode("utf-8", "surrogatepass"),
                                    parser=lxml.html.HTMLParser(encoding="utf-8", **_HUGE_PARSER_OPTIONS))
    except (ValueError, TypeError, lxml.etree.ParserError):
        return None


_CONSENT = re.compile(r"\b(cookies?|consent|our (?:\d+ )?partners|personal data|accept all|reject all|"
                      r"manage (?:preferences|options|cookies)|privacy (?:settings|preferences|centre|center)|"
                      r"legitimate interest|personali[sz]ed (?:ads|advertising|content)|your choices|"
                      r"we value your privacy|device identifiers|precise geolocation)\b", re.IGNORECASE)
_CONSENT_KINDS, _CONSENT_CHARS = 4, 3000
_ARTICLE_TYPES = re.compile(r"article|blogposting|report|newsarticle|liveblog", re.IGNORECASE)
_COLLECTION_TYPES = {"website", "collectionpage", "itemlist", "searchresultspage", "sitenavigationelement"}
_STORY_LINK_WORDS, _STORY_LINKS, _LONG_LINE, _INDEX_LINES = 4, 10, 150, 8


def _check_is_article(document: Any, tree: Any, where: str, url: str | None) -> None:
    """Raise NotAnArticle for a cookie wall or an index page (see ``read_page``)."""
    text = f"{document.title or ''}\n{document.text}"
    if len(text) < _CONSENT_CHARS and len({m.lower().rstrip("s") for m in _CONSENT.findall(text)}) >= _CONSENT_KINDS:
        raise NotAnArticle(where, "is a cookie-consent page, not the article (the site shows it to visitors "
                                  "without its cookie); save the page from a browser after accepting, and ingest "
                                  "the saved file")
    kinds = _page_types(tree) | ({(document.pagetype or "").lower()} - {""})
    if any(_ARTICLE_TYPES.search(kind) for kind in kinds) or tree.xpath(
            "//meta[@property='article:published_time' or @name='article:published_time']"):
        return
    lines = [line for line in document.text.splitlines() if line.strip()]
    long_share = sum(len(line) for line in lines if len(line) >= _LONG_LINE) / max(1, len(document.text))
    stories = _story_links(tree)
    listed = kinds & _COLLECTION_TYPES and long_share < 0.3 or not kinds and long_share < 0.15 \
        and len(lines) >= _INDEX_LINES
    if listed and stories >= _STORY_LINKS:
        feeds = _advertised_feeds(tree, url)
        raise NotAnArticle(where, f"is an index of stories ({stories} story links), not an article; "
                                  + (f"its feed is {feeds[0]}: ingest that" if feeds else
                                     "link or save the article pages themselves, or the site's feed"), feeds)


def _page_types(tree: Any) -> set[str]:
    """The schema.org types the page's JSON-LD declares (lower case), and its og:type."""
    import json

    types: set[str] = set()

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(value, list):
            for part in value[:50]:
                walk(part, depth + 1)
        elif isinstance(value, dict):
            kind = value.get("@type")
            for name in kind if isinstance(kind, list) else [kind]:
                if isinstance(name, str):
                    types.add(name.lower())
            walk(value.get("@graph"), depth + 1)

    for script in tree.xpath("//script[@type='application/ld+json']")[:20]:
        try:
            walk(json.loads(script.text_content()[:200_000]))
        except (ValueError, RecursionError):
            continue
    types.update(str(v).lower() for v in tree.xpath("//meta[@property='og:type']/@content")[:1])
    return types


def _story_links(tree: Any) -> int:
    """How many distinct pages the page links with a headline-like text (at least four words)."""
    targets = {str(a.get("href") or "").split("#")[0] for a in tree.iter("a")
               if len(" ".join(a.text_content().split()).split(" ")) >= _STORY_LINK_WORDS}
    return len(targets - {""})


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
