"""First paint without render-blocking stylesheets: the inline critical CSS, checked on the HTML.

Whether the inline CSS draws the page exactly as the full stylesheets do is checked in a real
browser (tests/test_browser.py, test_critical_css_draws_the_page_as_the_full_css).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import tinycss2
from spiegel.site import critical, cssrules, selectors
from spiegel.site.critical import critical_css, inline_critical, page_tokens

from .conftest import Project

FAST_PAGES = ["", "spiegelbijeenkomst", "spiegelbijeenkomst/aanmelden"]
SHEETS = ["main", "palette", "brand.css", "spiegel.css"]

PAGE = (
    '<html lang="nl" dir="ltr"><body data-md-color-scheme="default">'
    '<header class="md-header"><input id="__search" type="checkbox" data-md-toggle="search">'
    '</header><div class="md-typeset"><h1>Titel</h1><p><a href="x">link</a></p></div></body></html>'
)


@pytest.mark.parametrize(
    ("rule", "kept"),
    [
        (".md-header{color:red}", True),
        (".md-tabs{color:red}", False),  # class not on the page
        (".md-typeset h1{color:red}", True),
        (".md-typeset table{color:red}", False),  # element not on the page
        ("#__search{color:red}", True),
        ("#__drawer{color:red}", False),  # id not on the page
        ("[dir=ltr] .md-typeset{margin:0}", True),
        ("[dir=rtl] .md-typeset{margin:0}", False),  # attribute value not on the page
        ("[data-md-color-scheme=slate]{color:red}", False),
        ("[data-md-toggle=search]:checked~.md-header{color:red}", True),  # states never remove
        (".md-typeset a:hover:before{color:red}", True),
        (".md-typeset :not(.md-tabs){color:red}", True),  # negation never removes
        (":is(.md-tabs,.md-header) p{color:red}", True),  # one alternative is enough
        (":is(.md-tabs,.md-footer) p{color:red}", False),
        (".md-tabs,.md-header{color:red}", True),  # the rule stays whole
        (":root{--used:red;--unused:blue}a{color:var(--used)}", True),
        ("@media print{.md-header{display:none}}", True),  # print rules of the page stay
        ("@media print{.md-tabs{display:none}}", False),  # an emptied block goes
        ("@page{size:A4}", True),
    ],
)
def test_critical_css_keeps_what_can_match(rule: str, kept: bool) -> None:
    css = critical_css([rule], page_tokens(PAGE))
    assert bool(css.strip()) is kept, css


def test_unused_custom_properties_are_left_out() -> None:
    css = critical_css(
        [":root{--used:red;--chain:var(--deep);--deep:1px;--icon:url(x.svg)}a{color:var(--used)}"],
        page_tokens(PAGE),
    )
    assert "--used:red" in css and "--icon" not in css
    assert "--chain" not in css and "--deep" not in css  # unused once --chain is gone


def test_page_without_our_stylesheets_is_left_alone() -> None:
    html = '<html><head><link rel="stylesheet" href="x.css"></head><body></body></html>'
    assert inline_critical(html, "", lambda path: None) == html


def test_only_our_own_scripts_move_into_the_loader() -> None:
    html = (
        '<html><head><link rel="stylesheet" href="a.css"></head><body>'
        '<script src="assets/javascripts/bundle.js"></script>'
        '<script src="https://evil.example/x.js"></script>'
        '<script src="//evil.example/y.js"></script></body></html>'
    )
    out = inline_critical(html, "", lambda path: "body{margin:0}")
    assert '"assets/javascripts/bundle.js"' in out
    assert '<script src="https://evil.example/x.js"></script>' in out  # the audit still sees it
    assert '<script src="//evil.example/y.js"></script>' in out


def _head(html: str) -> str:
    match = re.search(r"<head>.*?</head>", html, re.S)
    assert match
    return match.group(0)


@pytest.mark.parametrize("url", FAST_PAGES)
def test_no_render_blocking_stylesheet_or_script(built_site: Project, url: str) -> None:
    html = built_site.raw_page(url)
    head = _head(html)
    outside_noscript = re.sub(r"<noscript>.*?</noscript>", "", head, flags=re.S)
    assert '<link rel="stylesheet"' not in outside_noscript
    noscript = re.search(r"<noscript>(.*?)</noscript>", head, re.S)
    assert noscript, "without JavaScript the full stylesheets load as before"
    loader = re.search(r"<script>\(function\(\)\{var css=(\[.*?\]),js=(\[.*?\])", head)
    assert loader, "the inline loader"
    for name in SHEETS:
        assert name in noscript.group(1) and name in loader.group(1), name
    assert not re.search(r"<script\b[^>]*\bsrc=", html)  # no script holds the page up
    assert "bundle." in loader.group(2) and "spiegel-forms.js" in loader.group(2)


@pytest.mark.parametrize("url", FAST_PAGES)
def test_critical_css_is_inline_and_trimmed(built_site: Project, url: str) -> None:
    style = re.search(r"<style>(.*?)</style>", _head(built_site.raw_page(url)), re.S)
    assert style
    css = style.group(1)
    full_css = "".join(
        p.read_text(encoding="utf-8")
        for p in sorted((built_site.site / "assets" / "stylesheets").glob("*.css"))
    )
    full = len(full_css)
    for absent in (".md-tabs{", "[dir=rtl] .md-typeset dd{"):
        assert absent in full_css, absent  # so the check below can fail
    assert ".md-header{" in css and ".spiegel-example" in css  # theme and our own rules
    assert "@media print" in css and "size: A4" in css  # the leaflet still prints on A4
    for absent in (".md-tabs{", "[dir=rtl] .md-typeset dd{"):  # not on these pages
        assert absent not in css, absent
    assert len(css) < full / 3, (len(css), full)


# ---------------------------------------------------------------- the rules found by cssrules


def _dump(items: tuple[Any, ...]) -> list[Any]:
    """Everything the critical CSS reads of a compiled stylesheet."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, critical._Rule):
            out.append(("r", item.alternatives, item.whole, item.prelude, item.declarations))
        elif isinstance(item, critical._Group):
            out.append(("g", item.prelude, _dump(item.rules)))
        else:
            out.append(("o", item.whole))
    return out


def _split_compiled(css: str) -> tuple[Any, ...] | None:
    pieces = cssrules.split(css)
    return None if pieces is None else critical._compile_pieces(css, pieces)


@pytest.mark.parametrize(
    "css",
    [
        "a{color:red}b,c>d{margin:0}",
        '@charset "utf-8";a{b:c}',
        "/* {} */a{b:c/* } */}/**/ <!-- b{c:d} -->",
        'a[title="}{"]{content:"}"}b{content:\'{;\'}',
        'a{background:url(x}y;z{.png)}b{c:url( a.png )}c{d:url("}")}',
        "a{b:c\\}d}e{f:g}",  # an escaped brace is part of a name
        "a\\{b{c:d}",
        "@media print{a{b:c}@supports (display:grid){d{e:f}}}g{h:i}",
        "@font-face{font-family:x;src:url(x.woff2)}@keyframes k{0%{a:b}to{a:c}}",
        "@import url(x.css) screen;@page{size:A4}a{b:c}",
        "a{b:(}c){d:e}}",  # a } inside ( ) closes nothing
        "a:is(.x,.y) ) ]{b:c}d{e:f}",  # closers that close nothing are plain tokens
        'a{content:"x\ny;}b{c:d}',  # a newline ends a bad string
        "  \n\t a { b : c ; } \n",
        ".md-typeset .admonition{--x:url('data:image/svg+xml;charset=utf-8,<svg>{}</svg>')}",
    ],
)
def test_split_finds_the_rules_tinycss2_finds(css: str) -> None:
    compiled = _split_compiled(css)
    assert compiled is not None
    assert _dump(compiled) == _dump(critical._parsed_stylesheet(css))


@pytest.mark.parametrize(
    "text",
    [
        "a,b",
        "",
        " \n",
        ".md-typeset .admonition>p,.md-nav__link:hover",
        ".a.b#c>d~e+f *",
        "A B,DIV.X",
        "[A=B I]",
        "[a=b s]",
        "[ x = y ]",
        "[a^=b],[a|=b],[a~=b i],[a$=b],[a*=b]",
        "a::before,:root,a:hover>b",
        "--x,-y",
        "u+b",  # tinycss2: a unicode-range
        "menu+a",
        ".5a",  # a number
        "a:not(.b)",
        ":is(.a,.b) c",
        '[a="b"]',
        r"a\.b",
        "a/**/b",
        "x|y",
        "#1a",
        "é",
        "a-->b",
    ],
)
def test_plain_selectors_are_read_as_tinycss2_reads_them(text: str) -> None:
    """``selectors.needs`` gives what ``_selector_needs`` makes of tinycss2's tokens, or None
    (then tinycss2 reads it)."""
    fast = selectors.needs(text)
    if fast is not None:
        tokens = tinycss2.parse_component_value_list(text, skip_comments=True)
        assert tuple(critical._split(n) for n in fast) == critical._needs_of(tokens)
    plain = all(c not in text for c in '()"/\\é') and not re.search(r"u\+|\.\d|-->|\|(?!=)", text)
    assert (fast is not None) == plain


@pytest.mark.parametrize(
    "css", ["a{color:red", "@media print{a{b:c}", 'a{b:"c}', "@import x", 'a{b:"x\ny"}c{d:e}']
)
def test_an_unfinished_rule_is_parsed_whole(css: str) -> None:
    assert _split_compiled(css) is None
    assert _dump(critical._stylesheet(css)) == _dump(critical._parsed_stylesheet(css))


def test_split_reads_the_site_stylesheets_as_tinycss2(built_site: Project) -> None:
    """The theme's stylesheets and ours: every rule, selector and declaration the same."""
    sheets = sorted((built_site.site / "assets" / "stylesheets").glob("*.css"))
    assert len(sheets) == 4
    for path in sheets:
        css = path.read_text(encoding="utf-8")
        compiled = _split_compiled(css)
        assert compiled is not None, path.name
        assert _dump(compiled) == _dump(critical._parsed_stylesheet(css)), path.name
