"""`python -m ingest` as a user runs it: JSON report, exit codes, errors naming the file.

One test here uses the real embedding model on the 168 dev-set articles and
checks the whole life cycle: add, re-ingest unchanged, edit, delete.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import open_store
from ingest.__main__ import main
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=900
    )


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def _chunk_snapshot(store_dir: Path) -> dict[str, tuple[str, str]]:
    store = open_store(store_dir, None, 8000, "news")
    snapshot = {i: (m["article_id"], text) for i, (m, text) in store.all_chunks().items()}
    store.close()
    return snapshot


@pytest.mark.slow
def test_the_dev_articles_ingest_once_and_then_stay_in_sync(tmp_path, eval_copy):
    store_dir = tmp_path / "store"
    first = run_cli(str(eval_copy), "--store", str(store_dir), "--json")
    assert first.returncode == 0, first.stderr
    added = last_json(first.stdout)
    assert (added["added"], added["failed"], added["articles"]) == (168, [], 168)
    before = _chunk_snapshot(store_dir)
    assert added["chunks"] == len(before) > 168

    again = last_json(run_cli(str(eval_copy), "--store", str(store_dir), "--json").stdout)
    assert (again["unchanged"], again["added"], again["updated"], again["deleted"]) == (168, 0, 0, 0)
    assert again["seconds"] <= 0.02 * added["seconds"]
    assert _chunk_snapshot(store_dir) == before

    edited = eval_copy / "2022-06-11-cnn-average-us-gas-price-hits-5-for-first-time-cnn.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAn added closing sentence.\n", encoding="utf-8")
    (eval_copy / "2022-06-12-cnn-lightning-cable-usbc-nightcap.txt").unlink()
    changed = last_json(run_cli(str(eval_copy), "--store", str(store_dir), "--json").stdout)
    assert (changed["updated"], changed["deleted"], changed["unchanged"]) == (1, 1, 166)
    after = _chunk_snapshot(store_dir)
    gas_url = "https://www.cnn.com/2022/06/11/business/gas-prices-five-dollars-national-june/index.html"
    untouched = {k: v for k, v in before.items() if v[0] != gas_url and "lightning" not in v[0]}
    assert {k: v for k, v in after.items() if k in untouched} == untouched
    assert any("An added closing sentence." in text for article_id, text in after.values() if article_id == gas_url)


def test_a_missing_embedding_model_is_a_configuration_error_naming_the_setting(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", str(tmp_path / "nowhere"))
    code = main([str(SAMPLES), "--store", str(tmp_path / "s"), "--json"])
    assert code == 2
    assert "NEWSBOT_EMBEDDING_MODEL" in capsys.readouterr().err


def test_a_missing_path_and_a_broken_file_are_reported_and_the_rest_ingested(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text("A title\n\nA fine body.", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00\x01")
    (folder / "x\nerror: ok.txt: fake.txt").write_bytes(b"")  # a name that would print a line of its own
    code = main([str(folder), str(tmp_path / "missing"), "--store", str(tmp_path / "s"), "--json"])
    out, err = capsys.readouterr()
    report = json.loads(out.strip().splitlines()[-1])
    assert code == 1
    assert report["added"] == 1 and report["articles"] == 1
    assert {Path(f["path"]).name for f in report["failed"]} == {"bad.txt", "missing", "x\nerror: ok.txt: fake.txt"}
    assert f"error: {folder / 'bad.txt'}: looks like a binary file" in err
    assert sum(line.startswith("error: ") for line in err.splitlines()) == 3 and "x\\nerror: ok.txt" in err


def test_usage_errors_exit_with_status_2(tmp_path):
    result = run_cli("--chroma-port", "notaport", str(SAMPLES))
    assert result.returncode == 2
    assert "invalid int value" in result.stderr


def test_an_unreachable_chroma_server_is_a_configuration_error(tmp_path, capsys):
    code = main([str(SAMPLES), "--chroma-host", "127.0.0.1", "--chroma-port", "9", "--json"])
    assert code == 2
    assert "Can't reach the Chroma server at 127.0.0.1:9" in capsys.readouterr().err


def test_the_summary_line_reports_the_counts(tmp_path, capsys):
    code = main([str(SAMPLES), "--store", str(tmp_path / "s")])
    assert code == 0
    assert capsys.readouterr().out.strip().startswith("1 added, 0 updated, 0 unchanged, 0 deleted, 0 failed")


def test_a_disk_without_room_stops_ingest_before_it_writes_with_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEWSBOT_MIN_FREE_MB", "100000000")  # 100 TB: no disk here has that free
    code = main([str(SAMPLES), "--store", str(tmp_path / "s")])
    assert code == 2
    assert "MB free; this write needs about 100000000 MB (NEWSBOT_MIN_FREE_MB" in capsys.readouterr().err


def test_named_pipes_and_devices_are_named_never_read(tmp_path):
    import os

    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "good.txt").write_text("Ostrak lighthouse reopens\n\nThe lighthouse reopened on Saturday.")
    os.mkfifo(folder / "story.txt")  # opening it would wait for a writer forever
    (folder / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    (folder / "lines.jsonl").symlink_to("/dev/urandom")
    store = str(tmp_path / "s")
    whole = subprocess.run([sys.executable, "-m", "ingest", str(folder), "--store", store, "--verbose", "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr
    assert last_json(whole.stdout)["added"] == 1
    assert "left out what is not a file: lines.jsonl (a device), story.txt (a named pipe), zero.txt (a device)" \
        in whole.stderr
    for name, kind in (("story.txt", "a named pipe"), ("zero.txt", "a device"), ("lines.jsonl", "a device")):
        one = subprocess.run([sys.executable, "-m", "ingest", str(folder / name), "--store", store], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        assert one.returncode == 1
        assert f"{folder / name}: is {kind}, not a file; save the article into a file" in one.stderr


def test_a_feed_is_followed_until_unfollowed_and_its_articles_stay(tmp_path, capsys, monkeypatch):
    from bench.site import NewsSite, Resource, article_page, rss
    from ingest.feeds import followed

    monkeypatch.setenv("NEWSBOT_FETCH_DELAY", "0")
    site = NewsSite()
    body = "The Ostrak lighthouse reopened on Saturday after a two-year restoration, the harbour office said."
    site.routes["/news/lighthouse.html"] = Resource(article_page("Ostrak lighthouse reopens", body))
    site.routes["/feed.xml"] = Resource(rss("Loopback Times", [{"title": "Ostrak lighthouse reopens",
                                                                "link": site.url("/news/lighthouse.html")}]),
                                        content_type="application/rss+xml")
    store_dir, feed = str(tmp_path / "s"), site.url("/feed.xml")
    try:
        assert main([feed, "--store", store_dir]) == 0
    finally:
        site.close()
    assert followed(open_store(tmp_path / "s", None, 8000, "news")) == [feed]
    capsys.readouterr()
    assert main(["--unfollow", feed, "--unfollow", "https://never.example/feed", "--store", store_dir]) == 0
    err = capsys.readouterr().err
    assert f"no longer following: {feed}" in err and "not followed (nothing to stop): https://never.example" in err
    store = open_store(tmp_path / "s", None, 8000, "news")
    assert followed(store) == [] and [meta["title"] for meta, _ in store.all_records().values()] == [
        "Ostrak lighthouse reopens"]
    assert main(["--store", store_dir]) == 2 and "give one or more PATHs" in capsys.readouterr().err


def test_a_feed_unfollowed_while_another_process_reads_it_stays_unfollowed(tmp_path, monkeypatch):
    import threading
    import time

    from bench.site import NewsSite, Resource, article_page, rss
    from ingest.feeds import followed

    monkeypatch.setenv("NEWSBOT_FETCH_DELAY", "0")
    site = NewsSite()
    stories = [("Ostrak lighthouse reopens", "The Ostrak lighthouse reopened on Saturday, the harbour office said."),
               ("Ferry timetable changes", "The winter ferry timetable starts on Monday with two fewer crossings.")]
    for n, (title, body) in enumerate(stories):
        site.routes[f"/news/{n}.html"] = Resource(article_page(title, body))
    feed, store_dir = site.url("/feed.xml"), str(tmp_path / "s")

    def listing(count: int) -> Resource:
        items = [{"title": title, "link": site.url(f"/news/{n}.html")} for n, (title, _) in enumerate(stories)]
        return Resource(rss("Loopback Times", items[:count]), content_type="application/rss+xml")

    site.routes["/feed.xml"] = listing(1)
    reading = None
    try:
        assert main([feed, "--store", store_dir]) == 0
        site.routes["/news/1.html"].held = answer = threading.Event()
        site.routes["/feed.xml"] = listing(2)
        reading = subprocess.Popen([sys.executable, "-m", "ingest", feed, "--store", store_dir], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not site.requests("/news/1.html") and reading.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert site.requests("/news/1.html"), "the other process never asked for the new story"
        assert main(["--unfollow", feed, "--store", store_dir]) == 0  # while the other process waits for the page
        answer.set()
        _, err = reading.communicate(timeout=300)
        assert reading.returncode == 0, err
    finally:
        if reading is not None and reading.poll() is None:
            reading.kill()
        site.close()
    store = open_store(tmp_path / "s", None, 8000, "news")
    assert followed(store) == [] and store.feed_states() == {}  # the read that ended after it did not follow it again
    assert sorted(meta["title"] for meta, _ in store.all_records().values()) == sorted(t for t, _ in stories)
