"""Small text helpers shared by ingest and bot: sentence spans and content words.

Sentence splitting is rule-based (no model, no downloaded data): good enough
for news prose, and it returns character spans so quotes stay exact. Every
helper here is linear in its input, whatever the input (runs of dots, spaces,
letters): article bodies are untrusted.
"""

from __future__ import annotations

import re

# Words that end in a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sen",
        "rep",
        "gov",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "st",
        "jr",
        "sr",
        "rev",
        "hon",
        "pres",
        "inc",
        "co",
        "corp",
        "ltd",
        "llc",
        "vs",
        "etc",
        "al",
        "approx",
        "dept",
        "est",
        "fig",
        "no",
        "nos",
        "vol",
        "ft",
        "mt",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "d.c",
        "a.m",
        "p.m",
        "i.e",
        "e.g",
    ]
)
# A sentence ends at . ! ? (or …), maybe followed by closing quotes/brackets, then
# whitespace and something that can start a sentence. Linear on any input: a match
# may only begin where a run of end marks begins (the lookbehind), and the runs are
# taken whole (possessive), so a line of 200,000 dots is one attempt, not 200,000.
_SENTENCE_END = re.compile(r"""(?<![.!?…])[.!?…]++["'”’)\]]*+(?=\s+["'“‘(\[]?[A-Z0-9])""")
# The word before a sentence's final period, looked for in its last _TAIL characters only.
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_TAIL = 24


def valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (possible in JSON: "\\ud800", or a byte no codec could read) replaced by
    U+FFFD, so that it can be encoded, printed and stored."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


#: Control characters, which no prose holds (C0 but tab, line feed and carriage return; DEL; C1 but NEL), with
#: the terminal escape sequence an ESC starts ("\x1b[31m"): printed, they move a terminal's cursor or retitle it.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
#: Line breaks other than "\n": CR LF, CR, vertical tab, form feed, the separators, NEL, U+2028 and U+2029.
_BREAK = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def clean_input(text: str) -> str:
    """Text from outside (a question, a model's reply, in pieces as it streams) as text: valid Unicode,
    without control characters (NUL, ESC and its sequence, a carriage return)."""
    return _CONTROL.sub("", valid_unicode(text)).replace("\r", "")


def clean_text(text: str) -> str:
    """A whole text from outside (an article's body or title) as text: valid Unicode, every line break a
    "\n", no control characters."""
    return _CONTROL.sub("", _BREAK.sub("\n", valid_unicode(text)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``, whitespace excluded.

    Every line break ends a sentence (news bodies put one paragraph per line);
    within a line, sentences end at terminal punctuation unless it closes a
    common abbreviation or an initial ("Gen.", "U.S.", "J. K.").
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end_match in _SENTENCE_END.finditer(line.group()):
            end = line.start() + end_match.end()
            if _is_abbreviation(text[max(start, end - _TAIL) : end]):
                continue
            spans.append((start, end))
            start = end
        spans.append((start, line.end()))
    return [trimmed for span in spans if (trimmed := trim(text, *span))]


def _is_abbreviation(tail: str) -> bool:
    """Whether a sentence ending in ``tail`` (its last characters) ends on an abbreviation, not a full stop."""
    match = _WORD_BEFORE.search(tail)
    if not match:
        return False
    word = match.group(1).lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


_WORD = re.compile(r"[a-z0-9]+")
_STOPWORD_LIST = (
    "a an the and or but if of to in on at by for with from as into about over after before than then that this "
    "these those is are was were be been being has have had do does did not no it its he she they we you i his her "
    "their our your them him us who whom which what when where why how said says also will would can could may "
    "might there here so such very more most other"
)
STOPWORDS = frozenset(_STOPWORD_LIST.split())


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` without stopwords (for lexical overlap)."""
    return {word for word in _WORD.findall(text.lower()) if word not in STOPWORDS}
