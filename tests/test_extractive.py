"""bot/extractive.py: the no-model answerer on the real embedding model, and the follow-up rule."""

from __future__ import annotations

import pytest

from bot.citations import check
from bot.extractive import ExtractiveAnswerer, followup_query
from bot.types import Passage

BODY = ("Broadway's best were recognized Sunday night at New York's Radio City Music Hall. The Tony Awards "
        "went to \"Kimberly Akimbo\" for best musical. The ceremony was hosted by Ariana DeBose.")


def passage(n: int, text: str, title: str, start: int = 0, body: str = "") -> Passage:
    body = body or text
    return Passage(n=n, article_id=f"a{n}", title=title, source="Wire", published="2023-06-12", url="",
                   path="", text=text, start=start, end=start + len(text), score=1.0, body=body)


@pytest.mark.slow
def test_the_answer_is_a_verified_span_with_its_sentence_as_the_quote(real_embeddings):
    answerer = ExtractiveAnswerer(real_embeddings)
    passages = [passage(1, BODY, "Tony Awards 2023"),
                passage(2, "The council approved the harbour budget on Tuesday.", "Harbour budget")]
    text = answerer.answer("Which show won best musical at the Tony Awards?", passages)
    assert "Kimberly Akimbo" in text and "[1]" in text and "[2]" not in text
    short, _, quotes = text.partition("\n\nQuotes:\n")
    if quotes:  # a short answer was found: it is a span of the first quoted sentence
        assert short.removesuffix(" [1]") in quotes.splitlines()[0]
    bodies = {p.article_id: p.body for p in passages}
    checked = check(text, passages, bodies)
    assert checked.citations and all(bodies[c.article_id][c.start:c.end] == c.quote for c in checked.citations)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "answer"), [
    ("Which show won best musical at the Tony Awards?", "Kimberly Akimbo"),  # a quoted title for "which show"
    ("Who hosted the ceremony of the Tony Awards?", "Ariana DeBose"),  # a quoted title is no "who"
])
def test_the_short_answer_comes_first_and_is_of_the_kind_asked_for(real_embeddings, question, answer):
    passages = [passage(1, BODY, "Tony Awards 2023")]
    text = ExtractiveAnswerer(real_embeddings).answer(question, passages)
    assert text.startswith(f"{answer} [1]\n\nQuotes:\n")


@pytest.mark.slow
def test_sentences_are_ranked_and_located_in_the_article_body(real_embeddings):
    offset = 40
    body = "x" * offset + BODY
    found = ExtractiveAnswerer(real_embeddings).sentences(
        "Which show won best musical?", [passage(1, BODY, "Tonys", start=offset, body=body)])
    assert "Kimberly Akimbo" in found[0].text
    assert all(body[s.start:s.end] == s.text for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


@pytest.mark.slow
def test_nothing_to_quote_gives_no_answer(real_embeddings):
    answerer = ExtractiveAnswerer(real_embeddings)
    assert answerer.answer("Who won?", []) == ""
    assert answerer.answer("Who won?", [passage(1, "Too short.", "Brief")]) == ""


def test_a_followup_with_a_pronoun_borrows_the_previous_questions_words():
    history = [("Who hosted the Tony Awards ceremony?", "Ariana DeBose [1]")]
    assert followup_query("Where was it held?", history) == "Where was it held? (hosted Tony Awards ceremony)"
    complete = "Which musical won the Tony for best musical in 2023?"
    assert followup_query(complete, history) == complete
    assert followup_query("Where was it held?", []) == "Where was it held?"


@pytest.mark.slow
def test_a_sentence_naming_a_thing_of_the_kind_asked_for_is_quoted_before_one_that_restates_the_question(
        real_embeddings):
    from bot.extractive import answering
    from bot.short import Sentence, expect

    restating = "A record-breaking catch was captured in Florida this week, the heaviest of its kind there."
    naming = "Biologists found the female python by tracking a male snake fitted with a radio transmitter."
    sentences = [Sentence(0.75, 1, 0, len(restating), restating), Sentence(0.55, 1, 100, 100 + len(naming), naming)]
    expected = expect("Which animal was captured in Florida this week, the heaviest of its kind?")
    assert [s.text for _, s in answering(expected, sentences)] == [restating, naming]  # without the model: support
    assert [s.text for _, s in answering(expected, sentences, real_embeddings)] == [naming, restating]


def test_a_sentence_that_gives_a_cause_is_quoted_before_one_that_restates_a_why_question():
    from bot.extractive import answering
    from bot.short import Sentence, expect

    restating = "Many families will pay more to heat their homes this winter than they did last year."
    cause = "Energy prices are rising in part because of the heat waves that baked the country this summer."
    sentences = [Sentence(0.6, 1, 0, len(restating), restating), Sentence(0.5, 1, 100, 100 + len(cause), cause)]
    for question in ("Why will families pay more to heat their homes this winter?",
                     "Families will pay more to heat their homes this winter due to what?"):
        assert [s.text for _, s in answering(expect(question), sentences)][0] == cause
    # "as a result of" the question's own words gives no cause: the sentence that names one goes first
    echo = "Thousands of chicks died last year as a result of a catastrophic breeding failure, researchers said."
    named = "The chicks drowned or froze because the sea ice under them melted early, the scientists said."
    sentences = [Sentence(0.6, 1, 0, len(echo), echo), Sentence(0.45, 1, 200, 200 + len(named), named)]
    question = "Thousands of chicks died last year in a catastrophic breeding failure. What caused the failure?"
    assert [s.text for _, s in answering(expect(question), sentences)][0] == named


@pytest.mark.slow
def test_a_passage_far_behind_the_first_in_retrieval_gives_weaker_evidence_than_its_place_alone_says(
        real_embeddings):
    from dataclasses import replace

    this_week = passage(1, "A 7.0-magnitude earthquake shook the Philippines on Wednesday, killing five people.",
                        "Luzon quake kills five")
    years_ago = replace(passage(2, "The coastal region of Ecuador was shaken by a massive magnitude-7.8 earthquake "
                                   "late Saturday.", "Ecuador earthquake"), score=0.45)
    question = "Which country was shaken by a 7.0-magnitude earthquake this week?"
    answerer = ExtractiveAnswerer(real_embeddings)
    assert answerer.answer(question, [this_week, years_ago]).startswith("Philippines [1]")
    # the same two passages, the second as close to the first in retrieval as its place allows: its words win
    assert answerer.answer(question, [this_week, replace(years_ago, score=0.98)]).startswith("Ecuador [2]")


@pytest.mark.slow
def test_the_answer_may_quote_a_sentence_of_the_article_outside_the_passage_that_matched(real_embeddings):
    body = ("Broadway's best were recognized Sunday night at New York's Radio City Music Hall.\n"
            "The evening opened with a tribute to the late composer, and the crowd rose twice.\n"
            "The Tony Award for best musical went to \"Kimberly Akimbo\", a comedy about a teenager.")
    matched = passage(1, body.split("\n")[0], "Tony Awards 2023", body=body)  # the passage: only the first line
    answerer = ExtractiveAnswerer(real_embeddings)
    text = answerer.answer("Which show won the Tony Award for best musical?", [matched])
    assert text.startswith("Kimberly Akimbo [1]")
    checked = check(text, [matched], {matched.article_id: body})
    assert any("Kimberly Akimbo" in c.quote and body[c.start:c.end] == c.quote for c in checked.citations)
    # reading only the passages, the answer has no such sentence
    alone = ExtractiveAnswerer(real_embeddings, whole_articles=0).answer(
        "Which show won the Tony Award for best musical?", [matched])
    assert "Kimberly Akimbo" not in alone


@pytest.mark.slow
def test_the_refusal_gate_reads_the_passages_own_sentences_not_the_rest_of_the_article(real_embeddings):
    from bot import gate

    body = "The council met on Tuesday to discuss the harbour.\nThe Tony Award for best musical went to Kimberly."
    matched = passage(1, body.split("\n")[0], "Council", body=body)
    question = "Which show won the Tony Award for best musical?"
    every = ExtractiveAnswerer(real_embeddings).sentences(question, [matched])
    held = ExtractiveAnswerer(real_embeddings, whole_articles=0).sentences(question, [matched])
    assert len(every) == 2 and len(held) == 1 and every[0].text != held[0].text
    assert gate.features(question, every, [matched]).support == held[0].score
