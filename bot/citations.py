"""Check a model's answer against the articles: only quotes found in them are shown.

The model answers from numbered passages and is asked to end with a quotes
section. ``extract`` splits its output into the answer text and the quotes it
gives per passage number (from that section, or inline next to a ``[n]``).
``check`` keeps only markers that point at a real passage and looks every
quote up in the cited article with ``bot.quotes.locate_quote``: exactly, then ignoring
whitespace, quote and dash styles and case, then fuzzily under a strict
threshold, snapped to the article's own words. A quote that can't be found is
dropped; a marker left without one is backed by the passage sentence that best
matches the answer sentence. A citation's quote is always ``body[start:end]``,
never the model's text.

Nothing here calls a model or reads files. It leaves out renumbering, moving a
quote to another article it happens to be in, and judging whether the answer's
own prose is true: it checks where quotes come from, not what the answer says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.prompts import REFUSAL
from bot.quotes import MIN_WORDS, QUOTE_MARKS, clean_quote, locate_quote, normalize, word_count
from bot.text import content_words, sentence_spans
from bot.types import Citation, Passage, ShortAnswer

_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_LIST = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)+)\]")
_LEADING_MARKERS = re.compile(r"^[ \t]*(?:[-*•][ \t]*)?((?:\[\d+(?:\s*[,;]\s*\d+)*\][ \t]*)+|\d+[.):])[ \t]*:?[ \t]*")
_TRAILING_MARKERS = re.compile(r"[ \t]*((?:\[\d+(?:\s*[,;]\s*\d+)*\][ \t]*)+)[.]?[ \t]*$")
# A quoted string's inner text may not hold its own opening mark: then a run of unclosed openers
# ("„„„„…") fails at each one at once, instead of scanning to the end of the line from each.
_QUOTED = re.compile(r'"([^"\n]+)"|“([^“”\n]+)”|«([^«»\n]+)»|„([^„“”\n]+)[“”]')
_HEADER = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(?:quotes?|sources?|citations?|references?)[ \t]*(:?)"
    r"[ \t]*(?:\*\*|__)?[ \t]*(:?)[ \t]*(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_LABEL = re.compile(r"^(?:\*\*|__)?answer(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*", re.IGNORECASE)
_RULE = re.compile(r"\n[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$")
_SENTENCE_END = re.compile(r"[.!?][\"'”’»)]*(?:[ \t]*\[\d+\])*(?=\s+[\"'“‘«(\[]?[A-Z0-9])|\n")


@dataclass(frozen=True)
class CheckedAnswer:
    """The answer text with only valid ``[n]`` markers, and the citations they point at."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False


def extract(raw: str) -> tuple[str, dict[int, list[str]]]:
    """Split model output into the answer text and the quotes given per passage number.

    Quotes come from a trailing section (``Quotes:``, ``Sources:`` ... or bare
    ``[n] "quote"`` lines at the end) and from quoted strings of three or more
    words in the text, given to the nearest marker in the same sentence.
    Marker lists like ``[1][2]`` and ``[1, 2]`` become ``[1] [2]``; a leading
    ``Answer:`` label is dropped.
    """
    raw = _LABEL.sub("", raw.replace("\r\n", "\n").strip())
    text, section = _split_section(raw)
    text = _normalize_markers(_RULE.sub("", text.rstrip())).strip()
    quotes: dict[int, list[str]] = {}
    for n, quote in [*_inline_quotes(text), *_section_quotes(section)]:
        if quote not in quotes.setdefault(n, []):
            quotes[n].append(quote)
    return text, quotes


def check(raw: str, passages: list[Passage], bodies: dict[str, str]) -> CheckedAnswer:
    """The model's answer with invalid markers removed and every citation verified.

    ``bodies`` maps each passage's article id to its full body (every passage's
    article must be there). A marker whose quotes can't be found cites the
    passage sentence that best matches the answer sentence carrying it; an
    answer with no valid marker gets up to two best-matching passage sentences,
    or none when no words are shared. A refusal or an empty answer comes back
    as ``REFUSAL`` with ``refused=True``. Every returned citation ``c``
    satisfies ``bodies[c.article_id][c.start:c.end] == c.quote``.
    """
    text, quotes = extract(raw)
    if is_refusal(raw) or not _MARKER.sub("", text).strip():
        return CheckedAnswer(REFUSAL, [], refused=True)
    by_n = {p.n: p for p in passages}
    text = _drop_markers(text, set(by_n))
    located = {n: _located(by_n[n], quotes[n], bodies) for n in quotes if n in by_n}
    cited = list(dict.fromkeys(int(n) for n in _MARKER.findall(text)))
    supported: dict[int, list[tuple[int, int]]] = {}
    if not cited:
        cited = [n for n in sorted(located) if located[n]]
        if not cited:
            for n, span in _best_sentences(text, passages, bodies):
                supported.setdefault(n, []).append(span)
            cited = sorted(supported)
        text = text.rstrip() + "".join(f" [{n}]" for n in cited)
    citations: dict[tuple[int, int, int], Citation] = {}
    for n in cited:
        passage, body = by_n[n], bodies[by_n[n].article_id]
        spans = located.get(n) or supported.get(n) or [_supporting_sentence(text, passage, body)]
        for start, end in spans:
            citations[(n, start, end)] = passage.cite(body, start, end)
    return CheckedAnswer(text, [citations[key] for key in sorted(citations)], refused=False)


def _split_section(raw: str) -> tuple[str, str]:
    """The answer text and the quotes section after it (empty when there is none)."""
    for header in _HEADER.finditer(raw):
        has_colon, rest = header.group(1) or header.group(2), header.group(3).strip()
        if not rest or (has_colon and rest[0] in "[" + QUOTE_MARKS):
            return raw[: header.start()], raw[header.start(3) :]
    lines = raw.split("\n")
    first = len(lines)
    while first > 1 and (not lines[first - 1].strip() or _is_quote_line(lines[first - 1])):
        first -= 1
    while first < len(lines) and not lines[first].strip():
        first += 1
    return "\n".join(lines[:first]), "\n".join(lines[first:])


def _is_quote_line(line: str) -> bool:
    lead = _LEADING_MARKERS.match(line)
    first = line[lead.end() : lead.end() + 1] if lead else ""
    return bool(lead and lead.group(1).startswith("[") and first and first in QUOTE_MARKS)


def _normalize_markers(text: str) -> str:
    text = _MARKER_LIST.sub(lambda m: " ".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)
    return re.sub(r"\](?=\[\d+\])", "] ", text)


def _section_quotes(section: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    numbers: list[int] = []
    for line in section.split("\n"):
        if lead := _LEADING_MARKERS.match(line):
            numbers, line = [int(n) for n in re.findall(r"\d+", lead.group(1))], line[lead.end() :]
        elif tail := _TRAILING_MARKERS.search(line):
            numbers, line = [int(n) for n in re.findall(r"\d+", tail.group(1))], line[: tail.start()]
        quotes = _quoted(line)
        found.extend((n, quote) for n in numbers for quote in quotes)
    return found


def _quoted(line: str) -> list[str]:
    if whole := _nested(line):
        return [whole]
    quotes = [next(group for group in m.groups() if group) for m in _QUOTED.finditer(line)]
    if quotes:
        return quotes
    line = clean_quote(line)
    return [line] if line else []


def _nested(line: str) -> str | None:
    """The quote of a line that is one straight-quoted sentence quoting something itself (``"The award went
    to "Kimberly Akimbo", a comedy."``), or None: for ``"A", "B"`` or ``"A" "B"`` (two quotes) too."""
    match = re.fullmatch(r'\s*"(.+)"[\s.,;]*', line)
    if not match or '"' not in match.group(1):
        return None
    pieces = match.group(1).split('"')
    quoted = pieces[1::2]  # between the inner marks: words when nested, a comma or a space between two quotes
    if len(pieces) % 2 == 0 or not all(re.search(r"\w", piece) for piece in quoted):
        return None
    return match.group(1)


def _inline_quotes(text: str) -> list[tuple[int, str]]:
    found = []
    sentences = _sentence_spans(_mask_quotes(text))
    markers = [(m.start(), m.end(), int(m.group(1))) for m in _MARKER.finditer(text)]
    for m in _QUOTED.finditer(text):
        quote = next(group for group in m.groups() if group)
        if word_count(quote) < MIN_WORDS:
            continue
        sentence = next(((s, e) for s, e in sentences if s <= m.start() < e), (0, len(text)))
        near = [
            (m_start - m.end() if m_start >= m.end() else m.start() - m_end + 0.5, n)
            for m_start, m_end, n in markers
            if sentence[0] <= m_start < sentence[1]
        ]
        if near:
            found.append((min(near)[1], quote))
    return found


def _mask_quotes(text: str) -> str:
    """``text`` with sentence ends inside quoted strings (but not at their end) hidden."""
    chars = list(text)
    for m in _QUOTED.finditer(text):
        for i in range(m.start() + 1, m.end() - 2):
            if chars[i] in ".!?":
                chars[i] = ","
    return "".join(chars)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences as (start, end) offsets: they end at . ! ? before a capital, or at a newline."""
    spans, start = [], 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        piece = text[start:end]
        if piece.strip():
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, start + len(piece.rstrip())))
        start = end
    return spans


def is_refusal(raw: str, paraphrase: bool = True) -> bool:
    """The refusal sentence anywhere, or (``paraphrase``) an answer that opens with a close paraphrase of it.

    Small models write "The article I have does not answer this question. [2]";
    that is a refusal too, whatever it cites. Leave ``paraphrase`` off for an
    answer still being written: its first sentence may not be finished.
    """
    if normalize(REFUSAL)[0].rstrip(".") in normalize(raw)[0]:
        return True
    if not paraphrase:
        return False
    text = _MARKER.sub("", extract(raw)[0]).strip()
    spans = _sentence_spans(text)
    first = text[spans[0][0] : spans[0][1]] if spans else ""
    return fuzz.ratio(normalize(first)[0], normalize(REFUSAL)[0]) >= _REFUSAL_LIKENESS


#: How alike (rapidfuzz ratio, 0-100) an answer's first sentence must be to REFUSAL to count as one.
#: "The article I have does not answer this question." scores 97, "The passages do not answer this
#: question." 83; an answer that says what the articles do not say ("... do not say who won") scores 78.
_REFUSAL_LIKENESS = 82


def _drop_markers(text: str, valid: set[int]) -> str:
    """``text`` without markers whose number isn't in ``valid``, and without the gaps they leave."""

    def line_start(m: re.Match[str]) -> str:
        return m.group(0) if int(m.group(2)) in valid else m.group(1)

    text = re.sub(r"(?m)^([ \t]*)\[(\d+)\][ \t]*", line_start, text)
    return re.sub(r"[ \t]*\[(\d+)\]", lambda m: m.group(0) if int(m.group(1)) in valid else "", text)


def _located(passage: Passage, quotes: list[str], bodies: dict[str, str]) -> list[tuple[int, int]]:
    body = bodies[passage.article_id]
    spans = [locate_quote(body, quote, near=(passage.start, passage.end)) for quote in quotes]
    return list(dict.fromkeys(span for span in spans if span))


def _content_words(text: str) -> set[str]:
    return content_words(_MARKER.sub(" ", text))


def _passage_sentences(passage: Passage, body: str) -> list[tuple[int, int]]:
    spans = sentence_spans(body[passage.start : passage.end])
    return [(passage.start + s, passage.start + e) for s, e in spans] or [(passage.start, passage.end)]


def _supporting_sentence(text: str, passage: Passage, body: str) -> tuple[int, int]:
    """The sentence of ``passage`` sharing most words with the answer sentences that cite it."""
    marker = f"[{passage.n}]"
    claim = " ".join(text[s:e] for s, e in _sentence_spans(_mask_quotes(text)) if marker in text[s:e])
    words = _content_words(claim)
    sentences = _passage_sentences(passage, body)
    return max(sentences, key=lambda span: (len(words & _content_words(body[span[0] : span[1]])), -span[0]))


def _best_sentences(text: str, passages: list[Passage], bodies: dict[str, str]) -> list[tuple[int, tuple[int, int]]]:
    """Up to two passage sentences sharing words with the whole answer: the best, and one at least half as good."""
    words = _content_words(text)
    scored = []
    for passage in passages:
        body = bodies[passage.article_id]
        for start, end in _passage_sentences(passage, body):
            overlap = len(words & _content_words(body[start:end]))
            if overlap:
                scored.append((-overlap, passage.n, start, end))
    scored.sort()
    best = scored[:1] + [s for s in scored[1:2] if scored and -s[0] * 2 >= -scored[0][0]]
    return [(n, (start, end)) for _, n, start, end in best]


#: A short answer has at most this many words; a longer opening is a sentence, not a short answer.
SHORT_WORDS = 10
_OPENING = re.compile(r"^[ \t]*(?:\*\*|__)?([^\n\[]{1,200}?)(?:\*\*|__)?[ \t.]*\[(\d+)\]")


def short_answer(text: str, citations: list[Citation], bodies: dict[str, str]) -> ShortAnswer | None:
    """The answer's opening words before its first marker, when they are a short answer ("The Tony Awards [1]").

    Located inside the quote of the citation the marker names (exactly, else ignoring case), it is a span
    of that article (``n`` > 0, ``body[start:end] == text``); not found there, it is a paraphrase
    (``n == 0``). An opening of more than SHORT_WORDS words, or one that is the whole quote, is no short answer.
    """
    match = _OPENING.match(text)
    if not match:
        return None
    opening = match.group(1).strip()
    if not opening or len(opening.split()) > SHORT_WORDS or opening[-1] in ".!?”\"…":
        return None  # a sentence (it ends like one), not a short answer
    for citation in sorted(citations, key=lambda c: c.n != int(match.group(2))):
        quote = bodies[citation.article_id][citation.start : citation.end]
        at = quote.find(opening)
        if at == -1:
            at = quote.lower().find(opening.lower())
        if at != -1:
            if len(opening) >= len(quote.strip().rstrip(".")):
                return None  # the whole quote: a sentence answer, not a short one
            start = citation.start + at
            return ShortAnswer(bodies[citation.article_id][start : start + len(opening)], citation.n, start,
                               start + len(opening))
    return ShortAnswer(opening)
