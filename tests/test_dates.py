"""Time words in a question become a published-date window relative to the as-of date."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dates import window

AS_OF = dt.date(2023, 6, 23)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What happened today in Baku?", (dt.date(2023, 6, 22), AS_OF)),
        ("Who resigned yesterday?", (dt.date(2023, 6, 21), AS_OF)),
        ("Which company announced layoffs this week?", (dt.date(2023, 6, 15), AS_OF)),
        ("What did the Fed decide last week?", (dt.date(2023, 6, 8), AS_OF)),
        ("What is the latest on the Lachin Corridor?", (dt.date(2023, 6, 9), AS_OF)),
        ("What happened last month in Sudan?", (dt.date(2023, 5, 1), dt.date(2023, 6, 1))),
        ("What did Russia say in June 2023?", (dt.date(2023, 6, 1), dt.date(2023, 6, 30))),
        ("Who won the election in 2022?", (dt.date(2022, 1, 1), dt.date(2022, 12, 31))),
    ],
)
def test_time_words_become_a_window(question, expected):
    assert window(question, AS_OF) == expected


def test_a_question_without_time_words_has_no_window():
    assert window("Who called on Baku to unblock the Lachin Corridor?", AS_OF) is None
