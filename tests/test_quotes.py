"""A quote is located in its article as the body's own span: exactly, loosely or fuzzily, or not at all."""

from __future__ import annotations

import pytest

from bot.quotes import locate_quote
from tests.conftest import seed_body

BODY = seed_body()


def _located_text(body: str, quote: str, near: tuple[int, int] | None = None) -> str | None:
    span = locate_quote(body, quote, near)
    return None if span is None else body[span[0] : span[1]]


def test_an_exact_quote_is_found_at_its_offsets():
    quote = "Russia on Wednesday called on Baku to unblock the Lachin Corridor"
    assert locate_quote(BODY, quote) == (BODY.index(quote), BODY.index(quote) + len(quote))


def test_straight_quotes_and_odd_whitespace_are_located_as_the_bodys_own_text():
    quote = 'the  Lachin Corridor and "not to make the population\n of Karabakh a hostage'
    assert _located_text(BODY, quote) == "the Lachin Corridor and “not to make the population of Karabakh a hostage"


def test_case_differences_are_ignored():
    assert _located_text(BODY, "RUSSIA ON WEDNESDAY CALLED ON BAKU") == "Russia on Wednesday called on Baku"


def test_dashes_and_ellipsis_characters_are_folded_to_ascii():
    body = "The talks — held in Geneva… ended without a deal."
    assert _located_text(body, "The talks - held in Geneva... ended") == "The talks — held in Geneva… ended"


def test_surrounding_quote_marks_and_ellipses_are_not_part_of_the_quote():
    assert _located_text(BODY, "“...is as relevant as it was before…”") == "is as relevant as it was before"


def test_a_quote_with_a_typo_is_located_and_snapped_to_the_bodys_whole_words():
    quote = "Moscow is continuing to wrok thru Russian peacekeepers"
    assert _located_text(BODY, quote) == "Moscow is continuing to work through Russian peacekeepers"


def test_a_fuzzy_quote_cut_mid_word_is_snapped_to_the_whole_words():
    assert _located_text(BODY, "cow is continuing to work throgh Russian peacekeepe") == (
        "Moscow is continuing to work through Russian peacekeepers"
    )
    assert _located_text(BODY, "ssian Foreign Ministry spokesprson Maria Zakhar") == (
        "Russian Foreign Ministry spokesperson Maria Zakharova"
    )


@pytest.mark.parametrize(
    "quote",
    [
        "Russia asked Azerbaijan to reopen the Lachin road",  # a paraphrase
        "Moscow will send more peacekeepers to Karabakh next week",  # invented
        "Zakharova said the agreement is no longer relevant",  # the opposite
        "talks in Washington made real progress",  # from another article
    ],
)
def test_a_quote_that_is_not_in_the_body_is_not_located(quote):
    assert locate_quote(BODY, quote) is None


@pytest.mark.parametrize("quote", ["Baku", "the deal", "Lachin", "said that", "Zakharova sad"])
def test_a_quote_too_short_to_verify_is_not_located(quote):
    assert locate_quote(BODY, quote) is None


def test_a_short_quote_of_twelve_characters_or_more_counts_only_when_exact():
    assert _located_text(BODY, "Lachin Corridor") == "Lachin Corridor"
    assert locate_quote(BODY, "lachin corridor") is None
    assert locate_quote(BODY, "Lachin Coridor") is None


def test_a_quote_that_appears_twice_is_taken_from_near_the_cited_passage():
    body = (
        "The ceasefire held overnight along the border.\n\n"
        "Officials met in the capital.\n\n"
        "By morning, the ceasefire held overnight along the border, a spokesman repeated."
    )
    second = body.rindex("the ceasefire held")
    quote = "ceasefire held overnight along the border"
    assert locate_quote(body, quote) == (body.index(quote), body.index(quote) + len(quote))
    start, end = locate_quote(body, quote, near=(second - 12, len(body)))
    assert start > second and body[start:end] == quote
    start, end = locate_quote(body, quote.upper(), near=(second - 12, len(body)))
    assert start > second and body[start:end] == quote


def test_a_page_long_quote_matches_only_as_written_and_never_fuzzily():
    from bot.quotes import MAX_FUZZY_CHARS

    body = " ".join(f"Sentence {n} of the long report says the ferry line {n} runs on time." for n in range(3000))
    long_quote = body[1000 : 1000 + 4 * MAX_FUZZY_CHARS]
    assert locate_quote(body, long_quote) == (1000, 1000 + len(long_quote))  # exactly as written: found
    typo = long_quote.replace("ferry", "fery", 1)
    assert locate_quote(body, typo) is None  # fuzzy matching a page against a book is not attempted
    assert locate_quote(body, long_quote[:300].replace("ferry", "fery", 1)) is not None  # a sentence's typo is
