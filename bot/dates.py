"""Read the time a question asks about, relative to the date it is asked on.

``window(question, as_of)`` turns "today", "yesterday", "this week", "last
week", "this month", "last month", "this year", "in June 2023", "in 2022",
"latest"/"recently" into a published-date window (with a day of slack for
articles dated the day before). The retriever uses the window as a preference
(its passages are ranked up, not the only ones searched), because scraped
dates are sometimes off and explainers published earlier can still answer.

What it leaves out: ranges written as two dates, weekdays ("on Tuesday"),
and any language but English.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH_YEAR = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?,?\s+(\d{4})\b", re.I)
_YEAR = re.compile(r"\b(?:in|during|of)\s+((?:19|20)\d{2})\b", re.I)

_RELATIVE: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"\b(today|tonight|this morning)\b", re.I), 1),
    (re.compile(r"\byesterday\b", re.I), 2),
    (re.compile(r"\b(this|past|last)\s+weekend\b", re.I), 4),
    (re.compile(r"\b(this week|past week|past few days|last few days|this past week)\b", re.I), 8),
    (re.compile(r"\blast week\b", re.I), 15),
    (re.compile(r"\b(latest|most recent|newest|recently|recent|just)\b", re.I), 14),
    (re.compile(r"\b(this month|past month|last few weeks|past few weeks)\b", re.I), 32),
]


def window(question: str, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """The published-date window the question refers to, or None if it names no time."""
    if match := _MONTH_YEAR.search(question):
        year, month = int(match.group(2)), _MONTHS[match.group(1).lower()]
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1), dt.date(year, month, last)
    if match := _YEAR.search(question):
        year = int(match.group(1))
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if re.search(r"\blast month\b", question, re.I):
        first_this = as_of.replace(day=1)
        last_previous = first_this - dt.timedelta(days=1)
        return last_previous.replace(day=1), first_this
    if re.search(r"\bthis year\b", question, re.I):
        return dt.date(as_of.year, 1, 1), as_of
    for pattern, days in _RELATIVE:
        if pattern.search(question):
            return as_of - dt.timedelta(days=days), as_of
    return None
