"""Find and read the articles under the paths given to ``python -m ingest``, one at a time.

A path is a folder (searched recursively for .txt, .md, .html, .mhtml, .webarchive and .jsonl(.gz)
files; hidden files and other types are skipped) or one such file. Each path is
an *origin*: later, articles that came from it and are gone are pruned.

``scan`` lists an origin's files; ``read`` streams its articles, so memory holds
one file (or one feed line) at a time, never the corpus. Reading is defensive:
a file that is empty, binary, not text, too large, or that any parser fails on
(whatever the exception) becomes one ArticleError naming it and the fix, and
everything else is still read. A feed reports its first ``max_errors`` bad
lines one by one, then how many more there were. Paths that failed are
remembered, so pruning never deletes what merely failed to parse this time.

Identity: an article with a url is that url. One without is named by where it
lives: the file's absolute path (two folders' ``story.txt`` are two articles),
and for a feed line its ``id`` field or else a hash of its content; an upload
(``content_ids``) by a hash of its bytes, so a re-upload is the same article
and a different file of the same name is another.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ArticleError
from bot.settings import Settings
from bot.types import Article
from ingest import parse

FILE_TYPES = (".txt", ".md", ".markdown", ".html", ".htm", ".mhtml", ".mht", ".webarchive", ".jsonl", ".jsonl.gz")
#: A page saved by a browser as one file with its images: MIME (Chrome, Edge, Opera), a property list (Safari).
_WEB_ARCHIVES = (".mhtml", ".mht", ".webarchive")
#: A web archive may be this many times ``max_file_bytes`` (its images come with it); its page no bigger than that.
_ARCHIVE_FACTOR = 10
#: A web archive is read only when it has at most this many lines beginning with "--" (its parts' boundaries,
#: and then some): 5.4 million empty parts in 49 MB had taken the MIME parser 2 GB and a minute.
_ARCHIVE_PARTS = 100_000
_FEEDS = (".jsonl", ".jsonl.gz")
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """How much one input may cost: bytes per file (and per feed line), per feed, errors listed per file."""

    max_file_bytes: int = 5_000_000
    max_feed_bytes: int = 500_000_000
    max_errors: int = 20
    max_title_chars: int = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(int(settings.max_file_mb * 1e6), int(settings.max_feed_mb * 1e6), settings.max_errors_per_file,
                   settings.max_title_chars)


@dataclass(frozen=True)
class Note:
    """Something worth saying about an input that was still read (e.g. a date left out)."""

    where: str
    message: str


@dataclass
class Origin:
    """One path given on the command line: its files, and what reading them found."""

    key: str  # the resolved path, stored with each article for pruning
    root: Path
    files: list[Path] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)  # the path's own (missing, wrong type)
    notes: list[Note] = field(default_factory=list)  # the path's own (files of types ingest does not read)
    failed_paths: set[str] = field(default_factory=set)  # relative paths that failed (not pruned)
    readable: bool = True  # False when the path itself is missing: prune nothing
    content_ids: bool = False  # url-less articles are named by a hash of their file (uploads)
    seen: set[str] = field(default_factory=set)  # ids of the articles read (ingest fills it, for pruning)
    articles: list[Article] = field(default_factory=list)  # filled by read_origin only
    prunable: bool = True  # articles gone from a folder or feed file are pruned

    def read(self, limits: Limits, stop: Any = None) -> Iterator[Article | ArticleError | Note]:
        return read(self, limits)

    def finish(self) -> None:
        """Nothing to remember for a folder or file (a feed URL remembers its ETag)."""


def file_type(path: Path) -> str | None:
    name = path.name.lower()
    return next((suffix for suffix in FILE_TYPES if name.endswith(suffix)), None)


def scan(path: Path, content_ids: bool = False) -> Origin:
    """The files of ``path`` (a folder or a file), without reading them."""
    if not path.exists():
        origin = Origin(key=str(path.absolute()), root=path, readable=False)
        origin.errors.append(ArticleError(str(path), "no such file or folder; check the path"))
        return origin
    origin = Origin(key=str(path.resolve()), root=path, content_ids=content_ids)
    if path.is_dir():
        skipped: dict[str, int] = {}
        beside: list[Path] = []
        special: list[Path] = []
        try:
            origin.files = sorted(_walk(path, skipped, beside, special))
            special.sort()
            if special:
                names = ", ".join(f"{_printable_path(p.relative_to(path))} ({_special(p)})" for p in special[:3])
                origin.notes.append(Note(str(path), f"left out what is not a file: {names}{' …' * (len(special) > 3)}"))
            if beside:
                names = ", ".join(_printable_path(folder.relative_to(path)) for folder in beside[:3])
                origin.notes.append(Note(str(path), f"left out {len(beside)} folder{'s' * (len(beside) != 1)} a "
                                                    f"browser saved beside a page, with its images, scripts and "
                                                    f"frames ({names}{' …' * (len(beside) > 3)})"))
            if skipped:
                kinds = ", ".join(f"{n} {suffix}" for suffix, n in sorted(skipped.items(), key=lambda kv: -kv[1]))
                total = sum(skipped.values())
                origin.notes.append(Note(str(path), f"skipped {total} file{'s' * (total != 1)} of a type ingest does "
                                                    f"not read ({kinds[:200]}); it reads {', '.join(FILE_TYPES)}"))
        except OSError as exc:
            origin.readable = False
            origin.errors.append(ArticleError(str(path), f"can't be listed ({exc.strerror}); check its permissions"))
    elif kind := _special(path):
        origin.readable = False
        origin.errors.append(_not_a_file(path, kind))
    elif file_type(path) is None:
        origin.readable = False
        origin.errors.append(ArticleError(str(path), f"unsupported file type; use one of {', '.join(FILE_TYPES)}"))
    else:
        origin.root, origin.files = path.parent, [path]
    return origin


def estimate(origin: Origin, limits: Limits) -> int:
    """About how many articles ``read`` will yield (one per file, one per feed line), for progress bars."""
    total = 0
    for file in origin.files:
        total += _count_lines(file, limits.max_feed_bytes) if file_type(file) in _FEEDS else 1
    return total


def read(origin: Origin, limits: Limits) -> Iterator[Article | ArticleError | Note]:
    """The origin's articles one by one, with an ArticleError for each input that fails."""
    yield from origin.errors
    yield from origin.notes
    for file in origin.files:
        relative = file.relative_to(origin.root).as_posix()
        failed = False
        if not _utf8_name(str(file)):  # the name goes into the store's ids and paths, which are UTF-8
            origin.failed_paths.add(relative)
            yield ArticleError(_printable_path(file), "file name is not valid UTF-8; rename the file "
                                                     "(e.g. convmv -f latin1 -t utf-8 --notest FILE)")
            continue
        try:
            for item in _read_file(file, relative, origin.content_ids, limits):
                if isinstance(item, _Gone):
                    item = Note(item.where, item.problem)
                failed = failed or isinstance(item, ArticleError)
                yield item
        except _Gone as gone:  # deleted as it would have been had it gone before the listing: pruned
            yield Note(gone.where, gone.problem)
        except ArticleError as error:
            failed = True
            yield error
        except Exception as exc:  # any parser failure is this file's, never the run's
            failed = True
            yield ArticleError(str(file), f"could not be read ({type(exc).__name__}: {str(exc)[:200]}); "
                                          "check the file, or remove it")
        if failed:
            origin.failed_paths.add(relative)


def _special(path: Path) -> str | None:
    """What ``path`` is (a link followed) when it exists but is neither a file nor a folder: "a named pipe", "a
    device" or "a socket", whose reading would wait forever or never end (``/dev/zero``); else None."""
    try:
        return _kind_of(path.stat().st_mode)
    except OSError:
        return None


def _kind_of(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is neither a file nor a folder (see ``_special``), else None."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"


def _not_a_file(path: Path, kind: str) -> ArticleError:
    return ArticleError(_printable_path(path), f"is {kind}, not a file; save the article into a file and ingest that")


def _utf8_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a byte Python could not decode, kept as a lone surrogate
        return False
    return True


def _printable_path(path: Path) -> str:
    """A path as text that can be printed and stored whatever bytes its name holds ("caf\\xe9.txt")."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_origin(path: Path, max_file_bytes: int, max_feed_bytes: int) -> Origin:
    """Everything under ``path`` at once, as an Origin with ``articles`` and ``errors`` (for small inputs)."""
    origin = scan(path)
    limits = Limits(max_file_bytes, max_feed_bytes)
    own = list(origin.errors)
    for item in read(origin, limits):
        if isinstance(item, Article):
            origin.articles.append(item)
        elif isinstance(item, ArticleError) and item not in own:
            origin.errors.append(item)
    return origin


#: The folder a browser saves a page's resources in ("Save page as … complete"): the page's name and this.
_SAVED_BESIDE = re.compile(r"[_-](?:files|dateien|archivos|fichiers|file|arquivos|bestanden|pliki|soubory|filer|"
                           r"tiedostot|dosyalar|fájlok|файлы|ファイル|文件)$", re.IGNORECASE)


def _walk(folder: Path, skipped: dict[str, int], beside: list[Path], special: list[Path]) -> Iterator[Path]:
    """The readable files under ``folder`` (hidden ones and symlinked folders left out), and the links to a file
    type it reads that point nowhere (their reading fails by name, and what they gave before stays); ``skipped``
    counts the other files by suffix. A saved page's resource folder ("Story_files" beside "Story.html": its
    images, scripts and frames, an ad's among them) is left out and listed in ``beside``; so are named pipes and
    devices that bear an article's name, listed in ``special`` (reading one would wait forever)."""
    children = list(folder.iterdir())
    pages = {child.name[: -len(child.suffix)] for child in children
             if child.suffix.lower() in (".html", ".htm", ".xhtml", ".shtml") and not child.is_dir()}
    for child in children:
        if child.name.startswith("."):
            continue
        if child.is_dir() and not child.is_symlink():
            kind = _SAVED_BESIDE.search(child.name)
            if kind and child.name[: kind.start()] in pages:
                beside.append(child)
                continue
            yield from _walk(child, skipped, beside, special)
        elif (child.is_file() or child.is_symlink() and not child.exists()) and file_type(child):
            yield child
        elif _special(child) and file_type(child):
            special.append(child)
        elif child.is_file():
            suffix = child.suffix.lower()[:12] or "without a suffix"
            skipped[suffix] = skipped.get(suffix, 0) + 1


def _read_file(file: Path, relative: str, content_ids: bool, limits: Limits) -> Iterator[Article | ArticleError | Note]:
    if special := _special(file):  # made one since the folder was listed
        raise _not_a_file(file, special)
    kind = file_type(file)
    where = str(file)
    notes: list[str] = []
    if kind in _FEEDS:
        yield from _read_feed(file, relative, content_ids, limits)
        return
    saved_from = None
    if kind in _WEB_ARCHIVES:
        data = _read_capped(file, limits.max_file_bytes * _ARCHIVE_FACTOR)
        opened = safari_archive_page if kind == ".webarchive" else web_archive_page
        page, charset, saved_from = opened(data, where, limits.max_file_bytes)
        text = decode(page, where, html=True, header_charset=charset)
    else:
        data = _read_capped(file, limits.max_file_bytes)
        text = decode(data, where, html=kind in (".html", ".htm"))
    article_id = _anonymous_id(file, data if content_ids else None)
    if kind == ".txt":
        article = parse.parse_txt(text, where, article_id, relative, notes, limits.max_title_chars)
    elif kind in (".md", ".markdown"):
        article = parse.parse_markdown(text, where, article_id, relative, notes, limits.max_title_chars)
    else:
        article = parse.parse_html(text, where, article_id, relative, notes, limits.max_title_chars, saved_from)
    yield from (Note(where, note) for note in notes)
    yield article


def web_archive_page(data: bytes, where: str, max_bytes: int) -> tuple[bytes, str | None, str | None]:
    """The page of a web archive (.mhtml / .mht: "Save as single file" in Chrome, Edge, Opera; MIME
    multipart with the page and its images): its HTML bytes (transfer encoding undone), the charset its part
    declares, and the address it was saved from; or an ArticleError."""
    import email
    import email.policy

    if (lines := data.count(b"\n--")) > _ARCHIVE_PARTS:  # each part costs the MIME parser hundreds of bytes
        raise ArticleError(where, f"holds up to {lines:,} MIME parts, far more than a page saved by a browser (the "
                                  "page and its images, a few hundred); save the page again as .html or .mhtml")
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        pages = [part for part in message.walk() if part.get_content_type() in ("text/html", "application/xhtml+xml")]
    except RecursionError:  # parts inside parts, thousands deep: no browser writes that
        raise ArticleError(where, "its MIME parts are nested too deeply to be a saved page; save the page again "
                                  "as .html or .mhtml") from None
    if not pages:
        raise ArticleError(where, "holds no HTML page (not a web archive saved by a browser?); save the page as "
                                  ".html, or its text as .txt")
    part = pages[0]  # the page itself comes first; frames after it
    page = _saved_page(part.get_payload(decode=True), where, max_bytes)
    location = part.get("Content-Location") or message.get("Snapshot-Content-Location") or ""
    return page, part.get_content_charset(), _web_address(location)


def safari_archive_page(data: bytes, where: str, max_bytes: int) -> tuple[bytes, str | None, str | None]:
    """The page of a Safari web archive (.webarchive: "Save As… Web Archive" on a Mac; a property list whose
    ``WebMainResource`` holds the page's bytes, its text encoding and its address, its images and frames
    beside it): as ``web_archive_page``."""
    import plistlib

    try:
        archive = plistlib.loads(data)
    except RecursionError:
        raise ArticleError(where, "its property list is nested too deeply to be a saved page; save the page again "
                                  "as .html or .webarchive") from None
    except Exception as exc:  # plistlib raises what its reading meets: ValueError, struct.error, expat's errors …
        raise ArticleError(where, f"is no web archive Safari wrote (its property list can't be read: "
                                  f"{type(exc).__name__}); save the page again, or as .html") from None
    main = archive.get("WebMainResource") if isinstance(archive, dict) else None
    if not isinstance(main, dict) or not isinstance(main.get("WebResourceData"), bytes):
        raise ArticleError(where, "holds no page (not a web archive saved by Safari?); save the page as .html, "
                                  "or its text as .txt")
    kind = str(main.get("WebResourceMIMEType") or "text/html").lower()
    if kind not in ("text/html", "application/xhtml+xml"):
        raise ArticleError(where, f"its page is {kind[:60]}, not a web page; save its text as a .txt file")
    charset = main.get("WebResourceTextEncodingName")
    return (_saved_page(main["WebResourceData"], where, max_bytes), charset if isinstance(charset, str) else None,
            _web_address(main.get("WebResourceURL") or ""))


def _saved_page(page: object, where: str, max_bytes: int) -> bytes:
    """A web archive's page, or an ArticleError when it is empty or over ``max_bytes``."""
    if not isinstance(page, bytes) or not page.strip():
        raise ArticleError(where, "its page is empty; save the page again")
    if len(page) > max_bytes:
        raise ArticleError(where, f"its page is {len(page) / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit; "
                                  "save its text as a .txt file or raise NEWSBOT_MAX_FILE_MB")
    return page


def _web_address(location: object) -> str | None:
    """The address a page was saved from, if it is a web address (not a file:// one)."""
    location = " ".join(str(location).split())
    return location if location.startswith(("http://", "https://")) else None


def _anonymous_id(file: Path, data: bytes | None) -> str:
    """The id of an article without a url: its file's absolute path, or (uploads) a hash of its bytes."""
    if data is not None:
        return f"upload:{hashlib.sha256(data).hexdigest()[:24]}"
    return str(file.resolve())


def _read_capped(file: Path, max_bytes: int) -> bytes:
    if file.is_symlink() and not file.exists():
        raise ArticleError(str(file), f"is a link to {os.readlink(file)!r}, which does not exist or links back; "
                                      "fix or remove the link (what it gave before stays in the store)")
    try:
        # not blocking: a named pipe put in the file's place since it was looked at must not wait for a writer
        with open(os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
            opened = os.fstat(stream.fileno())  # what is read, not what was there a moment before
            if kind := _kind_of(opened.st_mode):
                raise _not_a_file(file, kind)
            size = opened.st_size
            data = stream.read(max_bytes + 1) if size <= max_bytes else b""
        if size > max_bytes or len(data) > max_bytes:  # a file that grew, or one that says 0 (/proc)
            raise ArticleError(
                str(file),
                f"file is {max(size, len(data)) / 1e6:.1f} MB{' or more' * (size <= max_bytes)}, over the "
                f"{max_bytes / 1e6:g} MB limit; split it or raise NEWSBOT_MAX_FILE_MB",
            )
        return data
    except OSError as exc:
        raise _unreadable(file, exc) from None


class _Gone(ArticleError):
    """A file listed a moment ago that is no more: a deletion, not a failure (what it gave is pruned)."""


def _unreadable(file: Path, exc: OSError) -> ArticleError:
    """Why a file listed a moment ago can't be read, and what to do."""
    if isinstance(exc, FileNotFoundError):
        return _Gone(str(file), "was deleted or moved after the folder was listed: left out, as deleted")
    if isinstance(exc, PermissionError):
        return ArticleError(str(file), f"can't be read ({exc.strerror}); check its permissions")
    return ArticleError(str(file), f"can't be read ({exc.strerror or exc}); check the file")


def decode(data: bytes, where: str, html: bool = False, header_charset: str | None = None) -> str:
    """Text with Unix line endings, or an ArticleError saying why not.

    UTF-8 (with or without a byte order mark). An HTML page is read as browsers
    read it: by its UTF-16 byte order mark, else UTF-8, else the charset its HTTP
    header (``header_charset``) or its ``<meta>`` declares (labels as browsers
    take them: ISO-8859-1 as windows-1252; a few stray bytes become U+FFFD),
    else UTF-8 if only a few bytes are not, else windows-1252.
    """
    if not data.strip():
        raise ArticleError(where, "file is empty; add the article text or remove the file")
    # UTF-32's marks first: UTF-32 LE's begins like UTF-16 LE's
    for codec, marks in (("utf-32", (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)),
                         ("utf-16", (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        if data.startswith(marks):
            if html:
                try:
                    return _newlines(data.decode(codec))
                except UnicodeDecodeError:
                    pass
            kind = "is UTF-32 text" if codec == "utf-32" else "looks like a binary file or UTF-16 text"
            raise ArticleError(where, f"{kind}, not UTF-8; save the article as UTF-8 (e.g. iconv -f {codec} -t "
                                      "utf-8)")
    if b"\x00" in data[:8192]:
        raise ArticleError(where, "looks like a binary file, not text; save the article as .txt, .md or .html")
    try:
        return _newlines(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        if not html:
            raise ArticleError(
                where,
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "convert it, e.g. iconv -f latin1 -t utf-8",
            ) from None
    declared = [charset for charset in (_browser_charset(header_charset or ""), _declared_charset(data)) if charset]
    for charset in declared:
        try:
            return _newlines(data.decode(charset))
        except UnicodeDecodeError as wrong:
            text = data.decode(charset, errors="replace")  # a few stray bytes cost a few characters, as in browsers
            if few_replaced(text):
                return _newlines(text)
            problem = (f"declares charset {charset} but is not (byte 0x{data[wrong.start]:02x} at offset "
                       f"{wrong.start}); fix the declared charset or convert the page to UTF-8")
    if declared:
        raise ArticleError(where, problem)
    text = data.decode("utf-8", errors="replace")  # UTF-8 with a stray byte or two, as browsers detect it
    if few_replaced(text) and mostly_utf8(text):
        return _newlines(text.removeprefix("\ufeff"))
    return _newlines(data.decode("cp1252", errors="replace"))  # what browsers read an undeclared page as


def few_replaced(text: str) -> bool:
    """Whether a page decoded with replacement lost only a few stray bytes (up to 3, or 1 in 1,000 characters),
    not its whole charset."""
    return text.count("\ufffd") <= max(3, len(text) // 1000)


def mostly_utf8(text: str) -> bool:
    """Whether a page decoded as UTF-8 with replacement holds more characters UTF-8 read than bytes it could not
    (a windows-1252 page with a dozen accents in 100 kB has only the bytes UTF-8 can't read, and no others)."""
    replaced = text.count("\ufffd")
    return sum(1 for char in text if char > "\x7f") - replaced >= replaced


#: How far into a page its <meta charset> is looked for: its <head> (browsers read on past a long inline style).
_HEAD_BYTES = 65_536


def _declared_charset(data: bytes) -> str | None:
    """The charset an HTML page's <meta> declares in its head, if known (as browsers read it: a UTF-16 label in a
    page that has no UTF-16 byte order mark means UTF-8)."""
    head = data[:_HEAD_BYTES]
    if (body := re.search(rb"<body[\s>]", head, re.IGNORECASE)) is not None:
        head = head[: body.start()]
    match = _CHARSET.search(head)
    if match is None:
        return None
    charset = _browser_charset(match.group(1).decode("ascii"))
    return "utf-8" if charset and charset.replace("-", "_").startswith("utf_16") else charset


#: Labels browsers read as a larger charset (the WHATWG Encoding Standard): pages labelled ISO-8859-1 are
#: written in windows-1252 (curly quotes, dashes, €), GB2312 pages in GBK, Shift_JIS pages in its Windows form.
_AS_BROWSERS_DO = {"iso8859_1": "cp1252", "ascii": "cp1252", "iso8859_9": "cp1254", "iso8859_11": "cp874",
                   "tis_620": "cp874", "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932",
                   "euc_kr": "cp949", "big5": "big5hkscs"}
#: Labels of the Encoding Standard that Python's codecs don't know, as the codec browsers decode them with.
_BROWSER_LABELS = {
    "windows-874": "cp874", "iso-8859-8-i": "iso8859_8", "csiso88598i": "iso8859_8", "logical": "iso8859_8",
    "visual": "iso8859_8", "iso-ir-58": "gb18030", "x-gbk": "gb18030", "gb_2312": "gb18030",
    "gb_2312-80": "gb18030", "chinese": "gb18030", "csgb2312": "gb18030", "csiso58gb231280": "gb18030",
    "x-sjis": "cp932", "windows-31j": "cp932", "ms932": "cp932", "x-euc-jp": "euc_jp", "cseucpkdfmtjapanese": "euc_jp",
    "cn-big5": "big5hkscs", "x-x-big5": "big5hkscs", "csbig5": "big5hkscs", "x-mac-roman": "mac_roman",
    "csmacintosh": "mac_roman", "x-mac-cyrillic": "mac_cyrillic", "x-mac-ukrainian": "mac_cyrillic",
    "unicode-1-1-utf-8": "utf-8", "unicode11utf8": "utf-8", "unicode20utf8": "utf-8", "x-unicode20utf8": "utf-8",
    "x-user-defined": "cp1252", "ks_c_5601-1987": "cp949", "ks_c_5601-1989": "cp949", "ksc5601": "cp949",
    "ksc_5601": "cp949", "windows-949": "cp949", "csksc56011987": "cp949", "iso-ir-149": "cp949",
    "dos-874": "cp874", "iso-8859-11": "cp874", "x-cp1250": "cp1250", "x-cp1251": "cp1251", "x-cp1252": "cp1252",
    "x-cp1253": "cp1253", "x-cp1254": "cp1254", "x-cp1255": "cp1255", "x-cp1256": "cp1256", "x-cp1257": "cp1257",
    "x-cp1258": "cp1258", "iso-8859-6-i": "iso8859_6", "iso-8859-6-e": "iso8859_6", "iso-8859-8-e": "iso8859_8",
    "csiso88596i": "iso8859_6", "csiso88596e": "iso8859_6", "csiso88598e": "iso8859_8",
}


def _browser_charset(label: str) -> str | None:
    """The Python codec a browser would decode a page labelled ``label`` with, or None if unknown."""
    label = _BROWSER_LABELS.get(label.strip().lower(), label.strip())
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _AS_BROWSERS_DO.get(name.replace("-", "_"), name)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _count_lines(file: Path, max_bytes: int) -> int:
    """Lines of a feed (decompressed), counted up to ``max_bytes``; 1 if it can't be read."""
    opener = gzip.open if _gzipped(file) else open
    lines, read = 0, 0
    try:
        with opener(file, "rb") as stream:  # type: ignore[operator]
            while read < max_bytes and (block := stream.read(1 << 20)):
                lines += block.count(b"\n")
                read += len(block)
    except (OSError, EOFError, zlib.error):
        pass
    return max(lines, 1)


def _gzipped(file: Path) -> bool:
    """Whether a file holds gzip data (its first two bytes), whatever its name says."""
    try:
        with open(file, "rb") as stream:
            return stream.read(2) == b"\x1f\x8b"
    except OSError:
        return file.name.lower().endswith(".gz")  # the reading reports why it can't be read


#: A feed whose lines are nearly all bad (not JSON Lines at all: a CSV, a log, a decompression bomb of junk) is
#: read no further once this many lines failed and more than this many times as many as were articles.
_GIVE_UP_ERRORS, _GIVE_UP_SHARE = 1000, 10
_BLANK_LINES = re.compile(rb"[ \t\r\f\v\n]*\n")  # one character class: no per-line loop in the regex engine
_BLOCK = 1 << 20


class _FeedTooBig(Exception):
    """A feed read past ``Limits.max_feed_bytes`` (once decompressed)."""


class _FeedLines:
    """The lines of a feed that are not blank, as (line number, bytes), read a block at a time: a run of blank
    lines is skipped at once (a feed of millions of them costs a count, not a loop per line), a line over
    ``max_line`` bytes comes as None and is read on to its end without being kept, and reading past
    ``max_total`` bytes in all, inside a long line too, raises ``_FeedTooBig`` (a file of zeros without a line
    break, sparse or gzipped, is read no further). ``number``: the lines read so far."""

    def __init__(self, stream: Any, max_line: int, max_total: int) -> None:
        self.stream, self.max_line, self.max_total = stream, max_line, max_total
        self.number = self.total = 0

    def _read(self) -> bytes:
        block = self.stream.read1(_BLOCK)  # what one read gives: the lines before a truncated end are kept
        self.total += len(block)
        if self.total > self.max_total:
            raise _FeedTooBig
        return block

    def __iter__(self) -> Iterator[tuple[int, bytes | None]]:
        buffer, start, ended = b"", 0, False
        while True:
            if blank := _BLANK_LINES.match(buffer, start):
                self.number += buffer.count(b"\n", start, blank.end())
                start = blank.end()
            end = buffer.find(b"\n", start)
            if end != -1:
                self.number += 1
                line, start = buffer[start : end + 1], end + 1
                yield self.number, line if len(line) <= self.max_line else None
            elif ended:
                if buffer[start:].strip():  # the last line, without a line break
                    self.number += 1
                    yield self.number, buffer[start:] if len(buffer) - start <= self.max_line else None
                return
            elif len(buffer) - start > self.max_line:  # a line too long: skip to its end
                self.number += 1
                yield self.number, None
                while (block := self._read()) and (cut := block.find(b"\n")) == -1:
                    pass
                if not block:
                    return
                buffer, start = block, cut + 1
            else:
                block = self._read()
                buffer, start, ended = buffer[start:] + block, 0, not block


def _read_feed(
    file: Path, relative: str, content_ids: bool, limits: Limits
) -> Iterator[Article | ArticleError | Note]:
    """Articles of a JSON Lines feed, one error per bad line (the first few), a broken file stops the reading;
    so does a file whose lines are nearly all bad (``_GIVE_UP_ERRORS``)."""
    where = str(file)
    errors = articles = 0
    broken = False  # the file itself failed (too big, truncated, unreadable): said once
    gave_up: ArticleError | None = None
    lines = _FeedLines(None, limits.max_file_bytes, limits.max_feed_bytes)
    prefix = None if content_ids else str(file.resolve())  # uploads: url-less lines are named by content

    def failed(error: ArticleError) -> Iterator[ArticleError]:
        nonlocal errors
        errors += 1
        if errors <= limits.max_errors:
            yield error

    try:
        opener = gzip.open if _gzipped(file) else open  # by its bytes: a name can say .gz of a plain file
        with opener(file, "rb") as stream:  # type: ignore[operator]
            lines.stream = stream
            for number, line in lines:
                if line is None:
                    yield from failed(ArticleError(
                        f"{where}:{number}",
                        f"line is over the {limits.max_file_bytes / 1e6:g} MB limit; "
                        "shorten the article or raise NEWSBOT_MAX_FILE_MB",
                    ))
                else:
                    notes: list[str] = []
                    item = _feed_line(line, f"{where}:{number}", prefix, relative, notes, limits)
                    if isinstance(item, ArticleError):
                        yield from failed(item)
                    else:
                        articles += 1
                        yield from (Note(f"{where}:{number}", note) for note in notes)
                        yield item
                if errors >= _GIVE_UP_ERRORS and errors > _GIVE_UP_SHARE * articles:
                    gave_up = ArticleError(where, f"stopped reading at line {number:,}: {errors:,} lines failed and "
                                                  f"only {articles:,} were articles (is it a JSON Lines feed, one "
                                                  "JSON article per line?); fix the feed and ingest it again")
                    break
    except _FeedTooBig:
        broken = True
        yield ArticleError(
            where,
            f"feed is larger than {limits.max_feed_bytes / 1e6:g} MB once decompressed (stopped at line "
            f"{lines.number}); split it or raise NEWSBOT_MAX_FEED_MB",
        )
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        broken = True
        yield ArticleError(
            where,
            f"compressed feed is truncated or corrupt after line {lines.number} ({exc}); re-download or "
            "re-compress it",
        )
    except OSError as exc:
        broken = True
        yield _unreadable(file, exc)
    if errors > limits.max_errors:
        yield ArticleError(where, f"and {errors - limits.max_errors:,} more lines like these "
                                  f"({errors:,} of {lines.number:,} lines failed; the first {limits.max_errors} are "
                                  "listed)")
    if gave_up is not None:
        yield gave_up
    if not (errors or articles or broken):
        yield ArticleError(where, "feed is empty" + (f" ({lines.number:,} blank lines)" if lines.number else "")
                                  + "; it needs one JSON article per line")


def _feed_line(line: bytes, where: str, prefix: str | None, relative: str, notes: list[str],
               limits: Limits) -> Article | ArticleError:
    try:
        record = json.loads(decode(line, where))
    except ArticleError as error:
        return error
    except json.JSONDecodeError as exc:
        problem = exc.msg.removesuffix(" at")  # "Invalid control character at"
        return ArticleError(where, f"not valid JSON ({problem} at column {exc.colno}); fix or remove the line")
    except RecursionError:
        return ArticleError(where, "JSON nests too deeply to be an article; fix or remove the line")
    except ValueError:  # an integer of over 4,300 digits (Python's limit on reading one)
        return ArticleError(where, "holds a number too long to read (over 4,300 digits); fix or remove the line")
    try:
        return parse.parse_feed_record(record, where, prefix, relative, notes, limits.max_title_chars)
    except ArticleError as error:
        return error
    except Exception as exc:  # any failure on one line is that line's, never the rest of the feed's
        return ArticleError(where, f"could not be read ({type(exc).__name__}: {str(exc)[:200]}); fix or remove "
                                   "the line")
