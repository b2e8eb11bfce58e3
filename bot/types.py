"""The values that flow through the system: Article -> Chunk -> Passage -> Citation -> Answer.

Plain frozen dataclasses with no behaviour beyond small derived values; parsing
lives in ingest/, storage in bot/store.py, answering in bot/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One news article: its metadata and its body text.

    ``article_id`` is stable across re-ingests: the url when there is one,
    otherwise the path relative to the ingested folder (or feed line key).
    ``path`` says where it was read from, for error messages and the UI (a file,
    or the link of the feed item). ``source_version`` is what that feed item
    looked like (hashed): the same item is not fetched again. ``read_at``: when
    ingest read it (seconds since 1970; 0 when unknown), so that of two processes
    writing one article the version read last stays. None of these is part of the
    content hash.
    """

    article_id: str
    title: str
    body: str
    source: str = ""
    author: str = ""
    published: dt.date | None = None
    url: str = ""
    path: str = ""
    source_version: str = ""
    read_at: float = 0.0

    @property
    def published_iso(self) -> str:
        return self.published.isoformat() if self.published else ""

    def content_hash(self, salt: str = "") -> str:
        """A hash of everything that ends up in the store, so any edit is noticed.

        ``salt`` carries the indexing settings (model, chunk size): changing them
        makes every article count as changed.
        """
        payload = json.dumps(
            [salt, self.title, self.source, self.author, self.published_iso, self.url, self.body],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A span of an article body: ``article.body[start:end] == text``."""

    article_id: str
    index: int
    start: int
    end: int
    text: str
    n_tokens: int


#: The article metadata every passage and citation carries (``Source.metadata``).
ARTICLE_FIELDS = ("article_id", "title", "source", "published", "url", "path")


@dataclass(frozen=True)
class Source:
    """Where a passage or a quote comes from: its number ``n`` (1-based, as the answer's ``[n]``) and its
    article's metadata. ``Passage`` and ``Citation`` are both sources; ``metadata`` is the part a store,
    a LangChain Document or a "related articles" list shows."""

    n: int
    article_id: str
    title: str
    source: str
    published: str
    url: str
    path: str

    def metadata(self) -> dict[str, str]:
        """The article's metadata, without the number: article_id, title, source, published, url, path."""
        return {name: getattr(self, name) for name in ARTICLE_FIELDS}

    def source_fields(self) -> dict[str, Any]:
        """This source's own fields (the number and the metadata), to make another source of the same article."""
        return {"n": self.n, **self.metadata()}



@dataclass(frozen=True)
class Passage(Source):
    """A retrieved chunk, numbered ``n`` as it is shown to the model.

    ``start``/``end`` locate ``text`` in its article's body; ``score`` is the
    retrieval relevance (higher is better); ``body`` is that article's body, as of
    the version the passage was read from.
    """

    text: str
    start: int
    end: int
    score: float = 0.0
    body: str = field(default="", repr=False, compare=False)

    def cite(self, body: str, start: int, end: int) -> Citation:
        """The citation of ``body[start:end]`` (this passage's article's body) as this passage's source."""
        return Citation(**self.source_fields(), quote=body[start:end], start=start, end=end)


@dataclass(frozen=True)
class Citation(Source):
    """A numbered source of an answer, with a quote that is exactly ``body[start:end]``."""

    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class ShortAnswer:
    """The answer in a few words. When it is a span of a cited article (``n`` > 0), ``body[start:end] == text``
    in that citation's article, inside its quote; a model's paraphrase has ``n == 0`` and no span."""

    text: str
    n: int = 0
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Answer:
    """What the bot says: the text with ``[n]`` markers and the citations they point at.

    ``bodies`` holds the cited articles' bodies the quotes were checked against (for
    display: the UI highlights each quote inside them); it is not part of ``to_dict``.
    """

    text: str
    refused: bool = False
    citations: list[Citation] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    short: ShortAnswer | None = None
    read_as: dict[str, str] = field(default_factory=dict)  # question words searched as others: typed -> read as
    bodies: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("bodies")
        return data


def published_number(published: dt.date | None) -> int:
    """The date as a sortable integer YYYYMMDD (0 when unknown), for store filters."""
    return int(published.strftime("%Y%m%d")) if published else 0
