"""The offline answerer: no language model, the best sentences of the passages.

Every sentence of the retrieved passages, and of the rest of the first two
articles (the answering sentence is often a paragraph away from the passage
that matched), is scored by how well it answers the question: cosine
similarity of its embedding to the question's, plus the IDF-weighted share of
the question's content words it contains (the refusal gate reads the same
scores, of the passages' own sentences). For the answer, a sentence also loses
a little for each place its passage stands lower in the retrieval ranking and
for how far its fused score lies below 1, and gains for saying something the
question does not and for holding a candidate of the kind asked for. The short
answer (``bot/short.py``: a name, title or figure, else a common-noun phrase
that one of the three best sentences frames as the question does) comes first,
with its sentence and up to three more nearly as good as quotes; without one,
the best sentences are the answer.
Output uses the same "answer [n] / Quotes:" format a model is asked for, so the
same citation checker verifies it.

Follow-ups: without a model to rewrite them, a question that leans on the
previous one (it uses a pronoun, or has under four content words) is searched
together with the previous question's content words.

What it leaves out: it never paraphrases, combines facts or computes anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from langchain_core.embeddings import Embeddings

from bot.short import (
    THING_FIT,
    Choice,
    Expectation,
    Sentence,
    choose,
    closeness,
    expect,
    has_candidate,
    phrase,
    role,
    stem,
)
from bot.text import STOPWORDS, content_words, sentence_spans
from bot.types import Passage

#: How many of the first articles the answer reads whole, not only their retrieved passages, and how much
#: of each body at most.
WHOLE_ARTICLES, WHOLE_CHARS = 2, 20_000

_PRONOUNS = frozenset(
    ["he", "she", "they", "it", "his", "her", "their", "its", "him", "them", "this", "that", "these", "those", "there"]
)
_MIN_WORDS = 4


def followup_query(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The search query for ``question``, given earlier (question, answer) turns."""
    if not history:
        return question
    words = re.findall(r"[a-z']+", question.lower())
    if not (_PRONOUNS & set(words)) and len(content_words(question)) >= 4:
        return question
    previous = history[-1][0]
    extra = [w for w in re.findall(r"[A-Za-z0-9']+", previous) if w.lower() in content_words(previous)]
    return f"{question} ({' '.join(dict.fromkeys(extra))})"


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


#: How much a sentence's support drops per place its passage stands below the first in the retrieval ranking,
#: when the answer is chosen: the search already weighed the whole passage, keywords, dates and all.
RANK_PRIOR = 0.04

#: How much it drops per unit its passage's fused score (0..1) lies below 1: a passage far behind the first
#: (another year's earthquake, outside the week the question names) is weaker evidence than its place says.
SCORE_PRIOR = 0.5

#: How much a sentence gains for saying something new (words the question does not have), and for holding
#: a candidate of the kind of answer the question asks for (a number for "how many", a name for "who").
NOVELTY, TYPED = 0.15, 0.1


def answering(expected: Expectation, sentences: Sequence[Sentence],
              embeddings: Embeddings | None = None) -> list[tuple[float, Sentence]]:
    """The sentences ranked for quoting: their support, plus NOVELTY x the share of their content words that
    the question does not have (a sentence that only restates the question tells nothing), plus TYPED when
    they hold a candidate of the expected kind (a name, a number ..., a cause for "why"), and TYPED again
    when, for a question asking for a kind of thing ("which animal"), they hold a word of their own that
    ``embeddings`` find close to the noun asked for ("snake"; looked for in the first ``_KIND_WORDS_IN``
    sentences). Best first."""
    kind_words = _kind_words(expected, sentences[:_KIND_WORDS_IN], embeddings) if embeddings else set()
    ranked = []
    for index, sentence in enumerate(sentences):
        words = [stem(w) for w in content_words(sentence.text)]
        novelty = sum(1 for w in words if w not in expected.asked) / len(words) if words else 0.0
        typed = has_candidate(expected, sentence.text)
        value = sentence.score + NOVELTY * novelty + (TYPED if typed else 0.0) + (TYPED if index in kind_words else 0.0)
        ranked.append((value, sentence))
    return sorted(ranked, key=lambda item: -item[0])


_KIND_WORDS_IN = 8
_LOWER_WORD = re.compile(r"(?<![\w’'-])[a-z][a-z-]{2,}(?![\w’'-])")


def _kind_words(expected: Expectation, sentences: Sequence[Sentence], embeddings: Embeddings) -> set[int]:
    """The positions of the sentences holding a lower-case word of their own as close in meaning to the noun
    the question asks for as a name must be (``bot.short.THING_FIT``); only for "which <noun>" questions."""
    if expected.kind != "thing" or not expected.head:
        return set()
    words = {index: [w for w in _LOWER_WORD.findall(s.text) if w not in STOPWORDS and stem(w) not in expected.asked]
             for index, s in enumerate(sentences)}
    vocabulary = sorted({w for found in words.values() for w in found})
    fit = dict(zip(vocabulary, closeness(expected, vocabulary, embeddings)[0])) if vocabulary else {}
    return {index for index, found in words.items() if any(fit[w] >= THING_FIT for w in found)}


class Reading(NamedTuple):
    """What the extractive answerer makes of a question and its passages (``ExtractiveAnswerer.read``)."""

    expected: Expectation
    sentences: list[Sentence]  # ranked for answering: support with the retrieval priors, best first
    choice: Choice | None  # the short answer, if one of the kind asked is found


class ExtractiveAnswerer:
    """Picks the passage sentences that best answer a question, and the short answer inside them."""

    def __init__(self, embeddings: Embeddings, max_sentences: int = 4, second_ratio: float = 0.7,
                 whole_articles: int = WHOLE_ARTICLES) -> None:
        self.embeddings = embeddings
        self.max_sentences = max_sentences
        self.second_ratio = second_ratio
        self.whole_articles = whole_articles

    def sentences(self, question: str, passages: Sequence[Passage]) -> list[Sentence]:
        """Every candidate sentence of the passages with how well it answers the question, best first; and
        of the rest of the first ``whole_articles`` articles' bodies (up to ``WHOLE_CHARS`` each), cited as
        their article's first passage: the sentence that answers is often a paragraph away from the passage
        that matched (``bot.gate`` reads only the passages' own sentences).

        Score: 0.6 x cosine of its embedding to the question's + 0.4 x the IDF-weighted share of the
        question's content words it holds.
        """
        candidates = [
            (passage, passage.start + start, passage.start + end, passage.text[start:end])
            for passage in passages
            for start, end in sentence_spans(passage.text)
            if len(passage.text[start:end].split()) >= _MIN_WORDS
        ]
        own = len(candidates)  # the passages' own: word rarity is read in them alone, so their scores stay the gate's
        candidates += self._around(passages)
        if not candidates:
            return []
        texts = [text for _, _, _, text in candidates]
        question_vector = self.embeddings.embed_query(question)
        # embedded apart: a batch's padding shifts int8 vectors a little, and the gate's scores should not move
        vectors = self.embeddings.embed_documents(texts[:own]) + (
            self.embeddings.embed_documents(texts[own:]) if len(texts) > own else [])
        stems = [{_stem(w) for w in content_words(text)} for text in texts]
        frequency: dict[str, int] = {}
        for sentence_stems in stems[:own]:
            for word in sentence_stems:
                frequency[word] = frequency.get(word, 0) + 1
        asked = {_stem(w) for w in content_words(question)}
        weight = {word: math.log(1 + max(own, 1) / (1 + frequency.get(word, 0))) for word in asked}
        total = sum(weight.values()) or 1.0
        scored = []
        for (passage, start, end, text), vector, sentence_stems in zip(candidates, vectors, stems):
            dense = sum(a * b for a, b in zip(question_vector, vector))
            lexical = sum(weight[s] for s in asked & sentence_stems) / total
            scored.append(Sentence(0.6 * dense + 0.4 * lexical, passage.n, start, end, text))
        return sorted(scored, key=lambda sentence: -sentence.score)

    def _around(self, passages: Sequence[Passage]) -> list[tuple[Passage, int, int, str]]:
        """The sentences (body offsets) of the first ``whole_articles`` articles that none of their passages
        holds, each with its article's first passage."""
        firsts: dict[str, Passage] = {}
        for passage in passages:
            if passage.body:
                firsts.setdefault(passage.article_id, passage)
        found = []
        for article_id, first in list(firsts.items())[: self.whole_articles]:
            held = [(p.start, p.end) for p in passages if p.article_id == article_id]
            body = first.body[:WHOLE_CHARS]
            for start, end in sentence_spans(body):
                if len(body[start:end].split()) >= _MIN_WORDS and \
                        not any(start < held_end and held_start < end for held_start, held_end in held):
                    found.append((first, start, end, body[start:end]))
        return found

    def read(self, question: str, passages: Sequence[Passage], sentences: Sequence[Sentence] | None = None) -> Reading:
        """What the question asks for, the sentences ranked to answer it (their support, minus their passage's
        retrieval rank and score: ``RANK_PRIOR``, ``SCORE_PRIOR``), and the short answer among them, if one of
        the kind asked is found (``bot.short.choose``). The refusal gate reads it too."""
        scored = list(sentences) if sentences is not None else self.sentences(question, passages)
        fused = {passage.n: passage.score for passage in passages}
        scored = sorted((replace(s, score=s.score - RANK_PRIOR * (s.n - 1) - SCORE_PRIOR * (1.0 - fused.get(s.n, 1.0)))
                         for s in scored), key=lambda s: -s.score)
        expected = expect(question)
        choice = choose(expected, scored, [p.title for p in passages], [p.text for p in passages], self.embeddings,
                        outlets=[p.source for p in passages], articles=[p.article_id for p in passages]) \
            if scored else None
        return Reading(expected, scored, choice)

    def answer(self, question: str, passages: Sequence[Passage], sentences: Sequence[Sentence] | None = None,
               reading: Reading | None = None) -> str:
        """The answer in the cited format the citation checker reads (empty if nothing fits): the short answer
        and its sentence when one is found (``bot.short``), else the best sentence or two (``read``; pass its
        ``reading`` when it is at hand)."""
        expected, scored, choice = reading or self.read(question, passages, sentences)
        if not scored:
            return ""
        ranked = answering(expected, scored, self.embeddings)
        if choice is None:  # no name, title or figure: who somebody is, or a common noun the best sentences
            # frame as the answer
            best = [sentence for _, sentence in ranked]
            choice = role(expected, best) or phrase(question, expected, best)
        chosen = [choice.sentence] if choice is not None else [ranked[0][1]]
        for value, candidate in ranked:  # a second sentence nearly as good as the best adds evidence
            if len(chosen) == self.max_sentences or value < self.second_ratio * ranked[0][0]:
                break
            if candidate.text not in {sentence.text for sentence in chosen}:
                chosen.append(candidate)
        quotes = "\n".join(f'[{sentence.n}] "{sentence.text}"' for sentence in chosen)
        if choice is not None:
            markers = " ".join(f"[{n}]" for n in dict.fromkeys(sentence.n for sentence in chosen))
            return f"{choice.text} {markers}\n\nQuotes:\n{quotes}"
        text = " ".join(f"{sentence.text} [{sentence.n}]" for sentence in chosen)
        return f"{text}\n\nQuotes:\n{quotes}"
