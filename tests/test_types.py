"""bot/types.py: the content hash, a source's metadata, a passage's citations, an answer as a dict, date numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from bot.types import ARTICLE_FIELDS, Answer, Article, Citation, Passage, ShortAnswer, Source, published_number

ARTICLE = Article(article_id="https://x.test/1", title="Harbour bridge reopens", body="The bridge reopened on Monday.",
                  source="Wire", author="Ann Reporter", published=dt.date(2023, 6, 20), url="https://x.test/1",
                  path="feeds/wire.jsonl", source_version="item-v1")

BODY = "Intro line. The harbour bridge reopened on Monday after repairs. Traffic returned."
PASSAGE = Passage(n=2, article_id="a", title="Harbour bridge", source="Wire", published="2023-06-20",
                  url="https://x.test/a", path="a.txt", text="The harbour bridge reopened on Monday after repairs.",
                  start=12, end=64, score=0.8, body=BODY)


@pytest.mark.parametrize(("name", "value"), [
    ("title", "Harbour bridge stays shut"),
    ("body", "The bridge reopened on Tuesday."),
    ("source", "Gazette"),
    ("author", "Bo Writer"),
    ("published", dt.date(2023, 6, 21)),
    ("published", None),
    ("url", "https://x.test/2"),
])
def test_any_edit_of_what_is_stored_changes_the_content_hash(name, value):
    assert dataclasses.replace(ARTICLE, **{name: value}).content_hash() != ARTICLE.content_hash()


@pytest.mark.parametrize(("name", "value"), [("path", "elsewhere/wire.jsonl"), ("source_version", "item-v2")])
def test_where_an_article_was_read_from_is_not_part_of_its_hash(name, value):
    assert dataclasses.replace(ARTICLE, **{name: value}).content_hash() == ARTICLE.content_hash()


def test_the_salt_of_the_indexing_settings_changes_every_hash():
    assert ARTICLE.content_hash("model-a|512") != ARTICLE.content_hash("model-b|512") != ARTICLE.content_hash()
    assert ARTICLE.content_hash("model-a|512") == dataclasses.replace(ARTICLE).content_hash("model-a|512")


def test_moving_text_between_fields_changes_the_hash():
    first = dataclasses.replace(ARTICLE, title="Harbour", source="bridge Wire")
    second = dataclasses.replace(ARTICLE, title="Harbour bridge", source="Wire")
    assert first.content_hash() != second.content_hash()


def test_a_hash_is_hex_sha256_and_non_ascii_text_hashes_too():
    digest = dataclasses.replace(ARTICLE, title="Ереван — café ✓").content_hash()
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_a_published_date_reads_as_iso_text_or_nothing():
    assert ARTICLE.published_iso == "2023-06-20"
    assert dataclasses.replace(ARTICLE, published=None).published_iso == ""


def test_a_sources_metadata_is_its_article_fields_without_the_number():
    source = Source(n=3, article_id="a", title="T", source="Wire", published="2023-06-20", url="https://x.test/a",
                    path="a.txt")
    assert source.metadata() == {"article_id": "a", "title": "T", "source": "Wire", "published": "2023-06-20",
                                 "url": "https://x.test/a", "path": "a.txt"}
    assert tuple(source.metadata()) == ARTICLE_FIELDS
    assert source.source_fields() == {"n": 3, **source.metadata()}


def test_a_passages_source_fields_leave_out_its_text_span_score_and_body():
    assert set(PASSAGE.source_fields()) == {"n", *ARTICLE_FIELDS}
    assert Source(**PASSAGE.source_fields()).metadata() == PASSAGE.metadata()


def test_a_passage_cites_the_exact_span_of_the_body_as_its_own_source():
    start = BODY.index("bridge reopened")
    citation = PASSAGE.cite(BODY, start, start + len("bridge reopened on Monday"))
    assert citation == Citation(n=2, article_id="a", title="Harbour bridge", source="Wire", published="2023-06-20",
                                url="https://x.test/a", path="a.txt", quote="bridge reopened on Monday",
                                start=start, end=start + 25)
    assert BODY[citation.start:citation.end] == citation.quote


def test_a_citation_quotes_the_body_it_is_given_not_the_passage_text():
    newer = "Rewritten intro. " + BODY
    citation = PASSAGE.cite(newer, 0, 16)
    assert citation.quote == "Rewritten intro." and citation.metadata() == PASSAGE.metadata()


def test_an_answer_as_a_dict_holds_its_citations_and_short_answer_but_not_the_bodies():
    citation = PASSAGE.cite(BODY, 12, 64)
    answer = Answer("The bridge reopened [2].", citations=[citation], related=[{"title": "Other"}],
                    short=ShortAnswer("Monday", n=2, start=51, end=57), bodies={"a": BODY})
    data = answer.to_dict()
    assert "bodies" not in data and answer.bodies == {"a": BODY}  # the answer itself keeps them
    assert data["citations"] == [{**citation.source_fields(), "quote": citation.quote, "start": 12, "end": 64}]
    assert data["short"] == {"text": "Monday", "n": 2, "start": 51, "end": 57}
    assert data["refused"] is False and data["related"] == [{"title": "Other"}]
    assert json.loads(json.dumps(data)) == data  # plain JSON values all the way down


def test_answers_compare_without_their_bodies():
    assert Answer("x", bodies={"a": "one"}) == Answer("x", bodies={"a": "two"})


@pytest.mark.parametrize(("published", "number"), [
    (dt.date(2023, 6, 5), 20230605),
    (dt.date(1999, 12, 31), 19991231),
    (dt.date(2024, 1, 1), 20240101),
    (None, 0),
])
def test_a_published_date_becomes_a_yyyymmdd_number_and_an_unknown_one_zero(published, number):
    assert published_number(published) == number


def test_date_numbers_sort_as_the_dates_do():
    dates = [dt.date(2023, 1, 31), dt.date(2022, 12, 1), dt.date(2023, 2, 1), dt.date(2023, 1, 9)]
    assert sorted(dates, key=published_number) == sorted(dates)
