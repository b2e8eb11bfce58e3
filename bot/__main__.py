"""``python -m bot ask "QUESTION"`` and ``python -m bot chat``: answers with numbered, verified quotes.

Exit status: 0 on an answer (refusals included), 2 for configuration errors,
an empty store or an unreachable endpoint.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
from pathlib import Path

from bot.errors import NewsBotError
from bot.settings import load_settings
from bot.types import Answer


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ask questions about the ingested articles.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", dest="store_dir", type=Path, help="folder of the embedded Chroma store")
    common.add_argument("--chroma-host", help="use the Chroma server on this host")
    common.add_argument("--chroma-port", type=int, help="port of the Chroma server")
    common.add_argument("--collection", help="Chroma collection name")
    common.add_argument("--llm", choices=["extractive", "llamacpp", "openai"], help="answering backend")
    common.add_argument("--as-of", type=_date, help="the date questions are asked on (default: today)")
    common.add_argument("--k", type=int, help="passages retrieved per question")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", parents=[common], help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON on the last line")
    commands.add_parser("chat", parents=[common], help="a terminal chat; follow-up questions keep context")
    return parser


def render(answer: Answer, with_text: bool = True) -> str:
    """The answer and its numbered quotes, for a terminal."""
    lines = [answer.text] if with_text else []
    if answer.refused and answer.related:
        lines.append("\nRelated, not an answer:")
        lines += [f"  - {r['title']} ({r['source']}, {r['published'] or 'undated'})" for r in answer.related]
    for c in answer.citations:
        quote = textwrap.fill(f"“{c.quote}”", width=96, initial_indent="    ", subsequent_indent="    ")
        lines.append(f"\n[{c.n}] {c.title} — {c.source or 'unknown source'}, {c.published or 'undated'}")
        lines.append(quote)
        if c.url:
            lines.append(f"    {c.url}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(
            store_dir=args.store_dir, chroma_host=args.chroma_host, chroma_port=args.chroma_port,
            collection=args.collection, llm=args.llm, as_of=args.as_of, k=args.k,
        )
        from bot.chain import build_bot

        bot = build_bot(settings, follow=args.command == "chat",
                        on_notice=lambda message: print(message, file=sys.stderr, flush=True))
        if args.command == "ask":
            answer = bot.ask(args.question, as_of=settings.as_of)
            print(render(answer))
            if args.json:
                print(json.dumps(answer.to_dict(), ensure_ascii=False))
            return 0
        return _chat(bot, settings.as_of)
    except NewsBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _chat(bot, as_of: dt.date | None) -> int:
    history: list[tuple[str, str]] = []
    print("Ask about the articles (empty line or Ctrl-D to quit).", flush=True)
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        final: Answer | None = None
        streamed = False
        for item in bot.stream(question, history, as_of=as_of):
            if isinstance(item, Answer):
                final = item
            else:
                print(item, end="", flush=True)
                streamed = True
        assert final is not None
        # The streamed text was shown as it came; a refusal or checked text is printed whole.
        if streamed and not final.refused:
            print("\n" + render(final, with_text=False), flush=True)
        else:
            print(("\n" if streamed else "") + render(final), flush=True)
        history.append((question, final.text))


if __name__ == "__main__":
    sys.exit(main())
