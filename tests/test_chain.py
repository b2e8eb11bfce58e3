"""The extractive bot on the seed article: cited answers, verbatim quotes, refusals, follow-ups."""

from __future__ import annotations

import pytest

from bot.errors import RequestError
from bot.prompts import REFUSAL
from bot.settings import default_embedding_model
from bot.store import open_store
from bot.types import Answer
from ingest.pipeline import Indexer
from tests.conftest import assert_quotes_verbatim, make_bot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bot(seed_store, real_embeddings):
    return make_bot(seed_store, real_embeddings)


def test_who_called_on_baku_is_answered_with_the_sentence_naming_russia(bot, seed_store):
    answer = bot.ask("Who called on Baku to unblock the Lachin Corridor?")
    assert not answer.refused
    assert answer.citations[0].quote.startswith("Russia on Wednesday called on Baku to unblock the Lachin Corridor")
    assert "[1]" in answer.text
    assert_quotes_verbatim(answer, seed_store)


def test_zakharovas_words_on_the_2020_agreement_are_quoted(bot, seed_store):
    answer = bot.ask("What did Zakharova say about the November 9, 2020 agreement?")
    assert any("is as relevant as it was before" in c.quote for c in answer.citations)
    assert_quotes_verbatim(answer, seed_store)


def test_a_question_the_articles_do_not_answer_is_refused_without_citations(bot):
    answer = bot.ask("What is the capital of Australia?")
    assert answer.refused and answer.text == REFUSAL and answer.citations == []
    assert answer.related[0]["title"] == "Russia Urges Baku to ‘Unblock Lachin Corridor’"


def test_who_is_a_name_opens_the_answer_with_what_its_bearer_is_not_another_name(bot, seed_store):
    answer = bot.ask("Who is Maria Zakharova?")  # the seed article names Russia, Baku, Moscow … beside her
    assert answer.text.startswith("Russian Foreign Ministry spokesperson [")
    assert answer.short is not None and answer.short.text == "Russian Foreign Ministry spokesperson"
    assert_quotes_verbatim(answer, seed_store)


def test_a_follow_up_question_searches_with_the_previous_questions_terms(bot):
    first = bot.ask("Who is Maria Zakharova?")
    prepared = bot.prepare("What did she say about peacekeepers?", [("Who is Maria Zakharova?", first.text)])
    assert "Zakharova" in prepared.query
    answer = bot.ask("What did she say about peacekeepers?", [("Who is Maria Zakharova?", first.text)])
    assert not answer.refused
    assert any("peacekeep" in c.quote for c in answer.citations)


def test_streaming_yields_text_and_then_the_final_answer(bot):
    items = list(bot.stream("Who called on Baku to unblock the Lachin Corridor?"))
    assert isinstance(items[-1], Answer)
    streamed = "".join(item for item in items[:-1])
    assert streamed.strip() == items[-1].text.strip()


def test_the_as_of_date_reaches_the_prompt(bot):
    import datetime as dt

    prepared = bot.prepare("What happened?", as_of=dt.date(2023, 6, 25))
    assert prepared.as_of == dt.date(2023, 6, 25)
    with pytest.raises(RequestError, match="0001-01-01 is out of range"):  # not a store error from an overflow
        bot.prepare("What happened in the last 3 days?", as_of=dt.date(1, 1, 1))


def test_a_question_about_a_saved_pages_table_is_answered_from_its_row(tmp_path, real_embeddings, tokenizer):
    """A page's results table is read row by row (ingest), and a row's label is no answer ("Winner")."""
    from ingest.pipeline import ingest

    story = "".join(f"<p>{line}</p>" for line in (
        "Democrats kept control of the US Senate on Saturday after a close race in Nevada was called.",
        "The win means the president's nominees can still be confirmed over the next two years.",
        "Votes were still being counted in several states on Sunday, officials said."))
    rows = "".join(f"<tr><td>{state}</td><td>{winner}</td><td>{share}</td></tr>" for state, winner, share in (
        ("Nevada", "Catherine Cortez Masto", "48.8%"), ("Arizona", "Mark Kelly", "51.4%"),
        ("Pennsylvania", "John Fetterman", "51.2%")))
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "senate.html").write_text(
        "<html><head><title>Democrats keep the Senate</title></head><body><article><h1>Democrats keep the Senate</h1>"
        f"{story}<table><thead><tr><th>State</th><th>Winner</th><th>Share</th></tr></thead>{rows}</table>"
        "<p>Georgia goes to a runoff in December.</p></article></body></html>", encoding="utf-8")
    store = open_store(tmp_path / "store", None, 8000, "news")
    indexer = Indexer(default_embedding_model(), embeddings=real_embeddings, tokenizer=tokenizer)
    assert ingest([tmp_path / "pages"], store, indexer).added == 1
    answer = make_bot(store, real_embeddings).ask("Who won the Senate race in Arizona?")
    assert answer.short is not None and answer.short.text == "Mark Kelly"
    assert "State: Arizona; Winner: Mark Kelly; Share: 51.4%" in [c.quote for c in answer.citations]
    assert_quotes_verbatim(answer, store)
