"""bot/requests.py: what a question, its history, k, a date and the sources may be; anything else is a RequestError.

The app's API tests (tests/test_app.py) send a few of these through the server;
here every rule is checked at the source, and each refusal must be a sentence
of ours, never a Python exception's own text.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot import requests
from bot.errors import NewsBotError, RequestError
from bot.requests import MAX_K, MAX_QUESTION_CHARS, MAX_TURN_CHARS, Request


def test_a_question_is_stripped_and_kept_up_to_the_limit():
    assert requests.question_text("  Who won?\n") == "Who won?"
    assert requests.question_text("q" * MAX_QUESTION_CHARS) == "q" * MAX_QUESTION_CHARS


@pytest.mark.parametrize(("value", "says"), [
    (None, "The question must be text"),
    (42, "The question must be text"),
    (["Who won?"], "The question must be text"),
    ("", "Type a question first."),
    (" \n\t ", "Type a question first."),
    ("q" * (MAX_QUESTION_CHARS + 1), "The question is 2,001 characters long; ask in at most 2,000."),
])
def test_a_question_that_is_not_text_is_empty_or_too_long_is_refused(value, says):
    with pytest.raises(RequestError, match=f"^{says}"):
        requests.question_text(value)


def test_history_comes_as_pairs_or_as_chat_messages_and_none_is_no_history():
    assert requests.history_turns(None) == requests.history_turns("") == requests.history_turns([]) == ()
    assert requests.history_turns([["Q1", "A1"], ("Q2", "A2")]) == (("Q1", "A1"), ("Q2", "A2"))
    messages = [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
                {"role": "user", "content": [{"type": "text", "text": "Q2"}, {"type": "image"}]},
                {"role": "assistant", "content": "A2"}]
    assert requests.history_turns(messages) == (("Q1", "A1"), ("Q2", "A2"))


def test_an_answer_without_a_question_before_it_is_not_a_turn():
    messages = [{"role": "assistant", "content": "Hello, ask me."}, {"role": "user", "content": "Q1"},
                {"role": "system", "content": "ignored"}, {"role": "assistant", "content": "A1"}]
    assert requests.history_turns(messages) == (("Q1", "A1"),)


def test_each_turn_is_cut_to_its_limit():
    ((question, answer),) = requests.history_turns([["q" * (MAX_TURN_CHARS + 50), "a" * (MAX_TURN_CHARS * 2)]])
    assert (len(question), len(answer)) == (MAX_TURN_CHARS, MAX_TURN_CHARS)


@pytest.mark.parametrize(("value", "says"), [
    ("Q1 then A1", "The history must be a list"),
    ({"Q1": "A1"}, "The history must be a list"),
    (42, "The history must be a list"),
    ([["Q1", "A1", "extra"]], r"Each turn of the history must be a \[question, answer\] pair"),
    ([["Q1", None]], r"Each turn of the history must be a \[question, answer\] pair"),
    (["Q1", "A1"], r"Each turn of the history must be a \[question, answer\] pair"),
    ([{"role": "user", "content": "Q1"}, ["Q2", "A2"]], r"Each turn of the history must be a \[question, answer\]"),
])
def test_history_of_another_shape_is_refused(value, says):
    with pytest.raises(RequestError, match=says):
        requests.history_turns(value)


@pytest.mark.parametrize(("value", "k"), [
    (None, None), ("", None), (0, None), (0.0, None), (False, None),
    (1, 1), (6, 6), (6.0, 6), (" 7 ", 7), ("20", 20), (MAX_K + 1, MAX_K), (10**9, MAX_K), ("1e9", MAX_K),
])
def test_k_is_a_whole_number_clamped_to_the_maximum_and_zero_or_nothing_means_the_default(value, k):
    assert requests.passages(value) == k


@pytest.mark.parametrize("value", [-1, 2.5, "lots", "nan", float("inf"), "1e400", True, [6], {"k": 6}])
def test_k_that_is_not_a_whole_number_from_one_up_is_refused(value):
    with pytest.raises(RequestError, match=f"^k \\(passages per question\\) must be a whole number from 1 to {MAX_K}"):
        requests.passages(value)


def test_an_integer_too_large_for_a_float_is_refused_as_a_request_error():
    with pytest.raises(RequestError):
        requests.passages(10**400)


@pytest.mark.parametrize(("value", "date"), [
    ("2023-06-25", dt.date(2023, 6, 25)),
    ("  2023-06-25T10:30:00Z", dt.date(2023, 6, 25)),
    (dt.date(2023, 6, 25), dt.date(2023, 6, 25)),
    (dt.datetime(2023, 6, 25, 23, 59), dt.date(2023, 6, 25)),
    (1687651200, dt.date(2023, 6, 25)),  # a timestamp, read in UTC
    (1687651200.5, dt.date(2023, 6, 25)),
    ("1900-01-01", dt.date(1900, 1, 1)),
    (None, None),
    ("", None),
])
def test_a_date_comes_as_text_a_date_or_a_timestamp(value, date):
    assert requests.day(value, "since") == date


@pytest.mark.parametrize(("value", "says"), [
    ("January 0000", "since: 'January 0000' is not a date; use YYYY-MM-DD, e.g. 2023-06-25."),
    ("2023-13-01", "since: '2023-13-01' is not a date; use YYYY-MM-DD"),
    ("x" * 1000, "since: '" + "x" * 40 + "' is not a date"),  # the echo is cut short
    ("1899-12-31", "since: 1899-12-31 is out of range; use a date from 1900-01-01 to "),
    (1e20, "since: 1e+20 is not a date; use YYYY-MM-DD."),
    (20230625, "since: 20230625 is a number, read as a timestamp that would be a day of 1970; write the date as "
               "text, '2023-06-25'."),
    (1687651200000, "since: 1687651200000 looks like a timestamp in milliseconds; give seconds (1687651200)"),
    (float("nan"), "since: nan is not a date"),
    (True, "since must be a date written YYYY-MM-DD."),
    ([2023, 6, 25], "since must be a date written YYYY-MM-DD."),
])
def test_a_date_that_is_not_one_or_out_of_range_is_refused_naming_the_field(value, says):
    with pytest.raises(RequestError) as refused:
        requests.day(value, "since")
    assert str(refused.value).startswith(says)


def test_a_date_range_that_ends_before_it_starts_is_refused_with_the_fix():
    assert requests.span("2023-06-01", "2023-06-01") == (dt.date(2023, 6, 1), dt.date(2023, 6, 1))
    assert requests.span(None, "2023-06-01") == (None, dt.date(2023, 6, 1))
    with pytest.raises(RequestError, match="^Published from 2023-07-01 is after Published to 2023-06-01: no article "
                                           "can match; swap the two dates.$"):
        requests.span("2023-07-01", "2023-06-01")


def test_dates_reach_a_year_from_today_and_no_further():
    today = dt.date.today()
    assert requests.day(today + dt.timedelta(days=300), "until") == today + dt.timedelta(days=300)
    far = today + dt.timedelta(days=400)
    with pytest.raises(RequestError, match=f"^until: {far.isoformat()} is out of range"):
        requests.day(far.isoformat(), "until")


def test_sources_are_one_name_or_a_list_of_names():
    assert requests.sources(None) == requests.sources("") == requests.sources([]) == ()
    assert requests.sources("Wire") == ("Wire",)
    assert requests.sources(["Wire", "Gazette"]) == requests.sources(("Wire", "Gazette")) == ("Wire", "Gazette")


@pytest.mark.parametrize("value", [["Wire", 3], 3, {"Wire": True}, b"Wire"])
def test_sources_other_than_names_are_refused(value):
    with pytest.raises(RequestError, match="^Sources must be a list of source names.$"):
        requests.sources(value)


def test_a_request_is_the_checked_question_history_and_k():
    assert requests.of("  Who won? ", [["Q", "A"]], "30") == Request("Who won?", (("Q", "A"),), MAX_K)
    assert requests.of("Who won?") == Request("Who won?", (), None)


def test_a_bad_request_is_refused_with_an_error_every_door_catches():
    with pytest.raises(NewsBotError, match="Type a question first"):
        requests.of("", [["Q", "A"]], 3)
    with pytest.raises(RequestError, match="history must be a list"):
        requests.of("Who won?", "not a list")


def test_a_question_with_a_lone_surrogate_or_a_nul_is_cleaned_not_refused():
    cleaned = requests.question_text("Who won the \udcff Greenfield\x00 election?")
    assert cleaned == "Who won the \ufffd Greenfield election?"
