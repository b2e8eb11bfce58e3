"""Find the articles under the paths given to ``python -m ingest``.

A path is a folder (searched recursively for .txt, .md, .html and .jsonl(.gz)
files; hidden files and other types are skipped) or one such file. Each path is
an *origin*: later, articles that came from it and are gone are pruned.

Reading is defensive: a file that is empty, binary, not UTF-8, too large, or a
feed that is truncated or decompresses past its cap becomes one ArticleError
naming it and the fix; everything else is still read. Paths that failed are
remembered so pruning never deletes what merely failed to parse this time.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ArticleError
from bot.types import Article
from ingest import parse

FILE_TYPES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".jsonl.gz")


@dataclass
class Origin:
    """One path given on the command line and what was read from it."""

    key: str  # the resolved path, stored with each article for pruning
    articles: list[Article] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)
    failed_paths: set[str] = field(default_factory=set)  # relative paths that failed (not pruned)
    readable: bool = True  # False when the path itself is missing: prune nothing


def file_type(path: Path) -> str | None:
    name = path.name.lower()
    return next((suffix for suffix in FILE_TYPES if name.endswith(suffix)), None)


def read_origin(path: Path, max_file_bytes: int, max_feed_bytes: int) -> Origin:
    """Read every article under ``path`` (a folder or a file)."""
    origin = Origin(key=str(path.resolve()) if path.exists() else str(path.absolute()))
    if not path.exists():
        origin.readable = False
        origin.errors.append(ArticleError(str(path), "no such file or folder; check the path"))
        return origin
    if path.is_dir():
        root, files = path, sorted(_walk(path))
    else:
        if file_type(path) is None:
            origin.readable = False
            origin.errors.append(
                ArticleError(str(path), f"unsupported file type; use one of {', '.join(FILE_TYPES)}")
            )
            return origin
        root, files = path.parent, [path]
    for file in files:
        relative = file.relative_to(root).as_posix()
        try:
            for item in _read_file(file, relative, max_file_bytes, max_feed_bytes):
                if isinstance(item, ArticleError):
                    origin.errors.append(item)
                    origin.failed_paths.add(relative)
                else:
                    origin.articles.append(item)
        except ArticleError as error:
            origin.errors.append(error)
            origin.failed_paths.add(relative)
    return origin


def _walk(folder: Path) -> Iterator[Path]:
    for child in folder.iterdir():
        if child.name.startswith("."):
            continue
        if child.is_dir() and not child.is_symlink():
            yield from _walk(child)
        elif child.is_file() and file_type(child):
            yield child


def _read_file(
    file: Path, relative: str, max_file_bytes: int, max_feed_bytes: int
) -> Iterator[Article | ArticleError]:
    kind = file_type(file)
    where = str(file)
    if kind in (".jsonl", ".jsonl.gz"):
        yield from _read_feed(file, relative, kind == ".jsonl.gz", max_file_bytes, max_feed_bytes)
        return
    text = decode(_read_capped(file, max_file_bytes), where)
    if kind == ".txt":
        yield parse.parse_txt(text, where, relative, relative)
    elif kind in (".md", ".markdown"):
        yield parse.parse_markdown(text, where, relative, relative)
    else:
        yield parse.parse_html(text, where, relative, relative)


def _read_capped(file: Path, max_bytes: int) -> bytes:
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise ArticleError(
                str(file),
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit; "
                "split it or raise NEWSBOT_MAX_FILE_MB",
            )
        return file.read_bytes()
    except OSError as exc:
        raise ArticleError(str(file), f"can't be read ({exc.strerror}); check its permissions") from None


def decode(data: bytes, where: str) -> str:
    """UTF-8 text with Unix line endings, or an ArticleError saying why not."""
    if not data.strip():
        raise ArticleError(where, "file is empty; add the article text or remove the file")
    if b"\x00" in data[:8192]:
        raise ArticleError(where, "looks like a binary file, not text; save the article as .txt, .md or .html")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            where,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_feed(
    file: Path, relative: str, gzipped: bool, max_line_bytes: int, max_feed_bytes: int
) -> Iterator[Article | ArticleError]:
    """Articles of a JSON Lines feed, one error per bad line; a broken file stops the reading."""
    where = str(file)
    read = 0
    number = 0
    try:
        opener = gzip.open if gzipped else open
        with opener(file, "rb") as stream:  # type: ignore[operator]
            while True:
                line = stream.readline(max_line_bytes + 1)
                if not line:
                    break
                number += 1
                read += len(line)
                if read > max_feed_bytes:
                    yield ArticleError(
                        where,
                        f"feed is larger than {max_feed_bytes / 1e6:g} MB once decompressed (stopped at line "
                        f"{number}); split it or raise NEWSBOT_MAX_FEED_MB",
                    )
                    return
                if len(line) > max_line_bytes:
                    while line and not line.endswith(b"\n"):  # skip the rest of the long line
                        line = stream.readline(max_line_bytes + 1)
                        read += len(line)
                    yield ArticleError(
                        f"{where}:{number}",
                        f"line is over the {max_line_bytes / 1e6:g} MB limit; "
                        "shorten the article or raise NEWSBOT_MAX_FILE_MB",
                    )
                    continue
                if not line.strip():
                    continue
                yield _feed_line(line, f"{where}:{number}", relative, number)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield ArticleError(
            where,
            f"compressed feed is truncated or corrupt after line {number} ({exc}); re-download or re-compress it",
        )
    except OSError as exc:
        yield ArticleError(where, f"can't be read ({exc}); check the file")
    if number == 0:
        yield ArticleError(where, "feed is empty; it needs one JSON article per line")


def _feed_line(line: bytes, where: str, relative: str, number: int) -> Article | ArticleError:
    try:
        record = json.loads(decode(line, where))
    except ArticleError as error:
        return error
    except json.JSONDecodeError as exc:
        return ArticleError(where, f"not valid JSON ({exc.msg} at column {exc.colno}); fix or remove the line")
    try:
        return parse.parse_feed_record(record, where, relative, relative)
    except ArticleError as error:
        return error
