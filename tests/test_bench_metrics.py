"""bench/metrics.py on tiny hand-made cases whose numbers can be checked by eye."""

from __future__ import annotations

import pytest

from bench.metrics import (
    answer_rate,
    contains_answer,
    exact_match,
    f1,
    first_appearances,
    first_article_answers,
    gold_rank,
    hit_at,
    is_verbatim,
    mean,
    normalize_answer,
    percentile,
    reciprocal_rank,
    refusal_recall,
    strip_markers,
)

RANKED = ["a", "b", "gold", "c", "d", "e", "f", "g", "h", "i"]
ARTICLE = "The minister resigned on Tuesday. She said the decision was hers alone."


def test_a_gold_article_at_rank_three_scores_mrr_one_third_and_hits_at_five_but_not_at_one():
    assert gold_rank(RANKED, {"gold"}) == 3
    assert reciprocal_rank(RANKED, {"gold"}) == pytest.approx(1 / 3)
    assert not hit_at(RANKED, {"gold"}, 1)
    assert hit_at(RANKED, {"gold"}, 5)
    assert hit_at(RANKED, {"gold"}, 10)


def test_no_gold_article_in_the_top_ten_scores_zero():
    ranked = [article for article in RANKED if article != "gold"] + ["j", "gold"]  # gold is 11th
    assert gold_rank(ranked, {"gold"}) is None
    assert reciprocal_rank(ranked, {"gold"}) == 0.0
    assert not hit_at(ranked, {"gold"}, 10)


def test_the_first_of_several_gold_articles_sets_the_rank():
    assert reciprocal_rank(RANKED, {"e", "b"}) == pytest.approx(1 / 2)


def test_a_first_article_answers_when_it_is_gold_or_another_report_holding_the_answer():
    texts = {"wire": "Britain's prime minister, Liz Truss, resigned.", "other": "Canada's prime minister spoke."}
    assert first_article_answers(["gold", "wire"], ["gold"], "Liz Truss", texts)
    assert first_article_answers(["wire", "gold"], ["gold"], "Liz Truss", texts)
    assert not first_article_answers(["other", "gold"], ["gold"], "Liz Truss", texts)
    assert not first_article_answers([], ["gold"], "Liz Truss", texts)


def test_articles_are_ranked_by_the_first_passage_that_comes_from_them():
    assert first_appearances(["x", "y", "x", "z", "y"]) == ["x", "y", "z"]


def test_a_verbatim_quote_is_found_in_its_article():
    assert is_verbatim("She said the decision was hers alone.", ARTICLE)


def test_a_paraphrased_quote_is_not_verbatim():
    assert not is_verbatim("She said the decision was hers and hers alone.", ARTICLE)
    assert not is_verbatim("the minister resigned on Tuesday.", ARTICLE)  # case matters
    assert not is_verbatim("", ARTICLE)


def test_answers_match_after_squad_normalization():
    assert normalize_answer("The United Kingdom.") == "united kingdom"
    assert exact_match("The United Kingdom.", "united kingdom")
    assert not exact_match("the United States", "united kingdom")


def test_a_quote_contains_the_answer_only_as_whole_words():
    assert contains_answer("Talks were held in the United Kingdom, officials said.", "The United Kingdom")
    assert not contains_answer("Ukraine's army advanced.", "UK")
    assert not contains_answer("Anything at all.", "")


def test_f1_of_a_partial_overlap_is_the_harmonic_mean_of_precision_and_recall():
    # prediction "prime minister boris johnson" vs gold "boris johnson": precision 2/4, recall 2/2
    assert f1("Prime Minister Boris Johnson", "Boris Johnson") == pytest.approx(2 / 3)
    assert f1("Boris Johnson", "boris johnson.") == 1.0
    assert f1("Rishi Sunak", "Boris Johnson") == 0.0


def test_citation_markers_are_removed_before_scoring_an_answer():
    assert strip_markers("Europe [1] will require it [2].") == "Europe will require it."


def test_refusal_recall_counts_refused_unanswerable_questions_and_answer_rate_the_answered_others():
    assert refusal_recall([True, True, False, True]) == pytest.approx(0.75)
    assert answer_rate([False, False, True, False, False]) == pytest.approx(0.8)
    assert refusal_recall([]) is None


def test_p50_and_p95_interpolate_between_ranks_like_numpy():
    latencies = [float(n) for n in range(10, 0, -1)]  # 1..10, unsorted
    assert percentile(latencies, 50) == pytest.approx(5.5)
    assert percentile(latencies, 95) == pytest.approx(9.55)
    assert percentile([2.0], 95) == 2.0
    assert percentile([], 50) is None


def test_the_mean_of_nothing_is_unmeasured_not_zero():
    assert mean([]) is None
    assert mean([1.0, 0.0]) == 0.5


def test_a_lenient_match_accepts_the_same_answer_in_other_words():
    from bench.metrics import contains_answer_lenient

    assert contains_answer_lenient("Ukrainian troops pushed on", "Ukraine")
    assert contains_answer_lenient("the detention was extended six months", "6")
    assert contains_answer_lenient("a 12-year-old boy", "12")
    assert contains_answer_lenient("the card sold for $12,600,000", "$12.6 million")
    assert contains_answer_lenient("Russia's foreign ministry", "Russia")
    assert not contains_answer_lenient("Russian troops", "Ukraine")
    assert not contains_answer_lenient("sixteen", "6")
    assert contains_answer_lenient("Britain's new prime minister", "United Kingdom")
    assert contains_answer_lenient("voters in the U.S. went", "United States")
    assert not contains_answer_lenient("the United Kingdom", "United States")
    assert contains_answer_lenient("Russia has sought ever closer ties with China", "Russia and China")
    assert contains_answer_lenient("the Astros beat the Philadelphia Phillies", "Astros & Philadelphia Phillies")
    assert not contains_answer_lenient("Russia has sought ever closer ties with Iran", "Russia and China")


def test_multiple_choice_credit_goes_to_the_choice_the_answer_supports_best():
    from bench.metrics import mc_credit

    choices = ["Ukraine and Ireland", "Sweden and Finland", "Bosnia and Malta", "Georgia and Austria"]
    assert mc_credit("NATO invited Sweden and Finland to join.", choices, 1) == 1.0
    assert mc_credit("NATO invited Sweden and Finland to join.", choices, 0) == 0.0
    assert mc_credit("Nothing about any of them.", choices, 1) == 0.0  # no choice found is wrong
    assert mc_credit("Finland and Ireland", choices, 1) == 0.5  # two choices tie: half the credit
    # an amount within a tenth of a choice's is that choice in other words
    amounts = ["100,000", "1 million", "300,000", "3 million"]
    assert mc_credit("3.2 million lives [1]", amounts, 3) == 1.0
    assert mc_credit("about 2 million [1]", amounts, 3) == 0.0
    assert mc_credit("in 2021 [1]", ["2019", "2020", "2022", "2023"], 2) == 0.0  # a year is no amount
    # the answer's own words tell apart two choices its quotes both name
    assert mc_credit("Sweden and Finland [1]", choices, 1, evidence="Ukraine and Ireland watched.") == 1.0
    assert mc_credit("NATO [1]", choices, 1, evidence="Sweden, Finland, Ukraine and Ireland.") == 0.5
    # citation markers are not numbers the answer gives
    assert mc_credit("12 [1] [2]", ["1", "6", "12", "24"], 2) == 1.0
    assert mc_credit("Biden [1] [6]", ["1", "6", "12", "24"], 1) == 0.0


def test_the_own_question_set_is_written_from_news_1k_in_the_dev_sets_format(tmp_path):
    from bench import own
    from bench.common import article_ids_by_file, load_questions

    if not own.FEED.exists():
        pytest.skip(f"{own.FEED} is not here")
    articles, questions = own.materialize(tmp_path)
    rows = load_questions(questions)
    assert len(rows) == 70 and len(list(articles.glob("*.txt"))) == 200
    files = article_ids_by_file(articles)  # read by the product's own reader, as bench.eval does
    for row in rows:
        assert row["answer"] == row["choices"][row["answer_index"]]
        assert all(e["article_file"] in files for e in row["evidence"])


def test_the_typo_benchmark_misspells_one_word_by_one_edit_the_same_way_every_run():
    import random

    from rapidfuzz.distance import OSA

    from bench.eval import misspell

    question = "Broadway’s biggest stars were recognized this week at which prestigious awards show?"
    typed, change = misspell(question, random.Random(7))
    assert (typed, change) == misspell(question, random.Random(7))
    word, typo = change.split("->")
    assert word == "Broadway" and OSA.distance(word, typo) == 1  # a name first, then the longest word
    assert typed == question.replace(word, typo, 1)
    assert misspell("Who won?", random.Random(7)) == ("Who won?", "")  # no word long enough
