"""bot/prompts.py and prompts/: every template loads and is filled by the code that uses it; the refusal sentence.

The templates are filled through the chat backend's own code with a small
recording chat model (a fake: what is tested is the text it is sent).
"""

from __future__ import annotations

import datetime as dt
import re
import string

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from bot.llm import AnswerRequest, ChatBackend, format_passages
from bot.prompts import PROMPTS_DIR, REFUSAL, template
from bot.types import Passage

_LEFT_OVER = re.compile(r"\{[a-z_]+\}")


class RecordingChat(BaseChatModel):
    """Answers ``reply`` and keeps every list of messages it was sent."""

    reply: str = "Standalone question about ferries?"
    sent: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "recording"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.sent.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])


def _passage(n: int, title: str, text: str) -> Passage:
    return Passage(n=n, article_id=f"a{n}", title=title, source="Wire" if n == 1 else "", published="2023-07-02"
                   if n == 1 else "", url="", path="", text=text, start=0, end=len(text))


PASSAGES = [_passage(1, "Ferry timetable changes", "Ferries to Ostrak run twice a day from July."),
            _passage(2, "Fares", "Fares stay at 4 euros.")]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_template_file_loads_and_names_only_the_placeholders_its_code_fills():
    expected = {"answer_system": {"as_of", "refusal"}, "answer_user": {"passages", "question"},
                "condense": {"history", "question"}, "passage": {"n", "title", "source", "published", "text"}}
    assert {path.stem for path in PROMPTS_DIR.glob("*.txt")} == set(expected)
    for name, names in expected.items():
        assert template(name).strip(), name
        assert _placeholders(template(name)) == names, name


def test_the_answer_prompt_is_filled_with_the_date_the_refusal_the_passages_and_the_question():
    model = RecordingChat(sent=[])
    request = AnswerRequest("When do ferries run?", "When do ferries run?", PASSAGES, [], dt.date(2023, 7, 3))
    assert "".join(ChatBackend("recording", model).stream(request)) == model.reply
    ((system, user),) = model.sent
    assert (system.type, user.type) == ("system", "human")
    assert "Today's date is 2023-07-03." in system.content
    assert "<passages>\n" + format_passages(PASSAGES) + "\n</passages>" in user.content
    assert user.content.rstrip().endswith("Question: When do ferries run?")
    assert not _LEFT_OVER.search(system.content) and not _LEFT_OVER.search(user.content)


def test_the_answer_prompt_tells_the_model_to_say_exactly_the_refusal_sentence():
    model = RecordingChat(sent=[])
    list(ChatBackend("recording", model).stream(
        AnswerRequest("Who?", "Who?", PASSAGES[:1], [], dt.date(2023, 7, 3))))
    system = model.sent[0][0].content
    assert system.rstrip().endswith(f"reply with exactly this sentence and nothing else:\n{REFUSAL}")


def test_a_follow_up_shows_its_meaning_after_the_question():
    model = RecordingChat(sent=[])
    list(ChatBackend("recording", model).stream(
        AnswerRequest("And the fares?", "What are the ferry fares?", PASSAGES, [], dt.date(2023, 7, 3))))
    assert "Question: And the fares?\n(Meaning: What are the ferry fares?)" in model.sent[0][1].content


def test_each_passage_is_numbered_with_its_title_source_and_date_or_what_stands_in_for_them():
    assert format_passages(PASSAGES) == ("[1] Ferry timetable changes (Wire, 2023-07-02)\n"
                                         "Ferries to Ostrak run twice a day from July.\n\n"
                                         "[2] Fares (unknown source, undated)\nFares stay at 4 euros.")


def test_the_condense_prompt_holds_the_recent_turns_and_the_last_question():
    model = RecordingChat(sent=[])
    history = [(f"Question {n}?", f"Answer {n}.") for n in range(5)]
    assert ChatBackend("recording", model).condense("And the fares?", history) == model.reply
    ((message,),) = model.sent
    prompt = message.content
    assert "User: Question 4?\nAssistant: Answer 4." in prompt and "Question 1?" not in prompt  # the last three
    assert "Last question: And the fares?" in prompt and not _LEFT_OVER.search(prompt)

