"""Split article bodies into sentence-aligned chunks that fit the embedding model.

Each Chunk keeps its article id and character offsets, so ``body[start:end]`` is
exactly its text and an answer can quote the source. Sentences without a single
letter or digit (a line of dots, a row of dashes) are left out of the chunks. Chunks never cross a
paragraph's sentence in the middle, never overlap, and never hold more tokens
than the model reads (counted with the model's own tokenizer, the special
tokens and the embedded title line included): nothing is silently truncated.
A sentence longer than the limit on its own is cut at token boundaries.

Nothing here embeds or stores; ``Chunker.embedding_text`` only says what gets embedded.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from typing import Protocol

from bot.text import sentence_spans, trim
from bot.types import Article, Chunk

_TITLE_TOKENS_MAX = 48


class Tokenizer(Protocol):
    """The part of a Hugging Face fast tokenizer the chunker uses."""

    def __call__(self, text: str, **kwargs: object) -> object: ...


def _has_words(body: str, start: int, end: int) -> bool:
    """Whether body[start:end] holds a letter or digit (a run of dots or dashes is not worth embedding)."""
    return any(char.isalnum() for char in body[start:end])


def title_line(article: Article) -> str:
    """The line embedded above every chunk: title, source and date of the article."""
    details = ", ".join(part for part in (article.source, article.published_iso) if part)
    return f"{article.title} ({details})" if details else article.title


class Chunker:
    """Packs sentences greedily into chunks of at most ``max_tokens`` model tokens.

    ``max_tokens`` counts everything the model reads: [CLS], the title line,
    the chunk text and [SEP].
    """

    def __init__(self, tokenizer: Tokenizer, max_tokens: int) -> None:
        if max_tokens < _TITLE_TOKENS_MAX + 16:
            raise ValueError(f"max_tokens={max_tokens} is too small; use at least {_TITLE_TOKENS_MAX + 16}")
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens

    def _offsets(self, text: str) -> list[tuple[int, int]]:
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [tuple(pair) for pair in encoded["offset_mapping"]]  # type: ignore[index]

    def embedded_title(self, article: Article) -> str:
        """The article's title line, cut to at most 48 tokens."""
        return self._title(title_line(article))[0]

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one Chunker per Indexer; called for every chunk of an article
    def _title(self, line: str) -> tuple[str, int]:
        """``line`` cut to at most 48 tokens, and its token count."""
        offsets = self._offsets(line)
        if len(offsets) <= _TITLE_TOKENS_MAX:
            return line, len(offsets)
        cut = line[: offsets[_TITLE_TOKENS_MAX - 1][1]]
        return cut, len(self._offsets(cut))  # counted again: a word cut in two may split differently

    def embedding_text(self, article: Article, chunk: Chunk) -> str:
        """What is embedded for a chunk: its article's title line, then the chunk text."""
        return f"{self.embedded_title(article)}\n{chunk.text}"

    def budget(self, article: Article) -> int:
        """Tokens left for chunk text once [CLS], [SEP] and the title line are counted."""
        return self.max_tokens - 2 - self._title(title_line(article))[1]

    def chunks(self, article: Article) -> list[Chunk]:
        body = article.body
        budget = self.budget(article)
        offsets = self._offsets(body)  # the body is tokenized once
        token_starts = [start for start, _ in offsets]
        token_ends = [end for _, end in offsets]
        pieces = [piece for piece in self._pieces(body, token_starts, token_ends, budget)
                  if _has_words(body, piece[0], piece[1])]
        chunks: list[Chunk] = []
        current: list[tuple[int, int, int]] = []
        used = 0
        for start, end, n_tokens in pieces:
            if current and used + n_tokens > budget:
                chunks.append(self._make(article, len(chunks), current))
                current, used = [], 0
            current.append((start, end, n_tokens))
            used += n_tokens
        if current:
            chunks.append(self._make(article, len(chunks), current))
        return chunks

    def _pieces(
        self, body: str, starts: list[int], ends: list[int], budget: int
    ) -> Iterator[tuple[int, int, int]]:
        """Sentences with their token counts; a sentence over budget is cut at tokens."""
        for start, end in sentence_spans(body):
            first = bisect.bisect_left(starts, start)
            last = bisect.bisect_left(starts, end)
            n_tokens = last - first
            if n_tokens <= budget:
                yield start, end, n_tokens
                continue
            piece_first = first
            while piece_first < last:
                piece_last = min(piece_first + budget, last)
                if piece_last < last:  # prefer to cut before a token that starts a word
                    word_start = next(
                        (i for i in range(piece_last, piece_first, -1) if body[starts[i] - 1].isspace()),
                        piece_last,
                    )
                    piece_last = word_start
                piece = trim(body, starts[piece_first], min(ends[piece_last - 1], end))
                if piece:
                    yield piece[0], piece[1], piece_last - piece_first
                piece_first = piece_last

    @staticmethod
    def _make(article: Article, index: int, parts: list[tuple[int, int, int]]) -> Chunk:
        start, end = parts[0][0], parts[-1][1]
        return Chunk(
            article_id=article.article_id,
            index=index,
            start=start,
            end=end,
            text=article.body[start:end],
            n_tokens=sum(part[2] for part in parts),
        )
