"""``python app.py``: the Gradio chat: streamed answers beside their highlighted sources.

The page: a chat (follow-ups keep context) and, beside it, one card per
citation: title, source, date, a link, and the quote highlighted inside its
paragraph (the exact ``start``/``end`` span, not a re-search). A refusal shows
no cards, only "related articles". Filters (published-date range, sources) are
applied in the store query; the as-of date and the number of passages are
settings of each question. Articles can be uploaded and are ingested with a
progress bar and a summary.

Everything shown that comes from an article or a model is HTML-escaped, and
links are kept only for http(s) URLs. Upload names are never used as paths:
each file is copied under a generated name into a private temporary folder.

The Gradio API: ``/ask`` (question, history, as_of, k -> the Answer as a JSON string)
for programs, and ``/respond`` behind the chat.

What it leaves out: user accounts beyond one optional login, deleting articles.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import inspect
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from gradio import Blocks, Error, SelectData  # SelectData at module level: Gradio resolves the annotation

from bot import requests
from bot.chain import NewsBot, build_bot
from bot.embeddings import EXPORT_NOTE, export_pending
from bot.errors import NewsBotError
from bot.export import as_json, as_markdown
from bot.retrieve import Filters
from bot.settings import Settings, add_store_arguments, load_settings
from bot.store import Store, open_store
from bot.types import Answer
from ingest.web import is_url

CONTEXT_CHARS = 320

CSS = """
/* Vega sizes the chart without its legend and clips what falls below: let the legend row show */
#library-chart { padding-bottom: 34px !important; }
#library-chart svg, #library-chart .vega-embed { overflow: visible !important; }
#sources { max-height: 72vh; overflow-y: auto; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; margin-bottom: 10px; }
.card .num { font-weight: 700; margin-right: 4px; }
.card .meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 2px 0 6px; }
.card .context { white-space: pre-wrap; margin: 0; line-height: 1.45; }
.card mark { background: #fde68a; color: #111; padding: 0 2px; border-radius: 2px; }
.refused { border-left: 4px solid #9ca3af; padding: 8px 12px; color: var(--body-text-color-subdued); }
"""


# --- rendering (pure functions: Answer + article bodies -> escaped HTML) -----------
def safe_url(url: str) -> str:
    """The url if it is http(s), else '' (no javascript:, data: or relative links)."""
    return url if re.match(r"^https?://[^\s\"'<>]+$", url or "", re.IGNORECASE) else ""


def highlighted_paragraph(body: str, start: int, end: int, short: tuple[int, int] | None = None) -> str:
    """The paragraph around body[start:end], escaped, with that span in <mark>, and the short answer
    (``short``: a span inside it) in <strong> within the mark."""
    paragraph_start = body.rfind("\n", 0, start) + 1
    paragraph_end = body.find("\n", end)
    paragraph_end = len(body) if paragraph_end == -1 else paragraph_end
    before_start = max(paragraph_start, start - CONTEXT_CHARS)
    after_end = min(paragraph_end, end + CONTEXT_CHARS)
    before = ("…" if before_start > paragraph_start else "") + body[before_start:start]
    after = body[end:after_end] + ("…" if after_end < paragraph_end else "")
    marked = html.escape(body[start:end])
    if short and start <= short[0] < short[1] <= end:
        marked = (f"{html.escape(body[start : short[0]])}<strong>{html.escape(body[short[0] : short[1]])}</strong>"
                  f"{html.escape(body[short[1] : end])}")
    return f"{html.escape(before)}<mark>{marked}</mark>{html.escape(after)}"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:@])")


def plain(text: str) -> str:
    """``text`` escaped for the Markdown chat: shown as written, never as markup, links, HTML or math.

    ``:`` and ``@`` too: Gradio's Markdown (marked, GFM) makes a link of a bare ``http://…`` and shows it
    with the backslashes inside it."""
    return _MARKDOWN.sub(r"\\\1", text)


#: The page's script: the chat's copy button copies a message as it reads, not with the Markdown escapes
#: ``plain`` adds ("U\.S\." -> "U.S."). Gradio copies a message's Markdown source, by the clipboard API or, where
#: the page has none (plain http from another machine), by a hidden text field; this unescapes what a click
#: inside the chat copies either way, and nothing else.
HEAD = r"""<script>
(() => {
  const unescaped = (text) => String(text).replace(/\\([\\`*_{}\[\]()#+\-.!|<>~$&:@])/g, "$1");
  let fromChat = false;
  document.addEventListener("click", (event) => {
    fromChat = event.target instanceof Element && event.target.closest("#chat") !== null;
  }, true);
  document.addEventListener("copy", (event) => {
    const field = document.activeElement;
    if (!fromChat || !(field instanceof HTMLTextAreaElement) || field.closest("#chat") || !event.clipboardData) return;
    event.clipboardData.setData("text/plain", unescaped(field.value));
    event.preventDefault();
  }, true);
  const clipboard = navigator.clipboard;
  if (!clipboard || !clipboard.writeText) return;
  const write = clipboard.writeText.bind(clipboard);
  clipboard.writeText = (text) => write(fromChat ? unescaped(text) : text);
})();
</script>"""


def unplain(text: str) -> str:
    """The text ``plain`` escaped, as it was."""
    return re.sub(r"\\(.)", r"\1", text)


def bubble(answer: Answer) -> str:
    """What the chat bubble shows: the short answer in bold with its markers, then its sentence; else the text."""
    short = answer.short
    searched = "".join(f"_Searched for “{plain(meant)}” (typed “{plain(typed)}”)._\n\n"
                       for typed, meant in answer.read_as.items())
    if short is None:
        return searched + plain(answer.text)
    markers = " ".join(dict.fromkeys(re.findall(r"\[\d+\]", answer.text))) or (f"[{short.n}]" if short.n else "")
    sentence = next((c.quote for c in answer.citations if c.n == short.n and c.start <= short.start < c.end), "")
    if not short.n and answer.citations:  # a paraphrase, or two names joined ("Russia and China"): the first quote
        sentence = answer.citations[0].quote
    said = f"**{plain(short.text)}** {plain(markers)}"
    return searched + (f"{said}\n\n{plain(sentence)}" if sentence else said)


def _link(title: str, url: str) -> str:
    href = safe_url(url)
    label = html.escape(title or "untitled")
    if not href:
        return label
    return f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">{label}</a>'


def sources_html(answer: Answer | None, bodies: dict[str, str]) -> str:
    """Source cards for an answer; for a refusal, the related articles."""
    if answer is None:
        return '<div class="refused">Sources of the answer appear here.</div>'
    if answer.refused:
        items = "".join(
            f"<li>{_link(r['title'], r['url'])} <span class='meta'>{html.escape(r['source'])}"
            f" {html.escape(r['published'] or 'undated')}</span></li>"
            for r in answer.related
        )
        related = f"<p>Related, not an answer:</p><ul>{items}</ul>" if items else ""
        return f'<div class="refused"><p><b>No answer in the articles.</b></p>{related}</div>'
    cards: list[str] = []
    seen: dict[int, int] = {}  # a passage quoted twice gives two cards: "source-1", "source-1-2"
    for c in answer.citations:
        seen[c.n] = seen.get(c.n, 0) + 1
        card_id = f"source-{c.n}" + (f"-{seen[c.n]}" if seen[c.n] > 1 else "")
        body = bodies.get(c.article_id, "")
        short = (answer.short.start, answer.short.end) if answer.short and answer.short.n == c.n else None
        context = (
            highlighted_paragraph(body, c.start, c.end, short)
            if body[c.start : c.end] == c.quote
            else f"<mark>{html.escape(c.quote)}</mark>"
        )
        meta = " · ".join(html.escape(part) for part in (c.source, c.published or "undated") if part)
        cards.append(
            f'<div class="card" id="{card_id}"><div><span class="num">[{c.n}]</span>{_link(c.title, c.url)}</div>'
            f'<div class="meta">{meta}</div><p class="context">{context}</p></div>'
        )
    return "".join(cards)


@contextlib.contextmanager
def friendly_errors(what: str) -> Iterator[None]:
    """Turn what goes wrong into a sentence for the page: our own errors as they are (HTML-escaped: Gradio
    shows a gr.Error's message as HTML), a bug as one line (its details go to the server's log, never to the
    visitor)."""
    import gradio as gr

    try:
        yield
    except gr.Error as error:  # a sentence for the visitor, not a fault: no traceback in the server's log
        error.print_exception = False
        raise
    except NewsBotError as exc:  # the toast shows its message as HTML: what the visitor typed must stay text
        raise gr.Error(html.escape(str(exc), quote=False), print_exception=False) from None
    except Exception:
        _log(f"error while {what}:\n{traceback.format_exc()}")
        raise gr.Error(f"Something went wrong on the server while {what}; it was logged there. "
                       "Try again, or ask differently.", print_exception=False) from None


class ApiBlocks(Blocks):
    """Gradio Blocks whose API calls may leave out trailing values that have defaults.

    ``gradio_client`` fills them in; a plain HTTP call (``{"data": ["Who won?"]}`` to
    ``/gradio_api/call/ask``) would otherwise fail inside Gradio with ``{"error": null}``. A value left out
    takes its component's value on the page (the passages slider's 6), else the handler's default; a call
    that leaves out a value without a default gets a sentence naming the values the endpoint takes.
    """

    def validate_inputs(self, block_fn: Any, inputs: list[Any]) -> None:
        wanted = len(block_fn.inputs)
        if len(inputs) < wanted:
            try:
                parameters = list(inspect.signature(block_fn.fn).parameters.values())
            except (TypeError, ValueError):
                parameters = []
            named = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:wanted]
            missing = named[len(inputs):]
            if len(named) == wanted and all(p.default is not p.empty for p in missing):
                shown = [getattr(block, "value", None) for block in block_fn.inputs[len(inputs):]]
                inputs.extend(p.default if value is None else value for p, value in zip(missing, shown))
            else:
                required = sum(1 for p in named if p.default is p.empty) if len(named) == wanted else wanted
                names = f" ({', '.join(p.name for p in named)})" if len(named) == wanted else ""
                raise Error(f"/{block_fn.api_name or block_fn.name} takes {wanted} values{names} in that order, "
                            f"at least the first {required}; it got {len(inputs)}.", print_exception=False)
        super().validate_inputs(block_fn, inputs)

    async def preprocess_data(self, block_fn: Any, inputs: list[Any], state: Any, explicit_call: bool = False
                              ) -> Any:
        """Gradio's, with a value of the wrong shape (a history of numbers, a string for a list) refused by a
        sentence naming the value and what it takes, not with ``{"error": null}``."""
        from pydantic import ValidationError

        try:
            return await super().preprocess_data(block_fn, inputs, state, explicit_call)
        except ValidationError as error:
            try:
                parameters = [p.name for p in inspect.signature(block_fn.fn).parameters.values()]
            except (TypeError, ValueError):
                parameters = []
            for index, (block, value) in enumerate(zip(block_fn.inputs, inputs)):
                model = getattr(block, "data_model", None)
                try:
                    if model is not None and value is not None:
                        model.model_validate(value, context={"validate_meta": True})
                except ValidationError as wrong:
                    name = parameters[index] if index < len(parameters) else f"value {index + 1}"
                    problem = wrong.errors()[0]
                    where = ".".join(str(part) for part in problem.get("loc", ()))
                    raise Error(f"/{block_fn.api_name or block_fn.name}: {name} is not of the form it takes "
                                f"({(where + ': ') if where else ''}{problem.get('msg', 'wrong form')})"
                                f"{_FORMS.get(type(block).__name__, '')}.", print_exception=False) from None
            raise Error(f"/{block_fn.api_name or block_fn.name}: a value is not of the form it takes "
                        f"({error.errors()[0].get('msg', 'wrong form')}).", print_exception=False) from None


#: What each kind of input takes, for the sentence that refuses a value of another form.
_FORMS = {"Chatbot": '; it takes a list of messages, {"role": "user" or "assistant", "content": "text"}',
          "File": '; it takes a list of uploaded files, {"path": "…", "orig_name": "…", '
                          '"meta": {"_type": "gradio.FileData"}}'}


def _types_checked_by_the_handler(files: Any) -> Any:
    """``files`` (a ``gr.File``) with its type check left to the upload handler: Gradio's own refuses a whole
    batch for one file of another type, without naming it; the handler refuses that file by name and ingests
    the rest. The page's file chooser still offers only the allowed types. (On the instance: a subclass of a
    Gradio component makes Gradio write a stub file beside this one.)"""
    import types

    from gradio.utils import NamedString

    files._process_single_file = types.MethodType(lambda self, f: NamedString(f.path), files)
    return files


# --- the app ------------------------------------------------------------------------
class ChatApp:
    """The handlers behind the page, over one NewsBot."""

    def __init__(self, bot: NewsBot, settings: Settings) -> None:
        import itertools
        import threading

        self.bot = bot
        self.settings = settings
        self._exports: tempfile.TemporaryDirectory[str] | None = None  # made at the first export
        self._export_numbers = itertools.count()
        self._export_lock = threading.Lock()

    def upload_types(self) -> tuple[str, ...]:
        """The upload types the settings allow, limited to those ingest can read, longest first."""
        from ingest.sources import FILE_TYPES

        wanted = {t.strip().lower() for t in self.settings.upload_types.split(",") if t.strip()} or set(FILE_TYPES)
        return tuple(sorted((t for t in FILE_TYPES if t in wanted), key=len, reverse=True))

    def sources(self) -> list[str]:
        return self.bot.store.sources()

    def respond(
        self, message: Any, history: Any, date_from: Any = None, date_to: Any = None,
        sources: Any = None, as_of: Any = None, k: Any = None, focus: Any = "", answers: Any = None,
    ) -> Iterator[tuple[list[dict[str, Any]], str, str, list[dict[str, Any]]]]:
        """Stream the answer into the chat; then show the checked text and its source cards.

        ``focus``: an article id the chat is about (from the Library), or ''; ``answers``: the conversation's
        turns so far ({"question", "answer"}), to which this one is added (for keeping and exporting).
        """
        turns_kept = list(answers or [])
        with friendly_errors("answering"):
            request = requests.of(message, history, k)
            filters = Filters(*requests.span(date_from, date_to), requests.sources(sources),
                              articles=(focus,) if focus else ())
            day = requests.day(as_of, "As of")
        shown = list(history or []) + [{"role": "user", "content": plain(request.question)},
                                       {"role": "assistant", "content": ""}]
        turns = [(unplain(q), unplain(a)) for q, a in request.history]  # the chat shows them escaped
        yield shown, "", '<div class="refused">Searching the articles…</div>', turns_kept
        streamed = ""
        with friendly_errors("answering"):
            for item in self.bot.stream(request.question, turns, filters=filters, as_of=day, k=request.k):
                if isinstance(item, Answer):
                    shown[-1] = {"role": "assistant", "content": bubble(item)}
                    turns_kept = [*turns_kept, {"question": request.question, "answer": item.to_dict()}]
                    yield shown, "", sources_html(item, item.bodies), turns_kept
                else:
                    streamed += item
                    shown[-1] = {"role": "assistant", "content": plain(streamed)}
                    yield shown, "", '<div class="refused">Answering…</div>', turns_kept

    def ask(self, question: Any, history: Any = None, as_of: Any = "", k: Any = 0) -> str:
        """API: answer one question (with earlier [question, answer] turns) -> the Answer as a JSON string.

        A string, not a dict: gradio_client treats any dict with a "path" key
        (every citation has one) as a file to download.
        """
        with friendly_errors("answering"):
            request = requests.of(question, history, k)
            answer = self.bot.ask(request.question, request.history, as_of=requests.day(as_of, "as_of"),
                                  k=request.k)
            return json.dumps(answer.to_dict(), ensure_ascii=False)

    def upload(self, files: list[Any] | None, progress: Any = None) -> tuple[str, Any]:
        """Ingest uploaded files: allowed types only, size-capped, copied under the visitor's names made safe.

        The copy's name is the article's path, shown with every citation of it (``_safe_name``). Gradio's own
        copies stay where they are: visitors who upload the same file share one, and Gradio clears them an hour
        old (``delete_cache`` in ``build_ui``). One already cleared is refused by name.
        """
        import gradio as gr

        with friendly_errors("ingesting the uploads"):
            if not files:
                raise gr.Error("Choose one or more article files first.")
            refused: list[dict[str, str]] = []
            shown: dict[str, str] = {}  # each copy's name -> the visitor's name for the upload
            with tempfile.TemporaryDirectory(prefix="newsbot-upload-") as folder:
                for item in files:
                    source = Path(getattr(item, "name", None) or str(item))
                    name = _file_name(getattr(item, "orig_name", None) or source.name)
                    copy, problem = self._copy_upload(source, name, Path(folder), shown)
                    if problem:
                        refused.append({"path": _display_name(name), "error": problem})
                    else:
                        shown[copy] = _display_name(name)
                report = self._ingest([Path(folder)], progress, content_ids=True)
            failed = refused + [{"path": _upload_name(f["path"], folder, shown), "error": f["error"]}
                                for f in report.failed]  # in the order ingest read them: by name
            return _summary(report, failed), gr.update(choices=self.sources())

    def _copy_upload(self, source: Path, name: str, folder: Path, taken: Iterable[str]) -> tuple[str, str]:
        """Copy one upload into ``folder`` under its name made safe, not one of ``taken`` (the batch's other
        copies): (the copy's name, '') when copied, else ('', why it is refused)."""
        allowed = self.upload_types()
        suffix = next((t for t in allowed if name.lower().endswith(t)), None)
        if suffix is None:
            return "", f"not an allowed file type; upload {', '.join(allowed)}"
        try:
            if source.stat().st_size > int(self.settings.upload_max_mb * 1e6):
                return "", f"over the {self.settings.upload_max_mb:g} MB upload limit; split it into smaller files"
            copy = _safe_name(name[: -len(suffix)], name[-len(suffix):], {n.casefold() for n in taken})
            shutil.copyfile(source, folder / copy)
        except FileNotFoundError:
            return "", "the upload is gone (the server clears uploads after an hour); choose the file again"
        return copy, ""

    def add_urls(self, text: Any, progress: Any = None) -> tuple[str, Any, Any]:
        """Ingest the feeds and pages at these URLs (one per line), fetched as for an untrusted user."""
        import gradio as gr

        with friendly_errors("adding the URLs"):
            urls = [u for u in str(text or "").split() if u]
            if not urls:
                raise gr.Error("Paste one or more URLs of feeds or article pages, one per line.")
            bad = [u for u in urls if not is_url(u)]
            if bad:
                raise gr.Error(f"{html.escape(repr(bad[0][:80]), quote=False)} is not an http(s) URL; paste feed or "
                               "page URLs, one per line.")
            if len(urls) > _MAX_URLS:
                raise gr.Error(f"{len(urls)} URLs at once; add at most {_MAX_URLS} at a time.")
            report = self._ingest(urls, progress)
            failed = [{"path": f["path"], "error": f["error"]} for f in report.failed]
            return _summary(report, failed), gr.update(choices=self.sources()), self.feeds_table()

    def check_feeds(self, progress: Any = None) -> tuple[str, Any, Any]:
        """Check every followed feed now (what ``python -m ingest --watch`` does on its own)."""
        import gradio as gr

        from ingest.feeds import followed

        with friendly_errors("checking the feeds"):
            urls = followed(self.bot.store)
            if not urls:
                raise gr.Error("No feeds are followed yet: add a feed URL first.")
            report = self._ingest(urls, progress)
            return _summary(report, report.failed), gr.update(choices=self.sources()), self.feeds_table()

    def unfollow(self, text: Any) -> tuple[str, Any]:
        """Stop following the feeds at these URLs (one per line): "Check the feeds now" reads them no more; the
        articles read from them stay."""
        import gradio as gr

        with friendly_errors("unfollowing the feeds"):
            urls = [u for u in str(text or "").split() if u]
            if not urls:
                raise gr.Error("Paste the URLs of the feeds to stop following, one per line.")
            forgotten = set(self.bot.store.forget_feeds(urls[:_MAX_URLS]))
            lines = [f"- {'no longer followed' if url in forgotten else 'was not followed'}: {plain(url)}"
                     for url in urls[:_MAX_URLS]]
            return "\n".join(lines), self.feeds_table()

    def feeds_table(self) -> list[list[str]]:
        """The feeds (and pages) ingested by URL: url, what it is, last check, result. A URL never read is left
        out (earlier versions kept one whose first read failed, without a kind)."""
        rows = []
        for url, state in sorted(self.bot.store.feed_states().items()):
            if not state.get("kind"):
                continue
            checked = state.get("checked_at")
            when = dt.datetime.fromtimestamp(checked).strftime("%Y-%m-%d %H:%M") if checked else ""
            rows.append([url, str(state.get("title") or ""), str(state.get("kind") or ""), when,
                         str(state.get("result") or "")])
        return rows

    # --- the Library -------------------------------------------------------------------
    def library(self, words: Any = "", sources: Any = None, date_from: Any = None, date_to: Any = None,
                page: Any = 0) -> tuple[str, Any, list[list[Any]], list[str], str, int]:
        """One page of the Library: (counts, chart data, table rows, their ids, page label, page)."""
        import pandas as pd

        with friendly_errors("reading the library"):
            since, until = requests.span(date_from, date_to)
            chosen = requests.sources(sources)
            query = (str(words or "")[:200], chosen, since.isoformat() if since else "",
                     until.isoformat() if until else "")
            pages = max(int(page or 0), 0)
            rows, total = self.bot.store.library(*query, offset=pages * LIBRARY_PAGE, limit=LIBRARY_PAGE)
            if not rows and pages and total:
                pages = (total - 1) // LIBRARY_PAGE
                rows, total = self.bot.store.library(*query, offset=pages * LIBRARY_PAGE, limit=LIBRARY_PAGE)
            counts = self.bot.store.library_summary(*query)
            chart = pd.DataFrame(per_period(self.bot.store.per_day(*query)), columns=["period", "source", "articles"])
        table = [[row["published"] or "undated", row["source"], row["title"], row["chunks"],
                  _when(row["ingested_at"])] for row in rows]
        label = (f"{pages * LIBRARY_PAGE + 1}–{pages * LIBRARY_PAGE + len(rows)} of {total:,}" if rows
                 else "no article matches")
        return library_counts(counts), chart, table, [row["article_id"] for row in rows], label, pages

    def article_view(self, ids: list[str], evt: Any) -> tuple[str, str]:
        """The article a click in the table chose: its metadata and text (escaped), and its id."""
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not ids or not isinstance(index, int) or not 0 <= index < len(ids):
            return '<div class="refused">Click an article in the table to read it.</div>', ""
        found = self.bot.store.article(ids[index])
        if found is None:
            return '<div class="refused">That article is no longer in the store.</div>', ""
        body, meta = found
        return article_html(ids[index], body, meta), ids[index]

    def delete_article(self, article_id: Any) -> tuple[str, str, str]:
        """Remove one article from the store (its record, chunks and keyword rows) -> the message, what the
        article pane shows now, and the article chosen now (none)."""
        import gradio as gr

        with friendly_errors("deleting the article"):
            if not article_id:
                raise gr.Error("Choose an article in the table first.")
            if not self.bot.store.records([article_id]):
                raise gr.Error("That article is no longer in the store.")
            self.bot.store.delete([article_id])
            left = self.bot.store.count_articles()
            return (f"Deleted. The store now holds {_count(left, 'article')}.",
                    '<div class="refused">Deleted. Click an article in the table to read it.</div>', "")

    def about(self, article_id: Any, saved: Any) -> tuple[Any, ...]:
        """Start a conversation about one article (from the Library): the chat searches only it."""
        import gradio as gr

        if not article_id:
            raise gr.Error("Choose an article in the table first.", print_exception=False)
        record = self.bot.store.records([article_id]).get(article_id)
        if record is None:
            raise gr.Error("That article is no longer in the store; choose another in the table.",
                           print_exception=False)
        saved, messages, turns, cards, _, _, _ = new_chat(saved)
        title = str(record.get("title") or article_id)
        saved["focus"] = {**saved.get("focus", {}), saved["current"]: {"id": article_id, "title": title}}
        return article_id, _focus_note(title), gr.Tabs(selected="chat-tab"), saved, messages, turns, cards

    # --- conversations that last --------------------------------------------------------
    def export(self, turns: Any, kind: str) -> str:
        """The conversation written to a file (Markdown or JSON) for download.

        Each export gets a folder of its own (its file keeps the name the visitor downloads) inside the one
        the app owns; Gradio serves a copy of it, so only the latest ``EXPORTS_KEPT`` are kept, and the app's
        folder goes when the app ends (not when it is killed: then it stays, with those few files).
        """
        import gradio as gr

        if not turns:
            raise gr.Error("Ask something first: there is nothing to export yet.", print_exception=False)
        title = str(turns[0].get("question", ""))[:80]
        text = as_markdown(turns, title) if kind == "md" else as_json(turns, title)
        with self._export_lock:
            if self._exports is None:
                self._exports = tempfile.TemporaryDirectory(prefix="newsbot-export-")  # removed when the app ends
            exports = Path(self._exports.name)
            folder = exports / f"{next(self._export_numbers):09d}"
            folder.mkdir()
            for old in sorted(exports.iterdir())[:-EXPORTS_KEPT]:
                shutil.rmtree(old, ignore_errors=True)
        target = folder / f"newsbot-chat.{kind}"
        target.write_text(text, encoding="utf-8")
        return str(target)

    def _ingest(self, inputs: list[Any], progress: Any, content_ids: bool = False) -> Any:
        """Ingest with the chat's own embedding model, a progress bar, and URLs fetched as for an untrusted user."""
        from ingest.feeds import StoreRobots
        from ingest.pipeline import Indexer, ingest
        from ingest.sources import Limits
        from ingest.web import Fetcher
        from ingest.web import Limits as FetchLimits

        settings = self.settings
        indexer = Indexer.from_settings(settings, embeddings=self.bot.retriever.embeddings)
        total = {"n": 0}
        done = {"n": 0}

        def advance(articles: int, chunks: int) -> None:
            done["n"] += articles
            if progress is not None:
                progress((done["n"], max(total["n"], done["n"], 1)), desc="Ingesting", unit="articles")

        def set_total(n: int) -> None:
            total["n"] = n

        with Fetcher(FetchLimits.from_settings(settings, trusted=False), StoreRobots(self.bot.store)) as fetcher:
            return ingest(inputs, self.bot.store, indexer, prune=False, limits=Limits.from_settings(settings),
                          progress=advance, on_total=set_total, content_ids=content_ids, fetcher=fetcher,
                          max_items=settings.fetch_max_items)


_MAX_URLS = 20
LIBRARY_PAGE = 25
EXPORTS_KEPT = 10  # conversation exports kept on the server (Gradio serves its own copy of each)


def _when(stamp: Any) -> str:
    return dt.datetime.fromtimestamp(float(stamp)).strftime("%Y-%m-%d %H:%M") if stamp else ""


def library_counts(counts: dict[str, Any]) -> str:
    """The Library's header line: articles, chunks, sources, date span, last ingest (of the articles shown)."""
    if not counts["articles"]:  # nothing matches (or the store is empty): no dates, no ingest to tell of
        return "**0 articles**"
    span = f"{counts['first']} to {counts['last']}" if counts.get("first") else "no dates"
    ingested = _when(counts.get("last_ingest")) or "unknown"
    return (f"**{_count(counts['articles'], 'article')}** · {_count(counts['chunks'], 'chunk')} · "
            f"{_count(counts['sources'], 'source')} · published {span} · last ingest {ingested}")


def _count(number: int, noun: str) -> str:
    """"1 article", "2 articles"."""
    return f"{number:,} {noun}{'s' * (number != 1)}"


def per_period(days: list[tuple[str, str, int]], colours: int = 8) -> list[tuple[str, str, int]]:
    """Articles per day, week or month (whichever gives a readable chart over the span), by source; sources
    past the ``colours`` largest are counted as "other"."""
    if not days:
        return []
    first, last = dt.date.fromisoformat(days[0][0][:10]), dt.date.fromisoformat(days[-1][0][:10])
    span = (last - first).days
    totals: dict[str, int] = {}
    for _, source, count in days:
        totals[source] = totals.get(source, 0) + count
    kept = set(sorted(totals, key=lambda name: -totals[name])[:colours])
    counted: dict[tuple[str, str], int] = {}
    for day, source, count in days:
        date = dt.date.fromisoformat(day[:10])
        period = (date.isoformat() if span <= 31 else
                  (date - dt.timedelta(days=date.weekday())).isoformat() if span <= 200 else date.strftime("%Y-%m"))
        key = (period, source if source in kept else "other")
        counted[key] = counted.get(key, 0) + count
    return [(period, source or "unknown", count) for (period, source), count in sorted(counted.items())]


def article_html(article_id: str, body: str, meta: dict[str, Any]) -> str:
    """One article for reading: its title (linked when the url is http(s)), metadata and text, all escaped."""
    details = " · ".join(html.escape(str(part)) for part in (meta.get("source"), meta.get("author"),
                                                              meta.get("published") or "undated") if part)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n") if line.strip())
    return (f'<div class="card article"><h3>{_link(meta.get("title", ""), meta.get("url", ""))}</h3>'
            f'<div class="meta">{details}</div><div class="meta">id: {html.escape(article_id)}</div>'
            f"{paragraphs}</div>")


def _summary(report: Any, failed: list[dict[str, str]]) -> str:
    lines = [
        f"**{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(failed)} failed** — the store now holds {report.articles} articles ({report.seconds:.1f} s)."
    ]
    lines += [f"- {plain(f['path'])}: {plain(f['error'])}" for f in failed[:50]]  # names and errors as written
    if len(failed) > 50:
        lines.append(f"- and {len(failed) - 50} more")
    return "\n".join(lines)


def _upload_name(path: str, folder: str, shown: dict[str, str]) -> str:
    """The visitor's name for the upload whose copy in ``folder`` a failure names, with a feed's line number
    ("…/Cafe & Co.jsonl:12" -> "Café & Co.jsonl:12"; copies' names hold no ':')."""
    inside = path.removeprefix(folder.rstrip(os.sep) + os.sep)
    copy, colon, line = inside.partition(":")
    return shown.get(copy, _display_name(copy)) + colon + line


def _file_name(name: str) -> str:
    """A file's name without its folders, control characters or lone surrogates."""
    return re.sub(r"[\x00-\x1f\x7f\ud800-\udfff]", "", re.split(r"[\\/]", name)[-1]) or "upload"


def _display_name(name: str) -> str:
    """A file name fit for display (``_file_name``), at most 120 characters: a longer one keeps its end ("….txt")."""
    name = _file_name(name)
    return name if len(name) <= 120 else name[:100] + "…" + name[-19:]


def _safe_name(stem: str, suffix: str, taken: set[str]) -> str:
    """An upload's name (``_file_name``) made a safe file name on any system: none of the characters
    Windows refuses (``:*?"<>|``) and no leading dot (a hidden file ingest leaves out) or space, at most 200
    bytes; a name already ``taken`` (casefolded) in the batch gets " (2)", " (3)" … ("notes (2).txt")."""
    stem = re.sub(r'[:*?"<>|]+', "-", stem).lstrip(". ").rstrip(" ")
    stem = stem.encode("utf-8")[:200].decode("utf-8", "ignore") or "upload"
    name, number = stem + suffix, 1
    while name.casefold() in taken:
        number += 1
        name = f"{stem} ({number}){suffix}"
    return name


def build_ui(app: ChatApp) -> Any:
    import gradio as gr

    settings = app.settings
    model = Path(settings.llm_model_path).name if settings.llm == "llamacpp" else settings.openai_model
    backend = "extractive (no language model)" if settings.llm == "extractive" else f"{settings.llm} · {model}"
    # Visitors of a page behind a login are not shown where the store lives on the server.
    login = settings.ui_username and settings.ui_password
    where = "" if login else f" · store: `{html.escape(settings.describe_store())}`"
    # Gradio keeps a copy of every upload; delete_cache clears copies older than an hour, hourly.
    with ApiBlocks(title="News bot", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            f"## Ask the news articles\nAnswers cite their sources; every quote is checked against the article. "
            f"Backend: **{html.escape(backend)}**{where}"
        )
        saved = gr.BrowserState({"current": "", "chats": {}}, storage_key="newsbot-chats")  # survives a reload
        answers = gr.State([])  # this conversation's turns: question and Answer, for keeping and export
        focus = gr.State("")  # the article the chat is about (from the Library), or ''
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat-tab"):
                focus_note = gr.Markdown("", elem_id="focus")
                with gr.Row():
                    with gr.Column(scale=3):
                        # Markdown only for our own bold short answer and italic "Searched for": every text from
                        # an article, a model or the question is escaped first (``plain``), so it shows as
                        # written; no math, no HTML
                        chatbot = gr.Chatbot(label="Chat", height=520, render_markdown=True, sanitize_html=True,
                                             latex_delimiters=[], elem_id="chat", buttons=["copy"],
                                             feedback_options=None)
                        with gr.Row():
                            question = gr.Textbox(placeholder="Ask a question about the articles…",
                                                  show_label=False, scale=5, elem_id="question", autofocus=True)
                            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                        with gr.Row():
                            clear = gr.Button("New conversation", size="sm", elem_id="new-chat")
                            past = gr.Dropdown(choices=[], label="Past conversations", elem_id="past-chats",
                                               scale=3)
                        with gr.Row():
                            export_md = gr.Button("Export as Markdown", size="sm", elem_id="export-md")
                            export_json = gr.Button("Export as JSON", size="sm", elem_id="export-json")
                            exported = gr.File(label="Export", elem_id="exported", scale=2)
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources_panel = gr.HTML(sources_html(None, {}), elem_id="sources")
                with gr.Accordion("Filters and options", open=False):
                    with gr.Row():
                        date_from = gr.DateTime(include_time=False, type="string", label="Published from")
                        date_to = gr.DateTime(include_time=False, type="string", label="Published to")
                        as_of = gr.DateTime(include_time=False, type="string", label="As of (default today)")
                    with gr.Row():
                        # the choices are the sources when the page was built or focused; any name is taken (API
                        # clients, sources other processes added since), the store's filter keeps it harmless
                        source_filter = gr.Dropdown(choices=app.sources(), multiselect=True, allow_custom_value=True,
                                                    label="Sources (all if empty)")
                        k = gr.Slider(1, requests.MAX_K, value=min(settings.k, requests.MAX_K), step=1,
                                      label="Passages per question")
                with gr.Accordion("Add articles", open=False):
                    with gr.Row():
                        with gr.Column():
                            files = _types_checked_by_the_handler(gr.File(
                                file_count="multiple", file_types=list(app.upload_types()), label="Article files"))
                            add = gr.Button("Ingest", elem_id="ingest")
                        with gr.Column():
                            urls = gr.Textbox(label="Feed or page URLs (RSS, Atom, JSON Feed, sitemap, OPML, "
                                                    "article page), one per line", lines=3, elem_id="urls")
                            with gr.Row():
                                add_urls = gr.Button("Add URLs", elem_id="add-urls")
                                unfollow = gr.Button("Stop following these", size="sm", elem_id="unfollow")
                    summary = gr.Markdown(elem_id="ingest-summary")
                    gr.Markdown("Followed feeds (`python -m ingest --watch MINUTES URL…` or cron keeps them current):")
                    feeds = gr.Dataframe(headers=["URL", "title", "kind", "last check", "result"],
                                         value=app.feeds_table(), interactive=False, wrap=True, elem_id="feeds")
                    check = gr.Button("Check the feeds now", size="sm", elem_id="check-feeds")
            with gr.Tab("Library", id="library-tab") as library_tab:
                counts = gr.Markdown(elem_id="library-counts")
                with gr.Row():
                    words = gr.Textbox(label="Search titles", elem_id="library-search", scale=2)
                    chosen = gr.Dropdown(choices=app.sources(), multiselect=True, allow_custom_value=True,
                                         label="Sources", elem_id="library-sources", scale=2)
                    since = gr.DateTime(include_time=False, type="string", label="Published from")
                    until = gr.DateTime(include_time=False, type="string", label="Published to")
                    apply = gr.Button("Show", elem_id="library-apply", scale=0)
                chart = gr.BarPlot(x="period", y="articles", color="source", label="Articles published",
                                   x_title="published", elem_id="library-chart", height=360)
                table = gr.Dataframe(headers=["published", "source", "title", "chunks", "ingested"],
                                     datatype=["str", "str", "str", "number", "str"], interactive=False, wrap=True,
                                     elem_id="library-table")
                with gr.Row():
                    previous = gr.Button("← Newer", size="sm", elem_id="library-previous")
                    position = gr.Markdown(elem_id="library-position")
                    following = gr.Button("Older →", size="sm", elem_id="library-next")
                ids, page, selected = gr.State([]), gr.State(0), gr.State("")
                article = gr.HTML('<div class="refused">Click an article in the table to read it.</div>',
                                  elem_id="library-article")
                with gr.Row():
                    ask_about = gr.Button("Ask about this article", elem_id="ask-about")
                    delete = gr.Button("Delete this article", variant="stop", elem_id="delete-article")
                done = gr.Markdown(elem_id="library-message")

        inputs = [question, chatbot, date_from, date_to, source_filter, as_of, k, focus, answers]
        outputs = [chatbot, question, sources_panel, answers]
        keep = {"fn": remember, "inputs": [saved, chatbot, answers], "outputs": [saved, past],
                "api_visibility": "private"}
        send.click(app.respond, inputs, outputs, api_name="respond").then(**keep)
        question.submit(app.respond, inputs, outputs, api_visibility="private").then(**keep)
        clear.click(new_chat, saved, [saved, chatbot, answers, sources_panel, focus, focus_note, past],
                    api_visibility="private")
        past.input(open_chat, [saved, past], [saved, chatbot, answers, sources_panel, focus, focus_note],
                   api_visibility="private")
        export_md.click(lambda turns: app.export(turns, "md"), answers, exported, api_visibility="private")
        export_json.click(lambda turns: app.export(turns, "json"), answers, exported, api_visibility="private")
        demo.load(restore, saved, [chatbot, answers, past, focus, focus_note], api_visibility="private")

        def upload(uploaded: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, Any]:  # noqa: B008
            return app.upload(uploaded, progress)

        add.click(upload, files, [summary, source_filter], api_name="upload")

        def added(text: str, progress: gr.Progress = gr.Progress()) -> tuple[str, Any, Any]:  # noqa: B008
            return app.add_urls(text, progress)

        def checked(progress: gr.Progress = gr.Progress()) -> tuple[str, Any, Any]:  # noqa: B008
            return app.check_feeds(progress)

        add_urls.click(added, urls, [summary, source_filter, feeds], api_name="add_urls")
        check.click(checked, None, [summary, source_filter, feeds], api_name="check_feeds")
        unfollow.click(app.unfollow, urls, [summary, feeds], api_name="unfollow")
        demo.load(app.feeds_table, None, feeds, api_visibility="private")
        # the store changes under a running app (other processes ingest): the list is read when it is used
        fresh_sources = lambda: gr.update(choices=app.sources())  # noqa: E731
        demo.load(fresh_sources, None, source_filter, api_visibility="private")
        source_filter.focus(fresh_sources, None, source_filter, api_visibility="private")
        chosen.focus(fresh_sources, None, chosen, api_visibility="private")

        shelf = [counts, chart, table, ids, position, page]
        query = [words, chosen, since, until]

        def plotted(shown: tuple[Any, ...]) -> tuple[Any, ...]:  # a time axis (ticks readable over any span)
            import pandas as pd

            frame = shown[1].assign(period=pd.to_datetime(shown[1]["period"]))  # and every source in the legend
            return (shown[0], gr.BarPlot(value=frame, colors_in_legend=sorted(set(frame["source"]))), *shown[2:])

        first_page = {"fn": lambda *q: plotted(app.library(*q, 0)), "inputs": query, "outputs": shelf}
        apply.click(**first_page, api_name="library")
        words.submit(**first_page, api_visibility="private")
        library_tab.select(**first_page, api_visibility="private")
        previous.click(lambda *q: plotted(app.library(*q[:4], q[4] - 1)), [*query, page], shelf,
                       api_visibility="private")
        following.click(lambda *q: plotted(app.library(*q[:4], q[4] + 1)), [*query, page], shelf,
                        api_visibility="private")
        def view(shown: list[str], evt: SelectData) -> tuple[str, str]:  # Gradio passes the click by this type
            return app.article_view(shown, evt)

        table.select(view, ids, [article, selected], api_visibility="private")
        delete.click(app.delete_article, selected, [done, article, selected], api_visibility="private").then(
            lambda *q: plotted(app.library(*q[:4], q[4])), [*query, page], shelf, api_visibility="private")
        ask_about.click(app.about, [selected, saved], [focus, focus_note, tabs, saved, chatbot, answers, sources_panel],
                        api_visibility="private")
        gr.api(app.ask, api_name="ask")
    return demo


# --- conversations in the browser's storage -------------------------------------------------
_CHATS_KEPT = 20


def _title(turns: list[dict[str, Any]]) -> str:
    return str(turns[0].get("question", ""))[:60] if turns else "(empty)"


def _choices(saved: dict[str, Any]) -> Any:
    import gradio as gr

    chats = saved.get("chats", {})
    return gr.update(choices=[(chat["title"], chat_id) for chat_id, chat in reversed(list(chats.items()))],
                     value=saved.get("current") or None)


def remember(saved: Any, messages: Any, turns: Any) -> tuple[dict[str, Any], Any]:
    """Keep the current conversation in the browser (under its id; the oldest go past 20)."""
    import uuid

    saved = dict(saved or {"current": "", "chats": {}})
    chats = dict(saved.get("chats") or {})
    current = saved.get("current") or uuid.uuid4().hex[:10]
    if turns:
        chats.pop(current, None)
        chats[current] = {"title": _title(turns), "messages": messages or [], "turns": turns}
        while len(chats) > _CHATS_KEPT:
            chats.pop(next(iter(chats)))
    focus = {chat_id: about for chat_id, about in (saved.get("focus") or {}).items()
             if chat_id in chats or chat_id == current}  # a forgotten conversation's article goes with it
    saved.update(current=current, chats=chats, focus=focus)
    return saved, _choices(saved)


def restore(saved: Any) -> tuple[list[Any], list[Any], Any, str, str]:
    """The conversation the browser kept, as it was before the page was reloaded, with the article it is about
    (its id and the note that says so), if any."""
    saved = saved or {}
    current = saved.get("current") or ""
    chat = (saved.get("chats") or {}).get(current, {})
    return chat.get("messages", []), chat.get("turns", []), _choices(saved), *_focus_of(saved, current)


def open_chat(saved: Any, chat_id: Any) -> tuple[dict[str, Any], list[Any], list[Any], str, str, str]:
    saved = dict(saved or {})
    chat = (saved.get("chats") or {}).get(chat_id or "", {})
    if chat:
        saved["current"] = chat_id
    focus, note = _focus_of(saved, chat_id if chat else "")
    return saved, chat.get("messages", []), chat.get("turns", []), sources_html(None, {}), focus, note


def _focus_of(saved: dict[str, Any], chat_id: str) -> tuple[str, str]:
    """The article a kept conversation is about ("Ask about this article"), and the note that says so; ('', '')."""
    about = (saved.get("focus") or {}).get(chat_id) if chat_id else None
    if not isinstance(about, dict) or not about.get("id"):
        return "", ""
    return str(about["id"]), _focus_note(str(about.get("title") or about["id"]))


def _focus_note(title: str) -> str:
    return f"Asking about one article only: **{plain(title)}** — “New conversation” asks them all again."


def new_chat(saved: Any) -> tuple[dict[str, Any], list[Any], list[Any], str, str, str, Any]:
    import uuid

    saved = dict(saved or {"chats": {}})
    saved["current"] = uuid.uuid4().hex[:10]
    return saved, [], [], sources_html(None, {}), "", "", _choices(saved)


def ensure_articles(store: Store, settings: Settings) -> str | None:
    """On first start with an empty store, ingest the samples so a first question works."""
    from ingest.pipeline import Indexer, ingest
    from ingest.sources import Limits

    if store.count_articles() > 0 or not settings.samples_dir.exists():
        return None
    report = ingest([settings.samples_dir], store, Indexer.from_settings(settings), prune=False,
                    limits=Limits.from_settings(settings))
    return f"Empty store: ingested {settings.samples_dir} ({report.summary()})"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class LoginThrottle:
    """Checks the one login, slower and slower after failures: brute force gets a few tries a minute.

    After ``free`` failed logins within ``window`` seconds (any user name, since Gradio does not say who
    is asking), every attempt, right or wrong, waits 2, 4, 8 … up to ``most`` seconds before it is answered.
    Attempts that arrive together queue: each reserves the next slot (``next_at``), after the slots taken
    before it, and counts the attempts still waiting as failures, so forty guesses sent at once wait as long
    as forty sent one after another. The wait is asynchronous: other visitors are not held up. The queue is
    at most ``queue_most`` seconds long: an attempt that would be answered later is refused at once, its
    password not even compared, so a burst of guesses holds no connection open and delays the right password
    by at most that much (a steady stream still keeps it refused: the check does not know who is asking).
    Passwords are compared in constant time.
    """

    def __init__(self, username: str, password: str, free: int = 3, window: float = 600.0, most: float = 30.0,
                 clock: Any = time.monotonic, sleep: Any = None, queue_most: float = 120.0) -> None:
        import asyncio

        self.username, self.password = username, password
        self.free, self.window, self.most, self.queue_most = free, window, most, queue_most
        self.clock = clock
        self.sleep = sleep or asyncio.sleep
        self.failures: list[float] = []
        self.waiting = 0  # attempts that reserved a slot and are not answered yet
        self.next_at = 0.0  # the last slot reserved: the next attempt that must wait is answered after it

    def delay(self) -> float:
        """How long an attempt arriving now waits after the slots already taken."""
        now = self.clock()
        self.failures = [t for t in self.failures if now - t < self.window]
        extra = len(self.failures) + self.waiting - self.free
        return 0.0 if extra < 0 else min(2.0 ** (extra + 1), self.most)

    def reserve(self) -> float | None:
        """The time an attempt arriving now is answered (now when it need not wait), its slot taken; None when
        the queue is full (the slot would be more than ``queue_most`` seconds away)."""
        now, wait = self.clock(), self.delay()
        if not wait:
            return now
        at = max(now, self.next_at) + wait
        if at - now > self.queue_most:
            return None
        self.next_at = at
        return at

    async def check(self, username: str, password: str) -> bool:
        """The login check Gradio calls (a coroutine function: Gradio awaits only those)."""
        import hmac

        at = self.reserve()
        if at is None:  # refused unheard: too many attempts are waiting already
            return False
        if at > self.clock():
            self.waiting += 1
            try:
                await self.sleep(at - self.clock())
            finally:
                self.waiting -= 1
        right = hmac.compare_digest(str(username).encode(), self.username.encode()) & hmac.compare_digest(
            str(password).encode(), self.password.encode())
        if right:
            self.failures.clear()
        else:
            self.failures.append(self.clock())
        return right


def _login(settings: Settings) -> Any:
    """The page's login check, or None when no login is set."""
    if not (settings.ui_username and settings.ui_password):
        return None
    return LoginThrottle(settings.ui_username, settings.ui_password).check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app.py", description="The news bot's Gradio chat.")
    parser.add_argument("--host", dest="ui_host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", dest="ui_port", type=int, help="port (default 7860)")
    add_store_arguments(parser)
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    started = time.perf_counter()
    try:
        settings = load_settings(**vars(args))
        if export_pending(settings):
            print(EXPORT_NOTE, flush=True)
        store = open_store(settings.store_dir, settings.chroma_host, settings.chroma_port, settings.collection,
                           min_free_mb=settings.min_free_mb, lock_timeout=settings.lock_timeout, on_wait=_log)
        note = ensure_articles(store, settings)
        if note:
            print(note, flush=True)
        app = ChatApp(build_bot(settings, store, follow=True, on_notice=_log), settings)
    except NewsBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    demo = build_ui(app)
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=settings.ui_host, server_port=settings.ui_port, auth=_login(settings), prevent_thread_lock=True,
        max_file_size=f"{settings.upload_max_mb:g}mb", css=CSS, head=HEAD, quiet=True, footer_links=["api"],
        show_error=False,  # our own errors reach the page as gr.Error sentences; nothing else's text does
    )
    print(f"Ready on http://{settings.ui_host}:{settings.ui_port} in {time.perf_counter() - started:.1f} s",
          flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())

