"""Typos in a question, read as the word the retrieved articles hold ("Boradway" -> "Broadway").

A misspelled word costs a question twice: the keyword search finds nothing for
it, and the answerer, seeing the word the question meant in the articles but not
in the question, offers it as the answer ("Which genre is Looretta Lynn known
for?" -> "Loretta Lynn"), or the refusal gate finds the question's names missing
and refuses. Dense retrieval usually still finds the right articles, so their
words are the vocabulary to correct against; the embedding model's word list
only says which words are real, never what to correct to.

A word is corrected when all of these hold:

- it is a word of four letters or more (shorter ones have too many neighbours);
- no chunk in the store holds it (``known``: the keyword index's terms), and it
  is no word of the embedding model's vocabulary (``dictionary``: the whole
  words of its WordPiece list, 20,000 English words and names), so a real word
  the articles happen not to use ("shaken" beside "shake") is never changed;
- the retrieved articles (titles and bodies) hold a word within one edit of it
  (two for ten letters or more), an edit being an insertion, a deletion, a
  substitution or a swap of neighbours ("Neftlix");
- one such word is nearest, or one of the nearest is used most: a tie is left
  as typed.

Bounded: the first ``MOST`` unknown words of a question are looked up, in the first ``READ`` characters of
each article.

What it leaves out: a typo that makes another real word ("form" for "from"),
and words split or joined ("pay check").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.text import STOPWORDS

_WORD = re.compile(r"[^\W\d_]+")
SHORTEST = 4  # letters a word needs to be corrected ("prme")
LONG = 10  # letters from which two edits are allowed
MOST = 20  # unknown words looked up per question (a pasted paragraph of them is no typo)
READ = 100_000  # characters of each article read for its words


@dataclass(frozen=True)
class Correction:
    """One word of the question read as another: ``question[start:end]`` was ``typed``."""

    start: int
    end: int
    typed: str
    read_as: str


def corrections(question: str, texts: Iterable[str], known: Callable[[Sequence[str]], set[str]],
                dictionary: Collection[str] = frozenset()) -> list[Correction]:
    """The question's misspelled words and what to read them as (see the module's docstring).

    ``texts``: the retrieved articles' titles and bodies; ``known``: which of some words the store holds;
    ``dictionary``: real words in lower case (``bot.spelling.dictionary``), never corrected.
    """
    words = [m for m in _WORD.finditer(question) if len(m.group()) >= SHORTEST
             and m.group().lower() not in STOPWORDS and m.group().lower() not in dictionary]
    held = known([m.group() for m in words]) if words else set()
    unheard = [m for m in words if m.group() not in held]
    if not unheard:
        return []
    forms: dict[str, Counter[str]] = defaultdict(Counter)  # folded word -> its spellings in the articles
    for text in texts:
        for found in _WORD.findall(text, 0, READ):
            forms[found.lower()][found] += 1
    vocabulary = list(forms)
    found_corrections = []
    for match in unheard[:MOST]:
        typed = match.group()
        if typed.lower() in forms:  # the store's index is behind, or the word is the articles' own
            continue
        nearest = _nearest(typed.lower(), vocabulary, forms)
        if nearest:
            spelling = forms[nearest].most_common(1)[0][0]
            if typed[0].isupper() and spelling[0].islower():
                spelling = spelling[0].upper() + spelling[1:]
            found_corrections.append(Correction(match.start(), match.end(), typed, spelling))
    return found_corrections


def _nearest(word: str, vocabulary: list[str], forms: dict[str, Counter[str]]) -> str | None:
    """The one vocabulary word nearest ``word`` within the edits its length allows, the most used among
    equally near ones; None when there is none, or a tie."""
    bound = 2 if len(word) >= LONG else 1
    near = process.extract(word, vocabulary, scorer=OSA.distance, score_cutoff=bound, limit=None)
    near = [(choice, distance) for choice, distance, _ in near if len(choice) >= SHORTEST - bound]
    if not near:
        return None
    closest = min(distance for _, distance in near)
    uses = sorted(((sum(forms[choice].values()), choice) for choice, distance in near if distance == closest),
                  reverse=True)
    if len(uses) > 1 and uses[0][0] == uses[1][0]:
        return None
    return uses[0][1]


def corrected(question: str, found: Sequence[Correction]) -> str:
    """``question`` with each correction's word replaced."""
    for correction in sorted(found, key=lambda c: -c.start):
        question = question[: correction.start] + correction.read_as + question[correction.end :]
    return question


@lru_cache(maxsize=4)
def dictionary(model: str) -> frozenset[str]:
    """The whole words (letters only, four or more) of the embedding model's WordPiece vocabulary
    (``vocab.txt`` in its folder), in lower case; none when the model has no such file."""
    try:
        lines = (Path(model) / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except OSError:
        return frozenset()
    return frozenset(word for word in lines if len(word) >= SHORTEST and word.isalpha() and word.islower())
