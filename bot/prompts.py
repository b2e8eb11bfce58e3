"""Prompt templates (plain text in prompts/) and the one refusal sentence.

Templates use ``{name}`` placeholders filled with ``str.format``. ``REFUSAL`` is
the exact sentence a model is told to answer with when the passages don't
hold the answer; the code that detects refusals and the tests use the same
constant.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"

REFUSAL = "The articles I have do not answer this question."


@cache
def template(name: str) -> str:
    """The text of ``prompts/<name>.txt``."""
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8")
