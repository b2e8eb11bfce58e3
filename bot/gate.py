"""Whether the passages answer the question: the refusal gate, one calibrated probability.

What decides, per question (``features``):

- ``support``: how well the best passage sentence answers it (the extractive
  answerer's score: embedding similarity blended with question-word overlap);
- ``coverage``: the share of the question's content words that the top
  article's title and body hold (an article about something else shares a
  topic, rarely all the names), as substrings: "fire" is held by "fires", a
  crude stemming that measured better than whole words (refit on whole words,
  2026-12-01: refusal recall 0.902 / 0.925 on tune / check against 0.915 /
  0.950, at the same answer rates);
- ``fused``: the top passage's fused retrieval score (1 when it is first in
  every ranked list: dense, keyword and the date windows agree);
- ``margin``: how far the top article's fused score stands above the next
  article's (a clear winner, or a shrug among several).

``probability`` is a logistic model of these four, fitted by ``python -m
bench.calibrate`` on two thirds of the dev questions (each asked once with its
articles, once with them excluded from the search) and checked on the third
kept aside; the product refuses below ``Settings.min_score`` (``answers``), and
a factoid question ("who", "where", "how many" …) whose passages hold no answer
of the kind it asks for below ``UNTYPED_MIN``. The fit's numbers are in
``WEIGHTS``; bench.calibrate prints new ones when the retrieval changes.

What it leaves out: judging the answer itself (a sentence can support the
question's topic and still not answer it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.short import Sentence
from bot.text import content_words
from bot.types import Passage

#: (support, coverage, fused, margin) weights and the bias, from ``python -m bench.calibrate`` (2026-12-01).
WEIGHTS = (5.7276, 3.275, 3.93, 1.87)
BIAS = -8.309


@dataclass(frozen=True)
class Features:
    support: float
    coverage: float
    fused: float
    margin: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.support, self.coverage, self.fused, self.margin)


def features(question: str, sentences: Sequence[Sentence], passages: Sequence[Passage]) -> Features:
    """What the gate reads for a question and its retrieved passages (best first)."""
    if not passages or not sentences:
        return Features(0.0, 0.0, 0.0, 0.0)
    top = passages[0]
    words = content_words(question)
    text = f"{top.title}\n{top.body or top.text}".lower()
    coverage = sum(1 for word in words if word in text) / len(words) if words else 1.0
    runner_up = next((p.score for p in passages if p.article_id != top.article_id), 0.0)
    return Features(_best_in_passages(sentences, passages), coverage, top.score, top.score - runner_up)


def _best_in_passages(sentences: Sequence[Sentence], passages: Sequence[Passage]) -> float:
    """The best support among the sentences the passages hold (the answerer also reads around them; the gate
    was fitted on the passages alone)."""
    spans = {p.n: (p.start, p.end) for p in passages}
    inside = (s.score for s in sentences if s.n in spans and spans[s.n][0] <= s.start and s.end <= spans[s.n][1])
    return next(inside, 0.0)


#: The kinds of answer a factoid question asks for (``bot.short.expect``): a name, a place, a number, a date.
FACTOID = frozenset(["person", "place", "org", "number", "money", "percent", "date"])
#: How likely a factoid question must be answered when its passages hold no answer of the kind it asks for.
UNTYPED_MIN = 0.85


def answers(likely: float, min_score: float, kind: str, typed: bool) -> bool:
    """Whether to answer: the probability reaches ``min_score``, and for a factoid question whose passages hold
    no answer of the kind it asks for (``typed``: the extractive answerer found a short answer; none for "who
    holds the record" when no name fits), ``UNTYPED_MIN``: passages about the topic that name nobody who
    could be the answer are the commonest way an answer is missing (with news-1k beside the dev articles,
    refusal recall on the tune split 0.744 -> 0.793, on dev alone 0.915 -> 0.951; no answerable question of
    dev, news-1k or news-10k refused more; ``python -m bench.calibrate``). A ``min_score`` of 0 turns the gate
    off, this rule too."""
    return min_score <= 0 or likely >= min_score and (typed or kind not in FACTOID or likely >= UNTYPED_MIN)


def probability(found: Features, weights: Sequence[float] = WEIGHTS, bias: float = BIAS) -> float:
    """How likely the passages answer the question (0..1), by the fitted logistic model."""
    z = bias + sum(w * x for w, x in zip(weights, found.as_tuple()))
    if math.isnan(z):  # a feature that is not a number says nothing for answering
        return 0.0
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
