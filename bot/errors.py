"""Every error the bot and the ingester raise, in one hierarchy.

    NewsBotError
    ├── ConfigError       a setting is wrong or an optional part is missing (exit 2)
    ├── ArticleError      one input can't be read as an article (that input fails, the others go on)
    ├── StoreError        the Chroma store can't be opened or reached
    │   └── EmptyStoreError   the store holds no articles yet
    ├── BackendError      a language model backend failed while answering
    └── RequestError      a question, its history or an option is not acceptable (what is allowed is said)

Messages say what went wrong, where, and how to fix it. The library raises these
and never prints; the command-line and UI edges turn them into messages.
"""

from __future__ import annotations


class NewsBotError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(NewsBotError):
    """A setting is missing or malformed, or an optional package is not installed."""


class ArticleError(NewsBotError):
    """One input (a file, or a line of a feed) can't be read as an article."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class StoreError(NewsBotError):
    """The Chroma store can't be opened, reached or written."""


class EmptyStoreError(StoreError):
    """The store exists but holds no articles."""


class BackendError(NewsBotError):
    """A language model backend failed while answering."""


class RequestError(NewsBotError):
    """A question, its history or an option (k, a date) from a user or a program is not acceptable."""
