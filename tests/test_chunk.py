"""Chunks are exact spans of the body, sentence-aligned, and within the model's token limit."""

from __future__ import annotations

import pytest

from bot.text import sentence_spans
from bot.types import Article
from ingest.chunk import Chunker
from ingest.parse import parse_txt
from ingest.sources import read_origin
from tests.conftest import EVAL_ARTICLES, SEED


def _article(body: str, title: str = "A title") -> Article:
    return Article(article_id="a", title=title, body=body, source="Wire")


def test_sentences_split_at_full_stops_but_not_at_abbreviations():
    text = "Gen. Smith met U.S. officials on Jan. 5. They talked.\nNew paragraph here"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Gen. Smith met U.S. officials on Jan. 5.",
        "They talked.",
        "New paragraph here",
    ]


def test_quoted_sentences_end_after_the_closing_quote():
    text = "She said “it is over.” Then she left."
    assert [text[s:e] for s, e in sentence_spans(text)] == ["She said “it is over.”", "Then she left."]


def test_every_chunk_is_the_exact_body_span_of_its_offsets(tokenizer):
    article = parse_txt(SEED.read_text(encoding="utf-8"), "seed", "seed", "seed")
    chunks = Chunker(tokenizer[0], 128).chunks(article)
    assert len(chunks) > 1
    for chunk in chunks:
        assert article.body[chunk.start : chunk.end] == chunk.text
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_chunks_cover_every_sentence_once_in_order(tokenizer):
    article = parse_txt(SEED.read_text(encoding="utf-8"), "seed", "seed", "seed")
    chunks = Chunker(tokenizer[0], 128).chunks(article)
    sentences = sentence_spans(article.body)
    starts = {chunk.start for chunk in chunks}
    assert starts <= {start for start, _ in sentences}
    assert all(a.end < b.start for a, b in zip(chunks, chunks[1:]))
    assert chunks[0].start == sentences[0][0] and chunks[-1].end == sentences[-1][1]


def test_no_embedded_text_exceeds_the_model_limit(tokenizer):
    tok, limit = tokenizer
    origin = read_origin(EVAL_ARTICLES, 5_000_000, 50_000_000)
    if not origin.articles:
        pytest.skip("shared eval articles not present")
    chunker = Chunker(tok, limit)
    for article in origin.articles[:60]:
        for chunk in chunker.chunks(article):
            n_tokens = len(tok(chunker.embedding_text(article, chunk))["input_ids"])
            assert n_tokens <= limit, (article.path, chunk.index, n_tokens)


def test_a_sentence_longer_than_the_limit_is_cut_not_truncated(tokenizer):
    tok, _ = tokenizer
    body = " ".join(f"word{n}" for n in range(600))  # one huge sentence, no punctuation
    article = _article(body)
    chunker = Chunker(tok, 128)
    chunks = chunker.chunks(article)
    assert len(chunks) > 2
    assert " ".join(chunk.text for chunk in chunks) == body
    assert all(len(tok(chunker.embedding_text(article, c))["input_ids"]) <= 128 for c in chunks)


def test_a_very_long_title_is_cut_in_the_embedded_line_only(tokenizer):
    tok, _ = tokenizer
    article = _article("Short body.", title="Headline " * 100)
    chunker = Chunker(tok, 256)
    (chunk,) = chunker.chunks(article)
    assert chunk.text == "Short body."
    assert len(tok(chunker.embedding_text(article, chunk))["input_ids"]) <= 256


def test_the_embedded_text_starts_with_title_source_and_date(tokenizer):
    import datetime as dt

    article = Article("a", "Big news", "Body.", source="CNN", published=dt.date(2022, 6, 11))
    chunker = Chunker(tokenizer[0], 256)
    (chunk,) = chunker.chunks(article)
    assert chunker.embedding_text(article, chunk) == "Big news (CNN, 2022-06-11)\nBody."
