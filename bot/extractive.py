"""The offline answerer: no language model, the best sentences of the passages.

Every sentence of the retrieved passages is scored by how well it answers the
question: cosine similarity of its embedding to the question's, plus the
IDF-weighted share of the question's content words it contains. The best one
(and a second, if nearly as good) becomes the answer, each cited. Output uses
the same "answer [n] / Quotes:" format a model is asked for, so the same
citation checker verifies it.

Follow-ups: without a model to rewrite them, a question that leans on the
previous one (it uses a pronoun, or has under four content words) is searched
together with the previous question's content words.

What it leaves out: it never paraphrases, combines facts or computes anything.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

from bot.text import content_words, sentence_spans
from bot.types import Passage

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


class ExtractiveAnswerer:
    """Picks the passage sentences that best answer a question."""

    def __init__(self, embeddings: Embeddings, max_sentences: int = 2, second_ratio: float = 0.9) -> None:
        self.embeddings = embeddings
        self.max_sentences = max_sentences
        self.second_ratio = second_ratio
        self._lock = threading.Lock()
        self._last: tuple[tuple, list[tuple[float, int, str]]] | None = None

    def scored_sentences(self, question: str, passages: Sequence[Passage]) -> list[tuple[float, int, str]]:
        """(score, passage n, sentence text) for every candidate sentence, best first.

        The refusal gate and the answer both need this for the same question and
        passages; the last result is kept so the sentences are embedded once.
        """
        key = (question, tuple((p.n, p.article_id, p.start, p.text) for p in passages))
        with self._lock:
            if self._last and self._last[0] == key:
                return self._last[1]
        scored = self._score(question, passages)
        with self._lock:
            self._last = (key, scored)
        return scored

    def _score(self, question: str, passages: Sequence[Passage]) -> list[tuple[float, int, str]]:
        candidates = [
            (passage.n, passage.text[start:end])
            for passage in passages
            for start, end in sentence_spans(passage.text)
            if len(passage.text[start:end].split()) >= _MIN_WORDS
        ]
        if not candidates:
            return []
        question_vector = self.embeddings.embed_query(question)
        vectors = self.embeddings.embed_documents([text for _, text in candidates])
        stems = [{_stem(w) for w in content_words(text)} for _, text in candidates]
        frequency: dict[str, int] = {}
        for sentence_stems in stems:
            for stem in sentence_stems:
                frequency[stem] = frequency.get(stem, 0) + 1
        asked = {_stem(w) for w in content_words(question)}
        weight = {stem: math.log(1 + len(candidates) / (1 + frequency.get(stem, 0))) for stem in asked}
        total = sum(weight.values()) or 1.0
        scored = []
        for (n, text), vector, sentence_stems in zip(candidates, vectors, stems):
            dense = sum(a * b for a, b in zip(question_vector, vector))
            lexical = sum(weight[s] for s in asked & sentence_stems) / total
            scored.append((0.6 * dense + 0.4 * lexical, n, text))
        return sorted(scored, key=lambda item: -item[0])

    def answer(self, question: str, passages: Sequence[Passage]) -> str:
        """The answer in the cited format the citation checker reads (empty if nothing fits)."""
        scored = self.scored_sentences(question, passages)
        if not scored:
            return ""
        chosen = [scored[0]]
        for candidate in scored[1:]:
            if len(chosen) == self.max_sentences or candidate[0] < self.second_ratio * scored[0][0]:
                break
            if candidate[2] not in {text for _, _, text in chosen}:
                chosen.append(candidate)
        text = " ".join(f"{sentence} [{n}]" for _, n, sentence in chosen)
        quotes = "\n".join(f'[{n}] "{sentence}"' for _, n, sentence in chosen)
        return f"{text}\n\nQuotes:\n{quotes}"
