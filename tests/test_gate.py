"""bot/gate.py: the four features read from the passages, and the calibrated probability built on them."""

from __future__ import annotations

import math

import pytest

from bot.gate import UNTYPED_MIN, Features, answers, features, probability
from bot.settings import Settings
from bot.short import Sentence
from bot.types import Passage

QUESTION = "Did the harbour council approve the ferry fares?"  # content words: harbour council approve ferry fares


def _passage(article_id: str, score: float, title: str = "Harbour news", body: str = "", text: str = "") -> Passage:
    text = text or body[:40]
    return Passage(n=1, article_id=article_id, title=title, source="Wire", published="2023-06-20", url="", path="",
                   text=text, start=0, end=len(text), score=score, body=body)


def _sentence(score: float) -> Sentence:
    return Sentence(score=score, n=1, start=0, end=10, text="A sentence")


def test_coverage_is_the_share_of_question_words_the_top_articles_title_and_body_hold():
    top = _passage("a", 0.9, title="Harbour council meets", body="The council voted on ferry timetables.")
    other = _passage("b", 0.5, body="Approve the fares, said everyone.")  # not the top article: not read
    found = features(QUESTION, [_sentence(0.7)], [top, other])
    assert found.coverage == pytest.approx(3 / 5)  # harbour (title), council, ferry; not approve, fares


def test_coverage_reads_the_passage_text_when_its_body_is_not_there():
    top = _passage("a", 0.9, title="Notice", text="The harbour council will approve ferry fares today.")
    assert features(QUESTION, [_sentence(0.7)], [top]).coverage == 1.0


def test_fused_is_the_top_passages_score_and_support_the_best_sentences():
    passages = [_passage("a", 0.8, body="Harbour council news."), _passage("b", 0.3, body="Other news.")]
    found = features(QUESTION, [_sentence(0.62), _sentence(0.9)], passages)
    assert (found.fused, found.support) == (0.8, 0.62)


def test_the_margin_is_measured_to_the_next_article_not_the_next_passage_of_the_same_one():
    passages = [_passage("a", 0.8, body="Harbour council news."), _passage("a", 0.75, body="Harbour council news."),
                _passage("b", 0.5, body="Other news."), _passage("c", 0.45, body="More news.")]
    assert features(QUESTION, [_sentence(0.6)], passages).margin == pytest.approx(0.3)


def test_a_lone_article_stands_its_whole_score_above_the_rest():
    passages = [_passage("a", 0.7, body="Harbour council news."), _passage("a", 0.6, body="Harbour council news.")]
    assert features(QUESTION, [_sentence(0.6)], passages).margin == pytest.approx(0.7)


@pytest.mark.parametrize(("sentences", "passages"), [
    ([], [_passage("a", 0.9, body="The harbour council approved the ferry fares.")]),
    ([_sentence(0.9)], []),
    ([], []),
])
def test_no_passages_or_no_sentences_give_zero_features_and_the_gate_refuses(sentences, passages):
    found = features(QUESTION, sentences, passages)
    assert found == Features(0.0, 0.0, 0.0, 0.0)
    assert probability(found) < Settings().min_score


@pytest.mark.parametrize("index", range(4), ids=["support", "coverage", "fused", "margin"])
def test_the_probability_rises_with_each_feature(index):
    base = [0.5, 0.5, 0.5, 0.2]
    values = []
    for step in range(6):
        point = list(base)
        point[index] += 0.1 * step
        values.append(probability(Features(*point)))
    assert values == sorted(values) and len(set(values)) == len(values)


def test_strong_evidence_passes_the_default_threshold_and_weak_evidence_does_not():
    threshold = Settings().min_score
    assert probability(Features(0.9, 1.0, 1.0, 0.6)) > threshold
    assert probability(Features(0.3, 0.4, 0.3, 0.0)) < threshold


def test_the_given_weights_and_bias_are_the_ones_used():
    assert probability(Features(1.0, 1.0, 1.0, 1.0), weights=(0, 0, 0, 0), bias=0.0) == 0.5
    assert probability(Features(2.0, 0.0, 0.0, 0.0), weights=(1, 0, 0, 0), bias=-2.0) == 0.5


@pytest.mark.parametrize("value", [1e6, 1e300, math.inf, -1e6, -1e300, -math.inf])
def test_huge_features_give_a_probability_within_zero_and_one_without_overflow(value):
    p = probability(Features(value, value, value, value))
    assert 0.0 <= p <= 1.0
    assert (p > 0.99) if value > 0 else (p < 0.01)


@pytest.mark.parametrize("found", [Features(math.nan, 1.0, 1.0, 1.0), Features(math.inf, -math.inf, 1.0, 1.0)])
def test_a_feature_that_is_not_a_number_refuses_rather_than_answering(found):
    assert probability(found) == 0.0


@pytest.mark.parametrize(("likely", "kind", "typed", "answered"), [
    (0.3, "reason", True, False),  # below min_score: refused whatever else
    (0.6, "reason", False, True),  # "why" asks for no kind of span
    (0.6, "person", True, True),  # a name that fits was found
    (0.6, "person", False, False),  # "who", and the passages name nobody who fits
    (UNTYPED_MIN, "number", False, True),  # strong evidence answers all the same (with its best sentences)
])
def test_a_factoid_question_whose_passages_hold_no_answer_of_its_kind_needs_stronger_evidence(
        likely, kind, typed, answered):
    assert answers(likely, Settings().min_score, kind, typed) is answered
    assert answers(likely, 0.0, kind, typed), "min_score 0 turns the gate off"


HARBOUR = """title: Harbour council approves lighthouse repairs
source: Coast Gazette
published: 2024-03-05

The harbour council voted seven to two on Tuesday to repair the old lighthouse, at a cost of 1.2 million euros.
The repairs will start in May and take about a year, the council's chair said after the vote.
The lighthouse has guided ferries into the harbour since 1887 and was damaged in a winter storm.
Fishermen had asked the council for years to fix the lamp, which has been dark since January.
"""


@pytest.mark.slow
def test_a_who_question_about_the_topic_that_the_article_names_nobody_for_is_refused(
        tmp_path, real_embeddings, tokenizer):
    import datetime as dt

    from bot.settings import default_embedding_model
    from bot.store import open_store
    from ingest.pipeline import Indexer, ingest
    from tests.conftest import make_bot

    (tmp_path / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    store = open_store(tmp_path / "store", None, 8000, "news")
    ingest([tmp_path], store, Indexer(default_embedding_model(), embeddings=real_embeddings, tokenizer=tokenizer))
    bot = make_bot(store, real_embeddings)
    day = dt.date(2024, 3, 6)
    prepared = bot.prepare("Who is the mayor of the harbour town?", as_of=day)
    sentences = bot.extractive.sentences(prepared.query, prepared.passages)
    likely = probability(features(prepared.query, sentences, prepared.passages))
    assert Settings().min_score <= likely < UNTYPED_MIN, "the topic matches: the probability alone would answer"
    assert bot.ask("Who is the mayor of the harbour town?", as_of=day).refused
    assert bot.ask("How much will the lighthouse repairs cost?", as_of=day).text.startswith("1.2 million euros [1]")
