"""Prompt templates (plain text in prompts/) and the one refusal sentence.

Templates use ``{name}`` placeholders filled with ``str.format``. ``REFUSAL`` is
the exact sentence a model is told to answer with when the passages don't
hold the answer; the code that detects refusals and the tests use the same
constant.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"

REFUSAL = "The articles I have do not answer this question."


@cache
def template(name: str) -> str:
    """The text of ``prompts/<name>.txt`` (ConfigError naming the templates there for another name)."""
    path = PROMPTS_DIR / f"{name}.txt"
    if not name.isidentifier() or not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROMPTS_DIR.glob("*.txt")))
        raise ConfigError(f"No prompt template {name!r} in {PROMPTS_DIR}; the templates are: {known}")
    return path.read_text(encoding="utf-8")
