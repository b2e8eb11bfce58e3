"""Reliability: crashes lose nothing, malformed input at volume fails alone, login guards page and API.

The kill test SIGKILLs a real ingest process at 20 random moments (first
ingest, then a re-ingest of changed articles), re-runs it each time, and checks
the store: every article once, all its chunks, no chunk without its record, no
record without its chunks, and the keyword index in step.
"""

from __future__ import annotations

import gzip
import json
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunk import Chunker
from ingest.pipeline import ingest
from ingest.sources import read_origin
from tests.conftest import EVAL_ARTICLES, ROOT_DIR, start_app, stop

MB = 1_000_000


_READ_STORE = """
import json, sys
from pathlib import Path
from bot.store import open_store
store = open_store(Path(sys.argv[1]), None, 8000, "news")
bodies = {article_id: body for article_id, (_, body) in store.all_records(with_bodies=True).items()}
print(json.dumps({"bodies": bodies, "problems": store.check()}))
store.close()
"""


def _consistent(store_dir, expected_articles: dict[str, str]) -> None:
    """The store holds exactly these articles (id -> body), each ready with all its chunks, nothing else, as
    a process of its own finds it (what a reader that starts after the crash sees)."""
    result = subprocess.run([sys.executable, "-c", _READ_STORE, str(store_dir)], cwd=ROOT_DIR, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["bodies"] == expected_articles
    assert found["problems"] == []


def _articles(folder, version: int, count: int = 40) -> dict[str, str]:
    bodies = {}
    for n in range(count):
        sentences = (f"Story {n} version {version} sentence {s} about the harbour and the bridge." for s in range(12))
        body = "\n".join(sentences)
        (folder / f"a{n:02d}.txt").write_text(f"Story {n}\n\n{body}", encoding="utf-8")
        bodies[str((folder / f"a{n:02d}.txt").resolve())] = body
    return bodies


def _run(folder, store_dir, kill_after: float | None) -> bool:
    """Run the ingest process; SIGKILL it ``kill_after`` seconds after it started working. True if killed."""
    process = subprocess.Popen([sys.executable, "-m", "tests.crash_ingest", str(folder), str(store_dir)],
                               cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout.readline().strip() == "started"
    if kill_after is None:
        assert process.wait(timeout=300) == 0
        return False
    time.sleep(kill_after)
    killed = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return killed


@pytest.mark.slow
def test_sigkill_at_twenty_random_moments_loses_nothing(tmp_path):
    folder, store_dir = tmp_path / "articles", tmp_path / "store"
    folder.mkdir()
    rng = random.Random(7)
    killed = 0
    for round_number in range(20):
        version = round_number // 2  # every other round changes every article: a re-ingest of changed ones
        expected = _articles(folder, version)
        if round_number % 5 == 4:
            (folder / "a39.txt").unlink()  # and sometimes one is deleted, to be pruned
            expected.pop(str((folder / "a39.txt").resolve()))
        killed += _run(folder, store_dir, kill_after=rng.uniform(0.0, 2.5))
        _run(folder, store_dir, kill_after=None)
        _consistent(store_dir, expected)
    assert killed >= 10, "most kills should land while the ingest is still working"


# --- malformed input at volume ---------------------------------------------------------
_RUNS = st.builds(  # long runs of one character (or a short pattern): what quadratic matching chokes on
    lambda piece, n, prefix, suffix: (prefix + piece * n + suffix).encode("utf-8"),
    st.sampled_from([".", " ", "a", "A. ", "[", "[1]", "„", "«", "<", "<a", "\n", "*", "#", "-", "\t", "By ", ". ",
                     "\"", "…", "http://"]),
    st.integers(1_000, 30_000),
    st.sampled_from(["", "Title\n\n", "Title\nBy ", "---\ntitle: ", "title: T\n\n"]),
    st.sampled_from(["", "x", "\nend.", " |2023"]),
)
_NESTED = st.builds(lambda open_, n: (open_ * n).encode(), st.sampled_from(["[", "{\"a\":", "- ", "<div>"]),
                    st.integers(100, 20_000))
_YAML = st.sampled_from([
    b"---\na: &a [x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\ntitle: *c\n---\nBody.",  # aliases
    b"---\ntitle: !!python/object/apply:os.system ['true']\n---\nBody.",  # an unsafe tag
    b"---\ntitle: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n---\nBody.",
    b"---\ntitle:\n  - a\n  - b\nsource: {x: 1}\n---\nBody.",  # fields that are not text
])
_SURROGATES = st.sampled_from([
    b'{"title": "\\ud800", "body": "x \\udfff y"}', b'{"body": "\\ud83d\\ude00 ok"}', b'"\\ud800"',
])
_JUNK = st.one_of(
    st.binary(min_size=0, max_size=2000),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"", b"   \n\t ", b"\xff\xfe\xfa", "caf\xe9".encode("latin-1") * 50, b"\x00" * 100,
                     b"<html><body><div><div><div>" * 500, b"<script>alert(1)</script>" * 20,
                     b"title: x\n" * 50]),
    _RUNS, _NESTED, _YAML, _SURROGATES,
)
_NAMES = st.sampled_from(["a.txt", "b.md", "c.html", "d.jsonl", "e.htm", "f.markdown"])


def _feed_lines() -> st.SearchStrategy[bytes]:
    value = st.one_of(
        st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=50),
        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    )
    record = st.fixed_dictionaries({}, optional={k: value for k in ("title", "source", "published", "url", "body")})
    return st.lists(st.one_of(record.map(json.dumps), st.text(max_size=80)), min_size=1, max_size=6).map(
        lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
    )


@settings(max_examples=220, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=_JUNK, name=_NAMES, feed=_feed_lines())
def test_malformed_inputs_fail_alone_with_a_clear_error(tmp_path_factory, tokenizer, junk, name, feed):
    folder = tmp_path_factory.mktemp("junk")
    (folder / name).write_bytes(junk)
    (folder / "feed.jsonl").write_bytes(feed)
    (folder / "good.txt").write_text("A good title\n\nA good body that must survive.", encoding="utf-8")
    origin = read_origin(folder, MB, 5 * MB)
    assert "good.txt" in [article.path for article in origin.articles]
    for error in origin.errors:
        assert error.where.startswith(str(folder)) and error.problem and "Traceback" not in error.problem
    chunker = Chunker(*tokenizer)
    for article in origin.articles:  # what was read is chunked too: sentence splitting sees the same text
        article.content_hash()
        assert all(article.body[c.start : c.end] == c.text for c in chunker.chunks(article))


@pytest.mark.parametrize("name", ["a\x07b\x1b[31m.txt", "x" * 240 + ".txt", "-- --rm -rf.txt", "ü ß 中文.txt"])
def test_odd_file_names_in_a_folder_are_read_as_relative_paths(tmp_path, name):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_text("Title\n\nBody.", encoding="utf-8")
    origin = read_origin(folder, MB, MB)
    assert [a.path for a in origin.articles] == [name]


def test_a_gzip_bomb_stops_at_the_cap_without_exhausting_memory(tmp_path):
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:
        line = (json.dumps({"title": "t", "body": "x" * 900_000}) + "\n").encode()
        for _ in range(400):  # ~360 MB inflated, a few hundred KB on disk
            out.write(line)
    assert bomb.stat().st_size < 2 * MB
    origin = read_origin(bomb, MB, max_feed_bytes=20 * MB)
    assert len(origin.articles) < 30
    assert "once decompressed" in origin.errors[-1].problem


def test_ingest_of_broken_and_good_files_together_keeps_the_good(tmp_path, store, fake_indexer):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(5):
        (folder / f"good{n}.txt").write_text(f"Good {n}\n\nBody {n}.", encoding="utf-8")
    (folder / "bad.jsonl").write_bytes(b'{"title": 1}\nnot json\n')
    report = ingest([folder], store, fake_indexer)
    assert report.added == 5 and len(report.failed) == 2


# --- login ---------------------------------------------------------------------------
@pytest.mark.slow
def test_with_login_enabled_the_page_and_the_api_refuse_strangers(tmp_path):
    if not EVAL_ARTICLES.exists():
        pytest.skip("shared eval set missing")
    url, process = start_app(tmp_path / "store", env={"NEWSBOT_UI_USERNAME": "ana", "NEWSBOT_UI_PASSWORD": "s3cret"})
    try:
        for path in ("config", "gradio_api/info"):  # the page's contents and the API description
            with pytest.raises(urllib.error.HTTPError) as hidden:
                urllib.request.urlopen(url + path, timeout=30)
            assert hidden.value.code == 401
        request = urllib.request.Request(
            url + "gradio_api/call/ask", data=json.dumps({"data": ["Who?", [], "", 0]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code in (401, 403)
        import httpx

        with httpx.Client(base_url=url, timeout=120) as browser:
            for attempt in range(4):  # refused each time, and from the fourth on only after a wait
                assert browser.post("login", data={"username": "ana", "password": f"guess{attempt}"}).status_code == 400
            assert browser.post("login", data={"username": "ana", "password": "s3cret"}).status_code == 200
            page = browser.get("config")
            assert page.status_code == 200 and "Ask the news articles" in page.text
            assert str(tmp_path / "store") not in page.text  # visitors are not told where the store lives
        from gradio_client import Client

        client = Client(url, auth=("ana", "s3cret"), verbose=False)
        answer = json.loads(client.predict("Who called on Baku to unblock the Lachin Corridor?", [], "", 0,
                                           api_name="/ask"))
        assert not answer["refused"]
    finally:
        stop(process)
