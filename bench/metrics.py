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
