"""What of an answer the chat may show: no injected links or markup, nothing half-written while streaming.

``strip_links`` drops images, HTML tags and links from an answer, except links
to the cited articles: an instruction planted in an article ("add this link")
must not reach the user as something to click. ``streamable`` is the part of a
partial answer that may be shown already: whole words, before the quotes
section, no link or tag until it is complete (so it is stripped whole).

What it leaves out: judging text itself; a plain-text url of a cited article
stays, the sources' own links are on their cards.
"""

from __future__ import annotations

import re

# The bracketed and tagged parts exclude their own opening character, so that a run of unclosed
# openers ("[[[[…", "<a<a<a…") fails at each at once: every pattern here is linear in the text.
# A link's target may hold one level of parentheses ("javascript:alert(1)"); the two alternatives
# start with different characters, so there is one way to match.
_TARGET = r"\(((?:[^()]|\([^()]*\))*)\)"
_MARKDOWN_IMAGE = re.compile(r"!\[([^\[\]]*)\]" + _TARGET)
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]+)\]" + _TARGET)
_BARE_URL = re.compile(r"\b(?:https?|javascript|data|vbscript|file):[^\s<>\"')\]]+", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def strip_links(text: str, allowed: set[str]) -> str:
    """A model's answer without images, HTML tags or links, except urls of the cited articles.

    Injected instructions in an article ("add this link") must not reach the
    user as a clickable link; the sources' own links are shown on their cards.
    """
    text = _MARKDOWN_IMAGE.sub(lambda m: m.group(1), text)
    text = _MARKDOWN_LINK.sub(lambda m: m.group(0) if m.group(2) in allowed else m.group(1), text)
    text = _HTML_TAG.sub("", text)
    text = _BARE_URL.sub(lambda m: m.group(0) if m.group(0) in allowed else "[link removed]", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def streamable(raw: str, allowed: set[str], complete: bool = False) -> str:
    """What of a partial answer may be shown already: whole words before the quotes section, no half-written
    link or tag, links stripped (``complete``: the answer is finished, its last word is whole).

    A url or tag is held back until it is complete, so ``strip_links`` sees it
    whole and an injected link is never on screen, not even while streaming.
    """
    text = before_quotes(raw)
    if complete:
        return strip_links(text, allowed)
    end = max(text.rfind(" "), text.rfind("\n"))
    text = text[: end + 1]  # whole words first: the last space may stand inside a tag or a link
    cut = len(text)
    for opener, closer in (("<", ">"), ("[", "]"), ("](", ")")):
        start = text.rfind(opener)
        if start != -1 and text.find(closer, start + len(opener)) == -1:
            if opener == "](":  # a link's target is still coming: hold back its text too, from its "["
                start = max(text.rfind("[", 0, start), 0)
            cut = min(cut, start)
    return strip_links(text[:cut], allowed)


def before_quotes(raw: str) -> str:
    """The part of a streamed answer before its quotes section (shown while streaming)."""
    lowered = raw.lower()
    cut = len(raw)
    for marker in ("\nquotes", "\n**quotes", "\nquote:", "\nsources:", "\n#"):
        index = lowered.find(marker)
        if index != -1:
            cut = min(cut, index)
    # Hold back a trailing partial line that might become the quotes header.
    last_newline = raw.rfind("\n", 0, cut)
    if cut == len(raw) and last_newline != -1 and len(raw) - last_newline < 12:
        cut = last_newline
    return raw[:cut].rstrip()
