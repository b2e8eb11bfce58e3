"""Hostile and odd inputs: nothing hangs, nothing explodes, one bad article never costs another.

Each case is a folder holding one hostile file beside good ones, ingested by a
real process (``tests/fake_ingest.py``: the product's reading, parsing and
chunking with the real tokenizer; only the embedding model is the fast fake)
that must finish within a time limit and under a memory limit. The good
articles are always in the store afterwards, and the hostile one is either read
sensibly or reported with a reason naming it. Limits are hang and bomb guards
(minutes and a gigabyte against the seconds and megabytes these take), not
speed targets: quadratic code on these inputs takes hours.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT_DIR

SECONDS = 120  # each case finishes in a few seconds; a quadratic step would take hours
PEAK_MB = 900  # the process itself (tokenizer, Chroma) is about 350 MB


def _yaml_bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    return "---\n" + "\n".join(lines) + "\ntitle: *i\n---\nThe body of the bomb.\n"


CASES = {
    # name: (file name, bytes, what is true afterwards: "ingested" or a phrase of its error)
    "a 200 kB line of dots": ("dots.txt", b"Dots\n\n" + b"." * 200_000 + b"\nOne real sentence ends it.", "ingested"),
    "only dots": ("only-dots.txt", b"Dots\n\n" + b"." * 200_000, "no words to index"),
    "a byline with 20,000 inner spaces": (
        "byline.txt", b"Title\nBy Someone" + b" " * 20_000 + b"Else | 23 June 2023\nThe body text.",
        "ingested"),
    "a YAML alias bomb in front matter": ("bomb.md", _yaml_bomb().encode(), "anchors or aliases"),
    "front matter nested 5,000 deep": (
        "deep.md", ("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n").encode(), "nests deeper"),
    "a feed line nested 100,000 deep": (
        "deep.jsonl", ("[" * 100_000 + "]" * 100_000 + "\n").encode(), "nests too deeply"),
    "300,000 non-JSON lines in 632 bytes": (  # read no further than line 1,000 (10,000,000 lines had taken 70 s)
        "junk.jsonl.gz", gzip.compress(b"x\n" * 300_000, compresslevel=9), "stopped reading at line 1,000"),
    "a feed of blank lines": ("blank.jsonl", b"\n \n\t\r\n", "feed is empty (3 blank lines)"),
    "a lone surrogate in a feed line": (
        "surrogate.jsonl", b'{"title": "T", "url": "https://x.test/s", "body": "bad \\ud800 text here."}\n',
        "ingested"),
    "a one-megabyte title": ("title.txt", b"title: " + b"T" * 1_000_000 + b"\n\nA body.", "ingested"),
    "a windows-1252 page": (
        "cp1252.html", '<html><head><meta charset="windows-1252"><title>Caf\xe9 news</title></head><body><article>'
        '<p>The caf\xe9 on the corner reopened on Monday after a year of repairs, its owner said.</p>'
        '<p>Customers queued from seven in the morning for the first coffee in a year.</p></article></body>'
        '</html>'.encode("cp1252"), "ingested"),
    "front matter that is never closed": ("open.md", b"---\ntitle: Open\n\nThe body never ends the front matter.\n",
                                          "is never closed"),
    "an impossible date in front matter": ("date.md", b"---\ntitle: X\ndate: 2023-02-30\n---\nA body.\n", "ingested"),
    "front matter with a 5,000-digit number": ("digits.md", b"---\ntitle: X\nid: " + b"9" * 5000 + b"\n---\nBody.\n",
                                               "not valid YAML"),
    "a web archive of 200,000 empty parts": (  # 5.4 million in 49 MB had taken the MIME parser 2 GB and a minute
        "parts.mhtml", b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/html\r\n\r\n<html><body><p>The page of the archive.</p></body></html>\r\n"
        + b"--B\r\n\r\n\r\n" * 200_000 + b"--B--\r\n", "far more than a page saved by a browser"),
    "UTF-32 text": ("utf32.txt", "Title\n\nThe body.".encode("utf-32"), "iconv -f utf-32"),  # had said utf-16
    "terminal escapes and control characters in a feed line": (  # printed as they were, they clear the screen
        "escapes.jsonl", json.dumps({"title": "\x1b]0;owned\x07Escaped\x1b[2J title", "url": "https://x.test/e",
                                     "body": "First\x00 line\x1b[31m red\x1b[0m.\r\nSecond\x0cThird\x85Fourth."
                                     }).encode() + b"\n", "ingested"),
    "50 feed lines without url or id": (
        "anonymous.jsonl",
        "\n".join(json.dumps({"body": f"Line {n} tells its own story."}) for n in range(50)).encode(), "ingested"),
}


def _ingest(store_dir: Path, folder: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "tests.fake_ingest", str(store_dir), str(folder)], cwd=ROOT_DIR,
                            capture_output=True, text=True, timeout=SECONDS)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_file_fails_alone_in_bounded_time_and_memory(tmp_path, case):
    name, data, outcome = CASES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_bytes(data)
    for n in range(3):
        (folder / f"good{n}.txt").write_text(f"Good {n}\n\nA good body number {n} that must survive.", encoding="utf-8")
    result = _ingest(tmp_path / "store", folder)
    report = result["report"]
    assert result["peak_rss_mb"] < PEAK_MB
    mine = [f for f in report["failed"] if Path(f["path"].split(":")[0]).name == name]
    assert len(report["failed"]) == len(mine), report["failed"]  # the good files never fail
    if outcome == "ingested":
        assert mine == [] and report["added"] >= 4
    else:
        assert report["added"] == 3 and any(outcome in f["error"] for f in mine), mine
        assert len(mine) <= 22  # the first 20 bad lines, one line counting the rest, and why reading stopped
    assert all("Traceback" not in f["error"] for f in report["failed"])


def test_what_the_odd_inputs_become(tmp_path):
    from bot.store import open_store

    folder = tmp_path / "in"
    folder.mkdir()
    for case in ("a lone surrogate in a feed line", "a one-megabyte title", "a windows-1252 page",
                 "50 feed lines without url or id", "terminal escapes and control characters in a feed line"):
        name, data, _ = CASES[case]
        (folder / name).write_bytes(data)
    report = _ingest(tmp_path / "store", folder)["report"]
    assert report["added"] == 54 and report["failed"] == []
    store = open_store(tmp_path / "store", None, 8000, "news")
    records = store.all_records(with_bodies=True)
    assert records["https://x.test/s"][1] == "bad \ufffd text here."
    meta, body = records["https://x.test/e"]  # control characters out, every line break a "\n"
    assert (meta["title"], body) == ("]0;ownedEscaped title", "First line red.\nSecond\nThird\nFourth.")
    titles = [meta["title"] for meta, _ in records.values()]
    assert max(len(title) for title in titles) == 300 and "Café news" in titles
    assert any("café on the corner" in body for _, body in records.values())
    assert any("cut to 300" in note["note"] for note in report["notes"])
    # vectors=False: the fake embedder gives the 50 one-line stories exactly equidistant vectors, and HNSW
    # leaves some such points unreachable (real embeddings are never that tied)
    assert store.check(vectors=False) == []


def test_mislabelled_and_unusual_files_are_read_as_meant(tmp_path):
    from bot.store import open_store

    folder = tmp_path / "in"
    folder.mkdir()
    line = json.dumps({"title": "Feed story", "url": "https://x.test/{}", "body": "A story told in a feed."})
    (folder / "plain.jsonl.gz").write_text(line.replace("{}", "plain") + "\n")  # not compressed at all
    (folder / "zipped.jsonl").write_bytes(gzip.compress(line.replace("{}", "zipped").encode()))
    (folder / "hugo.md").write_text('+++\ntitle = "A Hugo post"\ndate = 2023-06-20\n+++\nThe body of the post.\n')
    (folder / "dots.md").write_text("---\ntitle: Closed by dots\n...\nThe body after the dots.\n")
    (folder / "tags.txt").write_text("title: Tagged\ntags: politics, harbour\npublished: 2023-06-21\n\nThe body.\n")
    (folder / "date.md").write_bytes(CASES["an impossible date in front matter"][1])
    (folder / "yaml.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("Latin-1 name\n\nA body under a name that is not UTF-8.\n")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    page = ("<html><head><title>{}</title></head><body><article><p>The minister\u2019s plan was \u201cready\u201d "
            "\u2013 and would cost \u20ac5 million, officials said on Monday in the capital.</p></article></body>"
            "</html>")
    (folder / "legacy.html").write_bytes(page.format("Legacy page").encode("cp1252"))  # no charset declared
    (folder / "utf16.html").write_bytes(page.format("UTF-16 page").encode("utf-16"))  # with its byte order mark
    (folder / "stray.html").write_bytes(page.format("Stray byte").encode("utf-8").replace(b"Monday", b"Mon\xe9day"))
    report = _ingest(tmp_path / "store", folder)["report"]
    failed = {Path(f["path"]).name: f["error"] for f in report["failed"]}
    assert failed.keys() == {"caf\\xe9.txt", "yaml.md"} and report["added"] == 9, report
    assert failed["caf\\xe9.txt"].startswith("file name is not valid UTF-8; rename the file")
    assert "\n" not in failed["yaml.md"] and failed["yaml.md"].startswith("front matter is not valid YAML")
    records = open_store(tmp_path / "store", None, 8000, "news").all_records()
    found = {meta["title"]: meta["published"] for meta, _ in records.values()}
    assert found.items() >= {"Feed story": "", "A Hugo post": "2023-06-20", "Closed by dots": "",
                             "Tagged": "2023-06-21", "X": ""}.items() and len(records) == 9
    pages = {meta["title"]: body for meta, body in open_store(tmp_path / "store", None, 8000, "news").all_records(
        with_bodies=True).values() if meta["title"].endswith(("page", "byte"))}
    assert all("minister\u2019s plan was \u201cready\u201d \u2013 and would cost \u20ac5" in body
               for body in pages.values()) and len(pages) == 3, pages
    assert "Mon\ufffdday" in pages["Stray byte"]  # one stray byte in a UTF-8 page costs one character
    notes = " ".join(note["note"] for note in report["notes"])
    assert "'2023-02-30'" in notes and "('tags') is not stored" in notes
    assert "skipped 1 file of a type ingest does not read (1 .pdf)" in notes


# --- every regular expression is linear --------------------------------------------------------
_AUDIT = r"""
import sys, time
from app import highlighted_paragraph, safe_url, _display_name
from bot import citations, dates, lexical, llm, quotes, render, requests, text
from bot.types import Passage
from ingest import parse

n = int(sys.argv[1])
runs = {name: (ch * n) for name, ch in [
    ("dots", "."), ("spaces", " "), ("letters", "a"), ("capitals", "A. "), ("brackets", "["),
    ("markers", "[1]"), ("quotes", '"'), ("low quotes", "„"), ("angles", "<"), ("newlines", "\n"),
    ("digits", "1"), ("dot space", ". "), ("tabs", "\t"), ("ellipses", "…"), ("hashes", "#"), ("stars", "*"),
    ("colon", ":"), ("dashes", "-"), ("mixed", "a. [1] \"x\" <b> "), ("by", "By "), ("url", "http://"),
]}
runs |= {name + " + x": run + "x" for name, run in list(runs.items())}
passage = Passage(1, "a", "t", "s", "", "", "", "some text here.", 0, 15, body="some text here.")
checks = {
    "sentence_spans": text.sentence_spans, "content_words": text.content_words,
    "keyword terms": lexical.terms, "byline": parse.byline,
    "dates.window": lambda t: dates.window(t, __import__("datetime").date(2023, 6, 1)),
    "parse_txt": lambda t: parse.parse_txt("T\n\n" + t + " end", "x", "x", "x"),
    "parse_markdown": lambda t: parse.parse_markdown("---\ntitle: " + t[:5000] + "\n---\n# " + t + "\nbody", "x",
                                                     "x", "x"),
    "parse_date": lambda t: parse.parse_date(t, "x"),
    "citations.extract": citations.extract, "citations.is_refusal": citations.is_refusal,
    "citations.check": lambda t: citations.check(t, [passage], {"a": "some text here."}),
    "locate_quote": lambda t: quotes.locate_quote("some text here. " + t, t[:500] + " text"),
    "strip_links": lambda t: render.strip_links(t, set()), "format_passages": lambda t: llm.format_passages(
        [Passage(1, "a", "t", "s", "", "", "", t, 0, len(t))]),
    "safe_url": safe_url, "display name": _display_name,
    "highlight": lambda t: highlighted_paragraph(t, 0, len(t) // 2),
    "request question": lambda t: requests.question_text(t[:2000]),
}
for check, fn in checks.items():
    for name, run in runs.items():
        started = time.perf_counter()
        try:
            fn(run)
        except Exception:
            pass
        took = time.perf_counter() - started
        print(f"{check}\t{name}\t{took:.4f}", flush=True)
"""


def test_no_text_step_backtracks_super_linearly_on_adversarial_input():
    """Every parsing and matching step on 100,000-character runs of one character (or a short pattern), with and
    without a mismatching end: each finishes in well under the limit (a quadratic one would take many minutes)."""
    result = subprocess.run([sys.executable, "-c", _AUDIT, "100000"], cwd=ROOT_DIR, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split("\t") for line in result.stdout.splitlines() if line.count("\t") == 2]
    assert len(rows) > 600
    slow = [(check, name, float(took)) for check, name, took in rows if float(took) > 10.0]
    assert slow == []


def test_a_feed_line_that_fails_oddly_costs_only_that_line(tmp_path):
    """A line Python's JSON reader refuses with a ValueError of its own (a 5,000-digit number) is that line's
    error; the feed's other lines are still read (it had failed the whole feed, unnamed)."""
    folder = tmp_path / "in"
    folder.mkdir()
    good = [json.dumps({"title": f"Story {n}", "url": f"https://x.test/{n}", "body": f"Story {n} is told."})
            for n in range(2)]
    (folder / "feed.jsonl").write_text("\n".join([good[0], '{"body": "x", "published": ' + "9" * 5000 + "}",
                                                  '{"body": "y", "id": ' + "9" * 5000 + "}", good[1]]) + "\n")
    report = _ingest(tmp_path / "store", folder)["report"]
    assert report["added"] == 2, report
    assert [(f["path"], f["error"]) for f in report["failed"]] == [
        (f"{folder / 'feed.jsonl'}:{n}", "holds a number too long to read (over 4,300 digits); fix or remove the line")
        for n in (2, 3)]


def test_a_feed_without_line_breaks_or_of_blank_lines_is_read_in_bounded_time(tmp_path):
    """A sparse terabyte of zeros named .jsonl (one line, never ending) is read no further than
    NEWSBOT_MAX_FEED_MB (the rest of an overlong line had been read to its end: forever); 300 million blank
    lines gzipped into 300 kB are counted in seconds (a loop per line had taken minutes), and said to be empty."""
    folder = tmp_path / "in"
    folder.mkdir()
    with open(folder / "zeros.jsonl", "wb") as sparse:
        try:
            sparse.truncate(10**12)
        except OSError:
            pytest.skip("this file system holds no sparse terabyte")
    with gzip.open(folder / "blank.jsonl.gz", "wb", compresslevel=9) as blank:
        for _ in range(300):
            blank.write(b"\n" * 1_000_000)
    (folder / "good.txt").write_text("Good\n\nA good body that must survive.", encoding="utf-8")
    report = _ingest(tmp_path / "store", folder)["report"]
    failed = {(Path(f["path"]).name, f["error"].split(";")[0]) for f in report["failed"]}
    assert report["added"] == 1 and failed == {
        ("zeros.jsonl:1", "line is over the 5 MB limit"),
        ("zeros.jsonl", "feed is larger than 500 MB once decompressed (stopped at line 1)"),
        ("blank.jsonl.gz", "feed is empty (300,000,000 blank lines)")}, report["failed"]


def test_a_feed_repeating_one_article_keeps_a_few_notes_not_one_per_line(tmp_path):
    """300,000 lines repeating one article (1 kB gzipped): 20 notes, then how many more; a note per line had
    grown the report (and memory, and stderr) without bound: 2 million such lines in 50 kB took 380 MB more."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "same.jsonl.gz").write_bytes(gzip.compress(b'{"body": "The same story."}\n' * 300_000, 9))
    report = _ingest(tmp_path / "store", folder)["report"]
    notes = [note["note"] for note in report["notes"]]
    assert report["added"] == 1 and report["failed"] == [] and len(notes) == 21, notes[:3]
    assert notes[-1] == "and 299,979 more like these (the first 20 are listed)"


def test_a_file_is_read_no_further_than_the_limit_whatever_size_it_claims(tmp_path):
    """The size limit holds for the bytes read, not for the size the file gave a moment before: a file that
    grows between the two (or a link to a /proc file, which says it holds 0 bytes) had been read whole."""
    from ingest.sources import read_origin

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "status.txt").symlink_to("/proc/self/status")  # over 100 bytes, st_size 0
    (folder / "good.txt").write_text("Good\n\nA good body.", encoding="utf-8")
    origin = read_origin(folder, max_file_bytes=100, max_feed_bytes=1000)
    assert [article.path for article in origin.articles] == ["good.txt"]
    [error] = origin.errors
    assert error.where.endswith("status.txt") and "MB or more, over the 0.0001 MB limit" in error.problem


def test_a_named_pipe_put_in_a_files_place_after_the_listing_fails_at_once(tmp_path):
    """Reading opens without blocking and looks at what it opened: a file replaced by a named pipe between the
    look and the read (or after the folder was listed) fails by name instead of waiting for a writer."""
    pipe = tmp_path / "story.txt"
    os.mkfifo(pipe)
    code = ("import sys; from pathlib import Path; from bot.errors import ArticleError; "
            "from ingest.sources import _read_capped\n"
            "try:\n    _read_capped(Path(sys.argv[1]), 1000)\nexcept ArticleError as error:\n    print(error.problem)")
    result = subprocess.run([sys.executable, "-c", code, str(pipe)], cwd=ROOT_DIR, capture_output=True, text=True,
                            timeout=SECONDS)
    assert result.stdout.startswith("is a named pipe, not a file"), result


def test_a_file_deleted_after_the_listing_is_deleted_with_a_note_not_a_failure(tmp_path, store, fake_indexer,
                                                                                monkeypatch):
    """A file (an article or a feed) deleted between the folder's listing and its reading is what it would have
    been, deleted a moment earlier: left out with a note saying so, and what it gave pruned. It had failed the
    run by name ("No such file or directory; check its permissions"), its article kept."""
    from ingest import pipeline, sources
    from ingest.sources import Limits, read, scan

    news = tmp_path / "news"  # beside the store's files
    news.mkdir()
    (news / "story.txt").write_text("Story\n\nIts body.", encoding="utf-8")
    (news / "feed.jsonl").write_text('{"title": "Line", "body": "A line."}\n', encoding="utf-8")
    (news / "kept.txt").write_text("Kept\n\nStays.", encoding="utf-8")
    origin = scan(news)
    for name in ("story.txt", "feed.jsonl"):
        (news / name).unlink()
    items = list(read(origin, Limits()))
    gone = "was deleted or moved after the folder was listed: left out, as deleted"
    assert [(Path(item.where).name, item.message) for item in items if isinstance(item, sources.Note)] == [
        ("feed.jsonl", gone), ("story.txt", gone)]
    assert [item.title for item in items if not isinstance(item, sources.Note)] == ["Kept"]
    assert origin.failed_paths == set()

    for name in ("story.txt", "feed.jsonl"):  # through a whole run: the article is pruned, the run succeeds
        (news / name).write_text('{"title": "Line", "body": "A line."}\n' if name == "feed.jsonl"
                                     else "Story\n\nIts body.", encoding="utf-8")
    assert pipeline.ingest([news], store, fake_indexer).added == 3
    listed = sources.scan

    def deleted_after_the_listing(path, *args, **kwargs):
        found = listed(path, *args, **kwargs)
        (news / "story.txt").unlink()
        return found

    monkeypatch.setattr(pipeline, "scan", deleted_after_the_listing)
    report = pipeline.ingest([news], store, fake_indexer)
    assert (report.deleted, report.unchanged, report.failed) == (1, 2, [])
    assert sorted(meta["title"] for meta, _ in store.all_records().values()) == ["Kept", "Line"]


def test_a_utf32_page_with_its_byte_order_mark_keeps_every_character(tmp_path):
    """A page in UTF-32 with its byte order mark is read as UTF-32; it had been read as UTF-16 (the mark's first
    two bytes), and every character past U+FFFF lost (the title "\U0001f600 news" had become "news")."""
    from ingest.sources import read_origin

    (tmp_path / "utf32.html").write_bytes(
        "<html><head><title>\U0001f600 news</title></head><body><p>The caf\xe9 reopened on Monday after a year of "
        "repairs, its owner said.</p></body></html>".encode("utf-32"))
    [article] = read_origin(tmp_path, max_file_bytes=10**6, max_feed_bytes=10**6).articles
    assert (article.title, article.body) == ("\U0001f600 news", "The caf\xe9 reopened on Monday after a year of "
                                                                "repairs, its owner said.")


_READ_A_SLOW_PAGE = """
import multiprocessing, sys, threading, time
from ingest import parse

def child_started():
    while not multiprocessing.active_children():
        time.sleep(0.01)
    print(multiprocessing.active_children()[0].pid, flush=True)

threading.Thread(target=child_started, daemon=True).start()
# a big page is read in a forked child (ingest.parse.read_page); this one takes trafilatura minutes
parse.read_page("<html><body><article><p>" + "".join(f"<span>w{i}</span> " for i in range(60_000)) + "</p>"
                "</article></body></html>", "slow.html", "https://example.com/slow.html")
"""


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie, dead but not yet reaped by whoever adopted it, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_child_reading_a_page_dies_with_an_ingest_killed_meanwhile(tmp_path):
    """kill -9 an ingest while a forked child reads a slow page: the child goes too; it had read on, orphaned,
    for minutes (its parent's timeout died with the parent)."""
    import signal
    import time

    reader = subprocess.Popen([sys.executable, "-c", _READ_A_SLOW_PAGE], cwd=ROOT_DIR, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(reader.stdout.readline())
        time.sleep(0.5)  # into the reading
        assert _running(child)
        reader.kill()
        reader.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(child)
    finally:
        reader.kill()
        reader.wait()
        if child is not None and _running(child):
            os.kill(child, signal.SIGKILL)
