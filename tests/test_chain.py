"""The extractive bot on the seed article: cited answers, verbatim quotes, refusals, follow-ups."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.prompts import REFUSAL
from bot.types import Answer
from tests.conftest import ROOT_DIR, assert_quotes_verbatim, make_bot

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


def test_the_ask_command_prints_json_with_verbatim_quotes(seed_store):
    store_dir = seed_store.where
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Who called on Baku to unblock the Lachin Corridor?",
         "--store", store_dir, "--json"],
        cwd=ROOT_DIR, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["refused"] is False
    citation = answer["citations"][0]
    body, _ = seed_store.article(citation["article_id"])
    assert body[citation["start"] : citation["end"]] == citation["quote"]
    assert "[1] Russia Urges Baku" in result.stdout


def test_an_empty_store_says_how_to_fill_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Anything?", "--store", str(tmp_path / "empty")],
        cwd=ROOT_DIR, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    assert f"No articles in {tmp_path / 'empty'}. Run: python -m ingest" in result.stderr


def test_the_chat_command_keeps_the_conversation(seed_store):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--store", seed_store.where],
        input="Who is Maria Zakharova?\nWhat did she say about peacekeepers?\n\n",
        cwd=ROOT_DIR, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("\n> ")[1:3]
    assert "Zakharova" in first
    assert "peacekeep" in second
