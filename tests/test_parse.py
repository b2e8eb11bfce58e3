"""Each article format becomes an Article with the right metadata and body."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.errors import ArticleError
from ingest import parse
from tests.conftest import SEED


def test_the_raw_seed_article_yields_its_title_source_and_date():
    article = parse.parse_txt(SEED.read_text(encoding="utf-8"), "seed", "seed.txt", "seed.txt")
    assert article.title == "Russia Urges Baku to ‘Unblock Lachin Corridor’"
    assert article.source == "Asbarez"
    assert article.author == "Asbarez"
    assert article.published == dt.date(2023, 6, 23)
    assert article.body.startswith("Russia on Wednesday called on Baku")
    assert article.body.endswith("Armenian-Turkish relations.”")
    assert "comments" not in article.body.splitlines()[-1]


def test_a_header_txt_reads_every_field_and_keeps_the_body_as_is():
    text = (
        "title: Gas hits $5\nsource: CNN\nauthor: Chris Isidore\npublished: 2022-06-11\n"
        "url: https://cnn.com/gas\n\nFirst line.\n\nSecond paragraph.\n"
    )
    article = parse.parse_txt(text, "f.txt", "f.txt", "f.txt")
    assert (article.title, article.source, article.author) == ("Gas hits $5", "CNN", "Chris Isidore")
    assert article.published == dt.date(2022, 6, 11)
    assert article.article_id == article.url == "https://cnn.com/gas"
    assert article.body == "First line.\n\nSecond paragraph."


def test_unknown_header_values_become_empty_and_the_id_falls_back_to_the_path():
    text = "title: T\nsource: CNN\nauthor: unknown\npublished: unknown\nurl: unknown\n\nBody."
    article = parse.parse_txt(text, "a/f.txt", "a/f.txt", "a/f.txt")
    assert (article.author, article.published, article.url) == ("", None, "")
    assert article.article_id == "a/f.txt"


def test_markdown_front_matter_gives_the_metadata():
    text = "---\ntitle: Hello\nsource: Wire\ndate: 2024-01-02\nurl: https://x.org/a\n---\n\nBody text here.\n"
    article = parse.parse_markdown(text, "a.md", "a.md", "a.md")
    assert (article.title, article.source, article.published) == ("Hello", "Wire", dt.date(2024, 1, 2))
    assert article.body == "Body text here."


def test_markdown_without_front_matter_takes_its_heading_as_title():
    article = parse.parse_markdown("# A heading\n\nThe body.", "a.md", "a.md", "a.md")
    assert (article.title, article.body) == ("A heading", "The body.")


def test_an_html_page_is_read_by_trafilatura_with_its_metadata():
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story about the harbour bridge reopening after repairs.</p>" for i in range(8)
    )
    html = (
        "<html><head><title>Bridge reopens | Daily</title>"
        '<meta name="author" content="Jane Roe"><meta property="article:published_time" content="2023-05-04">'
        '<meta property="og:url" content="https://daily.example/bridge"></head>'
        f"<body><nav>Home | News</nav><article><h1>Bridge reopens</h1>{paragraphs}</article>"
        "<footer>Copyright</footer></body></html>"
    )
    article = parse.parse_html(html, "b.html", "b.html", "b.html")
    assert article.title.startswith("Bridge reopens")
    assert article.author == "Jane Roe"
    assert article.published == dt.date(2023, 5, 4)
    assert article.url == "https://daily.example/bridge"
    assert "Paragraph 7 of the story" in article.body
    assert "Copyright" not in article.body


def test_a_feed_record_keeps_its_url_as_id():
    record = json.loads(
        '{"title": "T", "source": "S", "author": null, "published": "2022-01-02", "url": "https://u", "body": "B."}'
    )
    article = parse.parse_feed_record(record, "feed.jsonl:1", "feed.jsonl", "feed.jsonl")
    assert (article.article_id, article.published, article.author) == ("https://u", dt.date(2022, 1, 2), "")


def test_a_url_that_is_no_web_address_is_left_out_with_a_note():
    notes: list[str] = []
    record = {"title": "T", "url": "javascript:alert(1)", "body": "B."}
    article = parse.parse_feed_record(record, "feed.jsonl:1", "feed.jsonl", "feed.jsonl", notes)
    assert article.url == "" and article.article_id.startswith("feed.jsonl#sha:")
    assert notes == ["url 'javascript:alert(1)' is not an http(s) address; left empty"]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"title": "T"}, "no 'body'"),
        ({"title": "T", "body": "   "}, "no 'body'"),
        ({"title": 5, "body": "B"}, "'title' must be a string"),
        ({"id": True, "body": "B"}, "'id' must be a string, not bool"),
        (["not", "an", "object"], "not an object"),
    ],
)
def test_a_bad_feed_record_is_refused_with_the_reason(record, message):
    with pytest.raises(ArticleError, match=message) as caught:
        parse.parse_feed_record(record, "feed.jsonl:7", "feed.jsonl", "feed.jsonl")
    assert caught.value.where == "feed.jsonl:7"


def test_a_header_without_a_blank_line_is_refused():
    with pytest.raises(ArticleError, match="no blank line"):
        parse.parse_txt("title: T\nsource: S", "x.txt", "x.txt", "x.txt")


def test_a_raw_txt_with_only_a_title_is_refused():
    with pytest.raises(ArticleError, match="no body"):
        parse.parse_txt("Just a title\n\ncomments\n", "x.txt", "x.txt", "x.txt")


@pytest.mark.parametrize(
    ("published", "note"),
    [
        (20220101, "not a date (a int)"),
        ("someday", "has no full date"),
        ("Friday", "has no full date"),  # dateutil would make it the coming Friday
        ("Comments 12", "has no full date"),  # ... and this the 12th of this month
        ("June 2023", "has no full date"),
        ("2999-01-01", "in the future"),
    ],
)
def test_only_dates_that_are_really_there_are_kept_the_rest_is_left_empty_with_a_note(published, note):
    notes: list[str] = []
    article = parse.parse_feed_record({"body": "B", "published": published}, "feed.jsonl:7", "/f.jsonl",
                                      "feed.jsonl", notes)
    assert article.published is None
    assert len(notes) == 1 and note in notes[0]


@pytest.mark.parametrize("written", ["Friday, 23 June 2023", "23 June 2023", "June 23, 2023 10:30 EST",
                                     "2023-06-23T10:00:00Z", "Published on Jun 23 2023"])
def test_written_dates_with_year_month_and_day_are_read(written):
    assert parse.parse_date(written, "x") == dt.date(2023, 6, 23)


def test_a_byline_with_junk_instead_of_a_date_keeps_the_source_and_no_date():
    notes: list[str] = []
    article = parse.parse_txt("Title\nBy Probe Wire | Comments 12\nThe body.", "x.txt", "/x.txt", "x.txt", notes)
    assert (article.source, article.published) == ("Probe Wire", None)
    assert "no full date" in notes[0]


def test_long_titles_and_authors_are_cut_with_a_note():
    notes: list[str] = []
    article = parse.make_article("x", "x", "x", {"title": "T" * 1_000_000, "author": "A" * 5000}, "Body.", notes)
    assert len(article.title) == 300 and article.title.endswith("…") and len(article.author) == 300
    assert len(notes) == 2


def test_lone_surrogates_from_json_become_replacement_characters():
    article = parse.parse_feed_record(json.loads('{"title": "T\\ud800", "body": "a \\udfff b"}'), "f:1", "/f",
                                      "f")
    assert article.body == "a \ufffd b" and article.title == "T\ufffd"
    article.content_hash()  # encodes as UTF-8 without error


def test_yaml_aliases_and_deep_nesting_in_front_matter_are_refused():
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    ) + "title: *i\n---\nBody.\n"
    with pytest.raises(ArticleError, match="aliases"):
        parse.parse_markdown(bomb, "bomb.md", "/bomb.md", "bomb.md")
    deep = "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n"
    with pytest.raises(ArticleError, match="nests deeper"):
        parse.parse_markdown(deep, "deep.md", "/deep.md", "deep.md")
