"""The Gradio app, started for real on a free port and driven through gradio_client."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from app import ChatApp, LoginThrottle, bubble, highlighted_paragraph, safe_url, sources_html, unplain
from bot import requests
from bot.settings import Settings
from bot.types import Answer, Citation, ShortAnswer
from tests.conftest import KeywordEmbeddings, free_port, make_bot, seed_body, start_app, stop

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def app_store(tmp_path_factory):
    return tmp_path_factory.mktemp("app") / "store"


@pytest.fixture(scope="module")
def app_url(app_store):
    url, process = start_app(app_store)
    yield url
    stop(process)


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def ask(client, question, history=None, as_of="", k=0):
    return json.loads(client.predict(question, history or [], as_of, k, api_name="/ask"))


@pytest.mark.slow
def test_a_first_start_ingests_the_sample_and_answers_with_a_verbatim_quote(client):
    answer = ask(client, "Who called on Baku to unblock the Lachin Corridor?")
    assert not answer["refused"]
    citation = answer["citations"][0]
    body = seed_body()
    assert body[citation["start"] : citation["end"]] == citation["quote"]
    assert "Russia" in citation["quote"]


@pytest.mark.slow
def test_a_follow_up_uses_the_conversation(client):
    first = ask(client, "Who is Maria Zakharova?")
    answer = ask(client, "What did she say about peacekeepers?", [["Who is Maria Zakharova?", first["text"]]])
    assert any("peacekeep" in c["quote"] for c in answer["citations"])


@pytest.mark.slow
@pytest.mark.parametrize(("args", "says"), [
    ((None, [], "", 0), "The question must be text"),
    (("x" * 1_000_000, [], "", 0), "ask in at most 2,000"),
    (("Who?", "not a list", "", 0), "history must be a list"),
    (("Who?", [["only one"]], "", 0), "[question, answer] pair"),
    (("Who?", [], "January 0000", 0), "is not a date; use YYYY-MM-DD"),
    (("Who?", [], "0001-01-01", 0), "out of range; use a date from 1900-01-01"),
    (("Who?", [], "", "lots"), "whole number from 1 to 20"),
])
def test_odd_api_calls_get_a_sentence_saying_what_is_allowed(client, args, says):
    with pytest.raises(Exception) as refused:
        client.predict(*args, api_name="/ask")
    assert says in str(refused.value)
    assert "NoneType" not in str(refused.value) and "Traceback" not in str(refused.value)


def _call(app_url, api_name, data):
    """A plain HTTP call of a Gradio endpoint (no gradio_client filling in defaults): its last event and data."""
    import httpx

    event = httpx.post(f"{app_url}gradio_api/call/{api_name}", json={"data": data}, timeout=30).json()["event_id"]
    reply = httpx.get(f"{app_url}gradio_api/call/{api_name}/{event}", timeout=120).text
    kind = re.findall(r"^event: (\w+)", reply, re.MULTILINE)[-1]  # the last: a stream sends "generating" first
    return kind, json.loads(re.findall(r"^data: (.*)$", reply, re.MULTILINE)[-1])


@pytest.mark.slow
def test_a_plain_http_call_may_leave_out_the_values_that_have_defaults(app_url):
    kind, data = _call(app_url, "ask", ["Who called on Baku to unblock the Lachin Corridor?"])
    assert kind == "complete"
    assert "Russia" in json.loads(data[0])["citations"][0]["quote"]
    kind, data = _call(app_url, "ask", [])
    assert kind == "error"
    assert data["error"] == "/ask takes 4 values (question, history, as_of, k) in that order, at least the first 1; " \
                            "it got 0."
    kind, data = _call(app_url, "respond", ["Who called on Baku to unblock the Lachin Corridor?", []])
    assert kind == "complete" and "<mark>" in data[2]  # the rest as the page has them: 6 passages, no filters


@pytest.mark.slow
def test_a_huge_k_is_clamped_like_the_slider(client):
    answer = ask(client, "Who called on Baku to unblock the Lachin Corridor?", k=10**9)
    assert not answer["refused"]


@pytest.mark.slow
def test_an_unanswerable_question_is_refused(client):
    answer = ask(client, "What is the capital of Australia?")
    assert answer["refused"] and answer["citations"] == []


@pytest.mark.slow
def test_the_chat_streams_and_shows_the_highlighted_source(client):
    job = client.submit("Who called on Baku to unblock the Lachin Corridor?", [], None, None, [], None, 6,
                        api_name="/respond")
    updates = list(job)
    history, _, cards = updates[-1]
    assert len(updates) >= 3
    content = history[-1]["content"]
    said = unplain(content if isinstance(content, str) else content[0]["text"])  # the chat shows escaped Markdown
    assert history[-1]["role"] == "assistant" and "[1]" in said and "**Russia** [1]" in said
    assert '<mark><strong>Russia</strong> on Wednesday called on Baku' in cards  # the short answer inside the quote


@pytest.mark.slow
def test_a_date_filter_outside_the_articles_dates_finds_nothing(client):
    job = client.submit("Who called on Baku to unblock the Lachin Corridor?", [], "2024-01-01", None, [], None, 6,
                        api_name="/respond")
    history, _, cards = list(job)[-1]
    assert "No answer in the articles" in cards
    inside = client.submit("Who called on Baku to unblock the Lachin Corridor?", [], "2023-06-01", "2023-06-30",
                           ["Asbarez"], None, 6, api_name="/respond")
    assert "<mark>" in list(inside)[-1][2]


# --- rendering and uploads, in process --------------------------------------------
def _citation(**overrides):
    fields = dict(n=1, article_id="a", title="T", source="S", published="2023-01-01", url="https://x.org/a",
                  path="a.txt", quote="quote", start=0, end=5)
    return Citation(**{**fields, **overrides})


def test_source_cards_escape_article_text_and_drop_unsafe_links():
    body = 'Intro.\n<script>alert(1)</script> and <img src=x onerror=alert(2)> says quote here.\nNext.'
    start = body.index("says quote")
    citation = _citation(title="<b>Bold</b>", url="javascript:alert(3)", quote="says quote", start=start,
                         end=start + 10)
    html = sources_html(Answer("x [1]", citations=[citation]), {"a": body})
    assert "<script>" not in html and "<img" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>says quote</mark>" in html
    assert "Next." not in html  # only the quote's own paragraph


def test_two_quotes_of_one_passage_are_two_cards_with_ids_of_their_own():
    body = "The ferry runs twice a day. The harbour office said so on Monday."
    cards = sources_html(Answer("x [1]", citations=[_citation(quote="The ferry runs twice a day.", start=0, end=27),
                                                    _citation(quote="The harbour office said so on Monday.",
                                                              start=28, end=len(body))]), {"a": body})
    assert re.findall(r'id="([^"]+)"', cards) == ["source-1", "source-1-2"]


def test_the_bubble_shows_the_short_answer_then_its_sentence_and_the_first_quote_for_a_paraphrase():
    quote = "Since then, Russia has sought ever closer ties with China."
    citation = _citation(quote=quote, start=0, end=len(quote))
    spanned = Answer("Russia [1]", citations=[citation], short=ShortAnswer("Russia", 1, 12, 18))
    assert unplain(bubble(spanned)) == f"**Russia** [1]\n\n{quote}"
    joined = Answer("Russia and China [1]", citations=[citation], short=ShortAnswer("Russia and China"))
    assert unplain(bubble(joined)) == f"**Russia and China** [1]\n\n{quote}"  # two names, not one span: the first quote


def test_the_bubble_says_which_words_of_the_question_were_searched_as_others():
    quote = "Broadway's best were recognized at the Tony Awards."
    citation = _citation(quote=quote, start=0, end=len(quote))
    answer = Answer("Tony Awards [1]", citations=[citation], short=ShortAnswer("Tony Awards", 1, 39, 50),
                    read_as={"Boradway*": "Broadway"})
    said = "_Searched for “Broadway” (typed “Boradway*”)._"
    assert unplain(bubble(answer)) == f"{said}\n\n**Tony Awards** [1]\n\n{quote}"
    assert "Boradway\\*" in bubble(answer)  # what the question says is escaped, as every text is
    assert json.loads(json.dumps(answer.to_dict()))["read_as"] == {"Boradway*": "Broadway"}  # the API says it too


def test_the_highlight_is_the_exact_span_even_when_the_text_repeats():
    body = "the same words. the same words."
    assert highlighted_paragraph(body, 16, 31) == "the same words. <mark>the same words.</mark>"


def test_only_http_links_are_kept():
    assert safe_url("https://cnn.com/a") == "https://cnn.com/a"
    assert safe_url("javascript:alert(1)") == safe_url("data:text/html,hi") == safe_url("/etc/passwd") == ""


def test_a_refusal_shows_related_articles_and_no_cards():
    answer = Answer("No.", refused=True, related=[{"title": "R", "source": "S", "published": "", "url": ""}])
    html = sources_html(answer, {})
    assert "No answer in the articles" in html and 'class="card"' not in html and "R" in html


def test_chat_messages_become_question_answer_turns():
    history = [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": [{"type": "text", "text": "A1"}]},
        {"role": "user", "content": "Q2"},
    ]
    assert requests.history_turns(history) == (("Q1", "A1"),)
    assert requests.history_turns([["Q", "A"]] * 50) == (("Q", "A"),) * requests.MAX_TURNS


def test_failed_logins_are_answered_slower_and_slower_and_a_right_one_resets():
    import asyncio
    import inspect

    now, slept = [0.0], []

    async def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    throttle = LoginThrottle("ana", "s3cret", clock=lambda: now[0], sleep=sleep)
    assert inspect.iscoroutinefunction(throttle.check)  # Gradio awaits only coroutine functions
    results = [asyncio.run(throttle.check("ana", f"guess{n}")) for n in range(8)]
    assert results == [False] * 8
    assert slept == [2.0, 4.0, 8.0, 16.0, 30.0]  # after three free tries: doubling, at most 30 s
    assert asyncio.run(throttle.check("ana", "s3cret")) and slept[-1] == 30.0  # the right password waits too
    assert asyncio.run(throttle.check("ana", "wrong")) is False and len(slept) == 6  # then the count starts over
    now[0] += 3600
    assert throttle.delay() == 0.0


def test_wrong_logins_sent_at_once_queue_each_behind_the_other_as_if_sent_one_by_one():
    import asyncio

    asked, answered = [], asyncio.Event()

    async def sleep(seconds):  # the clock stands still: every attempt arrives at 0, and waits until told
        asked.append(seconds)
        await answered.wait()

    throttle = LoginThrottle("ana", "s3cret", free=3, most=30.0, clock=lambda: 0.0, sleep=sleep)

    async def guesses():
        attempts = [asyncio.create_task(throttle.check("ana", f"guess{n}")) for n in range(8)]
        await asyncio.sleep(0)  # each has reserved its slot (the free three are answered at once)
        reserved = sorted(asked)  # until when each waiting attempt sleeps, the clock being at 0
        answered.set()
        return reserved, await asyncio.gather(*attempts)

    slots, results = asyncio.run(guesses())
    assert slots == [2.0, 6.0, 14.0, 30.0, 60.0]  # 2, 4, 8, 16, 30 seconds, each after the one before it
    assert results == [False] * 8 and len(throttle.failures) == 8
    assert throttle.next_at == 60.0  # the next attempt queues behind the last of them


def test_a_burst_of_logins_queues_two_minutes_at_most_and_the_rest_is_refused_unheard():
    import asyncio

    asked, answered = [], asyncio.Event()

    async def sleep(seconds):
        asked.append(seconds)
        await answered.wait()

    throttle = LoginThrottle("ana", "s3cret", free=3, most=30.0, clock=lambda: 0.0, sleep=sleep)

    async def burst():
        attempts = [asyncio.create_task(throttle.check("ana", f"guess{n}")) for n in range(40)]
        attempts.append(asyncio.create_task(throttle.check("ana", "s3cret")))  # the owner, right behind them
        await asyncio.sleep(0)
        reserved = sorted(asked)
        answered.set()
        return reserved, await asyncio.gather(*attempts)

    slots, results = asyncio.run(burst())
    assert slots == [2.0, 6.0, 14.0, 30.0, 60.0, 90.0, 120.0]  # nobody waits past two minutes
    assert results == [False] * 41 and len(throttle.failures) == 10  # 3 free + 7 queued; the rest never compared
    assert throttle.next_at == 120.0


@pytest.mark.slow
def test_uploads_are_ingested_under_safe_names_and_bad_ones_refused(tmp_path, store, real_embeddings):
    good = tmp_path / "good.txt"
    good.write_text("Harbour bridge reopens\n\nThe harbour bridge reopened on Monday after repairs.", encoding="utf-8")
    script = tmp_path / "evil.sh"
    script.write_text("rm -rf /", encoding="utf-8")
    app = ChatApp(make_bot(store, real_embeddings), Settings(upload_max_mb=1))
    files = [
        SimpleNamespace(name=str(good), orig_name="../../etc/cron.d/good.txt"),
        SimpleNamespace(name=str(script), orig_name="evil.sh"),
    ]
    summary, _ = app.upload(files)
    assert "1 added" in summary and "1 failed" in summary and "evil.sh" in unplain(summary)
    ((record, _),) = store.all_records().values()
    assert record["title"] == "Harbour bridge reopens"
    assert record["path"] == "good.txt"  # the visitor's own name, without its folders
    assert good.exists()  # Gradio's copy is Gradio's: another visitor may have uploaded the same file


@pytest.mark.slow
def test_two_uploads_with_the_same_name_are_two_articles_and_a_repeat_changes_nothing(tmp_path, store,
                                                                                      real_embeddings):
    app = ChatApp(make_bot(store, real_embeddings), Settings())

    def upload(text):
        path = tmp_path / f"copy-{len(list(tmp_path.iterdir()))}.txt"
        path.write_text(text, encoding="utf-8")
        return app.upload([SimpleNamespace(name=str(path), orig_name="notes.txt")])[0]

    assert "1 added" in upload("Notes one\n\nThe first note is about the harbour.")
    assert "1 added" in upload("Notes two\n\nThe second note is about the museum.")
    assert "1 unchanged" in upload("Notes one\n\nThe first note is about the harbour.")
    assert sorted(meta["title"] for meta, _ in store.all_records().values()) == ["Notes one", "Notes two"]


@pytest.mark.slow
def test_ingesting_one_upload_twice_changes_nothing_and_one_the_server_cleared_is_refused_by_name(tmp_path, store,
                                                                                                 real_embeddings):
    from gradio.utils import NamedString  # what Gradio hands the handler for each uploaded file

    cached = tmp_path / "gradio" / "3f2a" / "notes.txt"  # one copy for every visitor who uploads these bytes
    cached.parent.mkdir(parents=True)
    cached.write_text("Harbour notes\n\nThe harbour bridge reopened on Monday after repairs.", encoding="utf-8")
    app = ChatApp(make_bot(store, real_embeddings), Settings())
    first, _ = app.upload([NamedString(str(cached))])
    second, _ = app.upload([NamedString(str(cached))])  # a second click, or a second visitor
    assert "1 added" in first and "0 failed" in first
    assert "0 added, 0 updated, 1 unchanged, 0 failed" in second
    cached.unlink()  # Gradio's delete_cache, an hour later
    gone, _ = app.upload([NamedString(str(cached))])
    assert "1 failed" in gone
    assert "notes.txt: the upload is gone (the server clears uploads after an hour); choose the file again" \
        in unplain(gone)


def test_failed_uploads_are_named_as_the_visitor_named_them_with_their_line_numbers(tmp_path, store):
    from gradio.utils import NamedString  # what Gradio hands the handler: its copy, under the upload's own name

    cached = tmp_path / "gradio"
    cached.mkdir()
    (cached / "résumé.md").write_bytes(b"\xff\xfe\x00 not UTF-8")
    (cached / "Café & Co (draft).jsonl").write_text('{"title": "A", "body": "The ferry runs."}\nnot json\n',
                                                    encoding="utf-8")
    app = ChatApp(make_bot(store, KeywordEmbeddings()), Settings())
    summary, _ = app.upload([NamedString(str(cached / name)) for name in ("résumé.md", "Café & Co (draft).jsonl")])
    failed = [line.removeprefix("- ").split(": ", 1)[0] for line in unplain(summary).splitlines()[1:]]
    assert failed == ["Café & Co (draft).jsonl:2", "résumé.md"]  # in the order ingest read them


def test_uploads_are_cited_by_the_names_the_visitor_gave_them_made_safe(tmp_path, store):
    names = ["Notes.txt", "notes.txt", "..hidden.md", 'a:b*c?"d"<e>|f.txt', "é" * 150 + ".txt"]
    files = []
    for number, name in enumerate(names):
        copy = tmp_path / f"upload{number}.txt"
        copy.write_text(f"Story {number}\n\nThe ferry number {number} runs on time.", encoding="utf-8")
        files.append(SimpleNamespace(name=str(copy), orig_name=name))
    app = ChatApp(make_bot(store, KeywordEmbeddings()), Settings())
    summary, _ = app.upload(files)
    assert "5 added" in summary and "0 failed" in summary
    paths = {meta["title"]: meta["path"] for meta, _ in store.all_records().values()}
    assert paths["Story 0"] == "Notes.txt" and paths["Story 1"] == "notes (2).txt"  # one batch, one folder
    assert paths["Story 2"] == "hidden.md"  # not a hidden file ingest would leave out
    assert paths["Story 3"] == "a-b-c-d-e-f.txt"
    assert paths["Story 4"] == "é" * 100 + ".txt"  # 200 bytes


@pytest.mark.slow
def test_the_page_ingests_one_uploaded_file_twice_without_an_error(app_url):
    import httpx

    text = "Ferry notes\n\nThe ferry to Ostrak runs twice a day from July, the harbour office said."
    (path,) = httpx.post(f"{app_url}gradio_api/upload", files=[("files", ("ferry.txt", text.encode(), "text/plain"))],
                         timeout=30).json()
    upload = [{"path": path, "orig_name": "ferry.txt", "meta": {"_type": "gradio.FileData"}}]
    first, second = _call(app_url, "upload", [upload]), _call(app_url, "upload", [upload])
    assert first[0] == second[0] == "complete", (first, second)
    assert "1 added" in first[1][0] and "1 unchanged, 0 failed" in second[1][0]


@pytest.mark.slow
def test_api_values_of_the_wrong_form_are_refused_by_name_and_leave_no_traceback_in_the_log(tmp_path):
    import httpx

    url, process = start_app(tmp_path / "store")
    try:
        kind, data = _call(url, "respond", ["Who?", [{"role": "user", "content": 5}]])
        assert kind == "error" and data["error"].startswith("/respond: history is not of the form it takes (")
        assert 'it takes a list of messages, {"role": "user" or "assistant", "content": "text"}' in data["error"]
        kind, data = _call(url, "ask", [None])
        assert kind == "error" and "The question must be text" in data["error"]
        uploaded = []
        for name, text in (("scan.pdf", "%PDF-1.4"), ("ferry.txt", "Ferry notes\n\nThe ferry runs twice a day.")):
            (path,) = httpx.post(f"{url}gradio_api/upload", files=[("files", (name, text.encode(), "text/plain"))],
                                 timeout=30).json()
            uploaded.append({"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}})
        kind, data = _call(url, "upload", [uploaded])  # one file of another type refuses only that file, by name
        assert kind == "complete" and "1 added" in data[0] and "1 failed" in data[0]
        assert "scan.pdf: not an allowed file type; upload " in unplain(data[0])
    finally:
        stop(process)
    log = process.stdout.read()
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow
def test_api_clients_may_filter_by_a_source_ingested_after_the_page_was_built(app_url, app_store, tmp_path,
                                                                               real_embeddings, tokenizer):
    import time

    from bot.settings import default_embedding_model
    from bot.store import open_store
    from ingest.pipeline import Indexer, ingest

    later = tmp_path / "later"
    later.mkdir()
    (later / "gazette.txt").write_text("title: Lighthouse keeper retires\nsource: Elsewhere Gazette\n"
                                       "published: 2023-06-20\n\nThe lighthouse keeper of Port Elsewhere retired "
                                       "on Friday after forty years of service.\n", encoding="utf-8")
    indexer = Indexer(default_embedding_model(), embeddings=real_embeddings, tokenizer=tokenizer)
    assert ingest([later], open_store(app_store, None, 8000, "news"), indexer).added == 1  # as another process would
    for _ in range(40):  # the running app looks for other processes' articles every second
        kind, data = _call(app_url, "library", ["", ["Elsewhere Gazette"], None, None])
        if kind != "complete" or "Lighthouse keeper retires" in json.dumps(data):
            break
        time.sleep(0.5)
    assert kind == "complete" and "Lighthouse keeper retires" in json.dumps(data), data
    kind, data = _call(app_url, "respond", ["Who retired after forty years?", [], None, None, ["Elsewhere Gazette"]])
    assert kind == "complete" and "Lighthouse keeper retires" in data[2], data
    kind, data = _call(app_url, "library", ["", ["No Such Source"], None, None])
    assert kind == "complete" and data[4] == "no article matches"
    kind, data = _call(app_url, "library", ["", [["not", "a name"]], None, None])
    assert kind == "error" and data["error"] == "Sources must be a list of source names."


def test_exports_go_in_one_folder_the_app_owns_which_keeps_only_the_latest_few(store):
    from app import EXPORTS_KEPT

    app = ChatApp(make_bot(store, KeywordEmbeddings()), Settings())
    turns = [{"question": "Who called on Baku?", "answer": {"text": "Russia [1]", "refused": False, "citations": []}}]
    paths = [Path(app.export(turns, "json" if n % 2 else "md")) for n in range(EXPORTS_KEPT + 15)]
    (folder,) = {path.parent.parent for path in paths}  # one folder for all of them, the app's own
    assert folder.name.startswith("newsbot-export-")
    assert sorted(folder.rglob("newsbot-chat.*")) == paths[-EXPORTS_KEPT:]  # the older ones are gone
    assert paths[-1].name == "newsbot-chat.md" and "Who called on Baku?" in paths[-1].read_text(encoding="utf-8")


def test_error_toasts_show_what_the_visitor_typed_as_text_never_as_html(store):
    import gradio as gr

    app = ChatApp(make_bot(store, KeywordEmbeddings()), Settings())
    typed = "<img/src=x/onerror=alert(1)><b>bold</b><a/href=http://phish.example>link</a>"
    with pytest.raises(gr.Error) as not_a_url:
        app.add_urls(typed)
    with pytest.raises(gr.Error) as not_a_date:
        list(app.respond("Who won?", [], date_from=typed))
    for refused, echoed in ((not_a_url, typed[:80]), (not_a_date, typed[:40])):
        message = refused.value.message  # Gradio's toast renders it as HTML
        assert "<" not in message and ">" not in message
        assert repr(echoed) in html.unescape(message)  # shown to the visitor as typed


# --- the ingest summary: what failed, named as it is -------------------------------------------
HOSTILE_URL = "http://127.0.0.1:9/x`[click](http://phish.example)`&amp;<b>z</b>"


def _refused_summary(tmp_path):
    """The summary the page shows after "Add URLs" with a hostile URL (refused: it is on loopback)."""
    from bot.store import open_store

    app = ChatApp(make_bot(open_store(tmp_path / "store", None, 8000, "news"), KeywordEmbeddings()), Settings())
    return app.add_urls(HOSTILE_URL)[0]


def test_a_failed_urls_name_and_error_read_as_written_never_as_a_link_code_or_entities(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")  # a CommonMark renderer (Gradio's own is marked, in the page)

    shown = markdown_it.MarkdownIt("commonmark").render(_refused_summary(tmp_path))
    assert "<a " not in shown and "<code>" not in shown and "<b>" not in shown
    text = html.unescape(re.sub(r"<[^>]+>", "", shown))
    assert f"{HOSTILE_URL}: refused: 127.0.0.1 resolves to a loopback address" in text


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_a_failed_url_in_the_summary_is_inert_text_in_gradios_markdown_in_a_browser(tmp_path):
    import gradio as gr
    from playwright.sync_api import sync_playwright

    summary = _refused_summary(tmp_path)
    with gr.Blocks(analytics_enabled=False) as demo:
        gr.Markdown(summary, elem_id="ingest-summary")
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#ingest-summary li", timeout=60_000)
            text = page.inner_text("#ingest-summary li")
            links = page.locator("#ingest-summary a, #ingest-summary code, #ingest-summary b").count()
            browser.close()
    finally:
        demo.close()
    assert links == 0  # marked links a bare http://…; a backtick in the URL ended the code span around it
    assert text.startswith(f"{HOSTILE_URL}: refused: 127.0.0.1 resolves to a loopback address")


def test_a_feed_stops_being_followed_from_the_page(store):
    import gradio as gr

    app = ChatApp(make_bot(store, KeywordEmbeddings()), Settings())
    store.save_feed_states({"https://daily.example/feed.xml": {"kind": "feed", "title": "Daily", "result": "ok"},
                            "https://other.example/rss": {"kind": "feed", "title": "Other", "result": "ok"}})
    summary, table = app.unfollow("https://daily.example/feed.xml\nhttps://never.example/feed")
    assert unplain(summary).splitlines() == ["- no longer followed: https://daily.example/feed.xml",
                                             "- was not followed: https://never.example/feed"]
    assert [row[0] for row in table] == ["https://other.example/rss"] == [row[0] for row in app.feeds_table()]
    with pytest.raises(gr.Error, match="Paste the URLs of the feeds to stop following"):
        app.unfollow("  ")
