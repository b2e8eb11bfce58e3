"""Find a quote in an article body: exactly, loosely, or fuzzily, and always as the body's own span.

``locate_quote(body, quote, near)`` tries an exact match, then one ignoring
whitespace, quote and dash styles and case, then (for quotes up to
``MAX_FUZZY_CHARS``) a fuzzy one under a strict threshold, snapped to the
body's whole words; among several matches the one nearest the cited passage
wins. Whatever matched, the caller gets offsets into
the body, so a shown quote is always ``body[start:end]``, never the quoting text.

What it leaves out: paraphrases (a quote must be the article's words, give or
take typography and a few characters), and quotes under ``MIN_CHARS``.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from rapidfuzz import fuzz

MIN_CHARS = 12  # a shorter quote is too short to verify at all
MIN_WORDS = 3  # a quote of fewer words must match exactly
FUZZY_SCORE = 90.0  # rapidfuzz score (0-100) a fuzzy match must reach
FUZZY_LENGTH = 0.2  # a fuzzy match may be this much shorter or longer than the quote
#: A longer quote must match exactly or loosely: fuzzy matching costs its length times the body's, and a
#: model that invents a page-long "quote" must not hold the answer for minutes.
MAX_FUZZY_CHARS = 600

_FOLD = {
    **dict.fromkeys("“”„«»″", '"'),
    **dict.fromkeys("‘’‚‹›′`", "'"),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
}
QUOTE_MARKS = "\"'“”„«»‘’‚‹›″′`"
_WORD = re.compile(r"[a-z0-9]+")


def locate_quote(body: str, quote: str, near: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """The span of ``body`` that ``quote`` quotes, or None when it isn't there.

    Tries an exact match, then one ignoring whitespace, quote/dash styles and
    case, then a fuzzy one (score >= FUZZY_SCORE, length within FUZZY_LENGTH)
    snapped to whole words. Among several matches the one nearest ``near``
    (the cited passage's span) wins. Quotes under MIN_CHARS never match;
    quotes under MIN_WORDS match only exactly.
    """
    quote = clean_quote(quote)
    if len(quote) < MIN_CHARS:
        return None
    exact = [(i, i + len(quote)) for i in _find_all(body, quote)]
    if exact:
        return _nearest(exact, near)
    if word_count(quote) < MIN_WORDS:
        return None
    folded, origin = normalize(body)
    needle = normalize(quote)[0]
    loose = [(origin[i], origin[i + len(needle) - 1] + 1) for i in _find_all(folded, needle)]
    if loose:
        return _nearest(loose, near)
    if len(needle) > MAX_FUZZY_CHARS:
        return None
    windows = [(0, len(folded))]
    if near is not None:
        margin = len(needle) + 40
        start, end = bisect_left(origin, near[0]) - margin, bisect_left(origin, near[1]) + margin
        windows.insert(0, (max(0, start), min(len(folded), end)))
    for start, end in windows:
        span = _fuzzy(body, folded, origin, needle, start, end)
        if span:
            return span
    return None


def word_count(text: str) -> int:
    """How many words (runs of letters and digits) ``text`` has."""
    return len(_WORD.findall(text.lower()))


def clean_quote(quote: str) -> str:
    previous = None
    while quote != previous:
        previous = quote
        quote = quote.strip().strip(QUOTE_MARKS).strip()
        quote = re.sub(r"^(?:\.\.\.|…)|(?:\.\.\.|…)$", "", quote)
    return quote


def _find_all(haystack: str, needle: str) -> list[int]:
    found, i = [], haystack.find(needle)
    while i >= 0:
        found.append(i)
        i = haystack.find(needle, i + 1)
    return found


def _nearest(spans: list[tuple[int, int]], near: tuple[int, int] | None) -> tuple[int, int]:
    if near is None:
        return spans[0]
    return min(spans, key=lambda span: max(0, near[0] - span[1], span[0] - near[1]))


def normalize(text: str) -> tuple[str, list[int]]:
    """``text`` folded for loose matching, and for each folded character the index it came from."""
    pieces: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if char.isspace():
            if pieces and pieces[-1] == " ":
                continue
            piece = " "
        else:
            piece = _FOLD.get(char, char).lower()
        pieces.append(piece)
        origin.extend([i] * len(piece))
    return "".join(pieces), origin


def _fuzzy(body: str, folded: str, origin: list[int], needle: str, start: int, end: int) -> tuple[int, int] | None:
    hit = fuzz.partial_ratio_alignment(needle, folded[start:end], score_cutoff=FUZZY_SCORE)
    if hit is None or hit.dest_end <= hit.dest_start:
        return None
    span = _snap(body, origin[start + hit.dest_start], origin[start + hit.dest_end - 1] + 1)
    found = normalize(body[span[0] : span[1]])[0]
    close_in_length = abs(len(found) - len(needle)) <= FUZZY_LENGTH * len(needle)
    return span if close_in_length and fuzz.ratio(needle, found) >= FUZZY_SCORE else None


def _snap(body: str, start: int, end: int) -> tuple[int, int]:
    """Move a span's ends to word boundaries: a cut word is kept if most of it is inside."""

    def word_around(i: int) -> tuple[int, int] | None:
        if not (0 < i < len(body) and body[i - 1].isalnum() and body[i].isalnum()):
            return None
        left, right = i, i
        while left > 0 and body[left - 1].isalnum():
            left -= 1
        while right < len(body) and body[right].isalnum():
            right += 1
        return left, right

    if cut := word_around(start):
        start = cut[0] if cut[1] - start >= start - cut[0] else cut[1]
    if cut := word_around(end):
        end = cut[1] if end - cut[0] >= cut[1] - end else cut[0]
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end
