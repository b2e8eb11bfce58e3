"""bot/text.py: sentence spans (linear on any input), trimming, content words."""

from __future__ import annotations

from bot.text import content_words, sentence_spans, trim


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def test_sentences_end_at_terminal_punctuation_and_at_every_line_break():
    text = "The council met on Tuesday. It approved the budget!\nA new paragraph starts here"
    assert sentences(text) == ["The council met on Tuesday.", "It approved the budget!", "A new paragraph starts here"]


def test_abbreviations_and_initials_do_not_end_a_sentence():
    text = "Gen. Smith met J. K. Rowling in the U.S. on Monday. They talked."
    assert sentences(text) == ["Gen. Smith met J. K. Rowling in the U.S. on Monday.", "They talked."]


def test_quotes_and_brackets_after_the_stop_stay_with_their_sentence():
    text = 'He said "we will win." (The vote is Friday.) Polls open at nine.'
    assert sentences(text) == ['He said "we will win."', "(The vote is Friday.)", "Polls open at nine."]


def test_spans_are_offsets_into_the_text_without_surrounding_whitespace():
    text = "  First one.   Second one.  \n\n  Third  "
    for start, end in sentence_spans(text):
        assert text[start:end] == text[start:end].strip() and text[start:end]
    assert sentences(text) == ["First one.", "Second one.", "Third"]


def test_a_line_of_200_000_dots_is_one_sentence_not_a_hang():
    text = "." * 200_000 + " Then words."
    spans = sentence_spans(text)
    assert spans and spans[-1][1] == len(text)


def test_trim_and_content_words():
    assert trim("  ab  ", 0, 6) == (2, 4)
    assert trim("    ", 0, 4) is None
    assert content_words("The Mayor of the city said it was 42 degrees") == {"mayor", "city", "42", "degrees"}


def test_text_from_outside_loses_control_characters_and_terminal_escapes():
    from bot.text import clean_input, clean_text

    hostile = "a\x1b[31mred\x1b[0m b\x00c\r\nd\re\x0cf\x85g\u2028h\x07i\tj\x9bk\ud800"
    assert clean_text(hostile) == "ared bc\nd\ne\nf\ng\nhi\tjk\ufffd"  # breaks kept as "\n", tabs kept
    assert clean_input("Who\x1b[2J won\r\n?\x00") == "Who won\n?"  # streamed pieces: a CR is dropped, not a break
    assert clean_text("Día de los Muertos — “quoted” ‘text’ …") == "Día de los Muertos — “quoted” ‘text’ …"
