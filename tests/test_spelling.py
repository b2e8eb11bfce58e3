"""bot/spelling.py: a misspelled question word is read as the retrieved articles' word, and only then."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from bot.lexical import KeywordRow, LexicalIndex
from bot.settings import default_embedding_model
from bot.spelling import corrected, corrections, dictionary
from bot.store import open_store
from ingest.pipeline import Indexer, ingest
from tests.conftest import EVAL_ARTICLES, assert_quotes_verbatim, make_bot

ARTICLE = "Broadway's best were recognized Sunday at the Tony Awards. Broadway shows reopened. The broad way ahead."


def knows(*words: str):
    """A store that holds these words (any case) and no other."""
    held = {word.lower() for word in words}
    return lambda asked: {word for word in asked if word.lower() in held}


def test_a_word_the_store_never_saw_is_read_as_the_articles_nearest_word():
    found = corrections("Which awards show honored Boradway stars?", [ARTICLE], knows("awards", "show", "stars"))
    assert [(c.typed, c.read_as) for c in found] == [("Boradway", "Broadway")]
    assert corrected("Which awards show honored Boradway stars?", found) == "Which awards show honored Broadway stars?"


@pytest.mark.parametrize("typed", ["Braodway", "Brodway", "Brroadway", "Briadway"])  # swap, drop, double, replace
def test_one_edit_of_any_kind_is_corrected(typed):
    found = corrections(f"Who won on {typed}?", [ARTICLE], knows())
    assert [c.read_as for c in found] == ["Broadway"]


def test_a_word_the_store_holds_is_never_changed_even_when_the_articles_lack_it():
    assert corrections("Which Broadwsy show won?", [ARTICLE], knows("broadwsy", "show")) == []


def test_short_words_words_too_far_and_ties_are_left_as_typed():
    assert corrections("Who won the Tny?", [ARTICLE], knows()) == []  # three letters: too many neighbours
    assert [c.read_as for c in corrections("Who won the Tomy?", [ARTICLE], knows())] == ["Tony"]  # four: one edit
    assert corrections("Who won on Bordwya?", [ARTICLE], knows()) == []  # three edits from "Broadway"
    tie = "The cared and the cores."  # "cores" and "cared" are each one edit from "cored", each used once
    assert corrections("Which cored won?", [tie], knows()) == []


def test_two_edits_are_allowed_in_long_words_only():
    text = "The investigation went on. The pinto was seen."
    assert [c.read_as for c in corrections("What did the invetsigaton find?", [text], knows())] == ["investigation"]
    assert [c.read_as for c in corrections("Was the pnito seen?", [text], knows())] == ["pinto"]  # a swap: one
    assert corrections("Was the pnuto seen?", [text], knows()) == []  # two edits of a short word


def test_the_capital_the_question_gives_a_lower_case_word_is_kept():
    found = corrections("Scientitss found what?", ["Some scientists found two minerals."], knows())
    assert [c.read_as for c in found] == ["Scientists"]


def test_the_index_knows_the_words_its_chunks_hold_by_their_stems(tmp_path):
    index = LexicalIndex(tmp_path / "keyword.sqlite")
    index.add([KeywordRow("a:0", "a", "v1", "Wire", 20220612, "Tony Awards", "Broadway shows reopened.")])
    assert index.known(["Broadway", "show", "awarded", "Tony", "Boradway", "the"]) == {
        "Broadway", "show", "awarded", "Tony", "the"}  # "awarded" stems as "award" does; a stopword is held
    index.close()


@pytest.fixture(scope="module")
def june_bot(tmp_path_factory, real_embeddings, tokenizer):
    """The extractive bot over the dev set's June 2022 articles, ingested with the real model."""
    if not EVAL_ARTICLES.exists():
        pytest.skip(f"{EVAL_ARTICLES} is not here (the shared eval set sits beside the repository)")
    folder = tmp_path_factory.mktemp("june") / "articles"
    folder.mkdir()
    for path in sorted(EVAL_ARTICLES.glob("2022-06-*.txt")):
        shutil.copy(path, folder)
    store = open_store(folder.parent / "store", None, 8000, "news")
    ingest([folder], store, Indexer(default_embedding_model(), embeddings=real_embeddings, tokenizer=tokenizer))
    return make_bot(store, real_embeddings), store


@pytest.mark.slow
def test_a_misspelled_name_is_searched_and_answered_as_meant(june_bot):
    bot, store = june_bot
    june = dt.date(2022, 6, 16)
    question = "Boradway’s biggest stars were recognized this week at which prestigious awards show?"
    prepared = bot.prepare(question, as_of=june)
    assert [(c.typed, c.read_as) for c in prepared.typos] == [("Boradway", "Broadway")]
    assert prepared.query == question.replace("Boradway", "Broadway") and prepared.question == question
    answer = bot.ask(question, as_of=june)
    right = bot.ask(question.replace("Boradway", "Broadway"), as_of=june)
    assert not answer.refused and answer.short and answer.short.text == right.short.text == "Tony Awards"
    assert answer.read_as == {"Boradway": "Broadway"} and right.read_as == {}  # said to the user (app, API)
    assert_quotes_verbatim(answer, store)


@pytest.mark.slow
def test_a_question_spelled_right_is_searched_as_typed_even_with_words_no_article_uses(june_bot):
    bot, _ = june_bot
    prepared = bot.prepare("What is the capital of Australia?", as_of=dt.date(2022, 6, 16))
    assert prepared.typos == [] and prepared.query == "What is the capital of Australia?"
    assert bot.ask("What is the capital of Australia?", as_of=dt.date(2022, 6, 16)).refused


def test_a_question_of_unknown_words_against_huge_articles_is_looked_up_in_bounded_work():
    calls = []
    held = knows()

    def known(words):
        calls.append(len(words))
        return held(words)

    article = "Broadway " * 1_000_000  # 9 MB: its first 100,000 characters are read for words
    junk = " ".join(f"zq{chr(97 + n % 26)}{chr(97 + n // 26)}xyw" for n in range(300))  # 300 unknown words
    assert corrections(f"Boradway {junk}", [article], known)[0].read_as == "Broadway"
    assert corrections(f"{junk} Boradway", [article], known) == []  # only the first 20 unknown words are looked up
    assert calls == [301, 301]  # one index lookup for all of them


def test_a_real_word_the_store_never_saw_is_no_typo_by_the_models_own_word_list(tmp_path):
    words = dictionary(default_embedding_model())
    assert {"shaken", "tuesday", "broadway"} <= words and not {"boradway", "flordia", "shake##"} & words
    text = "A quake shook the island. Many homes shake still."
    assert [c.read_as for c in corrections("Which island was shaken?", [text], knows())] == ["shake"]  # no list
    assert corrections("Which island was shaken?", [text], knows(), words) == []
    assert [c.read_as for c in corrections("Which iland was shaken?", [text], knows(), words)] == ["island"]
    assert dictionary(str(tmp_path)) == frozenset()  # a model without a vocab.txt: no list
