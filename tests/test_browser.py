"""A real browser (Debian's chromium, headless, driven by Playwright) on the real app.

A person types a question, sees the streamed answer and the quote highlighted
in its source card; an article full of HTML and script is shown as inert text.
Screenshots are saved under the test's temp folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT_DIR, SEED, start_app, stop

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (apt-get install chromium); CI installs it",
    ),
]

HOSTILE = """title: Harbour <script>window.__pwned=1</script> lighthouse vote
source: Hostile Wire
author: unknown
published: 2023-06-20
url: javascript:window.__pwned=3

The harbour council approved the lighthouse budget on Tuesday <script>window.__pwned=1</script> after a long \
debate, details at http://evil.example/phish or www.evil.example/win.
Residents said <img src=x onerror="window.__pwned=2"> the lighthouse keeper returns in spring.
Read <a href="javascript:window.__pwned=4">the minutes</a> or ![map](javascript:window.__pwned=5) online.
"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("articles")
    shutil.copy(SEED, folder)
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    store = tmp_path_factory.mktemp("store") / "chroma"
    subprocess.run([sys.executable, "-m", "ingest", str(folder), "--store", str(store)], cwd=ROOT_DIR,
                   check=True, capture_output=True, timeout=600)
    url, process = start_app(store)
    yield url
    stop(process)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def _ask(page, url: str, question: str) -> None:
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_selector("#sources .card mark", timeout=120_000)


def test_a_question_gets_a_streamed_answer_and_a_highlighted_quote(app_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    _ask(page, app_url, "Who called on Baku to unblock the Lachin Corridor?")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('[1]')", timeout=60_000)
    assert "Russia on Wednesday called on Baku" in page.inner_text("#chat")
    mark = page.inner_text("#sources .card mark")
    assert mark.startswith("Russia on Wednesday called on Baku to unblock the Lachin Corridor")
    assert "Russia Urges Baku" in page.inner_text("#sources .card")
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    assert (tmp_path / "answer.png").stat().st_size > 10_000


def test_an_article_full_of_html_and_script_is_shown_as_inert_text(app_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _ask(page, app_url, "What did the harbour council approve on Tuesday?")
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.locator("#sources img, #chat img[src='x']").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert "www.evil.example/win" in page.inner_text("#chat")  # an article's address shown as text, not a link
    assert page.locator("#chat a[href*='evil' i], #sources a[href*='evil' i]").count() == 0
    assert "<script>window.__pwned=1</script>" in page.inner_text("#sources")
    for link in page.locator("#sources a").all():
        assert link.get_attribute("href").startswith("http")


@pytest.mark.parametrize("clipboard_api", [True, False])  # False: plain http from another machine has none
def test_the_chats_copy_button_copies_the_answer_as_it_reads_not_its_markdown_escapes(app_url, browser,
                                                                                      clipboard_api):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    if not clipboard_api:  # Gradio then copies through a hidden text field; what it put there is recorded
        context.add_init_script("delete Navigator.prototype.clipboard;"
                                "window.addEventListener('copy', (e) => { window.__copied = "
                                "e.clipboardData.getData('text/plain'); });")
    page = context.new_page()
    _ask(page, app_url, "What did the harbour council approve on Tuesday?")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('[1]')", timeout=60_000)
    shown = page.inner_text("#chat .bot")
    page.locator("#chat .bot").last.hover()
    page.locator("#chat button[aria-label='Copy message'], #chat button[title='Copy message']").last.click()
    page.wait_for_timeout(300)
    copied = page.evaluate("navigator.clipboard.readText()") if clipboard_api else page.evaluate("window.__copied")
    assert "on Tuesday window.__pwned=1 after a long debate, details at [link removed] or www.evil.example/win. [1]" \
        in copied
    assert "\\" not in copied and copied.split("[1]")[0].strip() in shown
    context.close()


def test_a_feed_url_added_on_the_page_is_ingested_listed_and_answered_from(browser, tmp_path):
    from bench.site import NewsSite, Resource, article_page, rss

    site = NewsSite()
    body = ("The Ostrak lighthouse reopened on Saturday after a two-year restoration, the harbour office said.\n"
            "Its new lamp can be seen from forty kilometres out at sea, keepers told visitors.")
    site.routes["/news/lighthouse.html"] = Resource(article_page("Ostrak lighthouse reopens", body,
                                                                 published="2023-06-24"))
    site.routes["/feed.xml"] = Resource(rss("Loopback Times", [{
        "title": "Ostrak lighthouse reopens", "link": site.url("/news/lighthouse.html"),
        "pubDate": "Sat, 24 Jun 2023 09:00:00 GMT"}]), content_type="application/rss+xml")
    # the test's site is on loopback, which the page refuses unless this setting allows it
    url, process = start_app(tmp_path / "store", env={"NEWSBOT_FETCH_ALLOW_PRIVATE": "true",
                                                      "NEWSBOT_FETCH_DELAY": "0"})
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.get_by_text("Add articles").click()
        page.fill("#urls textarea", site.url("/feed.xml"))
        page.click("#add-urls")
        page.wait_for_function("document.querySelector('#ingest-summary').innerText.includes('1 added')",
                               timeout=120_000)
        page.wait_for_function(f"document.querySelector('#feeds').innerText.includes('{site.url('/feed.xml')}')",
                               timeout=30_000)
        assert "Loopback Times" in page.inner_text("#feeds")
        page.screenshot(path=str(tmp_path / "feed-added.png"), full_page=True)
        page.fill("#question textarea", "How far out at sea can the new lighthouse lamp be seen?")
        page.click("#ask")
        page.wait_for_selector("#sources .card mark", timeout=120_000)
        assert "Ostrak lighthouse reopens" in page.inner_text("#sources")
    finally:
        stop(process)
        site.close()


def test_a_page_chromium_saves_as_one_file_is_ingested_with_its_address(browser, tmp_path):
    """Chromium's "Save as single file" (MHTML, here by the DevTools call behind it) ingests as the page itself:
    its text, title, author, date, and the address it was saved from as its id."""
    import json

    from bench.site import NewsSite, Resource

    site = NewsSite()
    story = ("<p>The harbour bridge reopened on Thursday after eighteen months of repairs costing \u20ac12 million, "
             "the city said.</p><p>Mayor Ren\u00e9e M\u00fcller called it \u201ca good day\u201d and thanked the "
             "workers who rebuilt the central span.</p>")
    site.routes["/2023/05/04/bridge.html"] = Resource((
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Harbour bridge reopens | Daily</title>"
        "<meta property='article:published_time' content='2023-05-04T08:00:00Z'><meta name='author' "
        "content='Jane Roe'></head><body><nav><a href='/'>Home</a></nav><article><h1>Harbour bridge reopens</h1>"
        f"<img src='/pic.png' alt='The bridge'>{story}</article><footer>\u00a9 2019 Daily</footer></body></html>"
    ).encode())
    site.routes["/pic.png"] = Resource(b"\x89PNG\r\n\x1a\n", content_type="image/png")
    try:
        page = browser.new_page()
        page.goto(site.url("/2023/05/04/bridge.html"))
        archive = page.context.new_cdp_session(page).send("Page.captureSnapshot", {"format": "mhtml"})["data"]
    finally:
        site.close()
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "Harbour bridge reopens.mhtml").write_text(archive, encoding="utf-8", newline="")
    done = subprocess.run([sys.executable, "-m", "ingest", str(tmp_path / "saved"), "--store", str(tmp_path / "store"),
                           "--json"], cwd=ROOT_DIR, capture_output=True, text=True, timeout=600)
    assert json.loads(done.stdout.splitlines()[-1])["added"] == 1, done.stderr
    from bot.store import open_store

    records = open_store(tmp_path / "store", None, 8000, "news").all_records(with_bodies=True)
    [(article_id, (meta, body))] = records.items()
    assert article_id == site.url("/2023/05/04/bridge.html")
    assert (meta["title"], meta["author"], meta["published"]) == ("Harbour bridge reopens", "Jane Roe", "2023-05-04")
    assert body.splitlines() == ["The harbour bridge reopened on Thursday after eighteen months of repairs costing "
                                 "\u20ac12 million, the city said.", "Mayor Ren\u00e9e M\u00fcller called it "
                                 "\u201ca good day\u201d and thanked the workers who rebuilt the central span."]


# --- the Library and conversations that last ---------------------------------------------------
@pytest.fixture(scope="module")
def library_url(tmp_path_factory):
    """The app over the dev articles (the seed article among them) and the hostile one."""
    from tests.conftest import EVAL_ARTICLES

    if not EVAL_ARTICLES.exists():
        pytest.skip("the shared eval set is not here")
    folder = tmp_path_factory.mktemp("library")
    shutil.copytree(EVAL_ARTICLES, folder / "dev")
    (folder / "dev" / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    store = tmp_path_factory.mktemp("library-store") / "chroma"
    subprocess.run([sys.executable, "-m", "ingest", str(folder / "dev"), "--store", str(store)], cwd=ROOT_DIR,
                   check=True, capture_output=True, timeout=900)
    url, process = start_app(store)
    yield url, store
    stop(process)


def _library(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.get_by_role("tab", name="Library").click()
    page.wait_for_function("document.querySelector('#library-counts').innerText.includes('articles')",
                           timeout=60_000)


def test_the_library_lists_counts_narrows_charts_and_keeps_hostile_text_inert(library_url, browser, tmp_path):
    from bot.store import open_store

    url, store_dir = library_url
    store = open_store(store_dir, None, 8000, "news")
    everything, tony = store.library_summary(), store.library_summary("Tony")
    store.close()
    assert everything["articles"] == 169
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _library(page, url)
    assert f"{everything['articles']} articles" in page.inner_text("#library-counts")
    assert f"{everything['chunks']:,} chunks" in page.inner_text("#library-counts")
    page.wait_for_selector("#library-chart canvas, #library-chart svg", timeout=30_000)
    page.screenshot(path=str(tmp_path / "library.png"), full_page=True)
    assert "1–25 of 169" in page.inner_text("#library-position")
    page.fill("#library-search textarea, #library-search input", "Tony")
    page.click("#library-apply")
    articles = f"{tony['articles']} article{'s' * (tony['articles'] != 1)} ·"
    page.wait_for_function(f"document.querySelector('#library-counts').innerText.includes('{articles}')",
                           timeout=30_000)
    rows = page.locator("#library-table [role=row]").all_inner_texts()[1:]  # the first is the header
    assert rows and all("tony" in row.lower() for row in rows), rows
    _open_hostile_article(page)
    assert "<script>window.__pwned=1</script>" in page.inner_text("#library-article")
    assert "<script>" in page.inner_text("#library-table")  # the hostile title, as text
    assert page.evaluate("window.__pwned") is None and dialogs == []
    assert page.locator("#library-article img, #library-table img").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    page.screenshot(path=str(tmp_path / "library-article.png"), full_page=True)


def _open_hostile_article(page) -> None:
    """Search the Library for the hostile article and open it."""
    page.fill("#library-search textarea, #library-search input", "lighthouse vote")
    page.click("#library-apply")
    page.wait_for_function("document.querySelector('#library-counts').innerText.includes('1 article ·')",
                           timeout=30_000)
    page.locator("#library-table [role=row]").nth(1).get_by_text("lighthouse vote").click()
    page.wait_for_function("document.querySelector('#library-article').innerText.includes('lighthouse')",
                           timeout=30_000)


def test_a_reloaded_page_keeps_its_chat_and_an_export_holds_the_quotes_as_the_cards_show_them(library_url,
                                                                                              browser):
    url, _ = library_url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _ask(page, url, "Who called on Baku to unblock the Lachin Corridor?")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('Russia')", timeout=60_000)
    card = page.inner_text("#sources .card mark")
    page.wait_for_timeout(1500)  # the conversation is written to the browser's storage after the answer
    page.reload()
    page.wait_for_selector("#chat", timeout=60_000)
    page.wait_for_function("document.querySelector('#chat').innerText.includes('Lachin Corridor')",
                           timeout=60_000)
    assert "Russia" in page.inner_text("#chat")
    with page.expect_download(timeout=60_000) as download:
        page.click("#export-md")
        page.wait_for_selector("#exported a", timeout=30_000)
        page.locator("#exported a").first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Who called on Baku to unblock the Lachin Corridor?" in text
    assert f"> {card}" in text  # the exported quote is the card's, character for character


def test_a_conversation_about_one_article_stays_about_it_when_the_page_is_reloaded(library_url, browser):
    url, _ = library_url
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    _library(page, url)
    _open_hostile_article(page)
    page.click("#ask-about")
    page.wait_for_function("document.querySelector('#focus').innerText.includes('Asking about one article')",
                           timeout=30_000)
    page.wait_for_timeout(1500)  # the conversation is written to the browser's storage
    page.reload()
    page.wait_for_function("document.querySelector('#focus') && "
                           "document.querySelector('#focus').innerText.includes('lighthouse vote')", timeout=60_000)
    page.fill("#question textarea", "Who did the Russian foreign ministry urge to unblock the corridor?")
    page.click("#ask")
    page.wait_for_function("!document.querySelector('#sources').innerText.includes('Answering')", timeout=120_000)
    page.wait_for_timeout(1000)
    assert "Asbarez" not in page.inner_text("#sources")  # only the hostile article is searched


def test_deleting_an_article_in_the_library_removes_it_from_the_answers(library_url, browser):
    url, _ = library_url
    question = "What did the harbour council approve on Tuesday?"
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    _ask(page, url, question)
    assert "Hostile Wire" in page.inner_text("#sources")
    _library(page, url)
    _open_hostile_article(page)
    page.click("#delete-article")
    page.wait_for_function("document.querySelector('#library-message').innerText.includes('Deleted')",
                           timeout=60_000)
    page.wait_for_function("document.querySelector('#library-counts').innerText.includes('0 articles')",
                           timeout=30_000)
    assert "lighthouse" not in page.inner_text("#library-article")  # the deleted text is no longer shown
    page.click("#ask-about")
    page.wait_for_timeout(1000)
    assert "Asking about one article" not in page.inner_text("#focus")  # nothing is chosen now
    page.get_by_role("tab", name="Chat").click()
    page.click("#new-chat")
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function("!document.querySelector('#sources').innerText.includes('Searching')", timeout=120_000)
    page.wait_for_timeout(1000)
    assert "Hostile Wire" not in page.inner_text("#sources")
