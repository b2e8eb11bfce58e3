"""What a question may look like, checked once for every door (the web page, its API, the command line).

Programs call ``/ask`` with anything: None for a question, a string for the
history, ``k=10**9``, "January 0000" for a date. ``Request.of`` turns what came
in into a question, a bounded history, a ``k`` within range and dates within
range, or raises RequestError with a sentence that says what is wrong and what
is allowed -- never a Python exception's own text.

Limits: a question of at most ``MAX_QUESTION_CHARS``; the last ``MAX_TURNS``
turns of history, each cut to ``MAX_TURN_CHARS``; ``k`` from 1 to ``MAX_K``;
dates from 1900 to a year from today.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import Any

from bot.errors import RequestError
from bot.text import clean_input

MAX_QUESTION_CHARS = 2000
MAX_TURNS = 10
MAX_TURN_CHARS = 4000
MAX_K = 20
_EARLIEST = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Request:
    question: str
    history: tuple[tuple[str, str], ...]
    k: int | None


def question_text(value: Any) -> str:
    if not isinstance(value, str):
        raise RequestError("The question must be text, e.g. \"Who won the election?\".")
    question = clean_input(value).strip()
    if not question:
        raise RequestError("Type a question first.")
    if len(question) > MAX_QUESTION_CHARS:
        raise RequestError(f"The question is {len(question):,} characters long; ask in at most "
                           f"{MAX_QUESTION_CHARS:,}.")
    return question


def history_turns(value: Any) -> tuple[tuple[str, str], ...]:
    """Earlier turns as (question, answer) pairs: from [[q, a], …] or chat messages [{"role", "content"}, …]."""
    if value in (None, ""):
        return ()
    if not isinstance(value, list | tuple):
        raise RequestError("The history must be a list of [question, answer] pairs (or [] for none).")
    turns: list[tuple[str, str]] = []
    if value and all(isinstance(item, dict) for item in value):
        asked: str | None = None
        for message in value:
            text = _message_text(message.get("content"))
            if message.get("role") == "user":
                asked = text
            elif message.get("role") == "assistant" and asked is not None:
                turns.append((asked, text))
                asked = None
    else:
        for item in value:
            if not (isinstance(item, list | tuple) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                raise RequestError("Each turn of the history must be a [question, answer] pair of texts.")
            turns.append((item[0], item[1]))
    return tuple((q[:MAX_TURN_CHARS], a[:MAX_TURN_CHARS]) for q, a in turns[-MAX_TURNS:])


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return clean_input(content)
    if isinstance(content, list):
        return clean_input(" ".join(part.get("text", "") for part in content if isinstance(part, dict)
                                    and isinstance(part.get("text"), str)))
    return ""


def passages(value: Any) -> int | None:
    """``k``: None (the default) for 0, None or ""; a whole number from 1 to MAX_K (larger is clamped)."""
    if value in (None, "", 0) or value is False:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # an integer past 1e308 overflows a float
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number != int(number) or number < 0:
        raise RequestError(f"k (passages per question) must be a whole number from 1 to {MAX_K}, or 0 for the "
                           "default.")
    return min(int(number), MAX_K)


def day(value: Any, name: str) -> dt.date | None:
    """A date from 'YYYY-MM-DD' (a timestamp is taken from its first 10 characters) or a Unix timestamp in
    seconds (read in UTC), within range, or None."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _not_a_day_number(value, name)
        try:
            date = dt.datetime.fromtimestamp(value, dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            raise RequestError(f"{name}: {value!r} is not a date; use YYYY-MM-DD.") from None
    elif isinstance(value, str):
        try:
            date = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise RequestError(f"{name}: {value[:40]!r} is not a date; use YYYY-MM-DD, e.g. 2023-06-25.") from None
    else:
        raise RequestError(f"{name} must be a date written YYYY-MM-DD.")
    latest = dt.date.today() + dt.timedelta(days=366)
    if not _EARLIEST <= date <= latest:
        raise RequestError(f"{name}: {date.isoformat()} is out of range; use a date from {_EARLIEST.isoformat()} "
                           f"to {latest.isoformat()}.")
    return date


def span(since: Any, until: Any, names: tuple[str, str] = ("Published from", "Published to")
         ) -> tuple[dt.date | None, dt.date | None]:
    """A date range (``day`` each end; either may be open), or a RequestError when it ends before it starts
    (no article could match: the ends are swapped, most likely)."""
    first, last = day(since, names[0]), day(until, names[1])
    if first and last and first > last:
        raise RequestError(f"{names[0]} {first.isoformat()} is after {names[1]} {last.isoformat()}: no article "
                           "can match; swap the two dates.")
    return first, last


def _not_a_day_number(value: float, name: str) -> None:
    """Refuse a number that is a date written without dashes (20230625, which as a timestamp is a day of 1970)
    or a timestamp in milliseconds (JavaScript's), not the seconds a timestamp is read in."""
    if not math.isfinite(value):
        return
    if value == int(value) and len(str(int(value))) == 8:
        try:
            written = dt.datetime.strptime(str(int(value)), "%Y%m%d").date()
        except ValueError:  # no date without dashes: a timestamp after all
            written = None
        if written:
            raise RequestError(f"{name}: {int(value)} is a number, read as a timestamp that would be a day of 1970; "
                               f"write the date as text, {written.isoformat()!r}.")
    if 1e11 <= abs(value) < 1e15:
        raise RequestError(f"{name}: {value!r} looks like a timestamp in milliseconds; give seconds "
                           f"({value / 1000:.0f}) or the date as text, YYYY-MM-DD.")


def sources(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence | Set) and all(isinstance(item, str) for item in value):
        return tuple(sorted(value) if isinstance(value, Set) else value)
    raise RequestError("Sources must be a list of source names.")


def of(question: Any, history: Any = None, k: Any = None) -> Request:
    """The request these raw values make, or a RequestError saying what is wrong."""
    return Request(question_text(question), history_turns(history), passages(k))
