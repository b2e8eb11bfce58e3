"""The news bot: shared types, settings, the store, retrieval and answering.

``bot`` never imports ``ingest`` or ``app``; they import it. ``bot.NewsRetriever`` is the
store's hybrid search as a LangChain retriever, for use in other LangChain code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NewsRetriever"]


def __getattr__(name: str) -> Any:  # imported on first use: `import bot.settings` stays light
    if name == "NewsRetriever":
        from bot.retrieve import NewsRetriever

        return NewsRetriever
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
