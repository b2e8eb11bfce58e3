"""A conversation written down: Markdown to read or send, JSON for programs, quotes as they were verified.

A conversation is a list of turns, each the question asked and the ``Answer``
it got (as ``Answer.to_dict()``): its text, short answer, refusal, the question's words
searched as others (``read_as``) and citations (title, source, date, url, and the quote that was checked to be
``body[start:end]`` of its article). Nothing is re-searched or re-quoted here:
the export holds exactly what the chat showed.

What it leaves out: the articles' full texts (the citations link to them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any


def as_json(turns: Sequence[dict[str, Any]], title: str = "") -> str:
    """The conversation as JSON: {"title", "turns": [{"question", "answer": Answer.to_dict()}]}."""
    return json.dumps({"title": title, "turns": list(turns)}, ensure_ascii=False, indent=1)


def as_markdown(turns: Sequence[dict[str, Any]], title: str = "") -> str:
    """The conversation as Markdown: each question, the answer, and its sources with their verbatim quotes."""
    lines = [f"# {_line(title) or 'A conversation with the news bot'}", ""]
    for number, turn in enumerate(turns, 1):
        answer = turn.get("answer") or {}
        lines += [f"## {number}. {_line(turn.get('question', ''))}", ""]
        read_as = answer.get("read_as") or {}
        if isinstance(read_as, dict) and read_as:
            said = "; ".join(f"“{_line(meant)}” (typed “{_line(typed)}”)" for typed, meant in read_as.items())
            lines += [f"_Searched for {said}._", ""]
        short = answer.get("short") or {}
        if short.get("text"):
            lines += [f"**{_line(short['text'])}**", ""]
        lines += [*(_inert(line) for line in str(answer.get("text", "")).splitlines()), ""]
        for citation in answer.get("citations") or []:
            where = ", ".join(_line(part) for part in (citation.get("source"), citation.get("published")) if part)
            url = str(citation.get("url", ""))
            link = f" — <{url}>" if _SAFE_URL.fullmatch(url) else ""
            lines.append(f"[{citation.get('n')}] {_line(citation.get('title', ''))} ({where}){link}")
            lines += ["", *(f"> {_inert(line)}" for line in str(citation.get("quote", "")).splitlines()), ""]
    return "\n".join(lines).rstrip() + "\n"


#: A link is written only when it is http(s) with nothing that could end the <…> around it.
_SAFE_URL = re.compile(r"https?://[^\s<>]+")
_LINKS_AND_TAGS = re.compile(r"([\\`\[\]<>])")


def _line(text: str) -> str:
    """One line of inert text: line breaks joined, link, image and tag characters escaped."""
    return _inert(" ".join(str(text).split()))


def _inert(text: str) -> str:
    """``text`` as literal Markdown: the characters that make links, images, code and HTML tags escaped, and a
    heading mark at its start, so an article or a model adds no link, tag or heading to the export (other
    characters stay as they are, so a quote reads as its article wrote it)."""
    return re.sub(r"^(\s*)#", r"\1\\#", _LINKS_AND_TAGS.sub(r"\\\1", text))
