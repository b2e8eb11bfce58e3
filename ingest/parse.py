"""Turn the text of one file (or one feed line) into an Article.

Formats:
- ``.txt`` with a header (``title:``, ``source:``, ``author:``, ``published:``,
  ``url:`` lines, a blank line, then the body), as in the eval articles;
- ``.txt`` raw, as copied from a page: title line, a byline such as
  ``By Asbarez | Friday, 23 June 2023``, then the body; trailing page debris
  (a lone "comments", "Share" …) is dropped;
- ``.md`` with YAML front matter (title, source, author, published/date, url);
- ``.html`` saved pages, read with trafilatura (main text and metadata);
- one JSON object of a feed line (title, source, author, published, url, body).

Each parser gets text that is already decoded and size-checked (see
``ingest.sources``) and raises ArticleError naming the place and the fix. The
body is kept as found, except for line endings and outer whitespace, because
chunk offsets and quotes point into it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.errors import ArticleError
from bot.types import Article

HEADER_KEYS = ("title", "source", "author", "published", "url")
_UNKNOWN = {"", "unknown", "none", "null", "n/a"}
_HEADER_LINE = re.compile(r"^(title|source|author|published|date|url):[ \t]*(.*)$", re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+(?P<who>.+?)(?:\s*[|•·]\s*(?P<rest>.+))?$", re.IGNORECASE)
_PAGE_DEBRIS = {
    "comments", "comment", "share", "share this", "tweet", "print", "email",
    "advertisement", "related", "read more", "leave a comment", "0 comments",
}


def parse_date(value: object, where: str) -> dt.date | None:
    """A date from 'YYYY-MM-DD', an ISO timestamp or a written date; None if unknown."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ArticleError(where, f"published must be a date string like 2023-06-23, not {type(value).__name__}")
    text = value.strip()
    if text.lower() in _UNKNOWN:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    from dateutil import parser as date_parser

    try:
        return date_parser.parse(text, fuzzy=True).date()
    except (ValueError, OverflowError):
        raise ArticleError(where, f"published {text!r} is not a date; write it as YYYY-MM-DD") from None


def _clean(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return "" if text.lower() in _UNKNOWN else text


def _body(text: str, where: str) -> str:
    body = text.strip()
    if not body:
        raise ArticleError(where, "the article has no body text; add the text or remove the file")
    return body


def make_article(where: str, article_id: str, path: str, fields: dict[str, Any], body: str) -> Article:
    """An Article from loosely typed fields; the id falls back to the url when there is one."""
    url = _clean(fields.get("url"))
    body = _body(body, where)
    title = _clean(fields.get("title")) or body.split("\n", 1)[0][:200].strip()
    return Article(
        article_id=url or article_id,
        title=title,
        body=body,
        source=_clean(fields.get("source")),
        author=_clean(fields.get("author")),
        published=parse_date(fields.get("published") or fields.get("date"), where),
        url=url,
        path=path,
    )


def parse_txt(text: str, where: str, article_id: str, path: str) -> Article:
    """A .txt article, with a header block or raw as copied from a page."""
    lines = text.split("\n")
    if lines and _HEADER_LINE.match(lines[0]):
        return _parse_header_txt(lines, where, article_id, path)
    return _parse_raw_txt(lines, where, article_id, path)


def _parse_header_txt(lines: list[str], where: str, article_id: str, path: str) -> Article:
    fields: dict[str, str] = {}
    for number, line in enumerate(lines):
        if not line.strip():
            return make_article(where, article_id, path, fields, "\n".join(lines[number + 1 :]))
        match = _HEADER_LINE.match(line)
        if not match:
            raise ArticleError(
                f"{where}:{number + 1}",
                f"header line {line[:60]!r} is not 'key: value' (keys: {', '.join(HEADER_KEYS)}); "
                "end the header with a blank line",
            )
        fields[match.group(1).lower()] = match.group(2)
    raise ArticleError(where, "header has no blank line after it, so there is no body")


def _parse_raw_txt(lines: list[str], where: str, article_id: str, path: str) -> Article:
    content = [line for line in lines]
    while content and not content[0].strip():
        content.pop(0)
    if not content:
        raise ArticleError(where, "the file holds only whitespace; add the article text")
    title = content.pop(0).strip()
    fields: dict[str, Any] = {"title": title}
    while content and not content[0].strip():
        content.pop(0)
    if content and (byline := _BYLINE.match(content[0].strip())):
        fields["author"] = fields["source"] = byline.group("who").strip()
        if byline.group("rest"):
            fields["published"] = byline.group("rest")
        content.pop(0)
    while content and (not content[-1].strip() or content[-1].strip().lower() in _PAGE_DEBRIS):
        content.pop()
    if not content:
        raise ArticleError(where, "the file has a title but no body; add the article text below it")
    return make_article(where, article_id, path, fields, "\n".join(content))


def parse_markdown(text: str, where: str, article_id: str, path: str) -> Article:
    """A .md article with YAML front matter; without one, the first '# ' heading is the title."""
    import frontmatter
    import yaml

    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ArticleError(where, f"front matter is not valid YAML ({exc}); fix it between the '---' lines") from None
    fields = dict(post.metadata)
    body = post.content
    if not fields.get("title"):
        heading = re.match(r"\s*#\s+(.+)\n", body)
        if heading:
            fields["title"] = heading.group(1).strip()
            body = body[heading.end() :]
    return make_article(where, article_id, path, fields, body)


def parse_html(text: str, where: str, article_id: str, path: str) -> Article:
    """A saved .html page: trafilatura finds the main text, title, author and date."""
    import trafilatura

    document = trafilatura.bare_extraction(
        text, with_metadata=True, include_comments=False, include_tables=False
    )
    if document is None or not (document.text or "").strip():
        raise ArticleError(
            where, "no article text found in this page; save the article page itself, not an index or login page"
        )
    fields = {
        "title": document.title,
        "author": document.author,
        "source": document.sitename or document.hostname,
        "published": document.date,
        "url": document.url,
    }
    return make_article(where, article_id, path, fields, document.text)


def parse_feed_record(record: object, where: str, article_id: str, path: str) -> Article:
    """One decoded JSON Lines record of a news feed."""
    if not isinstance(record, dict):
        raise ArticleError(where, f"line is JSON {type(record).__name__}, not an object with title, body, …")
    for key in ("title", "source", "author", "url", "body"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise ArticleError(where, f"field {key!r} must be a string, not {type(value).__name__}")
    if not (record.get("body") or "").strip():
        raise ArticleError(where, "line has no 'body' text; every feed line needs the article body")
    key = record.get("url") or record.get("id") or record.get("title")
    return make_article(where, f"{article_id}#{key}", path, record, record["body"])
