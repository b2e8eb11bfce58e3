"""The numbers bench.eval reports, as small pure functions over plain values.

Retrieval is scored at article level: a ranked list of article ids (each once,
best first) against the gold article ids of a question. Answers are compared
with SQuAD's normalization (lower case, no punctuation, no articles a/an/the,
single spaces). Averages over an empty list are None, not 0, so "not measured"
never reads as "failed".

What it leaves out: nothing here reads files, runs a model or knows the data set.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_MARKERS = re.compile(r"\s*\[\d+\]")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


# --- retrieval ---------------------------------------------------------------------
def first_appearances(article_ids: Iterable[str]) -> list[str]:
    """Article ids in the order they first appear (passages best first -> articles best first)."""
    return list(dict.fromkeys(article_ids))


def gold_rank(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> int | None:
    """1-based rank of the first gold article within the top ``k``, or None."""
    wanted = set(gold)
    return next((rank for rank, article in enumerate(ranked[:k], 1) if article in wanted), None)


def hit_at(ranked: Sequence[str], gold: Iterable[str], k: int) -> bool:
    """Whether any gold article is among the top ``k``."""
    return gold_rank(ranked, gold, k) is not None


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """1 / rank of the first gold article within the top ``k``; 0 when none is there."""
    rank = gold_rank(ranked, gold, k)
    return 1.0 / rank if rank else 0.0


# --- quotes and answers --------------------------------------------------------------
def first_article_answers(ranked: Sequence[str], gold: Iterable[str], answer: str, texts: dict[str, str]) -> bool:
    """Whether the first ranked article is a gold one or, among many outlets' reports of one story, another
    whose text holds the gold answer (lenient match)."""
    if not ranked:
        return False
    return ranked[0] in set(gold) or contains_answer_lenient(texts.get(ranked[0], ""), answer)


def is_verbatim(quote: str, text: str) -> bool:
    """Whether the quote occurs character for character in the article text."""
    return bool(quote) and quote in text


def normalize_answer(text: str) -> str:
    """SQuAD normalization: lower case, punctuation and a/an/the removed, whitespace collapsed."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def strip_markers(text: str) -> str:
    """An answer's text without its ``[n]`` citation markers."""
    return _MARKERS.sub("", text).strip()


def contains_answer(text: str, gold: str) -> bool:
    """Whether the normalized gold answer occurs in the normalized text as whole words."""
    wanted = normalize_answer(gold)
    return bool(wanted) and f" {wanted} " in f" {normalize_answer(text)} "


# Lenient matching: a right answer in other words still counts. Both sides are reduced to tokens with
# possessives dropped, number words as digits ("six" -> "6"), "12-year-old" -> "12 year old", percent
# signs spelled out, demonyms as their place ("Ukrainian" -> "ukraine"), "Britain" as "UK".
_NUMBER_WORDS = {word: str(n) for n, word in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                      "eighty": "80", "ninety": "90", "hundred": "100", "dozen": "12", "first": "1", "second": "2",
                      "third": "3", "fourth": "4", "fifth": "5"})
_DEMONYMS = {
    "american": "us", "americans": "us", "british": "uk", "briton": "uk", "britons": "uk", "english": "england",
    "european": "europe", "europeans": "europe", "asian": "asia", "african": "africa", "australian": "australia",
    "ukrainian": "ukraine", "ukrainians": "ukraine", "russian": "russia", "russians": "russia", "chinese": "china",
    "japanese": "japan", "korean": "korea", "indian": "india", "pakistani": "pakistan", "iranian": "iran",
    "iraqi": "iraq", "israeli": "israel", "palestinian": "palestine", "saudi": "saudi arabia", "turkish": "turkey",
    "german": "germany", "germans": "germany", "french": "france", "italian": "italy", "spanish": "spain",
    "portuguese": "portugal", "dutch": "netherlands", "swedish": "sweden", "finnish": "finland",
    "norwegian": "norway", "danish": "denmark", "polish": "poland", "greek": "greece", "irish": "ireland",
    "scottish": "scotland", "welsh": "wales", "canadian": "canada", "mexican": "mexico", "brazilian": "brazil",
    "argentine": "argentina", "argentinian": "argentina", "chilean": "chile", "peruvian": "peru",
    "colombian": "colombia", "venezuelan": "venezuela", "cuban": "cuba", "haitian": "haiti",
    "egyptian": "egypt", "nigerian": "nigeria", "kenyan": "kenya", "ethiopian": "ethiopia",
    "sudanese": "sudan", "libyan": "libya", "moroccan": "morocco", "afghan": "afghanistan",
    "syrian": "syria", "lebanese": "lebanon", "taiwanese": "taiwan", "filipino": "philippines",
    "vietnamese": "vietnam", "thai": "thailand", "indonesian": "indonesia", "malaysian": "malaysia",
    "sri": "sri", "lankan": "lanka", "hungarian": "hungary", "swiss": "switzerland", "austrian": "austria",
    "belgian": "belgium", "czech": "czechia", "romanian": "romania", "serbian": "serbia", "croatian": "croatia",
    "belarusian": "belarus", "georgian": "georgia", "armenian": "armenia", "azerbaijani": "azerbaijan",
    "icelandic": "iceland", "new zealander": "new zealand", "hawaiian": "hawaii", "californian": "california",
    "floridian": "florida", "texan": "texas", "antarctic": "antarctica", "arctic": "arctic",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
# The usual other names of two countries news names most ("Britain" answers "United Kingdom").
_COUNTRY_ALIASES = {"united kingdom": " uk ", "great britain": " uk ", "britain": " uk ", "u.k.": " uk ",
                    "united states of america": " us ", "united states": " us ", "u.s.": " us ", "usa": " us "}
_COUNTRY_NAMES = re.compile(r"(?<![\w.])(" + "|".join(re.escape(name) for name in
                                                   sorted(_COUNTRY_ALIASES, key=len, reverse=True)) + r")(?![\w])")


_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|trillion)?\b")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def _amount(match: re.Match[str]) -> str:
    number = float(match.group(1).replace(",", "")) * _SCALE.get(match.group(2) or "", 1)
    return f" {number:.15g} "


def lenient_tokens(text: str) -> list[str]:
    """``text`` as comparable tokens (see the note above ``lenient_tokens``); amounts as one number
    ("$12.6 million" and "$12,600,000" both become 12600000)."""
    text = text.lower().replace("’", "'").replace("%", " percent ")
    text = _COUNTRY_NAMES.sub(lambda match: _COUNTRY_ALIASES[match.group(1)], text)
    text = _AMOUNT.sub(_amount, text)
    text = re.sub(r"'s\b", "", text)
    tokens = []
    for token in _TOKEN.findall(text):
        token = _NUMBER_WORDS.get(token, token)
        tokens.extend(_DEMONYMS.get(token, token).split())
    return [t for t in tokens if t not in ("a", "an", "the")]


def contains_answer_lenient(text: str, gold: str) -> bool:
    """The gold answer in ``text`` allowing other wordings of the same thing: its tokens, reduced by
    ``lenient_tokens``, occur in order as whole words ("Ukrainian troops" holds "Ukraine", "six months" holds
    "6", "a 12-year-old boy" holds "12"); a gold answer naming several things ("Russia and China",
    "Houston Astros & Philadelphia Phillies") is held when each of them is ("Russia has sought closer ties
    with China")."""
    held = f" {' '.join(lenient_tokens(text))} "
    wanted = " ".join(lenient_tokens(gold))
    if not wanted:
        return False
    parts = [" ".join(lenient_tokens(part)) for part in _JOINED.split(gold)]
    return f" {wanted} " in held or (len(parts) > 1 and all(part and f" {part} " in held for part in parts))


#: What joins the things a gold answer names: "and", "&".
_JOINED = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)


_GLUE = frozenset(["and", "or", "of", "in", "on", "at", "to", "for", "with", "by", "from", "as", "is", "are", "was",
                   "were", "be", "its", "their", "his", "her", "they", "it", "that", "this"])


def choice_support(text: str, choices: Sequence[str]) -> list[float]:
    """For each multiple-choice option, the share of its words (lenient tokens, glue words left out) found
    in ``text``; an amount counts as found when ``text`` holds one within ``NEAR_AMOUNT`` of it."""
    have = set(lenient_tokens(text))
    amounts = [value for value in map(_number, have) if value is not None]
    shares = []
    for choice in choices:
        words = set(lenient_tokens(choice)) - _GLUE or set(lenient_tokens(choice))
        found = {word for word in words if word in have or _near_amount(_number(word), amounts)}
        shares.append(len(found) / len(words) if words else 0.0)
    return shares


#: Two large amounts (10,000 and up: not years, ages or percentages) this close (relative difference) are one
#: answer in other words: "3.2 million" lives for "approximately 3 million", "$402 million" for "$400 million".
NEAR_AMOUNT, LARGE_AMOUNT = 0.1, 10_000


def _number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def _near_amount(value: float | None, amounts: list[float]) -> bool:
    return value is not None and value >= LARGE_AMOUNT and any(abs(a - value) <= NEAR_AMOUNT * value for a in amounts)


def mc_credit(text: str, choices: Sequence[str], correct: int, evidence: str = "") -> float:
    """Multiple-choice accuracy of one answer: 1 when it supports the correct choice best, 1/n when n choices
    tie for best with it, 0 when another choice is better or no choice has a word in the answer.

    Support is read in ``text`` and its ``evidence`` (the quotes) together; choices tied there are told apart
    by ``text`` alone, the answer's own claim ("Google", quoted beside a sentence that also names Amazon).
    Citation markers are no words of the answer: "12 [1] [2]" names no "1" or "2"."""
    text = strip_markers(text)
    shares = choice_support(f"{text} {evidence}", choices)
    best = max(shares, default=0.0)
    if best == 0.0:
        return 0.0
    tied = [i for i, share in enumerate(shares) if share == best]
    if len(tied) > 1 and evidence:
        claimed = choice_support(text, choices)
        top = max(claimed[i] for i in tied)
        tied = [i for i in tied if claimed[i] == top]
    return 1.0 / len(tied) if correct in tied else 0.0


def exact_match(prediction: str, gold: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(gold)


def f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 between the normalized prediction and gold answer."""
    predicted, wanted = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not predicted or not wanted:
        return float(predicted == wanted)
    common = sum((Counter(predicted) & Counter(wanted)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


# --- refusals ----------------------------------------------------------------------
def refusal_recall(refused_when_unanswerable: Sequence[bool]) -> float | None:
    """Share of unanswerable questions that were refused."""
    return mean(float(refused) for refused in refused_when_unanswerable)


def answer_rate(refused_when_answerable: Sequence[bool]) -> float | None:
    """Share of answerable questions that were answered (not refused)."""
    return mean(float(not refused) for refused in refused_when_answerable)


# --- aggregates --------------------------------------------------------------------
def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly between ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
