"""``python -m bot ask|chat``: answers with numbered, verified quotes; ``articles|show|delete``: the library.

    python -m bot ask "QUESTION"     one answer          python -m bot articles [--search W] [--source S] [--since D]
    python -m bot chat               a terminal chat     python -m bot show ID        python -m bot delete ID...

Exit status: 0 on an answer (refusals included) or a done library command, 1 when
an article to show or delete is not in the store, 2 for configuration errors, an
empty store or an unreachable endpoint.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap

from bot import requests
from bot.errors import NewsBotError
from bot.settings import add_store_arguments, load_settings
from bot.types import Answer


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ask questions about the ingested articles.")
    common = argparse.ArgumentParser(add_help=False)
    add_store_arguments(common)
    common.add_argument("--as-of", type=_date, help="the date questions are asked on (default: today)")
    common.add_argument("--k", type=int, help="passages retrieved per question")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", parents=[common], help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON on the last line")
    commands.add_parser("chat", parents=[common], help="a terminal chat; follow-up questions keep context")
    store_only = argparse.ArgumentParser(add_help=False)
    for flag in ("--store", "--chroma-host", "--chroma-port", "--collection"):
        store_only._add_action(next(a for a in common._actions if flag in a.option_strings))
    store_only.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    listing = commands.add_parser("articles", parents=[store_only], help="what the store holds, newest first")
    listing.add_argument("--search", default="", help="words the title holds")
    listing.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    listing.add_argument("--since", type=_date, help="published on or after this date")
    listing.add_argument("--until", type=_date, help="published on or before this date")
    listing.add_argument("--limit", type=int, default=50, help="most articles listed (default 50)")
    listing.add_argument("--offset", type=int, default=0, help="skip this many first")
    show = commands.add_parser("show", parents=[store_only], help="one article with its metadata")
    show.add_argument("article_id", metavar="ID")
    delete = commands.add_parser("delete", parents=[store_only], help="remove articles (chunks and keyword rows)")
    delete.add_argument("article_ids", nargs="+", metavar="ID")
    return parser


def render(answer: Answer, with_text: bool = True) -> str:
    """The answer and its numbered quotes, for a terminal."""
    searched = [f"(Searched for “{meant}” — typed “{typed}”.)" for typed, meant in answer.read_as.items()]
    lines = [*searched, answer.text] if with_text else []
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
    if args.command in ("articles", "show", "delete"):
        return _library(args)
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
        streamed = ""
        for item in bot.stream(question, history, as_of=as_of):
            if isinstance(item, Answer):
                final = item
            else:
                print(item, end="", flush=True)
                streamed += item
        assert final is not None
        # The streamed text was shown as it came; a refusal, or a checked text that differs from what was
        # streamed (a citation the checker dropped or renumbered), is printed whole.
        if streamed and not final.refused and " ".join(streamed.split()) == " ".join(final.text.split()):
            print("\n" + render(final, with_text=False), flush=True)
        else:
            print(("\n\nChecked answer:\n" if streamed else "") + render(final), flush=True)
        history.append((question, final.text))



def _library(args: argparse.Namespace) -> int:
    """The store's catalog: list, show or delete articles (no embedding model is loaded)."""
    from bot.store import open_store

    try:
        settings = load_settings(store_dir=args.store_dir, chroma_host=args.chroma_host,
                                 chroma_port=args.chroma_port, collection=args.collection)
        store = open_store(settings.store_dir, settings.chroma_host, settings.chroma_port, settings.collection,
                           lock_timeout=settings.lock_timeout, min_free_mb=settings.min_free_mb,
                           on_wait=lambda message: print(message, file=sys.stderr, flush=True))
        store.refresh()
        if args.command == "articles":
            return _articles(store, args)
        if args.command == "show":
            return _show(store, args)
        found = store.records(args.article_ids)
        missing = [article_id for article_id in args.article_ids if article_id not in found]
        store.delete(list(found))
        if args.json:
            print(json.dumps({"deleted": list(found), "missing": missing}, ensure_ascii=False))
        else:
            print(f"deleted {len(found)} article(s); store: {store.count_articles()} articles")
        for article_id in missing:
            print(f"error: no article {article_id!r} in the store; see python -m bot articles", file=sys.stderr)
        return 1 if missing else 0
    except NewsBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _articles(store, args: argparse.Namespace) -> int:
    first, last = requests.span(args.since, args.until, ("--since", "--until"))
    since, until = first.isoformat() if first else "", last.isoformat() if last else ""
    rows, total = store.library(args.search, args.source, since, until, max(args.offset, 0), max(args.limit, 1))
    summary = store.library_summary(args.search, args.source, since, until)
    if args.json:
        print(json.dumps({"summary": summary, "total": total, "articles": rows}, ensure_ascii=False))
        return 0
    print(f"{summary['articles']} articles, {summary['chunks']} chunks, {summary['sources']} sources, "
          f"{summary['first'] or '?'} to {summary['last'] or '?'}")
    for row in rows:
        print(f"{row['published'] or 'undated':<10}  {row['source'][:20]:<20}  {row['title'][:90]}\n"
              f"{'':<10}  {row['article_id']}")
    if total > len(rows):
        print(f"… {total - len(rows) - max(args.offset, 0)} more (--offset, --limit)")
    return 0


def _show(store, args: argparse.Namespace) -> int:
    found = store.article(args.article_id)
    if found is None:
        print(f"error: no article {args.article_id!r} in the store; see python -m bot articles", file=sys.stderr)
        return 1
    body, meta = found
    fields = {key: meta.get(key, "") for key in ("title", "source", "author", "published", "url", "path",
                                                 "chunks", "ingested_at")}
    if args.json:
        print(json.dumps({"id": args.article_id, **fields, "body": body}, ensure_ascii=False))
        return 0
    for key, value in fields.items():
        if value not in ("", None):
            print(f"{key}: {value}")
    print()
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
