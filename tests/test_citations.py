"""A citation is shown only when its quote is really in the cited article, whatever the model wrote."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.citations import CheckedAnswer, check, extract
from bot.prompts import REFUSAL
from bot.types import Passage
from tests.conftest import seed_body

ASBAREZ = "asbarez-lachin"
OTHER = "other-article"


BODY = seed_body()
OTHER_BODY = (
    "Armenia's prime minister said on Thursday that the talks in Washington made real progress. "
    "He added that a peace treaty could be signed before the end of the year."
)
BODIES = {ASBAREZ: BODY, OTHER: OTHER_BODY}


def _passage(n: int, article_id: str, body: str, inside: str) -> Passage:
    """Passage ``n``: the paragraph of ``body`` that contains ``inside``."""
    at = body.index(inside)
    start = body.rfind("\n\n", 0, at) + 2 if "\n\n" in body[:at] else 0
    end = body.find("\n\n", at) if "\n\n" in body[at:] else len(body)
    return Passage(
        n=n,
        article_id=article_id,
        title=f"Title of {article_id}",
        source="Asbarez" if article_id == ASBAREZ else "Wire",
        published="2023-06-23",
        url=f"https://example.org/{article_id}",
        path=f"{article_id}.txt",
        text=body[start:end],
        start=start,
        end=end,
    )


PASSAGES = [
    _passage(1, ASBAREZ, BODY, "Russia on Wednesday called on Baku"),
    _passage(2, ASBAREZ, BODY, "She emphasized that the November 9"),
    _passage(3, OTHER, OTHER_BODY, "talks in Washington"),
]


def _checked(raw: str, passages: list[Passage] = PASSAGES, bodies: dict[str, str] = BODIES) -> CheckedAnswer:
    """``check(raw)``, after asserting the invariant every citation must keep."""
    answer = check(raw, passages, bodies)
    for citation in answer.citations:
        assert bodies[citation.article_id][citation.start : citation.end] == citation.quote
    return answer


def _quotes(answer: CheckedAnswer) -> list[tuple[int, str]]:
    return [(c.n, c.quote) for c in answer.citations]


# extract


def test_the_quotes_section_is_split_from_the_answer():
    raw = (
        "Russia called on Baku to unblock the corridor [1]. Zakharova said the deal is still valid [2].\n\n"
        "Quotes:\n"
        '[1] "Russia on Wednesday called on Baku to unblock the Lachin Corridor"\n'
        '[2] "is as relevant as it was before"\n'
    )
    text, quotes = extract(raw)
    assert text == "Russia called on Baku to unblock the corridor [1]. Zakharova said the deal is still valid [2]."
    assert quotes == {
        1: ["Russia on Wednesday called on Baku to unblock the Lachin Corridor"],
        2: ["is as relevant as it was before"],
    }


@pytest.mark.parametrize("header", ["Quotes:", "quote:", "**Quotes:**", "**Sources**:", "## Citations", "References"])
@pytest.mark.parametrize(
    "line",
    [
        '[1] "unblock the Lachin Corridor"',
        "[1]: “unblock the Lachin Corridor”",
        "- [1] 'unblock the Lachin Corridor'",
        '1. "unblock the Lachin Corridor"',
        "* [1] unblock the Lachin Corridor",
        '- "unblock the Lachin Corridor" [1]',
    ],
)
def test_every_usual_quotes_section_is_read(header, line):
    text, quotes = extract(f"Russia wants the corridor open [1].\n\n{header}\n{line}\n")
    assert text == "Russia wants the corridor open [1]."
    assert quotes == {1: ["unblock the Lachin Corridor"]}


def test_an_answer_label_is_not_part_of_the_answer():
    assert extract("**Answer:** Russia wants the corridor open [1].")[0] == "Russia wants the corridor open [1]."


def test_bare_quote_lines_at_the_end_are_a_quotes_section():
    text, quotes = extract('Russia wants the corridor open [1].\n\n[1] "unblock the Lachin Corridor"')
    assert text == "Russia wants the corridor open [1]."
    assert quotes == {1: ["unblock the Lachin Corridor"]}


@pytest.mark.parametrize("markers", ["[1][2]", "[1, 2]", "[1,2]", "[1] [2]"])
def test_marker_lists_become_separate_markers(markers):
    text, _ = extract(f"Moscow backs the deal {markers}.")
    assert text == "Moscow backs the deal [1] [2]."


def test_an_inline_quote_is_given_to_the_nearest_marker_in_its_sentence():
    raw = (
        'Russia spoke up [1]. Zakharova said the deal "is as relevant as it was before." [2] '
        '[3] "the talks in Washington made real progress" as well.'
    )
    _, quotes = extract(raw)
    assert quotes == {2: ["is as relevant as it was before."], 3: ["the talks in Washington made real progress"]}


def test_a_quoted_word_or_two_is_not_taken_for_a_quote():
    assert extract('Russia called the blockade "unacceptable" [1].')[1] == {}


# check


def test_a_well_formed_answer_keeps_its_markers_and_verified_quotes():
    raw = (
        "Russia called on Baku to unblock the corridor [1]. Zakharova said the deal still holds [2].\n\n"
        "Quotes:\n"
        '[1] "Russia on Wednesday called on Baku to unblock the Lachin Corridor"\n'
        '[2] "is as relevant as it was before"\n'
    )
    answer = _checked(raw)
    assert not answer.refused
    assert answer.text == "Russia called on Baku to unblock the corridor [1]. Zakharova said the deal still holds [2]."
    assert _quotes(answer) == [
        (1, "Russia on Wednesday called on Baku to unblock the Lachin Corridor"),
        (2, "is as relevant as it was before"),
    ]
    first = answer.citations[0]
    assert (first.article_id, first.title, first.source, first.url) == (
        ASBAREZ,
        PASSAGES[0].title,
        "Asbarez",
        PASSAGES[0].url,
    )


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("Russia urged Baku to open the corridor [1][7].", "Russia urged Baku to open the corridor [1]."),
        ("Russia urged Baku [7] to open the corridor [1].", "Russia urged Baku to open the corridor [1]."),
        ("[7] Russia urged Baku to open the corridor [1].", "Russia urged Baku to open the corridor [1]."),
        ("Russia urged Baku to open the corridor [0] [1].", "Russia urged Baku to open the corridor [1]."),
    ],
)
def test_an_invented_citation_number_is_dropped(raw, text):
    answer = _checked(raw + '\n\nQuotes:\n[7] "Russia on Wednesday called on Baku to unblock the Lachin Corridor"')
    assert answer.text == text
    assert [c.n for c in answer.citations] == [1]


def test_a_paraphrased_quote_is_not_shown():
    raw = 'Russia urged Baku to open the corridor [1].\n\nQuotes:\n[1] "Russia asked Azerbaijan to reopen it"'
    answer = _checked(raw)
    assert answer.text == "Russia urged Baku to open the corridor [1]."
    assert len(answer.citations) == 1
    assert "Russia asked Azerbaijan" not in answer.citations[0].quote


def test_an_invented_quote_is_not_shown():
    raw = 'Moscow will act [2].\n\nQuotes:\n[2] "Moscow will send more peacekeepers to Karabakh next week"'
    assert all("next week" not in quote for _, quote in _quotes(_checked(raw)))


def test_a_quote_found_only_in_another_article_is_not_shown():
    raw = 'The talks went well [1].\n\nQuotes:\n[1] "the talks in Washington made real progress"'
    answer = _checked(raw)
    assert [c.article_id for c in answer.citations] == [ASBAREZ]
    assert "Washington" not in answer.citations[0].quote


def test_curly_and_straight_quotes_and_whitespace_differences_still_cite_the_bodys_text():
    raw = 'Russia spoke [1].\n\nQuotes:\n[1] "called on Baku to unblock the  Lachin Corridor and \'not to make"'
    assert _quotes(_checked(raw)) == [(1, "called on Baku to unblock the Lachin Corridor and “not to make")]


def test_a_quoted_sentence_that_quotes_a_title_in_straight_quotes_is_one_quote():
    body = 'The jury met on Sunday. The award for best musical went to "Kimberly Akimbo", a comedy.'
    passage = replace(PASSAGES[0], article_id="tonys", text=body, start=0, end=len(body))
    raw = 'Kimberly Akimbo [1]\n\nQuotes:\n[1] "The award for best musical went to "Kimberly Akimbo", a comedy."'
    assert _quotes(_checked(raw, [passage], {"tonys": body})) == [
        (1, 'The award for best musical went to "Kimberly Akimbo", a comedy.')]
    two = 'It was praised [1]\n\nQuotes:\n[1] "The jury met on Sunday", "a comedy"'  # two quotes, not one
    assert _quotes(_checked(two, [passage], {"tonys": body})) == [(1, "The jury met on Sunday")]


def test_a_quote_with_a_typo_cites_the_bodys_exact_words():
    raw = 'The deal stands [2].\n\nQuotes:\n[2] "the Novmber 9, 2020 agreement is as relevent as it was before"'
    assert _quotes(_checked(raw)) == [(2, "the November 9, 2020 agreement “is as relevant as it was before")]


def test_a_marker_without_a_quote_cites_the_passage_sentence_that_best_supports_it():
    answer = _checked("The November 2020 agreement is still relevant, Moscow says [2].")
    assert _quotes(answer) == [
        (2, "She emphasized that the November 9, 2020 agreement “is as relevant as it was before.”")
    ]


def test_an_answer_without_markers_gets_its_best_supporting_sentences():
    answer = _checked("A peace treaty could be signed before the end of the year.")
    assert answer.text == "A peace treaty could be signed before the end of the year. [3]"
    assert _quotes(answer) == [(3, "He added that a peace treaty could be signed before the end of the year.")]


def test_an_answer_without_markers_uses_its_located_quotes_first():
    raw = 'The deal still holds.\n\nQuotes:\n[2] "is as relevant as it was before"'
    answer = _checked(raw)
    assert answer.text == "The deal still holds. [2]"
    assert _quotes(answer) == [(2, "is as relevant as it was before")]


def test_an_answer_sharing_no_words_with_the_passages_keeps_its_text_without_citations():
    answer = _checked("Bananas grow quickly.")
    assert answer == CheckedAnswer("Bananas grow quickly.", [], refused=False)


@pytest.mark.parametrize(
    "raw",
    [
        REFUSAL,
        f"Russia spoke about the corridor [1], but {REFUSAL.lower()}",
        "**The articles I have   do not answer this question**",
        "",
        "   \n ",
        "[1]",
        'Quotes:\n[1] "Russia on Wednesday called on Baku"',
        'The article I have does not answer this question. [1]\n\nQuotes:\n[1] "Russia on Wednesday called"',
        "The passages do not answer this question [1].",
    ],
)
def test_a_refusal_or_an_empty_answer_is_refused_without_citations(raw):
    assert _checked(raw) == CheckedAnswer(REFUSAL, [], refused=True)


def test_an_answer_about_what_the_articles_leave_out_is_not_a_refusal():
    answer = _checked("The articles do not say who will pay, but Russia wants the Lachin Corridor unblocked [1].")
    assert not answer.refused and [c.n for c in answer.citations] == [1]


def test_both_marker_list_forms_cite_each_passage():
    for markers in ("[1][2]", "[1, 2]"):
        answer = _checked(f"Russia wants the Lachin Corridor unblocked and the November 2020 agreement kept {markers}.")
        assert answer.text.endswith("kept [1] [2].")
        assert [c.n for c in answer.citations] == [1, 2]


def test_an_inline_quote_is_checked_and_cited_for_its_marker():
    answer = _checked('Zakharova said the deal "is as relevant as it was before" [2].')
    assert _quotes(answer) == [(2, "is as relevant as it was before")]


def test_a_repeated_quote_is_cited_once_and_citations_are_sorted_by_number():
    raw = (
        'The deal "is as relevant as it was before" [2]. Russia spoke [1].\n\n'
        'Quotes:\n[2] "is as relevant as it was before"\n[2] "is as relevant as  it was before"\n'
        '[1] "Russia on Wednesday called on Baku"'
    )
    assert _quotes(_checked(raw)) == [(1, "Russia on Wednesday called on Baku"), (2, "is as relevant as it was before")]


def test_a_quote_that_appears_twice_is_cited_from_the_passage_that_was_cited():
    sentence = "The ceasefire held overnight along the border."
    body = f"{sentence}\n\nOfficials met.\n\n{sentence}"
    last = body.rindex(sentence)
    passage = replace(_passage(1, "twice", body, "Officials met"), start=last, end=len(body), text=sentence)
    raw = 'It held [1].\n\nQuotes:\n[1] "the ceasefire held overnight along the border"'
    [citation] = _checked(raw, [passage], {"twice": body}).citations
    assert citation.start == last


FRAGMENTS = [
    "Russia urged Baku",
    " [1]",
    " [2]",
    " [9]",
    "[1, 3]",
    ". ",
    "\n\n",
    "Quotes:\n",
    '[1] "Russia on Wednesday called on Baku"\n',
    "[2] “is as relevant  as it was before”\n",
    '"the talks in Washington made real progress"',
    "- [3] 'peace treaty could be signed'\n",
    "1. ",
    "…",
    '"',
    REFUSAL,
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_whatever_the_model_writes_every_citation_is_the_bodys_exact_text(pieces):
    answer = _checked("".join(pieces))
    valid = {p.n for p in PASSAGES}
    assert all(c.n in valid for c in answer.citations)
    assert answer.refused == (answer.text == REFUSAL)
