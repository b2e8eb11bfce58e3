"""Each article format becomes an Article with the right metadata and body."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.errors import ArticleError
from ingest import parse
from tests.conftest import SEED


def test_the_raw_seed_article_yields_its_title_source_and_date():
    article = parse.parse_txt(SEED.read_text(encoding="utf-8"), "seed", "seed.txt", "seed.txt")
    assert article.title == "Russia Urges Baku to ‘Unblock Lachin Corridor’"
    assert article.source == "Asbarez"
    assert article.author == "Asbarez"
    assert article.published == dt.date(2023, 6, 23)
    assert article.body.startswith("Russia on Wednesday called on Baku")
    assert article.body.endswith("Armenian-Turkish relations.”")
    assert "comments" not in article.body.splitlines()[-1]


def test_a_header_txt_reads_every_field_and_keeps_the_body_as_is():
    text = (
        "title: Gas hits $5\nsource: CNN\nauthor: Chris Isidore\npublished: 2022-06-11\n"
        "url: https://cnn.com/gas\n\nFirst line.\n\nSecond paragraph.\n"
    )
    article = parse.parse_txt(text, "f.txt", "f.txt", "f.txt")
    assert (article.title, article.source, article.author) == ("Gas hits $5", "CNN", "Chris Isidore")
    assert article.published == dt.date(2022, 6, 11)
    assert article.article_id == article.url == "https://cnn.com/gas"
    assert article.body == "First line.\n\nSecond paragraph."


def test_unknown_header_values_become_empty_and_the_id_falls_back_to_the_path():
    text = "title: T\nsource: CNN\nauthor: unknown\npublished: unknown\nurl: unknown\n\nBody."
    article = parse.parse_txt(text, "a/f.txt", "a/f.txt", "a/f.txt")
    assert (article.author, article.published, article.url) == ("", None, "")
    assert article.article_id == "a/f.txt"


def test_markdown_front_matter_gives_the_metadata():
    text = "---\ntitle: Hello\nsource: Wire\ndate: 2024-01-02\nurl: https://x.org/a\n---\n\nBody text here.\n"
    article = parse.parse_markdown(text, "a.md", "a.md", "a.md")
    assert (article.title, article.source, article.published) == ("Hello", "Wire", dt.date(2024, 1, 2))
    assert article.body == "Body text here."


def test_markdown_without_front_matter_takes_its_heading_as_title():
    article = parse.parse_markdown("# A heading\n\nThe body.", "a.md", "a.md", "a.md")
    assert (article.title, article.body) == ("A heading", "The body.")


def test_an_html_page_is_read_by_trafilatura_with_its_metadata():
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story about the harbour bridge reopening after repairs.</p>" for i in range(8)
    )
    html = (
        "<html><head><title>Bridge reopens | Daily</title>"
        '<meta name="author" content="Jane Roe"><meta property="article:published_time" content="2023-05-04">'
        '<meta property="og:url" content="https://daily.example/bridge"></head>'
        f"<body><nav>Home | News</nav><article><h1>Bridge reopens</h1>{paragraphs}</article>"
        "<footer>Copyright</footer></body></html>"
    )
    article = parse.parse_html(html, "b.html", "b.html", "b.html")
    assert article.title.startswith("Bridge reopens")
    assert article.author == "Jane Roe"
    assert article.published == dt.date(2023, 5, 4)
    assert article.url == "https://daily.example/bridge"
    assert "Paragraph 7 of the story" in article.body
    assert "Copyright" not in article.body


_STORY = "".join(f"<p>Paragraph {i} of the story about the harbour bridge reopening after repairs.</p>"
                 for i in range(6))


@pytest.mark.parametrize("no_date", [
    "<footer>© 2019 Daily Example</footer>",
    "<p class='issue'>June 2023 issue</p>",
    "<style>.ad { margin: 1995px }</style>",
], ids=["a copyright year", "a month", "a number in CSS"])
def test_a_saved_page_has_no_date_made_up_from_its_text(no_date):
    page = (f"<html><head><title>Bridge</title></head><body><article><h1>Bridge</h1>{_STORY}</article>{no_date}"
            "</body></html>")
    assert parse.parse_html(page, "b.html", "b.html", "b.html").published is None


@pytest.mark.parametrize("dated", ['<time datetime="2023-06-05T10:00:00Z">June 5</time>',
                                   '<p class="byline">Published June 5, 2023</p>',
                                   "<p>Posted on 5 June 2023 by admin</p>"])  # in the text only: a guess, kept
def test_a_saved_page_dated_in_its_byline_or_text_keeps_the_date(dated):
    page = f"<html><head><title>Bridge</title></head><body><article><h1>Bridge</h1>{dated}{_STORY}</article></body>"
    assert parse.parse_html(page, "b.html", "b.html", "b.html").published == dt.date(2023, 6, 5)


def test_a_page_saved_by_a_browser_keeps_the_address_it_was_saved_from():
    story = "".join(f"<p>Paragraph {i} of the story about the harbour bridge reopening after repairs.</p>"
                    for i in range(6))
    page = ("<!DOCTYPE html>\n<!-- saved from url=(0072)https://daily.example/2023/05/04/bridge?utm_source=news"
            "&fbclid=x#comments -->\n"
            f"<html><head><title>Bridge reopens</title></head><body><article>{story}</article></body></html>")
    assert parse.parse_html(page, "b.html", "b.html", "b.html").url == "https://daily.example/2023/05/04/bridge"


_NAV = "".join(f'<li><a href="/{s}">{s.title()}</a></li>' for s in ("world", "politics", "business", "sport"))


def _front_page(head: str = "", feed: str = "", summaries: bool = True) -> str:
    """A news site's front page: a menu, then two dozen teasers (a headline link, maybe a line of summary)."""
    teasers = "".join(
        f'<article class="card"><h3><a href="/2023/06/{10 + i}/world/story-{i}/index.html">Headline number {i} '
        f"tells of a big event in the world today</a></h3>"
        + (f"<p>A short summary of story {i}, which happened somewhere this week.</p>" if summaries else "")
        + "</article>" for i in range(24))
    link = f'<link rel="alternate" type="application/rss+xml" href="{feed}">' if feed else ""
    return (f"<!doctype html><html><head><title>The Daily Planet - Latest News</title>{head}{link}</head><body>"
            f"<header><nav><ul>{_NAV}</ul></nav></header><main><h2>Top stories</h2>{teasers}</main>"
            "<footer>© The Daily Planet</footer></body></html>")


_CONSENT_WALL = (
    "<html><head><title>Before you continue</title></head><body><div class='consent'><h1>We value your privacy</h1>"
    "<p>We and our 842 partners store and access information on a device, such as cookies, and process personal "
    "data, such as unique identifiers, for personalised advertising and content, ad and content measurement, "
    "audience research and services development.</p><p>You may click to consent to our and our partners' "
    "processing as described above, or refuse to consent, or manage preferences. Your choices apply to this "
    "site only.</p><button>Accept all</button><button>Reject all</button></div></body></html>")


_BEFORE_YOU_CONTINUE = (
    "<html><head><title>Before you continue to Search</title></head><body><h1>Before you continue</h1><p>We use "
    "cookies and data to deliver and maintain services.</p><p>If you choose to “Accept all,” we will also use cookies "
    "and data to show personalized ads. Select “More options” to see details about managing your privacy settings."
    "</p><button>Reject all</button><button>Accept all</button></body></html>")


@pytest.mark.parametrize(("page", "says"), [
    (_CONSENT_WALL, "is a cookie-consent page, not the article"),
    (_BEFORE_YOU_CONTINUE, "is a cookie-consent page, not the article"),
    (_front_page('<script type="application/ld+json">{"@type": "CollectionPage"}</script>'),
     "its metadata says collectionpage"),
    (_front_page(), "is an index of stories (25 story links), not an article"),
    (_front_page(summaries=False), "is an index of stories (24 story links), not an article"),
    (_front_page('<meta property="og:type" content="website">'), "is an index of stories"),
])
def test_a_saved_page_that_holds_no_article_is_refused_by_name(page, says):
    with pytest.raises(parse.NotAnArticle) as refused:
        parse.parse_html(page, "saved/front.html", "saved/front.html", "saved/front.html")
    assert refused.value.where == "saved/front.html" and says in refused.value.problem


def _post(i: int, words: int, head: str = "h2", link: bool = True, kind: str = "article") -> str:
    title = f"Harbour diary, part {i}: the bridge works go on"
    heading = f'<{head}><a href="/2023/06/diary-{i}/">{title}</a></{head}>' if link else f"<{head}>{title}</{head}>"
    text = " ".join(f"word{j}" for j in range(words))
    opening = '<div class="post hentry">' if kind == "div" else '<article class="post">'
    return f"{opening}{heading}<p>Part {i} of the diary. {text}</p>{'</div>' if kind == 'div' else '</article>'}"


@pytest.mark.parametrize("kind", ["article", "div"])
def test_a_tag_page_showing_whole_posts_is_refused_as_an_archive(kind):
    posts = "".join(_post(i, 150, kind=kind) for i in range(5))
    page = f"<html><head><title>Tag: harbour</title></head><body><nav><ul>{_NAV}</ul></nav><main>{posts}</main>"
    with pytest.raises(parse.NotAnArticle, match="is an archive of 5 whole posts"):
        parse.parse_html(page, "tag.html", "tag.html", "tag.html")


def test_an_article_with_related_cards_and_long_comments_is_an_article():
    main = _post(0, 400, head="h1", link=False)
    related = "".join(_post(i, 30, head="h3") for i in range(1, 6))  # linked headlines, short teasers
    comments = "".join(f'<article class="comment"><p>Reader {i} writes: {"a long comment " * 60}</p></article>'
                       for i in range(5))  # long, but no linked headline
    page = (f"<html><head><title>Harbour diary</title></head><body><main>{main}<section>{comments}</section>"
            f"<aside>{related}</aside></main></body></html>")
    assert "Part 0 of the diary" in parse.parse_html(page, "a.html", "a.html", "a.html").body


def test_an_index_page_names_the_feed_it_advertises():
    with pytest.raises(parse.NotAnArticle) as refused:
        parse.read_page(_front_page(feed="/rss/top.xml"), "https://planet.example/", "https://planet.example/")
    assert refused.value.feeds == ["https://planet.example/rss/top.xml"]
    assert "its feed is https://planet.example/rss/top.xml: ingest that" in refused.value.problem


def test_an_article_with_short_paragraphs_and_many_story_links_beside_it_is_an_article():
    related = "".join(f'<li><a href="/2023/06/0{i}/more-{i}.html">Related story number {i} about the harbour</a></li>'
                      for i in range(30))
    paragraphs = "".join(f"<p>Short paragraph {i} about the harbour bridge repairs.</p>" for i in range(12))
    for head in ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": '
                 '[{"@type": "WebSite"}, {"@type": "NewsArticle", "headline": "Bridge"}]}</script>',
                 '<meta property="og:type" content="article">'):
        page = (f"<html><head><title>Bridge reopens</title>{head}</head><body><nav><ul>{_NAV}</ul></nav>"
                f"<article><h1>Bridge reopens</h1>{paragraphs}</article><aside><ul>{related}</ul></aside>"
                "</body></html>")
        article = parse.parse_html(page, "b.html", "b.html", "b.html")
        assert "Short paragraph 11 about the harbour" in article.body


def _most_read(n: int) -> str:
    return "<aside><h2>Most read</h2><ol>" + "".join(
        f'<li><a href="/news/{i}">Council leader resigns over planning row in town number {i}</a></li>'
        for i in range(n)) + "</ol></aside>"


_BRIEF = "".join(f"<p>{line}</p>" for line in (
    "A man has been rescued after clinging to a capsized boat for 18 hours.",
    "The coastguard said he was spotted by a passing ferry on Sunday morning.",
    "He was taken to hospital with mild hypothermia.",
    "The lifeboat crew said he had been fishing alone when a wave hit.",
    "His family thanked the rescuers.", "An inquiry will look at the weather warnings.",
    "Crews were at sea for six hours.", "The ferry operator praised its crew.", "He is expected to recover."))
_LISTICLE = "".join(f"<h2>{i}. A market stall worth a visit, number {i}</h2><p>Cheap, friendly and open late.</p>"
                    for i in range(1, 21))
_OLD_CMS = ('<table><tr><td width="140">' + "".join(
    f'<font size="1"><a href="/news/{i}.html">Local story number {i} about the county fair</a></font><br>'
    for i in range(12)) + '</td><td><font face="Verdana" size="2"><b>Supervisors approve bridge</b><br><br>'
    + "<br><br>".join("The county supervisors voted on Tuesday to replace the Route 9 bridge, which has been closed "
                      f"to trucks since the spring floods, said the clerk in item {i}." for i in range(6))
    + "</font></td></tr></table>")


@pytest.mark.parametrize("body", [_BRIEF + _most_read(15), _LISTICLE + _most_read(10), _OLD_CMS],
                         ids=["short paragraphs beside a most-read list", "a listicle", "an old table layout"])
def test_an_article_page_without_any_metadata_is_an_article(body):
    page = f"<html><head><title>Local news</title></head><body><nav><ul>{_NAV}</ul></nav><main>{body}</main></body>"
    assert len(parse.parse_html(page, "a.html", "a.html", "a.html").body) > 250


def test_a_login_page_is_no_article():
    page = ("<html><head><title>Sign in</title></head><body><h1>Sign in to your account</h1><p>Already a "
            "subscriber? Sign in to continue reading.</p><form><input name='email'><button>Sign in</button></form>")
    with pytest.raises(parse.NotAnArticle, match="is a login or subscription page"):
        parse.parse_html(page, "l.html", "l.html", "l.html")


def test_a_page_of_twenty_thousand_links_in_one_big_box_is_read_once_not_once_per_link():
    """Each story link's box is read only as far as a teaser's length: a link inside a box of the whole page
    no longer costs a read of the page (20,000 links had taken 290 s)."""
    links = "".join(f'<a href="/s/{i}">story number {i} about the council vote</a> ' for i in range(20_000))
    page = f"<html><head><title>Big</title></head><body><div>{'Filler text of the page. ' * 20_000}{links}</div>"
    assert parse.parse_html(page, "big.html", "big.html", "big.html").body.startswith("Filler text")


def test_a_big_page_is_read_in_a_child_process_as_it_would_be_in_this_one(monkeypatch):
    story = "".join(f"<p>Paragraph {i} of the story about the harbour bridge reopening after repairs.</p>"
                    for i in range(8))
    page = (f"<html><head><title>Bridge reopens</title><meta name='author' content='Jane Roe'></head><body>"
            f"<article><h1>Bridge reopens</h1>{story}</article></body></html>")
    here = parse.parse_html(page, "b.html", "b.html", "b.html")
    monkeypatch.setattr(parse, "ISOLATE_CHARS", 0)  # every page is big now
    assert parse.parse_html(page, "b.html", "b.html", "b.html") == here
    with pytest.raises(parse.NotAnArticle, match="is an index of stories"):  # refusals cross the process too
        parse.parse_html(_front_page(), "front.html", "front.html", "front.html")


def test_a_page_built_to_be_slow_is_stopped_and_named(monkeypatch):
    spans = "".join(f"<span>w{i}</span> " for i in range(60_000))  # trafilatura: about two minutes
    monkeypatch.setattr(parse, "PAGE_SECONDS", 2.0)
    with pytest.raises(ArticleError, match=r"^slow\.html: took over 2 s to read .* save the article's text"):
        parse.parse_html(f"<html><body><article><p>{spans}</p></article></body></html>", "slow.html", "slow.html",
                         "slow.html")


def test_an_article_that_links_a_story_between_its_paragraphs_is_an_article():
    paragraphs = "".join(
        f"<p>Paragraph {k}: the harbour council of Ostrak voted on Tuesday to keep the ferry line running after a "
        "long debate about fares, timetables and the budget for next year.</p>"
        + (f"<p><a href='/news/{k}.html'>Council approves new budget for the harbour district {k}</a></p>" if k < 8
           else "") for k in range(12))
    page = f"<html><head><title>Ferry line saved</title></head><body><article>{paragraphs}</article></body></html>"
    assert "Paragraph 11" in parse.parse_html(page, "f.html", "f.html", "f.html").body


def test_an_article_about_cookies_is_not_a_consent_wall():
    text = ("Regulators said websites must let visitors reject all cookies as easily as they accept them, and that "
            "consent to the use of personal data by advertising partners must be freely given. ") * 40
    page = (f"<html><head><title>Cookie rules</title></head><body><article><h1>Cookie rules</h1><p>{text}</p>"
            "</article><footer><a href='/cookies'>Manage cookies</a><button>Accept</button></footer></body></html>")
    assert "reject all cookies" in parse.parse_html(page, "c.html", "c.html", "c.html").body


@pytest.mark.parametrize("depth", [300, 3_000, 50_000])
def test_a_page_nested_deeper_than_the_html_parser_likes_still_gives_its_text(depth):
    story = "<p>" + "The council voted to repair the lighthouse at a cost of 1.2 million euros. " * 10 + "</p>"
    page = ("<html><head><title>Deep page</title></head><body>" + "<div>" * depth
            + f"<article><h1>Deep page</h1>{story}</article>" + "</div>" * depth + "</body></html>")
    assert "1.2 million euros" in parse.parse_html(page, "deep.html", "deep.html", "deep.html").body


def test_a_feed_record_keeps_its_url_as_id():
    record = json.loads(
        '{"title": "T", "source": "S", "author": null, "published": "2022-01-02", "url": "https://u", "body": "B."}'
    )
    article = parse.parse_feed_record(record, "feed.jsonl:1", "feed.jsonl", "feed.jsonl")
    assert (article.article_id, article.published, article.author) == ("https://u", dt.date(2022, 1, 2), "")


def test_a_url_that_is_no_web_address_is_left_out_with_a_note():
    notes: list[str] = []
    record = {"title": "T", "url": "javascript:alert(1)", "body": "B."}
    article = parse.parse_feed_record(record, "feed.jsonl:1", "feed.jsonl", "feed.jsonl", notes)
    assert article.url == "" and article.article_id.startswith("feed.jsonl#sha:")
    assert notes == ["url 'javascript:alert(1)' is not an http(s) address; left empty"]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"title": "T"}, "no 'body'"),
        ({"title": "T", "body": "   "}, "no 'body'"),
        ({"title": 5, "body": "B"}, "'title' must be a string"),
        ({"id": True, "body": "B"}, "'id' must be a string, not bool"),
        (["not", "an", "object"], "not an object"),
    ],
)
def test_a_bad_feed_record_is_refused_with_the_reason(record, message):
    with pytest.raises(ArticleError, match=message) as caught:
        parse.parse_feed_record(record, "feed.jsonl:7", "feed.jsonl", "feed.jsonl")
    assert caught.value.where == "feed.jsonl:7"


def test_a_header_without_a_blank_line_is_refused():
    with pytest.raises(ArticleError, match="no blank line"):
        parse.parse_txt("title: T\nsource: S", "x.txt", "x.txt", "x.txt")


def test_a_raw_txt_with_only_a_title_is_refused():
    with pytest.raises(ArticleError, match="no body"):
        parse.parse_txt("Just a title\n\ncomments\n", "x.txt", "x.txt", "x.txt")


@pytest.mark.parametrize(
    ("published", "note"),
    [
        (20220101, "not a date (a int)"),
        ("someday", "has no full date"),
        ("Friday", "has no full date"),  # dateutil would make it the coming Friday
        ("Comments 12", "has no full date"),  # ... and this the 12th of this month
        ("June 2023", "has no full date"),
        ("2999-01-01", "in the future"),
    ],
)
def test_only_dates_that_are_really_there_are_kept_the_rest_is_left_empty_with_a_note(published, note):
    notes: list[str] = []
    article = parse.parse_feed_record({"body": "B", "published": published}, "feed.jsonl:7", "/f.jsonl",
                                      "feed.jsonl", notes)
    assert article.published is None
    assert len(notes) == 1 and note in notes[0]


@pytest.mark.parametrize("written", ["Friday, 23 June 2023", "23 June 2023", "June 23, 2023 10:30 EST",
                                     "2023-06-23T10:00:00Z", "Published on Jun 23 2023", "23.06.2023"])
def test_written_dates_with_year_month_and_day_are_read(written):
    assert parse.parse_date(written, "x") == dt.date(2023, 6, 23)


def test_a_dotted_date_is_read_day_first_as_the_countries_that_write_it_do():
    assert parse.parse_date("05.06.2023", "x") == dt.date(2023, 6, 5)
    assert parse.parse_date("Stand: 05.06.2023, 14:05 Uhr", "x") == dt.date(2023, 6, 5)
    assert parse.parse_date("06/05/2023", "x") == dt.date(2023, 6, 5)  # a slash stays month first


def test_a_byline_with_junk_instead_of_a_date_keeps_the_source_and_no_date():
    notes: list[str] = []
    article = parse.parse_txt("Title\nBy Probe Wire | Comments 12\nThe body.", "x.txt", "/x.txt", "x.txt", notes)
    assert (article.source, article.published) == ("Probe Wire", None)
    assert "no full date" in notes[0]


def test_long_titles_and_authors_are_cut_with_a_note():
    notes: list[str] = []
    article = parse.make_article("x", "x", "x", {"title": "T" * 1_000_000, "author": "A" * 5000}, "Body.", notes)
    assert len(article.title) == 300 and article.title.endswith("…") and len(article.author) == 300
    assert len(notes) == 2


def test_lone_surrogates_from_json_become_replacement_characters():
    article = parse.parse_feed_record(json.loads('{"title": "T\\ud800", "body": "a \\udfff b"}'), "f:1", "/f",
                                      "f")
    assert article.body == "a \ufffd b" and article.title == "T\ufffd"
    article.content_hash()  # encodes as UTF-8 without error


def test_yaml_aliases_and_deep_nesting_in_front_matter_are_refused():
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    ) + "title: *i\n---\nBody.\n"
    with pytest.raises(ArticleError, match="aliases"):
        parse.parse_markdown(bomb, "bomb.md", "/bomb.md", "bomb.md")
    deep = "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n"
    with pytest.raises(ArticleError, match="nests deeper"):
        parse.parse_markdown(deep, "deep.md", "/deep.md", "deep.md")


@pytest.mark.parametrize("outside", ["<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><h1>Deep page</h1>",
                                     "<p class='byline'>By Jane Smith</p>"], ids=["a menu", "a byline"])
def test_a_page_nested_past_the_parsers_limit_keeps_the_article_not_what_lies_outside(outside):
    story = "".join(f"<p>Paragraph {i}: the council voted to repair the lighthouse for 1.2 million euros.</p>"
                    for i in range(5))
    for tag in ("div", "b"):  # layout boxes, or inline tags, nested 3,000 deep around the story
        page = (f"<html><head><title>Deep page</title></head><body>{outside}" + f"<{tag}>" * 3_000 + story
                + f"</{tag}>" * 3_000 + "</body></html>")
        assert "Paragraph 4: the council" in parse.parse_html(page, "deep.html", "deep.html", "deep.html").body


def test_a_page_whose_only_text_is_its_headline_has_no_article_text():
    page = ("<html><head><title>Budget passes | Daily</title></head><body><div id='app'><h1>Budget passes</h1></div>"
            "<script id='__NEXT_DATA__' type='application/json'>{\"body\": \"The council voted.\"}</script></body>")
    with pytest.raises(ArticleError, match="no article text found"):
        parse.parse_html(page, "app.html", "app.html", "app.html")


def test_text_a_reader_never_sees_is_left_out():
    page = (f"<html><head><title>Bridge</title></head><body><article><h1>Bridge</h1>{_STORY}<p hidden>HIDDEN</p>"
            "<template><p>TEMPLATE</p></template><amp-ad width=300 height=250><div>AD SLOT</div></amp-ad>"
            "<p>Read the report <span hidden>(opens in a new window)</span> online.</p></article></body>")
    body = parse.parse_html(page, "b.html", "b.html", "b.html").body
    assert "Paragraph 5 of the story" in body and "Read the report online." in " ".join(body.split())
    assert not any(word in body for word in ("HIDDEN", "TEMPLATE", "AD SLOT", "opens in a new window"))


_JANE_ROE = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                       "author": {"@type": "Person", "name": "Jane Roe"}})


def test_a_script_inside_the_headline_joins_neither_the_title_nor_the_text():
    page = ("<html><head><title>Storm hits coast</title></head><body><article><h1>Storm hits coast<script>"
            "window.dataLayer=[];</script></h1><style>p { color: red }</style>"
            f"{_STORY}<script type='application/ld+json'>{_JANE_ROE}</script></article></body></html>")
    article = parse.parse_html(page, "s.html", "s.html", "s.html")
    assert article.title == "Storm hits coast" and article.author == "Jane Roe"  # the JSON-LD is still read
    assert article.body.startswith("Paragraph 0 of the story")
    assert not any(code in article.body for code in ("dataLayer", "color: red"))


_RESULTS = ("<table><caption>Senate results in key states</caption><thead><tr><th>State</th><th>Winner</th>"
            "<th>Share</th></tr></thead><tbody><tr><td colspan='3'>Called on election night</td></tr>"
            "<tr><td>Nevada</td><td>Catherine Cortez Masto</td><td>48.8%</td></tr>"
            "<tr><th>State</th><th>Winner</th><th>Share</th></tr>"  # a long table repeats its header
            "<tr><td>Arizona</td><td><a href='/kelly'>Mark Kelly</a></td><td>51.4%</td></tr></tbody></table>")


def test_a_data_table_is_read_row_by_row_under_its_headers():
    """trafilatura leaves tables out: the results an article is about were lost."""
    facts = "<table><tr><th>Turnout</th><td>61%</td></tr><tr><th>Runoff:</th><td>Georgia, December 6</td></tr></table>"
    page = (f"<html><head><title>Senate</title></head><body><article><h1>Democrats keep the Senate</h1>{_STORY}"
            f"{_RESULTS}<p>Georgia goes to a runoff in December.</p>{facts}</article></body></html>")
    body = parse.parse_html(page, "s.html", "s.html", "s.html").body
    lines = body.split("\n")
    start = lines.index("Senate results in key states")
    assert lines[start:start + 4] == [
        "Senate results in key states", "Called on election night",
        "State: Nevada; Winner: Catherine Cortez Masto; Share: 48.8%",
        "State: Arizona; Winner: Mark Kelly; Share: 51.4%"]
    assert lines[start + 4] == "Georgia goes to a runoff in December."
    assert lines[-2:] == ["Turnout: 61%", "Runoff: Georgia, December 6"]


def test_a_table_that_lays_out_the_page_is_read_as_before():
    sidebar = "".join(f"<p><a href='/n/{i}'>Story {i}</a></p>" for i in range(3))
    page = (f"<html><head><title>Bridge</title></head><body><table><tr><td>{sidebar}</td><td><h1>Bridge</h1>"
            f"{_STORY}</td></tr><tr><td>Menu</td><td>Footer of the site</td></tr></table></body></html>")
    lines = parse.parse_html(page, "b.html", "b.html", "b.html").body.split("\n")
    assert "Paragraph 0 of the story about the harbour bridge reopening after repairs." in lines
    assert not any(";" in line or ":" in line for line in lines)  # not made rows of "cell; cell"


_NOTE = "On the second Wednesday of the month the advanced class trains on the agility course instead."


@pytest.mark.parametrize("table", [
    f"<table><tr><td>Sunday</td><td>10:00</td></tr><tr><td>Wednesday</td><td>17:15</td></tr><td>{_NOTE}</td></table>",
    f"<table><tr><td>Sunday</td><td>10:00</td></tr><tr><td>Wednesday</td><td><p>17:15</p><p>{_NOTE}</p></td></tr>"
    "</table>",
    "<table><tr><td>Sunday</td><td>10:00</td></tr><tr><td>Wednesday</td><td><h2>Agility</h2>17:15</td></tr></table>",
    f"<table><tr><td>Sunday</td><td>10:00</td></tr><tr><td>Wednesday</td><td>{_NOTE} {_NOTE}</td></tr></table>",
    "<table role='presentation'><tr><td>Sunday</td><td>10:00</td></tr><tr><td>Wednesday</td><td>17:15</td></tr>"
    "</table>",
], ids=["a cell outside any row (broken markup)", "two paragraphs in a cell", "a heading in a cell", "a long cell",
        "declared as layout"])
def test_a_table_with_what_lays_out_a_page_is_no_data_table(table):
    """Read row by row, its text outside the grid would be lost, or prose run into "cell; cell" lines."""
    assert parse._table_lines(parse._tree(f"<html><body>{table}</body></html>").find(".//table")) is None


def test_header_cells_a_thead_holds_without_a_row_label_the_rows():
    table = ("<table><thead><th>Name</th><th>Price</th></thead><tr><td><p>Grill 800</p></td><td>299 euros</td></tr>"
             "<tr><td><p>Grill 600</p></td><td>249 euros</td></tr></table>")  # as a shop's review writes it
    lines = parse._table_lines(parse._tree(f"<html><body>{table}</body></html>").find(".//table"))
    assert lines == ["Name: Grill 800; Price: 299 euros", "Name: Grill 600; Price: 249 euros"]


def test_a_line_break_in_a_data_tables_cell_is_a_space():
    table = ("<table><tr><td>Sunday</td><td>10:00 beginners<br>11:15 advanced</td></tr><tr><td>Wednesday</td>"
             "<td>17:15 beginners</td></tr></table>")
    page = f"<html><head><title>Club</title></head><body><article><h1>Club</h1>{_STORY}{table}</article></body></html>"
    assert parse.parse_html(page, "c.html", "c.html", "c.html").body.split("\n")[-2:] == [
        "Sunday: 10:00 beginners 11:15 advanced", "Wednesday: 17:15 beginners"]


_LEDE = "The harbour bridge reopened on Monday after a year of repairs costing £40m."


@pytest.mark.parametrize("top", [
    f"<header><h1>Bridge reopens</h1><div class='standfirst'><p>{_LEDE}</p></div></header>",
    f"<div class='hero'><h1>Bridge reopens</h1><p class='intro'>{_LEDE}</p><span class='byline'>By Jane Roe</span>"
    "</div>",
    f"<h1>Bridge reopens</h1><div class='summary'>{_LEDE}</div>",
    f"<h1>Bridge ‘reopens’</h1><div class='o-row fixed-sidebar-layout'><div class='intro'><p>{_LEDE}</p></div>",
], ids=["a standfirst in the header", "an intro in a hero box", "a summary beside the headline",
        "typographic quotes, in a row of a sidebar layout that also holds the story"])
def test_a_lede_set_apart_from_the_story_is_its_first_paragraph(top):
    """trafilatura takes the story's box and left out the lede the page sets above it."""
    page = (f"<html><head><title>Bridge 'reopens'</title></head><body><nav><a href='/'>Home</a></nav><main>{top}"
            f"<div class='article-body'>{_STORY}</div>{'</div>' * ('sidebar' in top)}</main></body></html>")
    assert parse.parse_html(page, "b.html", "b.html", "b.html").body.split("\n")[:2] == [
        _LEDE, "Paragraph 0 of the story about the harbour bridge reopening after repairs."]


def test_what_stands_between_headline_and_story_is_no_lede_unless_it_reads_as_one():
    between = ("<p class='byline'>By Jane Roe, transport correspondent for the Daily Example, in Harbourtown.</p>"
               "<figure><img src='b.jpg'><figcaption>Workers repaint the bridge on Sunday before it reopens to "
               "traffic.</figcaption></figure><div class='newsletter-signup'>Sign up to our morning briefing for "
               "the news you need to start your day.</div><p>Updated 3 hours ago</p><div class='signup-prompt'>"
               "<p>Daily Example is home to over a million readers who want the local news first.</p></div>")
    page = (f"<html><head><title>Bridge reopens</title></head><body><header><h1>Daily Example</h1><p>{_LEDE}</p>"
            f"</header><main><h1>Bridge reopens</h1>{between}<div class='article-body'>{_STORY}</div></main></body>"
            "</html>")  # the first <h1> is the site's name: what follows it is no lede either
    assert parse.parse_html(page, "b.html", "b.html", "b.html").body.startswith("Paragraph 0 of the story")


_TSAI = ["Taiwan's president won re-election on Saturday by a wide margin, official results showed.",
         "Her rival conceded defeat late in the evening, and thousands of supporters gathered in Taipei.",
         "The vote was seen as a rebuke of Beijing, which claims the island as its own territory.",
         "Turnout was higher than at the last election four years ago, the central election commission said.",
         "Her party also kept its majority in the legislature, though with fewer seats than before.",
         "Foreign governments congratulated her within hours of the result being announced on television.",
         *(f"District {i} reported its count by midnight, with turnout above four years ago." for i in range(8))]


def _built_by_scripts(body: str, shown: str) -> str:
    declared = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Tsai wins",
                           "datePublished": "2020-01-11T10:00:00Z", "author": {"@type": "Person", "name": "Jane Roe"},
                           "articleBody": body}).replace("</", "<\\/")  # as sites write it inside <script>
    return (f"<html><head><title>Tsai wins | Daily</title><script type='application/ld+json'>{declared}</script>"
            f"</head><body><div id='app'><h1>Tsai wins</h1>{shown}</div><script src='/app.js'></script></body></html>")


@pytest.mark.parametrize(("body", "shown"), [
    (" ".join(_TSAI), "<p>The president's victory was no easy feat, and it holds lessons for the island's "
     "politics and for its neighbours, analysts say.</p><p>Subscribers can read how the campaign was won, and "
     "what the result means for relations across the strait, in our full report on the election.</p>"),  # a teaser
    ("<p>" + "</p><p>".join(_TSAI).replace("'", "&#8217;").replace("Taipei.", "Taipei.<script>track()</script>")
     + "</p>", ""),  # markup in it (a script too); the page shows only the headline
], ids=["plain text beside a teaser", "paragraphs in markup"])
def test_a_page_built_by_its_scripts_is_read_from_the_text_its_json_ld_declares(body, shown):
    article = parse.parse_html(_built_by_scripts(body, shown), "t.html", "t.html", "t.html")
    assert (article.title, article.author, str(article.published)) == ("Tsai wins", "Jane Roe", "2020-01-11")
    expected = " ".join(_TSAI) if shown else "\n".join(_TSAI).replace("'", "’")
    assert article.body == expected


def test_a_page_whose_html_holds_its_text_is_read_from_the_html_not_its_json_ld():
    page = _built_by_scripts("A summary the site declares for search engines, one sentence long and no more than "
                             "that, which is not the story itself.", _STORY)
    assert parse.parse_html(page, "t.html", "t.html", "t.html").body.startswith("Paragraph 0 of the story")


def test_no_lede_is_added_to_a_text_that_begins_before_the_headline():
    """trafilatura's text may open with a sidebar's text, the headline further down: what stands before that
    text is the sidebar's too, not the story's lede."""
    promo = "Workshops on open licences for schools, universities and libraries across the country."
    tree = parse._tree(f"<html><body><h1>Bridge reopens</h1><div class='column'><p>{promo}</p><p>We visit "
                       f"schools.</p></div><div class='story'><h2>Bridge reopens</h2>{_STORY}</div></body></html>")
    text = "We visit schools.\nBridge reopens\n" + "\n".join(f"Paragraph {i} of the story" for i in range(3))
    assert parse._with_lede(text, tree, "Bridge reopens") == text


def test_a_canonical_link_to_the_sites_front_page_is_not_the_articles_address():
    page = ("<!-- saved from url=(0037)https://daily.example/2023/05/bridge -->\n<html><head><title>Bridge</title>"
            "<link rel='canonical' href='https://daily.example/'><meta property='og:url' content='https://daily.example/'>"
            f"</head><body><article><h1>Bridge</h1>{_STORY}</article></body></html>")
    assert parse.parse_html(page, "b.html", "b.html", "b.html").url == "https://daily.example/2023/05/bridge"
    assert parse.read_page(page, "https://daily.example/2023/05/bridge", "https://daily.example/2023/05/bridge").url \
        is None  # a fetched page is then known by the address it was fetched from
    assert parse.read_page(page, "https://daily.example/", "https://daily.example/").url == "https://daily.example/"


@pytest.mark.parametrize("href", ["#entry-{i}", "https://daily.example/live/floods#entry-{i}"])
def test_a_live_blog_whose_entries_link_to_themselves_is_an_article(href):
    entries = "".join(
        f"<article class='post'><h2><a href='{href.format(i=i)}'>Rescuers reach village {i} as the waters recede"
        f"</a></h2><p>{f'Entry {i}: rescuers reached the village and found people needing help. ' * 12}</p></article>"
        for i in range(12))
    page = ("<html><head><title>Floods live</title><link rel='canonical' href='https://daily.example/live/floods'>"
            f"</head><body><main><h1>Floods live</h1>{entries}</main></body></html>")
    assert "Entry 11: rescuers" in parse.parse_html(page, "live.html", "live.html", "live.html").body


def test_a_short_story_about_cookie_consent_declared_an_article_by_og_type_is_an_article():
    text = ("The regulator fined the search company 150 million euros for making it harder to reject all cookies "
            "than to accept them; consent must be freely given, it said, and personal data shared with partners "
            "only after visitors agree. Manage your choices, the ruling says, must be one click away. ")
    page = ("<html><head><title>Cookie fine</title><meta property='og:type' content='article'></head><body>"
            f"<article><h1>Cookie fine</h1><p>{text}</p><p>{text}</p></article>"
            "<div class='banner'>We use cookies <button>Accept</button></div></body></html>")
    assert "reject all cookies" in parse.parse_html(page, "c.html", "c.html", "c.html").body


def test_a_date_found_only_in_a_pages_text_is_a_guess_that_a_feed_items_date_beats():
    page = f"<html><head><title>Bridge</title></head><body><article><h1>Bridge</h1><p>5 June 2023</p>{_STORY}</article>"
    found = parse.read_page(page, "https://daily.example/bridge", "https://daily.example/bridge")
    assert (found.date, found.guessed) == (None, "2023-06-05")  # ingest.feeds: the item's pubDate, else this


def test_text_beside_a_block_stays_a_paragraph_of_its_own():
    page = ("<html><head><title>Budget</title></head><body><article><h1>Budget</h1><div>The council voted on Tuesday "
            "to approve the budget after months of debate.<div>Mayor Elena Ruiz said the plan adds forty buses by "
            "spring.</div>Opponents said the cost of twelve million dollars would strain reserves.<div>The plan takes "
            "effect on July 1, officials said.</div></div></article></body></html>")
    body = parse.parse_html(page, "b.html", "b.html", "b.html").body
    assert body.splitlines() == [
        "The council voted on Tuesday to approve the budget after months of debate.",
        "Mayor Elena Ruiz said the plan adds forty buses by spring.",
        "Opponents said the cost of twelve million dollars would strain reserves.",
        "The plan takes effect on July 1, officials said."]


def test_a_paywalls_prompt_left_in_an_articles_text_is_left_out():
    page = ("<html><head><title>Bridge</title><meta property='article:published_time' content='2023-05-04'></head>"
            f"<body><article><h1>Bridge</h1>{_STORY}<p>Subscribe to continue reading</p><p>Already a subscriber? "
            "Sign in</p><p>Get unlimited access for $1 a week. Cancel anytime.</p></article></body></html>")
    body = parse.parse_html(page, "b.html", "b.html", "b.html").body
    assert body.endswith("Paragraph 5 of the story about the harbour bridge reopening after repairs.")
    only = page.replace(_STORY, "")
    with pytest.raises(ArticleError, match="holds only a prompt to sign in or subscribe"):
        parse.parse_html(only, "b.html", "b.html", "b.html")


def test_a_gallerys_captions_are_lines_of_their_own_not_one_run_on_line():
    captions = "".join(f"<figure><img src='/{i}.jpg' alt='Photo {i}'><figcaption>Photo {i}: residents clear debris "
                       f"from street {i} after the storm. (AP)</figcaption></figure>" for i in range(12))
    page = ("<html><head><title>In pictures: storm aftermath</title></head><body><article><h1>In pictures: storm "
            "aftermath</h1><p>The storm left a trail of destruction across the coast on Sunday.</p>"
            f"<div class='gallery'>{captions}</div></article></body></html>")
    lines = parse.parse_html(page, "g.html", "g.html", "g.html").body.splitlines()
    assert lines[0] == "The storm left a trail of destruction across the coast on Sunday."
    assert lines[1:] == [f"Photo {i}: residents clear debris from street {i} after the storm. (AP)" for i in range(12)]
