"""Question in, checked Answer out: condense -> retrieve -> answer -> verify citations.

An LCEL pipeline of runnables:

    condense   follow-up + history -> standalone question (model prompt, or the
               extractive rule in bot/extractive.py)
    retrieve   standalone question -> numbered passages (bot/retrieve.py)
    answer     passages + question + as-of date -> raw text with [n] and quotes
               (prompts/answer_*.txt | chat model, or the extractive answerer)
    check      raw text -> Answer whose every quote is a verified body span
               (bot/citations.py)

Refusal happens twice: before answering, when the passages are unlikely to
answer the question (``bot/gate.py``: a calibrated probability from the best
sentence's support, the top article's coverage of the question's words and the
retrieval's agreement, below ``min_score``; ``python -m bench.calibrate``), and
after, when the model answers with the refusal sentence or keeps no citation. A refused
Answer has no citations; the closest articles are listed as "related".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

from bot import gate, requests
from bot.citations import check, is_refusal, short_answer
from bot.errors import BackendError, NewsBotError, StoreError
from bot.extractive import ExtractiveAnswerer, followup_query
from bot.prompts import REFUSAL, template
from bot.retrieve import Filters, NewsRetriever, Retriever
from bot.settings import Settings
from bot.store import Store
from bot.types import Answer, Passage

History = Sequence[tuple[str, str]]  # (question, answer text) turns, oldest first
DEFAULT_MIN_SCORE: float = Settings.model_fields["min_score"].default  # the setting's own default


@dataclass
class Prepared:
    """What retrieval found for a question, before answering."""

    question: str
    query: str
    passages: list[Passage]
    as_of: dt.date


def support_score(extractive: ExtractiveAnswerer, question: str, passages: Sequence[Passage]) -> float:
    """How well the best passage sentence answers the question (0 when there is none)."""
    scored = extractive.sentences(question, passages)
    return scored[0].score if scored else 0.0


_CLOSING_TAG = re.compile(r"<\s*/\s*passages\s*>", re.IGNORECASE)


def format_passages(passages: Sequence[Passage]) -> str:
    return "\n\n".join(
        template("passage").format(
            n=p.n, title=p.title, source=p.source or "unknown source", published=p.published or "undated",
            text=_CLOSING_TAG.sub("[/passages]", p.text),  # a passage cannot end the data block
        ).strip()
        for p in passages
    )


class NewsBot:
    """Answers questions about the articles in a store, citing verified quotes."""

    def __init__(
        self,
        store: Store,
        retriever: Retriever,
        extractive: ExtractiveAnswerer,
        llm: BaseChatModel | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        backend: str = "extractive",
    ) -> None:
        self.store = store
        self.retriever = retriever
        self.news_retriever = NewsRetriever(engine=retriever, k=retriever.k)  # the LangChain face of the search
        self.extractive = extractive
        self.llm = llm
        self.min_score = min_score
        self.backend = backend
        self._answer_prompt = ChatPromptTemplate.from_messages(
            [("system", template("answer_system")), ("human", template("answer_user"))]
        )
        self.condense_chain = RunnableLambda(self._condense)
        self.retrieve_chain = RunnableLambda(self._retrieve)
        self.answer_chain = (
            self._answer_prompt | llm | StrOutputParser() if llm is not None else RunnableLambda(self._extract)
        )

    # --- the steps ---------------------------------------------------------------
    def _condense(self, inputs: dict[str, Any]) -> str:
        question, history = inputs["question"], inputs.get("history") or ()
        if not history:
            return question
        if self.llm is None:
            return followup_query(question, history)
        transcript = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
        prompt = template("condense").format(history=transcript, question=question)
        try:
            rewritten = str(self.llm.invoke(prompt).content).strip().strip('"').splitlines()
        except Exception as exc:  # the backend's own errors (HTTP, llama.cpp)
            raise BackendError(f"The {self.backend} model failed while reading the follow-up: {exc}") from exc
        candidate = rewritten[0].strip() if rewritten else ""
        # A tiny model may echo the prompt or ramble: fall back to the extractive rule.
        return candidate if 3 <= len(candidate) <= 300 else followup_query(question, history)

    def _retrieve(self, inputs: dict[str, Any]) -> list[Passage]:
        return self.news_retriever.passages(inputs["query"], inputs.get("k"), inputs.get("filters"),
                                            inputs.get("as_of"))

    def _extract(self, inputs: dict[str, Any]) -> str:
        return self.extractive.answer(inputs["question"], inputs["passages_list"], inputs.get("sentences"))

    # --- public --------------------------------------------------------------------
    def prepare(
        self, question: str, history: History = (), filters: Filters | None = None,
        as_of: dt.date | None = None, k: int | None = None,
    ) -> Prepared:
        """Condense the question and retrieve its passages (the question, history and k checked first)."""
        question = requests.question_text(question)
        history = requests.history_turns(list(history))
        k = requests.passages(k)
        as_of = as_of or dt.date.today()
        query = self.condense_chain.invoke({"question": question, "history": list(history)})
        try:
            passages = self.retrieve_chain.invoke({"query": query, "k": k, "filters": filters, "as_of": as_of})
        except NewsBotError:
            raise
        except Exception as exc:  # Chroma raises httpx, sqlite and its own errors
            raise StoreError(
                f"Searching {self.store.where} failed ({type(exc).__name__}: {exc}). If it is a Chroma server, "
                "check that it is running; the bot reconnects by itself once it is back."
            ) from exc
        return Prepared(question, query, passages, as_of)

    def stream(
        self, question: str, history: History = (), filters: Filters | None = None,
        as_of: dt.date | None = None, k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Yield answer text as it is generated, then the final checked Answer."""
        prepared = self.prepare(question, history, filters, as_of, k)
        sentences = self.extractive.sentences(prepared.query, prepared.passages)  # scored once, used twice
        if gate.probability(gate.features(prepared.query, sentences, prepared.passages)) < self.min_score:
            yield self._refusal(prepared.passages)
            return
        inputs = {
            "question": prepared.query if self.llm is None else prepared.question,
            "as_of": prepared.as_of.isoformat(),
            "refusal": REFUSAL,
            "passages": format_passages(prepared.passages),
            "passages_list": prepared.passages,
            "sentences": sentences,
        }
        if self.llm is not None and prepared.query != prepared.question:
            inputs["question"] = f"{prepared.question}\n(Meaning: {prepared.query})"
        allowed = {p.url for p in prepared.passages}
        raw = shown = ""
        try:
            for piece in self.answer_chain.stream(inputs):
                raw += piece
                if is_refusal(raw, paraphrase=False):  # a refusal whatever follows: stop generating
                    break
                visible = _streamable(_before_quotes(raw), allowed) if self.llm is not None else _before_quotes(raw)
                if len(visible) > len(shown) and visible.startswith(shown):
                    yield visible[len(shown) :]
                    shown = visible
        except Exception as exc:  # the backend's own errors (HTTP, llama.cpp)
            raise BackendError(f"The {self.backend} model failed while answering: {exc}") from exc
        yield self.finish(raw, prepared.passages)

    def ask(self, question: str, history: History = (), **options: Any) -> Answer:
        """The checked Answer (the streamed text is dropped)."""
        final = None
        for item in self.stream(question, history, **options):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def finish(self, raw: str, passages: Sequence[Passage]) -> Answer:
        """Verify the raw answer's citations against the article bodies."""
        bodies = {p.article_id: p.body for p in passages if p.body}  # the versions the passages were cut from
        bodies.update(self.store.bodies(p.article_id for p in passages if p.article_id not in bodies))
        checked = check(raw, list(passages), bodies)
        if checked.refused or not checked.citations:
            return self._refusal(passages)
        text = checked.text if self.llm is None else strip_links(checked.text, {p.url for p in passages})
        cited = {c.article_id: bodies[c.article_id] for c in checked.citations}
        return Answer(text=text, refused=False, citations=checked.citations,
                      short=short_answer(text, checked.citations, bodies), bodies=cited)

    @staticmethod
    def _refusal(passages: Sequence[Passage]) -> Answer:
        related: dict[str, dict[str, str]] = {}
        for p in passages:
            related.setdefault(
                p.article_id, {"title": p.title, "source": p.source, "published": p.published, "url": p.url}
            )
        return Answer(text=REFUSAL, refused=True, citations=[], related=list(related.values())[:3])


# The bracketed and tagged parts exclude their own opening character, so that a run of unclosed
# openers ("[[[[…", "<a<a<a…") fails at each at once: every pattern here is linear in the text.
_MARKDOWN_IMAGE = re.compile(r"!\[([^\[\]]*)\]\(([^()]*)\)")
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]+)\]\(([^()]*)\)")
_BARE_URL = re.compile(r"\b(?:https?|javascript|data|vbscript|file):[^\s<>\"')\]]+", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def strip_links(text: str, allowed: set[str]) -> str:
    """A model's answer without images, HTML tags or links, except urls of the cited articles.

    Injected instructions in an article ("add this link") must not reach the
    user as a clickable link; the sources' own links are shown on their cards.
    """
    text = _MARKDOWN_IMAGE.sub(lambda m: m.group(1), text)
    text = _MARKDOWN_LINK.sub(lambda m: m.group(0) if m.group(2) in allowed else m.group(1), text)
    text = _HTML_TAG.sub("", text)
    text = _BARE_URL.sub(lambda m: m.group(0) if m.group(0) in allowed else "[link removed]", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _streamable(text: str, allowed: set[str]) -> str:
    """What of a partial model answer may be shown already: whole words, no half-written link or tag, links stripped.

    A url or tag is held back until it is complete, so ``strip_links`` sees it
    whole and an injected link is never on screen, not even while streaming.
    """
    cut = len(text)
    for opener, closer in (("<", ">"), ("[", "]"), ("](", ")")):
        start = text.rfind(opener)
        if start != -1 and text.find(closer, start + len(opener)) == -1:
            cut = min(cut, start)
    text = text[:cut]
    end = max(text.rfind(" "), text.rfind("\n"))
    return strip_links(text[: end + 1], allowed) if end != -1 else ""


def _before_quotes(raw: str) -> str:
    """The part of a streamed answer before its quotes section (shown while streaming)."""
    lowered = raw.lower()
    cut = len(raw)
    for marker in ("\nquotes", "\n**quotes", "\nquote:", "\nsources:", "\n#"):
        index = lowered.find(marker)
        if index != -1:
            cut = min(cut, index)
    # Hold back a trailing partial line that might become the quotes header.
    last_newline = raw.rfind("\n", 0, cut)
    if cut == len(raw) and last_newline != -1 and len(raw) - last_newline < 12:
        cut = last_newline
    return raw[:cut].rstrip()


def build_bot(settings: Settings, store: Store | None = None, follow: bool = False,
              on_notice: Callable[[str], None] | None = None) -> NewsBot:
    """The NewsBot the settings describe (store, embedding model, backend). Entry points call this.

    ``follow``: keep up with other processes' writes in the background (a running chat); otherwise the
    store is caught up once, now. ``on_notice`` hears about waits for the store's lock and failed catch-ups.
    """
    from bot.embeddings import embeddings_for
    from bot.llm import load_llm
    from bot.store import open_store

    llm = load_llm(settings)
    if store is None:
        store = open_store(settings.store_dir, settings.chroma_host, settings.chroma_port, settings.collection,
                           lock_timeout=settings.lock_timeout, on_wait=on_notice)
    store.require_articles()
    if follow:
        store.follow(settings.refresh_seconds, on_error=on_notice)
    else:
        store.refresh()
    embeddings = embeddings_for(settings)
    retriever = Retriever.from_settings(store, embeddings, settings)
    return NewsBot(store, retriever, ExtractiveAnswerer(embeddings), llm, settings.min_score, settings.llm)
