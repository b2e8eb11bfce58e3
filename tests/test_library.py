"""The library: what the store holds, listed, searched, shown and deleted, from the CLI and the app's handlers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from gradio import Error

from app import ChatApp, new_chat, open_chat, per_period, remember, restore
from bot.export import as_json, as_markdown
from bot.settings import Settings
from ingest.pipeline import ingest
from tests.conftest import ROOT_DIR, KeywordEmbeddings, make_bot


def _articles(folder):
    folder.mkdir()
    stories = [("Harbour bridge reopens", "Wire", "2023-06-20", "The harbour bridge reopened on Monday."),
               ("Museum <b>night</b> returns", "Gazette", "2023-06-21", "The museum opens late on Fridays again."),
               ("Ferry timetable changes", "Wire", "2023-07-02", "Ferries to Ostrak run twice a day from July.")]
    for n, (title, source, published, body) in enumerate(stories):
        (folder / f"{n}.txt").write_text(f"title: {title}\nsource: {source}\npublished: {published}\n"
                                         f"url: https://x.test/{n}\n\n{body}\n", encoding="utf-8")
    return folder


def _bot(*args, store_dir):
    return subprocess.run([sys.executable, "-m", "bot", *args, "--store", str(store_dir), "--json"], cwd=ROOT_DIR,
                          capture_output=True, text=True, timeout=300)


def test_the_cli_lists_searches_shows_and_deletes_articles(tmp_path, store, fake_indexer):
    ingest([_articles(tmp_path / "in")], store, fake_indexer)
    store_dir = tmp_path / "store"
    listed = json.loads(_bot("articles", store_dir=store_dir).stdout)
    assert listed["summary"]["articles"] == 3 and listed["summary"]["sources"] == 2
    assert [row["title"] for row in listed["articles"]][0] == "Ferry timetable changes"  # newest first
    wire = json.loads(_bot("articles", "--source", "Wire", "--search", "bridge", store_dir=store_dir).stdout)
    assert [row["article_id"] for row in wire["articles"]] == ["https://x.test/0"]
    since = json.loads(_bot("articles", "--since", "2023-06-21", store_dir=store_dir).stdout)
    assert since["total"] == 2
    swapped = _bot("articles", "--since", "2023-07-01", "--until", "2023-06-01", store_dir=store_dir)
    assert swapped.returncode == 2 and "--since 2023-07-01 is after --until 2023-06-01" in swapped.stderr
    shown = json.loads(_bot("show", "https://x.test/1", store_dir=store_dir).stdout)
    assert shown["title"] == "Museum <b>night</b> returns" and shown["body"].startswith("The museum")
    assert _bot("show", "https://x.test/9", store_dir=store_dir).returncode == 1
    deleted = _bot("delete", "https://x.test/1", "https://x.test/9", store_dir=store_dir)
    assert deleted.returncode == 1 and json.loads(deleted.stdout) == {"deleted": ["https://x.test/1"],
                                                                     "missing": ["https://x.test/9"]}
    assert json.loads(_bot("articles", store_dir=store_dir).stdout)["total"] == 2


def test_the_library_handlers_page_filter_and_ask_about_one_article(tmp_path, store, fake_indexer):
    ingest([_articles(tmp_path / "in")], store, fake_indexer)
    app = ChatApp(make_bot(store, KeywordEmbeddings()), Settings())
    counts, chart, table, ids, position, page = app.library("", ["Wire"], None, None, 0)
    assert "**2 articles**" in counts and position == "1–2 of 2" and page == 0
    assert [row[2] for row in table] == ["Ferry timetable changes", "Harbour bridge reopens"]
    assert chart.to_dict("records") == [{"period": "2023-06-20", "source": "Wire", "articles": 1},
                                        {"period": "2023-07-02", "source": "Wire", "articles": 1}]

    class Click:
        index = [1, 2]

    view, chosen = app.article_view(ids, Click())
    assert chosen == "https://x.test/0" and "harbour bridge reopened" in view
    hostile = app.article_view(app.library("museum", None, None, None, 0)[3], type("C", (), {"index": [0, 0]}))[0]
    assert "<b>night</b>" not in hostile and "&lt;b&gt;night&lt;/b&gt;" in hostile
    focus, note, _, saved, *_ = app.about("https://x.test/2", {})
    assert focus == "https://x.test/2" and "Ferry timetable changes" in note
    assert restore(saved)[3:] == (focus, note)  # a reloaded page still asks about that article only
    messages, _, _, turns = list(app.respond("When do ferries run?", [], focus=focus))[-1]
    assert {c["article_id"] for c in turns[-1]["answer"]["citations"]} <= {"https://x.test/2"}
    saved, _ = remember(saved, messages, turns)
    other, *_ = new_chat(saved)
    assert restore(other)[3:] == ("", "")
    assert open_chat(other, saved["current"])[4:] == (focus, note)  # and so does the conversation reopened
    message, shown, chosen = app.delete_article("https://x.test/2")
    assert message == "Deleted. The store now holds 2 articles." and "Ferry" not in shown and chosen == ""
    assert app.library()[4] == "1–2 of 2"
    assert app.library("", ["Wire"], None, None, 0)[0].startswith("**1 article** · 1 chunk · 1 source · ")
    assert app.library("no such words", None, None, None, 0)[0] == "**0 articles**"  # no "last ingest never"
    with pytest.raises(Error, match="swap the two dates"):
        app.library("", None, "2023-07-01", "2023-06-01", 0)


def test_charts_count_by_day_week_or_month_and_keep_the_largest_sources_apart():
    days = [("2023-01-02", "A", 1), ("2023-01-03", "B", 2), ("2023-01-09", "A", 1)]
    assert per_period(days) == [("2023-01-02", "A", 1), ("2023-01-03", "B", 2), ("2023-01-09", "A", 1)]
    long = [("2022-01-03", "A", 1), ("2022-01-20", "A", 2), ("2023-05-01", "C", 1)]
    assert per_period(long) == [("2022-01", "A", 3), ("2023-05", "C", 1)]
    many = [("2023-01-01", f"S{n}", 10 - n) for n in range(10)]
    assert {source for _, source, _ in per_period(many, colours=3)} == {"S0", "S1", "S2", "other"}


def test_an_export_holds_each_answer_with_its_verified_quotes():
    turns = [{"question": "Who called on Baku?", "answer": {
        "text": "Russia [1]", "refused": False, "short": {"text": "Russia", "n": 1, "start": 0, "end": 6},
        "citations": [{"n": 1, "title": "Russia Urges Baku", "source": "Asbarez", "published": "2023-06-23",
                       "url": "https://asbarez.com/x", "quote": "Russia on Wednesday called on Baku.", "start": 0,
                       "end": 35, "article_id": "a", "path": "a.txt"}]}}]
    markdown = as_markdown(turns, "Baku")
    assert "## 1. Who called on Baku?" in markdown and "**Russia**" in markdown
    assert "> Russia on Wednesday called on Baku." in markdown and "<https://asbarez.com/x>" in markdown
    assert json.loads(as_json(turns))["turns"][0]["answer"]["citations"][0]["quote"] == \
        "Russia on Wednesday called on Baku."
