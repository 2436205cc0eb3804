"""Finishing touches on every built HTML page (the MkDocs ``on_post_page`` step).

- Long Dutch words in headings get soft hyphens (pyphen, nl_NL): Debian's Chromium has no Dutch
  dictionary for ``hyphens: auto``, so without them "Spiegelbijeenkomsten" overflows a narrow
  heading. Only in headings: in body text a word broken over two lines ("mantelzor-gers") slows
  down readers at B1 level and readers with dyslexia, and body text is small enough to fit.
- The theme's own skip link goes (ours in ``overrides/main.html`` stays): one skip link per page.
- The theme's navigation markup is made valid HTML (the Nu Html Checker finds ``tabindex=""``
  and ``autocomplete`` on checkboxes, which the HTML standard does not allow).
"""

from __future__ import annotations

import re

from spiegel.content.hyphen import _WORD, SHY, hyphenate_word

__all__ = ["SHY", "hyphenate_html", "polish", "valid_theme_markup"]

# Text between tags; the contents of these elements are left alone.
_RAW = re.compile(
    r"(<(script|style|textarea|title|code|pre)\b[^>]*>.*?</\2>|<!--.*?-->|<[^>]+>)", re.S | re.I
)


_HEADING = re.compile(r"(<h([1-6])\b[^>]*>)(.*?)(</h\2\s*>)", re.S | re.I)


def hyphenate_html(html: str) -> str:
    """Soft hyphens in the headings of the page body; tags, attributes and all other text untouched."""
    head, sep, body = html.partition("<body")
    if not sep:
        return html
    # Per heading, one pass over its content: markup (group 1) is kept, a long word (group 3)
    # gets its soft hyphens; a word's edges see the same characters as in the text between tags.
    return head + sep + _HEADING.sub(_hyphenate_heading, body)


def _hyphenate_heading(m: re.Match[str]) -> str:
    inner = _MARKUP_OR_WORD.sub(_hyphenate_match, m.group(3))
    return m.group(1) + inner + m.group(4)


# _RAW's flags only for its own part: the word pattern is matched exactly as on its own.
_MARKUP_OR_WORD = re.compile(f"(?si:{_RAW.pattern})|({_WORD.pattern})")


def _hyphenate_match(m: re.Match[str]) -> str:
    word = m.group(3)
    return m.group(0) if word is None else hyphenate_word(word)


_THEME_SKIP = re.compile(r'(<div data-md-component="skip">).*?(</div>)', re.S)
_CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input\b[^>]*type="checkbox"[^>]*?)\s+autocomplete="off"')


_TOC_LABEL = re.compile(r'(<label class="md-nav__title") for="__toc"')


def _drop_empty_tabindex(html: str) -> str:
    """``re.sub(r'\\s+tabindex=""', "", html)``, by splitting on the literal: a pattern that
    starts with ``\\s`` is tried at every character of the page, 100 times slower."""
    parts = html.split('tabindex=""')
    out = [parts[0]]
    for nxt in parts[1:]:
        stripped = out[-1].rstrip()
        if stripped != out[-1]:
            out[-1] = stripped
        else:
            out.append('tabindex=""')  # no space before it: not an attribute, left alone
        out.append(nxt)
    return "".join(out)


def valid_theme_markup(html: str) -> str:
    html = _THEME_SKIP.sub(r"\1\2", html, count=1)
    if 'id="__toc"' not in html:  # section index pages: the theme labels a toggle it left out
        html = _TOC_LABEL.sub(r"\1", html)
    html = _drop_empty_tabindex(html)
    return _CHECKBOX_AUTOCOMPLETE.sub(r"\1", html)


def polish(html: str) -> str:
    return hyphenate_html(valid_theme_markup(html))
