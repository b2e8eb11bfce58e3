"""Reading paths: every bad input becomes one clear error and the rest is still read."""

from __future__ import annotations

import gzip
import json

import pytest

from ingest.sources import decode, read_origin

MB = 1_000_000


def _feed_line(n: int, **extra) -> str:
    return json.dumps({"title": f"T{n}", "source": "S", "url": f"https://x/{n}", "body": f"Body {n}.", **extra})


def test_a_folder_with_bad_files_still_yields_its_good_articles(tmp_path):
    (tmp_path / "good.txt").write_text("Good title\n\nGood body.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "blank.md").write_text("  \n\t\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 news\n\nbody".encode("latin-1"))
    (tmp_path / "big.txt").write_text("Big\n\n" + "x" * (MB + 10), encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # not an article type: skipped quietly
    (tmp_path / ".hidden.txt").write_text("Hidden\n\nbody", encoding="utf-8")

    origin = read_origin(tmp_path, max_file_bytes=MB, max_feed_bytes=100 * MB)

    assert [article.title for article in origin.articles] == ["Good title"]
    problems = {error.where.rsplit("/", 1)[-1]: error.problem for error in origin.errors}
    assert set(problems) == {"empty.txt", "blank.md", "binary.txt", "latin1.txt", "big.txt"}
    assert "empty" in problems["empty.txt"] and "empty" in problems["blank.md"]
    assert "binary" in problems["binary.txt"]
    assert "not UTF-8 text (byte 0xe9 at offset 3)" in problems["latin1.txt"]
    assert "NEWSBOT_MAX_FILE_MB" in problems["big.txt"]
    assert origin.failed_paths == {"empty.txt", "blank.md", "binary.txt", "latin1.txt", "big.txt"}


def test_a_missing_path_is_one_error_and_prunes_nothing(tmp_path):
    origin = read_origin(tmp_path / "nope", MB, MB)
    assert not origin.readable
    assert [error.problem for error in origin.errors] == ["no such file or folder; check the path"]


def test_bad_feed_lines_are_reported_by_line_and_the_others_are_read(tmp_path):
    lines = [_feed_line(1), "{not json", json.dumps({"title": "no body"}), "", _feed_line(4), '{"body": "a\tb"}']
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    origin = read_origin(feed, MB, 100 * MB)
    assert [article.article_id for article in origin.articles] == ["https://x/1", "https://x/4"]
    assert [error.where for error in origin.errors] == [f"{feed}:2", f"{feed}:3", f"{feed}:6"]
    assert "not valid JSON" in origin.errors[0].problem
    assert "(Invalid control character at column 12)" in origin.errors[2].problem
    assert origin.failed_paths == {"feed.jsonl"}


def test_a_truncated_gzip_feed_keeps_the_lines_before_the_break(tmp_path):
    data = gzip.compress("\n".join(_feed_line(n, body="word " * 400) for n in range(50)).encode())
    feed = tmp_path / "feed.jsonl.gz"
    feed.write_bytes(data[: len(data) // 2])
    origin = read_origin(feed, MB, 100 * MB)
    assert 0 < len(origin.articles) < 50
    assert len(origin.errors) == 1 and "truncated or corrupt" in origin.errors[0].problem


def test_a_gzip_feed_that_inflates_past_the_cap_stops_there(tmp_path):
    feed = tmp_path / "bomb.jsonl.gz"
    with gzip.open(feed, "wt", encoding="utf-8") as out:
        for n in range(2000):
            out.write(_feed_line(n, body="a" * 5000) + "\n")
    origin = read_origin(feed, MB, max_feed_bytes=MB)
    assert len(origin.articles) < 2000
    assert "larger than 1 MB once decompressed" in origin.errors[-1].problem


def test_an_overlong_feed_line_is_refused_and_the_next_line_is_read(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(_feed_line(1, body="x" * (MB + 5)) + "\n" + _feed_line(2) + "\n", encoding="utf-8")
    origin = read_origin(feed, MB, 100 * MB)
    assert [article.article_id for article in origin.articles] == ["https://x/2"]
    assert origin.errors[0].where == f"{feed}:1" and "over the 1 MB limit" in origin.errors[0].problem


def test_an_unsupported_file_given_by_name_is_refused(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF")
    origin = read_origin(path, MB, MB)
    assert "unsupported file type" in origin.errors[0].problem and not origin.readable


def test_articles_without_url_are_named_by_their_file_and_show_their_relative_path(tmp_path):
    (tmp_path / "2023" / "june").mkdir(parents=True)
    (tmp_path / "2023" / "june" / "a.txt").write_text("A title\n\nA body.", encoding="utf-8")
    origin = read_origin(tmp_path, MB, MB)
    file = str((tmp_path / "2023" / "june" / "a.txt").resolve())
    assert [(a.article_id, a.path) for a in origin.articles] == [(file, "2023/june/a.txt")]


_PAGE = ("<html><head>{meta}<title>Caf\u00e9 owner raises prices</title><style>{style}</style></head><body><p>"
         "Ren\u00e9e M\u00fcller said a \u20ac5 coffee was \u201cfair\u201d. {filler}</p></body></html>")


@pytest.mark.parametrize(("meta", "style", "encoding"), [
    ("", "", "cp1252"),  # no charset declared, a dozen accents in 100 kB: still windows-1252, as browsers read it
    ('<meta charset="windows-1252">', "p { margin: 0 }" * 1000, "cp1252"),  # declared after 15 kB of style
    ('<meta charset="windows-874">', "", "cp874"),  # labels browsers know and Python's codecs don't
    ('<meta charset="iso-8859-8-i">', "", "iso8859_8"),
    ('<meta charset="x-sjis">', "", "cp932"),
    ('<meta charset="utf-16">', "", "utf-8"),  # a UTF-16 label in a page without a byte order mark: UTF-8
], ids=["undeclared", "declared late", "windows-874", "iso-8859-8-i", "x-sjis", "utf-16 label"])
def test_a_page_is_decoded_with_the_charset_a_browser_would_use(meta, style, encoding):
    page = _PAGE.format(meta=meta, style=style, filler="The price went up again this week. " * 3000)
    if encoding in ("cp874", "iso8859_8", "cp932"):  # these can't write the accents: a sentence of their script
        page = page.replace("Caf\u00e9 owner raises prices", {"cp874": "\u0e19\u0e49\u0e33\u0e17\u0e48\u0e27\u0e21",
                                                            "iso8859_8": "\u05d4\u05db\u05e0\u05e1\u05ea",
                                                            "cp932": "\u6771\u4eac\u3067\u5927\u96ea"}[encoding])
        page = page.replace("Ren\u00e9e M\u00fcller said a \u20ac5 coffee was \u201cfair\u201d. ", "")
    assert decode(page.encode(encoding), "p.html", html=True) == page


def _web_archive(page: bytes, charset: str | None, location: str = "https://daily.example/2023/05/04/bridge") -> bytes:
    """A web archive as browsers write it: MIME multipart/related, the page quoted-printable, then an image."""
    import email.encoders
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.nonmultipart import MIMENonMultipart

    archive = MIMEMultipart("related", type="text/html")
    archive["Snapshot-Content-Location"] = location
    html = MIMENonMultipart("text", "html", **({"charset": charset} if charset else {}))
    html.set_payload(page)
    email.encoders.encode_quopri(html)
    html["Content-Location"] = location
    archive.attach(html)
    archive.attach(MIMEApplication(b"\x89PNG\r\n\x1a\n", "png"))
    return archive.as_bytes()


def test_a_web_archive_is_read_as_its_page_in_the_charset_its_part_declares(tmp_path):
    page = ("<html><head><title>Harbour bridge reopens</title></head><body><article><h1>Harbour bridge reopens</h1>"
            + "<p>Mayor Ren\u00e9e M\u00fcller said the bridge reopened after eighteen months of repairs.</p>" * 4
            + "</article></body></html>")
    (tmp_path / "bridge.mhtml").write_bytes(_web_archive(page.encode("cp1252"), "windows-1252"))
    (tmp_path / "bridge.mht").write_bytes(_web_archive(page.encode("utf-8"), None, "https://daily.example/other"))
    (tmp_path / "mail.mht").write_bytes(b"From: someone\nSubject: hi\nContent-Type: text/plain\n\nJust a note.\n")
    origin = read_origin(tmp_path, max_file_bytes=MB, max_feed_bytes=100 * MB)
    found = {article.url: article for article in origin.articles}
    assert found.keys() == {"https://daily.example/2023/05/04/bridge", "https://daily.example/other"}
    assert all(article.title == "Harbour bridge reopens" and "Mayor Ren\u00e9e M\u00fcller said" in article.body
               for article in found.values())
    [error] = origin.errors
    assert error.where.endswith("mail.mht") and error.problem.startswith("holds no HTML page")
    nested = "".join(f'Content-Type: multipart/related; boundary="b{i}"\n\n--b{i}\n' for i in range(5000))
    (tmp_path / "mail.mht").write_text(nested + "Content-Type: text/html\n\n<p>Deep.</p>\n", encoding="utf-8")
    [error] = read_origin(tmp_path, max_file_bytes=MB, max_feed_bytes=100 * MB).errors
    assert error.problem.startswith("its MIME parts are nested too deeply")


def _safari_archive(page: bytes, encoding: str, url: str = "https://daily.example/2023/05/04/bridge") -> bytes:
    """A .webarchive as Safari writes it: a binary property list, the page, its encoding and address, an image."""
    import plistlib

    return plistlib.dumps({
        "WebMainResource": {"WebResourceData": page, "WebResourceMIMEType": "text/html", "WebResourceURL": url,
                            "WebResourceTextEncodingName": encoding, "WebResourceFrameName": ""},
        "WebSubresources": [{"WebResourceData": b"\x89PNG\r\n\x1a\n", "WebResourceMIMEType": "image/png",
                             "WebResourceURL": "https://daily.example/bridge.png"}]}, fmt=plistlib.FMT_BINARY)


def test_a_safari_web_archive_is_read_as_its_page_in_the_encoding_it_names(tmp_path):
    import plistlib

    page = ("<html><head><title>Harbour bridge reopens</title></head><body><article><h1>Harbour bridge reopens</h1>"
            + "<p>Mayor Ren\u00e9e M\u00fcller said the bridge reopened after eighteen months of repairs.</p>" * 4
            + "</article></body></html>")
    (tmp_path / "Harbour bridge reopens.webarchive").write_bytes(_safari_archive(page.encode("cp1252"), "windows-1252"))
    (tmp_path / "saved.webarchive").write_bytes(_safari_archive(page.encode("utf-8"), "UTF-8", "file:///Users/a/x.html"))
    (tmp_path / "photo.webarchive").write_bytes(plistlib.dumps({"WebMainResource": {
        "WebResourceData": b"\xff\xd8\xff", "WebResourceMIMEType": "image/jpeg", "WebResourceURL": "https://x/p.jpg"}}))
    (tmp_path / "list.webarchive").write_bytes(plistlib.dumps(["not", "an", "archive"], fmt=plistlib.FMT_BINARY))
    (tmp_path / "torn.webarchive").write_bytes(_safari_archive(page.encode("utf-8"), "UTF-8")[:-40])
    origin = read_origin(tmp_path, max_file_bytes=MB, max_feed_bytes=100 * MB)
    found = {article.url: article for article in origin.articles}
    assert set(found) == {"https://daily.example/2023/05/04/bridge", ""}  # a file:// address is no article's
    assert all(article.title == "Harbour bridge reopens" and "Mayor Ren\u00e9e M\u00fcller said" in article.body
               for article in found.values())
    problems = {error.where.rsplit("/", 1)[-1]: error.problem for error in origin.errors}
    assert problems.keys() == {"photo.webarchive", "list.webarchive", "torn.webarchive"}
    assert problems["photo.webarchive"].startswith("its page is image/jpeg, not a web page")
    assert problems["list.webarchive"].startswith("holds no page (not a web archive saved by Safari?)")
    assert problems["torn.webarchive"].startswith("is no web archive Safari wrote (its property list can't be read")


def test_the_folder_a_browser_saves_beside_a_page_is_left_out_with_a_note(tmp_path):
    story = "<p>The harbour bridge reopened on Thursday after eighteen months of repairs, the city said.</p>" * 3
    for name, folder in (("Harbour bridge reopens", "_files"), ("Hafenbr\u00fccke", "-Dateien")):
        (tmp_path / f"{name}.html").write_text(f"<html><head><title>{name}</title></head><body><article>{story}"
                                               "</article></body></html>", encoding="utf-8")
        resources = tmp_path / f"{name}{folder}"
        resources.mkdir()
        (resources / "saved_resource.html").write_text(  # an ad's frame, saved with the page
            "<html><body><p>Sponsored: the best mattress money can buy, with free delivery to every customer "
            "in the country this week.</p></body></html>", encoding="utf-8")
        (resources / "style.css").write_text("body {}", encoding="utf-8")
    (tmp_path / "notes_files").mkdir()  # no page of that name beside it: an ordinary folder, read
    (tmp_path / "notes_files" / "kept.txt").write_text("Kept\n\nA folder of notes is read as usual.", encoding="utf-8")
    origin = read_origin(tmp_path, max_file_bytes=MB, max_feed_bytes=100 * MB)
    assert sorted(article.title for article in origin.articles) == ["Hafenbr\u00fccke", "Harbour bridge reopens",
                                                                    "Kept"]
    assert origin.errors == []
    [note] = [note.message for note in origin.notes if "beside a page" in note.message]
    assert note.startswith("left out 2 folders a browser saved beside a page")
