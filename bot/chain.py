"""Question in, checked Answer out: condense -> retrieve -> answer -> verify citations.

An LCEL pipeline of runnables:

    condense   follow-up + history -> standalone question (the backend's
               ``condense``: a model prompt, or the extractive rule)
    retrieve   standalone question -> numbered passages (bot.NewsRetriever)
    answer     an AnswerRequest (question, passages, their sentences scored
               once, as-of date) -> raw text with [n] and quotes (the backend's
               ``stream``, bot/llm.py: extractive, llamacpp or openai)
    check      raw text -> Answer whose every quote is a verified body span
               (bot/citations.py), links only to the cited articles (bot/render.py)

Refusal happens twice: before answering, when the passages are unlikely to
answer the question (``bot/gate.py``: a calibrated probability from the best
sentence's support, the top article's coverage of the question's words and the
retrieval's agreement, below ``min_score``, or below ``gate.UNTYPED_MIN`` for a
factoid question whose passages hold no short answer of its kind, as the
extractive reading finds; ``python -m bench.calibrate``), and
after, when the model answers with the refusal sentence or keeps no citation. A refused
Answer has no citations; the closest articles are listed as "related".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.runnables import RunnableLambda

from bot import gate, requests, spelling
from bot.citations import check, is_refusal, short_answer
from bot.errors import BackendError, NewsBotError, StoreError
from bot.extractive import ExtractiveAnswerer
from bot.llm import AnswerRequest, Backend, ExtractiveBackend, History
from bot.prompts import REFUSAL
from bot.render import streamable, strip_links
from bot.retrieve import Filters, NewsRetriever, Retriever
from bot.settings import Settings
from bot.store import Store
from bot.types import Answer, Passage

DEFAULT_MIN_SCORE: float = Settings.model_fields["min_score"].default  # the setting's own default


@dataclass
class Prepared:
    """What retrieval found for a question, before answering."""

    question: str
    query: str
    passages: list[Passage]
    as_of: dt.date
    typos: list[spelling.Correction] = field(default_factory=list)  # words of the question read as others


class NewsBot:
    """Answers questions about the articles in a store, citing verified quotes.

    ``extractive`` scores the passages' sentences (for the refusal gate, and for the extractive
    backend's answer); ``backend`` writes the answer (bot/llm.py; the extractive one by default).
    """

    def __init__(
        self,
        store: Store,
        retriever: Retriever,
        extractive: ExtractiveAnswerer,
        backend: Backend | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        dictionary: Collection[str] = frozenset(),
    ) -> None:
        self.store = store
        self.dictionary = dictionary  # real words, never read as typos (bot.spelling.dictionary)
        self.retriever = retriever
        self.news_retriever = NewsRetriever(engine=retriever, k=retriever.k)  # the LangChain face of the search
        self.extractive = extractive
        self.backend = backend or ExtractiveBackend(extractive)
        self.min_score = min_score
        self.condense_chain = RunnableLambda(self._condense)
        self.retrieve_chain = RunnableLambda(self._retrieve)
        self.answer_chain = RunnableLambda(self.backend.stream)

    # --- the steps ---------------------------------------------------------------
    def _condense(self, inputs: dict[str, Any]) -> str:
        question, history = inputs["question"], inputs.get("history") or ()
        return self.backend.condense(question, history) if history else question

    def _retrieve(self, inputs: dict[str, Any]) -> list[Passage]:
        return self.news_retriever.passages(inputs["query"], inputs.get("k"), inputs.get("filters"),
                                            inputs.get("as_of"))

    # --- public --------------------------------------------------------------------
    def prepare(
        self, question: str, history: History = (), filters: Filters | None = None,
        as_of: dt.date | None = None, k: int | None = None,
    ) -> Prepared:
        """Condense the question and retrieve its passages (the question, history and k checked first)."""
        question = requests.question_text(question)
        history = requests.history_turns(list(history))
        k = requests.passages(k)
        as_of = requests.day(as_of, "The as-of date") or dt.date.today()  # 0001-01-01 would overflow the search
        query = self.condense_chain.invoke({"question": question, "history": list(history)})
        try:
            passages = self.retrieve_chain.invoke({"query": query, "k": k, "filters": filters, "as_of": as_of})
            typos = spelling.corrections(query, _texts(passages), self.store.known_words, self.dictionary)
            if typos:  # searched again as meant: the keyword search found nothing for a misspelled word
                query = spelling.corrected(query, typos)
                passages = self.retrieve_chain.invoke({"query": query, "k": k, "filters": filters, "as_of": as_of})
        except NewsBotError:
            raise
        except Exception as exc:  # Chroma raises httpx, sqlite and its own errors
            raise StoreError(
                f"Searching {self.store.where} failed ({type(exc).__name__}: {exc}). If it is a Chroma server, "
                "check that it is running; the bot reconnects by itself once it is back."
            ) from exc
        return Prepared(question, query, passages, as_of, typos)

    def stream(
        self, question: str, history: History = (), filters: Filters | None = None,
        as_of: dt.date | None = None, k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Yield answer text as it is generated, then the final checked Answer."""
        prepared = self.prepare(question, history, filters, as_of, k)
        sentences = self.extractive.sentences(prepared.query, prepared.passages)  # scored once, used twice
        reading = self.extractive.read(prepared.query, prepared.passages, sentences)
        likely = gate.probability(gate.features(prepared.query, sentences, prepared.passages))
        read_as = {c.typed: c.read_as for c in prepared.typos}
        if not gate.answers(likely, self.min_score, reading.expected.kind, reading.choice is not None):
            yield replace(self._refusal(prepared.passages), read_as=read_as)
            return
        request = AnswerRequest(prepared.question, prepared.query, prepared.passages, sentences, prepared.as_of,
                                reading)
        allowed = {p.url for p in prepared.passages}
        raw = shown = ""
        refused = False
        try:
            for piece in self.answer_chain.stream(request):
                raw += piece
                if refused := is_refusal(raw, paraphrase=False):  # a refusal whatever follows: stop generating
                    break
                visible = streamable(raw, allowed)
                if len(visible) > len(shown) and visible.startswith(shown):
                    yield visible[len(shown) :]
                    shown = visible
        except NewsBotError:
            raise
        except Exception as exc:  # the backend's own errors (HTTP, llama.cpp)
            if "No generation chunks" in str(exc):  # LangChain's words for a reply with nothing in it
                raise BackendError(f"The {self.backend.name} model sent an empty reply (no text, or not an "
                                   "OpenAI-style chat completion); check the endpoint and its model") from exc
            raise BackendError(f"The {self.backend.name} model failed while answering: {exc}") from exc
        visible = "" if refused else streamable(raw, allowed, complete=True)  # the last word, held back till now
        if len(visible) > len(shown) and visible.startswith(shown):
            yield visible[len(shown) :]
        yield replace(self.finish(raw, prepared.passages), read_as=read_as)

    def ask(self, question: str, history: History = (), **options: Any) -> Answer:
        """The checked Answer (the streamed text is dropped)."""
        final = None
        for item in self.stream(question, history, **options):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def finish(self, raw: str, passages: Sequence[Passage]) -> Answer:
        """Verify the raw answer's citations against the article bodies; links only to the cited articles."""
        bodies = {p.article_id: p.body for p in passages if p.body}  # the versions the passages were cut from
        bodies.update(self.store.bodies(p.article_id for p in passages if p.article_id not in bodies))
        checked = check(raw, list(passages), bodies)
        if checked.refused or not checked.citations:
            return self._refusal(passages)
        text = strip_links(checked.text, {p.url for p in passages})
        cited = {c.article_id: bodies[c.article_id] for c in checked.citations}
        return Answer(text=text, refused=False, citations=checked.citations,
                      short=short_answer(text, checked.citations, bodies), bodies=cited)

    @staticmethod
    def _refusal(passages: Sequence[Passage]) -> Answer:
        related: dict[str, dict[str, str]] = {}
        for p in passages:
            related.setdefault(p.article_id, p.metadata())
        return Answer(text=REFUSAL, refused=True, citations=[], related=list(related.values())[:3])


def _texts(passages: Sequence[Passage]) -> Iterator[str]:
    """The titles and bodies (else passage texts) of the passages' articles, each once (read only when a
    question has a word the store never saw)."""
    seen: set[str] = set()
    for p in passages:
        if p.article_id not in seen:
            seen.add(p.article_id)
            yield f"{p.title}\n{p.body or p.text}"


def build_bot(settings: Settings, store: Store | None = None, follow: bool = False,
              on_notice: Callable[[str], None] | None = None) -> NewsBot:
    """The NewsBot the settings describe (store, embedding model, backend). Entry points call this.

    ``follow``: keep up with other processes' writes in the background (a running chat); otherwise the
    store is caught up once, now. ``on_notice`` hears about waits for the store's lock and failed catch-ups.
    """
    from bot.embeddings import embeddings_for
    from bot.llm import load_backend
    from bot.store import open_store

    embeddings = embeddings_for(settings)
    extractive = ExtractiveAnswerer(embeddings)
    backend = load_backend(settings, extractive)  # a missing extra or model file fails before the store opens
    if store is None:
        store = open_store(settings.store_dir, settings.chroma_host, settings.chroma_port, settings.collection,
                           min_free_mb=settings.min_free_mb, lock_timeout=settings.lock_timeout, on_wait=on_notice)
    store.require_articles()
    if follow:
        store.follow(settings.refresh_seconds, on_error=on_notice)
    else:
        store.refresh()
    retriever = Retriever.from_settings(store, embeddings, settings)
    return NewsBot(store, retriever, extractive, backend, settings.min_score,
                   spelling.dictionary(str(settings.embedding_model)))
