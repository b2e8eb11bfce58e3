"""A living store: other processes' writes reach a running reader at once, and writers never collide.

Real processes throughout: `python app.py` and `python -m ingest` as subprocesses,
real Chroma (a folder, or `chroma run` on 127.0.0.1), the real embedding model
where retrieval quality matters. Every test ends with ``Store.check()``: every
record ready with exactly its chunks, no chunk of another version or without a
record, spans exact, the keyword index equal to Chroma's chunks, every chunk's
own vector found by a dense query.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.lexical import LexicalIndex
from bot.retrieve import Retriever
from bot.store import open_store
from bot.text import content_words
from tests.conftest import ROOT_DIR, SAMPLES, KeywordEmbeddings, start_app, stop

#: An article about invented names, and a question that shares none of its content words: only the
#: dense (embedding) side of retrieval can find it.
NEW_BODY = ("Doctors at the Zorblat clinic in Quenvaria say eating blueberries every day lowers blood pressure. "
            "The Quenvarian study followed 400 adults for two years.")
PARAPHRASE = "Which fruit do physicians claim reduces hypertension when consumed daily?"
OTHER_BODY = "The Vellmar ferry from Dorrun to Ostrak will run twice a day from next spring, its operator said."


def _article(folder: Path, name: str, title: str, body: str, url: str = "") -> Path:
    path = folder / name
    header = f"title: {title}\nsource: Quenvaria Wire\npublished: 2023-06-22\n" + (f"url: {url}\n" if url else "")
    path.write_text(f"{header}\n{body}\n", encoding="utf-8")
    return path


def _ingest(*args: str, env: dict[str, str] | None = None, wait: bool = True):
    command = [sys.executable, "-m", "ingest", *args, "--json"]
    process = subprocess.Popen(command, cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    if not wait:
        return process
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _finish(process) -> tuple[dict, str]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1]), err


def _ask(client, question: str) -> dict:
    return json.loads(client.predict(question, [], "2023-06-25", 0, api_name="/ask"))


def _until(condition, seconds: float = 60.0, every: float = 0.25):
    """Poll ``condition()`` until it returns something truthy; (value, seconds it took)."""
    started = time.monotonic()
    while True:
        value = condition()
        if value or time.monotonic() - started > seconds:
            return value, time.monotonic() - started
        time.sleep(every)


def _cites(answer: dict, url: str) -> bool:
    return any(c["url"] == url for c in answer["citations"])


def _follow_an_ingest_then_a_prune(client, folder: Path, ingest_args: list[str]) -> float:
    """Add two invented articles with another process; the running app answers from one; prune it; it stops."""
    assert not content_words(NEW_BODY) & content_words(PARAPHRASE)
    url = "https://quenvaria.example/blueberries"
    assert not _cites(_ask(client, PARAPHRASE), url)
    _article(folder, "blueberries.txt", "Daily berries and the heart", NEW_BODY, url)
    _article(folder, "ferry.txt", "A new ferry line", OTHER_BODY, "https://quenvaria.example/ferry")
    added = _ingest(str(folder), *ingest_args)
    assert added["added"] == 2
    answer, delay = _until(lambda: (a := _ask(client, PARAPHRASE)) and _cites(a, url) and a)
    assert answer, "the running app never answered from the article another process added"
    assert any("blueberries" in c["quote"] for c in answer["citations"])
    (folder / "blueberries.txt").unlink()
    assert _ingest(str(folder), *ingest_args)["deleted"] == 1
    gone, _ = _until(lambda: not _cites(_ask(client, PARAPHRASE), url))
    assert gone, "the running app still cites an article another process pruned"
    return delay


@pytest.mark.slow
def test_a_running_app_answers_from_an_article_another_process_adds_and_stops_after_a_prune(tmp_path):
    from gradio_client import Client

    store_dir, folder = tmp_path / "store", tmp_path / "articles"
    folder.mkdir()
    url, app = start_app(store_dir, env={"NEWSBOT_MIN_SCORE": "0.3"})  # the gate is not what is tested here
    try:
        client = Client(url, verbose=False)
        _follow_an_ingest_then_a_prune(client, folder, ["--store", str(store_dir)])
    finally:
        stop(app)
    store = open_store(store_dir, None, 8000, "news")
    assert store.check() == []


@pytest.mark.slow
def test_on_a_chroma_server_an_app_sees_what_an_ingest_from_another_folder_writes(tmp_path, chroma_server):
    from gradio_client import Client

    host, port, _ = chroma_server
    server = ["--chroma-host", host, "--chroma-port", str(port)]
    folder = tmp_path / "articles"
    folder.mkdir()
    _ingest(str(SAMPLES), "--store", str(tmp_path / "ingest-side"), *server)
    url, app = start_app(tmp_path / "app-side", *server, env={"NEWSBOT_MIN_SCORE": "0.3"})
    try:
        client = Client(url, verbose=False)
        _follow_an_ingest_then_a_prune(client, folder, ["--store", str(tmp_path / "ingest-side"), *server])
    finally:
        stop(app)
    for side in ("app-side", "ingest-side"):  # each client's keyword index caught up with the server
        store = open_store(tmp_path / side, host, port, "news")
        assert store.check() == [], side
        store.close()


def test_a_reader_in_this_process_follows_writes_by_another_process(tmp_path, fake_indexer):
    from ingest.pipeline import ingest

    store_dir, folder = tmp_path / "store", tmp_path / "articles"
    folder.mkdir()
    _article(folder, "a.txt", "Harbour", "The harbour council met on Monday.")
    reader = open_store(store_dir, None, 8000, "news")
    ingest([folder], reader, fake_indexer)
    reader.follow(interval=0.2)
    retriever = Retriever(reader, KeywordEmbeddings(), k=3)
    _article(folder, "b.txt", "Okapi", "An okapi was born at the zoo in Ostrak.")
    subprocess.run([sys.executable, "-m", "tests.crash_ingest", str(folder), str(store_dir)], cwd=ROOT_DIR,
                   check=True, capture_output=True, timeout=300)

    def found():
        passages = retriever.search("okapi born zoo")
        dense = reader.nearest(KeywordEmbeddings().embed_query("okapi born zoo"), 1)
        return passages and "okapi" in passages[0].text and dense and reader.passages(dense)[0].text == passages[0].text
    assert _until(found, 30)[0], "neither search saw the other process's article"
    assert "Quenvaria Wire" in reader.sources()
    reader.close()


# --- writers at the same time ---------------------------------------------------------------
def _folder_of(tmp_path: Path, name: str, count: int, version: int = 1) -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    for n in range(count):
        _article(folder, f"{name}-{n:02d}.txt", f"{name} {n}",
                 f"Report {n} from {name}, version {version}. The {name} desk filed it on time.")
    return folder


def _union_is_stored(store_dir: Path, *folders: Path) -> None:
    store = open_store(store_dir, None, 8000, "news")
    expected = {str(p.resolve()) for folder in folders for p in folder.glob("*.txt")}
    assert set(store.all_records()) == expected
    assert store.check() == []
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("seeded", [False, True], ids=["new store", "seeded store"])
def test_two_ingests_started_together_both_finish_with_the_union(tmp_path, seeded):
    store_dir = tmp_path / "store"
    one, two = _folder_of(tmp_path, "one", 24), _folder_of(tmp_path, "two", 24)
    if seeded:
        _ingest(str(one), str(two), "--store", str(store_dir))
        one, two = _folder_of(tmp_path, "one", 24, version=2), _folder_of(tmp_path, "two", 24, version=2)
    first = _ingest(str(one), "--store", str(store_dir), wait=False)
    second = _ingest(str(two), "--store", str(store_dir), wait=False)
    (a, _), (b, _) = _finish(first), _finish(second)
    changed = "updated" if seeded else "added"
    assert a[changed] == b[changed] == 24 and a["failed"] == b["failed"] == []
    _union_is_stored(store_dir, one, two)


@pytest.mark.slow
def test_an_upload_in_the_app_while_a_cli_ingest_runs_both_succeed(tmp_path):
    from gradio_client import Client, handle_file

    store_dir = tmp_path / "store"
    url, app = start_app(store_dir)
    try:
        client = Client(url, verbose=False)
        bulk = _folder_of(tmp_path, "bulk", 40)
        running = _ingest(str(bulk), "--store", str(store_dir), wait=False)
        upload = tmp_path / "upload.txt"
        upload.write_text("An uploaded note\n\nThe uploaded note says the museum reopens in May.", encoding="utf-8")
        summary, _ = client.predict([handle_file(str(upload))], api_name="/upload")
        report, _ = _finish(running)
        assert "1 added" in summary and report["added"] == 40
    finally:
        stop(app)
    store = open_store(store_dir, None, 8000, "news")
    titles = {meta["title"] for meta, _ in store.all_records().values()}
    assert "An uploaded note" in titles and len(titles) == 42  # the bulk, the upload and the seed article
    assert store.check() == []


_PAUSED_INGEST = """
import json, sys, time
from pathlib import Path
from bot.embeddings import load_tokenizer
from bot.settings import default_embedding_model
from bot.store import open_store
from ingest.pipeline import Indexer, ingest
from tests.conftest import KeywordEmbeddings

class Paused(KeywordEmbeddings):  # the run lists its paths, then waits here until the test says go
    def embed_documents(self, texts):
        print("listed", flush=True)
        while not Path(sys.argv[2]).exists():
            time.sleep(0.05)
        return super().embed_documents(texts)

store = open_store(Path(sys.argv[1]), None, 8000, "news")
indexer = Indexer(default_embedding_model(), embeddings=Paused(), tokenizer=load_tokenizer(default_embedding_model()))
print(json.dumps(ingest([Path(p) for p in sys.argv[3:]], store, indexer).as_dict()), flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["new file", "moved in"])
def test_a_prune_leaves_what_another_process_wrote_after_it_listed_the_folder(tmp_path, how):
    """A long run (cron's: a big folder first, then the desk's) lists the desk; a file lands there and a quick
    ingest adds it; the long run's prune must not take it for deleted (its listing was only older)."""
    store_dir, go = tmp_path / "store", tmp_path / "go"
    desk, other = _folder_of(tmp_path, "desk", 6), tmp_path / "other"
    other.mkdir()
    _article(other, "ferry.txt", "Ferry", OTHER_BODY, "https://quenvaria.example/ferry")
    subprocess.run([sys.executable, "-m", "tests.crash_ingest", str(desk), str(store_dir)], cwd=ROOT_DIR,
                   check=True, capture_output=True, timeout=300)
    subprocess.run([sys.executable, "-m", "tests.crash_ingest", str(other), str(store_dir)], cwd=ROOT_DIR,
                   check=True, capture_output=True, timeout=300)
    big = _folder_of(tmp_path, "big", 3)
    long_run = subprocess.Popen([sys.executable, "-c", _PAUSED_INGEST, str(store_dir), str(go), str(big), str(desk)],
                                cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert long_run.stdout.readline().strip() == "listed"
        if how == "new file":
            arrived = _article(desk, "late.txt", "Late", "A late report from the desk about the night ferry.")
        else:  # the file moves from the other folder: its article (its url) is adopted by the desk, not rewritten
            (other / "ferry.txt").rename(desk / "ferry.txt")
            arrived = "https://quenvaria.example/ferry"
        quick = subprocess.run([sys.executable, "-m", "tests.crash_ingest", str(desk), str(store_dir)], cwd=ROOT_DIR,
                               capture_output=True, text=True, timeout=300)
        assert quick.returncode == 0, quick.stderr
        go.touch()
        out, err = long_run.communicate(timeout=300)
    finally:
        long_run.kill()
        long_run.wait()
    assert long_run.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["deleted"] == 0
    store = open_store(store_dir, None, 8000, "news")
    assert (arrived if isinstance(arrived, str) else str(arrived.resolve())) in store.all_records()
    assert store.check() == []
    store.close()


@pytest.mark.slow
def test_two_ingests_of_the_same_folder_at_once_count_each_article_added_once(tmp_path):
    """Both compare with the store before either writes; the second to write finds each article written just
    as it would write it: it says so and counts it unchanged, not added a second time."""
    store_dir, go = tmp_path / "store", tmp_path / "go"
    desk = _folder_of(tmp_path, "desk", 6)
    runs = [subprocess.Popen([sys.executable, "-c", _PAUSED_INGEST, str(store_dir), str(go), str(desk)],
                             cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for run in runs:
            assert run.stdout.readline().strip() == "listed"
        go.touch()
        reports = []
        for run in runs:
            out, err = run.communicate(timeout=300)
            assert run.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for run in runs:
            run.kill()
            run.wait()
    assert sorted((r["added"], r["unchanged"]) for r in reports) == [(0, 6), (6, 0)]
    assert sum(len(r["notes"]) for r in reports) == 6
    _union_is_stored(store_dir, desk)


_SERVER_WRITE = """
import sys, time
from pathlib import Path
from bot.store import Indexed, open_store
from bot.types import Article, Chunk
folder, port, body, read_at, go = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5:]
store = open_store(folder, "127.0.0.1", port, "news")

def pause(step):  # its chunks are in, its record not yet
    if step == "chunks" and go:
        print("paused", flush=True)
        while not Path(go[0]).exists():
            time.sleep(0.05)

store.step_hook = pause
article = Article(article_id="story", title="Story", body=body, source="Wire", path="story.txt", read_at=read_at)
print(store.write([Indexed(article, body[:12], [Chunk("story", 0, 0, len(body), body, 8)], [[1.0, 0.0, 0.0]])],
                  "desk"), flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("paused_read", ["first", "last"])
def test_on_a_chroma_server_of_two_writers_of_one_article_the_version_read_last_stays_without_orphans(
        tmp_path, chroma_server, paused_read):
    """Two machines (store folders) write one article on a server; one pauses between its chunks and its record
    while the other writes all of a version. Whichever read its file last stays; no chunk of the other is left."""
    host, port, _ = chroma_server
    go = tmp_path / "go"

    def writer(folder: str, body: str, read_at: float, *pause: str):
        return subprocess.Popen([sys.executable, "-c", _SERVER_WRITE, str(tmp_path / folder), str(port), body,
                                 str(read_at), *pause], cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    first = writer("first", "Version zero of the story.", 50)
    assert first.communicate(timeout=120)[0].strip() == "{}"
    paused = writer("one", "Version one of the story.", 100 if paused_read == "first" else 300, str(go))
    try:
        assert paused.stdout.readline().strip() == "paused", paused.stderr.read()
        other = writer("two", "Version two of the story, read at 200.", 200)
        out, err = other.communicate(timeout=120)
        assert out.strip() == "{}", err
        go.touch()
        out, err = paused.communicate(timeout=120)
        assert out.strip() == ("{'story': 'superseded'}" if paused_read == "first" else "{}"), err
    finally:
        paused.kill()
        paused.wait()
    store = open_store(tmp_path / "check", host, port, "news")
    stays = ("Version two of the story, read at 200." if paused_read == "first" else "Version one of the story.")
    assert store.records(["story"])["story"]["hash"] == stays[:12]
    assert [meta["version"] for meta, _ in store.all_chunks().values()] == [stays[:12]]
    assert store.check(vectors=False) == []
    store.close()


_HAMMER = """
import sys
from bot.lexical import KeywordRow, LexicalIndex
index = LexicalIndex(__import__("pathlib").Path(sys.argv[1]))
me = sys.argv[2]
for n in range(150):
    index.add([KeywordRow(f"{me}-{n}-{k}", f"{me}-{n}", "v1", "Wire", 20230101, "Title", f"word{k} common")
               for k in range(8)])
    if n % 3 == 0:
        index.remove([f"{me}-{n}"])
print("ok")
"""


def test_two_processes_writing_one_keyword_index_never_fail(tmp_path):
    path = tmp_path / "lexical.sqlite3"
    LexicalIndex(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", _HAMMER, str(path), name], cwd=ROOT_DIR,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("p", "q")]
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0 and out.strip() == "ok", err
    index = LexicalIndex(path)
    expected = {f"{me}-{n}-{k}" for me in ("p", "q") for n in range(150) if n % 3 for k in range(8)}
    assert set(index.chunk_ids()) == expected
    assert {chunk for chunk, _ in index.nearest("common", 10_000)} == expected


# --- a kill at every step of a write ----------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("step", ["journal", "chunks", "keyword", "records", "old versions"])
def test_a_kill_at_any_write_step_leaves_readers_a_whole_version_and_a_rerun_repairs(tmp_path, fake_indexer, step):
    from ingest.pipeline import ingest

    store_dir = tmp_path / "store"
    folder = _folder_of(tmp_path, "desk", 12)
    reader = open_store(store_dir, None, 8000, "news")
    ingest([folder], reader, fake_indexer)  # version 1 of every article
    retriever = Retriever(reader, KeywordEmbeddings(), k=6)
    _folder_of(tmp_path, "desk", 12, version=2)
    killed = subprocess.run([sys.executable, "-m", "tests.crash_ingest", str(folder), str(store_dir), step],
                            cwd=ROOT_DIR, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    def whole_versions(store) -> set[int]:
        store.refresh()
        versions = set()
        for question in ("report from desk", "desk filed it on time", "version 1", "version 2"):
            for p in Retriever(store, KeywordEmbeddings(), k=12).search(question):
                assert p.body[p.start : p.end] == p.text  # the passage is a span of the body it came with
                (version,) = {word for word in ("version 1", "version 2") if word in p.body}
                assert f"{version}." in p.text or "version" not in p.text
                versions.add(int(version[-1]))
        return versions

    assert whole_versions(reader) <= {1, 2}  # the reader that was open all along
    assert retriever.search("report from desk")
    fresh = open_store(store_dir, None, 8000, "news")  # one that opens now repairs what the kill left
    assert whole_versions(fresh) <= {1, 2} and fresh.check() == []
    fresh.close()
    subprocess.run([sys.executable, "-m", "tests.crash_ingest", str(folder), str(store_dir)], cwd=ROOT_DIR,
                   check=True, capture_output=True, timeout=300)
    assert whole_versions(reader) == {2}
    assert reader.check() == []
    reader.close()


def test_opening_a_new_store_from_two_processes_at_once_never_fails(tmp_path):
    script = ("import sys; from bot.store import open_store; "
              "s = open_store(__import__('pathlib').Path(sys.argv[1]), None, 8000, 'news'); print(s.count_articles())")
    for _ in range(3):
        store_dir = tmp_path / f"new-{_}"
        openers = [subprocess.Popen([sys.executable, "-c", script, str(store_dir)], cwd=ROOT_DIR,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        for opener in openers:
            out, err = opener.communicate(timeout=120)
            assert opener.returncode == 0 and out.strip() == "0", err


_HOLD = """
import sys, time
from pathlib import Path
from bot.store import open_store
store = open_store(Path(sys.argv[1]), None, 8000, "news")
with store.lock.held():
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


_FORK_AND_HOLD = """
import multiprocessing, sys, threading, time
from pathlib import Path
from bot.store import open_store
from ingest import parse
store = open_store(Path(sys.argv[1]), None, 8000, "news")
taken = threading.Event()

def hold():  # the writer thread, writing a batch
    with store.lock.held():
        taken.set()
        time.sleep(300)

def child_started():
    while not multiprocessing.active_children():
        time.sleep(0.01)
    print("child", multiprocessing.active_children()[0].pid, flush=True)
    if sys.argv[2] == "after":
        threading.Thread(target=hold, daemon=True).start()
        taken.wait()
    print("holding", flush=True)

if sys.argv[2] == "before":
    threading.Thread(target=hold, daemon=True).start()
    taken.wait()
threading.Thread(target=child_started, daemon=True).start()
# the main thread reads a big page (in a forked child, ingest.parse.read_page), one that takes trafilatura minutes
parse.read_page("<html><body><article><p>" + "".join(f"<span>w{i}</span> " for i in range(60_000)) + "</p>"
                "</article></body></html>", "slow.html", "https://example.com/slow.html")
"""


@pytest.mark.slow
@pytest.mark.parametrize("taken", ["before", "after"])
def test_a_writer_killed_while_it_reads_a_big_page_in_a_child_leaves_the_store_unlocked(tmp_path, taken):
    """ingest reads a big page in a forked child while its writer thread holds the lock (taken before the fork,
    or after it); kill -9 the ingest: the orphaned child, still reading, must not keep the store locked."""
    store_dir = tmp_path / "store"
    holder = subprocess.Popen([sys.executable, "-c", _FORK_AND_HOLD, str(store_dir), taken], cwd=ROOT_DIR,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child = None
    try:
        first = holder.stdout.readline().split()
        assert first[:1] == ["child"], holder.stderr.read() if holder.poll() is not None else first
        child = int(first[1])
        assert holder.stdout.readline().strip() == "holding"
        holder.kill()
        holder.wait(timeout=30)
        report = _ingest(str(SAMPLES), "--store", str(store_dir), env={"NEWSBOT_LOCK_TIMEOUT": "30"})
        assert report["added"] == 1
    finally:
        holder.kill()
        holder.wait()
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


@pytest.mark.slow
def test_a_second_writer_waits_for_the_lock_says_so_and_gives_up_after_the_timeout(tmp_path):
    store_dir = tmp_path / "store"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(store_dir), "6"], cwd=ROOT_DIR,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    report, err = _finish(_ingest(str(SAMPLES), "--store", str(store_dir), wait=False))
    assert report["added"] == 1 and f"waiting for another process writing {store_dir} (pid {holder.pid})" in err
    holder.wait(timeout=30)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(store_dir), "60"], cwd=ROOT_DIR,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        gave_up = _ingest(str(SAMPLES), "--store", str(store_dir), env={"NEWSBOT_LOCK_TIMEOUT": "2"}, wait=False)
        _, err = gave_up.communicate(timeout=120)
        assert gave_up.returncode == 2 and "NEWSBOT_LOCK_TIMEOUT" in err and "Traceback" not in err
    finally:
        holder.kill()
        holder.wait()
