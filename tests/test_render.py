"""What the chat shows of an answer: no injected link, image or tag, never half a link while streaming."""

from __future__ import annotations

from bot.render import before_quotes, streamable, strip_links

CITED = "https://cnn.com/a"


def test_links_images_and_html_are_removed_from_a_model_answer():
    text = "See [here](javascript:alert(1)) ![x](http://evil/x.png) <b>bold</b> http://evil.example/p [1]."
    cleaned = strip_links(text, allowed={CITED})
    assert "javascript" not in cleaned and "evil" not in cleaned and "<b>" not in cleaned
    assert "[1]" in cleaned and "here" in cleaned


def test_a_link_to_a_cited_article_stays():
    assert strip_links(f"from {CITED} [1]", {CITED}) == f"from {CITED} [1]"
    assert strip_links(f"[the story]({CITED}) [1]", {CITED}) == f"[the story]({CITED}) [1]"


def test_the_quotes_section_is_not_streamed():
    raw = 'Russia [1]\n\nQuotes:\n[1] "Russia on Wednesday called on Baku."'
    assert before_quotes(raw) == "Russia [1]"
    assert streamable(raw, set(), complete=True) == "Russia [1]"


def test_a_half_written_link_is_held_back_until_it_is_whole():
    prefixes = ("See [here](javascr", "See [here](javascript:alert(1)) now and more")
    shown = [streamable(prefix, set()) for prefix in prefixes]
    assert "javascr" not in shown[0] and "[here" not in shown[0]
    assert shown[1] == "See here now and" and "javascript" not in shown[1]


def test_the_last_word_waits_for_the_answer_to_end():
    assert streamable("Mira Talv", set()) == "Mira"
    assert streamable("Mira Talvik [2]", set(), complete=True) == "Mira Talvik [2]"


def test_no_prefix_of_a_streamed_answer_shows_an_injected_link_or_tag():
    raw = 'Voters elected <b>Mira</b> Talvik, see http://evil.example/x and [1] more.\n\nQuotes:\n[1] "x y z"'
    shown = [streamable(raw[:end], {CITED}) for end in range(len(raw) + 1)]
    assert not any("evil" in text or "<" in text or "Quotes" in text for text in shown)
    assert streamable(raw, {CITED}, complete=True) == "Voters elected Mira Talvik, see [link removed] and [1] more."


def test_what_is_shown_while_streaming_only_grows_until_it_is_the_whole_answer():
    # the chain shows only text that extends what is on screen: a prefix that later shrinks stalls the stream
    for raw in ("According to [the Greenfield report](https://x.org/a) Maria Kowalski won [1] the vote.",
                "Click [here](javascript:alert(1)) <img src=x onerror=alert(1)> Maria Kowalski [1] won.",
                'See <a href="https://e.example/p">the page</a> and [a](b) [1] end.'):
        shown = [streamable(raw[:end], set()) for end in range(len(raw) + 1)]
        assert all(later.startswith(earlier) for earlier, later in zip(shown, shown[1:])), raw
        assert not any("<" in text or "[the" in text or "[here" in text for text in shown)
        final = streamable(raw, set(), complete=True)
        assert final.startswith(shown[-1]) and final.endswith((" vote.", " won.", " end."))
