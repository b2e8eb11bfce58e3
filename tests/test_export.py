"""bot/export.py: a conversation as Markdown and JSON, built from real Answers with checked quotes.

tests/test_library.py checks that one answer's short answer, quote and link
reach both formats; here: several turns and refusals, quotes of several lines,
the JSON holding exactly ``Answer.to_dict()``, and hostile text that must not
change the Markdown's structure.
"""

from __future__ import annotations

import json
import re

import pytest

from bot.export import as_json, as_markdown
from bot.prompts import REFUSAL
from bot.types import Answer, Passage, ShortAnswer

BODY = ("Ferries to Ostrak run twice a day from July.\nThe first leaves at 7:00.\n"
        "Fares stay at 4 euros, the council said.")


def _passage(**overrides) -> Passage:
    fields = dict(n=1, article_id="https://x.test/ferry", title="Ferry timetable changes", source="Wire",
                  published="2023-07-02", url="https://x.test/ferry", path="feed.jsonl", text=BODY, start=0,
                  end=len(BODY), body=BODY)
    return Passage(**{**fields, **overrides})


def _answer(passage: Passage, quote: str, text: str, short: str = "") -> dict:
    start = passage.body.index(quote)
    citation = passage.cite(passage.body, start, start + len(quote))
    short_answer = ShortAnswer(short, citation.n, passage.body.index(short), passage.body.index(short) + len(short)) \
        if short else None
    return Answer(text, citations=[citation], short=short_answer, bodies={passage.article_id: passage.body}).to_dict()


def _markdown_lines(markdown: str, prefix: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith(prefix)]


def test_every_turn_is_numbered_in_order_and_a_refusal_has_no_sources():
    turns = [
        {"question": "When do ferries run?",
         "answer": _answer(_passage(), "Ferries to Ostrak run twice a day from July.", "Twice a day [1].",
                           "twice a day")},
        {"question": "What is the capital of Australia?", "answer": Answer(REFUSAL, refused=True).to_dict()},
        {"question": "How much is a fare?",
         "answer": _answer(_passage(), "Fares stay at 4 euros", "4 euros [1].", "4 euros")},
    ]
    markdown = as_markdown(turns, "Ferries")
    assert markdown.startswith("# Ferries\n")
    assert _markdown_lines(markdown, "## ") == ["## 1. When do ferries run?", "## 2. What is the capital of Australia?",
                                                "## 3. How much is a fare?"]
    refusal = markdown.split("## 2.")[1].split("## 3.")[0]
    assert REFUSAL in refusal and "[1]" not in refusal and ">" not in refusal and "**" not in refusal
    source_line = "[1] Ferry timetable changes (Wire, 2023-07-02) — <https://x.test/ferry>"
    assert _markdown_lines(markdown, "[1] ") == [source_line, source_line]


def test_a_quote_of_several_lines_stays_one_blockquote_holding_the_verified_text():
    quote = "The first leaves at 7:00.\nFares stay at 4 euros"
    answer = _answer(_passage(), quote, "At 7:00 [1].")
    markdown = as_markdown([{"question": "When is the first ferry?", "answer": answer}])
    assert "> The first leaves at 7:00.\n> Fares stay at 4 euros\n" in markdown
    quoted = "\n".join(line[2:] for line in _markdown_lines(markdown, "> "))
    assert quoted == answer["citations"][0]["quote"] == quote


def test_the_json_is_the_title_and_the_turns_as_given_with_their_text_unescaped():
    answer = _answer(_passage(title="Ереван — паромы", source="Ազատություն"), "Fares stay at 4 euros", "4 € [1].")
    turns = [{"question": "Сколько стоит билет?", "answer": answer}]
    exported = as_json(turns, "Билеты")
    assert json.loads(exported) == {"title": "Билеты", "turns": turns}
    assert "Ереван — паромы" in exported and "Ազատություն" in exported  # readable, not \\u escapes


def test_an_untitled_conversation_and_a_turn_without_an_answer_still_export():
    markdown = as_markdown([{"question": "Anything?"}])
    assert markdown == "# A conversation with the news bot\n\n## 1. Anything?\n"
    assert json.loads(as_json([]))["turns"] == []


@pytest.mark.parametrize("hostile", [
    "Who?\n# A heading of its own",
    "Who?\n\n## 2. A fake second turn",
    "Who?\n[9] A fake source (Wire, 2023-01-01)",
    "Who?\n> a fake quote",
])
def test_line_breaks_in_a_question_title_short_answer_or_source_title_cannot_start_a_markdown_block(hostile):
    passage = _passage(title=hostile)
    answer = _answer(passage, "Fares stay at 4 euros", "4 euros [1].", "4 euros")
    answer["short"]["text"] = hostile
    markdown = as_markdown([{"question": hostile, "answer": answer}], title=hostile)
    flat = " ".join(hostile.split()).replace("[", "\\[").replace("]", "\\]").replace(">", "\\>")
    assert _markdown_lines(markdown, "#") == [f"# {flat}", f"## 1. {flat}"]
    assert _markdown_lines(markdown, "[") == [f"[1] {flat} (Wire, 2023-07-02) — <https://x.test/ferry>"]
    assert _markdown_lines(markdown, ">") == ["> Fares stay at 4 euros"]
    assert f"**{flat}**" in markdown


def test_a_quote_holding_markdown_stays_inside_its_blockquote():
    body = "Intro.\n# Not a heading\n## 2. Not a turn\n[7] Not a source"
    passage = _passage(body=body, text=body, end=len(body))
    answer = _answer(passage, "# Not a heading\n## 2. Not a turn\n[7] Not a source", "Odd [1].")
    markdown = as_markdown([{"question": "What?", "answer": answer}])
    assert _markdown_lines(markdown, "#") == ["# A conversation with the news bot", "## 1. What?"]
    assert _markdown_lines(markdown, ">") == ["> \\# Not a heading", "> \\## 2. Not a turn", "> \\[7\\] Not a source"]


def test_links_images_and_tags_in_an_answer_or_a_quote_are_written_as_plain_text():
    body = "See [the deal](javascript:alert(1)) and <img src=x onerror=alert(1)> now."
    passage = _passage(body=body, text=body, end=len(body))
    answer = _answer(passage, body, "Read [this](https://evil.test) <b>now</b> [1].")
    markdown = as_markdown([{"question": "What?", "answer": answer}])
    unescaped = re.compile(r"(?<!\\)(?:\[the deal\]|\[this\]|<img|<b>)")
    assert not unescaped.search(markdown)
    assert "> See \\[the deal\\](javascript:alert(1)) and \\<img src=x onerror=alert(1)\\> now." in markdown


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>hi</b>", "/etc/passwd", "ftp://x.test/a"])
def test_only_http_links_are_written_as_links(url):
    answer = _answer(_passage(url=url), "Fares stay at 4 euros", "4 euros [1].")
    markdown = as_markdown([{"question": "How much?", "answer": answer}])
    assert _markdown_lines(markdown, "[1] ") == ["[1] Ferry timetable changes (Wire, 2023-07-02)"]
    assert url not in markdown


@pytest.mark.parametrize("field", ["source", "url"])
def test_line_breaks_in_a_citations_source_or_url_cannot_start_a_markdown_block(field):
    value = {"source": "Wire\n# Injected", "url": "https://x.test/a>\n# Injected"}[field]
    answer = _answer(_passage(**{field: value}), "Fares stay at 4 euros", "4 euros [1].")
    markdown = as_markdown([{"question": "How much?", "answer": answer}])
    assert _markdown_lines(markdown, "# Injected") == []


def test_a_question_searched_with_a_word_read_as_another_says_so_in_the_markdown():
    answer = _answer(_passage(), "Fares stay at 4 euros", "4 euros [1].", "4 euros")
    turns = [{"question": "How much is a fare to Ostrk?", "answer": {**answer, "read_as": {"Ostrk]": "Ostrak"}}}]
    markdown = as_markdown(turns)
    assert "_Searched for “Ostrak” (typed “Ostrk\\]”)._" in markdown.splitlines()  # escaped as every text is
    assert json.loads(as_json(turns))["turns"][0]["answer"]["read_as"] == {"Ostrk]": "Ostrak"}
    assert "Searched for" not in as_markdown([{"question": "How much?", "answer": answer}])
